//! `fairtok parity`'s totals on all of FLORES-200 dev (204 languages × 997 lines) equal those of
//! the reference libraries, for seven tokenizers.
//!
//! The reference table `tests/data/flores200-dev-reference-totals.tsv` was made with tiktoken
//! 0.14.0 and Hugging Face tokenizers 0.23.3 by `tests/python/flores_reference_totals.py`
//! (`python tests/python/flores_reference_totals.py ../shared tests/data/flores200-dev-reference-totals.tsv`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use fairtok_core::{LoadOptions, Tokenizer};
use fairtok_eval::corpus::ParallelCorpus;
use fairtok_eval::metrics::measure;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared() -> PathBuf {
    std::env::var_os("FAIRTOK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"))
}

#[test]
fn totals_equal_the_reference_libraries_on_all_flores_dev_languages() {
    let table =
        std::fs::read_to_string(root().join("tests/data/flores200-dev-reference-totals.tsv"))
            .unwrap();
    let mut want: BTreeMap<(String, String), (usize, u64)> = BTreeMap::new();
    for line in table.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        want.insert(
            (f[1].to_owned(), f[0].to_owned()),
            (f[2].parse().unwrap(), f[3].parse().unwrap()),
        );
    }
    let corpus = ParallelCorpus::from_dir(
        &shared().join("data/parallel/flores200-dev"),
        None,
        "eng_Latn",
    )
    .unwrap();
    assert_eq!(corpus.languages.len(), 204);
    let vocab = shared().join("data/vocab");
    let mut tokenizers: Vec<Tokenizer> = ["cl100k_base", "o200k_base", "r50k_base", "p50k_base"]
        .iter()
        .map(|n| Tokenizer::builtin(n).unwrap())
        .collect();
    for f in [
        "llama3.tokenizer.json",
        "qwen3.tokenizer.json",
        "gemma3.tokenizer.json.gz",
    ] {
        tokenizers.push(
            Tokenizer::load(vocab.join(f).to_str().unwrap(), &LoadOptions::default()).unwrap(),
        );
    }
    let report = measure(&tokenizers, &corpus, "eng_Latn", &[], &|_| {}).unwrap();
    let mut checked = 0;
    for t in &report.tokenizers {
        for l in &t.languages {
            let (lines, tokens) = want[&(t.name.clone(), l.lang.clone())];
            assert_eq!(
                (l.lines, l.tokens),
                (lines, tokens),
                "{} {}",
                t.name,
                l.lang
            );
            checked += 1;
        }
    }
    assert_eq!(checked, want.len());
    // The Korean premium the issue quotes for orientation (dev): cl100k 2.37, o200k 1.47.
    let kor = |name: &str| {
        let t = report.tokenizers.iter().find(|t| t.name == name).unwrap();
        t.languages
            .iter()
            .find(|l| l.lang == "kor_Hang")
            .unwrap()
            .premium
    };
    assert!((kor("cl100k_base") - 2.371).abs() < 0.001);
    assert!((kor("o200k_base") - 1.472).abs() < 0.001);
}
