//! The SentencePiece-style vocabularies of GGUF files (`tokenizer.ggml.model = "llama"`:
//! Llama 2, Phi-3, Mistral v0.1, ...), encoded as llama.cpp's `llm_tokenizer_spm` does with
//! `add_special = false` and `parse_special = false`.
//!
//! The merge loop is the library's (score order, leftmost on a tie: [`super::bpe`]); the rest
//! is llama.cpp's own:
//!
//! 1. **Partition.** User-defined tokens (type 4) written in the text become their ids, longest
//!    token first, each at its leftmost non-overlapping occurrences in what is still text.
//!    With the token's `rstrip` attribute, the ASCII whitespace after it is dropped: llama.cpp
//!    sets it on every user-defined token of a model whose `general.name` contains `phi-3` or
//!    `phi3` (any case), and on none otherwise. Control and unknown tokens written in the text
//!    are ordinary text.
//! 2. **Each text fragment** gets a leading space when it is the first fragment or follows a
//!    token (`tokenizer.ggml.add_space_prefix`, default true), and its spaces become `▁`. There
//!    is no other normalization.
//! 3. **Merge**: every token's text is a candidate piece, whatever its type, scored by
//!    `tokenizer.ggml.scores`.
//! 4. A final piece that is not a token (one character outside the vocabulary) becomes its
//!    UTF-8 bytes' `<0xXX>` tokens, which must all exist (llama.cpp fails without them: such a
//!    file is refused at load). Unknown runs are not merged.

use rustc_hash::FxHashMap;

use super::normalizer::{Normalizer, SPACE};
use super::proto::PieceType;
use super::{bpe, Algorithm, Dialect, SpmModel};
use crate::error::{Error, Result};
use crate::unigram::PieceTrie;

/// The user-defined tokens that split the text, longest first, with their `rstrip`.
#[derive(Debug, Default)]
pub(super) struct Partition {
    tokens: Vec<(String, u32, bool)>,
}

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
    /// `general.name`, for llama.cpp's per-model token attributes.
    pub model_name: Option<&'a str>,
}

impl SpmModel {
    /// The model of a GGUF file's `llama` vocabulary; `origin` names the file in errors.
    pub fn from_llama_gguf(v: &LlamaVocab<'_>, origin: &str) -> Result<SpmModel> {
        let bad = |field: &str, reason: String| Error::Gguf {
            path: origin.to_owned(),
            key: field.to_owned(),
            offset: 0,
            reason,
        };
        let n = v.tokens.len();
        let name = v.model_name.unwrap_or_default().to_lowercase();
        let rstrip = name.contains("phi-3") || name.contains("phi3");
        let mut pieces = FxHashMap::with_capacity_and_hasher(n, Default::default());
        let mut types = Vec::with_capacity(n);
        let mut partition = Vec::new();
        let mut unk = None;
        for (id, text) in v.tokens.iter().enumerate() {
            let ty = v.types.map_or(1, |t| t[id]);
            let kind = PieceType::from_i32(ty).ok_or_else(|| {
                bad(
                    "tokenizer.ggml.token_type",
                    format!("token {id} has the unknown type {ty}"),
                )
            })?;
            // llama.cpp's `token_to_id[text] = id`: a later token with the same text wins.
            pieces.insert(text.clone(), id as u32);
            match kind {
                PieceType::UserDefined if !text.is_empty() => {
                    partition.push((text.clone(), id as u32, rstrip))
                }
                PieceType::Unknown if unk.is_none() => unk = Some(id as u32),
                _ => {}
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
        partition.sort_by_key(|t| std::cmp::Reverse(t.0.len()));
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
            partition: Partition { tokens: partition },
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

/// A part of the text after partition.
enum Fragment<'a> {
    Text(&'a str),
    Token(u32),
}

impl Partition {
    /// Splits `text` on the user-defined tokens, as llama.cpp's `tokenizer_st_partition`.
    fn split<'a>(&self, text: &'a str) -> Vec<Fragment<'a>> {
        let mut fragments = vec![Fragment::Text(text)];
        for (token, id, rstrip) in &self.tokens {
            let mut next = Vec::with_capacity(fragments.len());
            for fragment in fragments {
                let Fragment::Text(mut rest) = fragment else {
                    next.push(fragment);
                    continue;
                };
                while let Some(at) = rest.find(token.as_str()) {
                    if at > 0 {
                        next.push(Fragment::Text(&rest[..at]));
                    }
                    next.push(Fragment::Token(*id));
                    rest = &rest[at + token.len()..];
                    if *rstrip {
                        rest = rest.trim_start_matches(|c: char| {
                            matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r')
                        });
                    }
                }
                if !rest.is_empty() {
                    next.push(Fragment::Text(rest));
                }
            }
            fragments = next;
        }
        fragments
    }
}
