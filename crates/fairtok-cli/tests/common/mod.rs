//! Helpers shared by the `fairtok` command's integration tests: the shared data, running the
//! built binary, and the checks every test makes of a success or a failure.
//!
//! Each test file compiles this module on its own and uses only some of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The shared test data: `$FAIRTOK_SHARED`, or `shared/` beside the checkout.
pub fn shared() -> PathBuf {
    std::env::var_os("FAIRTOK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

/// Runs the built `fairtok` with `args` and `stdin` as its standard input.
pub fn fairtok_with(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fairtok"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Feed stdin from a thread so a large input cannot deadlock against a full stdout pipe.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The command may exit before reading everything (an early error): that is fine.
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Runs the built `fairtok` with `args` and an empty standard input.
pub fn fairtok(args: &[&str]) -> Output {
    fairtok_with(args, b"")
}

/// Runs a command that must succeed; returns its output.
fn succeeds(args: &[&str], stdin: &[u8]) -> Output {
    let out = fairtok_with(args, stdin);
    assert!(
        out.status.success(),
        "fairtok {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a command that must succeed, with `stdin`; returns its standard output.
pub fn ok_with(args: &[&str], stdin: &[u8]) -> String {
    String::from_utf8(succeeds(args, stdin).stdout).unwrap()
}

/// Runs a command that must succeed; returns its standard output.
pub fn ok(args: &[&str]) -> String {
    ok_with(args, b"")
}

/// Runs a command that must succeed; returns its standard error (warnings, summaries).
pub fn ok_stderr(args: &[&str]) -> String {
    String::from_utf8(succeeds(args, b"").stderr).unwrap()
}

/// Runs a command that must fail, with `stdin`: exit 1, no panic, one line on standard error
/// starting `fairtok: error: `. Returns the message after that prefix.
pub fn fails_with(args: &[&str], stdin: &[u8]) -> String {
    let out = fairtok_with(args, stdin);
    assert_eq!(
        out.status.code(),
        Some(1),
        "fairtok {args:?} should fail with exit 1"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("fairtok: error: "), "{err}");
    err.trim_end()
        .trim_start_matches("fairtok: error: ")
        .to_owned()
}

/// [`fails_with`] an empty standard input.
pub fn fails(args: &[&str]) -> String {
    fails_with(args, b"")
}

/// Writes `text` to `dir/name`; returns the path.
pub fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A new temporary directory holding `name` with `content`; returns the directory (removed when
/// dropped) and the file's path.
pub fn temp_file(name: &str, content: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), name, content);
    (dir, p.to_str().unwrap().to_owned())
}

/// The path as a `&str` (the tests' paths are UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
