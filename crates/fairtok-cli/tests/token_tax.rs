//! `fairtok token-tax`: the table's files from the bundled sample, a list with a tokenizer that
//! does not load (listed with its reason), and the failure of a `-t` tokenizer that does not.

mod common;

use common::*;

#[test]
fn writes_markdown_and_html_of_builtins_sorted_by_korean() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("tax.md");
    let html = dir.path().join("tax.html");
    let json = dir.path().join("tax.json");
    let names = dir.path().join("names.tsv");
    std::fs::write(&names, "kor_Hang\tKorean\nhin_Deva\tHindi\n").unwrap();
    let out = ok(&[
        "token-tax",
        "-t",
        "cl100k_base,o200k_base",
        "--names",
        names.to_str().unwrap(),
        "--commit",
        "0123abcd",
        "--date",
        "2026-11-30",
        "--markdown",
        md.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    // The summary on standard output: o200k_base (Korean 1.472) before cl100k_base (2.371).
    let o200k = out.find("o200k_base").unwrap();
    let cl100k = out.find("cl100k_base").unwrap();
    assert!(o200k < cl100k, "{out}");
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.contains("| 1 | o200k_base | built-in `o200k_base` | 200,019 | 1.472 |"),
        "{md}"
    );
    assert!(
        md.contains("| 2 | cl100k_base | built-in `cl100k_base` | 100,277 | 2.371 |"),
        "{md}"
    );
    assert!(md.contains("Hindi 4.79"), "names from --names: {md}");
    assert!(md.contains("commit `0123abcd`") && md.contains("on 2026-11-30"));
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
    assert!(!html.contains("http") && !html.contains("src=") && !html.contains("<script"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["rows"][0]["label"], "o200k_base");
    assert_eq!(v["languages"], 8);
}

#[test]
fn a_listed_tokenizer_that_does_not_load_is_listed_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.tokenizer.json");
    std::fs::write(&bad, "{\"not\": \"a tokenizer\"}").unwrap();
    let list = dir.path().join("list.tsv");
    std::fs::write(
        &list,
        format!(
            "# label\tspec\nGPT-4o\to200k_base\t-\t-\tThe note.\nBroken one\t{}\nGPT-2\tgpt2\t-\tGPT-4o\n",
            bad.display()
        ),
    )
    .unwrap();
    let md = dir.path().join("tax.md");
    let err = ok_stderr(&[
        "token-tax",
        "--list",
        list.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ]);
    assert!(err.contains("Broken one: not in the table: "), "{err}");
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains("## Not in the table"), "{md}");
    let row = md
        .lines()
        .find(|l| l.starts_with("| Broken one |"))
        .expect("the refused tokenizer's row");
    assert!(
        row.contains("`broken.tokenizer.json`") && row.contains("missing object `model`"),
        "{row}"
    );
    assert!(
        md.contains("| 1 | GPT-4o | built-in `o200k_base` |"),
        "{md}"
    );
    assert!(
        md.contains("| GPT-2 | built-in `gpt2` | 50,257 | GPT-4o |"),
        "{md}"
    );
    assert!(!md.contains("| 2 |"), "one tokenizer measured: {md}");
}

#[test]
fn a_tokenizer_given_with_t_must_load() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.tokenizer.json");
    std::fs::write(&bad, "{\"not\": \"a tokenizer\"}").unwrap();
    let md = dir.path().join("tax.md");
    let spec = format!("o200k_base,{}", bad.display());
    let msg = fails(&["token-tax", "-t", &spec, "--markdown", md.to_str().unwrap()]);
    assert!(
        msg.contains("broken.tokenizer.json") && msg.contains("missing object `model`"),
        "{msg}"
    );
    assert!(!md.exists(), "nothing written on failure");
    let msg = fails(&["token-tax", "-t", "no-such-tokenizer"]);
    assert!(
        msg.starts_with("unknown tokenizer `no-such-tokenizer`"),
        "{msg}"
    );
    let list = dir.path().join("list.tsv");
    std::fs::write(&list, "only a label\n").unwrap();
    let msg = fails(&["token-tax", "--list", list.to_str().unwrap()]);
    assert!(
        msg.contains("list.tsv:1: expected `label<TAB>spec"),
        "{msg}"
    );
}
