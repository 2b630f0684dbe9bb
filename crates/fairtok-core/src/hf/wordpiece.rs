//! WordPiece models (BERT, KoELECTRA, ...): the `WordPiece` model of a `tokenizer.json`, and
//! plain `vocab.txt` files read as tokenizers' `BertWordPieceTokenizer` reads them.
//!
//! # The algorithm: greedy longest match
//!
//! Each pre-token (a word) is encoded on its own, as Hugging Face tokenizers'
//! `WordPiece::tokenize` does:
//!
//! 1. A word of more than `max_input_chars_per_word` characters (100) is the unknown token.
//! 2. Otherwise, from `start = 0`: the longest `word[start..end]` that is in the vocabulary
//!    (spelled `##` + it when `start > 0`, the `continuing_subword_prefix`) is the next token,
//!    and `start = end`.
//! 3. If at some `start` no prefix at all is in the vocabulary, the **whole word** is one
//!    unknown token (`[UNK]`), whatever was matched before.
//!
//! There is no merging and no scoring: the ids are fixed by the vocabulary alone. The greedy
//! choice is not the fewest tokens, and fairtok does not "improve" it.
//!
//! # Complexity
//!
//! The reference tries every `end` from the end of the word down, so a word of `n` characters
//! costs `O(n²)` lookups of up to `n` bytes. fairtok starts each search at
//! `start + L` (`L` = the longest vocabulary entry, in bytes), which finds
//! the same longest match, since nothing longer can be in the vocabulary: `O(n · L)` lookups
//! (with `n ≤ 100` in any case).
//!
//! # `vocab.txt`
//!
//! One token per line, the id is the 0-based line number; each line loses its line ending and
//! any trailing whitespace (tokenizers' `WordPiece::read_file`), and a token listed twice keeps
//! its last line's id. The pipeline is `BertWordPieceTokenizer(vocab, lowercase=...)`'s:
//! `BertNormalizer(clean_text, handle_chinese_chars, strip_accents=None, lowercase)`,
//! `BertPreTokenizer`, `WordPiece(unk_token="[UNK]", continuing_subword_prefix="##",
//! max_input_chars_per_word=100)`, `[UNK]`, `[SEP]`, `[CLS]`, `[PAD]`, `[MASK]` as special
//! added tokens (those in the vocabulary), `BertProcessing` (`[CLS] … [SEP]`, for
//! `add_special`) and the `WordPiece` decoder. `lowercase` is off by default (the cased
//! vocabularies, KoELECTRA's included, need it off); with it on, accents are stripped too, as
//! BERT uncased does. This is also what `transformers`' `BertTokenizerFast(vocab_file,
//! do_lower_case=...)` builds.

use rustc_hash::FxHashMap;

use super::bert::BertNormalizer;
use super::components::{Decoder, Normalizer, PostProcessor, PreStep, TemplateItem, TokenDecode};
use super::{AddedToken, HfModel, Model};
use crate::error::{Error, Result};

/// The WordPiece model.
#[derive(Debug)]
pub(crate) struct WordPieceModel {
    pub vocab: FxHashMap<String, u32>,
    pub unk: String,
    pub unk_id: Option<u32>,
    pub prefix: String,
    pub max_chars: usize,
    /// The longest vocabulary entry, in bytes: no match is longer.
    pub longest: usize,
    /// The file, for errors.
    pub origin: String,
}

impl WordPieceModel {
    /// The model; `longest` is computed from the vocabulary.
    pub fn new(
        vocab: FxHashMap<String, u32>,
        unk: String,
        prefix: String,
        max_chars: usize,
        origin: &str,
    ) -> WordPieceModel {
        let longest = vocab.keys().map(String::len).max().unwrap_or(0);
        WordPieceModel {
            unk_id: vocab.get(&unk).copied(),
            vocab,
            unk,
            prefix,
            max_chars,
            longest,
            origin: origin.to_owned(),
        }
    }

    fn unknown(&self, out: &mut Vec<u32>) -> Result<()> {
        match self.unk_id {
            Some(id) => {
                out.push(id);
                Ok(())
            }
            None => Err(Error::Usage(format!(
                "{}: this text needs the WordPiece unknown token {:?}, which is not in the vocabulary (Hugging Face tokenizers fails the same way)",
                self.origin, self.unk
            ))),
        }
    }

    /// Tokenizes one word (see the module docs).
    pub fn tokenize(&self, word: &str, out: &mut Vec<u32>, buf: &mut String) -> Result<()> {
        if word.is_empty() {
            return Ok(());
        }
        if word.chars().count() > self.max_chars {
            return self.unknown(out);
        }
        let first = out.len();
        let mut start = 0;
        while start < word.len() {
            let mut end = floor_char_boundary(word, (start + self.longest).min(word.len()));
            let mut found = None;
            while start < end {
                let piece = &word[start..end];
                let id = if start > 0 {
                    buf.clear();
                    buf.push_str(&self.prefix);
                    buf.push_str(piece);
                    self.vocab.get(buf.as_str())
                } else {
                    self.vocab.get(piece)
                };
                if let Some(&id) = id {
                    found = Some(id);
                    break;
                }
                end = floor_char_boundary(word, end - 1);
            }
            match found {
                Some(id) => {
                    out.push(id);
                    start = end;
                }
                None => {
                    out.truncate(first);
                    return self.unknown(out);
                }
            }
        }
        Ok(())
    }
}

/// The largest character boundary of `s` at or below `i`.
fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Reads a `vocab.txt` into the pipeline `BertWordPieceTokenizer(vocab, lowercase)` builds.
pub(crate) fn from_vocab_txt(data: &[u8], origin: &str, lowercase: bool) -> Result<HfModel> {
    let err = |reason: String| Error::WordPieceVocab {
        path: origin.to_owned(),
        reason,
    };
    let text = std::str::from_utf8(data).map_err(|e| {
        let line = data[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        err(format!("line {line} is not UTF-8"))
    })?;
    let mut vocab = FxHashMap::default();
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return Err(err("no tokens".into()));
    }
    for (i, line) in body.split('\n').enumerate() {
        let id = u32::try_from(i).map_err(|_| err("more than 2^32 lines".into()))?;
        vocab.insert(line.trim_end().to_owned(), id);
    }
    let specials = ["[UNK]", "[SEP]", "[CLS]", "[PAD]", "[MASK]"];
    let added: Vec<AddedToken> = specials
        .iter()
        .filter_map(|s| vocab.get(*s).map(|&id| AddedToken::special(id, s)))
        .collect();
    let id_of = |s: &str| {
        vocab.get(s).copied().ok_or_else(|| {
            err(format!(
                "{s} is not in the vocabulary (BertWordPieceTokenizer requires [SEP] and [CLS])"
            ))
        })
    };
    let post = PostProcessor {
        template: vec![
            TemplateItem::Special(vec![id_of("[CLS]")?]),
            TemplateItem::Sequence,
            TemplateItem::Special(vec![id_of("[SEP]")?]),
        ],
    };
    let normalizer = Normalizer::Bert(BertNormalizer {
        clean_text: true,
        handle_chinese_chars: true,
        strip_accents: None,
        lowercase,
    });
    let loader = super::serialization::Loader { origin };
    let (raw_matcher, normalized_matcher) = loader.matchers(&added, Some(&normalizer))?;
    let model = WordPieceModel::new(vocab, "[UNK]".into(), "##".into(), 100, origin);
    Ok(HfModel {
        normalizer: Some(normalizer),
        pre: vec![PreStep::Bert],
        model: Model::WordPiece(model),
        added,
        raw_matcher,
        normalized_matcher,
        post: Some(Ok(post)),
        decoder: Decoder {
            per_token: vec![TokenDecode::WordPiece {
                prefix: "##".into(),
                cleanup: true,
            }],
            ..Decoder::default()
        },
        pattern: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(words: &[&str]) -> WordPieceModel {
        let vocab = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.to_string(), i as u32))
            .collect();
        WordPieceModel::new(vocab, "[UNK]".into(), "##".into(), 10, "v.txt")
    }

    fn tok(m: &WordPieceModel, w: &str) -> Result<Vec<u32>> {
        let mut out = vec![9];
        m.tokenize(w, &mut out, &mut String::new())?;
        Ok(out[1..].to_vec())
    }

    #[test]
    fn greedy_longest_match_and_whole_word_unknown() {
        let m = model(&[
            "[UNK]", "un", "##aff", "##able", "una", "##ffable", "가", "##나", "##가",
        ]);
        // Greedy: "una" first, then "##ffable" (not "un" + "##aff" + "##able").
        assert_eq!(tok(&m, "unaffable").unwrap(), [4, 5]);
        assert_eq!(tok(&m, "가나").unwrap(), [6, 7]);
        // A part with no match makes the whole word one [UNK].
        assert_eq!(tok(&m, "unaffablex").unwrap(), [0]);
        // More than max_input_chars_per_word characters: [UNK] without looking.
        assert_eq!(tok(&m, "가나가나가나가나가나가").unwrap(), [0]);
        assert_eq!(tok(&m, "가나가나가나가나가나").unwrap().len(), 10);
        let no_unk = model(&["a"]);
        let e = tok(&no_unk, "b").unwrap_err();
        assert!(e.to_string().contains("unknown token \"[UNK]\""), "{e}");
    }

    #[test]
    fn vocab_txt_lines() {
        let m = from_vocab_txt(
            b"[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello \nworld\r\n##s\n",
            "v.txt",
            false,
        )
        .unwrap();
        let mut out = vec![];
        m.encode("Hello worlds [CLS]", &|_| true, false, &mut out)
            .unwrap();
        assert_eq!(out, [1, 5, 6, 2]);
        out.clear();
        m.encode("hello", &|_| true, true, &mut out).unwrap();
        assert_eq!(out, [2, 4, 3]);
        let e = from_vocab_txt(b"[UNK]\n[CLS]\n", "v.txt", false).unwrap_err();
        assert!(
            e.to_string().contains("[SEP] is not in the vocabulary"),
            "{e}"
        );
        let e = from_vocab_txt(b"a\n\xff\n", "v.txt", false).unwrap_err();
        assert_eq!(e.to_string(), "v.txt: line 2 is not UTF-8");
    }
}
