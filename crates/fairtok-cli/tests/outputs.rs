//! Where outputs go (issue 13, item 14): `-` is standard output, a symbolic link is written
//! through, and a directory, FIFO or device is refused and left as it was.

mod common;
use common::*;

fn corpus(dir: &std::path::Path) -> String {
    let text = "hello world, hello fairtok\n안녕 세상, 안녕 세계\n".repeat(50);
    s(&write(dir, "a.txt", text)).to_owned()
}

/// `fairtok train` on `input` (`LANG=FILE`), quiet, up to `-o` (its path comes next).
fn train_to(input: &str) -> [&str; 7] {
    [
        "train",
        "--input",
        input,
        "--vocab-size",
        "300",
        "--quiet",
        "-o",
    ]
}

#[test]
fn dash_writes_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = format!("en={}", corpus(dir.path()));
    let file = dir.path().join("t.json");
    let train = train_to(&input);
    ok(&[&train[..], &[s(&file)]].concat());
    let printed = ok(&[&train[..], &["-"]].concat());
    assert_eq!(printed, std::fs::read_to_string(&file).unwrap());
    // Two files cannot go to standard output.
    let e = fails(&[&train[..], &["-", "--format", "tiktoken"]].concat());
    assert!(e.contains("two files"), "{e}");
    // A report on standard output replaces the table.
    let json = ok(&[
        "parity",
        "-t",
        "o200k_base",
        "--langs",
        "eng_Latn,kor_Hang",
        "--json",
        "-",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["pivot"], "eng_Latn");
    let e = fails(&[
        "parity",
        "-t",
        "o200k_base",
        "--json",
        "-",
        "--markdown",
        "-",
    ]);
    assert!(e.contains("only one report"), "{e}");
}

#[cfg(unix)]
#[test]
fn links_are_written_through_and_special_files_refused() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let input = format!("en={}", corpus(dir.path()));
    let train = train_to(&input);
    let real = write(dir.path(), "real.json", "old");
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    ok(&[&train[..], &[s(&link)]].concat());
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&real)
        .unwrap()
        .contains("\"model\""));

    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (path, what) in [
        (fifo.clone(), "is a FIFO"),
        ("/dev/null".into(), "is a device"),
        (dir.path().join("."), "is a directory"),
    ] {
        for args in [
            &train[..],
            &["count-pretokens", "--input", &input, "--quiet", "-o"][..],
            &["export", "-t", "r50k_base", "--format", "hf", "-o"][..],
        ] {
            let out = s(&path);
            // A directory is where train writes tokenizer.json: only the others are refused.
            if what == "is a directory" && args[0] == "train" {
                continue;
            }
            let e = fails(&[args, &[out]].concat());
            assert!(e.contains(what), "{args:?} {out}: {e}");
        }
        let e = fails(&["parity", "-t", "o200k_base", "--html", s(&path)]);
        assert!(e.contains(what), "parity {}: {e}", path.display());
    }
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}
