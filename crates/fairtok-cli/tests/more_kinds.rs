//! `fairtok encode/decode/count/info/parity -t FILE` with the kinds of issue 14: a Mistral
//! tekken file, WordPiece `vocab.txt` files (with `--lowercase`), SentencePiece `.model` files
//! and a Unigram `tokenizer.json`. The ids themselves are
//! checked against the reference libraries in `fairtok-core`'s `more_kinds` test; here, that
//! every command takes these files and `--lowercase` is refused where it does not apply.

mod common;
use common::*;

/// The shared vocabulary folder, or `None` (after one line saying so) without shared data.
fn vocab() -> Option<std::path::PathBuf> {
    let v = shared().join("data/vocab");
    if v.join("mistral-tekken-240911.json").is_file() {
        Some(v)
    } else {
        eprintln!(
            "skipped: shared data not found at {} (set FAIRTOK_SHARED)",
            v.display()
        );
        None
    }
}

#[test]
fn tekken_in_every_command() {
    let Some(v) = vocab() else { return };
    let tekken = v.join("mistral-tekken-240911.json");
    let t = s(&tekken);
    // mistral-common: Tekkenizer.from_file(t).encode("안녕하세요, world!", bos=False, eos=False)
    let ids = ok_with(&["encode", "-t", t], "안녕하세요, world!".as_bytes());
    assert_eq!(ids.trim(), "9805 118463 2106 37843 1044 4304 1033");
    // Special tokens written in the text are text (mistral-common), unless asked for.
    let ids = ok_with(&["encode", "-t", t], b"<s>");
    assert_ne!(ids.trim(), "1");
    let ids = ok_with(&["encode", "-t", t, "--special", "all"], b"<s>");
    assert_eq!(ids.trim(), "1");
    let ids = ok_with(&["encode", "-t", t, "--add-special"], b"hi");
    assert!(ids.starts_with("1 "), "{ids}");
    let back = ok_with(
        &["decode", "-t", t],
        b"9805 118463 2106 37843 1044 4304 1033",
    );
    assert_eq!(back, "안녕하세요, world!");
    let info = ok(&["info", "-t", t]);
    assert!(info.contains("format:          tekken"), "{info}");
    assert!(info.contains("n_vocab:         131072"), "{info}");
    assert!(info.contains("Mistral tekken v3"), "{info}");
    let (_dir, text) = temp_file("t.txt", "안녕하세요, world!".as_bytes());
    let count = ok(&["count", "-t", t, "--json", &text]);
    assert!(count.contains("\"tokens\": 7"), "{count}");
    let parity = ok(&["parity", "-t", t]);
    assert!(parity.contains("mistral-tekken-240911"), "{parity}");
    assert!(parity.contains("kor_Hang"), "{parity}");
}

#[test]
fn wordpiece_vocab_txt_in_every_command() {
    let Some(v) = vocab() else { return };
    let bert = v.join("bert-base-cased.vocab.txt");
    let b = s(&bert);
    // tokenizers: BertWordPieceTokenizer(b, lowercase=False / True).encode(text, add_special_tokens=False)
    let text = "Naïve Café! unaffable".as_bytes();
    assert_eq!(
        ok_with(&["encode", "-t", b], text).trim(),
        "100 100 106 8362 9823 8057 2165"
    );
    assert_eq!(
        ok_with(&["encode", "-t", b, "--lowercase"], text).trim(),
        "22607 17287 106 8362 9823 8057 2165"
    );
    assert_eq!(
        ok_with(
            &["encode", "-t", b, "--add-special", "--lowercase"],
            b"cafe"
        )
        .trim(),
        "101 17287 102"
    );
    // The WordPiece decoder: pieces joined with spaces, `##` joined to the previous one.
    let back = ok_with(&["decode", "-t", b], b"22607 17287 106 8362 9823 8057 2165");
    assert_eq!(back, "naive cafe! unaffable");
    let info = ok(&["info", "-t", b]);
    assert!(info.contains("model:           WordPiece"), "{info}");
    assert!(info.contains("n_vocab:         28996"), "{info}");
    assert!(info.contains("(WordPiece vocab.txt)"), "{info}");
    let koelectra = v.join("koelectra-v1.vocab.txt");
    let (_dir, path) = temp_file("t.txt", "안녕하세요".as_bytes());
    let count = ok(&["count", "-t", s(&koelectra), "--json", &path]);
    assert!(count.contains("\"tokens\": "), "{count}");
    let parity = ok(&[
        "parity",
        "-t",
        &format!("{},{}", s(&koelectra), b),
        "--lowercase",
    ]);
    assert!(
        parity.contains("koelectra-v1") && parity.contains("bert-base-cased"),
        "{parity}"
    );
}

#[test]
fn lowercase_only_for_vocab_txt() {
    let e = fails_with(&["encode", "-t", "cl100k_base", "--lowercase"], b"x");
    assert_eq!(
        e,
        "--lowercase: applies to WordPiece vocab.txt files; cl100k_base carries its own normalizer"
    );
    let Some(v) = vocab() else { return };
    let tekken = v.join("mistral-tekken-240911.json");
    let e = fails_with(&["encode", "-t", s(&tekken), "--lowercase"], b"x");
    assert!(
        e.starts_with("--lowercase: applies to WordPiece vocab.txt files"),
        "{e}"
    );
    let e = fails_with(
        &[
            "encode",
            "-t",
            s(&v.join("bert-base-cased.vocab.txt")),
            "--pattern",
            "o200k",
        ],
        b"x",
    );
    assert!(
        e.starts_with("--pattern: applies to .tiktoken files"),
        "{e}"
    );
}

#[test]
fn gguf_in_count_encode_and_info() {
    let Some(v) = vocab() else { return };
    let gpt2 = v.join("gguf/ggml-vocab-gpt-2.gguf");
    let g = s(&gpt2);
    // GPT-2's GGUF encodes as r50k_base (the core `gguf` test checks this on every text);
    // `<|endoftext|>` written in the text is text, as in llama.cpp without parse_special.
    let text = "안녕하세요, world! <|endoftext|>".as_bytes();
    let ids = ok_with(&["encode", "-t", g], text);
    assert_eq!(ids, ok_with(&["encode", "-t", "r50k_base"], text));
    assert!(!ids.split_whitespace().any(|i| i == "50256"), "{ids}");
    assert_eq!(
        ok_with(&["decode", "-t", g], ids.as_bytes()),
        "안녕하세요, world! <|endoftext|>"
    );
    let (_dir, file) = temp_file("t.txt", text);
    let count = ok(&["count", "-t", g, "--json", &file]);
    let want = ids.split_whitespace().count();
    assert!(count.contains(&format!("\"tokens\": {want}")), "{count}");
    let info = ok(&["info", "-t", g]);
    assert!(info.contains("GGUF gpt2, pre-tokenizer gpt-2"), "{info}");
    // A `bert` vocabulary is llama.cpp's WordPiece (the core `gguf` test checks its ids).
    let bert = v.join("gguf/ggml-vocab-bert-bge.gguf");
    let info = ok(&["info", "-t", s(&bert)]);
    assert!(
        info.contains("GGUF bert") && info.contains("WordPiece"),
        "{info}"
    );
    let count = ok(&["count", "-t", s(&bert), "--json", &file]);
    assert!(count.contains("\"tokens\": "), "{count}");
}

#[test]
fn sentencepiece_model_in_every_command() {
    let Some(v) = vocab() else { return };
    let mistral = v.join("mistral-v0.3.tokenizer.model");
    let m = s(&mistral);
    // sentencepiece: SentencePieceProcessor(model_file=m).encode("안녕하세요, world!")
    let want = "29473 31093 1006 904 920 29904 30489 30285 29493 2294 29576";
    let ids = ok_with(&["encode", "-t", m], "안녕하세요, world!".as_bytes());
    assert_eq!(ids.trim(), want);
    assert_eq!(
        ok_with(&["decode", "-t", m], want.as_bytes()),
        "안녕하세요, world!"
    );
    // encode("hi", add_bos=True)
    assert_eq!(
        ok_with(&["encode", "-t", m, "--add-special"], b"hi").trim(),
        "1 12782"
    );
    // Control symbols in the text are text, and cannot be asked for.
    assert_ne!(ok_with(&["encode", "-t", m], b"<s>").trim(), "1");
    let err = fails_with(&["encode", "-t", m, "--special", "all"], b"<s>");
    assert!(err.contains("SentencePiece"), "{err}");
    let info = ok(&["info", "-t", m]);
    assert!(info.contains("format:          sentencepiece"), "{info}");
    assert!(info.contains("n_vocab:         32768"), "{info}");
    assert!(info.contains("SentencePiece BPE"), "{info}");
    let parity = ok(&["parity", "-t", m]);
    assert!(parity.contains("kor_Hang"), "{parity}");
    // ALBERT (Unigram): unknown Hangul is one unknown id; no BOS to add.
    let albert = v.join("albert.spiece.model");
    let a = s(&albert);
    let ids = ok_with(&["encode", "-t", a], "안녕하세요, world!".as_bytes());
    assert_eq!(ids.trim(), "13 1 15 126 187");
    assert_eq!(ok_with(&["decode", "-t", a], ids.as_bytes()), " ⁇ , world!");
    let err = fails_with(&["encode", "-t", a, "--add-special"], b"hi");
    assert!(err.contains("no BOS"), "{err}");
    let (_dir, text) = temp_file("t.txt", "안녕하세요, world!".as_bytes());
    let count = ok(&["count", "-t", a, "--json", &text]);
    assert!(count.contains("\"tokens\": 5"), "{count}");
    // A truncated model is a located error, not a panic.
    let bytes = std::fs::read(&albert).unwrap();
    let (_d, cut) = temp_file("cut.model", &bytes[..1000]);
    let err = fails(&["info", "-t", &cut]);
    assert!(
        err.contains("cut.model") && err.contains("protobuf"),
        "{err}"
    );
}

#[test]
fn unigram_tokenizer_json_in_every_command() {
    let Some(v) = vocab() else { return };
    let t5 = v.join("t5.tokenizer.json.gz");
    let t = s(&t5);
    // tokenizers: Tokenizer.from_str(t5).encode("안녕하세요, world!", add_special_tokens=False)
    let ids = ok_with(&["encode", "-t", t], "안녕하세요, world!".as_bytes());
    assert_eq!(ids.trim(), "3 2 6 296 55");
    let info = ok(&["info", "-t", t]);
    assert!(info.contains("Unigram"), "{info}");
}
