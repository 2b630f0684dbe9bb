//! The base tokens that spell each new token, and the check that a tokenizer extends another.
//!
//! A new token's pieces are what the base tokenizer gives for the token's text (its
//! pre-tokenizer and merges, no special tokens), as Fast Vocabulary Transfer and EEVE
//! tokenize a new token with the old tokenizer. A token that is not valid UTF-8 on its own (a
//! byte-level token that ends inside a character) has no text: it is merged from its bytes by
//! the base's byte-level tokens, ranks taken as ids (as in every byte-level vocabulary that
//! `fairtok extend` takes as a base). Either way the pieces' bytes are the token's bytes; a
//! decomposition that is not is refused.

use std::collections::HashMap;

use fairtok_core::{EncodeOptions, Specials, Tokenizer};

use crate::{Error, Result};

/// Checks that `extended` keeps every id of `base` with the same bytes and adds at least one.
pub(crate) fn check_extension(base: &Tokenizer, extended: &Tokenizer) -> Result<()> {
    let mismatch = |reason: String| Error::NotAnExtension {
        base: base.origin().to_string(),
        extended: extended.origin().to_string(),
        reason,
    };
    if extended.n_vocab() <= base.n_vocab() {
        return Err(mismatch(format!(
            "it has {} ids, the base {}: no new token",
            extended.n_vocab(),
            base.n_vocab()
        )));
    }
    for id in 0..base.n_vocab() as u32 {
        let (b, e) = (base.token_bytes(id), extended.token_bytes(id));
        if b != e {
            let show = |x: Option<&[u8]>| match x {
                Some(x) => format!("{:?}", String::from_utf8_lossy(x)),
                None => "nothing".to_string(),
            };
            return Err(mismatch(format!(
                "id {id} is {} in the base and {} in the extension",
                show(b),
                show(e)
            )));
        }
    }
    Ok(())
}

/// The base ids that spell each id of `new` (in order), all below `base.n_vocab()`.
pub(crate) fn pieces(
    base: &Tokenizer,
    extended: &Tokenizer,
    new: std::ops::Range<u32>,
) -> Result<Vec<Vec<u32>>> {
    let by_bytes: HashMap<&[u8], u32> = (0..base.n_vocab() as u32)
        .filter_map(|id| base.token_bytes(id).map(|b| (b, id)))
        .collect();
    let opts = EncodeOptions {
        specials: Specials::None,
        add_special: false,
    };
    new.map(|id| {
        let bytes = extended.token_bytes(id).unwrap_or_default();
        if bytes.is_empty() {
            return Err(Error::Unsupported(format!(
                "new id {id} of {} has no bytes to take its pieces from",
                extended.origin()
            )));
        }
        let from_text = std::str::from_utf8(bytes)
            .ok()
            .map(|text| base.encode_with(text, &opts))
            .transpose()?
            .filter(|ids| spells(base, ids, bytes));
        let ids = match from_text {
            Some(ids) => Some(ids),
            None => fairtok_core::tiktoken::encode_piece_with(bytes, |b| by_bytes.get(b).copied())
                .filter(|ids| spells(base, ids, bytes)),
        };
        ids.filter(|ids| !ids.is_empty()).ok_or_else(|| {
            Error::Unsupported(format!(
                "new id {id} ({:?}) cannot be spelled with the base tokenizer's tokens",
                String::from_utf8_lossy(bytes)
            ))
        })
    })
    .collect()
}

/// Whether the tokens `ids` of `base` are, joined, exactly `bytes`.
fn spells(base: &Tokenizer, ids: &[u32], bytes: &[u8]) -> bool {
    let mut at = 0;
    for &id in ids {
        match base.token_bytes(id) {
            Some(b) if bytes[at..].starts_with(b) => at += b.len(),
            _ => return false,
        }
    }
    at == bytes.len()
}
