//! End-to-end tests of the `fairtok` command: real tokenizers, real files, and every kind of
//! bad input (one-line error naming the place, non-zero exit, no panic).

mod common;

use common::*;

fn vocab(name: &str) -> String {
    shared()
        .join("data/vocab")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

fn ids(s: &str) -> Vec<u32> {
    s.split_whitespace().map(|x| x.parse().unwrap()).collect()
}

#[test]
fn encode_whole_input_with_newlines_and_decode_back() {
    let text = "Hello, 세계!\n\n  indented   \r\nlast line without newline";
    let out = ok_with(&["encode", "-t", "o200k_base"], text.as_bytes());
    assert!(out.ends_with('\n') && out.lines().count() == 1);
    let ids = ids(&out);
    assert!(ids.len() > 10);
    let back = fairtok_with(&["decode", "-t", "gpt-4o"], out.as_bytes());
    assert!(back.status.success());
    assert_eq!(back.stdout, text.as_bytes());
}

#[test]
fn encode_jsonl_matches_reference_ids_on_conformance_lines() {
    let data = std::fs::read_to_string(shared().join("conformance/public.jsonl")).unwrap();
    let lines: Vec<&str> = data.lines().step_by(7).take(200).collect();
    let input = lines.join("\n") + "\n";
    for (key, spec) in [
        ("cl100k_base", "cl100k_base".to_owned()),
        ("llama3", vocab("llama3.tokenizer.json")),
        ("gemma3", vocab("gemma3.tokenizer.json.gz")),
    ] {
        let out = ok_with(&["encode", "-t", &spec, "--jsonl"], input.as_bytes());
        let got: Vec<Vec<u32>> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(got.len(), lines.len());
        for (line, got) in lines.iter().zip(&got) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let want: Vec<u32> = serde_json::from_value(v["ids"][key].clone()).unwrap();
            assert_eq!(&want, got, "{key}: {}", v["text"]);
        }
    }
}

#[test]
fn decode_jsonl_gives_text_objects() {
    let enc = ok_with(
        &["encode", "-t", "cl100k_base", "--jsonl"],
        b"{\"text\": \"a b\", \"id\": 7}\n{\"text\": \"\xea\xb0\x80\"}\n",
    );
    let dec = ok_with(&["decode", "-t", "cl100k_base", "--jsonl"], enc.as_bytes());
    assert_eq!(dec, "{\"text\":\"a b\"}\n{\"text\":\"가\"}\n");
}

#[test]
fn special_tokens_follow_each_reference() {
    let text = b"hi<|endoftext|>";
    // tiktoken default: encode_ordinary, the special text is ordinary text.
    assert!(!ids(&ok_with(&["encode", "-t", "cl100k_base"], text)).contains(&100257));
    assert_eq!(
        ids(&ok_with(
            &["encode", "-t", "cl100k_base", "--special", "all"],
            text
        ))
        .last(),
        Some(&100257)
    );
    assert_eq!(
        ids(&ok_with(
            &["encode", "-t", "cl100k_base", "--special", "<|endoftext|>"],
            text
        ))
        .last(),
        Some(&100257)
    );
    // HF default: added tokens are matched; Qwen3 turns <|endoftext|> into 151643.
    let qwen = vocab("qwen3.tokenizer.json");
    assert_eq!(
        ids(&ok_with(&["encode", "-t", &qwen], text)).last(),
        Some(&151643)
    );
    assert!(!ids(&ok_with(
        &["encode", "-t", &qwen, "--special", "none"],
        text
    ))
    .contains(&151643));
    // --add-special adds Gemma 3's <bos>.
    let gemma = vocab("gemma3.tokenizer.json.gz");
    assert_ne!(ids(&ok_with(&["encode", "-t", &gemma], b"hello"))[0], 2);
    assert_eq!(
        ids(&ok_with(
            &["encode", "-t", &gemma, "--add-special"],
            b"hello"
        ))[0],
        2
    );
    let e = fails_with(
        &["encode", "-t", "cl100k_base", "--special", "<|nope|>"],
        text,
    );
    assert!(
        e.starts_with("unknown special token `<|nope|>` for cl100k_base"),
        "{e}"
    );
}

#[test]
fn tiktoken_files_with_pattern() {
    let path = vocab("o200k_base.tiktoken");
    let a = ok_with(&["encode", "-t", &path], "Korean 한국어 text".as_bytes());
    let b = ok_with(
        &["encode", "-t", "o200k_base"],
        "Korean 한국어 text".as_bytes(),
    );
    assert_eq!(a, b);
    let llama = vocab("llama3.tiktoken");
    let c = ok_with(
        &["encode", "-t", &llama, "--pattern", "llama3"],
        "don't 12345".as_bytes(),
    );
    let d = ok_with(
        &["encode", "-t", &vocab("llama3.tokenizer.json")],
        "don't 12345".as_bytes(),
    );
    assert_eq!(c, d);
}

#[test]
fn count_table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ko.txt");
    std::fs::write(&f, "안녕하세요 세계\n").unwrap();
    let out = ok_with(
        &[
            "count",
            "-t",
            "cl100k_base,o200k_base",
            "--json",
            f.to_str().unwrap(),
        ],
        b"",
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v["files"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["tokenizer"], "cl100k_base");
    assert_eq!(rows[1]["tokenizer"], "o200k_base");
    assert_eq!(rows[0]["bytes"], 23);
    assert_eq!(rows[0]["chars"], 9);
    let direct = ids(&ok_with(
        &["encode", "-t", "o200k_base", f.to_str().unwrap()],
        b"",
    ))
    .len();
    assert_eq!(rows[1]["tokens"], direct);
    // Default: the bundled sample under every built-in.
    let table = ok_with(&["count"], b"");
    for name in [
        "cl100k_base",
        "o200k_base",
        "r50k_base",
        "p50k_base",
        "kor_Hang",
        "eng_Latn",
    ] {
        assert!(table.contains(name), "{table}");
    }
}

#[test]
fn info_lists_size_specials_and_pattern() {
    let out = ok_with(&["info", "-t", "gpt-4", "--json"], b"");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["name"], "cl100k_base");
    assert_eq!(v["n_vocab"], 100277);
    assert_eq!(v["special_tokens"].as_array().unwrap().len(), 5);
    assert!(v["pattern"].as_str().unwrap().starts_with("'(?i:[sdmt]"));
    let out = ok_with(&["info", "-t", &vocab("gemma3.tokenizer.json.gz")], b"");
    assert!(out.contains("n_vocab:         262145"), "{out}");
    assert!(out.contains("<start_of_turn>"), "{out}");
}

#[test]
fn help_for_every_command() {
    for cmd in ["encode", "decode", "count", "info"] {
        let out = ok_with(&[cmd, "--help"], b"");
        assert!(out.contains("Usage: fairtok"), "{out}");
    }
}

// ---- bad input -------------------------------------------------------------------------------

#[test]
fn malformed_tiktoken_files() {
    for (content, expect) in [
        (
            &b"YQ== 0\nYg==\n"[..],
            ":2: expected `base64 rank`, found one field",
        ),
        (b"YQ== 0\n!!!! 1\n", ":2: invalid base64"),
        (b"YQ== zero\n", ":1: rank \"zero\" is not an integer"),
        (
            b"YQ== 0\nYg== 0\n",
            ":2: duplicate rank 0 (first on line 1)",
        ),
        (
            b"YQ== 0\nYQ== 1\n",
            ":2: duplicate token bytes \"a\" (first on line 1)",
        ),
    ] {
        let (_d, path) = temp_file("bad.tiktoken", content);
        let e = fails_with(&["encode", "-t", &path, "--pattern", "cl100k"], b"x");
        assert!(e.starts_with(&path), "{e}");
        assert!(e.contains(expect), "{e} / {expect}");
    }
    let (_d, path) = temp_file("custom.tiktoken", b"YQ== 0\n");
    let e = fails_with(&["encode", "-t", &path], b"x");
    assert!(
        e.contains("--pattern: ") && e.contains("needs a pattern"),
        "{e}"
    );
}

#[test]
fn malformed_tokenizer_json() {
    let (_d, path) = temp_file("tokenizer.json", b"{ \"model\": ");
    let e = fails_with(&["encode", "-t", &path], b"x");
    assert!(e.starts_with(&format!("{path}: not valid JSON")), "{e}");
    let (_d, path) = temp_file(
        "tokenizer.json",
        br#"{"model": {"type": "WordLevel", "vocab": {}}}"#,
    );
    let e = fails_with(&["info", "-t", &path], b"");
    assert_eq!(
        e,
        format!(
            "{path}: unsupported model `WordLevel` (fairtok supports: BPE, WordPiece, Unigram)"
        )
    );
    let (_d, path) = temp_file(
        "tokenizer.json",
        br#"{"model": {"type": "Unigram", "vocab": []}}"#,
    );
    let e = fails_with(&["info", "-t", &path], b"");
    assert_eq!(
        e,
        format!("{path}: $.model.vocab: the Unigram vocabulary is empty")
    );
    let (_d, path) = temp_file(
        "tokenizer.json",
        br#"{"pre_tokenizer": {"type": "Whitespace"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}"#,
    );
    let e = fails_with(&["info", "-t", &path], b"");
    assert!(e.contains("unsupported pre_tokenizer `Whitespace`"), "{e}");
}

#[test]
fn missing_file_and_unknown_tokenizer() {
    let e = fails_with(&["encode", "-t", "cl100k_base", "/no/such/file.txt"], b"");
    assert!(e.starts_with("/no/such/file.txt: "), "{e}");
    let e = fails_with(&["encode", "-t", "gpt-9000-ultra"], b"x");
    assert!(e.starts_with("unknown tokenizer `gpt-9000-ultra`"), "{e}");
}

#[test]
fn invalid_utf8_names_the_offset_unless_lossy() {
    let e = fails_with(&["encode", "-t", "cl100k_base"], b"abc\xffdef");
    assert_eq!(
        e,
        "<stdin>: invalid UTF-8 at byte offset 3 (use --lossy to replace it with U+FFFD)"
    );
    let (_d, path) = temp_file("bad.txt", b"ok\n\xc3");
    let e = fails_with(&["count", "-t", "cl100k_base", &path], b"");
    assert!(
        e.starts_with(&format!("{path}: invalid UTF-8 at byte offset 3")),
        "{e}"
    );
    let lossy = ok_with(&["encode", "-t", "cl100k_base", "--lossy"], b"abc\xffdef");
    let clean = ok_with(
        &["encode", "-t", "cl100k_base"],
        "abc\u{fffd}def".as_bytes(),
    );
    assert_eq!(lossy, clean);
    let e = fails_with(
        &["encode", "-t", "cl100k_base", "--jsonl"],
        b"{\"text\": \"a\"}\n\xff\n",
    );
    assert!(
        e.starts_with("<stdin>:2: invalid UTF-8 at byte offset 0"),
        "{e}"
    );
}

#[test]
fn bad_jsonl_lines() {
    let e = fails_with(
        &["encode", "-t", "cl100k_base", "--jsonl"],
        b"{\"text\": \"a\"}\nnot json\n",
    );
    assert!(e.starts_with("<stdin>:2: not a JSON object"), "{e}");
    let e = fails_with(
        &["encode", "-t", "cl100k_base", "--jsonl"],
        b"{\"txt\": \"a\"}\n",
    );
    assert_eq!(e, "<stdin>:1: no string field \"text\"");
    let e = fails_with(
        &["decode", "-t", "cl100k_base", "--jsonl"],
        b"[1, 2]\n[1, \"x\"]\n",
    );
    assert!(
        e.starts_with("<stdin>:2: not a JSON array of token ids"),
        "{e}"
    );
}

#[test]
fn unknown_and_malformed_ids_in_decode() {
    let e = fails_with(&["decode", "-t", "cl100k_base"], b"15339 100256 1");
    assert_eq!(e, "<stdin>: token id 100256 at position 1 is not in the vocabulary of cl100k_base (ids 0..100277)");
    let e = fails_with(&["decode", "-t", "cl100k_base"], b"1 99999999999999");
    assert!(
        e.starts_with("<stdin>: token id 99999999999999 at position 1"),
        "{e}"
    );
    let e = fails_with(&["decode", "-t", "cl100k_base"], b"1 2 x3");
    assert_eq!(e, "<stdin>: byte offset 4: \"x3\" is not a token id");
    let e = fails_with(
        &["decode", "-t", "cl100k_base", "--jsonl"],
        b"[1, 100256]\n",
    );
    assert!(
        e.starts_with("<stdin>:1: token id 100256 at position 1"),
        "{e}"
    );
    // Bytes that are not UTF-8 cannot be a JSON string without --lossy.
    let e = fails_with(&["decode", "-t", "cl100k_base", "--jsonl"], b"[156]\n");
    assert!(e.contains("not valid UTF-8"), "{e}");
    let out = ok_with(
        &["decode", "-t", "cl100k_base", "--jsonl", "--lossy"],
        b"[156]\n",
    );
    assert_eq!(out, "{\"text\":\"\u{fffd}\"}\n");
}

#[test]
fn options_that_do_not_apply_are_errors() {
    let e = fails_with(&["encode", "-t", "cl100k_base", "--add-special"], b"x");
    assert!(
        e.contains("--add-special: applies to tokenizer.json"),
        "{e}"
    );
    let e = fails_with(
        &[
            "encode",
            "-t",
            &vocab("qwen3.tokenizer.json"),
            "--pattern",
            "cl100k",
        ],
        b"x",
    );
    assert!(e.contains("--pattern: applies to .tiktoken files"), "{e}");
}

#[test]
fn large_files_give_the_same_output_on_any_number_of_threads() {
    // Over 1 MiB: the file is mapped and checked as UTF-8 in parts, and encoded in parts.
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 3 << 20 {
        text.push_str(&format!(
            "Line {i}: 한국어 text, don't stop! 😀\n  indented {i}\n"
        ));
        i += 1;
    }
    let (_d, path) = temp_file("big.txt", text.as_bytes());
    let count = |threads: &str| {
        let out = ok_with(
            &[
                "count",
                "-t",
                "o200k_base",
                "--threads",
                threads,
                "--json",
                &path,
            ],
            b"",
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["files"][0].clone()
    };
    let one = count("1");
    assert_eq!(one["bytes"], text.len());
    assert_eq!(one["chars"], text.chars().count());
    assert_eq!(count("2"), one);
    assert_eq!(count("3"), one);
    let enc1 = ok_with(
        &["encode", "-t", "o200k_base", "--threads", "1", &path],
        b"",
    );
    assert_eq!(ids(&enc1).len(), one["tokens"].as_u64().unwrap() as usize);
    assert_eq!(
        ok_with(
            &["encode", "-t", "o200k_base", "--threads", "2", &path],
            b""
        ),
        enc1
    );
    // Same text through standard input (read, not mapped).
    assert_eq!(
        ok_with(
            &["encode", "-t", "o200k_base", "--threads", "2", "-"],
            text.as_bytes()
        ),
        enc1
    );
    // A bad byte in the second half of a large file is found, at its offset.
    let mut bad = text.clone().into_bytes();
    let at = bad.len() * 3 / 4;
    let at = (at..).find(|&k| bad[k] == b'L').unwrap();
    bad[at] = 0xFF;
    let (_d2, bad_path) = temp_file("bad.txt", &bad);
    let e = fails_with(
        &["count", "-t", "o200k_base", "--threads", "2", &bad_path],
        b"",
    );
    assert!(
        e.starts_with(&format!("{bad_path}: invalid UTF-8 at byte offset {at}")),
        "{e}"
    );
    let lossy = ok_with(
        &[
            "count",
            "-t",
            "o200k_base",
            "--threads",
            "2",
            "--lossy",
            "--json",
            &bad_path,
        ],
        b"",
    );
    assert!(lossy.contains("\"tokens\""));
}

#[test]
fn a_closed_standard_output_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = write(dir.path(), "t.txt", "hello world\n");
    let bin = env!("CARGO_BIN_EXE_fairtok");
    for cmd in ["encode", "count"] {
        let script = format!("exec >&-; '{bin}' {cmd} -t o200k_base '{}'", text.display());
        let out = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{cmd}: exit 0 with stdout closed");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("standard output is closed"), "{cmd}: {err}");
    }
}
