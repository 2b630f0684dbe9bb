//! Reading a `tokenizer.json` document into an [`HfModel`]: every component is checked
//! field by field, an error names the file and the JSON path of the offending value, and a
//! component fairtok does not implement is an [`Error::Unsupported`] naming it.
//!
//! Vocabulary and added-token ids must be below `2 × (vocab + added tokens) + 1024` (Hugging
//! Face files have dense ids); a larger id is an error naming its JSON path.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde_json::Value;

use super::bert::BertNormalizer;
use super::components::*;
use super::unigram::UnigramModel;
use super::wordpiece::WordPieceModel;
use super::{AddedMatcher, AddedToken, BpeModel, HfModel, Model};
use crate::charsmap::Charsmap;
use crate::error::{Error, Result};
use crate::pattern::{self, Regex};

/// The ids tokenizers gives the added tokens of a document, which are **not** their `id`
/// fields: loading a `tokenizer.json` calls `AddedVocabulary::add_tokens` on them in file
/// order, and that gives a token the id of an added token with the same text, else its id in
/// the model's vocabulary, else the next new id, counted from the vocabulary's size (its
/// number of entries). A file whose `id` fields disagree (KoGPT2's: `ㅠㅠ` says 214, which is
/// `▁문` in the vocabulary) is encoded with the ids tokenizers gives. Empty tokens are dropped;
/// a repeated text keeps its first id and takes the later properties.
fn assign_added_ids(tokens: Vec<AddedToken>, model: &Model) -> Vec<AddedToken> {
    let vocab = model.vocab();
    let mut next = vocab.len() as u32;
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    let mut out: Vec<AddedToken> = Vec::with_capacity(tokens.len());
    for mut t in tokens {
        if t.content.is_empty() {
            continue;
        }
        if let Some(&i) = seen.get(&t.content) {
            t.id = out[i].id;
            out[i] = t;
            continue;
        }
        t.id = match vocab.get(&t.content) {
            Some(&id) => id,
            None => {
                next += 1;
                next - 1
            }
        };
        seen.insert(t.content.clone(), out.len());
        out.push(t);
    }
    out
}

/// Reads the JSON document into an [`HfModel`], naming `origin` in every error.
pub(super) struct Loader<'a> {
    pub(super) origin: &'a str,
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

    pub(super) fn load(&self, root: &Value) -> Result<HfModel> {
        if !root.is_object() {
            return Err(self.err("$", "expected a JSON object"));
        }
        let model_v = root
            .get("model")
            .filter(|m| m.is_object())
            .ok_or_else(|| self.err("$", "missing object `model`"))?;
        // Older files have no `type`: tokenizers tells the models apart by their fields.
        let model_kind = model_v.get("type").and_then(Value::as_str).unwrap_or(
            if model_v.get("merges").is_some() {
                "BPE"
            } else if model_v.get("max_input_chars_per_word").is_some() {
                "WordPiece"
            } else if model_v.get("vocab").is_some_and(Value::is_array) {
                "Unigram"
            } else {
                "?"
            },
        );
        if !matches!(model_kind, "BPE" | "WordPiece" | "Unigram") {
            return Err(self.unsupported("model", model_kind, "BPE, WordPiece, Unigram"));
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
        let model = match model_kind {
            "BPE" => Model::Bpe(self.bpe(model_v)?),
            "Unigram" => Model::Unigram(self.unigram(model_v)?),
            _ => Model::WordPiece(self.wordpiece(model_v)?),
        };
        self.check_ids(&model)?;
        let added = assign_added_ids(added, &model);
        let decoder = match root.get("decoder").filter(|d| !d.is_null()) {
            None => Decoder::default(),
            Some(d) => {
                let mut dec = Decoder::default();
                self.decoder(d, "$.decoder", &mut dec)?;
                dec
            }
        };
        let post_v = root.get("post_processor").filter(|p| !p.is_null());
        if let Some(p) = post_v {
            self.post_processor_kinds(p)?;
        }
        let post = post_v.map(|p| {
            let post = self.post_processor(p, &model, &added)?;
            self.check_post_ids(&post, &model, &added)?;
            Ok(post)
        });
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

    /// Refuses ids at or past [`crate::tokenizer::id_limit`] of the vocabulary and added tokens.
    /// Refuses vocabulary ids at or past [`crate::tokenizer::id_limit`]. (Added tokens get
    /// their ids from [`assign_added_ids`], never far.)
    fn check_ids(&self, model: &Model) -> Result<()> {
        let limit = crate::tokenizer::id_limit(model.vocab().len());
        let far = |id: u32| u64::from(id) >= limit;
        if let Some((k, &id)) = model.vocab().iter().find(|(_, &id)| far(id)) {
            let at = format!("$.model.vocab[{k:?}]");
            return Err(self.err(&at, crate::tokenizer::far_id(id, limit)));
        }
        Ok(())
    }

    fn normalizer(&self, v: &Value, at: &str) -> Result<Normalizer> {
        const SUPPORTED: &str =
            "NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Strip, BertNormalizer, Precompiled, Sequence";
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
            // tokenizers' defaults for missing fields: BertNormalizer::default().
            "BertNormalizer" => Normalizer::Bert(BertNormalizer {
                clean_text: self.bool_field(v, "clean_text", true),
                handle_chinese_chars: self.bool_field(v, "handle_chinese_chars", true),
                strip_accents: v.get("strip_accents").and_then(Value::as_bool),
                lowercase: self.bool_field(v, "lowercase", true),
            }),
            "Precompiled" => {
                use base64::Engine as _;
                let field = format!("{at}.precompiled_charsmap");
                let blob = base64::engine::general_purpose::STANDARD
                    .decode(self.str_field(v, "precompiled_charsmap", at)?)
                    .map_err(|e| self.err(&field, format!("not base64: {e}")))?;
                if blob.is_empty() {
                    // tokenizers reads an empty map as no rule at all.
                    Normalizer::Sequence(vec![])
                } else {
                    Normalizer::Precompiled(Charsmap::parse(
                        &blob,
                        &format!("{}: {field}", self.origin),
                    )?)
                }
            }
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
        const SUPPORTED: &str =
            "Split, ByteLevel, Metaspace, Digits, WhitespaceSplit, BertPreTokenizer, Punctuation, Sequence";
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
                let behavior = self.behavior(self.str_field(v, "behavior", at)?, at)?;
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
            "BertPreTokenizer" => out.push(PreStep::Bert),
            // tokenizers' default behavior: Isolated.
            "Punctuation" => out.push(PreStep::Punctuation {
                behavior: match v.get("behavior").and_then(Value::as_str) {
                    Some(b) => self.behavior(b, at)?,
                    None => Behavior::Isolated,
                },
            }),
            other => return Err(self.unsupported("pre_tokenizer", other, SUPPORTED)),
        }
        Ok(())
    }

    fn behavior(&self, name: &str, at: &str) -> Result<Behavior> {
        Ok(match name {
            "Removed" => Behavior::Removed,
            "Isolated" => Behavior::Isolated,
            "MergedWithPrevious" => Behavior::MergedWithPrevious,
            "MergedWithNext" => Behavior::MergedWithNext,
            "Contiguous" => Behavior::Contiguous,
            other => return Err(self.err(at, format!("unknown split behavior `{other}`"))),
        })
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

    pub(super) fn matchers(
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
            pattern::literal_matcher(&pats)
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
        let vocab = self.vocab(m, at)?;
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

    /// The model's `vocab` object: token string to id.
    fn vocab(&self, m: &Value, at: &str) -> Result<FxHashMap<String, u32>> {
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
        Ok(vocab)
    }

    /// A Unigram model: `vocab` is a list of `[piece, score]`, the id is the index.
    fn unigram(&self, m: &Value) -> Result<UnigramModel> {
        let at = "$.model";
        let items = m
            .get("vocab")
            .and_then(Value::as_array)
            .ok_or_else(|| self.err(at, "missing array `vocab` of [piece, score]"))?;
        let mut pieces = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let pair = item.as_array().filter(|p| p.len() == 2);
            let piece = pair.and_then(|p| p[0].as_str());
            let score = pair.and_then(|p| p[1].as_f64()).filter(|s| !s.is_nan());
            let (Some(piece), Some(score)) = (piece, score) else {
                return Err(self.err(&format!("{at}.vocab[{i}]"), "expected [piece, score]"));
            };
            pieces.push((piece.to_owned(), score));
        }
        if pieces.is_empty() {
            // As tokenizers' `Unigram::from`, which refuses an empty vocabulary.
            return Err(self.err("$.model.vocab", "the Unigram vocabulary is empty"));
        }
        let unk =
            match m.get("unk_id") {
                None | Some(Value::Null) => None,
                Some(u) => Some(u.as_u64().filter(|&u| u < pieces.len() as u64).ok_or_else(
                    || {
                        self.err(
                            &format!("{at}.unk_id"),
                            format!("{u} is not an id of the {} pieces", pieces.len()),
                        )
                    },
                )? as u32),
            };
        let byte_fallback = self.bool_field(m, "byte_fallback", false);
        Ok(UnigramModel::new(pieces, unk, byte_fallback, self.origin))
    }

    fn wordpiece(&self, m: &Value) -> Result<WordPieceModel> {
        let at = "$.model";
        let vocab = self.vocab(m, at)?;
        let str_or = |k: &str, default: &str| {
            m.get(k)
                .and_then(Value::as_str)
                .unwrap_or(default)
                .to_owned()
        };
        let max_chars = m
            .get("max_input_chars_per_word")
            .and_then(Value::as_u64)
            .unwrap_or(100)
            .min(usize::MAX as u64) as usize;
        Ok(WordPieceModel::new(
            vocab,
            str_or("unk_token", "[UNK]"),
            str_or("continuing_subword_prefix", "##"),
            max_chars,
            self.origin,
        ))
    }

    fn decoder(&self, v: &Value, at: &str, dec: &mut Decoder) -> Result<()> {
        const SUPPORTED: &str =
            "ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, WordPiece, Sequence";
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
            "WordPiece" => dec.per_token.push(TokenDecode::WordPiece {
                prefix: v
                    .get("prefix")
                    .and_then(Value::as_str)
                    .unwrap_or("##")
                    .to_owned(),
                cleanup: self.bool_field(v, "cleanup", true),
            }),
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
    /// Refuses a post-processor (or one inside a `Sequence`) of a type fairtok does not
    /// implement, as Hugging Face refuses a type it does not know. (Errors inside a known type
    /// are reported when the post-processor is used: see [`HfModel::encode`].)
    fn post_processor_kinds(&self, v: &Value) -> Result<()> {
        const SUPPORTED: &str =
            "ByteLevel, TemplateProcessing, RobertaProcessing, BertProcessing, Sequence";
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("?");
        match kind {
            "ByteLevel" | "TemplateProcessing" | "RobertaProcessing" | "BertProcessing" => Ok(()),
            "Sequence" => v
                .get("processors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .try_for_each(|p| self.post_processor_kinds(p)),
            other => Err(self.unsupported("post_processor", other, SUPPORTED)),
        }
    }

    /// Refuses a post-processor that would add an id the vocabulary does not have: Hugging
    /// Face adds it as written and cannot decode it (found by fuzzing: a `<s>` at id 1 in the
    /// template while the vocabulary gives `<s>` id 0).
    fn check_post_ids(
        &self,
        post: &PostProcessor,
        model: &Model,
        added: &[AddedToken],
    ) -> std::result::Result<(), String> {
        let known: rustc_hash::FxHashSet<u32> = model
            .vocab()
            .values()
            .copied()
            .chain(added.iter().map(|t| t.id))
            .collect();
        for item in &post.template {
            if let TemplateItem::Special(ids) = item {
                if let Some(id) = ids.iter().find(|id| !known.contains(id)) {
                    return Err(format!(
                        "{}: the post-processor adds id {id}, which is not in the vocabulary",
                        self.origin
                    ));
                }
            }
        }
        Ok(())
    }

    /// The `special_tokens` of a `TemplateProcessing`: name to the ids it adds. Each entry
    /// must have `ids`, an array of ids (tokenizers refuses the file otherwise).
    fn template_specials(
        &self,
        v: &Value,
    ) -> std::result::Result<BTreeMap<String, Vec<u32>>, String> {
        let Some(entries) = v.get("special_tokens") else {
            return Ok(BTreeMap::new());
        };
        let entries = entries.as_object().ok_or_else(|| {
            format!(
                "{}: TemplateProcessing's `special_tokens` is not an object",
                self.origin
            )
        })?;
        entries
            .iter()
            .map(|(name, entry)| {
                let ids = entry
                    .get("ids")
                    .and_then(Value::as_array)
                    .and_then(|a| {
                        a.iter()
                            .map(|x| x.as_u64().and_then(|x| u32::try_from(x).ok()))
                            .collect::<Option<Vec<u32>>>()
                    })
                    .ok_or_else(|| {
                        format!(
                            "{}: special token {name:?} of the template has no `ids` array of ids",
                            self.origin
                        )
                    })?;
                Ok((name.clone(), ids))
            })
            .collect()
    }

    fn post_processor(
        &self,
        v: &Value,
        model: &Model,
        added: &[AddedToken],
    ) -> std::result::Result<PostProcessor, String> {
        let id_of = |tok: &str| -> std::result::Result<u32, String> {
            added
                .iter()
                .find(|t| t.content == tok)
                .map(|t| t.id)
                .or_else(|| model.vocab().get(tok).copied())
                .ok_or_else(|| format!("{}: post-processor token {tok:?} is unknown", self.origin))
        };
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("?");
        match kind {
            "ByteLevel" => Ok(PostProcessor { template: vec![TemplateItem::Sequence] }),
            "TemplateProcessing" => {
                let specials = self.template_specials(v)?;
                let single = v
                    .get("single")
                    .and_then(Value::as_array)
                    .ok_or_else(|| format!("{}: TemplateProcessing without `single`", self.origin))?;
                let mut template = vec![];
                for item in single {
                    if let Some(s) = item.get("SpecialToken") {
                        let name = s.get("id").and_then(Value::as_str).ok_or_else(|| {
                            format!("{}: template item {item} has no string `id`", self.origin)
                        })?;
                        // tokenizers loads such a template and then panics on every encode
                        // that adds special tokens ("no entry found for key").
                        let ids = specials.get(name).ok_or_else(|| {
                            format!(
                                "{}: the template's special token {name:?} is not in its \
                                 `special_tokens`",
                                self.origin
                            )
                        })?;
                        template.push(TemplateItem::Special(ids.clone()));
                    } else if item.get("Sequence").is_some() {
                        template.push(TemplateItem::Sequence);
                    } else {
                        return Err(format!("{}: unknown template item {item}", self.origin));
                    }
                }
                Ok(PostProcessor { template })
            }
            "RobertaProcessing" | "BertProcessing" => {
                // `[token, id]`: tokenizers adds the id as written.
                let tok = |k: &str| {
                    let pair = v.get(k).and_then(Value::as_array);
                    if let Some(id) = pair
                        .and_then(|a| a.get(1))
                        .and_then(Value::as_u64)
                        .filter(|&id| id < u32::MAX as u64)
                    {
                        return Ok(id as u32);
                    }
                    pair.and_then(|a| a.first())
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
