//! Reading the tokenizer that a llama.cpp `.gguf` file carries, without its tensors.
//!
//! # Layout (GGUF versions 2 and 3, little-endian)
//!
//! ```text
//! magic        4 bytes  "GGUF"
//! version      u32      2 or 3
//! tensor_count u64
//! kv_count     u64
//! kv_count times:
//!   key        string   (u64 byte length, then UTF-8 bytes)
//!   type       u32      0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool,
//!                       8 string, 9 array, 10 u64, 11 i64, 12 f64
//!   value               an array is: element type u32, count u64, the elements
//! tensor infos, padding, tensor data   (never read here)
//! ```
//!
//! # What is read
//!
//! [`read_metadata`] (on bytes) and [`read_metadata_from`] (on any reader, such as a buffered
//! file) read the header and the key/value section, and stop there: the tensor infos and the
//! tensor data are never read, so a multi-gigabyte model file costs what its metadata costs
//! (a few megabytes for a tokenizer, read once through a buffer). [`Metadata::tokenizer`]
//! then takes the `tokenizer.ggml.*` fields: model, pre, tokens, scores, token types, merges,
//! the special ids and `add_bos_token`.
//!
//! # Encoding
//!
//! The fields are encoded as llama.cpp encodes them (`llama_tokenize` without BOS/EOS and with
//! `parse_special = false`), never approximated: `llama` vocabularies by [`crate::spm`]'s
//! llama.cpp dialect, `gpt2` (with a `pre` of [`crate::llama_cpp::SUPPORTED_PRE`] or none),
//! `bert` and `t5` ones by [`crate::llama_cpp`]; any other model or `pre` name is refused,
//! naming it. `tests/gguf.rs` checks all nine files of `shared/data/vocab/gguf/` against
//! llama.cpp itself.
//!
//! # Bounds
//!
//! The file is untrusted. Every length and count is checked against the bytes left in the
//! file before anything is allocated for it: a string longer than what remains, or an array
//! whose elements (each at least its smallest encoding, 8 bytes for a string) cannot fit in
//! what remains, is an error. Arrays nest at most [`MAX_DEPTH`] deep and hold at most
//! [`MAX_ELEMENTS`] elements in all, so memory stays proportional to the metadata actually
//! present. Every error is an [`Error::Gguf`] naming the file, the key and the byte offset.

use std::io::Read;

use crate::error::{Error, Result};

/// The most array elements the key/value section may hold in all (the largest tokenizers have
/// a few hundred thousand tokens and merges).
pub const MAX_ELEMENTS: u64 = 1 << 23;

/// The deepest nesting of arrays in a value.
pub const MAX_DEPTH: usize = 4;

/// A metadata value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Type 0.
    U8(u8),
    /// Type 1.
    I8(i8),
    /// Type 2.
    U16(u16),
    /// Type 3.
    I16(i16),
    /// Type 4.
    U32(u32),
    /// Type 5.
    I32(i32),
    /// Type 6.
    F32(f32),
    /// Type 7.
    Bool(bool),
    /// Type 8 (UTF-8).
    String(String),
    /// Type 9: the element type and the elements.
    Array(u32, Vec<Value>),
    /// Type 10.
    U64(u64),
    /// Type 11.
    I64(i64),
    /// Type 12.
    F64(f64),
}

impl Value {
    /// The value as an unsigned integer, if it is an integer of any width that is not negative.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::U8(v) => Some(v.into()),
            Value::U16(v) => Some(v.into()),
            Value::U32(v) => Some(v.into()),
            Value::U64(v) => Some(v),
            Value::I8(v) => u64::try_from(v).ok(),
            Value::I16(v) => u64::try_from(v).ok(),
            Value::I32(v) => u64::try_from(v).ok(),
            Value::I64(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The name of the value's type, as the spec names it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::U8(_) => "uint8",
            Value::I8(_) => "int8",
            Value::U16(_) => "uint16",
            Value::I16(_) => "int16",
            Value::U32(_) => "uint32",
            Value::I32(_) => "int32",
            Value::F32(_) => "float32",
            Value::Bool(_) => "bool",
            Value::String(_) => "string",
            Value::Array(..) => "array",
            Value::U64(_) => "uint64",
            Value::I64(_) => "int64",
            Value::F64(_) => "float64",
        }
    }
}

/// One key/value pair, with the byte offset of its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key (`tokenizer.ggml.tokens`, ...).
    pub key: String,
    /// The value.
    pub value: Value,
    /// The byte offset in the file of the value's type field.
    pub offset: u64,
}

/// The header and key/value section of a GGUF file.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    /// The format version (2 or 3).
    pub version: u32,
    /// The number of tensors the file declares (they are not read).
    pub tensor_count: u64,
    /// The key/value pairs, in file order.
    pub entries: Vec<Entry>,
    /// Where the file came from, for errors.
    pub origin: String,
}

/// The tokenizer fields of a GGUF file (keys `tokenizer.ggml.*`).
#[derive(Debug, Clone, PartialEq)]
pub struct GgufTokenizer {
    /// `model`: `gpt2` (byte-level BPE), `llama` (SentencePiece), `bert`, `t5`, ...
    pub model: String,
    /// `pre`: the name that selects llama.cpp's pre-tokenizer regexes (absent in old files).
    pub pre: Option<String>,
    /// `tokens`: the text of each id.
    pub tokens: Vec<String>,
    /// `scores`, one per token, where present.
    pub scores: Option<Vec<f32>>,
    /// `token_type`, one per token, where present: 1 normal, 2 unknown, 3 control,
    /// 4 user-defined, 5 unused, 6 byte.
    pub token_type: Option<Vec<i32>>,
    /// `merges` (`"left right"`), empty where absent.
    pub merges: Vec<String>,
    /// `bos_token_id`.
    pub bos_id: Option<u32>,
    /// `eos_token_id`.
    pub eos_id: Option<u32>,
    /// `unknown_token_id`.
    pub unk_id: Option<u32>,
    /// `padding_token_id`.
    pub pad_id: Option<u32>,
    /// `add_bos_token`.
    pub add_bos_token: Option<bool>,
}

/// The token type of a control token (`<|endoftext|>`): ordinary text when it is written in
/// the text to encode, as llama.cpp encodes with `parse_special = false`.
pub const TOKEN_TYPE_CONTROL: i32 = 3;
/// The token type of a user-defined token: matched in the text even without `parse_special`.
pub const TOKEN_TYPE_USER_DEFINED: i32 = 4;

/// Whether `data` starts with the GGUF magic bytes.
pub fn is_gguf(data: &[u8]) -> bool {
    data.starts_with(b"GGUF")
}

/// Reads the header and key/value section of a GGUF file held in memory (see the module docs
/// for the bounds). This is the entry point for fuzzing: it never panics and never allocates
/// more than the input can justify.
pub fn read_metadata(data: &[u8], origin: &str) -> Result<Metadata> {
    read_metadata_from(data, data.len() as u64, origin)
}

/// Reads the header and key/value section of a GGUF file from `reader`, which holds `len`
/// bytes in all (the file's size), and stops there.
pub fn read_metadata_from(reader: impl Read, len: u64, origin: &str) -> Result<Metadata> {
    let mut r = Cursor {
        inner: reader,
        pos: 0,
        len,
        origin,
        key: String::new(),
        elements: 0,
    };
    let magic = r.bytes_fixed::<4>()?;
    if &magic != b"GGUF" {
        return Err(r.err(
            0,
            format!("not a GGUF file (magic bytes {magic:02x?}, expected \"GGUF\")"),
        ));
    }
    let version = u32::from_le_bytes(r.bytes_fixed()?);
    if version != 2 && version != 3 {
        return Err(r.err(
            4,
            format!("GGUF version {version} is not supported (fairtok reads versions 2 and 3)"),
        ));
    }
    let tensor_count = u64::from_le_bytes(r.bytes_fixed()?);
    let kv_at = r.pos;
    let kv_count = u64::from_le_bytes(r.bytes_fixed()?);
    // A key/value pair takes at least 8 (key length) + 4 (type) + 1 bytes.
    if kv_count > r.left() / 13 {
        return Err(r.err(
            kv_at,
            format!(
                "{kv_count} key/value pairs cannot fit in the {} bytes left",
                r.left()
            ),
        ));
    }
    let mut entries = Vec::with_capacity(kv_count as usize);
    for _ in 0..kv_count {
        r.key.clear();
        let key = r.string()?;
        r.key = key.clone();
        let offset = r.pos;
        let ty = u32::from_le_bytes(r.bytes_fixed()?);
        let value = r.value(ty, offset, 0)?;
        entries.push(Entry { key, value, offset });
    }
    Ok(Metadata {
        version,
        tensor_count,
        entries,
        origin: origin.to_owned(),
    })
}

/// Reads the metadata of the GGUF file at `path` through a buffered reader.
pub fn read_file(path: &std::path::Path) -> Result<Metadata> {
    let io_err = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let len = file.metadata().map_err(io_err)?.len();
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    read_metadata_from(reader, len, &path.display().to_string())
}

/// A reader that knows its offset and how many bytes remain.
struct Cursor<'a, R> {
    inner: R,
    pos: u64,
    len: u64,
    origin: &'a str,
    key: String,
    elements: u64,
}

impl<R: Read> Cursor<'_, R> {
    fn left(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    fn err(&self, offset: u64, reason: String) -> Error {
        Error::Gguf {
            path: self.origin.to_owned(),
            key: self.key.clone(),
            offset,
            reason,
        }
    }

    fn truncated(&self, what: &str, need: u64) -> Error {
        self.err(
            self.pos,
            format!("truncated: {what} needs {need} bytes, {} left", self.left()),
        )
    }

    fn bytes_fixed<const N: usize>(&mut self) -> Result<[u8; N]> {
        if (N as u64) > self.left() {
            return Err(self.truncated("a field", N as u64));
        }
        let mut buf = [0u8; N];
        self.read_exact(&mut buf)?;
        Ok(buf)
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<()> {
        let at = self.pos;
        self.inner
            .read_exact(buf)
            .map_err(|e| self.err(at, format!("cannot read {} bytes: {e}", buf.len())))?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    fn string(&mut self) -> Result<String> {
        let at = self.pos;
        let n = u64::from_le_bytes(self.bytes_fixed()?);
        if n > self.left() {
            return Err(self.err(
                at,
                format!(
                    "string of {n} bytes, but only {} bytes are left",
                    self.left()
                ),
            ));
        }
        let mut buf = vec![0u8; n as usize];
        self.read_exact(&mut buf)?;
        String::from_utf8(buf).map_err(|e| self.err(at, format!("string is not UTF-8: {e}")))
    }

    fn value(&mut self, ty: u32, at: u64, depth: usize) -> Result<Value> {
        Ok(match ty {
            0 => Value::U8(u8::from_le_bytes(self.bytes_fixed()?)),
            1 => Value::I8(i8::from_le_bytes(self.bytes_fixed()?)),
            2 => Value::U16(u16::from_le_bytes(self.bytes_fixed()?)),
            3 => Value::I16(i16::from_le_bytes(self.bytes_fixed()?)),
            4 => Value::U32(u32::from_le_bytes(self.bytes_fixed()?)),
            5 => Value::I32(i32::from_le_bytes(self.bytes_fixed()?)),
            6 => Value::F32(f32::from_le_bytes(self.bytes_fixed()?)),
            7 => match self.bytes_fixed::<1>()?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                b => {
                    return Err(self.err(self.pos - 1, format!("bool value {b} is neither 0 nor 1")))
                }
            },
            8 => Value::String(self.string()?),
            9 => {
                if depth >= MAX_DEPTH {
                    return Err(self.err(at, format!("arrays nested deeper than {MAX_DEPTH}")));
                }
                let elem_at = self.pos;
                let elem = u32::from_le_bytes(self.bytes_fixed()?);
                let min = min_size(elem)
                    .ok_or_else(|| self.err(elem_at, format!("unknown value type {elem}")))?;
                let count_at = self.pos;
                let count = u64::from_le_bytes(self.bytes_fixed()?);
                if count > self.left() / min {
                    return Err(self.err(
                        count_at,
                        format!(
                            "array of {count} elements (at least {min} bytes each), but only {} bytes are left",
                            self.left()
                        ),
                    ));
                }
                self.elements += count;
                if self.elements > MAX_ELEMENTS {
                    return Err(self.err(
                        count_at,
                        format!("more than {MAX_ELEMENTS} array elements in the metadata"),
                    ));
                }
                let mut items = Vec::with_capacity(count.min(1 << 16) as usize);
                for _ in 0..count {
                    let item_at = self.pos;
                    items.push(self.value(elem, item_at, depth + 1)?);
                }
                Value::Array(elem, items)
            }
            10 => Value::U64(u64::from_le_bytes(self.bytes_fixed()?)),
            11 => Value::I64(i64::from_le_bytes(self.bytes_fixed()?)),
            12 => Value::F64(f64::from_le_bytes(self.bytes_fixed()?)),
            t => return Err(self.err(at, format!("unknown value type {t}"))),
        })
    }
}

/// The fewest bytes a value of type `ty` takes, or `None` for an unknown type.
fn min_size(ty: u32) -> Option<u64> {
    Some(match ty {
        0 | 1 | 7 => 1,
        2 | 3 => 2,
        4..=6 => 4,
        8 => 8,
        9 => 12,
        10..=12 => 8,
        _ => return None,
    })
}

impl Metadata {
    /// The entry of `key`, if there is one (the first, if a file repeats a key).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    fn err(&self, entry: Option<&Entry>, key: &str, reason: String) -> Error {
        Error::Gguf {
            path: self.origin.clone(),
            key: key.to_owned(),
            offset: entry.map_or(0, |e| e.offset),
            reason,
        }
    }

    fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Entry {
                value: Value::String(s),
                ..
            }) => Ok(Some(s.clone())),
            Some(e) => Err(self.err(
                Some(e),
                key,
                format!("expected a string, found {}", e.value.type_name()),
            )),
        }
    }

    /// A bool value (`None` when the key is absent; another type is an error naming it).
    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Entry {
                value: Value::Bool(b),
                ..
            }) => Ok(Some(*b)),
            Some(e) => Err(self.err(
                Some(e),
                key,
                format!("expected a bool, found {}", e.value.type_name()),
            )),
        }
    }

    fn id(&self, key: &str) -> Result<Option<u32>> {
        match self.get(key) {
            None => Ok(None),
            Some(e) => match e.value.as_u64().and_then(|v| u32::try_from(v).ok()) {
                Some(v) => Ok(Some(v)),
                None => Err(self.err(
                    Some(e),
                    key,
                    format!("expected a token id, found {:?}", e.value),
                )),
            },
        }
    }

    fn array(&self, key: &str) -> Result<Option<(&Entry, &[Value])>> {
        match self.get(key) {
            None => Ok(None),
            Some(
                e @ Entry {
                    value: Value::Array(_, items),
                    ..
                },
            ) => Ok(Some((e, items))),
            Some(e) => Err(self.err(
                Some(e),
                key,
                format!("expected an array, found {}", e.value.type_name()),
            )),
        }
    }

    fn strings(&self, key: &str) -> Result<Option<Vec<String>>> {
        let Some((e, items)) = self.array(key)? else {
            return Ok(None);
        };
        items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                v => Err(self.err(
                    Some(e),
                    key,
                    format!(
                        "expected an array of strings, found an element of type {}",
                        v.type_name()
                    ),
                )),
            })
            .collect::<Result<_>>()
            .map(Some)
    }

    /// The tokenizer fields (`tokenizer.ggml.*`). `model` and `tokens` are required; `scores`
    /// and `token_type`, where present, have one element per token; special ids are below the
    /// token count.
    pub fn tokenizer(&self) -> Result<GgufTokenizer> {
        const P: &str = "tokenizer.ggml.";
        let model = self.string("tokenizer.ggml.model")?.ok_or_else(|| {
            self.err(
                None,
                "tokenizer.ggml.model",
                "missing: the file carries no tokenizer".into(),
            )
        })?;
        let tokens = self
            .strings("tokenizer.ggml.tokens")?
            .ok_or_else(|| self.err(None, "tokenizer.ggml.tokens", "missing".into()))?;
        let n = tokens.len();
        let scores = match self.array("tokenizer.ggml.scores")? {
            None => None,
            Some((e, items)) => Some(
                items
                    .iter()
                    .map(|v| match v {
                        Value::F32(f) => Ok(*f),
                        v => Err(self.err(
                            Some(e),
                            &e.key,
                            format!("expected float32 scores, found {}", v.type_name()),
                        )),
                    })
                    .collect::<Result<Vec<f32>>>()?,
            ),
        };
        let token_type = match self.array("tokenizer.ggml.token_type")? {
            None => None,
            Some((e, items)) => Some(
                items
                    .iter()
                    .map(|v| match v.as_u64().and_then(|x| i32::try_from(x).ok()) {
                        Some(t) => Ok(t),
                        None => Err(self.err(
                            Some(e),
                            &e.key,
                            format!("expected integer token types, found {v:?}"),
                        )),
                    })
                    .collect::<Result<Vec<i32>>>()?,
            ),
        };
        for (key, len) in [
            ("tokenizer.ggml.scores", scores.as_ref().map(Vec::len)),
            (
                "tokenizer.ggml.token_type",
                token_type.as_ref().map(Vec::len),
            ),
        ] {
            if let Some(len) = len.filter(|&l| l != n) {
                return Err(self.err(self.get(key), key, format!("{len} elements for {n} tokens")));
            }
        }
        let mut ids = [None; 4];
        for (slot, name) in ids.iter_mut().zip([
            "bos_token_id",
            "eos_token_id",
            "unknown_token_id",
            "padding_token_id",
        ]) {
            let key = format!("{P}{name}");
            *slot = self.id(&key)?;
            if let Some(id) = slot.filter(|&id| id as usize >= n) {
                return Err(self.err(
                    self.get(&key),
                    &key,
                    format!("id {id} is not below the {n} tokens"),
                ));
            }
        }
        let add_bos_token = self.bool("tokenizer.ggml.add_bos_token")?;
        Ok(GgufTokenizer {
            model,
            pre: self.string("tokenizer.ggml.pre")?,
            tokens,
            scores,
            token_type,
            merges: self.strings("tokenizer.ggml.merges")?.unwrap_or_default(),
            bos_id: ids[0],
            eos_id: ids[1],
            unk_id: ids[2],
            pad_id: ids[3],
            add_bos_token,
        })
    }
}

impl GgufTokenizer {
    /// The Hugging Face `tokenizer.json` document of a `gpt2` vocabulary's byte-level BPE: its
    /// tokens and merges, and a pre-tokenizer that only maps bytes to byte-level characters
    /// (no regex, no added tokens). [`crate::llama_cpp`] encodes each piece of llama.cpp's
    /// pre-tokenizer with it: merges by rank, as llama.cpp's `llm_tokenizer_bpe` does. (A token
    /// listed twice is refused when the model is made.)
    pub fn bpe_document(&self) -> serde_json::Value {
        let vocab: serde_json::Map<String, serde_json::Value> = self
            .tokens
            .iter()
            .enumerate()
            .map(|(id, t)| (t.clone(), id.into()))
            .collect();
        serde_json::json!({
            "version": "1.0",
            "truncation": null,
            "padding": null,
            "added_tokens": [],
            "normalizer": null,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
            "post_processor": null,
            "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
            "model": {
                "type": "BPE", "dropout": null, "unk_token": null,
                "continuing_subword_prefix": null, "end_of_word_suffix": null,
                "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                "vocab": vocab,
                "merges": self.merges,
            }
        })
    }
}
