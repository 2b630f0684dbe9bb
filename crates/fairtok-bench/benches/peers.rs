//! Encoder throughput: fairtok against its Rust peers, side by side in one run.
//!
//! Peers: `tiktoken-rs` (`CoreBPE::encode_ordinary`), GitHub's `bpe-openai` (`Tokenizer::count`
//! and `Tokenizer::encode`, which pre-tokenize with its own regex, as needed for exact
//! o200k/cl100k results) and Hugging Face `tokenizers` (`Tokenizer::encode_fast` on a
//! `tokenizer.json` that fairtok writes for the encoding: ByteLevel BPE with the merges derived
//! from the ranks and the pattern as a `Split`).
//!
//! usage: `cargo bench -p fairtok-bench --bench peers -- DIR [--repeat N] [--limit SECS]`
//!
//! `DIR/manifest.json` (written by `benches/encode/bench.py prepare`) lists the texts:
//! `{"texts": [{"name": ..., "path": ..., "kind": "corpus" | "worst"}]}`. Corpus texts run
//! through every peer with o200k_base and cl100k_base, on 1 and 2 threads; the worst cases with
//! o200k_base on 1 thread, each under a time limit. Every measurement runs in a child process
//! (this program with `--one`), so memory and time limits apply to one peer at a time and a
//! peer's load time is measured apart from its encoding. Writes `DIR/rust.json`.
//!
//! Two threads: fairtok uses its own `count_parallel`/`encode_parallel`; the peers, which have
//! no such call for one text, get the text cut in two before a line that starts with a letter
//! (where every one of these pre-tokenizers splits anyway) and encode the halves on two threads.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const PEERS: &[&str] = &[
    "fairtok-count",
    "fairtok-encode",
    "bpe-openai-count",
    "bpe-openai-encode",
    "tiktoken-rs",
    "hf-tokenizers",
];
const ENCODINGS: &[&str] = &["o200k_base", "cl100k_base"];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("--one") {
        let [peer, enc, path, threads, repeat, dir, max_mib] = &args[1..] else {
            panic!("--one PEER ENCODING FILE THREADS REPEAT DIR MAX_MIB");
        };
        let r = one(
            peer,
            enc,
            Path::new(path),
            threads.parse().unwrap(),
            repeat.parse().unwrap(),
            Path::new(dir),
            max_mib.parse().unwrap(),
        );
        println!("{r}");
        return;
    }
    let mut dir = None;
    let mut repeat = 3usize;
    let mut limit = 60.0f64;
    let mut hf_mib = 8usize;
    let mut peers: Vec<String> = PEERS.iter().map(|s| s.to_string()).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--repeat" => repeat = it.next().unwrap().parse().unwrap(),
            "--limit" => limit = it.next().unwrap().parse().unwrap(),
            "--hf-mib" => hf_mib = it.next().unwrap().parse().unwrap(),
            "--peers" => peers = it.next().unwrap().split(',').map(str::to_owned).collect(),
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.expect("usage: peers DIR [--repeat N] [--limit SECS] [--peers a,b]");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    for enc in ENCODINGS {
        write_hf_json(enc, &dir);
    }
    let mut rows = vec![];
    let mut worst = vec![];
    for t in manifest["texts"].as_array().unwrap() {
        let (name, path, kind) = (
            t["name"].as_str().unwrap(),
            t["path"].as_str().unwrap(),
            t["kind"].as_str().unwrap(),
        );
        let corpus = kind == "corpus";
        let encs: &[&str] = if corpus { ENCODINGS } else { &ENCODINGS[..1] };
        for enc in encs {
            for th in if corpus { &[1usize, 2][..] } else { &[1][..] } {
                for peer in &peers {
                    // HF tokenizers takes several seconds per MiB: once, on the first
                    // `--hf-mib` MiB of a corpus text.
                    let hf = peer == "hf-tokenizers";
                    let rep = if hf { 1 } else { repeat };
                    let max_mib = if hf && corpus { hf_mib } else { 0 };
                    let lim = if corpus { limit * 10.0 } else { limit };
                    let mut r = child(peer, enc, path, *th, rep, &dir, lim, max_mib);
                    r["text"] = json!(name);
                    r["encoding"] = json!(enc);
                    r["peer"] = json!(peer);
                    r["threads"] = json!(th);
                    eprintln!("{r}");
                    if corpus {
                        rows.push(r);
                    } else {
                        worst.push(r);
                    }
                }
            }
        }
    }
    let out = json!({
        "rows": rows,
        "worst": worst,
        "versions": versions(),
        "repeat": repeat,
        "hf_mib": hf_mib,
    });
    std::fs::write(
        dir.join("rust.json"),
        serde_json::to_string_pretty(&out).unwrap(),
    )
    .unwrap();
}

/// Runs one measurement in a child process, killed after `limit` seconds.
#[allow(clippy::too_many_arguments)]
fn child(
    peer: &str,
    enc: &str,
    path: &str,
    threads: usize,
    repeat: usize,
    dir: &Path,
    limit: f64,
    max_mib: usize,
) -> Value {
    let exe = std::env::current_exe().unwrap();
    let mut c = Command::new(exe)
        .args(["--one", peer, enc, path])
        .arg(threads.to_string())
        .arg(repeat.to_string())
        .arg(dir)
        .arg(max_mib.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = c.try_wait().unwrap() {
            let mut out = String::new();
            c.stdout.take().unwrap().read_to_string(&mut out).unwrap();
            if !status.success() {
                let mut err = String::new();
                c.stderr.take().unwrap().read_to_string(&mut err).unwrap();
                let last = err.lines().rev().find(|l| !l.trim().is_empty());
                return json!({"error": last.unwrap_or("failed").chars().take(200).collect::<String>()});
            }
            return serde_json::from_str(out.trim()).unwrap();
        }
        if start.elapsed().as_secs_f64() > limit {
            let _ = c.kill();
            let _ = c.wait();
            return json!({ "timeout_s": limit });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// FNV-1a over the ids, to compare ids across peers without keeping them.
fn ids_hash(ids: &[u32]) -> u64 {
    let mut h = 0xcbf29ce484222325u64;
    for &id in ids {
        h ^= id as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Cuts `text` into `parts` spans before a line that starts with an ASCII letter or a Hangul
/// syllable (both `\p{L}`): no pre-tokenizer here lets a piece run from `\n` into a letter.
fn cut(text: &str, parts: usize) -> Vec<&str> {
    let s = text.as_bytes();
    let mut cuts = vec![0];
    for k in 1..parts {
        let mut i = (s.len() * k / parts).max(*cuts.last().unwrap());
        while let Some(off) = s[i..].iter().position(|&b| b == b'\n') {
            let p = i + off + 1;
            if p >= s.len() {
                break;
            }
            let c = text[p..].chars().next().unwrap();
            if c.is_ascii_alphabetic() || ('\u{AC00}'..='\u{D7A3}').contains(&c) {
                cuts.push(p);
                break;
            }
            i = p;
        }
    }
    cuts.push(s.len());
    cuts.dedup();
    cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

/// What one call on one part returns: the token count and, for encoders, the ids' hash.
type Run<'a> = Box<dyn Fn(&str) -> (usize, Option<Vec<u32>>) + Sync + 'a>;

/// The first `max_mib` MiB of `text` (0: all), ending after a line feed.
fn prefix(text: &str, max_mib: usize) -> &str {
    let max = max_mib << 20;
    if max_mib == 0 || text.len() <= max {
        return text;
    }
    let end = text.as_bytes()[..max]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(max, |p| p + 1);
    &text[..end]
}

#[allow(clippy::too_many_arguments)]
fn one(
    peer: &str,
    enc: &str,
    path: &Path,
    threads: usize,
    repeat: usize,
    dir: &Path,
    max_mib: usize,
) -> Value {
    let whole = std::fs::read_to_string(path).unwrap();
    let text = prefix(&whole, max_mib).to_owned();
    drop(whole);
    let t0 = Instant::now();
    // Every peer: a function over one part. fairtok's 2-thread rows use its own parallel API.
    let ft;
    let tr;
    let hf;
    let run: Run = match peer {
        "fairtok-count" | "fairtok-encode" => {
            ft = fairtok_core::Tokenizer::builtin(enc).unwrap();
            let ft = &ft;
            if peer == "fairtok-count" {
                Box::new(move |t: &str| (ft.count_parallel(t, threads).unwrap(), None))
            } else {
                Box::new(move |t: &str| {
                    let ids = ft.encode_parallel(t, threads).unwrap();
                    (ids.len(), Some(ids))
                })
            }
        }
        "bpe-openai-count" | "bpe-openai-encode" => {
            let b = if enc == "o200k_base" {
                bpe_openai::o200k_base()
            } else {
                bpe_openai::cl100k_base()
            };
            b.count("force the lazy load"); // deserializes the tables
            if peer == "bpe-openai-count" {
                Box::new(move |t: &str| (b.count(t), None))
            } else {
                Box::new(move |t: &str| {
                    let ids = b.encode(t);
                    (ids.len(), Some(ids))
                })
            }
        }
        "tiktoken-rs" => {
            tr = if enc == "o200k_base" {
                tiktoken_rs::o200k_base().unwrap()
            } else {
                tiktoken_rs::cl100k_base().unwrap()
            };
            let tr = &tr;
            Box::new(move |t: &str| {
                let ids = tr.encode_ordinary(t);
                (ids.len(), Some(ids))
            })
        }
        "hf-tokenizers" => {
            hf = tokenizers::Tokenizer::from_file(dir.join(format!("{enc}.tokenizer.json")))
                .unwrap();
            let hf = &hf;
            Box::new(move |t: &str| {
                let e = hf.encode_fast(t, false).unwrap();
                (e.get_ids().len(), Some(e.get_ids().to_vec()))
            })
        }
        other => panic!("unknown peer {other}"),
    };
    let load_s = t0.elapsed().as_secs_f64();
    let fairtok_parallel = peer.starts_with("fairtok");
    let parts = if fairtok_parallel {
        vec![text.as_str()]
    } else {
        cut(&text, threads)
    };
    let mut best = f64::INFINITY;
    let mut tokens = 0;
    let mut hash = None;
    for _ in 0..repeat {
        let t0 = Instant::now();
        let results: Vec<(usize, Option<Vec<u32>>)> = if parts.len() == 1 {
            vec![run(parts[0])]
        } else {
            std::thread::scope(|s| {
                let hs: Vec<_> = parts
                    .iter()
                    .map(|p| {
                        let run = &run;
                        s.spawn(move || run(p))
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            })
        };
        best = best.min(t0.elapsed().as_secs_f64());
        tokens = results.iter().map(|r| r.0).sum();
        if results[0].1.is_some() {
            let all: Vec<u32> = results.into_iter().flat_map(|r| r.1.unwrap()).collect();
            hash = Some(format!("{:016x}", ids_hash(&all)));
        }
    }
    let mb = text.len() as f64 / 1e6;
    json!({
        "mb": mb,
        "tokens": tokens,
        "ids_hash": hash,
        "best_s": best,
        "mbs": mb / best,
        "load_s": load_s,
        "parts": parts.len(),
    })
}

/// Writes `DIR/ENC.tokenizer.json`: the encoding's ranks as a byte-level BPE `tokenizer.json`,
/// each token's merge being the last one tiktoken's rule makes when it encodes the token's bytes
/// with the lower ranks only.
fn write_hf_json(enc: &str, dir: &Path) {
    let path = dir.join(format!("{enc}.tokenizer.json"));
    if path.exists() {
        return;
    }
    let t = fairtok_core::Tokenizer::builtin(enc).unwrap();
    let specials = t.special_tokens();
    let n = (0..t.n_vocab() as u32)
        .take_while(|&id| t.token_bytes(id).is_some() && !specials.iter().any(|s| s.1 == id))
        .count();
    let tokens: Vec<Vec<u8>> = (0..n as u32)
        .map(|id| t.token_bytes(id).unwrap().to_vec())
        .collect();
    let rank: HashMap<&[u8], u32> = tokens
        .iter()
        .enumerate()
        .map(|(i, b)| (b.as_slice(), i as u32))
        .collect();
    let mut merges = vec![];
    for (id, tok) in tokens.iter().enumerate() {
        if tok.len() < 2 {
            continue;
        }
        // tiktoken's rule on the token's bytes, with ranks below its own.
        let mut parts: Vec<&[u8]> = tok.chunks(1).collect();
        loop {
            let mut best: Option<(u32, usize)> = None;
            for i in 0..parts.len() - 1 {
                let joined = [parts[i], parts[i + 1]].concat();
                if let Some(&r) = rank.get(joined.as_slice()) {
                    if r < id as u32 && best.is_none_or(|(br, _)| r < br) {
                        best = Some((r, i));
                    }
                }
            }
            let Some((_, i)) = best else { break };
            let len = parts[i].len() + parts[i + 1].len();
            let start = parts[..i].iter().map(|p| p.len()).sum::<usize>();
            parts[i] = &tok[start..start + len];
            parts.remove(i + 1);
        }
        if parts.len() == 2 {
            merges.push((rank[parts[0]], rank[parts[1]]));
        }
    }
    let doc = fairtok_core::write::tokenizer_json(&fairtok_core::write::Vocab {
        name: enc,
        tokens: &tokens,
        merges: &merges,
        specials: &specials,
        pattern: t.pattern().unwrap(),
    })
    .unwrap();
    std::fs::write(&path, doc).unwrap();
    eprintln!(
        "wrote {} ({} tokens, {} merges)",
        path.display(),
        tokens.len(),
        merges.len()
    );
}

/// Versions of the peers as locked in the workspace's `Cargo.lock`.
fn versions() -> Value {
    let lock = include_str!("../../../Cargo.lock");
    let mut out = serde_json::Map::new();
    let mut name = "";
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = n.trim_matches('"');
        } else if let Some(v) = line.strip_prefix("version = ") {
            if [
                "tiktoken-rs",
                "bpe-openai",
                "bpe",
                "tokenizers",
                "fairtok-core",
            ]
            .contains(&name)
            {
                out.insert(name.to_owned(), json!(v.trim_matches('"')));
            }
        }
    }
    Value::Object(out)
}
