//! What extending a SentencePiece BPE model with new pieces needs of it (the learning loop is
//! `fairtok_train`'s `extend`): its normalizer, its BPE over pieces it does not have yet, the
//! rules its trainer gave its pieces, and its `.model` bytes with new pieces appended.
//!
//! # New pieces are the last merges
//!
//! SentencePiece's BPE ([`super::bpe`]) merges, over and over, the adjacent pair of symbols
//! whose concatenation is the piece with the highest score. Pieces appended with scores below
//! every score of the model, each below the one before, therefore act as new merges of the
//! lowest priority, in order: a text's merges run as under the base until no pair of the
//! base's is left, and only then can a new piece join two of its symbols. A text in which no
//! new piece occurs as the concatenation of two adjacent symbols encodes as under the base,
//! and every old id keeps its piece, score and type.
//!
//! # Appending pieces
//!
//! A `.model` file is a protobuf `ModelProto` whose `pieces` are a repeated field, and a
//! protobuf parser appends every occurrence of a repeated field to the list wherever it stands
//! in the message. The base's bytes followed by the encoded new pieces are therefore the
//! base's model with those pieces at its end (ids from the base's size on), every other byte
//! unchanged ([`append_pieces`]). An embedded message that occurs twice is merged field by
//! field, so a `trainer_spec` holding only `vocab_size` after them updates that field alone.

use prost::Message;

use super::proto::{ModelProto, Piece, TrainerSpec};
use super::{bpe, Algorithm, Dialect, PieceType, SpmModel, SPACE};

/// The rules SentencePiece's trainer follows for the pieces it makes
/// (`TrainerInterface::IsValidSentencePiece`), from the model's `trainer_spec`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PieceRules {
    /// The longest piece, in characters (`max_sentencepiece_length`, default 16).
    pub max_chars: usize,
    /// `▁` only starts a piece (`split_by_whitespace`, default true); else it may also stand
    /// inside one, but not at its end.
    pub split_by_whitespace: bool,
    /// A piece has characters of one Unicode script only (`split_by_unicode_script`, default
    /// true).
    pub split_by_unicode_script: bool,
    /// Digits count as a script of their own (`split_by_number`, default true); else they go
    /// with any script.
    pub split_by_number: bool,
    /// A digit is a piece of its own (`split_digits`, default false).
    pub split_digits: bool,
}

impl Default for PieceRules {
    fn default() -> Self {
        PieceRules {
            max_chars: 16,
            split_by_whitespace: true,
            split_by_unicode_script: true,
            split_by_number: true,
            split_digits: false,
        }
    }
}

impl PieceRules {
    pub(super) fn of(trainer: &TrainerSpec) -> PieceRules {
        let d = PieceRules::default();
        PieceRules {
            max_chars: trainer
                .max_sentencepiece_length
                .map_or(d.max_chars, |n| n.max(0) as usize),
            split_by_whitespace: trainer.split_by_whitespace.unwrap_or(d.split_by_whitespace),
            split_by_unicode_script: trainer
                .split_by_unicode_script
                .unwrap_or(d.split_by_unicode_script),
            split_by_number: trainer.split_by_number.unwrap_or(d.split_by_number),
            split_digits: trainer.split_digits.unwrap_or(d.split_digits),
        }
    }

    /// Whether the trainer could have made `piece`, a piece meant to be in the script whose
    /// characters `script` tells. Stricter than the trainer where that is simpler: with
    /// `split_by_unicode_script` every character other than `▁` (and digits, without
    /// `split_by_number`) must be in `script`, so common punctuation and combining marks are
    /// refused too.
    pub fn allows(&self, piece: &str, script: &dyn Fn(char) -> bool) -> bool {
        let n = piece.chars().count();
        if n == 0 || n > self.max_chars {
            return false;
        }
        let space = SPACE.chars().next().expect("one character");
        piece.chars().enumerate().all(|(pos, c)| {
            if c == space {
                return pos == 0 || (!self.split_by_whitespace && pos + 1 < n);
            }
            // Never in a piece: space, NUL, the unknown surface U+2047, the boundary tab.
            if matches!(c, ' ' | '\0' | '\u{2047}' | '\t') {
                return false;
            }
            let digit = c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c);
            if digit && self.split_digits && n > 1 {
                return false;
            }
            !self.split_by_unicode_script || script(c) || (digit && !self.split_by_number)
        })
    }
}

impl SpmModel {
    /// Whether the model is a `.model` file's BPE (the SentencePiece library's rules).
    pub fn is_bpe(&self) -> bool {
        matches!(self.algorithm, Algorithm::Bpe) && self.dialect == Dialect::Library
    }

    /// Whether unknown characters become byte pieces (`trainer_spec.byte_fallback`).
    pub fn byte_fallback(&self) -> bool {
        self.byte_ids.is_some()
    }

    /// Whether no piece has a `▁` right after another character: then BPE never joins the
    /// text before such a `▁` to the text after it, and the parts (`▁*` then no `▁`) encode
    /// on their own.
    pub fn splits_at_spaces(&self) -> bool {
        self.cuts_at_spaces
    }

    /// The text as the model normalizes it before segmenting (`▁` for spaces, the dummy
    /// prefix, the character map).
    pub fn normalize(&self, text: &str) -> String {
        self.normalizer.normalize(text)
    }

    /// The id of a normal, user-defined or unused piece: the pieces BPE can produce.
    pub fn piece_id(&self, text: &str) -> Option<u32> {
        self.pieces.get(text).copied()
    }

    /// Whether piece `id` is user-defined: one symbol wherever it occurs, never merged.
    pub fn is_user_defined(&self, id: u32) -> bool {
        self.types.get(id as usize) == Some(&PieceType::UserDefined)
    }

    /// Whether `text` is the text of any piece, of any type.
    pub fn has_piece(&self, text: &str) -> bool {
        self.pieces.contains_key(text) || self.reserved.contains_key(text)
    }

    /// The text of piece `id` (`▁` for a space).
    pub fn piece_text(&self, id: u32) -> &str {
        &self.texts[id as usize]
    }

    /// Whether some piece has the type `UNUSED` (merged, then split back).
    pub fn has_unused(&self) -> bool {
        self.types.contains(&PieceType::Unused)
    }

    /// The lowest score of any piece.
    pub fn min_score(&self) -> f32 {
        self.scores.iter().copied().fold(f32::INFINITY, f32::min)
    }

    /// The rules the model's trainer followed for its pieces.
    pub fn piece_rules(&self) -> &PieceRules {
        &self.rules
    }

    /// The first character `c` with `!inside(c)` that the character map replaces by text
    /// that has a character with `inside`, and that text; `None` if there is none (or no
    /// character map). Rules keyed by several characters are not looked at.
    pub fn first_mapped_into(&self, inside: &dyn Fn(char) -> bool) -> Option<(char, String)> {
        let map = self.normalizer.charsmap.as_ref()?;
        let mut buf = [0u8; 4];
        (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| !inside(c))
            .find_map(|c| {
                let (len, to) = map.longest(c.encode_utf8(&mut buf).as_bytes())?;
                (len == c.len_utf8() && to.chars().any(inside)).then(|| (c, to.to_owned()))
            })
    }

    /// BPE over `normalized` (text from [`SpmModel::normalize`], or a part of it that starts
    /// at a `▁` after another character) with the pieces `extra` gives (id and score)
    /// besides the model's own, which are looked up first. Appends (start, end, id) of each
    /// symbol to `out`; a symbol that is no piece (one character) has the unknown id. Byte
    /// fallback is not applied. For a [`SpmModel::is_bpe`] model; the pieces of `extra` must
    /// have no `▁` after another character when [`SpmModel::splits_at_spaces`].
    pub fn bpe_with<X: Fn(&str) -> Option<(u32, f32)>>(
        &self,
        normalized: &str,
        extra: &X,
        out: &mut Vec<(usize, usize, u32)>,
    ) {
        debug_assert!(self.is_bpe());
        bpe::segment_with(self, normalized, extra, out)
    }
}

/// `n` scores below `min`, each below the one before: `min - 1`, `min - 2`, ... where `f32`
/// has those numbers, else each the next `f32` down.
pub fn scores_below(min: f32, n: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(n);
    let mut s = if min.is_finite() { min } else { 0.0 };
    for _ in 0..n {
        let next = s - 1.0;
        s = if next < s { next } else { s.next_down() };
        out.push(s);
    }
    out
}

/// The `.model` bytes `data` with `pieces` (text, score) appended as `NORMAL` pieces, and
/// `trainer_spec.vocab_size` set to `vocab_size` (see the module docs). The base's bytes are
/// the output's first bytes, unchanged.
pub fn append_pieces(data: &[u8], pieces: &[(String, f32)], vocab_size: usize) -> Vec<u8> {
    let tail = ModelProto {
        pieces: pieces
            .iter()
            .map(|(text, score)| Piece {
                piece: Some(text.clone()),
                score: Some(*score),
                kind: Some(1),
            })
            .collect(),
        trainer_spec: Some(TrainerSpec {
            vocab_size: Some(i32::try_from(vocab_size).unwrap_or(i32::MAX)),
            ..Default::default()
        }),
        normalizer_spec: None,
        denormalizer_spec: None,
    }
    .encode_to_vec();
    [data, &tail].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_step_down_by_one_or_by_the_next_float() {
        assert_eq!(scores_below(-5.0, 3), [-6.0, -7.0, -8.0]);
        let s = scores_below(-1e9, 3);
        assert_eq!(s, [-1e9 - 64.0, -1e9 - 128.0, -1e9 - 192.0]);
    }

    #[test]
    fn rules_follow_the_trainer() {
        let hangul = |c: char| ('\u{AC00}'..='\u{D7A3}').contains(&c);
        let r = PieceRules::default();
        assert!(r.allows("▁한국", &hangul));
        assert!(!r.allows("한▁국", &hangul));
        assert!(!r.allows("▁▁한", &hangul));
        assert!(!r.allows("한.", &hangul));
        assert!(!r.allows("한1", &hangul));
        assert!(!r.allows(&"한".repeat(17), &hangul));
        let loose = PieceRules {
            split_by_whitespace: false,
            split_by_number: false,
            ..PieceRules::default()
        };
        assert!(loose.allows("한▁국", &hangul));
        assert!(!loose.allows("한국▁", &hangul));
        assert!(loose.allows("한1", &hangul));
        let digits = PieceRules {
            split_digits: true,
            ..loose
        };
        assert!(!digits.allows("한1", &hangul));
    }
}
