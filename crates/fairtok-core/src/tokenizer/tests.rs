//! Tests of loading, encoding and decoding through [`Tokenizer`].

use super::*;
use std::path::Path;

#[test]
fn from_tiktoken_loads_bytes_as_a_file_and_checks_them() {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut text: String = (0..=255u8)
        .map(|b| format!("{} {b}\n", b64(&[b])))
        .collect();
    text.push_str(&format!("{} 256\n", b64(b"ab")));
    let specials = vec![("<|end|>".to_owned(), 257)];
    let t = Tokenizer::from_tiktoken(text.as_bytes(), "t", "mem", "r50k", specials).unwrap();
    assert_eq!(t.pattern(), Some(pattern::R50K));
    assert_eq!(t.encode("abc").unwrap(), [256, 99]);
    assert_eq!(t.special_tokens(), [("<|end|>".to_owned(), 257)]);
    let far = vec![("<|end|>".to_owned(), 1 << 31)];
    let e = Tokenizer::from_tiktoken(text.as_bytes(), "t", "mem", "r50k", far).unwrap_err();
    assert!(
        e.to_string().contains("far beyond the number of tokens"),
        "{e}"
    );
    // Fuzzing found a special id that is also a rank: "a" encoded to 97 and decoded to
    // "<|end|>". It is refused, naming both.
    let clash = vec![("<|end|>".to_owned(), 97)];
    let e = Tokenizer::from_tiktoken(text.as_bytes(), "t", "mem", "r50k", clash).unwrap_err();
    assert_eq!(
        e.to_string(),
        "mem: special token \"<|end|>\" has id 97, which is the rank of the token \"a\""
    );
    let e = Tokenizer::from_tiktoken(b"YQ== x\n", "t", "mem", "r50k", vec![]).unwrap_err();
    assert!(e.to_string().contains("mem"), "{e}");
}

#[test]
fn from_vocab_txt_loads_bytes_as_from_file_does() {
    let data = b"[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nworld\n##s\n";
    let t = Tokenizer::from_vocab_txt(data, "v", "mem", false).unwrap();
    assert_eq!(t.origin(), "mem (WordPiece vocab.txt)");
    assert_eq!(t.encode("hello worlds Hello").unwrap(), [4, 5, 6, 1]);
    let lower = Tokenizer::from_vocab_txt(data, "v", "mem", true).unwrap();
    assert_eq!(lower.origin(), "mem (WordPiece vocab.txt, lower-cased)");
    assert_eq!(lower.encode("Hello").unwrap(), [4]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.txt");
    std::fs::write(&path, data).unwrap();
    let file = Tokenizer::from_file(&path, &LoadOptions::default()).unwrap();
    assert_eq!(file.encode("hello worlds Hello").unwrap(), [4, 5, 6, 1]);
    let e = Tokenizer::from_vocab_txt(b"[UNK]\n", "v", "mem", false).unwrap_err();
    assert!(e.to_string().starts_with("mem: "), "{e}");
}

#[test]
fn load_with_bytes_gives_the_file_decompressed() {
    use base64::Engine as _;
    let (t, bytes) = Tokenizer::load_with_bytes("gpt-4o", &LoadOptions::default()).unwrap();
    assert_eq!((t.name(), bytes), ("o200k_base", None));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r50k_base.tiktoken.gz");
    let text = format!(
        "{}\n",
        (0..=255u8)
            .map(|b| format!(
                "{} {b}",
                base64::engine::general_purpose::STANDARD.encode([b])
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
    std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let spec = path.to_str().unwrap();
    let (t, bytes) = Tokenizer::load_with_bytes(spec, &LoadOptions::default()).unwrap();
    assert_eq!(bytes.as_deref(), Some(text.as_bytes()));
    assert_eq!(t.encode("ab").unwrap(), vec![97, 98]);
}

/// A `.tiktoken` of the 256 bytes, then `extra` lines.
fn byte_ranks(extra: &str) -> String {
    use base64::Engine as _;
    let mut t: String = (0..=255u8)
        .map(|b| {
            let b64 = base64::engine::general_purpose::STANDARD.encode([b]);
            format!("{b64} {b}\n")
        })
        .collect();
    t.push_str(extra);
    t
}

#[test]
fn a_sidecar_of_another_rank_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.tiktoken");
    std::fs::write(&path, byte_ranks("YWI= 256\n")).unwrap();
    let side = |n: &str| {
        let doc = format!(
            r#"{{"pat_str": "\\S+|\\s+", "special_tokens": {{"<|e|>": 257}}, "explicit_n_vocab": {n}}}"#
        );
        std::fs::write(crate::write::sidecar_path(&path), doc).unwrap();
        Tokenizer::from_file(&path, &LoadOptions::default())
    };
    // 257 ranks and one special: 258 tokens, ids 0..=257, as tiktoken checks.
    side("258").unwrap();
    side("null").unwrap();
    for n in ["300", "257"] {
        let e = side(n).unwrap_err();
        assert!(e.to_string().contains("$.explicit_n_vocab"), "{e}");
    }
    let e = side("\"x\"").unwrap_err();
    assert!(e.to_string().contains("expected a count"), "{e}");
}

#[test]
fn ids_far_beyond_the_number_of_tokens_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let opts = LoadOptions {
        pattern: Some("o200k".into()),
        ..Default::default()
    };
    // A rank of 2^31 on line 257 of a 2.6 KB file.
    let path = dir.path().join("far.tiktoken");
    std::fs::write(&path, byte_ranks("YWI= 2147483648\n")).unwrap();
    let e = Tokenizer::from_file(&path, &opts).unwrap_err();
    assert!(matches!(e, Error::TiktokenLine { line: 257, .. }), "{e}");
    // Ids up to the bound load.
    std::fs::write(&path, byte_ranks("YWI= 1537\n")).unwrap();
    Tokenizer::from_file(&path, &opts).unwrap();
    // The sidecar's special ids.
    let path = dir.path().join("side.tiktoken");
    std::fs::write(&path, byte_ranks("")).unwrap();
    let side = r#"{"pat_str": "\\S+|\\s+", "special_tokens": {"<|x|>": 4000000000}}"#;
    std::fs::write(crate::write::sidecar_path(&path), side).unwrap();
    let e = Tokenizer::from_file(&path, &LoadOptions::default()).unwrap_err();
    assert!(
        e.to_string().contains(r#"$.special_tokens["<|x|>"]"#),
        "{e}"
    );
    // from_ranks: ranks and specials.
    let ranks = vec![(b"a".to_vec(), 0), (b"b".to_vec(), 3_000_000_000)];
    let e = Tokenizer::from_ranks("x", "x", ranks, r"\S+", vec![]).unwrap_err();
    assert!(matches!(e, Error::Vocab { .. }), "{e}");
    let ranks = vec![(b"a".to_vec(), 0)];
    let specials = vec![("<|s|>".to_owned(), u32::MAX - 1)];
    let e = Tokenizer::from_ranks("x", "x", ranks, r"\S+", specials).unwrap_err();
    assert!(e.to_string().contains("<|s|>"), "{e}");
    // tokenizer.json: the vocab and the added tokens.
    let json = |vocab_id: u64, added_id: u64| {
        format!(
            r#"{{"added_tokens": [{{"id": {added_id}, "content": "<s>", "special": true}}],
                "model": {{"type": "BPE", "vocab": {{"a": 0, "b": {vocab_id}}}, "merges": []}}}}"#
        )
    };
    let load = |j: String| Tokenizer::from_tokenizer_json(j.as_bytes(), "t", "t.json");
    let e = load(json(2_147_483_648, 2)).unwrap_err();
    assert!(e.to_string().contains(r#"$.model.vocab["b"]"#), "{e}");
    // Added tokens get their ids as tokenizers gives them (the next after the vocabulary's
    // two entries), whatever their `id` says.
    let t = load(json(1, 4_000_000_000)).unwrap();
    assert_eq!(t.encode("<s>").unwrap(), vec![2]);
    load(json(1, 2)).unwrap();
}

#[test]
fn patterns_that_match_the_empty_string_are_refused() {
    let invalid_pattern = |e: Error| {
        assert!(
            matches!(
                e,
                Error::InvalidOption {
                    option: Setting::Pattern,
                    ..
                }
            ),
            "{e}"
        )
    };
    let ranks: Vec<(Vec<u8>, u32)> = (0..=255u8).map(|b| (vec![b], b as u32)).collect();
    for p in ["", "x*", r"\s+|"] {
        let e = Tokenizer::from_ranks("x", "x", ranks.clone(), p, vec![]).unwrap_err();
        invalid_pattern(e);
    }
    Tokenizer::from_ranks("x", "x", ranks, r"\S+|\s+", vec![]).unwrap();
    // A `.tiktoken` whose sidecar brings such a pattern.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.tiktoken");
    std::fs::write(&path, byte_ranks("")).unwrap();
    std::fs::write(crate::write::sidecar_path(&path), r#"{"pat_str": "x*"}"#).unwrap();
    invalid_pattern(Tokenizer::from_file(&path, &LoadOptions::default()).unwrap_err());
}

#[test]
fn packed_builtins_are_the_rank_files() {
    // The built-ins load from the lists `build.rs` packs, without the duplicate checks:
    // here they are checked against the rank files, token for token, and for duplicates.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    for b in builtin::BUILTINS {
        let mut text = vec![];
        for file in b.ranks_file.split(" + ") {
            // "FILE (ids from N)": the file's ranks moved up so that the lowest is N.
            let Some((file, from)) = file.split_once(" (ids from ") else {
                text.extend(std::fs::read(dir.join(file)).unwrap());
                continue;
            };
            let from: u32 = from.trim_end_matches(')').parse().unwrap();
            let part = std::fs::read_to_string(dir.join(file)).unwrap();
            let lines: Vec<(&str, u32)> = part
                .lines()
                .map(|l| l.split_once(' ').unwrap())
                .map(|(t, r)| (t, r.parse().unwrap()))
                .collect();
            let lowest = lines.iter().map(|l| l.1).min().unwrap();
            for (token, rank) in lines {
                text.extend(format!("{token} {}\n", rank - lowest + from).bytes());
            }
        }
        let want = tiktoken::parse_ranks(&text, b.name).unwrap();
        let mut got = tiktoken::RankList::from_packed(b.ranks);
        if !b.added_packed.is_empty() {
            let added = tiktoken::RankList::from_packed(b.added_packed);
            got.append(&added, b.name).unwrap();
        }
        let got: Vec<_> = got.iter().map(|(t, r)| (t.to_vec(), r)).collect();
        assert!(got == want, "{}", b.name);
    }
}

#[test]
fn builtins_load_with_tiktoken_sizes() {
    for (name, n) in [
        ("cl100k_base", 100277),
        ("o200k_base", 200019),
        ("o200k_ko", 200019 + 32768),
        ("o200k_ko_sw", 200019 + 32768),
        ("r50k_base", 50257),
        ("p50k_base", 50281),
        ("o200k_harmony", 201088),
        ("o200k_harmony_ko", 201088 + 32768),
    ] {
        let t = Tokenizer::builtin(name).unwrap();
        assert_eq!(t.n_vocab(), n, "{name}");
    }
}

#[test]
fn special_tokens_only_when_allowed() {
    let t = Tokenizer::builtin("cl100k_base").unwrap();
    let text = "a<|endoftext|>b<|fim_prefix|>";
    let ordinary = t.encode(text).unwrap();
    assert!(!ordinary.contains(&100257));
    let all = t
        .encode_with(
            text,
            &EncodeOptions {
                specials: Specials::All,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(all.contains(&100257) && all.contains(&100258));
    let only = t
        .encode_with(
            text,
            &EncodeOptions {
                specials: Specials::Only(vec!["<|fim_prefix|>".into()]),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(!only.contains(&100257) && only.contains(&100258));
    let e = t
        .encode_with(
            text,
            &EncodeOptions {
                specials: Specials::Only(vec!["<|nope|>".into()]),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(e
        .to_string()
        .starts_with("unknown special token `<|nope|>` for cl100k_base"));
    assert_eq!(t.decode_bytes(&all).unwrap(), text.as_bytes());
}

#[test]
fn special_tokens_are_allowed_by_name() {
    // o200k_harmony's 200018 has two names; tiktoken allows a name, not an id.
    let t = Tokenizer::builtin("o200k_harmony").unwrap();
    let text = "<|reserved_200018|><|endofprompt|>";
    let only = |names: &[&str]| EncodeOptions {
        specials: Specials::Only(names.iter().map(|n| n.to_string()).collect()),
        ..Default::default()
    };
    let ids = t.encode_with(text, &only(&["<|endofprompt|>"])).unwrap();
    assert_eq!(ids.last(), Some(&200018));
    assert!(!ids[..ids.len() - 1].contains(&200018));
    let ids = t
        .encode_with(text, &only(&["<|endofprompt|>", "<|reserved_200018|>"]))
        .unwrap();
    assert_eq!(ids, [200018, 200018]);
    assert_eq!(t.token_bytes(200018), Some(&b"<|endofprompt|>"[..]));
    assert_eq!(t.token_bytes(199998), Some(&b"<|startoftext|>"[..]));
    assert_eq!(t.special_tokens().len(), 1091);
    // The smallest name is decoded, in whatever order the names come.
    let ranks: Vec<(Vec<u8>, u32)> = (0..=255u8).map(|b| (vec![b], b as u32)).collect();
    for specials in [
        [("<|b|>", 256), ("<|a|>", 256)],
        [("<|a|>", 256), ("<|b|>", 256)],
    ] {
        let specials = specials.iter().map(|(s, i)| (s.to_string(), *i)).collect();
        let t = Tokenizer::from_ranks("t", "t", ranks.clone(), ".", specials).unwrap();
        assert_eq!(t.token_bytes(256), Some(&b"<|a|>"[..]));
    }
}

#[test]
fn unknown_ids_and_names() {
    let t = Tokenizer::builtin("cl100k_base").unwrap();
    let e = t.decode_bytes(&[1, 100256]).unwrap_err().to_string();
    assert_eq!(
        e,
        "token id 100256 at position 1 is not in the vocabulary of cl100k_base (ids 0..100277)"
    );
    let e = Tokenizer::load("no-such-tokenizer", &LoadOptions::default()).unwrap_err();
    assert!(e
        .to_string()
        .starts_with("unknown tokenizer `no-such-tokenizer`"));
    assert_eq!(
        Tokenizer::load("gpt-4o", &LoadOptions::default())
            .unwrap()
            .name(),
        "o200k_base"
    );
}

#[test]
fn parallel_encode_and_count_equal_sequential() {
    let t = Tokenizer::builtin("o200k_base").unwrap();
    let mut text = String::new();
    for i in 0..170_000 {
        text.push_str(&format!(
            "Line {i}: 한국어 text, don't stop!\n  indented {i}\n"
        ));
    }
    // Parts of megabytes on each thread, all threads on the one model.
    assert!(text.len() / 2 > 4 << 20);
    let seq = t.encode(&text).unwrap();
    assert_eq!(t.encode_parallel(&text, 2).unwrap(), seq);
    assert_eq!(t.encode_parallel(&text, 7).unwrap(), seq);
    assert_eq!(t.count_parallel(&text, 3).unwrap(), seq.len());
    // In spans of about 1 MB, two or three at a time: the same ids, never all held.
    for threads in [1, 2, 3] {
        let mut streamed = vec![];
        let mut calls = 0;
        t.encode_in_spans(&text, threads, 1 << 20, |ids| -> Result<()> {
            assert!(ids.len() < 1 << 19, "a span's ids: {}", ids.len());
            streamed.extend_from_slice(ids);
            calls += 1;
            Ok(())
        })
        .unwrap();
        assert!(calls >= 8, "{calls} spans");
        assert!(streamed == seq, "{threads} threads");
    }
    assert_eq!(t.count(&text).unwrap(), seq.len());
}

#[test]
fn long_runs_are_not_quadratic() {
    // One piece of 200k bytes that is no token: the heap merge handles it in O(n log n).
    let t = Tokenizer::builtin("o200k_base").unwrap();
    let text = "가".repeat(70_000);
    let ids = t.encode(&text).unwrap();
    assert_eq!(t.decode_bytes(&ids).unwrap(), text.as_bytes());
}

#[test]
fn encode_each_and_count_each_equal_a_call_per_text() {
    let texts = [
        "",
        "Hello, world!",
        "한국어 문장입니다. 또 다른 한국어 문장.",
        "<|endoftext|> is text here",
        "  indented\n\ncode(x) // 주석",
        "Hello, world!",
    ];
    for name in ["o200k_base", "cl100k_base", "o200k_ko"] {
        let t = Tokenizer::builtin(name).unwrap();
        for opts in [
            EncodeOptions::default(),
            EncodeOptions {
                specials: Specials::All,
                ..Default::default()
            },
        ] {
            let (mut ids, mut ends) = (vec![7], vec![]);
            t.encode_each(&texts, &opts, &mut ids, &mut ends).unwrap();
            let mut want = vec![7];
            let mut want_ends = vec![];
            for text in texts {
                t.encode_into(text, &opts, &mut want).unwrap();
                want_ends.push(want.len());
            }
            assert_eq!((&ids, &ends), (&want, &want_ends), "{name}");
        }
        let mut counts = vec![];
        t.count_each(&texts, &mut counts).unwrap();
        let want: Vec<usize> = texts.iter().map(|x| t.count(x).unwrap()).collect();
        assert_eq!(counts, want, "{name}");
    }
    // A request that fails fails the same way, after the texts before it.
    let t = Tokenizer::builtin("o200k_base").unwrap();
    let bad = EncodeOptions {
        add_special: true,
        ..Default::default()
    };
    let (mut ids, mut ends) = (vec![], vec![]);
    let each = t
        .encode_each(&texts, &bad, &mut ids, &mut ends)
        .unwrap_err();
    let one = t.encode_into(texts[0], &bad, &mut vec![]).unwrap_err();
    assert_eq!(each.to_string(), one.to_string());
    assert!(ends.is_empty());
}
