//! Where encoding time goes: pre-tokenizer alone vs the whole count, on a file.
//! `cargo run --release -p fairtok-core --example profile_split -- o200k_base FILE`
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tok = fairtok_core::Tokenizer::builtin(&args[1]).unwrap();
    let text = std::fs::read_to_string(&args[2]).unwrap();
    let re = fairtok_core::pattern::Regex::tiktoken(tok.pattern().unwrap()).unwrap();
    let mb = text.len() as f64 / 1e6;
    let t = Instant::now();
    let mut pieces = 0usize;
    re.for_each_match(&text, |_, _| pieces += 1).unwrap();
    let split = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let n = tok.count(&text).unwrap();
    let all = t.elapsed().as_secs_f64();
    println!(
        "{pieces} pieces, {n} tokens; split {:.1} MB/s, count {:.1} MB/s",
        mb / split,
        mb / all
    );
}
