//! SentencePiece `.model` files (Mistral v0.1/v0.3, Llama 2, ALBERT, KoGPT2, T5's `spiece`),
//! encoded as the SentencePiece library encodes them
//! (`SentencePieceProcessor(model_file=...).encode(text)`: no BOS/EOS, no sampling).
//!
//! # Pipeline
//!
//! 1. **Normalize** the whole text (`normalizer`): the precompiled character map
//!    (`nmt_nfkc`, ...), whitespace rules, the dummy prefix, `▁` for spaces.
//! 2. **Segment** the normalized text as one sequence, with the model's algorithm:
//!    - Unigram: the best path by piece scores (`crate::unigram`; user-defined symbols get
//!      SentencePiece's bonus; unused pieces are skipped), `f32` sums as the library keeps
//!      them;
//!    - BPE: merges by piece score (`bpe`).
//! 3. **Unknown pieces**: with byte fallback, an unknown piece becomes the byte pieces
//!    `<0xXX>` of its UTF-8 bytes; without, a run of unknown pieces is one unknown id.
//!
//! Text that looks like a control symbol (`<s>`) is ordinary text, as in the library.
//!
//! # What is refused
//!
//! A model that the library itself would not load (no unknown piece, a duplicate piece, byte
//! pieces without byte fallback), and features fairtok does not implement: the `WORD` and
//! `CHAR` model types, `treat_whitespace_as_suffix`, and a denormalizer. Each is an
//! [`Error::SentencePiece`] naming the field.
//!
//! # Decoding
//!
//! As `SentencePieceProcessor.decode`: control pieces are dropped, the unknown piece is the
//! model's `unk_surface` (` ⁇ `), runs of byte pieces become their bytes (a byte that is not
//! part of valid UTF-8 becomes U+FFFD), `▁` becomes a space, and the `▁` that the dummy prefix
//! added is removed from the first piece that has text (from every leading piece when the
//! model removes extra whitespace).

mod bpe;
mod extension;
mod llama_cpp;
mod normalizer;
mod proto;

use prost::Message;
use rustc_hash::FxHashMap;

use crate::charsmap::Charsmap;
use crate::error::{Error, Result};
use crate::unigram::{self, PieceTrie};
use normalizer::{Normalizer, SPACE};
use proto::{ModelProto, PieceType};

pub use extension::{append_pieces, scores_below, PieceRules};
pub use llama_cpp::LlamaVocab;

/// Where SentencePiece rebases its Unigram path sums (`kScoreResetThreshold`).
const SCORE_REBASE: f64 = 100_000.0;

/// The segmentation algorithm of a model.
#[derive(Debug)]
enum Algorithm {
    /// Unigram: pieces in a trie, and the lowest score of its normal pieces.
    Unigram { trie: PieceTrie, min_score: f32 },
    /// BPE: merges by score.
    Bpe,
}

/// Whose encoding rules a model follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// The SentencePiece library (a `.model` file).
    Library,
    /// llama.cpp (a GGUF file's `llama` vocabulary, see [`llama_cpp`]).
    LlamaCpp,
}

/// A loaded SentencePiece model.
#[derive(Debug)]
pub struct SpmModel {
    algorithm: Algorithm,
    dialect: Dialect,
    /// The user-defined tokens that split the text first (llama.cpp only).
    partition: llama_cpp::Partition,
    normalizer: Normalizer,
    /// Normal, user-defined and unused pieces → id (`pieces_` in the library).
    pieces: FxHashMap<String, u32>,
    /// Control, unknown and byte pieces → id (`reserved_id_map_`).
    reserved: FxHashMap<String, u32>,
    texts: Vec<String>,
    scores: Vec<f32>,
    types: Vec<PieceType>,
    unk: u32,
    /// The id of each byte piece, when byte fallback is on.
    byte_ids: Option<[u32; 256]>,
    unk_surface: String,
    /// `<s>`, when the model has one (`trainer_spec.bos_id`, a control piece).
    bos: Option<u32>,
    /// No merge candidate has a `▁` after another character, so BPE may work on the parts
    /// between such points separately (see [`bpe::segment`]).
    cuts_at_spaces: bool,
    /// The trainer's rules for pieces (the defaults for a GGUF vocabulary).
    rules: PieceRules,
}

impl SpmModel {
    /// Reads a `.model` file's bytes; `origin` names it in errors.
    pub fn from_bytes(data: &[u8], origin: &str) -> Result<SpmModel> {
        let bad = |field: &str, reason: String| Error::SentencePiece {
            path: origin.to_owned(),
            field: field.to_owned(),
            reason,
        };
        let proto = ModelProto::decode(data)
            .map_err(|e| bad("(file)", format!("not a SentencePiece model protobuf: {e}")))?;
        let trainer = proto.trainer_spec.unwrap_or_default();
        let norm = proto.normalizer_spec.unwrap_or_default();
        if proto.pieces.is_empty() {
            return Err(bad("pieces", "the model has no pieces".to_owned()));
        }
        if trainer.treat_whitespace_as_suffix.unwrap_or(false) {
            return Err(bad(
                "trainer_spec.treat_whitespace_as_suffix",
                "true is not supported by fairtok (its decoding rules are not implemented)"
                    .to_owned(),
            ));
        }
        if let Some(d) = &proto.denormalizer_spec {
            if d.precompiled_charsmap
                .as_ref()
                .is_some_and(|c| !c.is_empty())
            {
                return Err(bad(
                    "denormalizer_spec",
                    "a denormalizer is not supported by fairtok".to_owned(),
                ));
            }
        }
        let unigram = match trainer.model_type.unwrap_or(1) {
            1 => true,
            2 => false,
            t => {
                return Err(bad(
                    "trainer_spec.model_type",
                    format!(
                        "{} is not supported by fairtok (UNIGRAM and BPE are)",
                        match t {
                            3 => "WORD".to_owned(),
                            4 => "CHAR".to_owned(),
                            t => format!("the unknown type {t}"),
                        }
                    ),
                ))
            }
        };
        let byte_fallback = trainer.byte_fallback.unwrap_or(false);
        let rules = PieceRules::of(&trainer);
        let mut model = SpmModel {
            algorithm: Algorithm::Bpe,
            dialect: Dialect::Library,
            partition: Default::default(),
            normalizer: Normalizer {
                charsmap: None,
                user_defined: PieceTrie::new(),
                add_dummy_prefix: norm.add_dummy_prefix.unwrap_or(true),
                remove_extra_whitespaces: norm.remove_extra_whitespaces.unwrap_or(true),
                escape_whitespaces: norm.escape_whitespaces.unwrap_or(true),
                suffix: false,
            },
            pieces: FxHashMap::default(),
            reserved: FxHashMap::default(),
            texts: Vec::with_capacity(proto.pieces.len()),
            scores: Vec::with_capacity(proto.pieces.len()),
            types: Vec::with_capacity(proto.pieces.len()),
            unk: 0,
            byte_ids: None,
            unk_surface: trainer
                .unk_surface
                .unwrap_or_else(|| " \u{2047} ".to_owned()),
            bos: None,
            cuts_at_spaces: false,
            rules,
        };
        model.add_pieces(&proto.pieces, byte_fallback, &bad)?;
        let bos = trainer.bos_id.unwrap_or(1);
        model.bos = u32::try_from(bos)
            .ok()
            .filter(|&b| model.types.get(b as usize) == Some(&PieceType::Control));
        if byte_fallback {
            let mut ids = [model.unk; 256];
            for (b, id) in ids.iter_mut().enumerate() {
                if let Some(&i) = model.reserved.get(&format!("<0x{b:02X}>")) {
                    *id = i;
                }
            }
            model.byte_ids = Some(ids);
        }
        if let Some(blob) = norm.precompiled_charsmap.filter(|c| !c.is_empty()) {
            let origin = format!("{origin}: normalizer_spec");
            model.normalizer.charsmap = Some(Charsmap::parse(&blob, &origin)?);
        }
        model.cuts_at_spaces = cuts_at_spaces(&model.pieces);
        if unigram {
            model.algorithm = model.unigram();
        }
        Ok(model)
    }

    /// Reads the pieces in id order into the tables, with the library's checks: non-empty,
    /// a known type, no NaN score, each text once per table, exactly one unknown piece, byte
    /// pieces only with byte fallback.
    fn add_pieces(
        &mut self,
        pieces: &[proto::Piece],
        byte_fallback: bool,
        bad: &dyn Fn(&str, String) -> Error,
    ) -> Result<()> {
        let mut unk = None;
        for (i, p) in pieces.iter().enumerate() {
            let field = format!("pieces[{i}]");
            let text = p.piece.clone().unwrap_or_default();
            let kind = PieceType::from_i32(p.kind.unwrap_or(1))
                .ok_or_else(|| bad(&field, format!("unknown type {}", p.kind.unwrap_or(1))))?;
            let score = p.score.unwrap_or(0.0);
            if text.is_empty() {
                return Err(bad(&field, "an empty piece".to_owned()));
            }
            if score.is_nan() {
                return Err(bad(&field, "its score is NaN".to_owned()));
            }
            let id = i as u32;
            let map = match kind {
                PieceType::Normal | PieceType::UserDefined | PieceType::Unused => &mut self.pieces,
                _ => &mut self.reserved,
            };
            if map.insert(text.clone(), id).is_some() {
                return Err(bad(&field, format!("the piece {text:?} is defined twice")));
            }
            match kind {
                PieceType::Unknown if unk.is_some() => {
                    return Err(bad(&field, "a second unknown piece".to_owned()))
                }
                PieceType::Unknown => unk = Some(id),
                PieceType::UserDefined => self.normalizer.user_defined.insert(text.as_bytes(), id),
                PieceType::Byte if !byte_fallback => {
                    return Err(bad(
                        &field,
                        "a byte piece in a model without trainer_spec.byte_fallback".to_owned(),
                    ))
                }
                _ => {}
            }
            self.texts.push(text);
            self.scores.push(score);
            self.types.push(kind);
        }
        self.unk = unk.ok_or_else(|| bad("pieces", "no piece has the type UNKNOWN".to_owned()))?;
        Ok(())
    }

    /// The Unigram trie and the lowest score of a normal piece (from `FLT_MAX`, as the library
    /// starts it).
    fn unigram(&self) -> Algorithm {
        let mut trie = PieceTrie::new();
        for (text, &id) in &self.pieces {
            trie.insert(text.as_bytes(), id);
        }
        let min_score = (self.scores.iter().zip(&self.types))
            .filter(|(_, kind)| **kind == PieceType::Normal)
            .fold(f32::MAX, |min, (score, _)| min.min(*score));
        Algorithm::Unigram { trie, min_score }
    }

    /// `"Unigram"` or `"BPE"`.
    pub fn model_type(&self) -> &'static str {
        match self.algorithm {
            Algorithm::Unigram { .. } => "Unigram",
            Algorithm::Bpe => "BPE",
        }
    }

    /// The number of pieces (ids are `0..n`).
    pub fn n_vocab(&self) -> usize {
        self.texts.len()
    }

    /// The control pieces (`<s>`, `</s>`, ...) with their ids: the model's special tokens.
    pub fn controls(&self) -> Vec<(String, u32)> {
        self.types
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == PieceType::Control)
            .map(|(i, _)| (self.texts[i].clone(), i as u32))
            .collect()
    }

    /// The unknown piece and its id.
    pub fn unknown(&self) -> (String, u32) {
        (self.texts[self.unk as usize].clone(), self.unk)
    }

    /// The id of `<s>` (added by `encode(text, add_bos=True)`), if the model has one.
    pub fn bos(&self) -> Option<u32> {
        self.bos
    }

    /// Whether `id` is an unused piece that the library splits back (llama.cpp keeps it).
    fn is_unused(&self, id: u32) -> bool {
        self.dialect == Dialect::Library && self.types.get(id as usize) == Some(&PieceType::Unused)
    }

    /// Encodes `text`, appending ids to `out`.
    pub fn encode(&self, text: &str, out: &mut Vec<u32>) {
        if self.dialect == Dialect::LlamaCpp {
            return self.encode_llama_cpp(text, out);
        }
        let normalized = self.normalizer.normalize(text);
        let mut pieces = Vec::new();
        match &self.algorithm {
            Algorithm::Unigram { trie, min_score } => {
                let unk_score = *min_score - 10.0;
                // As the library (0.2.3) computes them, all in `f32`: a piece's score plus the
                // sum so far; a user-defined piece's score is `0.1 * (bytes - 1)` (so it always
                // wins); sums beyond ±10^5 are rebased (`crate::unigram`).
                let candidate = |sum: f32, id: u32, len: usize| match self.types[id as usize] {
                    PieceType::Unused => None,
                    PieceType::UserDefined => {
                        Some(f64::from((0.1 * (len as f64 - 1.0)) as f32 + sum))
                    }
                    _ => Some(f64::from(self.scores[id as usize] + sum)),
                };
                let unknown = |sum: f32| f64::from(unk_score + sum);
                unigram::segment::<f32>(
                    &normalized,
                    trie,
                    candidate,
                    unknown,
                    self.unk,
                    Some(SCORE_REBASE),
                    &mut pieces,
                );
            }
            Algorithm::Bpe => bpe::segment(self, &normalized, &mut pieces),
        }
        let mut prev_unk = false;
        for (start, end, id) in pieces {
            let is_unk = id == self.unk;
            match (&self.byte_ids, is_unk) {
                (Some(bytes), true) => out.extend(
                    normalized.as_bytes()[start..end]
                        .iter()
                        .map(|&b| bytes[b as usize]),
                ),
                (None, true) if prev_unk => {}
                _ => out.push(id),
            }
            prev_unk = is_unk;
        }
    }

    /// The bytes each id decodes to on its own (control pieces: none; `▁` as a space).
    pub fn id_bytes(&self) -> Vec<(u32, Vec<u8>)> {
        (0..self.texts.len() as u32)
            .map(|id| (id, self.piece_bytes(id, false)))
            .collect()
    }

    fn piece_bytes(&self, id: u32, strip_space: bool) -> Vec<u8> {
        let text = &self.texts[id as usize];
        match self.types[id as usize] {
            PieceType::Control => Vec::new(),
            PieceType::Unknown => self.unk_surface.as_bytes().to_vec(),
            PieceType::Byte => match crate::hf::parse_byte_token(text.as_bytes()) {
                Some(b) => vec![b],
                None => text.as_bytes().to_vec(),
            },
            _ => {
                let text = match strip_space {
                    true => text.strip_prefix(SPACE).unwrap_or(text),
                    false => text,
                };
                text.replace(SPACE, " ").into_bytes()
            }
        }
    }

    /// Decodes ids (each below [`SpmModel::n_vocab`]) as the library's `decode` does.
    pub fn decode(&self, ids: &[u32]) -> Vec<u8> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        let mut bytes = Vec::new();
        let strip_leading =
            self.normalizer.add_dummy_prefix || self.normalizer.remove_extra_whitespaces;
        let (mut at_start, mut space_seen) = (true, false);
        for &id in ids {
            if self.types[id as usize] == PieceType::Byte {
                bytes.extend(self.piece_bytes(id, false));
                continue;
            }
            flush_bytes(&mut bytes, &mut out);
            if space_seen || !out.is_empty() {
                at_start = false;
            }
            let kind = self.types[id as usize];
            let normal = !matches!(kind, PieceType::Control | PieceType::Unknown);
            let strip = normal && at_start && strip_leading;
            let text = &self.texts[id as usize];
            space_seen =
                strip && text.starts_with(SPACE) && !self.normalizer.remove_extra_whitespaces;
            out.extend(self.piece_bytes(id, strip));
        }
        flush_bytes(&mut bytes, &mut out);
        out
    }
}

/// Whether no piece has a `▁` right after another character.
fn cuts_at_spaces(pieces: &FxHashMap<String, u32>) -> bool {
    !pieces.keys().any(|p| {
        p.char_indices().any(|(i, c)| {
            c == '\u{2581}' && p[..i].chars().next_back().is_some_and(|b| b != '\u{2581}')
        })
    })
}

/// Appends a run of byte pieces' bytes: valid UTF-8 as it is, each other byte as U+FFFD.
fn flush_bytes(bytes: &mut Vec<u8>, out: &mut Vec<u8>) {
    for chunk in bytes.utf8_chunks() {
        out.extend_from_slice(chunk.valid().as_bytes());
        for _ in chunk.invalid() {
            out.extend_from_slice("\u{FFFD}".as_bytes());
        }
    }
    bytes.clear();
}

#[cfg(test)]
mod tests;
