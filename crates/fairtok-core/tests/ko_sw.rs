//! The `o200k_ko_sw` built-in (o200k_base plus Korean tokens that may cross spaces, with its own
//! pattern) on real text: text without Hangul encodes exactly as under o200k_base, every text
//! decodes back, some added tokens cross a space, and Korean costs fewer tokens than under
//! o200k_ko. The splitter itself is compared with `fancy-regex` in `split/superword.rs`; the
//! reference libraries (tiktoken, Hugging Face tokenizers) in `tests/python/test_ko_sw.py`.

mod common;

use std::io::Read;
use std::path::Path;

use fairtok_core::{pattern, Tokenizer};

/// The lines of a text file, plain or gzipped; at most `n`.
fn lines(path: &Path, n: usize) -> Vec<String> {
    let raw = std::fs::read(path).unwrap();
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_string(&mut text)
            .unwrap();
    } else {
        text = String::from_utf8(raw).unwrap();
    }
    text.lines().take(n).map(str::to_owned).collect()
}

fn has_hangul(s: &str) -> bool {
    let re = fancy_regex::Regex::new(r"\p{Hangul}").unwrap();
    re.is_match(s).unwrap()
}

#[test]
fn o200k_ko_sw_is_o200k_base_without_hangul_and_round_trips() {
    let Some(shared) = common::shared_with("data/parallel/flores200-dev") else {
        return;
    };
    let sw = Tokenizer::builtin("o200k_ko_sw").unwrap();
    let base = Tokenizer::builtin("o200k_base").unwrap();
    assert_eq!(sw.pattern(), Some(pattern::O200K_KO_SW));
    assert_eq!(sw.n_vocab(), 200019 + 32768);
    for id in 0..200019u32 {
        assert_eq!(sw.token_bytes(id), base.token_bytes(id), "id {id}");
    }
    let flores = shared.join("data/parallel/flores200-dev");
    let corpus = shared.join("data/corpus");
    let mut plain = vec![];
    for f in ["eng_Latn", "jpn_Jpan", "zho_Hans", "rus_Cyrl"] {
        plain.extend(lines(&flores.join(format!("{f}.dev")), 997));
    }
    for f in ["en.wikitext2.txt", "code.python.txt.gz", "code.rust.txt.gz"] {
        plain.extend(lines(&corpus.join(f), 500));
    }
    plain.retain(|t| !has_hangul(t));
    assert!(plain.len() > 4000);
    for t in &plain {
        assert_eq!(sw.encode(t).unwrap(), base.encode(t).unwrap(), "{t:?}");
    }
    let ko = lines(&flores.join("kor_Hang.dev"), 997);
    let ko_ko = Tokenizer::builtin("o200k_ko").unwrap();
    let (mut ours, mut theirs) = (0, 0);
    for t in ko.iter().chain(&plain) {
        let ids = sw.encode(t).unwrap();
        assert_eq!(sw.decode_bytes(&ids).unwrap(), t.as_bytes(), "{t:?}");
        if has_hangul(t) {
            ours += ids.len();
            theirs += ko_ko.count(t).unwrap();
        }
    }
    assert!(ours * 100 < theirs * 99, "{ours} vs o200k_ko's {theirs}");
    // Some added tokens cross the space between two Hangul words.
    let crossing = (200019..200019 + 32768u32)
        .filter(|&id| {
            let b = sw.token_bytes(id).unwrap();
            let inner = b.trim_ascii();
            inner.contains(&b' ')
        })
        .count();
    assert!(crossing > 1000, "{crossing}");
}
