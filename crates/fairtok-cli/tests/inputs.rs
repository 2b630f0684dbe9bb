//! Input files that change while fairtok reads them (issue 13, item 15): the command ends with
//! a result or an error, never killed by a signal (a mapped file that shrinks gives SIGBUS),
//! and the bytes it encodes are the bytes it checked.

mod common;
use common::*;

#[cfg(unix)]
#[test]
fn an_input_truncated_or_rewritten_meanwhile_never_kills_the_process() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let text =
        "The same content in Korean costs more. 같은 내용의 한국어는 더 비싸다.\n".repeat(400_000);
    let path = write(dir.path(), "big.txt", &text);
    let mut bad = text.clone().into_bytes();
    let mid = bad.len() / 2;
    bad[mid] = 0xFF;
    for (i, delay_ms) in [0u64, 1, 3, 10, 30, 100, 300].into_iter().enumerate() {
        std::fs::write(&path, &text).unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_fairtok"))
            .args(["count", "-t", "o200k_base", "--json", s(&path)])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        if i % 2 == 0 {
            // Shrink the file in place.
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len(1000).unwrap();
        } else {
            // Rewrite it in place with a byte that is not UTF-8.
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.write_all(&bad).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.signal(), None, "killed after {delay_ms} ms");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            // What was counted was checked: a whole, valid text of some length.
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert!(v.to_string().contains("tokens"), "{v}");
        } else {
            assert!(stderr.contains("invalid UTF-8 at byte offset"), "{stderr}");
        }
    }
}

/// Errors quote a bounded excerpt of what was wrong (issue 13, item 6), however long it is.
#[test]
fn errors_quote_a_bounded_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    let big = "x".repeat(5_000_000);
    let rank = write(dir.path(), "rank.tiktoken", format!("YQ== {big}\n"));
    let kind = write(
        dir.path(),
        "kind.json",
        format!(r#"{{"model":{{"type":"{big}"}}}}"#),
    );
    let regex = write(
        dir.path(),
        "regex.json",
        format!(
            r#"{{"model":{{"type":"BPE","vocab":{{"a":0}},"merges":[]}},"pre_tokenizer":{{"type":"Split","pattern":{{"Regex":"({big}"}},"behavior":"Isolated","invert":false}}}}"#
        ),
    );
    let jsonl = write(dir.path(), "bad.jsonl", format!("{{\"text\": 5{big}}}\n"));
    let out = dir.path().join("o.json");
    for args in [
        vec!["encode", "-t", s(&rank), "--pattern", "o200k"],
        vec!["encode", "-t", s(&kind)],
        vec!["encode", "-t", s(&regex)],
        vec![
            "train",
            "--input",
            &format!("en={}", s(&jsonl)),
            "--vocab-size",
            "300",
            "-o",
            s(&out),
        ],
    ] {
        let e = fails_with(&args, b"hi");
        assert!(e.len() < 2000, "{args:?}: {} bytes of error", e.len());
        assert!(
            e.contains("bytes left out") || args[0] == "train",
            "{args:?}: {e}"
        );
    }
}

/// An input larger than the memory the process may have is an error naming it, not an abort
/// (issue 13, item 5). The file is sparse: 3 GB on disk cost nothing.
#[cfg(unix)]
#[test]
fn an_input_that_does_not_fit_in_memory_is_an_error() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.txt");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let script = format!(
        "ulimit -v 1000000 && exec {} count -t o200k_base {}",
        env!("CARGO_BIN_EXE_fairtok"),
        s(&path)
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), None, "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("do not fit in memory"), "{stderr}");
    assert!(stderr.contains("huge.txt"), "{stderr}");
}
