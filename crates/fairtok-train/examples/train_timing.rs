//! Times the stages of a training run: `cargo run --release -p fairtok-train --example
//! train_timing -- FILE VOCAB [THREADS]`.
use std::time::Instant;

use fairtok_train::*;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (langs, srcs) = expand(&[Input::parse(&format!("x={}", args[1]))?])?;
    let vocab: usize = args[2].parse().unwrap();
    let threads: usize = args.get(3).map_or(2, |t| t.parse().unwrap());
    let t = Instant::now();
    let counts = count_sources(
        &langs,
        &srcs,
        &CountOptions {
            threads,
            ..Default::default()
        },
        &NoProgress,
    )?;
    let bytes: u64 = counts.iter().map(|(p, _)| p.len() as u64).sum();
    eprintln!(
        "count: {:.2}s, {} distinct pieces, {} bytes of distinct pieces, {} occurrences",
        t.elapsed().as_secs_f64(),
        counts.len(),
        bytes,
        counts.total()
    );
    eprintln!("{}", hwm());
    let t = Instant::now();
    let r = train(
        counts,
        &TrainOptions {
            vocab_size: vocab,
            ..Default::default()
        },
        &NoProgress,
    )?;
    eprintln!(
        "merge: {:.2}s, {} merges",
        t.elapsed().as_secs_f64(),
        r.merges.len()
    );
    eprintln!("{}", hwm());
    Ok(())
}

fn hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        .collect::<Vec<_>>()
        .join(" ")
}
