//! `fairtok parity`: defaults, outputs (JSON schema, Markdown, HTML rendered in headless
//! Chromium), cost, and every kind of bad input.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

#[test]
fn default_run_reports_every_builtin_on_the_bundled_sample() {
    let out = ok(&["parity"]);
    let defaults = fairtok_core::builtin::NAMES;
    assert!(defaults.contains(&"o200k_ko"));
    assert!(defaults.contains(&"o200k_ko_sw"));
    for t in defaults {
        assert!(out.contains(t), "{out}");
    }
    for l in [
        "kor_Hang", "eng_Latn", "jpn_Jpan", "zho_Hans", "hin_Deva", "arb_Arab", "tha_Thai",
        "vie_Latn",
    ] {
        assert_eq!(
            out.lines()
                .filter(|x| x.starts_with(&format!("  {l} ")))
                .count(),
            defaults.len(),
            "{l}: {out}"
        );
    }
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn json_markdown_and_cost() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let md = dir.path().join("r.md");
    ok(&[
        "parity",
        "-t",
        "cl100k_base,o200k_base",
        "--langs",
        "kor_Hang,jpn_Jpan",
        "--price",
        "10,2.5",
        "--json",
        json.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
        "--quiet",
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["pivot"], "eng_Latn");
    assert!(v["corpus"].as_str().unwrap().contains("FLORES-200 dev"));
    let toks = v["tokenizers"].as_array().unwrap();
    assert_eq!(toks.len(), 2);
    assert_eq!(toks[0]["name"], "cl100k_base");
    assert_eq!(toks[1]["name"], "o200k_base");
    assert_eq!(toks[1]["vocab_size"], 200019);
    assert!(toks[0]["gini"].as_f64().unwrap() > 0.0);
    let langs = toks[0]["languages"].as_array().unwrap();
    assert_eq!(
        langs
            .iter()
            .map(|l| l["lang"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["kor_Hang", "jpn_Jpan", "eng_Latn"]
    );
    for key in [
        "lang",
        "lines",
        "tokens",
        "bytes",
        "chars",
        "words",
        "premium",
        "mean_line_premium",
        "bytes_per_token",
        "chars_per_token",
        "tokens_per_word",
        "cost_usd",
    ] {
        assert!(langs[0].get(key).is_some(), "missing {key}");
    }
    let kor = &langs[0];
    let eng = &langs[2];
    assert_eq!(kor["lines"], 997);
    let premium = kor["tokens"].as_f64().unwrap() / eng["tokens"].as_f64().unwrap();
    assert!((kor["premium"].as_f64().unwrap() - premium).abs() < 1e-12);
    assert!(
        (kor["cost_usd"].as_f64().unwrap() - kor["tokens"].as_f64().unwrap() * 10.0 / 1e6).abs()
            < 1e-9
    );
    assert_eq!(toks[1]["price_usd_per_million"], 2.5);
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.contains("| kor_Hang |") && md.contains("## o200k_base"),
        "{md}"
    );
}

#[test]
fn directory_and_pairs() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "eng_Latn.dev", "Hello world.\nGood morning.\n");
    write(
        dir.path(),
        "kor_Hang.dev",
        "안녕하세요 세계.\n좋은 아침입니다.\n",
    );
    let json = dir.path().join("out.json");
    ok(&[
        "parity",
        "-t",
        "o200k_base",
        "--parallel",
        dir.path().to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "-q",
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let langs = v["tokenizers"][0]["languages"].as_array().unwrap();
    assert_eq!(langs.len(), 2);
    assert_eq!(langs[0]["lang"], "eng_Latn");
    let e = dir.path().join("eng_Latn.dev");
    let k = dir.path().join("kor_Hang.dev");
    let out = ok(&[
        "parity",
        "-t",
        "o200k_base",
        "--pair",
        &format!("eng={}", e.display()),
        "--pair",
        &format!("ko={}", k.display()),
        "--pivot",
        "eng",
    ]);
    assert!(out.contains("ko ") && out.contains("pivot: eng"), "{out}");
}

#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("corpus");
    std::fs::create_dir(&d).unwrap();
    let eng = write(&d, "eng_Latn.dev", "a\nb\nc\n");
    write(&d, "kor_Hang.dev", "가\n나\n");
    let ds = d.to_str().unwrap();
    let json = dir.path().join("r.json");
    let js = json.to_str().unwrap();
    let e = fails(&["parity", "--parallel", ds, "--json", js]);
    assert!(
        e.starts_with("line counts differ: ")
            && e.contains("has 3 lines")
            && e.contains("kor_Hang.dev has 2"),
        "{e}"
    );
    assert!(!json.exists());
    write(&d, "kor_Hang.dev", "가\n나\n다\n");
    let e = fails(&[
        "parity",
        "--parallel",
        ds,
        "--pivot",
        "fra_Latn",
        "--json",
        js,
    ]);
    assert!(
        e.starts_with("unknown language `fra_Latn`") && e.contains("eng_Latn, kor_Hang"),
        "{e}"
    );
    let e = fails(&["parity", "--parallel", ds, "--langs", "kor_Hang,jpn_Jpan"]);
    assert!(e.starts_with("unknown language `jpn_Jpan`"), "{e}");
    let e = fails(&["parity", "--langs", "xxx_Xxxx"]);
    assert!(
        e.starts_with("unknown language `xxx_Xxxx`: not in FLORES-200 dev"),
        "{e}"
    );
    let e = fails(&[
        "parity",
        "-t",
        "o200k_base,/no/such/tokenizer.json",
        "--parallel",
        ds,
        "--json",
        js,
    ]);
    assert!(
        e.starts_with("unknown tokenizer `/no/such/tokenizer.json`"),
        "{e}"
    );
    let e = fails(&[
        "parity",
        "-t",
        "o200k_base,cl100k_base",
        "--price",
        "1,2,3",
        "--parallel",
        ds,
    ]);
    assert!(e.contains("3 prices for 2 tokenizers"), "{e}");
    write(&d, "vie_Latn.dev", "");
    let e = fails(&["parity", "--parallel", ds]);
    assert!(e.ends_with("vie_Latn.dev: empty file"), "{e}");
    std::fs::remove_file(d.join("vie_Latn.dev")).unwrap();
    std::fs::write(d.join("tha_Thai.dev"), b"ok\n\xff\nok\n").unwrap();
    let e = fails(&["parity", "--parallel", ds]);
    assert!(
        e.ends_with("tha_Thai.dev:2: invalid UTF-8 at byte offset 3"),
        "{e}"
    );
    let e = fails(&["parity", "--parallel", "/no/such/dir"]);
    assert!(e.starts_with("/no/such/dir: "), "{e}");
    assert!(!json.exists(), "nothing half-written");
    let _ = eng;
}

/// Renders the HTML report in headless Chromium: it must load, show one bar per language and
/// tokenizer, and log no console error. Keeps a screenshot in `test-artifacts/`.
#[test]
fn html_report_renders_in_headless_chromium() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium (.ci/run installs it)"
        );
        eprintln!("skipped: no chromium here (install Debian's chromium to run this test)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    ok(&[
        "parity",
        "--html",
        html.to_str().unwrap(),
        "-q",
        "--price",
        "2.5",
    ]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("<script") && !page.contains("http://") && !page.contains("https://"),
        "self-contained"
    );
    let url = format!("file://{}", html.display());
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
    ];
    let profile = dir.path().join("profile");
    let run = |extra: &[&str]| {
        let mut args: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push(url.clone());
        Command::new(chromium).args(&args).output().unwrap()
    };
    let dom = run(&["--dump-dom"]);
    assert!(dom.status.success());
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    // One SVG chart per default tokenizer, with one bar per language (8).
    let n = fairtok_core::builtin::NAMES.len();
    assert_eq!(
        dom_text.matches("<svg").count(),
        n,
        "charts in the rendered DOM"
    );
    assert_eq!(
        dom_text.matches("class=\"bar\"").count(),
        8 * n,
        "one bar per language and tokenizer"
    );
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts");
    std::fs::create_dir_all(&root).unwrap();
    let png = root.join("parity-report.png");
    let _ = std::fs::remove_file(&png);
    let shot = run(&[
        "--window-size=1200,2400",
        &format!("--screenshot={}", png.display()),
    ]);
    assert!(shot.status.success());
    let meta = std::fs::metadata(&png).expect("screenshot written");
    assert!(
        meta.len() > 20_000,
        "screenshot is not blank: {} bytes",
        meta.len()
    );
    for out in [&dom, &shot] {
        let log = String::from_utf8_lossy(&out.stderr);
        let console: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught") || l.contains("Refused to"))
            .collect();
        assert!(console.is_empty(), "console errors: {console:?}");
    }
}
