//! llama.cpp's Unigram tokenizer for `tokenizer.ggml.model = "t5"` (`llm_tokenizer_ugm`: T5,
//! XLM-R and their kin).
//!
//! 1. **Normalize** (`normalize`), left to right: at each position, a user-defined token that
//!    starts there (the longest) is kept as it is; else the longest rule of the precompiled
//!    charsmap (`tokenizer.ggml.precompiled_charsmap`, `crate::charsmap::Charsmap::longest`,
//!    the walk stopping at a NUL byte) gives its replacement; else the character is kept.
//!    Then, byte by byte of what that gives: a space becomes `▁` (unless
//!    `remove_extra_whitespaces`, which drops it), and a non-space that starts a run of
//!    non-spaces gets a `▁` before it when it is the first such run and
//!    `add_space_prefix` is set, or always under `remove_extra_whitespaces`. (Both keys
//!    default to false for `t5`; whitespace is always escaped and never a suffix.)
//! 2. **Viterbi** over the normalized bytes (`crate::unigram::segment` with `f64` sums, as
//!    llama.cpp's `double`): candidates are the normal, user-defined and unused tokens; a
//!    token scores its `f32` score, a user-defined one 0; a code point with no token of its
//!    own is the unknown token, scored (lowest normal score − 10, in `f32`).
//! 3. Consecutive unknown tokens of the best path become one.

use crate::charsmap::Charsmap;
use crate::unigram::{self, PieceTrie};

/// llama.cpp's Unigram model.
#[derive(Debug)]
pub(crate) struct Ugm {
    /// The candidates of the Viterbi.
    pub trie: PieceTrie,
    /// The user-defined tokens (kept unnormalized).
    pub user_defined: PieceTrie,
    /// Each token's score as the Viterbi adds it.
    pub scores: Vec<f64>,
    /// The unknown token's id and score.
    pub unk: (u32, f64),
    /// The charsmap, if the file has one.
    pub charsmap: Option<Charsmap>,
    /// `tokenizer.ggml.add_space_prefix`.
    pub add_space_prefix: bool,
    /// `tokenizer.ggml.remove_extra_whitespaces`.
    pub remove_extra_whitespaces: bool,
}

impl Ugm {
    /// The model; `attr` are llama.cpp's attributes ([`super::attrs`]).
    pub(crate) fn new(texts: &[String], scores: &[f32], attr: &[u16], unk: u32) -> Ugm {
        use super::attrs::{NORMAL, UNUSED, USER_DEFINED};
        let mut trie = PieceTrie::new();
        let mut user_defined = PieceTrie::new();
        let mut min = f32::MAX;
        let mut out = Vec::with_capacity(texts.len());
        for (id, (text, &a)) in texts.iter().zip(attr).enumerate() {
            if a & NORMAL != 0 {
                min = min.min(scores[id]);
            }
            if a & (NORMAL | USER_DEFINED | UNUSED) != 0 {
                trie.insert(text.as_bytes(), id as u32);
            }
            if a & USER_DEFINED != 0 {
                user_defined.insert(text.as_bytes(), id as u32);
            }
            out.push(if a & USER_DEFINED != 0 {
                0.0
            } else {
                f64::from(scores[id])
            });
        }
        Ugm {
            trie,
            user_defined,
            scores: out,
            unk: (unk, f64::from(min - 10.0)),
            charsmap: None,
            add_space_prefix: false,
            remove_extra_whitespaces: false,
        }
    }

    /// Step 1 of the module docs.
    fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() * 3);
        let merge = self.remove_extra_whitespaces;
        let (mut prepended, mut in_word) = (false, false);
        let bytes = text.as_bytes();
        let next_nul = |from: usize| {
            bytes[from..]
                .iter()
                .position(|&b| b == 0)
                .map_or(bytes.len(), |p| from + p)
        };
        // The first NUL at or after `at` (the charsmap stops there), found again only once
        // `at` has passed it: one scan of the text in all, not one per position.
        let mut nul = next_nul(0);
        let mut at = 0;
        while at < bytes.len() {
            if nul < at {
                nul = next_nul(at);
            }
            let (piece, used): (&str, usize) = match self.user_defined.longest(&bytes[at..]) {
                Some(len) => (&text[at..at + len], len),
                None => {
                    let end = nul;
                    match self
                        .charsmap
                        .as_ref()
                        .and_then(|m| m.longest(&bytes[at..end]))
                    {
                        Some((len, repl)) => (repl, len),
                        None => {
                            let len = unigram::utf8_len(bytes[at]).min(bytes.len() - at);
                            (&text[at..at + len], len)
                        }
                    }
                }
            };
            for c in piece.chars() {
                if c != ' ' {
                    if !in_word {
                        in_word = true;
                        if (self.add_space_prefix && !prepended) || merge {
                            out.push('\u{2581}');
                            prepended = true;
                        }
                    }
                    out.push(c);
                } else {
                    in_word = false;
                    if !merge {
                        out.push('\u{2581}');
                    }
                }
            }
            at += used;
        }
        out
    }

    /// Encodes one text fragment, appending the ids to `out`.
    pub(crate) fn encode(&self, text: &str, out: &mut Vec<u32>) {
        let norm = self.normalize(text);
        if norm.is_empty() {
            return;
        }
        let mut pieces = Vec::new();
        let scores = &self.scores;
        unigram::segment::<f64>(
            &norm,
            &self.trie,
            |sum, id, _| Some(sum + scores[id as usize]),
            |sum| sum + self.unk.1,
            self.unk.0,
            None,
            &mut pieces,
        );
        let mut prev_unknown = false;
        for (_, _, id) in pieces {
            let unknown = id == self.unk.0;
            if !(prev_unknown && unknown) {
                out.push(id);
            }
            prev_unknown = unknown;
        }
    }
}
