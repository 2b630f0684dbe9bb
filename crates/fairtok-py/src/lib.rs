//! # fairtok-py
//!
//! The native half of the `fairtok` Python package: `fairtok._fairtok`. It exposes one class,
//! [`CoreTokenizer`], a thin wrapper over [`fairtok_core::Tokenizer`] that encodes and decodes
//! with the GIL released. The tiktoken-compatible API (`fairtok.Encoding`, `get_encoding`, ...)
//! is written in Python on top of it (`python/fairtok/`), where argument handling follows
//! tiktoken's exactly.
//!
//! Three functions run the other tools of the command line with the GIL released, each one
//! library call: `train` and `extend` (module `jobs`: `fairtok_train::train_files` and
//! `fairtok_train::extend_files`, with result classes) and `parity` (module `parity`:
//! `fairtok parity` through `fairtok_eval`); `fairtok.train`, `fairtok.extend` and
//! `fairtok.parity` resolve their arguments. `count_chat` and `encode_chat` (module `chat`)
//! count a chat conversation in a model's chat format (`fairtok_core::chat`). Module `arrow`
//! runs the Arrow kernels (`fairtok_arrow`) on columns handed over through the Arrow PyCapsule
//! interface: `Encoding.count_arrow` and `encode_arrow`; module `counts` the steps of counting
//! pre-tokens in parallel that `fairtok.ray` runs as tasks.
//!
//! `CoreTokenizer`'s encode calls resolve tiktoken's special-token arguments in module
//! `request`, and batches run on native threads in module `batch` (lists of ints, or one flat
//! buffer of ids with offsets).
//!
//! Errors of the core map to Python exceptions by kind (see `to_py_err`): a missing or
//! unreadable file is an `OSError` (`FileNotFoundError`, ...), an id outside the vocabulary a
//! `KeyError`, everything else a `ValueError`; the message is always the core's.

#![warn(missing_docs)]

mod adapt;
mod arrow;
mod batch;
mod chat;
mod counts;
mod interrupt;
mod jobs;
mod parity;
mod request;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use fairtok_core::{builtin, Error, Format, LoadOptions, Tokenizer};
use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyKeyError, PyOSError, PyPermissionError,
    PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString};

use crate::request::{Disallowed, Matcher, Request};

// `CoreTokenizer` shares one `Tokenizer` between Python threads and the batch workers.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Tokenizer>();
};

/// Texts shorter than this (in UTF-8 bytes) are encoded without releasing the GIL.
const DETACH_BYTES: usize = 1024;

/// Maps an error of the core to the Python exception a tiktoken user expects, with the core's
/// message.
fn to_py_err(e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::Io { source, .. } => io_err(source.kind(), msg),
        Error::UnknownId { .. } => PyKeyError::new_err(msg),
        _ => PyValueError::new_err(msg),
    }
}

/// The `OSError` subclass Python raises for an I/O error of this kind, with `msg`.
fn io_err(kind: std::io::ErrorKind, msg: String) -> PyErr {
    match kind {
        std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(msg),
        std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(msg),
        std::io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(msg),
        _ => PyOSError::new_err(msg),
    }
}

/// A loaded tokenizer (built-in, `.tiktoken` or `tokenizer.json`). Use `fairtok.Encoding`, which
/// wraps it with tiktoken's API.
#[pyclass(frozen, module = "fairtok._fairtok")]
pub struct CoreTokenizer {
    tok: Tokenizer,
    /// The names of the special tokens, sorted by id.
    specials: Vec<(String, u32)>,
    /// The names of the special tokens, sorted, each once.
    names: Vec<String>,
    /// bytes → id for `encode_single_token`, built on first use.
    reverse: OnceLock<HashMap<Box<[u8]>, u32>>,
    /// Matchers of the disallowed sets seen lately (building one costs more than encoding a
    /// short text; most calls use the same set, all the special tokens).
    matchers: Mutex<HashMap<Disallowed, Arc<Matcher>>>,
    /// The Python int of each id returned so far, made once and shared (one slot per id,
    /// allocated on the first list). Making the lists is the part of an encode call that
    /// holds the GIL, and sharing an int costs a reference count where making one costs an
    /// allocation: measured, the lists of a batch took about as long as encoding it, on the
    /// one thread that holds the GIL. At most one int per id of the vocabulary is kept.
    ints: Mutex<Vec<Option<Py<PyAny>>>>,
}

impl CoreTokenizer {
    /// `ids` as a Python list of ints (shared ints, see [`CoreTokenizer::ints`]).
    fn list<'py>(&self, py: Python<'py>, ids: &[u32]) -> PyResult<Bound<'py, PyList>> {
        if ids.is_empty() {
            return Ok(PyList::empty(py));
        }
        let mut ints = self.ints.lock().unwrap_or_else(|e| e.into_inner());
        if ints.is_empty() {
            ints.resize_with(self.tok.n_vocab(), || None);
        }
        PyList::new(
            py,
            ids.iter().map(|&id| {
                let new = || id.into_pyobject(py).map(|i| i.into_any().unbind());
                match ints.get_mut(id as usize) {
                    Some(slot) => slot.get_or_insert_with(|| new().unwrap()).bind(py).clone(),
                    None => new().unwrap().into_bound(py),
                }
            }),
        )
    }

    fn new(tok: Tokenizer) -> CoreTokenizer {
        let specials = tok.special_tokens();
        let mut names: Vec<String> = specials.iter().map(|s| s.0.clone()).collect();
        names.sort();
        names.dedup();
        CoreTokenizer {
            tok,
            specials,
            names,
            reverse: OnceLock::new(),
            matchers: Mutex::new(HashMap::new()),
            ints: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` on the text, releasing the GIL unless the text is short (a release and
    /// re-acquire costs more than encoding a few words).
    fn run<T: Send>(&self, py: Python<'_>, text: &str, f: impl FnOnce() -> T + Send) -> T {
        if text.len() < DETACH_BYTES {
            f()
        } else {
            py.detach(f)
        }
    }
}

/// Writes `ids` into `dst` as native-endian `u32`s (what `numpy.frombuffer(dtype=uint32)`
/// reads); `dst` holds `4 * ids.len()` bytes.
fn write_ids(dst: &mut [u8], ids: &[u32]) {
    for (d, id) in dst.chunks_exact_mut(4).zip(ids) {
        d.copy_from_slice(&id.to_ne_bytes());
    }
}

/// The text of a `str`, borrowed from it: CPython's `PyUnicode_AsUTF8AndSize` (pyo3's
/// [`PyStringMethods::to_str`]), which is the `str`'s own bytes for an ASCII text and otherwise
/// a UTF-8 copy that CPython makes once and keeps with the `str` (as tiktoken's `&str`
/// arguments do). No `bytes` object is made. A lone surrogate (the one thing a `str` holds that
/// UTF-8 cannot) raises `UnicodeEncodeError`, which `fairtok.Encoding` fixes and retries, as
/// tiktoken does.
pub(crate) fn text_of<'a>(text: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    text.to_str()
}

#[pymethods]
impl CoreTokenizer {
    /// Loads a built-in encoding by name (`cl100k_base`, `o200k_base`, ...).
    #[staticmethod]
    fn builtin(py: Python<'_>, name: String) -> PyResult<CoreTokenizer> {
        py.detach(|| Tokenizer::builtin(&name))
            .map(CoreTokenizer::new)
            .map_err(to_py_err)
    }

    /// Loads a `.tiktoken` rank file, a Hugging Face `tokenizer.json`, a Mistral `tekken.json`
    /// or a WordPiece `vocab.txt` (optionally gzipped). `pattern` is the pre-tokenizer of a
    /// `.tiktoken` file: `cl100k`, `o200k`, `r50k`, `p50k`, `llama3`, `qwen3` or a regex;
    /// `lowercase` lower-cases the text for a `vocab.txt` (BERT uncased). A built-in or model
    /// name that is not an existing path loads that built-in.
    #[staticmethod]
    #[pyo3(signature = (path, pattern = None, lowercase = false))]
    fn load(
        py: Python<'_>,
        path: String,
        pattern: Option<String>,
        lowercase: bool,
    ) -> PyResult<CoreTokenizer> {
        let p = Path::new(&path);
        let is_name =
            builtin::find(&path).is_some() || builtin::encoding_name_for_model(&path).is_some();
        if !p.exists() && is_name {
            if pattern.is_some() {
                return Err(PyValueError::new_err(format!(
                    "{path}: pattern applies to .tiktoken files; a built-in brings its own"
                )));
            }
            if lowercase {
                return Err(PyValueError::new_err(format!(
                    "{path}: lowercase applies to WordPiece vocab.txt files; a built-in brings its own rules"
                )));
            }
            return py
                .detach(|| Tokenizer::load(&path, &LoadOptions::default()))
                .map(CoreTokenizer::new)
                .map_err(to_py_err);
        }
        py.detach(|| Tokenizer::from_file(p, &LoadOptions { pattern, lowercase }))
            .map(CoreTokenizer::new)
            .map_err(to_py_err)
    }

    /// Builds a tiktoken-style tokenizer from `{bytes: rank}`, a pattern and the `(str, id)`
    /// items of the special tokens, as tiktoken's `Encoding(name, pat_str=...,
    /// mergeable_ranks=..., special_tokens=...)`. Of several names of one id, the id decodes
    /// to the smallest (see `Tokenizer::from_ranks`).
    #[staticmethod]
    fn from_ranks(
        py: Python<'_>,
        name: String,
        ranks: HashMap<Vec<u8>, u32>,
        pattern: String,
        specials: Vec<(String, u32)>,
    ) -> PyResult<CoreTokenizer> {
        let origin = format!("Encoding({name:?})");
        let mut ranks: Vec<(Vec<u8>, u32)> = ranks.into_iter().collect();
        ranks.sort_by_key(|r| r.1);
        let mut specials = specials;
        specials.sort_by_key(|s| s.1);
        py.detach(|| Tokenizer::from_ranks(&name, &origin, ranks, &pattern, specials))
            .map(CoreTokenizer::new)
            .map_err(to_py_err)
    }

    /// The tokenizer's name: the built-in's, or the file's stem.
    #[getter]
    fn name(&self) -> &str {
        self.tok.name()
    }

    /// Where it came from: `built-in (...)` or the file's path.
    #[getter]
    fn origin(&self) -> &str {
        self.tok.origin()
    }

    /// `"tiktoken"`, `"huggingface"`, `"tekken"` (Mistral), `"sentencepiece"` or `"gguf"` (llama.cpp): whose encoding rule it follows.
    #[getter]
    fn format(&self) -> &'static str {
        match self.tok.format() {
            Format::Tiktoken => "tiktoken",
            Format::HuggingFace => "huggingface",
            Format::Tekken => "tekken",
            Format::SentencePiece => "sentencepiece",
            Format::Gguf => "gguf",
        }
    }

    /// One past the largest token id.
    #[getter]
    fn n_vocab(&self) -> usize {
        self.tok.n_vocab()
    }

    /// The pre-tokenizer pattern, if any.
    #[getter]
    fn pattern(&self) -> Option<&str> {
        self.tok.pattern()
    }

    /// The special tokens as `[(text, id)]`, sorted by id.
    fn special_tokens(&self) -> Vec<(String, u32)> {
        self.specials.clone()
    }

    /// Encodes with no special token recognised (tiktoken's `encode_ordinary`).
    fn encode_ordinary<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyList>> {
        let text = text_of(text)?;
        let req = Request::ordinary();
        let ids = self
            .run(py, text, || req.encode(&self.tok, text))
            .map_err(|e| e.into_py_err(py))?;
        self.list(py, &ids)
    }

    /// Encodes with the special tokens in `allowed` recognised, after checking that none of
    /// `disallowed` occurs in the text (tiktoken's `encode`, arguments already resolved).
    fn encode<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
        allowed: Option<Vec<String>>,
        disallowed: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let req = self.request(allowed, disallowed)?;
        let text = text_of(text)?;
        let ids = self
            .run(py, text, || req.encode(&self.tok, text))
            .map_err(|e| e.into_py_err(py))?;
        self.list(py, &ids)
    }

    /// `encode`, with the ids as the bytes of native-endian `u32`s (no Python int per id):
    /// `numpy.frombuffer(b, dtype=numpy.uint32)` is tiktoken's `encode_to_numpy`.
    fn encode_to_bytes<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
        allowed: Option<Vec<String>>,
        disallowed: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let req = self.request(allowed, disallowed)?;
        let text = text_of(text)?;
        let ids = self
            .run(py, text, || req.encode(&self.tok, text))
            .map_err(|e| e.into_py_err(py))?;
        PyBytes::new_with(py, ids.len() * 4, |buf| {
            write_ids(buf, &ids);
            Ok(())
        })
    }

    /// The number of tokens of `encode_ordinary(text)`, without building the list.
    fn count(&self, py: Python<'_>, text: &Bound<'_, PyString>) -> PyResult<usize> {
        let text = text_of(text)?;
        let req = Request::ordinary();
        self.run(py, text, || req.count(&self.tok, text))
            .map_err(|e| e.into_py_err(py))
    }

    /// `encode` over many texts on up to `num_threads` threads, with the GIL released while
    /// encoding.
    fn encode_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<Bound<'py, PyString>>,
        num_threads: usize,
        allowed: Option<Vec<String>>,
        disallowed: Option<Vec<String>>,
    ) -> PyResult<Vec<Bound<'py, PyList>>> {
        let req = self.request(allowed, disallowed)?;
        self.lists(py, &texts, num_threads, &req)
    }

    /// `encode_ordinary` over many texts on up to `num_threads` threads, with the GIL released
    /// while encoding.
    fn encode_ordinary_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<Bound<'py, PyString>>,
        num_threads: usize,
    ) -> PyResult<Vec<Bound<'py, PyList>>> {
        self.lists(py, &texts, num_threads, &Request::ordinary())
    }

    /// `encode_batch` as two `bytearray`s: the ids of all the texts, concatenated, as
    /// native-endian `u32`s, and `len(texts) + 1` offsets into them as native-endian `i64`s
    /// (text `i` is `ids[offsets[i]:offsets[i + 1]]`). No Python object is made per id or per
    /// text: `numpy.frombuffer` of each is `Encoding.encode_batch_to_numpy`.
    fn encode_batch_to_bytes<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<Bound<'py, PyString>>,
        num_threads: usize,
        allowed: Option<Vec<String>>,
        disallowed: Option<Vec<String>>,
    ) -> PyResult<(Bound<'py, PyByteArray>, Bound<'py, PyByteArray>)> {
        let req = self.request(allowed, disallowed)?;
        self.flat(py, &texts, num_threads, &req)
    }

    /// `encode_ordinary_batch` as `encode_batch_to_bytes` gives it.
    fn encode_ordinary_batch_to_bytes<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<Bound<'py, PyString>>,
        num_threads: usize,
    ) -> PyResult<(Bound<'py, PyByteArray>, Bound<'py, PyByteArray>)> {
        self.flat(py, &texts, num_threads, &Request::ordinary())
    }

    /// Token counts of many texts (`encode_ordinary`), on up to `num_threads` threads.
    fn count_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<Bound<'py, PyString>>,
        num_threads: usize,
    ) -> PyResult<Vec<usize>> {
        let req = Request::ordinary();
        let part = |tok: &Tokenizer, texts: &[&str]| req.count_all(tok, texts);
        let mut out = Vec::with_capacity(texts.len());
        self.batch(py, &texts, num_threads, part, |counts| {
            out.extend(counts);
            Ok(())
        })?;
        Ok(out)
    }

    /// The bytes of `ids`, concatenated. An id outside the vocabulary raises `KeyError`.
    fn decode_bytes<'py>(&self, py: Python<'py>, ids: Vec<u32>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py
            .detach(|| self.tok.decode_bytes(&ids))
            .map_err(to_py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The bytes of one token, or `None` if the id is not in the vocabulary.
    fn token_bytes<'py>(&self, py: Python<'py>, id: u32) -> Option<Bound<'py, PyBytes>> {
        self.tok.token_bytes(id).map(|b| PyBytes::new(py, b))
    }

    /// The bytes of each id. An id outside the vocabulary raises `KeyError(str(id))`, as
    /// tiktoken's `decode_single_token_bytes`.
    fn decode_tokens_bytes<'py>(
        &self,
        py: Python<'py>,
        ids: Vec<u32>,
    ) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        ids.into_iter()
            .map(|id| {
                self.tok
                    .token_bytes(id)
                    .map(|b| PyBytes::new(py, b))
                    .ok_or_else(|| PyKeyError::new_err(id.to_string()))
            })
            .collect()
    }

    /// The id of the token whose bytes are exactly `piece` (special tokens included, under
    /// each of their names), if any.
    fn encode_single_token(&self, piece: &[u8]) -> Option<u32> {
        let reverse = self.reverse.get_or_init(|| {
            let mut m = HashMap::with_capacity(self.tok.n_vocab());
            for id in 0..self.tok.n_vocab() as u32 {
                if let Some(b) = self.tok.token_bytes(id) {
                    m.entry(b.into()).or_insert(id);
                }
            }
            // An id with two names (o200k_harmony's 200018) decodes to one of them.
            for (name, id) in &self.specials {
                m.entry(name.as_bytes().into()).or_insert(*id);
            }
            m
        });
        reverse.get(piece).copied()
    }

    /// The bytes of every ordinary (non-special) token, sorted.
    fn token_byte_values<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        let mut all: Vec<&[u8]> = self.ordinary().map(|t| t.1).collect();
        all.sort_unstable();
        all.into_iter().map(|b| PyBytes::new(py, b)).collect()
    }

    /// `{token bytes: id}` of the ordinary (non-special) tokens, in id order: tiktoken's
    /// `mergeable_ranks`.
    fn mergeable_ranks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (id, b) in self.ordinary() {
            d.set_item(PyBytes::new(py, b), id)?;
        }
        Ok(d)
    }
}

impl CoreTokenizer {
    /// `(id, bytes)` of every ordinary (non-special) token, in id order.
    fn ordinary(&self) -> impl Iterator<Item = (u32, &[u8])> {
        let special: std::collections::HashSet<u32> = self.specials.iter().map(|s| s.1).collect();
        (0..self.tok.n_vocab() as u32)
            .filter(move |id| !special.contains(id))
            .filter_map(|id| Some((id, self.tok.token_bytes(id)?)))
    }
}

/// The ranks of a `.tiktoken` file's bytes as tiktoken's `load_tiktoken_bpe` returns them
/// (`{token bytes: rank}`, in file order, a later duplicate replacing the value), or `None`
/// if a line is not in the plain form `BASE64 SP DIGITS` with canonical base64 (or the data
/// holds a `\r`, a tab, `\x0b` or `\x0c`). Only the plain form is read here; `None` sends the
/// caller to tiktoken's own rules (`fairtok.load_tiktoken_bpe` in Python), which read the
/// same plain lines the same way.
#[pyfunction]
fn parse_tiktoken_bpe<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Option<Bound<'py, PyDict>>> {
    use base64::Engine as _;
    if data
        .iter()
        .any(|b| matches!(b, b'\r' | b'\t' | 0x0b | 0x0c))
    {
        return Ok(None);
    }
    let parsed = py.detach(|| -> Option<Vec<(Vec<u8>, u64)>> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut out = Vec::with_capacity(data.len() / 12);
        for line in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let sp = line.iter().position(|&b| b == b' ')?;
            let (tok, rank) = (&line[..sp], &line[sp + 1..]);
            if tok.is_empty() || rank.is_empty() || rank.len() > 19 {
                return None;
            }
            if !rank.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let rank = rank.iter().fold(0u64, |v, &d| v * 10 + u64::from(d - b'0'));
            out.push((b64.decode(tok).ok()?, rank));
        }
        Some(out)
    });
    let Some(parsed) = parsed else {
        return Ok(None);
    };
    let d = PyDict::new(py);
    for (tok, rank) in parsed {
        d.set_item(PyBytes::new(py, &tok), rank)?;
    }
    Ok(Some(d))
}

/// The names of the built-in encodings, in tiktoken's `list_encoding_names` order.
#[pyfunction]
fn builtin_names() -> Vec<&'static str> {
    builtin::BUILTINS.iter().map(|b| b.name).collect()
}

/// The encoding name of a model, as tiktoken's `encoding_name_for_model`, or `None`.
#[pyfunction]
fn encoding_name_for_model(model: &str) -> Option<&'static str> {
    builtin::encoding_name_for_model(model)
}

/// The native module `fairtok._fairtok`.
#[pymodule]
fn _fairtok(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CoreTokenizer>()?;
    m.add_function(wrap_pyfunction!(builtin_names, m)?)?;
    m.add_function(wrap_pyfunction!(encoding_name_for_model, m)?)?;
    m.add_class::<jobs::ReadingArgs>()?;
    m.add_class::<jobs::ParityArgs>()?;
    m.add_class::<jobs::ReadStats>()?;
    m.add_class::<jobs::TrainOutput>()?;
    m.add_class::<jobs::ExtendOutput>()?;
    m.add_function(wrap_pyfunction!(jobs::train, m)?)?;
    m.add_function(wrap_pyfunction!(jobs::extend, m)?)?;
    m.add_function(wrap_pyfunction!(adapt::adapt, m)?)?;
    m.add_function(wrap_pyfunction!(parity::parity, m)?)?;
    m.add_function(wrap_pyfunction!(parity::default_tokenizers, m)?)?;
    m.add_function(wrap_pyfunction!(parse_tiktoken_bpe, m)?)?;
    m.add_function(wrap_pyfunction!(chat::chat_format, m)?)?;
    m.add_function(wrap_pyfunction!(chat::count_chat, m)?)?;
    m.add_function(wrap_pyfunction!(chat::encode_chat, m)?)?;
    m.add_class::<arrow::ArrowColumn>()?;
    m.add_function(wrap_pyfunction!(arrow::arrow_kernel, m)?)?;
    m.add_function(wrap_pyfunction!(counts::write_pretoken_counts, m)?)?;
    m.add_function(wrap_pyfunction!(counts::merge_counts, m)?)?;
    m.add_function(wrap_pyfunction!(counts::count_files, m)?)?;
    m.add_function(wrap_pyfunction!(counts::expand_files, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
