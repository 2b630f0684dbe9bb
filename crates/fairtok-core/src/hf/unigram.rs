//! The `Unigram` model of a `tokenizer.json` (T5, mT5, XLM-R, ALBERT converted by
//! `transformers`), as Hugging Face tokenizers' `Unigram::tokenize` encodes a pre-token.
//!
//! The model is a list of `[piece, score]` (the id is the index). Each pre-token is segmented
//! by [`crate::unigram::segment`] with `f64` sums (tokenizers' arithmetic); a character
//! without a piece of its own is an unknown piece scored `min_score − 10` (the minimum over
//! every entry). Consecutive unknown pieces are fused into one string (`fuse_unk`, always on
//! in tokenizers), and each resulting string is looked up by its text: a string that is not
//! in the vocabulary becomes its `<0xXX>` byte pieces under `byte_fallback` (when all exist),
//! else the unknown id. A model without `unk_id` that meets such a string is an error, as in
//! tokenizers.

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::unigram::{self, PieceTrie};

/// A `tokenizer.json` Unigram model.
#[derive(Debug)]
pub(crate) struct UnigramModel {
    /// Piece → id (a piece listed twice keeps its last id, as tokenizers' `token_to_ids`).
    pub vocab: FxHashMap<String, u32>,
    scores: Vec<f64>,
    trie: PieceTrie,
    unk: Option<u32>,
    byte_fallback: bool,
    unk_score: f64,
    /// The file, for errors.
    origin: String,
}

impl UnigramModel {
    /// The model of `pieces` (text and score, in id order).
    pub fn new(
        pieces: Vec<(String, f64)>,
        unk: Option<u32>,
        byte_fallback: bool,
        origin: &str,
    ) -> UnigramModel {
        let mut vocab = FxHashMap::with_capacity_and_hasher(pieces.len(), Default::default());
        let mut trie = PieceTrie::new();
        let mut scores = Vec::with_capacity(pieces.len());
        let mut min_score = f64::INFINITY;
        for (id, (piece, score)) in pieces.into_iter().enumerate() {
            trie.insert(piece.as_bytes(), id as u32);
            vocab.insert(piece, id as u32);
            min_score = min_score.min(score);
            scores.push(score);
        }
        UnigramModel {
            vocab,
            scores,
            trie,
            unk,
            byte_fallback,
            unk_score: min_score - 10.0,
            origin: origin.to_owned(),
        }
    }

    /// The unknown id (`unk_id`).
    pub fn unk(&self) -> Option<u32> {
        self.unk
    }

    /// Encodes one pre-token, appending its ids.
    pub fn tokenize(&self, word: &str, out: &mut Vec<u32>) -> Result<()> {
        if word.is_empty() {
            return Ok(());
        }
        let mut pieces = Vec::new();
        // The unknown piece's id in the path is only a marker: strings are looked up below.
        let marker = u32::MAX;
        unigram::segment::<f64>(
            word,
            &self.trie,
            |sum, id, _| Some(sum + self.scores[id as usize]),
            |sum| sum + self.unk_score,
            marker,
            None,
            &mut pieces,
        );
        let mut i = 0;
        while i < pieces.len() {
            let (start, mut end, id) = pieces[i];
            i += 1;
            if id == marker {
                while i < pieces.len() && pieces[i].2 == marker {
                    end = pieces[i].1;
                    i += 1;
                }
            }
            self.push(&word[start..end], out)?;
        }
        Ok(())
    }

    /// The id of one piece string, or its byte pieces, or the unknown id.
    fn push(&self, piece: &str, out: &mut Vec<u32>) -> Result<()> {
        if let Some(&id) = self.vocab.get(piece) {
            out.push(id);
            return Ok(());
        }
        if self.byte_fallback {
            let bytes: Option<Vec<u32>> = piece
                .bytes()
                .map(|b| self.vocab.get(&format!("<0x{b:02X}>")).copied())
                .collect();
            if let Some(bytes) = bytes {
                out.extend(bytes);
                return Ok(());
            }
        }
        out.push(self.unk.ok_or_else(|| Error::TokenizerJson {
            path: self.origin.clone(),
            reason: format!(
                "$.model: the Unigram model has no unk_id, and {} has no piece",
                crate::quoted(piece)
            ),
        })?);
        Ok(())
    }
}
