//! Hugging Face `tokenizer.json` files with a BPE model, encoded as `tokenizers` encodes them.
//!
//! # Pipeline
//!
//! `encode(text, add_special_tokens=False)` in Hugging Face tokenizers does, in order:
//!
//! 1. **Added tokens, raw.** Added tokens with `normalized: false` are found in the original text
//!    (leftmost-longest, honouring `single_word`, `lstrip`, `rstrip`) and become their ids.
//! 2. **Normalizer** on each remaining span (NFC, `Replace`, ...).
//! 3. **Added tokens, normalized.** Tokens with `normalized: true` are found in the normalized
//!    spans.
//! 4. **Pre-tokenizer** on each remaining span (`Split` with an Oniguruma regex, `ByteLevel`, ...).
//! 5. **Model**: each pre-token is one BPE word. With `ignore_merges`, a word that is itself in
//!    the vocabulary is that token. Otherwise the word starts as one symbol per character (with
//!    `byte_fallback`, an unknown character becomes its `<0xXX>` byte tokens; else the unknown
//!    token, fused when `fuse_unk`), and [`crate::bpe::merge`] merges pairs by their index in
//!    `merges`.
//! 6. **Post-processor** only when asked (`add_special_tokens=True`, fairtok's `--add-special`).
//!
//! fairtok works on the same strings as the reference (byte-level files are matched on their
//! byte-level symbols), so the ids are the same by construction. A component fairtok does not
//! implement is an [`Error::Unsupported`] at load time, never a silently skipped step.

mod components;

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, MatchKind};
use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::bpe::{self, Scratch, Symbol};
use crate::error::{Error, Result};
use crate::pattern::{self, Regex};
use components::*;

/// An added token of a `tokenizer.json`.
#[derive(Debug, Clone)]
pub struct AddedToken {
    /// Its id.
    pub id: u32,
    /// Its text.
    pub content: String,
    /// Whether it is a special token (`special: true`).
    pub special: bool,
    single_word: bool,
    lstrip: bool,
    rstrip: bool,
    normalized: bool,
}

/// The BPE model of a `tokenizer.json`.
#[derive(Debug)]
struct BpeModel {
    vocab: FxHashMap<String, u32>,
    merges: FxHashMap<(u32, u32), (u32, u32)>,
    unk: Option<u32>,
    fuse_unk: bool,
    byte_fallback: Option<[u32; 256]>,
    ignore_merges: bool,
    prefix: Option<String>,
    suffix: Option<String>,
}

/// A matcher for one group of added tokens (raw or normalized).
#[derive(Debug)]
struct AddedMatcher {
    automaton: AhoCorasick,
    /// Index into the added tokens, per pattern.
    tokens: Vec<usize>,
}

/// A loaded `tokenizer.json`.
#[derive(Debug)]
pub struct HfModel {
    normalizer: Option<Normalizer>,
    pre: Vec<PreStep>,
    model: BpeModel,
    added: Vec<AddedToken>,
    raw_matcher: Option<AddedMatcher>,
    normalized_matcher: Option<AddedMatcher>,
    post: Option<std::result::Result<PostProcessor, String>>,
    decoder: Decoder,
    /// The regex of the first `Split` step, for display.
    pattern: Option<String>,
}

/// One span of text after added-token extraction.
enum Span<'a> {
    Token(u32),
    Text(std::borrow::Cow<'a, str>, bool),
}

impl HfModel {
    /// Parses a `tokenizer.json` document. `origin` names the file in errors.
    pub fn from_json(data: &[u8], origin: &str) -> Result<HfModel> {
        let root: Value = serde_json::from_slice(data).map_err(|e| Error::TokenizerJson {
            path: origin.to_owned(),
            reason: format!("not valid JSON: {e}"),
        })?;
        Loader { origin }.load(&root)
    }

    /// The added tokens, in file order.
    pub fn added_tokens(&self) -> &[AddedToken] {
        &self.added
    }

    /// The first `Split` regex of the pre-tokenizer, if any.
    pub fn pattern(&self) -> Option<&str> {
        self.pattern.as_deref()
    }

    /// Size of the model vocabulary (without added tokens outside it).
    pub fn model_vocab(&self) -> impl Iterator<Item = (&str, u32)> {
        self.model.vocab.iter().map(|(s, &i)| (s.as_str(), i))
    }

    /// The bytes each id decodes to, as `(id, bytes)`, for vocabulary and added tokens.
    pub(crate) fn id_bytes(&self) -> Vec<(u32, Vec<u8>)> {
        let mut out: Vec<(u32, Vec<u8>)> = self
            .model
            .vocab
            .iter()
            .map(|(s, &id)| (id, self.decoder.token_bytes(s)))
            .collect();
        for t in &self.added {
            out.push((t.id, self.decoder.token_bytes(&t.content)));
        }
        out
    }

    /// The whole-output decoder steps (`Strip`, Metaspace's leading space).
    pub(crate) fn finish_decode(&self, out: Vec<u8>, first_token_len: usize) -> Vec<u8> {
        self.decoder.finish(out, first_token_len)
    }

    /// `encode(text, add_special_tokens=add_special)`. A special added token is matched only if
    /// `allowed(id)`: `|_| false` is HF's `encode_special_tokens = True`. Non-special added
    /// tokens are always matched, as in HF.
    pub fn encode(
        &self,
        text: &str,
        allowed: &dyn Fn(u32) -> bool,
        add_special: bool,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        let start = out.len();
        let mut spans = vec![];
        self.extract(text, self.raw_matcher.as_ref(), allowed, true, &mut |s| {
            spans.push(s)
        });
        let mut scratch = Scratch::default();
        for span in spans {
            match span {
                Span::Token(id) => out.push(id),
                Span::Text(t, first) => {
                    let norm = match &self.normalizer {
                        Some(n) => std::borrow::Cow::Owned(n.normalize(t.into_owned())?),
                        None => t,
                    };
                    let mut inner = vec![];
                    self.extract(
                        &norm,
                        self.normalized_matcher.as_ref(),
                        allowed,
                        first,
                        &mut |s| inner.push(s),
                    );
                    for span in inner {
                        match span {
                            Span::Token(id) => out.push(id),
                            Span::Text(t, first) => {
                                self.encode_normalized(&t, first, out, &mut scratch)?
                            }
                        }
                    }
                }
            }
        }
        if add_special {
            match &self.post {
                None => {}
                Some(Ok(post)) => {
                    let ids = out.split_off(start);
                    out.extend(post.apply(ids));
                }
                Some(Err(msg)) => return Err(Error::Usage(msg.clone())),
            }
        }
        Ok(())
    }

    fn encode_normalized(
        &self,
        text: &str,
        first: bool,
        out: &mut Vec<u32>,
        scratch: &mut Scratch,
    ) -> Result<()> {
        let mut pieces: Vec<Piece> = vec![(text.to_owned(), first)];
        for step in &self.pre {
            pieces = step.apply(pieces)?;
        }
        for (word, _) in pieces {
            self.model.tokenize(&word, out, scratch);
        }
        Ok(())
    }

    /// Splits `text` on the added tokens of `matcher` (HF's `find_matches`).
    fn extract<'a>(
        &self,
        text: &'a str,
        matcher: Option<&AddedMatcher>,
        allowed: &dyn Fn(u32) -> bool,
        first: bool,
        emit: &mut dyn FnMut(Span<'a>),
    ) {
        let Some(matcher) = matcher.filter(|_| !text.is_empty()) else {
            emit(Span::Text(text.into(), first));
            return;
        };
        let mut start_offset = 0;
        for m in matcher.automaton.find_iter(text) {
            let tok = &self.added[matcher.tokens[m.pattern().as_usize()]];
            if tok.special && !allowed(tok.id) {
                continue;
            }
            let (mut start, mut stop) = (m.start(), m.end());
            if tok.single_word {
                let start_ok =
                    start == 0 || !text[..start].chars().next_back().is_some_and(is_word_char);
                let stop_ok =
                    stop == text.len() || !text[stop..].chars().next().is_some_and(is_word_char);
                if !start_ok || !stop_ok {
                    continue;
                }
            }
            if tok.lstrip {
                let trimmed = text[..start].trim_end_matches(char::is_whitespace).len();
                start = trimmed.max(start_offset);
            }
            if tok.rstrip {
                stop +=
                    text[stop..].len() - text[stop..].trim_start_matches(char::is_whitespace).len();
            }
            if start_offset < start {
                emit(Span::Text(
                    text[start_offset..start].into(),
                    first && start_offset == 0,
                ));
            }
            emit(Span::Token(tok.id));
            start_offset = stop;
        }
        if start_offset < text.len() {
            emit(Span::Text(
                text[start_offset..].into(),
                first && start_offset == 0,
            ));
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl BpeModel {
    /// Tokenizes one word (HF's `BPE::tokenize`).
    fn tokenize(&self, word: &str, out: &mut Vec<u32>, scratch: &mut Scratch) {
        if word.is_empty() {
            return;
        }
        if self.ignore_merges {
            if let Some(&id) = self.vocab.get(word) {
                out.push(id);
                return;
            }
        }
        let syms = &mut scratch.symbols;
        syms.clear();
        let mut unk: Option<(u32, usize, usize)> = None; // (id, start, end)
        let mut buf = String::new();
        let mut iter = word.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            let end = iter.peek().map_or(word.len(), |&(j, _)| j);
            let mut key: &str = &word[i..end];
            if (i != 0 && self.prefix.is_some()) || (end == word.len() && self.suffix.is_some()) {
                buf.clear();
                if i != 0 {
                    buf.push_str(self.prefix.as_deref().unwrap_or(""));
                }
                buf.push(c);
                if end == word.len() {
                    buf.push_str(self.suffix.as_deref().unwrap_or(""));
                }
                key = &buf;
            }
            if let Some(&id) = self.vocab.get(key) {
                if let Some((uid, us, ue)) = unk.take() {
                    syms.push(Symbol::new(uid, us, ue));
                }
                syms.push(Symbol::new(id, i, end));
                continue;
            }
            if let Some(bytes) = &self.byte_fallback {
                // HF looks up `<0xXX>` for every byte of the key (with prefix/suffix); only if
                // all exist are they used. (A pending unknown token is not flushed first, as in HF.)
                if key.bytes().all(|b| bytes[b as usize] != u32::MAX) {
                    for (k, b) in key.bytes().enumerate() {
                        let pos = i + k.min(end - i - 1);
                        syms.push(Symbol::new(bytes[b as usize], pos, pos + 1));
                    }
                    continue;
                }
            }
            if let Some(uid) = self.unk {
                unk = match unk {
                    Some((u, s, _)) if self.fuse_unk => Some((u, s, end)),
                    Some(prev) => {
                        syms.push(Symbol::new(prev.0, prev.1, prev.2));
                        Some((uid, i, end))
                    }
                    None => Some((uid, i, end)),
                };
            }
            // No byte fallback and no unknown token: HF drops the character.
        }
        if let Some((uid, us, ue)) = unk {
            syms.push(Symbol::new(uid, us, ue));
        }
        let merges = &self.merges;
        bpe::merge(scratch, out, |a, b| merges.get(&(a.id, b.id)).copied());
    }
}

/// Reads the JSON document into an [`HfModel`], naming `origin` in every error.
struct Loader<'a> {
    origin: &'a str,
}

impl Loader<'_> {
    fn err(&self, at: &str, reason: impl std::fmt::Display) -> Error {
        Error::TokenizerJson {
            path: self.origin.to_owned(),
            reason: format!("{at}: {reason}"),
        }
    }

    fn unsupported(&self, component: &'static str, kind: &str, supported: &'static str) -> Error {
        Error::Unsupported {
            path: self.origin.to_owned(),
            component,
            kind: kind.to_owned(),
            supported,
        }
    }

    fn kind<'v>(&self, v: &'v Value, at: &str) -> Result<&'v str> {
        v.get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| self.err(at, "missing string field `type`"))
    }

    fn str_field<'v>(&self, v: &'v Value, key: &str, at: &str) -> Result<&'v str> {
        v.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| self.err(at, format!("missing string field `{key}`")))
    }

    fn bool_field(&self, v: &Value, key: &str, default: bool) -> bool {
        v.get(key).and_then(Value::as_bool).unwrap_or(default)
    }

    fn pattern(&self, v: &Value, at: &str) -> Result<Pattern> {
        if let Some(s) = v.get("String").and_then(Value::as_str) {
            Ok(Pattern::Literal(s.to_owned()))
        } else if let Some(r) = v.get("Regex").and_then(Value::as_str) {
            Ok(Pattern::Regex(Regex::oniguruma(r)?))
        } else {
            Err(self.err(at, "pattern must be {\"String\": ...} or {\"Regex\": ...}"))
        }
    }

    fn load(&self, root: &Value) -> Result<HfModel> {
        if !root.is_object() {
            return Err(self.err("$", "expected a JSON object"));
        }
        let model_v = root
            .get("model")
            .filter(|m| m.is_object())
            .ok_or_else(|| self.err("$", "missing object `model`"))?;
        let model_kind = model_v.get("type").and_then(Value::as_str).unwrap_or(
            if model_v.get("merges").is_some() {
                "BPE"
            } else {
                "?"
            },
        );
        if model_kind != "BPE" {
            return Err(self.unsupported("model", model_kind, "BPE"));
        }
        let normalizer = match root.get("normalizer") {
            None | Some(Value::Null) => None,
            Some(n) => Some(self.normalizer(n, "$.normalizer")?),
        };
        let mut pre = vec![];
        let mut first_pattern = None;
        if let Some(p) = root.get("pre_tokenizer").filter(|p| !p.is_null()) {
            self.pre_tokenizer(p, "$.pre_tokenizer", &mut pre, &mut first_pattern)?;
        }
        let added = self.added_tokens(root.get("added_tokens"))?;
        let model = self.bpe(model_v)?;
        let decoder = match root.get("decoder").filter(|d| !d.is_null()) {
            None => Decoder::default(),
            Some(d) => {
                let mut dec = Decoder::default();
                self.decoder(d, "$.decoder", &mut dec)?;
                dec
            }
        };
        let post = root
            .get("post_processor")
            .filter(|p| !p.is_null())
            .map(|p| self.post_processor(p, &model, &added));
        let (raw_matcher, normalized_matcher) = self.matchers(&added, normalizer.as_ref())?;
        Ok(HfModel {
            normalizer,
            pre,
            model,
            added,
            raw_matcher,
            normalized_matcher,
            post,
            decoder,
            pattern: first_pattern,
        })
    }

    fn normalizer(&self, v: &Value, at: &str) -> Result<Normalizer> {
        const SUPPORTED: &str =
            "NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Strip, Sequence";
        Ok(match self.kind(v, at)? {
            "NFC" => Normalizer::Nfc,
            "NFD" => Normalizer::Nfd,
            "NFKC" => Normalizer::Nfkc,
            "NFKD" => Normalizer::Nfkd,
            "Lowercase" => Normalizer::Lowercase,
            "Replace" => Normalizer::Replace(
                self.pattern(
                    v.get("pattern").unwrap_or(&Value::Null),
                    &format!("{at}.pattern"),
                )?,
                self.str_field(v, "content", at)?.to_owned(),
            ),
            "Prepend" => Normalizer::Prepend(self.str_field(v, "prepend", at)?.to_owned()),
            "Strip" => Normalizer::Strip {
                left: self.bool_field(v, "strip_left", false),
                right: self.bool_field(v, "strip_right", false),
            },
            "Sequence" => {
                let items = v
                    .get("normalizers")
                    .and_then(Value::as_array)
                    .ok_or_else(|| self.err(at, "missing array `normalizers`"))?;
                Normalizer::Sequence(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, n)| self.normalizer(n, &format!("{at}.normalizers[{i}]")))
                        .collect::<Result<_>>()?,
                )
            }
            other => return Err(self.unsupported("normalizer", other, SUPPORTED)),
        })
    }

    fn pre_tokenizer(
        &self,
        v: &Value,
        at: &str,
        out: &mut Vec<PreStep>,
        first_pattern: &mut Option<String>,
    ) -> Result<()> {
        const SUPPORTED: &str = "Split, ByteLevel, Metaspace, Digits, WhitespaceSplit, Sequence";
        match self.kind(v, at)? {
            "Sequence" => {
                let items = v
                    .get("pretokenizers")
                    .and_then(Value::as_array)
                    .ok_or_else(|| self.err(at, "missing array `pretokenizers`"))?;
                for (i, p) in items.iter().enumerate() {
                    self.pre_tokenizer(p, &format!("{at}.pretokenizers[{i}]"), out, first_pattern)?;
                }
            }
            "Split" => {
                let pat_v = v.get("pattern").unwrap_or(&Value::Null);
                let pattern = self.pattern(pat_v, &format!("{at}.pattern"))?;
                if first_pattern.is_none() {
                    if let Some(r) = pat_v.get("Regex").and_then(Value::as_str) {
                        *first_pattern = Some(r.to_owned());
                    }
                }
                let behavior = match self.str_field(v, "behavior", at)? {
                    "Removed" => Behavior::Removed,
                    "Isolated" => Behavior::Isolated,
                    "MergedWithPrevious" => Behavior::MergedWithPrevious,
                    "MergedWithNext" => Behavior::MergedWithNext,
                    "Contiguous" => Behavior::Contiguous,
                    other => return Err(self.err(at, format!("unknown split behavior `{other}`"))),
                };
                out.push(PreStep::Split {
                    pattern,
                    behavior,
                    invert: self.bool_field(v, "invert", false),
                });
            }
            "ByteLevel" => {
                let use_regex = self.bool_field(v, "use_regex", true);
                if use_regex && first_pattern.is_none() {
                    *first_pattern = Some(pattern::HF_BYTE_LEVEL.to_owned());
                }
                out.push(PreStep::ByteLevel {
                    add_prefix_space: self.bool_field(v, "add_prefix_space", true),
                    regex: if use_regex {
                        Some(Regex::oniguruma(pattern::HF_BYTE_LEVEL)?)
                    } else {
                        None
                    },
                });
            }
            "Metaspace" => {
                let replacement = self
                    .str_field(v, "replacement", at)?
                    .chars()
                    .next()
                    .ok_or_else(|| self.err(at, "empty `replacement`"))?;
                let prepend = match v.get("prepend_scheme").and_then(Value::as_str) {
                    Some("always") => Prepend::Always,
                    Some("first") => Prepend::First,
                    Some("never") => Prepend::Never,
                    Some(other) => {
                        return Err(self.err(at, format!("unknown prepend_scheme `{other}`")))
                    }
                    None => {
                        if self.bool_field(v, "add_prefix_space", true) {
                            Prepend::Always
                        } else {
                            Prepend::Never
                        }
                    }
                };
                out.push(PreStep::Metaspace {
                    replacement,
                    prepend,
                    split: self.bool_field(v, "split", true),
                });
            }
            "Digits" => out.push(PreStep::Digits {
                individual: self.bool_field(v, "individual_digits", false),
            }),
            "WhitespaceSplit" => out.push(PreStep::WhitespaceSplit),
            other => return Err(self.unsupported("pre_tokenizer", other, SUPPORTED)),
        }
        Ok(())
    }

    fn added_tokens(&self, v: Option<&Value>) -> Result<Vec<AddedToken>> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(vec![]);
        };
        let items = v
            .as_array()
            .ok_or_else(|| self.err("$.added_tokens", "expected an array"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let at = format!("$.added_tokens[{i}]");
                let id = t
                    .get("id")
                    .and_then(Value::as_u64)
                    .filter(|&id| id < u32::MAX as u64)
                    .ok_or_else(|| self.err(&at, "missing or invalid `id`"))?;
                Ok(AddedToken {
                    id: id as u32,
                    content: self.str_field(t, "content", &at)?.to_owned(),
                    special: self.bool_field(t, "special", false),
                    single_word: self.bool_field(t, "single_word", false),
                    lstrip: self.bool_field(t, "lstrip", false),
                    rstrip: self.bool_field(t, "rstrip", false),
                    normalized: self.bool_field(
                        t,
                        "normalized",
                        !self.bool_field(t, "special", false),
                    ),
                })
            })
            .collect()
    }

    fn matchers(
        &self,
        added: &[AddedToken],
        normalizer: Option<&Normalizer>,
    ) -> Result<(Option<AddedMatcher>, Option<AddedMatcher>)> {
        let mut raw: (Vec<String>, Vec<usize>) = (vec![], vec![]);
        let mut norm: (Vec<String>, Vec<usize>) = (vec![], vec![]);
        for (i, t) in added.iter().enumerate() {
            if t.content.is_empty() {
                continue;
            }
            if t.normalized {
                let c = match normalizer {
                    Some(n) => n.normalize(t.content.clone())?,
                    None => t.content.clone(),
                };
                norm.0.push(c);
                norm.1.push(i);
            } else {
                raw.0.push(t.content.clone());
                raw.1.push(i);
            }
        }
        let build = |(pats, tokens): (Vec<String>, Vec<usize>)| {
            if pats.is_empty() {
                return Ok(None);
            }
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&pats)
                .map(|automaton| Some(AddedMatcher { automaton, tokens }))
                .map_err(|e| self.err("$.added_tokens", e))
        };
        Ok((build(raw)?, build(norm)?))
    }

    fn bpe(&self, m: &Value) -> Result<BpeModel> {
        let at = "$.model";
        if let Some(d) = m.get("dropout").and_then(Value::as_f64) {
            if d != 0.0 {
                return Err(self.err(
                    at,
                    format!("dropout {d} makes encoding random; fairtok needs it null"),
                ));
            }
        }
        let vocab_v = m
            .get("vocab")
            .and_then(Value::as_object)
            .ok_or_else(|| self.err(at, "missing object `vocab`"))?;
        let mut vocab = FxHashMap::with_capacity_and_hasher(vocab_v.len(), Default::default());
        for (k, v) in vocab_v {
            let id = v
                .as_u64()
                .filter(|&id| id < u32::MAX as u64)
                .ok_or_else(|| {
                    self.err(
                        &format!("{at}.vocab[{k:?}]"),
                        "id is not an integer in 0..2^32",
                    )
                })?;
            vocab.insert(k.clone(), id as u32);
        }
        let merges_v = m
            .get("merges")
            .and_then(Value::as_array)
            .ok_or_else(|| self.err(at, "missing array `merges`"))?;
        let mut merges = FxHashMap::with_capacity_and_hasher(merges_v.len(), Default::default());
        let mut joined = String::new();
        for (rank, mv) in merges_v.iter().enumerate() {
            let mat = format!("{at}.merges[{rank}]");
            let (a, b) = match mv {
                Value::String(s) => {
                    let mut parts = s.split(' ');
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some(a), Some(b), None) => (a, b),
                        _ => {
                            return Err(self.err(
                                &mat,
                                format!("merge {s:?} is not two tokens separated by one space"),
                            ))
                        }
                    }
                }
                Value::Array(pair) if pair.len() == 2 && pair.iter().all(Value::is_string) => {
                    (pair[0].as_str().unwrap(), pair[1].as_str().unwrap())
                }
                _ => return Err(self.err(&mat, "a merge is \"a b\" or [\"a\", \"b\"]")),
            };
            let id = |t: &str| {
                vocab
                    .get(t)
                    .copied()
                    .ok_or_else(|| self.err(&mat, format!("token {t:?} is not in the vocab")))
            };
            let (ia, ib) = (id(a)?, id(b)?);
            let prefix_len = m
                .get("continuing_subword_prefix")
                .and_then(Value::as_str)
                .map_or(0, str::len);
            joined.clear();
            joined.push_str(a);
            joined.push_str(&b[prefix_len.min(b.len())..]);
            let new_id = id(&joined)?;
            merges.insert((ia, ib), (rank as u32, new_id));
        }
        let unk = match m.get("unk_token").and_then(Value::as_str) {
            None => None,
            Some(u) => Some(
                *vocab
                    .get(u)
                    .ok_or_else(|| self.err(at, format!("unk_token {u:?} is not in the vocab")))?,
            ),
        };
        let byte_fallback = if self.bool_field(m, "byte_fallback", false) {
            // A missing `<0xXX>` token makes that byte fall back to the unknown token, as in HF.
            let mut ids = [u32::MAX; 256];
            for (b, slot) in ids.iter_mut().enumerate() {
                if let Some(&id) = vocab.get(&format!("<0x{b:02X}>")) {
                    *slot = id;
                }
            }
            Some(ids)
        } else {
            None
        };
        let opt_str = |k: &str| {
            m.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok(BpeModel {
            vocab,
            merges,
            unk,
            fuse_unk: self.bool_field(m, "fuse_unk", false),
            byte_fallback,
            ignore_merges: self.bool_field(m, "ignore_merges", false),
            prefix: opt_str("continuing_subword_prefix"),
            suffix: opt_str("end_of_word_suffix"),
        })
    }

    fn decoder(&self, v: &Value, at: &str, dec: &mut Decoder) -> Result<()> {
        const SUPPORTED: &str =
            "ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence";
        match self.kind(v, at)? {
            "Sequence" => {
                let items = v
                    .get("decoders")
                    .and_then(Value::as_array)
                    .ok_or_else(|| self.err(at, "missing array `decoders`"))?;
                for (i, d) in items.iter().enumerate() {
                    self.decoder(d, &format!("{at}.decoders[{i}]"), dec)?;
                }
            }
            "ByteLevel" => dec.per_token.push(TokenDecode::ByteLevel),
            "ByteFallback" => dec.per_token.push(TokenDecode::ByteFallback),
            "Fuse" => {}
            "Replace" => {
                let from = v
                    .get("pattern")
                    .and_then(|p| p.get("String"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        self.err(
                            at,
                            "only {\"String\": ...} patterns are supported in a Replace decoder",
                        )
                    })?;
                dec.per_token.push(TokenDecode::Replace(
                    from.to_owned(),
                    self.str_field(v, "content", at)?.to_owned(),
                ));
            }
            "Strip" => {
                let c = self
                    .str_field(v, "content", at)?
                    .chars()
                    .next()
                    .unwrap_or(' ');
                let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0) as usize;
                dec.strip = Some((c, n("start"), n("stop")));
            }
            "Metaspace" => {
                let r = self
                    .str_field(v, "replacement", at)?
                    .chars()
                    .next()
                    .unwrap_or('▁');
                dec.per_token.push(TokenDecode::Metaspace(r));
                let scheme = v.get("prepend_scheme").and_then(Value::as_str);
                dec.strip_first_space = match scheme {
                    Some("never") => false,
                    Some(_) => true,
                    None => self.bool_field(v, "add_prefix_space", true),
                };
            }
            other => return Err(self.unsupported("decoder", other, SUPPORTED)),
        }
        Ok(())
    }

    /// The post-processor, or why it cannot be applied (reported only if `--add-special` asks).
    fn post_processor(
        &self,
        v: &Value,
        model: &BpeModel,
        added: &[AddedToken],
    ) -> std::result::Result<PostProcessor, String> {
        let id_of = |tok: &str| -> std::result::Result<u32, String> {
            added
                .iter()
                .find(|t| t.content == tok)
                .map(|t| t.id)
                .or_else(|| model.vocab.get(tok).copied())
                .ok_or_else(|| format!("{}: post-processor token {tok:?} is unknown", self.origin))
        };
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("?");
        match kind {
            "ByteLevel" => Ok(PostProcessor { template: vec![TemplateItem::Sequence] }),
            "TemplateProcessing" => {
                let specials: BTreeMap<String, Vec<u32>> = v
                    .get("special_tokens")
                    .and_then(Value::as_object)
                    .map(|o| {
                        o.iter()
                            .map(|(k, s)| {
                                let ids = s
                                    .get("ids")
                                    .and_then(Value::as_array)
                                    .map(|a| a.iter().filter_map(Value::as_u64).map(|x| x as u32).collect())
                                    .unwrap_or_default();
                                (k.clone(), ids)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let single = v
                    .get("single")
                    .and_then(Value::as_array)
                    .ok_or_else(|| format!("{}: TemplateProcessing without `single`", self.origin))?;
                let mut template = vec![];
                for item in single {
                    if let Some(s) = item.get("SpecialToken") {
                        let name = s.get("id").and_then(Value::as_str).unwrap_or("");
                        let ids = match specials.get(name) {
                            Some(ids) => ids.clone(),
                            None => vec![id_of(name)?],
                        };
                        template.push(TemplateItem::Special(ids));
                    } else if item.get("Sequence").is_some() {
                        template.push(TemplateItem::Sequence);
                    } else {
                        return Err(format!("{}: unknown template item {item}", self.origin));
                    }
                }
                Ok(PostProcessor { template })
            }
            "RobertaProcessing" | "BertProcessing" => {
                let tok = |k: &str| {
                    v.get(k)
                        .and_then(Value::as_array)
                        .and_then(|a| a.first())
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("{}: {kind} without `{k}`", self.origin))
                        .and_then(id_of)
                };
                Ok(PostProcessor {
                    template: vec![
                        TemplateItem::Special(vec![tok("cls")?]),
                        TemplateItem::Sequence,
                        TemplateItem::Special(vec![tok("sep")?]),
                    ],
                })
            }
            "Sequence" => {
                let mut template = vec![TemplateItem::Sequence];
                for p in v.get("processors").and_then(Value::as_array).into_iter().flatten() {
                    let inner = self.post_processor(p, model, added)?;
                    // Substitute the current template for the inner one's sequence.
                    let mut next = vec![];
                    for item in inner.template {
                        match item {
                            TemplateItem::Sequence => next.append(&mut template),
                            s => next.push(s),
                        }
                    }
                    template = next;
                }
                Ok(PostProcessor { template })
            }
            other => Err(format!(
                "{}: unsupported post_processor `{other}` (fairtok supports: ByteLevel, TemplateProcessing, RobertaProcessing, BertProcessing, Sequence)",
                self.origin
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(json: &str) -> Result<HfModel> {
        HfModel::from_json(json.as_bytes(), "t.json")
    }

    const TINY: &str = r#"{
        "normalizer": null, "pre_tokenizer": {"type": "WhitespaceSplit"},
        "added_tokens": [{"id": 6, "content": "<s>", "special": true, "normalized": false}],
        "decoder": null,
        "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "bc": 5},
                  "merges": ["a b", ["ab", "c"], "b c"], "unk_token": null}
    }"#;

    #[test]
    fn tiny_bpe_merges_in_merge_order() {
        let m = load(TINY).unwrap();
        let mut out = vec![];
        m.encode("abc bc<s>ab", &|_| true, false, &mut out).unwrap();
        assert_eq!(out, vec![4, 5, 6, 3]);
        out.clear();
        m.encode("ab<s>", &|_| false, false, &mut out).unwrap();
        // With special tokens not split, "<s>" is text; its characters are not in the vocab and
        // there is no unknown token, so HF drops them.
        assert_eq!(out, vec![3]);
    }

    #[test]
    fn unsupported_components_are_named() {
        let e = load(r#"{"model": {"type": "WordPiece", "vocab": {}}}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json: unsupported model `WordPiece` (fairtok supports: BPE)"
        );
        let e = load(&TINY.replace("WhitespaceSplit", "BertPreTokenizer")).unwrap_err();
        assert!(
            e.to_string()
                .contains("unsupported pre_tokenizer `BertPreTokenizer`"),
            "{e}"
        );
        let e = load(&TINY.replace(
            r#""normalizer": null"#,
            r#""normalizer": {"type": "Precompiled"}"#,
        ))
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("unsupported normalizer `Precompiled`"),
            "{e}"
        );
        let e = load(&TINY.replace(r#""decoder": null"#, r#""decoder": {"type": "WordPiece"}"#))
            .unwrap_err();
        assert!(
            e.to_string().contains("unsupported decoder `WordPiece`"),
            "{e}"
        );
        let e = load(r#"{"model": {"type": "Unigram", "vocab": []}}"#).unwrap_err();
        assert!(e.to_string().contains("unsupported model `Unigram`"), "{e}");
    }

    #[test]
    fn malformed_documents() {
        assert!(load("{not json")
            .unwrap_err()
            .to_string()
            .starts_with("t.json: not valid JSON"));
        let e = load(&TINY.replace(r#""a b""#, r#""a x""#)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json: $.model.merges[0]: token \"x\" is not in the vocab"
        );
        let e = load(&TINY.replace(r#""a b""#, r#""a b c""#)).unwrap_err();
        assert!(e.to_string().contains("not two tokens"), "{e}");
        let e = load(r#"[1, 2]"#).unwrap_err();
        assert_eq!(e.to_string(), "t.json: $: expected a JSON object");
    }

    #[test]
    fn unknown_characters_fuse_into_unk() {
        let json = TINY
            .replace(
                r#""unk_token": null"#,
                r#""unk_token": "<unk>", "fuse_unk": true"#,
            )
            .replace(r#""bc": 5"#, r#""bc": 5, "<unk>": 7"#);
        let m = load(&json).unwrap();
        let mut out = vec![];
        m.encode("xxab", &|_| true, false, &mut out).unwrap();
        assert_eq!(out, vec![7, 3]);
    }
}
