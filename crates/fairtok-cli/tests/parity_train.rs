//! End-to-end tests of parity-aware training (`fairtok train --parity-dev`): it lowers the
//! highest dev premium against classical training, its dev token counts are the encoder's, it
//! is deterministic, and bad set-ups fail with one clear line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fairtok_core::{LoadOptions, Tokenizer};

fn shared() -> PathBuf {
    std::env::var_os("FAIRTOK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

fn fairtok(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fairtok"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = fairtok(args);
    assert!(
        out.status.success(),
        "fairtok {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}

fn fails(args: &[&str]) -> String {
    let out = fairtok(args);
    assert_eq!(out.status.code(), Some(1), "fairtok {args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one line expected: {err}");
    assert!(err.starts_with("fairtok: error: "), "{err}");
    err.trim_end().to_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn corpus(name: &str) -> String {
    s(&shared().join("data/corpus").join(name)).to_owned()
}

/// A dev directory with the FLORES dev files of `langs` (copies, so the test owns it).
fn dev_dir(dir: &Path, langs: &[&str]) -> PathBuf {
    let d = dir.join("dev");
    std::fs::create_dir_all(&d).unwrap();
    for l in langs {
        let f = format!("{l}.dev");
        std::fs::copy(
            shared().join("data/parallel/flores200-dev").join(&f),
            d.join(&f),
        )
        .unwrap();
    }
    d
}

/// Tokens of every line of `<dev>/<lang>.dev`, each line encoded on its own.
fn dev_tokens(tok: &Tokenizer, dev: &Path, lang: &str) -> u64 {
    let text = std::fs::read_to_string(dev.join(format!("{lang}.dev"))).unwrap();
    text.lines()
        .map(|l| tok.encode(l).unwrap().len() as u64)
        .sum()
}

fn train(out: &Path, inputs: &[String], extra: &[&str]) -> String {
    let mut args = vec!["train", "--vocab-size", "3000", "-o", s(out)];
    for i in inputs {
        args.push("--input");
        args.push(i);
    }
    args.extend_from_slice(extra);
    ok(&args)
}

#[test]
fn parity_lowers_the_highest_dev_premium_and_counts_like_the_encoder() {
    let dir = tempfile::tempdir().unwrap();
    let dev = dev_dir(dir.path(), &["kor_Hang", "eng_Latn"]);
    // Four times more English than Korean: classical BPE serves English first.
    let inputs = [
        format!("kor_Hang={}", corpus("ko.konlpy.txt")),
        format!(
            "eng_Latn={},{}",
            corpus("en.debian-docs.txt"),
            corpus("en.wikitext2.txt")
        ),
    ];
    let classical = dir.path().join("classical.json");
    let parity = dir.path().join("parity.json");
    let hybrid = dir.path().join("hybrid.json");
    train(&classical, &inputs, &["--quiet"]);
    let summary = train(&parity, &inputs, &["--parity-dev", s(&dev)]);
    train(
        &hybrid,
        &inputs,
        &[
            "--parity-dev",
            s(&dev),
            "--parity-hybrid",
            "1000",
            "--quiet",
        ],
    );
    let premium = |p: &Path| {
        let t = Tokenizer::load(s(p), &LoadOptions::default()).unwrap();
        let (ko, en) = (
            dev_tokens(&t, &dev, "kor_Hang"),
            dev_tokens(&t, &dev, "eng_Latn"),
        );
        (ko as f64 / en as f64, ko, en)
    };
    let (pc, _, _) = premium(&classical);
    let (pp, ko, en) = premium(&parity);
    let (ph, _, _) = premium(&hybrid);
    assert!(pc > 1.2, "classical Korean premium {pc}");
    // Parity-aware: the highest premium is lower, and close to 1.
    assert!(pp.max(1.0 / pp) < pc, "parity {pp} vs classical {pc}");
    assert!((pp - 1.0).abs() < 0.05, "parity premium {pp}");
    assert!(ph < pc, "hybrid {ph} vs classical {pc}");
    // The loop's incremental dev counts are exactly what the trained tokenizer gives.
    let row = |lang: &str| -> Vec<String> {
        summary
            .lines()
            .find(|l| l.starts_with(lang))
            .unwrap_or_else(|| panic!("no {lang} row in {summary}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(row("kor_Hang")[2], ko.to_string(), "{summary}");
    assert_eq!(row("eng_Latn")[2], en.to_string(), "{summary}");
}

#[test]
fn parity_training_is_deterministic_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let dev = dev_dir(dir.path(), &["kor_Hang", "eng_Latn"]);
    // Enough distinct words that the large merges are split across threads.
    let inputs = [
        format!("kor_Hang={}", corpus("ko.kornlu.txt")),
        format!("eng_Latn={}", corpus("en.debian-docs.txt")),
        format!("code={}", corpus("code.rust.txt.gz")),
    ];
    let mut outs = vec![];
    for (i, threads) in ["1", "2", "3", "2"].iter().enumerate() {
        let out = dir.path().join(format!("t{i}.json"));
        train(
            &out,
            &inputs,
            &[
                "--parity-dev",
                s(&dev),
                "--parity-exclude",
                "code",
                "--parity-hybrid",
                "300",
                "--parity-window",
                "50",
                "--threads",
                threads,
                "--quiet",
            ],
        );
        outs.push(std::fs::read(&out).unwrap());
    }
    assert!(outs.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn a_missing_dev_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let dev = dev_dir(dir.path(), &["eng_Latn"]);
    let out = dir.path().join("t.json");
    let ko = format!("kor_Hang={}", corpus("ko.konlpy.txt"));
    let en = format!("eng_Latn={}", corpus("en.debian-docs.txt"));
    let base = [
        "train",
        "--vocab-size",
        "300",
        "-o",
        s(&out),
        "--input",
        &ko,
    ];
    let mut args = base.to_vec();
    args.extend(["--input", &en, "--parity-dev", s(&dev)]);
    let want = format!(
        "fairtok: error: --parity-dev: no dev file {} for kor_Hang (give it, or exclude the language)",
        s(&dev.join("kor_Hang.dev"))
    );
    assert_eq!(fails(&args), want);
    assert!(!out.exists());
    // Excluded, Korean needs no dev file (it only gets global merges).
    args.extend(["--parity-exclude", "kor_Hang", "--quiet"]);
    ok(&args);
    let mut args = base.to_vec();
    args.extend(["--parity-dev", s(&dev), "--parity-exclude", "zho_Hans"]);
    assert_eq!(
        fails(&args),
        "fairtok: error: --parity-exclude: zho_Hans: no input of that language"
    );
    let mut args = base.to_vec();
    args.extend(["--input", &en, "--parity-dev", s(&dev)]);
    args.extend(["--parity-exclude", "kor_Hang", "--pivot", "kor_Hang"]);
    assert_eq!(
        fails(&args),
        "fairtok: error: --pivot: kor_Hang: not an input language with dev text"
    );
}
