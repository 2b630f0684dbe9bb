//! End-to-end tests of `fairtok train`: merges known by hand, determinism, round trips through
//! both output formats, and every kind of bad input (one-line error, exit 1, no output file).

mod common;

use std::path::{Path, PathBuf};

use common::*;

use fairtok_core::{LoadOptions, Tokenizer};

fn load(p: &Path) -> Tokenizer {
    Tokenizer::load(s(p), &LoadOptions::default()).unwrap()
}

/// Low ×5, lower ×2, newest ×6, widest ×3 (Sennrich et al.): the merges are known by hand.
fn sennrich(dir: &Path) -> PathBuf {
    let mut text = String::new();
    for (w, n) in [("low", 5), ("lower", 2), ("newest", 6), ("widest", 3)] {
        for _ in 0..n {
            text.push_str(w);
            text.push('\n');
        }
    }
    write(dir, "words.txt", text)
}

#[test]
fn hand_computed_merges_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = sennrich(dir.path());
    let json = dir.path().join("tok.json");
    let tt = dir.path().join("tok.tiktoken");
    let input = format!("en={}", s(&corpus));
    for (out, format) in [(&json, "hf"), (&tt, "tiktoken")] {
        ok_stderr(&[
            "train",
            "--input",
            &input,
            "--vocab-size",
            "261",
            "--special",
            "<|end|>",
            "--format",
            format,
            "--quiet",
            "-o",
            s(out),
        ]);
    }
    // Pair counts: es 9, st 9 (tie: (e,s) < (s,t) by id), then est 9, lo 7, ow 7 (tie: (l,o)
    // first), low 7.
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let merges: Vec<(String, String)> = doc["model"]["merges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m[0].as_str().unwrap().into(), m[1].as_str().unwrap().into()))
        .collect();
    let want = [("e", "s"), ("es", "t"), ("l", "o"), ("lo", "w")];
    assert_eq!(
        merges,
        want.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec()
    );
    assert_eq!(doc["model"]["vocab"]["low"], 259);
    assert_eq!(doc["added_tokens"][0]["id"], 260);
    let ranks = std::fs::read_to_string(&tt).unwrap();
    assert_eq!(ranks.lines().count(), 260);
    assert_eq!(ranks.lines().nth(259), Some("bG93 259")); // base64("low")
    let side: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("tok.tiktoken.json")).unwrap())
            .unwrap();
    assert_eq!(side["special_tokens"]["<|end|>"], 260);
    assert_eq!(side["explicit_n_vocab"], 261);
    // Both load back in fairtok and agree.
    let (a, b) = (load(&json), load(&tt));
    for text in ["lowest newer widest", "low\nlow"] {
        assert_eq!(a.encode(text).unwrap(), b.encode(text).unwrap());
    }
    assert_eq!(b.encode("low").unwrap(), [259]);
    assert_eq!(b.n_vocab(), 261);
}

#[test]
fn same_input_same_bytes_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = shared().join("data/corpus/ko.konlpy.txt");
    let input = format!("ko={}", s(&corpus));
    let mut outs = vec![];
    for (i, threads) in ["1", "2", "2", "3"].iter().enumerate() {
        let out = dir.path().join(format!("t{i}.json"));
        ok_stderr(&[
            "train",
            "--input",
            &input,
            "--vocab-size",
            "3000",
            "--threads",
            threads,
            "--quiet",
            "-o",
            s(&out),
        ]);
        outs.push(std::fs::read(&out).unwrap());
    }
    assert!(outs.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn trained_tokenizers_round_trip_the_conformance_texts() {
    let dir = tempfile::tempdir().unwrap();
    let c = shared().join("data/corpus");
    let input = format!(
        "ko={},{}",
        s(&c.join("ko.konlpy.txt")),
        s(&c.join("ko.debian-faq.txt"))
    );
    let json = dir.path().join("t.json");
    let tt = dir.path().join("t.tiktoken");
    for (out, format) in [(&json, "hf"), (&tt, "tiktoken")] {
        ok_stderr(&[
            "train",
            "--input",
            &input,
            "--vocab-size",
            "4000",
            "--format",
            format,
            "--quiet",
            "--pattern",
            "cl100k",
            "-o",
            s(out),
        ]);
    }
    let (hf, tk) = (load(&json), load(&tt));
    let data = std::fs::read_to_string(shared().join("conformance/public.jsonl")).unwrap();
    let mut n = 0;
    for line in data.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = v["text"].as_str().unwrap();
        let ids = tk.encode(text).unwrap();
        assert_eq!(tk.decode_bytes(&ids).unwrap(), text.as_bytes());
        // HF's merge rule on the tokenizer.json gives tiktoken's ids on the .tiktoken.
        assert_eq!(hf.encode(text).unwrap(), ids, "{text:?}");
        n += 1;
    }
    assert!(n > 1000);
}

#[test]
fn inputs_of_every_kind_count_alike() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = "첫 줄입니다.\nsecond line, with words\n셋째 줄 third\n";
    std::fs::create_dir(d.join("dir")).unwrap();
    let cut = text.find('\n').unwrap() + 1;
    std::fs::write(d.join("dir/a.txt"), &text[..cut]).unwrap();
    std::fs::write(d.join("dir/b.txt"), &text[cut..]).unwrap();
    let jsonl: String = text
        .split_inclusive('\n')
        .map(|l| format!("{}\n", serde_json::json!({ "body": l })))
        .collect();
    std::fs::write(d.join("x.jsonl"), jsonl).unwrap();
    std::fs::write(d.join("plain.txt"), text).unwrap();
    let plain = d.join("plain.txt");
    let dirp = d.join("dir");
    let j = d.join("x.jsonl");
    let mut outs = vec![];
    for (i, args) in [
        vec![format!("ko={}", s(&plain))],
        vec![format!("ko={}", s(&dirp))],
        vec![
            format!("ko={}", s(&j)),
            "--text-field".into(),
            "body".into(),
        ],
    ]
    .iter()
    .enumerate()
    {
        let out = d.join(format!("o{i}.json"));
        let mut a: Vec<&str> = vec!["train", "--input"];
        a.extend(args.iter().map(String::as_str));
        a.extend(["--vocab-size", "300", "--quiet", "-o", s(&out)]);
        ok_stderr(&a);
        outs.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
}

#[test]
fn non_utf8_lines_are_skipped_and_reported_or_fatal_with_strict() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.txt");
    std::fs::write(&p, b"good line\nbad \xff\xfe line\nanother good line\n").unwrap();
    let out = dir.path().join("o.json");
    let input = format!("en={}", s(&p));
    let err = ok_stderr(&[
        "train",
        "--input",
        &input,
        "--vocab-size",
        "270",
        "--quiet",
        "-o",
        s(&out),
    ]);
    assert!(
        err.contains("skipped 1 lines that are not UTF-8") && err.contains("bad.txt:2"),
        "{err}"
    );
    assert!(out.exists());
    let out2 = dir.path().join("o2.json");
    let e = fails(&[
        "train",
        "--input",
        &input,
        "--vocab-size",
        "270",
        "--strict",
        "-o",
        s(&out2),
    ]);
    assert!(e.contains("bad.txt:2: invalid UTF-8 at byte 4"), "{e}");
    assert!(!out2.exists());
}

#[test]
fn bad_input_is_one_line_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let corpus = sennrich(d);
    let input = format!("en={}", s(&corpus));
    let out = d.join("out.json");
    let o = s(&out);

    // `fairtok train --input INPUT --vocab-size VOCAB -o OUT EXTRA...`, which must fail.
    let train_fails = |input: &str, vocab: &str, out: &str, extra: &[&str]| {
        let mut args = vec!["train", "--input", input, "--vocab-size", vocab, "-o", out];
        args.extend_from_slice(extra);
        fails(&args)
    };

    let e = train_fails("en=/no/such/file.txt", "300", o, &[]);
    assert!(e.contains("/no/such/file.txt: No such file"), "{e}");

    let e = train_fails(&input, "257", o, &["--special", "<a>,<b>"]);
    assert!(
        e.contains("--vocab-size: 257 is below 256 byte tokens + 2 special tokens = 258"),
        "{e}"
    );

    let empty = d.join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let e = train_fails(&format!("en={}", s(&empty)), "300", o, &[]);
    assert!(e.contains("empty corpus"), "{e}");

    let e = train_fails(&input, "300", s(&d.join("no/such/dir/t.json")), &[]);
    assert!(e.contains("no/such/dir/t.json"), "{e}");

    let e = train_fails("=x", "300", o, &[]);
    assert!(
        e.contains("--input: \"=x\": empty language tag (expected LANG[@WEIGHT]=PATH[,PATH...])"),
        "{e}"
    );

    let e = train_fails(&input, "300", o, &["--pattern", "("]);
    assert!(e.contains("invalid pre-tokenizer pattern"), "{e}");

    let j = d.join("x.jsonl");
    std::fs::write(&j, "{\"text\": \"ok\"}\nnot json\n").unwrap();
    let e = train_fails(&format!("en={}", s(&j)), "300", o, &[]);
    assert!(e.contains("x.jsonl:2: not a JSON object"), "{e}");

    assert!(!out.exists(), "no output file after a failure");
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn counts_files_merge_into_the_same_training() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let c = shared().join("data/corpus");
    let (a, b) = (c.join("ko.konlpy.txt"), c.join("ko.debian-faq.txt"));
    let (pa, pb) = (d.join("a.parquet"), d.join("b.parquet"));
    for (src, out) in [(&a, &pa), (&b, &pb)] {
        let err = ok_stderr(&[
            "count-pretokens",
            "--input",
            &format!("ko={}", s(src)),
            "--pattern",
            "cl100k",
            "-o",
            s(out),
        ]);
        assert!(err.contains("distinct pre-tokens"), "{err}");
    }
    let direct = d.join("direct.json");
    ok_stderr(&[
        "train",
        "--input",
        &format!("ko={},{}", s(&a), s(&b)),
        "--pattern",
        "cl100k",
        "--vocab-size",
        "2000",
        "--quiet",
        "-o",
        s(&direct),
    ]);
    // The pattern comes from the counts files when --pattern is not given.
    let merged = d.join("merged.json");
    ok_stderr(&[
        "train",
        "--counts",
        &format!("{},{}", s(&pa), s(&pb)),
        "--vocab-size",
        "2000",
        "--quiet",
        "-o",
        s(&merged),
    ]);
    assert_eq!(
        std::fs::read(&direct).unwrap(),
        std::fs::read(&merged).unwrap()
    );
    // Half counted, half read: the same again.
    let mixed = d.join("mixed.json");
    ok_stderr(&[
        "train",
        "--input",
        &format!("ko={}", s(&a)),
        "--counts",
        s(&pb),
        "--pattern",
        "cl100k",
        "--vocab-size",
        "2000",
        "--quiet",
        "-o",
        s(&mixed),
    ]);
    assert_eq!(
        std::fs::read(&direct).unwrap(),
        std::fs::read(&mixed).unwrap()
    );
    let e = fails(&[
        "train",
        "--counts",
        s(&pa),
        "--pattern",
        "o200k",
        "--vocab-size",
        "2000",
        "-o",
        s(&d.join("x.json")),
    ]);
    assert!(e.contains("a.parquet: counted with the pattern"), "{e}");
    let e = fails(&[
        "train",
        "--counts",
        s(&a),
        "--vocab-size",
        "2000",
        "-o",
        s(&d.join("x.json")),
    ]);
    assert!(e.contains("not a Parquet file"), "{e}");
    assert!(!d.join("x.json").exists());
}
