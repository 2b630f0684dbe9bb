//! SentencePiece's precompiled character map (`precompiled_charsmap`): the normalization rules
//! of `nmt_nfkc` and its kin, as a Darts-clone double-array trie from input byte strings to
//! replacement strings.
//!
//! # Format
//!
//! `u32` little-endian: the trie's size in bytes; the trie (`u32` little-endian units); then the
//! replacement strings, each ending with a NUL byte. A unit packs, as Darts-clone does:
//!
//! - bit 8: the node has a leaf (a key ends here; its value is in the unit at `pos ^ offset`);
//! - `label` (bits 0–7 and 31): the byte that leads to this node (bit 31 set on leaf units);
//! - `offset`: `(unit >> 10) << ((unit & (1 << 9)) >> 6)`, the XOR step to the children;
//! - `value` (bits 0–30, on a leaf unit): where the replacement starts in the strings.
//!
//! A prefix search walks from the root: `pos ^= offset(root)`, then for each input byte `b`,
//! `pos ^= b` and the unit there must have label `b`; after each step a node with a leaf
//! reports the prefix length so far and its value. The walk is at most as long as the input
//! and never indexes outside the unit array (a bad file stops the walk, never panics).
//!
//! # Two users, two rules
//!
//! The SentencePiece library takes the **longest** rule that is a prefix of the remaining
//! input (`Normalizer::NormalizePrefix`); Hugging Face's `Precompiled` normalizer takes the
//! **shortest** (the first result of `common_prefix_search`) and applies it to a whole grapheme
//! cluster (see `crate::hf`). Both are here: [`Charsmap::longest`] and [`Charsmap::first`].

use crate::error::{Error, Result};

/// A loaded precompiled character map.
#[derive(Debug, Clone)]
pub struct Charsmap {
    units: Vec<u32>,
    strings: Vec<u8>,
}

fn has_leaf(unit: u32) -> bool {
    (unit >> 8) & 1 == 1
}

fn value(unit: u32) -> u32 {
    unit & ((1 << 31) - 1)
}

fn label(unit: u32) -> u32 {
    unit & ((1 << 31) | 0xFF)
}

fn offset(unit: u32) -> usize {
    ((unit >> 10) << ((unit & (1 << 9)) >> 6)) as usize
}

impl Charsmap {
    /// Reads a `precompiled_charsmap` blob; `origin` names it in errors (the file and field).
    pub fn parse(blob: &[u8], origin: &str) -> Result<Charsmap> {
        let bad = |reason: String| Error::Vocab {
            path: origin.to_owned(),
            reason: format!("precompiled_charsmap: {reason}"),
        };
        let Some((size, rest)) = blob.split_first_chunk::<4>() else {
            return Err(bad(format!(
                "{} bytes, shorter than its 4-byte header",
                blob.len()
            )));
        };
        let size = u32::from_le_bytes(*size) as usize;
        if !size.is_multiple_of(4) || size > rest.len() {
            return Err(bad(format!(
                "the trie's size {size} is not a multiple of 4 within the {} bytes that follow",
                rest.len()
            )));
        }
        let (trie, strings) = rest.split_at(size);
        let units = trie
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect::<Vec<_>>();
        if units.is_empty() {
            return Err(bad("the trie is empty".to_owned()));
        }
        Ok(Charsmap {
            units,
            strings: strings.to_vec(),
        })
    }

    /// Every rule that is a prefix of `key`, shortest first: (prefix length, value). A NUL
    /// byte ends the key when `nul_ends` (Hugging Face's search stops there).
    fn prefixes(&self, key: &[u8], nul_ends: bool, mut found: impl FnMut(usize, u32) -> bool) {
        let mut pos = offset(self.units[0]);
        for (i, &b) in key.iter().enumerate() {
            if nul_ends && b == 0 {
                return;
            }
            pos ^= b as usize;
            let Some(&unit) = self.units.get(pos) else {
                return;
            };
            if label(unit) != b as u32 {
                return;
            }
            pos ^= offset(unit);
            if has_leaf(unit) {
                let Some(&leaf) = self.units.get(pos) else {
                    return;
                };
                if !found(i + 1, value(leaf)) {
                    return;
                }
            }
        }
    }

    /// The replacement that starts at `value` in the strings, up to its NUL (a value outside
    /// the strings, or bytes that are not UTF-8, give no replacement).
    fn replacement(&self, value: u32) -> Option<&str> {
        let tail = self.strings.get(value as usize..)?;
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        std::str::from_utf8(&tail[..end]).ok()
    }

    /// The longest rule that is a prefix of `input`: (bytes it covers, replacement), as the
    /// SentencePiece library's normalizer takes it.
    pub fn longest(&self, input: &[u8]) -> Option<(usize, &str)> {
        let mut best = None;
        self.prefixes(input, false, |len, v| {
            best = Some((len, v));
            true
        });
        let (len, v) = best?;
        Some((len, self.replacement(v)?))
    }

    /// The shortest rule that is a prefix of `input`, as Hugging Face's `Precompiled`
    /// normalizer takes it (the first result of its prefix search).
    pub fn first(&self, input: &[u8]) -> Option<&str> {
        let mut first = None;
        self.prefixes(input, true, |_, v| {
            first = Some(v);
            false
        });
        self.replacement(first?)
    }
}
