//! SIGKILL in the middle of a write: `train`, `extend` and `export` are killed (`kill -9`,
//! which no handler can intercept) at several random moments of a run, over an output path
//! that already holds an old file. Afterwards the path must hold the old file intact or the
//! complete new output (the run had finished), never a partial file; and every other file
//! left in the folder must be a hidden temporary (`.NAME.tmp-PID`), not something a reader
//! would take for output.
//!
//! Each command is first run to completion once, to know its output and how long it takes;
//! the kill delays are drawn from `0..1.2 × that time` (a fixed-seed xorshift mixed with the
//! clock, printed so a failure can be repeated).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Kills per command.
const KILLS: usize = 6;

/// A corpus of about `kb` kilobytes of many distinct words (Latin and Hangul syllables), so
/// that counting and merging take a while.
fn write_corpus(path: &Path, kb: usize, hangul: bool) {
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = String::with_capacity(kb << 10);
    while out.len() < kb << 10 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let n = 1 + (s % 5) as u32;
        out.push(' ');
        for k in 0..n {
            let x = ((s >> (8 * k + 8)) & 0xff) as u32;
            if hangul {
                out.push(char::from_u32(0xac00 + x * 7).unwrap());
            } else {
                out.push(char::from_u32(b'a' as u32 + x % 26).unwrap());
                out.push(['a', 'e', 'o', 'i'][(x % 4) as usize]);
            }
        }
        if s.is_multiple_of(13) {
            out.push('\n');
        }
    }
    std::fs::write(path, out).unwrap();
}

fn fairtok(args: &[String]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fairtok"));
    c.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// The files of `dir` (names), sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Runs `args` (whose outputs are `outputs`, in `dir`) to completion, then kills it at
/// random moments over old outputs, checking each time what the outputs hold.
fn check_kills(name: &str, dir: &Path, args: &[String], outputs: &[PathBuf]) {
    // A complete run: the new output, and how long a run takes.
    let start = Instant::now();
    let status = fairtok(args).status().unwrap();
    let full = start.elapsed();
    assert!(status.success(), "{name}: the complete run failed");
    let new: Vec<Vec<u8>> = outputs.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let before = listing(dir);
    let mut seed = 0x2545_f491_4f6c_dd1du64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
    eprintln!("{name}: a complete run takes {full:?}; seed {seed:#x}");
    let (mut old_seen, mut new_seen) = (0, 0);
    for kill in 0..KILLS {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // The first kill comes early (during reading), the others anywhere in the run.
        let span = full.as_micros() as u64 * 12 / 10;
        let delay = Duration::from_micros(if kill == 0 {
            span / 20
        } else {
            seed % span.max(1)
        });
        let old: Vec<Vec<u8>> = (0..outputs.len())
            .map(|i| format!("old output {i} of {name}, kill {kill}\n").into_bytes())
            .collect();
        for (p, o) in outputs.iter().zip(&old) {
            std::fs::write(p, o).unwrap();
        }
        let mut child = fairtok(args).spawn().unwrap();
        std::thread::sleep(delay);
        // SIGKILL (Child::kill sends it on Unix); the child may have exited already.
        let _ = child.kill();
        let status = child.wait().unwrap();
        for (i, p) in outputs.iter().enumerate() {
            let now = std::fs::read(p).unwrap_or_else(|e| {
                panic!("{name}, kill {kill} at {delay:?}: {}: {e}", p.display())
            });
            if now == old[i] {
                old_seen += 1;
            } else if now == new[i] {
                new_seen += 1;
            } else {
                panic!(
                    "{name}, kill {kill} at {delay:?} ({status}): {} holds {} bytes, neither the \
                     old file nor the complete output ({} bytes)",
                    p.display(),
                    now.len(),
                    new[i].len()
                );
            }
        }
        for f in listing(dir) {
            assert!(
                before.contains(&f) || (f.starts_with('.') && f.contains(".tmp")),
                "{name}, kill {kill} at {delay:?}: a stray file {f:?} that is not a hidden temporary"
            );
        }
    }
    eprintln!("{name}: after {KILLS} kills, {old_seen} outputs old, {new_seen} complete");
    // At least one kill must land before the rename, or the test tested nothing.
    assert!(
        old_seen > 0,
        "{name}: no kill landed before the output was written"
    );
}

fn s(x: &str) -> String {
    x.to_owned()
}

#[test]
fn sigkill_during_train_leaves_the_old_output_or_the_new() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.txt");
    write_corpus(&corpus, 3 << 10, false);
    let out = dir.path().join("tokenizer.json");
    let args = [
        s("train"),
        format!("--input=en={}", corpus.display()),
        s("--vocab-size=3000"),
        s("--threads=2"),
        format!("--output={}", out.display()),
    ];
    check_kills("train", dir.path(), &args, &[out]);
}

#[test]
fn sigkill_during_extend_leaves_the_old_output_or_the_new() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("ko.txt");
    write_corpus(&corpus, 300, true);
    let out = dir.path().join("extended.json");
    let args = [
        s("extend"),
        s("--tokenizer=r50k_base"),
        format!("--input=kor_Hang={}", corpus.display()),
        s("--add=300"),
        s("--format=hf"),
        format!("--output={}", out.display()),
    ];
    check_kills("extend", dir.path(), &args, &[out]);
}

#[test]
fn sigkill_during_export_leaves_the_old_outputs_or_the_new() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o200k.tiktoken");
    let sidecar = dir.path().join("o200k.tiktoken.json");
    let args = [
        s("export"),
        s("--tokenizer=o200k_base"),
        s("--format=tiktoken"),
        format!("--output={}", out.display()),
    ];
    check_kills("export tiktoken", dir.path(), &args, &[out, sidecar]);
    let out = dir.path().join("o200k.json");
    let args = [
        s("export"),
        s("--tokenizer=o200k_base"),
        s("--format=hf"),
        format!("--output={}", out.display()),
    ];
    check_kills("export hf", dir.path(), &args, &[out]);
}
