//! llama.cpp's WordPiece tokenizer for `tokenizer.ggml.model = "bert"` (`llm_tokenizer_wpm`).
//!
//! It is not Hugging Face's WordPiece. llama.cpp's converter writes a BERT vocabulary with
//! `▁` before every word-initial piece and without the `##` of continuations, and encodes:
//!
//! 1. **Words** (`preprocess`). With `strip_accents` (the `tokenizer.ggml.normalizer.*` keys;
//!    both default to true, `strip_accents` to `lowercase`), each code point becomes the first
//!    code point of its canonical decomposition (`super::unicode::nfd_first`: `é` → `e`,
//!    and a Hangul syllable its first jamo). Whitespace ends a word; NUL, U+FFFD and control
//!    code points (`Cc Cf Co Cs`) are dropped, and marks (`M*`) too with `strip_accents`;
//!    with `lowercase`, the simple lowercase mapping. A punctuation (`P*`), an ASCII symbol
//!    or a CJK ideograph (BERT's ranges) is a word of its own.
//! 2. **Longest match**: each word, `▁` + word, is cut greedily from the left into the
//!    longest tokens of the vocabulary (any token, byte for byte, at most the longest token's
//!    length); if some position has no token, the whole word is the unknown token. There is
//!    no length limit on a word (Hugging Face makes a word of more than 100 characters
//!    unknown).

use rustc_hash::FxHashMap;

use super::unicode::{class, is_space, nfd_first, to_lower, Class};

/// llama.cpp's WordPiece model.
#[derive(Debug)]
pub(crate) struct Wpm {
    /// Token text → id.
    pub to_id: FxHashMap<String, u32>,
    /// The longest token, in bytes.
    pub longest: usize,
    /// The unknown token's id.
    pub unk: u32,
    /// `tokenizer.ggml.normalizer.lowercase`.
    pub lowercase: bool,
    /// `tokenizer.ggml.normalizer.strip_accents`.
    pub strip_accents: bool,
}

/// BERT's CJK ideographs, as llama.cpp lists them.
fn is_cjk(c: u32) -> bool {
    matches!(c, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B920..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

impl Wpm {
    /// The words of `text` (step 1).
    fn words(&self, text: &str) -> Vec<String> {
        let mut words = vec![String::new()];
        for c in text.chars() {
            let c = if self.strip_accents { nfd_first(c) } else { c };
            if is_space(c) {
                if !words.last().is_some_and(String::is_empty) {
                    words.push(String::new());
                }
                continue;
            }
            let cls = class(c);
            if c == '\0' || c == '\u{FFFD}' || cls == Class::Control {
                continue;
            }
            if self.strip_accents && cls == Class::Mark {
                continue;
            }
            let s = if self.lowercase { to_lower(c) } else { c };
            let alone = cls == Class::Punctuation
                || ((c as u32) < 0x7F && cls == Class::Symbol)
                || is_cjk(c as u32);
            let last = words.last_mut().expect("never empty");
            if alone {
                if !last.is_empty() {
                    words.push(String::new());
                }
                let last = words.last_mut().expect("never empty");
                last.push(s);
                words.push(String::new());
            } else {
                last.push(s);
            }
        }
        words.retain(|w| !w.is_empty());
        words
    }

    /// Encodes one text fragment, appending the ids to `out`.
    pub(crate) fn encode(&self, text: &str, out: &mut Vec<u32>) {
        let mut word1 = String::new();
        for word in self.words(text) {
            word1.clear();
            word1.push('\u{2581}');
            word1.push_str(&word);
            let b = word1.as_bytes();
            let n = b.len();
            let before = out.len();
            let mut i = 0;
            while i < n {
                let top = n.min(i + self.longest + 1);
                let found = (i + 1..=top).rev().find_map(|j| {
                    let piece = std::str::from_utf8(&b[i..j]).ok()?;
                    self.to_id.get(piece).map(|&id| (j, id))
                });
                match found {
                    Some((j, id)) => {
                        out.push(id);
                        i = j;
                    }
                    None => {
                        out.truncate(before);
                        break;
                    }
                }
            }
            if out.len() == before {
                out.push(self.unk);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_matches() {
        let vocab = ["[UNK]", "▁hello", "▁", "lo", "▁hel", "▁,", "▁world", "▁e"];
        let to_id: FxHashMap<String, u32> = vocab
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), i as u32))
            .collect();
        let m = Wpm {
            to_id,
            longest: 8,
            unk: 0,
            lowercase: true,
            strip_accents: true,
        };
        assert_eq!(
            m.words("Héllo,\tWORLD 中x"),
            ["hello", ",", "world", "中", "x"]
        );
        let mut out = vec![];
        m.encode("Hello, world zz é", &mut out);
        assert_eq!(out, [1, 5, 6, 0, 7]);
    }
}
