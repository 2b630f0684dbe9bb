//! The tokenizers of llama.cpp `.gguf` files other than SentencePiece-style ones, encoded as
//! llama.cpp's `llama_tokenize(text, add_special = false, parse_special = false)` does.
//!
//! # Pipeline
//!
//! 1. **Attributes** ([`attrs`]): each token's attribute is its `token_type`, corrected by
//!    text and model name as llama.cpp corrects it at load.
//! 2. **Partition** (`attrs::Partition`): user-defined tokens (not control, not unknown)
//!    written in the text are their ids, longest first; control tokens written in the text are
//!    ordinary text.
//! 3. **Each text fragment**, by `tokenizer.ggml.model`:
//!    * `gpt2`: the pre-tokenizer of `tokenizer.ggml.pre` ([`split`]), then each piece is
//!      byte-level encoded and merged by merge rank (Hugging Face's BPE model on a document
//!      built from the tokens and merges, with no pre-tokenizer of its own: the same
//!      algorithm, lowest rank first, leftmost on a tie);
//!    * `bert`: llama.cpp's WordPiece ([`wpm`]);
//!    * `t5`: llama.cpp's Unigram ([`ugm`]).
//!
//! Anything else (another model, a `pre` name `split::steps` does not know, a file that makes
//! llama.cpp's result depend on its hash-map order, two tokens with one text, which llama.cpp
//! refuses) is an [`Error::Gguf`] naming it. The character classes are llama.cpp's
//! ([`unicode`]).
//!
//! # Decoding
//!
//! A token decodes to its text: byte-level decoded for a normal `gpt2` token, `▁` as a space
//! for `bert` and `t5`, `<0xXX>` as its byte; user-defined and control tokens as written.

pub mod attrs;
pub mod split;
pub mod ugm;
pub mod unicode;
pub mod wpm;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::gguf::{GgufTokenizer, Metadata, Value};
use crate::hf::HfModel;
use attrs::{Fragment, Partition};

/// The model of a GGUF file, as llama.cpp encodes it (see the module docs).
#[derive(Debug)]
pub struct GgufModel {
    kind: Kind,
    partition: Partition,
    texts: Vec<String>,
    attr: Vec<u16>,
}

#[derive(Debug)]
// One model per loaded tokenizer.
#[allow(clippy::large_enum_variant)]
enum Kind {
    Bpe {
        bpe: HfModel,
        steps: Vec<split::Step>,
    },
    Wpm(wpm::Wpm),
    Ugm(ugm::Ugm),
}

/// The `tokenizer.ggml.model` values fairtok encodes through this module.
pub const MODELS: &[&str] = &["gpt2", "bert", "t5"];

/// The `tokenizer.ggml.pre` names of `gpt2` files fairtok reproduces (and no key).
pub const SUPPORTED_PRE: &[&str] = &["gpt-2", "mpt", "falcon", "qwen2", "deepseek-llm", "default"];

impl GgufModel {
    /// The model of a GGUF file's metadata; `origin` names the file in errors.
    pub fn from_metadata(meta: &Metadata, tok: &GgufTokenizer, origin: &str) -> Result<GgufModel> {
        let refuse = |key: &str, reason: String| refusal(meta, origin, key, reason);
        let Vocab { texts, to_id, attr } = Vocab::new(meta, tok, origin)?;
        let n = texts.len();
        let partition = Partition::new(&texts, &attr);
        let kind = match tok.model.as_str() {
            "gpt2" => bpe(meta, tok, origin, &refuse)?,
            "bert" => Kind::Wpm(wpm::Wpm {
                longest: texts.iter().map(String::len).max().unwrap_or(0),
                unk: tok.unk_id.unwrap_or(100),
                lowercase: meta
                    .bool("tokenizer.ggml.normalizer.lowercase")?
                    .unwrap_or(true),
                strip_accents: match meta.bool("tokenizer.ggml.normalizer.strip_accents")? {
                    Some(s) => s,
                    None => meta
                        .bool("tokenizer.ggml.normalizer.lowercase")?
                        .unwrap_or(true),
                },
                to_id,
            }),
            "t5" => {
                let scores = tok.scores.clone().unwrap_or_else(|| vec![0.0; n]);
                let unk = tok.unk_id.unwrap_or(2);
                if unk as usize >= n {
                    return Err(refuse(
                        "tokenizer.ggml.unknown_token_id",
                        format!("no unknown token (id {unk})"),
                    ));
                }
                let mut m = ugm::Ugm::new(&texts, &scores, &attr, unk);
                m.charsmap = charsmap(meta, origin)?;
                m.add_space_prefix = meta
                    .bool("tokenizer.ggml.add_space_prefix")?
                    .unwrap_or(false);
                m.remove_extra_whitespaces = meta
                    .bool("tokenizer.ggml.remove_extra_whitespaces")?
                    .unwrap_or(false);
                Kind::Ugm(m)
            }
            other => {
                return Err(refuse(
                    "tokenizer.ggml.model",
                    format!(
                        "unsupported GGUF tokenizer model `{}` (fairtok loads `llama`, {})",
                        crate::error::bounded(other),
                        MODELS
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
        };
        Ok(GgufModel {
            kind,
            partition,
            texts,
            attr,
        })
    }

    /// `"BPE"`, `"WordPiece"` or `"Unigram"`.
    pub fn model_type(&self) -> &'static str {
        match self.kind {
            Kind::Bpe { .. } => "BPE",
            Kind::Wpm(_) => "WordPiece",
            Kind::Ugm(_) => "Unigram",
        }
    }

    /// The control tokens, as (text, id).
    pub fn controls(&self) -> Vec<(String, u32)> {
        self.texts
            .iter()
            .zip(&self.attr)
            .enumerate()
            .filter(|(_, (_, &a))| a & attrs::CONTROL != 0)
            .map(|(i, (t, _))| (t.clone(), i as u32))
            .collect()
    }

    /// The unknown token of `bert` and `t5` models.
    pub fn unknown(&self) -> Option<(String, u32)> {
        let id = match &self.kind {
            Kind::Bpe { .. } => return None,
            Kind::Wpm(m) => m.unk,
            Kind::Ugm(m) => m.unk.0,
        };
        Some((self.texts.get(id as usize)?.clone(), id))
    }

    /// The number of tokens that split the text (user-defined ones).
    pub fn partition_len(&self) -> usize {
        self.partition.len()
    }

    /// Encodes as llama.cpp does, appending to `out`.
    pub fn encode(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        for fragment in self.partition.split(text) {
            match fragment {
                Fragment::Token(id) => out.push(id),
                Fragment::Text(t) => match &self.kind {
                    Kind::Bpe { bpe, steps } => {
                        for piece in split::split(t, steps) {
                            bpe.encode(piece, &|_| false, false, out)?;
                        }
                    }
                    Kind::Wpm(m) => m.encode(t, out),
                    Kind::Ugm(m) => m.encode(t, out),
                },
            }
        }
        Ok(())
    }

    /// The bytes each id decodes to (see the module docs).
    pub(crate) fn id_bytes(&self) -> Vec<(u32, Vec<u8>)> {
        let bpe = matches!(self.kind, Kind::Bpe { .. });
        self.texts
            .iter()
            .zip(&self.attr)
            .enumerate()
            .map(|(id, (t, &a))| {
                let plain = a & (attrs::CONTROL | attrs::USER_DEFINED) != 0;
                let bytes = if plain {
                    t.as_bytes().to_vec()
                } else if bpe {
                    crate::hf::byte_level_decode(t).unwrap_or_else(|| t.as_bytes().to_vec())
                } else if let Some(b) =
                    crate::hf::parse_byte_token(t.as_bytes()).filter(|_| a & attrs::BYTE != 0)
                {
                    vec![b]
                } else {
                    t.replace('\u{2581}', " ").into_bytes()
                };
                (id as u32, bytes)
            })
            .collect()
    }
}

/// An [`Error::Gguf`] for `key`, at its offset.
fn refusal(meta: &Metadata, origin: &str, key: &str, reason: String) -> Error {
    Error::Gguf {
        path: origin.to_owned(),
        key: key.to_owned(),
        offset: meta.get(key).map_or(0, |e| e.offset),
        reason,
    }
}

/// A GGUF vocabulary as llama.cpp holds it: the texts (an empty one becomes `[EMPTY_<id>]`),
/// text → id, and the attributes of [`attrs`].
pub(crate) struct Vocab {
    /// The token texts.
    pub texts: Vec<String>,
    /// Text → id.
    pub to_id: FxHashMap<String, u32>,
    /// The attributes.
    pub attr: Vec<u16>,
}

impl Vocab {
    /// The vocabulary of a GGUF file; two tokens with one text are refused (llama.cpp asserts
    /// they do not exist).
    pub(crate) fn new(meta: &Metadata, tok: &GgufTokenizer, origin: &str) -> Result<Vocab> {
        let refuse = |key: &str, reason: String| refusal(meta, origin, key, reason);
        let n = tok.tokens.len();
        let texts: Vec<String> = tok
            .tokens
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if t.is_empty() {
                    format!("[EMPTY_{i}]")
                } else {
                    t.clone()
                }
            })
            .collect();
        let mut to_id = FxHashMap::with_capacity_and_hasher(n, Default::default());
        for (id, t) in texts.iter().enumerate() {
            if to_id.insert(t.clone(), id as u32).is_some() {
                return Err(refuse(
                    "tokenizer.ggml.tokens",
                    format!(
                        "token {} appears twice (again at id {id}): llama.cpp refuses such a vocabulary",
                        crate::error::quoted(t)
                    ),
                ));
            }
        }
        let attr0 = match &tok.token_type {
            Some(types) => types.iter().map(|&t| attrs::from_type(t)).collect(),
            None => vec![attrs::NORMAL; n],
        };
        let text_key = |key: &str| match meta.get(key).map(|e| &e.value) {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let has_id_key = |kind: &str| {
            let old = match kind {
                "fim_pre" => "prefix",
                "fim_suf" => "suffix",
                "fim_mid" => "middle",
                _ => kind,
            };
            [kind, old].iter().any(|k| {
                meta.get(&format!("tokenizer.ggml.{k}_token_id"))
                    .and_then(|e| e.value.as_u64())
                    .is_some_and(|id| (id as usize) < n)
            })
        };
        let cx = attrs::Context {
            has_id_key: &has_id_key,
            name: text_key("general.name").to_lowercase(),
            arch: text_key("general.architecture"),
            pre: tok.pre.clone().unwrap_or_default(),
        };
        let attr = attrs::attributes(&texts, &to_id, attr0, &cx)
            .map_err(|r| refuse("tokenizer.ggml.tokens", r))?;
        Ok(Vocab { texts, to_id, attr })
    }

    /// The partition of [`attrs::Partition`].
    pub(crate) fn partition(&self) -> Partition {
        Partition::new(&self.texts, &self.attr)
    }
}

/// The `gpt2` model: the steps of its `pre` and the BPE of its tokens and merges.
fn bpe(
    meta: &Metadata,
    tok: &GgufTokenizer,
    origin: &str,
    refuse: &dyn Fn(&str, String) -> Error,
) -> Result<Kind> {
    let steps = split::steps(tok.pre.as_deref()).ok_or_else(|| {
        let pre = tok.pre.as_deref().unwrap_or_default();
        refuse(
            "tokenizer.ggml.pre",
            format!(
                "pre-tokenizer `{}`: not verified (fairtok reproduces exactly: {}, and no key)",
                crate::error::bounded(pre),
                SUPPORTED_PRE.join(", ")
            ),
        )
    })?;
    if meta.get("tokenizer.ggml.merges").is_none() {
        return Err(refuse(
            "tokenizer.ggml.merges",
            "missing (llama.cpp needs the merges of a `gpt2` model)".into(),
        ));
    }
    let doc = tok.bpe_document();
    let bpe = HfModel::from_value(&doc, &format!("{origin} (GGUF gpt2)"))?;
    Ok(Kind::Bpe { bpe, steps })
}

/// `tokenizer.ggml.precompiled_charsmap`, if present (an array of `u8` or `i8`).
fn charsmap(meta: &Metadata, origin: &str) -> Result<Option<crate::charsmap::Charsmap>> {
    const KEY: &str = "tokenizer.ggml.precompiled_charsmap";
    let Some(e) = meta.get(KEY) else {
        return Ok(None);
    };
    let bad = || Error::Gguf {
        path: origin.to_owned(),
        key: KEY.to_owned(),
        offset: e.offset,
        reason: "expected an array of uint8 or int8".into(),
    };
    let Value::Array(_, items) = &e.value else {
        return Err(bad());
    };
    let blob = items
        .iter()
        .map(|v| match *v {
            Value::U8(b) => Ok(b),
            Value::I8(b) => Ok(b as u8),
            _ => Err(bad()),
        })
        .collect::<Result<Vec<u8>>>()?;
    if blob.is_empty() {
        return Ok(None);
    }
    crate::charsmap::Charsmap::parse(&blob, &format!("{origin}: {KEY}")).map(Some)
}
