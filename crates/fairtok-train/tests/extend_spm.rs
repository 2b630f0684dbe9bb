//! Vocabulary extension of a SentencePiece BPE `.model` (Mistral v0.3) on real data: the
//! output is the base's bytes with pieces appended, text without Hangul encodes as under the
//! base, Korean gets shorter, and the written file encodes as the extension in memory. The
//! Python tests (`tests/python/test_extend_spm.py`) check the outputs with the SentencePiece
//! library itself.

use fairtok_core::{LoadOptions, Tokenizer};
use fairtok_train::{extend_files, Base, ExtendJob, InputSpec, NoProgress, OutputFormat};

mod common;
use common::{flores, shared};

fn mistral() -> String {
    shared()
        .join("data/vocab/mistral-v0.3.tokenizer.model")
        .display()
        .to_string()
}

fn count(t: &Tokenizer, texts: &[String]) -> usize {
    texts.iter().map(|s| t.count(s).unwrap()).sum()
}

#[test]
fn mistral_extended_for_korean() {
    if !common::present("mistral_extended_for_korean") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let korean = std::fs::read_to_string(shared().join("data/corpus/ko.klue-dev.txt")).unwrap();
    let job = ExtendJob {
        inputs: vec![
            InputSpec::texts("kor_Hang", korean.lines().map(str::to_owned).collect()).unwrap(),
        ],
        output: Some(dir.path().to_owned()),
        ..ExtendJob::new(&mistral(), 400)
    };
    let out = extend_files(&job, &NoProgress).unwrap();
    assert_eq!(out.format, OutputFormat::SentencePiece);
    assert_eq!(out.files, [dir.path().join("tokenizer.model")]);
    assert_eq!(out.extension.first_id, 32768);
    assert_eq!(out.extension.tokens.len(), 400);
    let written = std::fs::read(&out.files[0]).unwrap();
    assert!(written.starts_with(&std::fs::read(mistral()).unwrap()));

    let base = Tokenizer::load(&mistral(), &LoadOptions::default()).unwrap();
    let file = Tokenizer::load(out.files[0].to_str().unwrap(), &LoadOptions::default()).unwrap();
    let memory = out.tokenizer().unwrap();
    assert_eq!(file.n_vocab(), 32768 + 400);
    for lang in ["eng_Latn", "jpn_Jpan", "zho_Hans", "rus_Cyrl"] {
        for line in flores(lang) {
            let want = base.encode(&line).unwrap();
            assert_eq!(file.encode(&line).unwrap(), want, "{line}");
        }
    }
    let ko = flores("kor_Hang");
    for line in &ko {
        assert_eq!(memory.encode(line).unwrap(), file.encode(line).unwrap());
    }
    let (before, after) = (count(&base, &ko), count(&file, &ko));
    assert!(after * 10 < before * 9, "{before} -> {after}");
}

#[test]
fn unigram_and_other_formats_are_refused() {
    if !common::present("unigram_and_other_formats_are_refused") {
        return;
    }
    let albert = shared().join("data/vocab/albert.spiece.model");
    let e = Base::load(albert.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("a SentencePiece Unigram model cannot be an extension base"),
        "{e}"
    );
    let base = Base::load(&mistral()).unwrap();
    assert!(base.is_sentencepiece());
    assert_eq!(base.default_format(), OutputFormat::SentencePiece);
    for f in [OutputFormat::Hf, OutputFormat::Tiktoken] {
        let e = base.check_format(f).unwrap_err().to_string();
        assert!(e.contains("SentencePiece .model only"), "{e}");
    }
    let o200k = Base::load("o200k_base").unwrap();
    let e = o200k
        .check_format(OutputFormat::SentencePiece)
        .unwrap_err()
        .to_string();
    assert!(e.contains("only a SentencePiece base"), "{e}");
}
