//! The command where the system refuses every new thread (issue 17: "no slowdown when an OS
//! thread is refused"). Each command that uses threads is run twice, as is and with
//! `RUST_MIN_STACK` so large (2^60 bytes) that no thread stack can be mapped, which makes every
//! thread the process asks for fail, as at a thread limit, root or not. The outputs must be the
//! same and the command must succeed: its work falls back to the calling thread
//! (`fairtok_core::task`). Before that fallback, `fairtok count` panicked there ("failed to
//! spawn thread") even with `--threads 1`.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A stack no system can map: `pthread_create` fails with `EAGAIN`.
const REFUSING_STACK: &str = "1152921504606846976";

/// Runs the built `fairtok` with `args`, with every new thread refused or not.
fn fairtok(args: &[&str], refused: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fairtok"));
    cmd.args(args);
    if refused {
        cmd.env("RUST_MIN_STACK", REFUSING_STACK);
    } else {
        cmd.env_remove("RUST_MIN_STACK");
    }
    cmd.output().unwrap()
}

/// Runs `args` both ways; both must succeed with the same standard output, which is returned.
fn same_both_ways(args: &[&str]) -> String {
    let (free, refused) = (fairtok(args, false), fairtok(args, true));
    for (out, how) in [(&free, "with threads"), (&refused, "with threads refused")] {
        assert!(
            out.status.success(),
            "fairtok {args:?} failed {how}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        free.stdout == refused.stdout,
        "fairtok {args:?}: the output differs when threads are refused"
    );
    String::from_utf8(free.stdout).unwrap()
}

/// About `bytes` of lines of Korean and English words (each line starts with a letter, so a
/// long text is cut for threads at line starts).
fn write_text(path: &Path, bytes: usize) {
    let words = [
        "토큰",
        "한국어",
        "공정한",
        "비용",
        "모델은",
        "the",
        "tokens",
        "fair",
        "cost",
        "model",
        "서울에서",
        "밝혔다",
        "2026",
        "영어",
        "English",
        "parity",
        "수",
        "있다",
    ];
    let (mut text, mut x) = (String::new(), 12345u64);
    while text.len() < bytes {
        for k in 0..12 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if k > 0 {
                text.push(' ');
            }
            text.push_str(words[(x >> 33) as usize % words.len()]);
        }
        text.push_str(".\n");
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn the_refusal_is_real() {
    // This test binary runs itself again with the refusing stack; there a thread must fail to
    // start (libtest runs the test on its main thread when it cannot start one).
    if std::env::var_os("FAIRTOK_REFUSAL_PROBE").is_some() {
        let spawned = std::thread::Builder::new().spawn(|| ()).is_ok();
        std::process::exit(if spawned { 3 } else { 0 });
    }
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["the_refusal_is_real", "--exact", "--test-threads=1"])
        .env("FAIRTOK_REFUSAL_PROBE", "1")
        .env("RUST_MIN_STACK", REFUSING_STACK)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "a thread started with RUST_MIN_STACK={REFUSING_STACK}: the other tests prove nothing"
    );
}

#[test]
fn count_and_encode_give_the_same_without_threads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("text.txt");
    // Past the sizes from which the input check, the encoding and the formatting of ids go
    // to several threads.
    write_text(&file, 3 << 20);
    let f = file.to_str().unwrap();
    for tok in ["o200k_base", "cl100k_base", "o200k_ko"] {
        let out = same_both_ways(&["count", "-t", tok, "--threads", "2", "--json", f]);
        assert!(out.contains("\"tokens\""), "{out}");
    }
    same_both_ways(&["count", "-t", "o200k_base", "--threads", "1", f]);
    let ids = same_both_ways(&["encode", "-t", "o200k_base", "--threads", "2", f]);
    assert!(ids.split_ascii_whitespace().count() > 1 << 18);
}

#[test]
fn parity_and_training_give_the_same_without_threads() {
    // Parity encodes the lines on a rayon pool; training counts on worker threads and
    // merges on a pool.
    let out = same_both_ways(&["parity", "-t", "o200k_base,cl100k_base"]);
    assert!(out.contains("kor_Hang"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.txt");
    write_text(&corpus, 1 << 20);
    let input = format!("ko={}", corpus.to_str().unwrap());
    let mut trained = vec![];
    for (refused, name) in [(false, "free.json"), (true, "refused.json")] {
        let out = dir.path().join(name);
        let args = [
            "train",
            "--input",
            &input,
            "--vocab-size",
            "600",
            "--threads",
            "2",
            "--quiet",
            "-o",
            out.to_str().unwrap(),
        ];
        let run = fairtok(&args, refused);
        assert!(
            run.status.success(),
            "train (refused: {refused}): {}",
            String::from_utf8_lossy(&run.stderr)
        );
        trained.push(std::fs::read(&out).unwrap());
    }
    assert!(
        trained[0] == trained[1],
        "training differs when threads are refused"
    );
}
