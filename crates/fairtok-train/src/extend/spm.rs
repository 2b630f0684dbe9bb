//! A SentencePiece BPE `.model` as an extension base (Mistral v0.1/v0.3, KoGPT2, Llama 2).
//!
//! # Why appending pieces is safe
//!
//! SentencePiece's BPE merges the adjacent pair of symbols whose concatenation is the piece
//! with the highest score. The new pieces get scores below every score of the base, each below
//! the one before ([`fairtok_core::spm::scores_below`]), so they are new merges of the lowest
//! priority, in the order learnt. A text can only change where a new piece is the
//! concatenation of two of its adjacent symbols; every new piece contains a character of the
//! target script, and no character outside the script normalizes into one (checked), so text
//! without the script encodes exactly as under the base. Old ids keep their piece, score and
//! type: the output is the base's `.model` bytes with the new pieces appended
//! ([`fairtok_core::spm::append_pieces`]).
//!
//! # Words
//!
//! The model normalizes the text (`▁` for spaces, the dummy prefix, its character map), then
//! runs BPE on it. No piece of the base (required) and no new piece (by construction) has a
//! `▁` after another character, so BPE never joins the text before such a `▁` to the text
//! after it: each part `▁*` + non-`▁` characters ([`PARTS`]) encodes on its own. These parts
//! of the normalized records (a line without its line ending) are the counted words.
//!
//! # Symbols and candidates
//!
//! A word's state is its final BPE symbols: a piece id, or for a character that is no piece
//! (BPE leaves it alone) the pseudo-id [`UNKNOWN`] + its code point. With byte fallback such a
//! character costs its UTF-8 length in tokens (its byte pieces), without it one (the unknown
//! id). The candidates are
//!
//! * a pair of adjacent symbols that are both pieces, which saves one token per occurrence;
//! * a character of the script that is no piece ([`char_key`]), which saves its UTF-8 length
//!   minus one per occurrence with byte fallback (without it, it counts as one: an unknown id
//!   becomes a real one).
//!
//! Each must contain a character of the script, be no piece's text, and pass the trainer's
//! rules of the base ([`fairtok_core::spm::PieceRules`]: `max_sentencepiece_length`,
//! `split_by_whitespace`, `split_by_unicode_script`, ...).
//!
//! # Exactness
//!
//! After each new piece, the words it may change are re-encoded with SentencePiece's BPE over
//! the base and the new pieces so far, with their real scores
//! ([`fairtok_core::spm::SpmModel::bpe_with`]): the words whose symbols hold a pair that
//! concatenates to it (every split of it into two symbols is looked up, as for tiktoken's
//! rule), or the pseudo-symbol of a new character. Its merges come last, so a word changes
//! only there, and the loop's counts are the encoder's.
//!
//! # What is refused
//!
//! Unigram models (extension learns merges; Unigram has none), GGUF vocabularies (no `.model`
//! to write), pieces of the type `UNUSED` (merged, then split back, so a word's symbols are not
//! its ids), a piece with a `▁` after another character (the text would not split into
//! words), and a character map that turns a character outside the script into one inside.

use std::path::PathBuf;
use std::sync::Arc;

use fairtok_core::spm::{self, SpmModel};

use crate::count::Normalize;
use crate::error::{Result, TrainError};
use crate::script::Script;

use super::ExtendOptions;

/// The parts of a normalized text that encode on their own (see the module docs).
pub(crate) const PARTS: &str = "\u{2581}*[^\u{2581}]+|\u{2581}+";

/// The first pseudo-id: a character that is no piece is `UNKNOWN + code point`.
pub(crate) const UNKNOWN: u32 = 1 << 31;

/// The pair key of a character candidate (its pseudo-id, then this).
pub(crate) const CHAR: u32 = u32::MAX;

/// A SentencePiece BPE base.
pub(crate) struct SpmBase {
    /// The base's model, whose BPE the loop runs.
    pub model: Arc<SpmModel>,
    /// The `.model` bytes, the first bytes of the output.
    data: Vec<u8>,
    /// The base's size: the id of the first new piece.
    n_pieces: u32,
    /// The unknown piece's id, which BPE gives a character that is no piece.
    unk: u32,
    /// For each id of the base, whether BPE may merge its symbol with a neighbour: a normal
    /// piece (not a user-defined one, which is never merged, nor a reserved one).
    mergeable: Vec<bool>,
}

impl SpmBase {
    /// The base at `spec` (a `.model` file, whose bytes are `data`) and its pieces' texts by id
    /// (empty for control, unknown and byte pieces: BPE never makes them).
    pub fn load(spec: &str, data: Option<Vec<u8>>) -> Result<(SpmBase, Vec<Vec<u8>>)> {
        let bad = |reason: &str| TrainError::File {
            path: PathBuf::from(spec),
            reason: reason.to_owned(),
        };
        let data = data.ok_or_else(|| {
            bad("a SentencePiece vocabulary from a GGUF file cannot be an extension base (there is no .model to extend)")
        })?;
        let model = SpmModel::from_bytes(&data, spec)?;
        if !model.is_bpe() {
            return Err(bad(&format!(
                "a SentencePiece {} model cannot be an extension base: extension learns BPE merges, and a Unigram model has none (its segmentation is the most probable one by piece scores)",
                model.model_type()
            )));
        }
        if model.has_unused() {
            return Err(bad("a SentencePiece model with UNUSED pieces cannot be an extension base (BPE merges them and splits them back, so a text's symbols are not its ids)"));
        }
        if !model.splits_at_spaces() {
            return Err(bad("a SentencePiece model with a piece that has ▁ after another character cannot be an extension base (its text does not split into words at spaces)"));
        }
        let n = model.n_vocab();
        let tokens: Vec<Vec<u8>> = (0..n as u32)
            .map(|id| {
                let t = model.piece_text(id);
                match model.piece_id(t) {
                    Some(i) if i == id => t.as_bytes().to_vec(),
                    _ => vec![],
                }
            })
            .collect();
        let mergeable = (0..n as u32)
            .map(|id| !tokens[id as usize].is_empty() && !model.is_user_defined(id))
            .collect();
        let base = SpmBase {
            mergeable,
            unk: model.unknown().1,
            model: Arc::new(model),
            data,
            n_pieces: n as u32,
        };
        Ok((base, tokens))
    }

    /// Fails if the model's character map turns a character outside `script` into text with
    /// a character of it (then text without the script could meet a new piece).
    pub fn check_script(&self, script: &Script) -> Result<()> {
        match self.model.first_mapped_into(&|c| script.contains(c)) {
            None => Ok(()),
            Some((c, to)) => Err(TrainError::Usage(format!(
                "the base's normalizer turns U+{:04X}, which is not in the script {}, into {to:?}, which is: text without the script could change",
                c as u32,
                script.name()
            ))),
        }
    }

    /// Each record as the model normalizes it, without the record's own line ending.
    pub fn normalizer(&self) -> Normalize {
        let model = self.model.clone();
        Normalize(Arc::new(move |record: &str| {
            let r = record.strip_suffix('\n').unwrap_or(record);
            model.normalize(r.strip_suffix('\r').unwrap_or(r))
        }))
    }

    /// The scores of `n` new pieces.
    pub fn scores(&self, n: usize) -> Vec<f32> {
        spm::scores_below(self.model.min_score(), n)
    }

    /// The symbols of `word` (a part of a normalized text, see [`PARTS`]) under the base and
    /// the new pieces `new` gives (id and score).
    pub fn symbols<X: Fn(&str) -> Option<(u32, f32)>>(&self, word: &str, new: &X) -> Vec<u32> {
        let mut spans = Vec::with_capacity(word.len() / 2 + 1);
        self.model.bpe_with(word, new, &mut spans);
        spans
            .into_iter()
            .map(|(s, _, id)| match id == self.unk {
                true => UNKNOWN + word[s..].chars().next().map_or(0, |c| c as u32),
                false => id,
            })
            .collect()
    }

    /// The tokens `ids` (symbols) encode to.
    pub fn cost(&self, ids: &[u32]) -> i64 {
        let fallback = self.model.byte_fallback();
        let mut n = 0;
        let mut prev_unknown = false;
        for &id in ids {
            let unknown = is_pseudo(id);
            n += match (unknown, fallback) {
                (false, _) => 1,
                (true, true) => char_of(id).len_utf8() as i64,
                (true, false) => i64::from(!prev_unknown),
            };
            prev_unknown = unknown;
        }
        n
    }

    /// Whether the symbol `id` (of the base, new, or a pseudo-id) can be half of a new pair.
    pub fn mergeable(&self, id: u32) -> bool {
        !is_pseudo(id) && self.mergeable.get(id as usize).is_none_or(|&m| m)
    }

    /// What making the character of pseudo-id `id` a piece saves per occurrence.
    pub fn char_gain(&self, id: u32) -> i64 {
        match self.model.byte_fallback() {
            true => char_of(id).len_utf8() as i64 - 1,
            false => 1,
        }
    }

    /// Whether `tok` (a piece's text as bytes) may become a new piece.
    pub fn allowed(&self, tok: &[u8], opts: &ExtendOptions) -> bool {
        let Ok(text) = std::str::from_utf8(tok) else {
            return false;
        };
        opts.max_token_bytes.is_none_or(|m| tok.len() <= m)
            && opts.script.occurs_in(tok)
            && !self.model.has_piece(text)
            && self
                .model
                .piece_rules()
                .allows(text, &|c| opts.script.contains(c))
    }

    /// The base's `.model` with `tokens` (pieces' texts) appended, scores below the base's.
    pub fn model_bytes(&self, tokens: &[Vec<u8>]) -> Vec<u8> {
        let pieces: Vec<(String, f32)> = tokens
            .iter()
            .zip(self.scores(tokens.len()))
            .map(|(t, s)| (String::from_utf8_lossy(t).into_owned(), s))
            .collect();
        spm::append_pieces(&self.data, &pieces, self.n_pieces as usize + tokens.len())
    }
}

/// Whether `id` is a pseudo-id (a character that is no piece).
pub(crate) fn is_pseudo(id: u32) -> bool {
    (UNKNOWN..CHAR).contains(&id)
}

/// The character of a pseudo-id.
pub(crate) fn char_of(id: u32) -> char {
    char::from_u32(id - UNKNOWN).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// The bytes of the character of a pseudo-id.
pub(crate) fn char_bytes(id: u32) -> Vec<u8> {
    char_of(id).to_string().into_bytes()
}

/// The pair key of the candidate "the character of pseudo-id `id` becomes a piece".
pub(crate) fn char_key(id: u32) -> (u32, u32) {
    (id, CHAR)
}
