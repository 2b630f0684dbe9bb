//! Vocabulary extension on real data: stable ids, base-language invariance on English,
//! Japanese, Chinese and code, fewer Korean tokens, both output formats giving the same ids,
//! and determinism. The Python tests (`tests/python/test_extend.py`) check the outputs with
//! tiktoken and Hugging Face tokenizers themselves.

use std::io::Read;
use std::path::PathBuf;

use fairtok_core::{LoadOptions, Tokenizer};
use fairtok_train::{
    extend_counts, Base, CountOptions, ExtendOptions, Extension, Input, NoProgress, OutputFormat,
    ParityDev, Script, WeightedCounts,
};

mod common;
use common::{flores, shared};

fn corpus(name: &str) -> PathBuf {
    shared().join("data/corpus").join(name)
}

/// The first `n` lines of a corpus file (plain or gzipped).
fn lines(name: &str, n: usize) -> Vec<String> {
    let raw = std::fs::read(corpus(name)).unwrap();
    let mut text = String::new();
    if name.ends_with(".gz") {
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_string(&mut text)
            .unwrap();
    } else {
        text = String::from_utf8(raw).unwrap();
    }
    text.lines().take(n).map(str::to_owned).collect()
}

fn counts(base: &Base, files: &[&str], weight: f64) -> WeightedCounts {
    let input = Input {
        lang: "kor_Hang".into(),
        paths: files.iter().map(|f| corpus(f)).collect(),
    };
    let (langs, sources) = fairtok_train::expand(&[input]).unwrap();
    let opts = CountOptions {
        pattern: base.pattern.clone(),
        threads: 2,
        ..Default::default()
    };
    WeightedCounts {
        lang: "kor_Hang".into(),
        weight,
        counts: fairtok_train::count_sources(&langs, &sources, &opts, &NoProgress).unwrap(),
    }
}

fn options(add: usize, whole_pieces: bool) -> ExtendOptions {
    ExtendOptions {
        add,
        min_frequency: 2,
        max_token_bytes: None,
        script: Script::of_lang("kor_Hang").unwrap(),
        whole_pieces,
        piece_bias: 1.0,
    }
}

fn run(base: &Base, add: usize, whole_pieces: bool) -> Extension {
    let c = counts(base, &["ko.klue-dev.txt", "ko.debian-faq.txt"], 1.0);
    extend_counts(
        base,
        vec![c],
        None,
        &options(add, whole_pieces),
        &NoProgress,
    )
    .unwrap()
}

/// Text with no Hangul: English prose, Japanese, Chinese and code.
fn no_hangul_texts() -> Vec<String> {
    let mut t = vec![];
    t.extend(lines("en.wikitext2.txt", 400));
    t.extend(lines("ja.manpages.txt.gz", 400));
    t.extend(lines("zh.manpages.txt.gz", 400));
    t.extend(lines("code.python.txt.gz", 400));
    t.extend(lines("code.rust.txt.gz", 400));
    for l in ["eng_Latn", "jpn_Jpan", "zho_Hans", "zho_Hant", "rus_Cyrl"] {
        t.extend(flores(l).into_iter().take(300));
    }
    let hang = Script::named("Hang").unwrap();
    t.retain(|s| !hang.occurs_in(s.as_bytes()));
    assert!(t.len() > 3000);
    t
}

fn check(base: &Base, ext: &Extension, name: &str) -> Tokenizer {
    let tok = ext.tokenizer(base, name).unwrap();
    // Stable ids: every base token keeps its id and bytes, and so do the special tokens.
    for id in 0..base.tokenizer.n_vocab() as u32 {
        assert_eq!(
            tok.token_bytes(id),
            base.tokenizer.token_bytes(id),
            "id {id}"
        );
    }
    assert_eq!(tok.special_tokens(), base.tokenizer.special_tokens());
    // New tokens: consecutive ids from the first free one, each with a Hangul character.
    let hang = Script::named("Hang").unwrap();
    for (i, t) in ext.tokens.iter().enumerate() {
        let id = ext.first_id + i as u32;
        assert_eq!(tok.token_bytes(id), Some(&t[..]));
        assert!(hang.marks(t), "{:?}", String::from_utf8_lossy(t));
    }
    // Base-language invariance.
    for t in no_hangul_texts() {
        assert_eq!(
            tok.encode(&t).unwrap(),
            base.tokenizer.encode(&t).unwrap(),
            "{t:?}"
        );
    }
    // Korean gets cheaper, on text not trained on.
    let ko = flores("kor_Hang").join("\n");
    let (before, after) = (base.tokenizer.count(&ko).unwrap(), tok.count(&ko).unwrap());
    assert!(after * 100 < before * 97, "{before} -> {after}");
    // Round trip.
    assert_eq!(
        tok.decode_bytes(&tok.encode(&ko).unwrap()).unwrap(),
        ko.as_bytes()
    );
    tok
}

#[test]
fn o200k_extension_keeps_ids_and_base_languages() {
    if !common::present("o200k_extension_keeps_ids_and_base_languages") {
        return;
    }
    let base = Base::load("o200k_base").unwrap();
    assert_eq!(base.first_new_id(), 200_019);
    let ext = run(&base, 1500, false);
    assert_eq!(ext.tokens.len(), 1500);
    assert_eq!(ext.first_id, 200_019);
    let tok = check(&base, &ext, "o200k_test");
    // Both file formats load to the same ids (tiktoken's rule and Hugging Face's merges).
    let dir = tempfile::tempdir().unwrap();
    let tk = dir.path().join("x.tiktoken");
    let hf = dir.path().join("x.json");
    ext.write(&base, &tk, OutputFormat::Tiktoken, "x").unwrap();
    ext.write(&base, &hf, OutputFormat::Hf, "x").unwrap();
    let tk = Tokenizer::load(tk.to_str().unwrap(), &LoadOptions::default()).unwrap();
    let hf = Tokenizer::load(hf.to_str().unwrap(), &LoadOptions::default()).unwrap();
    let mut texts = flores("kor_Hang");
    texts.extend(lines("ko.nsmc.txt.gz", 2000));
    texts.extend(flores("eng_Latn").into_iter().take(100));
    for t in &texts {
        let ids = tok.encode(t).unwrap();
        assert_eq!(tk.encode(t).unwrap(), ids, "{t:?}");
        assert_eq!(hf.encode(t).unwrap(), ids, "{t:?}");
    }
    // The same input gives the same tokens.
    assert_eq!(run(&base, 1500, false), ext);
}

#[test]
fn whole_pieces_save_more_and_stay_exact() {
    if !common::present("whole_pieces_save_more_and_stay_exact") {
        return;
    }
    let base = Base::load("cl100k_base").unwrap();
    assert_eq!(base.first_new_id(), 100_277);
    let merges = run(&base, 1000, false);
    let pieces = run(&base, 1000, true);
    assert!(pieces.merges.iter().any(|m| m.is_none()));
    let ko = flores("kor_Hang").join("\n");
    let a = merges.tokenizer(&base, "a").unwrap().count(&ko).unwrap();
    let tok = check(&base, &pieces, "b");
    assert!(tok.count(&ko).unwrap() < a, "whole pieces should help");
    let dir = tempfile::tempdir().unwrap();
    let hf = dir.path().join("b.json");
    pieces.write(&base, &hf, OutputFormat::Hf, "b").unwrap();
    let hf = Tokenizer::load(hf.to_str().unwrap(), &LoadOptions::default()).unwrap();
    for t in flores("kor_Hang") {
        assert_eq!(hf.encode(&t).unwrap(), tok.encode(&t).unwrap(), "{t:?}");
    }
}

#[test]
fn llama3_tokenizer_json_extension() {
    if !common::present("llama3_tokenizer_json_extension") {
        return;
    }
    let path = shared().join("data/vocab/llama3.tokenizer.json");
    let base = Base::load(path.to_str().unwrap()).unwrap();
    assert!(!base.is_tiktoken());
    assert_eq!(base.first_new_id(), 128_256);
    let ext = run(&base, 800, false);
    check(&base, &ext, "llama3_ko");
    let dir = tempfile::tempdir().unwrap();
    let e = ext
        .write(
            &base,
            &dir.path().join("x.tiktoken"),
            OutputFormat::Tiktoken,
            "x",
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            fairtok_train::TrainError::InvalidOption {
                option: fairtok_train::Setting::Format,
                ..
            }
        ),
        "{e}"
    );
    let e = extend_counts(
        &base,
        vec![counts(&base, &["ko.konlpy.txt"], 1.0)],
        None,
        &options(10, true),
        &NoProgress,
    )
    .unwrap_err();
    assert!(e.to_string().contains("tiktoken-rule"), "{e}");
}

#[test]
fn parity_dev_tracks_the_premium() {
    if !common::present("parity_dev_tracks_the_premium") {
        return;
    }
    let base = Base::load("o200k_base").unwrap();
    let eng = flores("eng_Latn");
    let pivot_tokens = eng
        .iter()
        .map(|l| base.tokenizer.count(l).unwrap())
        .sum::<usize>() as u64;
    let dev = ParityDev {
        pivot_tokens,
        lines: vec![("kor_Hang".into(), flores("kor_Hang"))],
        selection: fairtok_train::ParityOptions::parity(),
    };
    let c = counts(&base, &["ko.klue-dev.txt"], 1.0);
    let ext = extend_counts(
        &base,
        vec![c],
        Some(&dev),
        &options(300, false),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(ext.dev_premium.len(), 300);
    assert!(ext.chosen_by.iter().all(|c| *c == Some(0)));
    // The tracked premium is the premium the extended tokenizer measures.
    let tok = ext.tokenizer(&base, "p").unwrap();
    let ko: usize = flores("kor_Hang")
        .iter()
        .map(|l| tok.count(l).unwrap())
        .sum();
    let measured = ko as f64 / pivot_tokens as f64;
    let tracked = *ext.dev_premium.last().unwrap().first().unwrap();
    assert!((measured - tracked).abs() < 1e-9, "{measured} vs {tracked}");
    assert!(tracked < 1.47);
}

#[test]
fn weights_and_empty_inputs() {
    if !common::present("weights_and_empty_inputs") {
        return;
    }
    let base = Base::load("o200k_base").unwrap();
    let e = extend_counts(
        &base,
        vec![counts(&base, &["en.debian-docs.txt"], 1.0)],
        None,
        &options(10, false),
        &NoProgress,
    )
    .unwrap_err();
    assert!(e.to_string().contains("no piece"), "{e}");
    let e = extend_counts(
        &base,
        vec![counts(&base, &["ko.konlpy.txt"], -1.0)],
        None,
        &options(10, false),
        &NoProgress,
    )
    .unwrap_err();
    assert!(e.to_string().contains("weight"), "{e}");
    // Weights scale counts: the saving recorded for the first token doubles with weight 2.
    let one = extend_counts(
        &base,
        vec![counts(&base, &["ko.konlpy.txt"], 1.0)],
        None,
        &options(5, false),
        &NoProgress,
    )
    .unwrap();
    let two = extend_counts(
        &base,
        vec![counts(&base, &["ko.konlpy.txt"], 2.0)],
        None,
        &options(5, false),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(one.tokens, two.tokens);
    assert_eq!(two.counts[0], 2 * one.counts[0]);
}

/// A pair whose count falls (here `물 별` once `가물` takes the `물` of `가물별`) stays a
/// candidate at its new count. Seeded in word order (`가물`, `가물별`, `물별`), the heap held
/// `물 별` only at 4 and 9, neither of which is its count after the first merge (5): the loop
/// used to drop it as stale and take `가물 별` (4) instead.
#[test]
fn a_pair_whose_count_fell_stays_a_candidate() {
    let base = Base::load("o200k_base").unwrap();
    let mut texts = vec!["가물"; 20];
    texts.extend(["가물별"; 4]);
    texts.extend(["물별"; 5]);
    let mut counts = fairtok_train::PieceCounts::new(&base.pattern);
    fairtok_train::count_texts(&mut counts, "kor_Hang", &texts, 1).unwrap();
    let input = WeightedCounts {
        lang: "kor_Hang".into(),
        weight: 1.0,
        counts,
    };
    let ext = extend_counts(&base, vec![input], None, &options(2, false), &NoProgress).unwrap();
    let tokens: Vec<String> = ext
        .tokens
        .iter()
        .map(|t| String::from_utf8(t.clone()).unwrap())
        .collect();
    assert_eq!(tokens, ["가물", "물별"]);
    assert_eq!(ext.counts, [24, 5]);
}
