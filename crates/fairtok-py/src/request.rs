//! tiktoken's special-token arguments, resolved once per call: which special tokens an encode
//! call recognises ([`Request`]), which strings make it fail (a [`Matcher`], cached per set),
//! and the error it gives ([`EncodeError`]).

use std::sync::Arc;

use aho_corasick::AhoCorasick;
use fairtok_core::{EncodeOptions, Error, Format, Specials, Tokenizer};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::{to_py_err, CoreTokenizer};

/// The most disallowed-string sets whose matchers one tokenizer keeps.
const MATCHER_CACHE: usize = 32;

/// Why an encode call did not give ids.
pub(crate) enum EncodeError {
    /// The text contains this disallowed special token (tiktoken raises `ValueError`).
    Disallowed(String),
    /// The core failed.
    Core(Error),
}

impl EncodeError {
    /// The Python exception: tiktoken's exact message for a disallowed special token.
    pub(crate) fn into_py_err(self, py: Python<'_>) -> PyErr {
        match self {
            EncodeError::Core(e) => to_py_err(e),
            EncodeError::Disallowed(token) => {
                let repr = match PyString::new(py, &token).repr() {
                    Ok(r) => r.to_string(),
                    Err(e) => return e,
                };
                PyValueError::new_err(format!(
                    "Encountered text corresponding to disallowed special token {repr}.\n\
                     If you want this text to be encoded as a special token, pass it to \
                     `allowed_special`, e.g. `allowed_special={{{repr}, ...}}`.\n\
                     If you want this text to be encoded as normal text, disable the check for \
                     this token by passing `disallowed_special=(enc.special_tokens_set - {{{repr}}})`.\n\
                     To disable this check for all special tokens, pass `disallowed_special=()`.\n"
                ))
            }
        }
    }
}

/// Finds the first of a set of strings in a text: leftmost, then longest.
pub(crate) struct Matcher {
    pub(crate) automaton: AhoCorasick,
    /// The strings, in the automaton's pattern order (sorted, deduplicated).
    pub(crate) strings: Vec<String>,
}

/// A set of disallowed strings, as the key of its matcher.
#[derive(PartialEq, Eq, Hash)]
pub(crate) enum Disallowed {
    /// These strings (sorted, each once).
    Strings(Vec<String>),
    /// Every special token but these (sorted, each once, all special tokens, not all of them).
    SpecialsBut(Vec<String>),
}

/// One encode request, resolved from tiktoken's `allowed_special` / `disallowed_special`.
pub(crate) struct Request {
    opts: EncodeOptions,
    /// The disallowed strings, if any is given.
    disallowed: Option<Arc<Matcher>>,
}

impl Request {
    pub(crate) fn ordinary() -> Request {
        Request {
            opts: EncodeOptions {
                specials: Specials::None,
                ..Default::default()
            },
            disallowed: None,
        }
    }

    /// Fails if the text holds one of the disallowed strings.
    pub(crate) fn check(&self, text: &str) -> Result<(), EncodeError> {
        if let Some(d) = &self.disallowed {
            if let Some(m) = d.automaton.find(text) {
                return Err(EncodeError::Disallowed(
                    d.strings[m.pattern().as_usize()].clone(),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn encode(&self, tok: &Tokenizer, text: &str) -> Result<Vec<u32>, EncodeError> {
        self.check(text)?;
        tok.encode_with(text, &self.opts).map_err(EncodeError::Core)
    }

    /// The ids of consecutive texts of a batch, in one buffer, up to the first text that
    /// fails.
    pub(crate) fn encode_all(&self, tok: &Tokenizer, texts: &[&str]) -> Result<Flat, EncodeError> {
        let bytes: usize = texts.iter().map(|t| t.len()).sum();
        let mut flat = Flat {
            ids: Vec::with_capacity(bytes / 3),
            ends: Vec::with_capacity(texts.len()),
        };
        // The texts before the first disallowed one in one call (one memo for all of them,
        // `Tokenizer::encode_each`), then that one's error, unless encoding failed before it.
        let bad = texts.iter().position(|t| self.check(t).is_err());
        let good = &texts[..bad.unwrap_or(texts.len())];
        tok.encode_each(good, &self.opts, &mut flat.ids, &mut flat.ends)
            .map_err(EncodeError::Core)?;
        if let Some(k) = bad {
            self.check(texts[k])?;
        }
        Ok(flat)
    }

    /// The number of ids `encode` gives for each of consecutive texts, up to the first that
    /// fails (as [`Request::count`]; ordinary requests share one memo: `Tokenizer::count_each`).
    pub(crate) fn count_all(
        &self,
        tok: &Tokenizer,
        texts: &[&str],
    ) -> Result<Vec<usize>, EncodeError> {
        let mut counts = Vec::with_capacity(texts.len());
        if self.counts_as_core(tok) {
            tok.count_each(texts, &mut counts)
                .map_err(EncodeError::Core)?;
            return Ok(counts);
        }
        for text in texts {
            counts.push(self.count(tok, text)?);
        }
        Ok(counts)
    }

    /// Whether an ordinary request to `tok` counts as the core's count does.
    fn counts_as_core(&self, tok: &Tokenizer) -> bool {
        self.disallowed.is_none()
            && self.opts.specials == Specials::None
            && !self.opts.add_special
            && matches!(tok.format(), Format::Tiktoken | Format::Tekken)
    }

    /// The number of ids `encode` gives. An ordinary request to a tokenizer that follows
    /// tiktoken's rule takes the core's count, which keeps no ids (for `tokenizer.json`,
    /// [`Tokenizer::count`] recognises the added tokens that an ordinary request does not).
    pub(crate) fn count(&self, tok: &Tokenizer, text: &str) -> Result<usize, EncodeError> {
        if self.counts_as_core(tok) {
            return tok.count(text).map_err(EncodeError::Core);
        }
        self.encode(tok, text).map(|ids| ids.len())
    }
}

/// The ids of consecutive texts: text `i` is `ids[ends[i - 1]..ends[i]]` (from 0 for the
/// first).
pub(crate) struct Flat {
    pub(crate) ids: Vec<u32>,
    pub(crate) ends: Vec<usize>,
}

impl Flat {
    /// The ids of each text, in order.
    pub(crate) fn texts(&self) -> impl Iterator<Item = &[u32]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.ids[a..b])
    }
}

impl CoreTokenizer {
    /// Resolves tiktoken's `allowed_special`: names, or `None` for every special token (names
    /// that are not special tokens of this tokenizer are ignored, as in tiktoken); and
    /// `disallowed_special`: any strings, or `None` for every special token that is not
    /// allowed (tiktoken's `"all"`, the default, resolved here so that a call does not pass
    /// and sort the names of all the special tokens: o200k_harmony has 1,091).
    pub(crate) fn request(
        &self,
        allowed: Option<Vec<String>>,
        disallowed: Option<Vec<String>>,
    ) -> PyResult<Request> {
        let allowed = allowed.map(|mut names| {
            names.retain(|a| self.names.binary_search(a).is_ok());
            names.sort_unstable();
            names.dedup();
            names
        });
        let all = allowed.as_ref().is_none_or(|a| a.len() == self.names.len());
        let none = allowed.as_ref().is_some_and(Vec::is_empty);
        let request = |specials, disallowed| Request {
            opts: EncodeOptions {
                specials,
                ..Default::default()
            },
            disallowed,
        };
        let Some(disallowed) = disallowed else {
            let specials = if none {
                Specials::None
            } else if all {
                Specials::All
            } else if matches!(self.tok.format(), Format::Tiktoken | Format::Tekken) {
                // A text that holds a special token that is not allowed fails the check, so a
                // text that is encoded holds allowed ones only, and recognising every special
                // token gives the ids of recognising the allowed ones (which the core would
                // look up by name on every call). tiktoken's rule matches special tokens as
                // written; a tokenizer.json may match them after its normalizer, so it keeps
                // its list.
                Specials::All
            } else {
                Specials::Only(allowed.clone().unwrap_or_default())
            };
            let matcher = if all {
                None
            } else {
                let allowed = allowed.unwrap_or_default();
                Some(self.matcher(Disallowed::SpecialsBut(allowed))?)
            };
            return Ok(request(specials, matcher));
        };
        let specials = if none {
            Specials::None
        } else if all {
            Specials::All
        } else {
            Specials::Only(allowed.unwrap_or_default())
        };
        let disallowed = if disallowed.is_empty() {
            None
        } else {
            Some(self.matcher(Disallowed::Strings(disallowed))?)
        };
        Ok(request(specials, disallowed))
    }

    /// The matcher of a set of disallowed strings, from the cache or built.
    pub(crate) fn matcher(&self, mut set: Disallowed) -> PyResult<Arc<Matcher>> {
        if let Disallowed::Strings(strings) = &mut set {
            strings.sort_unstable();
            strings.dedup();
        }
        // A poisoned lock only means another thread panicked while holding it; the map is
        // still a valid cache.
        let mut cache = self.matchers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = cache.get(&set) {
            return Ok(m.clone());
        }
        let strings = match &set {
            Disallowed::Strings(strings) => strings.clone(),
            Disallowed::SpecialsBut(allowed) => (self.names.iter())
                .filter(|n| allowed.binary_search(n).is_err())
                .cloned()
                .collect(),
        };
        let automaton = fairtok_core::pattern::literal_matcher(&strings)
            .map_err(|e| PyValueError::new_err(format!("disallowed_special: {e}")))?;
        let m = Arc::new(Matcher { automaton, strings });
        if cache.len() >= MATCHER_CACHE {
            cache.clear();
        }
        cache.insert(set, m.clone());
        Ok(m)
    }
}
