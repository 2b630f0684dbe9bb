//! BERT's text components, as Hugging Face tokenizers implements them: the `BertNormalizer`
//! and the `BertPreTokenizer`.
//!
//! # BertNormalizer
//!
//! In this order, each step only if asked:
//!
//! 1. `clean_text`: drops U+0000, U+FFFD and every "other" character except tab, newline and
//!    carriage return (general categories Cc, Cf and Co, as the `unicode_categories` crate
//!    0.1.1 tables say, which is what tokenizers uses), and turns every whitespace character
//!    (Rust's `char::is_whitespace`, plus tab, newline and carriage return) into a space.
//! 2. `handle_chinese_chars`: puts a space on each side of every CJK ideograph (the eight
//!    blocks of BERT's `_is_chinese_char`; Hangul, kana and the rest are untouched).
//! 3. `strip_accents` (by default: whatever `lowercase` is): NFD, then drops the nonspacing
//!    marks (Mn).
//! 4. `lowercase`: Rust's `char::to_lowercase` on every character.
//!
//! # BertPreTokenizer
//!
//! Splits on whitespace (`char::is_whitespace`, removed), then isolates every punctuation
//! character (ASCII punctuation, or a Unicode P* category per `unicode_categories`) as a piece
//! of its own. Using the same category tables as tokenizers makes the pieces the same by
//! construction; the Unicode version of those tables is older than Rust's, which matters (a
//! character added since is not "other" there, so `clean_text` keeps it).

use unicode_categories::UnicodeCategories;
use unicode_normalization_alignments::UnicodeNormalization;

use super::components::Piece;

/// The `BertNormalizer` of a `tokenizer.json` (or of a `vocab.txt`, as `BertWordPieceTokenizer`
/// builds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BertNormalizer {
    pub clean_text: bool,
    pub handle_chinese_chars: bool,
    /// `None`: strip accents when lowercasing.
    pub strip_accents: Option<bool>,
    pub lowercase: bool,
}

fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && c.is_other()
}

fn is_chinese_char(c: char) -> bool {
    matches!(
        c as u32,
        0x4E00..=0x9FFF
            | 0x3400..=0x4DBF
            | 0x20000..=0x2A6DF
            | 0x2A700..=0x2B73F
            | 0x2B740..=0x2B81F
            | 0x2B920..=0x2CEAF
            | 0xF900..=0xFAFF
            | 0x2F800..=0x2FA1F
    )
}

impl BertNormalizer {
    /// Normalizes `s` (see the module docs).
    pub fn normalize(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 8);
        for c in s.chars() {
            if self.clean_text && (c == '\0' || c == '\u{FFFD}' || is_control(c)) {
                continue;
            }
            let c = if self.clean_text && is_whitespace(c) {
                ' '
            } else {
                c
            };
            if self.handle_chinese_chars && is_chinese_char(c) {
                out.push(' ');
                out.push(c);
                out.push(' ');
            } else {
                out.push(c);
            }
        }
        if self.strip_accents.unwrap_or(self.lowercase) {
            out = out
                .nfd()
                .map(|(c, _)| c)
                .filter(|c| !c.is_mark_nonspacing())
                .collect();
        }
        if self.lowercase {
            out = out.chars().flat_map(char::to_lowercase).collect();
        }
        out
    }
}

/// BERT's punctuation: ASCII punctuation or a Unicode punctuation category (also the
/// `Punctuation` pre-tokenizer's).
pub(crate) fn is_bert_punc(c: char) -> bool {
    c.is_ascii_punctuation() || c.is_punctuation()
}

/// The `BertPreTokenizer` on one piece: words split on whitespace (dropped), and every
/// punctuation character a piece of its own.
pub(crate) fn pre_tokenize(s: &str, first: bool, out: &mut Vec<Piece>) {
    let mut start: Option<usize> = None;
    let flush = |start: &mut Option<usize>, end: usize, out: &mut Vec<Piece>| {
        if let Some(a) = start.take() {
            out.push((s[a..end].to_owned(), first && a == 0));
        }
    };
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            flush(&mut start, i, out);
        } else if is_bert_punc(c) {
            flush(&mut start, i, out);
            out.push((c.to_string(), first && i == 0));
        } else if start.is_none() {
            start = Some(i);
        }
    }
    flush(&mut start, s.len(), out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bert_normalizer_steps() {
        let cased = BertNormalizer {
            clean_text: true,
            handle_chinese_chars: true,
            strip_accents: None,
            lowercase: false,
        };
        // Controls and U+FFFD dropped, tab and U+3000 become spaces, CJK padded, accents kept.
        assert_eq!(
            cased.normalize("a\u{0}b\u{FFFD}\u{200B}c\td\u{3000}中Éx"),
            "abc d  中 Éx"
        );
        let uncased = BertNormalizer {
            lowercase: true,
            ..cased
        };
        assert_eq!(uncased.normalize("Éà İ"), "ea i");
        let keep = BertNormalizer {
            strip_accents: Some(false),
            ..uncased
        };
        assert_eq!(keep.normalize("É"), "é");
    }

    #[test]
    fn bert_pre_tokenizer_isolates_punctuation() {
        let mut out = vec![];
        pre_tokenize("Hey friend!     How are you?!?", true, &mut out);
        let words: Vec<&str> = out.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            words,
            ["Hey", "friend", "!", "How", "are", "you", "?", "!", "?"]
        );
        out.clear();
        pre_tokenize("“don't”", true, &mut out);
        let words: Vec<&str> = out.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(words, ["“", "don", "'", "t", "”"]);
    }
}
