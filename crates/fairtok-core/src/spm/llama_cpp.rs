//! The SentencePiece-style vocabularies of GGUF files (`tokenizer.ggml.model = "llama"`:
//! Llama 2, Phi-3, Mistral v0.1, ...), encoded as llama.cpp's `llm_tokenizer_spm` does with
//! `add_special = false` and `parse_special = false`.
//!
//! The merge loop is the library's (score order, leftmost on a tie: [`super::bpe`]); the rest
//! is llama.cpp's own:
//!
//! 1. **Partition.** User-defined tokens written in the text become their ids, as
//!    [`crate::llama_cpp::attrs`] finds them (llama.cpp's token attributes: the texts it makes
//!    control tokens are not matched, and Phi-3's special tokens strip the whitespace after
//!    them). Control and unknown tokens written in the text are ordinary text.
//! 2. **Each text fragment** gets a leading space when it is the first fragment or follows a
//!    token (`tokenizer.ggml.add_space_prefix`, default true), and its spaces become `▁`. There
//!    is no other normalization.
//! 3. **Merge**: every token's text is a candidate piece, whatever its type, scored by
//!    `tokenizer.ggml.scores`.
//! 4. A final piece that is not a token (one character outside the vocabulary) becomes its
//!    UTF-8 bytes' `<0xXX>` tokens, which must all exist (llama.cpp fails without them: such a
//!    file is refused at load). Unknown runs are not merged.

use rustc_hash::FxHashMap;

use crate::llama_cpp::attrs::Fragment;

use super::normalizer::{Normalizer, SPACE};
use super::proto::PieceType;
use super::{bpe, Algorithm, Dialect, SpmModel};
use crate::error::{Error, Result};
use crate::unigram::PieceTrie;

/// The special tokens that split the text.
pub(super) type Partition = crate::llama_cpp::attrs::Partition;

/// The GGUF fields a llama.cpp SentencePiece-style vocabulary is made of.
pub struct LlamaVocab<'a> {
    /// `tokenizer.ggml.tokens`.
    pub tokens: &'a [String],
    /// `tokenizer.ggml.scores` (all zero when absent).
    pub scores: Option<&'a [f32]>,
    /// `tokenizer.ggml.token_type` (all normal when absent).
    pub types: Option<&'a [i32]>,
    /// `tokenizer.ggml.add_space_prefix` (default true).
    pub add_space_prefix: bool,
}

impl SpmModel {
    /// The model of a GGUF file's `llama` vocabulary, split first by `partition` (from
    /// [`crate::llama_cpp::Vocab`]); `origin` names the file in errors.
    pub(crate) fn from_llama_gguf(
        v: &LlamaVocab<'_>,
        partition: Partition,
        origin: &str,
    ) -> Result<SpmModel> {
        let bad = |field: &str, reason: String| Error::Gguf {
            path: origin.to_owned(),
            key: field.to_owned(),
            offset: 0,
            reason,
        };
        let n = v.tokens.len();
        let mut pieces = FxHashMap::with_capacity_and_hasher(n, Default::default());
        let mut types = Vec::with_capacity(n);
        let mut unk = None;
        for (id, text) in v.tokens.iter().enumerate() {
            let ty = v.types.map_or(1, |t| t[id]);
            let kind = PieceType::from_i32(ty).ok_or_else(|| {
                bad(
                    "tokenizer.ggml.token_type",
                    format!("token {id} has the unknown type {ty}"),
                )
            })?;
            pieces.insert(text.clone(), id as u32);
            if kind == PieceType::Unknown && unk.is_none() {
                unk = Some(id as u32);
            }
            types.push(kind);
        }
        let mut byte_ids = [0u32; 256];
        for (b, slot) in byte_ids.iter_mut().enumerate() {
            *slot = *pieces.get(&format!("<0x{b:02X}>")).ok_or_else(|| {
                bad(
                    "tokenizer.ggml.tokens",
                    format!("no byte token <0x{b:02X}>, which llama.cpp needs for a character outside the vocabulary"),
                )
            })?;
        }
        let cuts_at_spaces = super::cuts_at_spaces(&pieces);
        Ok(SpmModel {
            algorithm: Algorithm::Bpe,
            dialect: Dialect::LlamaCpp,
            normalizer: Normalizer {
                charsmap: None,
                user_defined: PieceTrie::new(),
                add_dummy_prefix: v.add_space_prefix,
                remove_extra_whitespaces: false,
                escape_whitespaces: true,
                suffix: false,
            },
            pieces,
            reserved: FxHashMap::default(),
            texts: v.tokens.to_vec(),
            scores: v.scores.map_or_else(|| vec![0.0; n], <[f32]>::to_vec),
            types,
            unk: unk.unwrap_or(0),
            byte_ids: Some(byte_ids),
            unk_surface: " \u{2047} ".to_owned(),
            bos: None,
            partition,
            cuts_at_spaces,
            rules: Default::default(),
        })
    }

    /// Encodes as llama.cpp does (see the module docs).
    pub(super) fn encode_llama_cpp(&self, text: &str, out: &mut Vec<u32>) {
        let mut after_token = true;
        for fragment in self.partition.split(text) {
            match fragment {
                Fragment::Token(id) => {
                    out.push(id);
                    after_token = true;
                }
                Fragment::Text(t) => {
                    let mut escaped = String::with_capacity(t.len() + 8);
                    if self.normalizer.add_dummy_prefix && after_token {
                        escaped.push_str(SPACE);
                    }
                    escaped.push_str(&t.replace(' ', SPACE));
                    let mut pieces = Vec::new();
                    bpe::segment(self, &escaped, &mut pieces);
                    let bytes = self.byte_ids.as_ref().expect("checked at load");
                    for (start, end, _) in pieces {
                        let piece = &escaped[start..end];
                        match self.pieces.get(piece) {
                            Some(&id) => out.push(id),
                            None => out.extend(piece.bytes().map(|b| bytes[b as usize])),
                        }
                    }
                    after_token = false;
                }
            }
        }
    }
}
