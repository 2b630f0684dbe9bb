//! End-to-end tests of `fairtok extend` and the `o200k_ko` built-in: the output files, the
//! ids they keep, determinism, the parity dev set, and every kind of bad input (one-line error,
//! exit 1, no output file).

mod common;

use common::*;

fn klue() -> String {
    format!(
        "kor_Hang={}",
        shared().join("data/corpus/ko.klue-dev.txt").display()
    )
}

/// `fairtok extend -t BASE --input INPUT --add ADD -o OUT`, then `extra`.
fn extend<'a>(
    base: &'a str,
    input: &'a str,
    add: &'a str,
    out: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "extend", "-t", base, "--input", input, "--add", add, "-o", out,
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn extends_o200k_into_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let tk = dir.path().join("ko.tiktoken");
    let hf = dir.path().join("ko.json");
    let input = klue();
    let err = ok_stderr(&extend("o200k_base", &input, "500", s(&tk), &[]));
    assert!(err.contains("ids 200019..200518"), "{err}");
    assert!(tk.is_file() && dir.path().join("ko.tiktoken.json").is_file());
    ok(&extend(
        "o200k_base",
        &input,
        "500",
        s(&hf),
        &["--format", "hf", "--quiet"],
    ));
    let text =
        "아서 기네스는 아일랜드 더블린에 있는 양조장의 임대 계약을 체결했습니다. English stays.";
    let a = ok_with(&["encode", "-t", s(&tk)], text.as_bytes());
    let b = ok_with(&["encode", "-t", s(&hf)], text.as_bytes());
    assert_eq!(a, b);
    let base = ok_with(&["encode", "-t", "o200k_base"], text.as_bytes());
    assert!(a.split_whitespace().count() < base.split_whitespace().count());
    assert!(a
        .split_whitespace()
        .any(|id| id.parse::<u32>().unwrap() >= 200019));
    // Deterministic: a second run writes the same bytes.
    let again = dir.path().join("again.tiktoken");
    ok(&extend(
        "o200k_base",
        &input,
        "500",
        s(&again),
        &["--quiet"],
    ));
    assert_eq!(std::fs::read(&tk).unwrap(), std::fs::read(&again).unwrap());
    // Weights: kor_Hang@2 doubles every count, so the tokens are the same.
    let weighted = dir.path().join("w.tiktoken");
    let w2 = input.replacen("kor_Hang=", "kor_Hang@2=", 1);
    ok(&extend(
        "o200k_base",
        &w2,
        "500",
        s(&weighted),
        &["--quiet", "--min-frequency", "4"],
    ));
    assert_eq!(
        std::fs::read(&tk).unwrap(),
        std::fs::read(&weighted).unwrap()
    );
}

#[test]
fn parity_dev_reports_the_premium() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.tiktoken");
    let dev = shared().join("data/parallel/flores200-dev");
    let err = ok_stderr(&extend(
        "cl100k_base",
        &klue(),
        "300",
        s(&out),
        &["--parity-dev", s(&dev)],
    ));
    assert!(err.contains("dev premium vs eng_Latn"), "{err}");
    let e = fails(&extend(
        "cl100k_base",
        &klue(),
        "3",
        s(&out),
        &["--parity-dev", s(&dev), "--pivot", "xxx_Latn"],
    ));
    assert!(e.contains("xxx_Latn.dev"), "{e}");
    let e = fails(&extend(
        "cl100k_base",
        &klue(),
        "3",
        s(&out),
        &["--parity-dev", s(&dev), "--pivot", "kor_Hang"],
    ));
    assert!(e.contains("pivot"), "{e}");
}

#[test]
fn bad_input_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.tiktoken");
    let o = s(&out);
    let input = klue();
    for (args, want) in [
        (
            vec!["--input", "kor_Hang@-1=x.txt", "--add", "3"],
            "not a positive number",
        ),
        (
            vec!["--input", "kor_Hang@abc=x.txt", "--add", "3"],
            "not a positive number",
        ),
        (vec!["--input", "x.txt", "--add", "3"], "LANG[@WEIGHT]=PATH"),
        (
            vec!["--input", &input, "--add", "0"],
            "--add: must be at least 1",
        ),
        (
            vec!["--input", "und=x.txt", "--add", "3"],
            "--input: an input without a language tag (und)",
        ),
        (
            vec!["--input", &input, "--add", "3", "--script", "Klingon"],
            "unknown script",
        ),
        (
            vec!["--input", "kor_Hang=/no/such/file.txt", "--add", "3"],
            "/no/such/file.txt",
        ),
    ] {
        let mut a = vec!["extend", "-t", "o200k_base", "-o", o];
        a.extend(args);
        let e = fails(&a);
        assert!(e.contains(want), "{a:?}: {e}");
    }
    let en = format!(
        "kor_Hang={}",
        shared().join("data/corpus/en.debian-docs.txt").display()
    );
    let e = fails(&extend("o200k_base", &en, "3", o, &["--quiet"]));
    assert!(e.contains("no piece"), "{e}");
    let llama = shared().join("data/vocab/llama3.tokenizer.json");
    let e = fails(&extend(
        s(&llama),
        &input,
        "3",
        o,
        &["--format", "tiktoken"],
    ));
    assert!(
        e.contains("--format: ") && e.contains("can only be extended to a tokenizer.json"),
        "{e}"
    );
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn o200k_ko_is_built_in_and_keeps_english() {
    let en = "The quick brown fox jumps over the lazy dog. fn main() { println!(\"hi\"); }";
    assert_eq!(
        ok_with(&["encode", "-t", "o200k_ko"], en.as_bytes()),
        ok_with(&["encode", "-t", "o200k_base"], en.as_bytes())
    );
    let ko = "대한민국의 수도는 서울이며, 가장 큰 도시이기도 하다.";
    let a = ok_with(&["encode", "-t", "o200k_ko"], ko.as_bytes());
    let b = ok_with(&["encode", "-t", "o200k_base"], ko.as_bytes());
    let n = |s: &str| s.split_whitespace().count();
    assert!(n(&a) < n(&b), "{a} vs {b}");
    let info = ok(&["info", "-t", "o200k_ko", "--json"]);
    assert!(info.contains("\"n_vocab\": 232787"), "{info}");
    // The default parity report includes it.
    let table = ok(&["parity", "--langs", "kor_Hang"]);
    assert!(table.contains("o200k_ko"), "{table}");
}

#[test]
fn o200k_ko_sw_exports_with_its_own_pattern() {
    let dir = tempfile::tempdir().unwrap();
    let tk = dir.path().join("o200k_ko_sw.tiktoken");
    let hf = dir.path().join("tokenizer.json");
    ok(&[
        "export",
        "-t",
        "o200k_ko_sw",
        "--format",
        "tiktoken",
        "-o",
        tk.to_str().unwrap(),
    ]);
    ok(&[
        "export",
        "-t",
        "o200k_ko_sw",
        "--format",
        "hf",
        "-o",
        hf.to_str().unwrap(),
    ]);
    let sidecar: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("o200k_ko_sw.tiktoken.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(sidecar["pat_str"], fairtok_core::pattern::O200K_KO_SW);
    let ko = "연구진은 새로운 진단도구를 개발했다고 밝혔다. 할 수 있다.";
    let want = ok_with(&["encode", "-t", "o200k_ko_sw"], ko.as_bytes());
    for f in [&tk, &hf] {
        assert_eq!(
            ok_with(&["encode", "-t", f.to_str().unwrap()], ko.as_bytes()),
            want
        );
    }
    assert_ne!(want, ok_with(&["encode", "-t", "o200k_ko"], ko.as_bytes()));
}
