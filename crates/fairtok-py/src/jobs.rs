//! `fairtok._fairtok.train` and `fairtok._fairtok.extend`: one call each of
//! [`fairtok_train::train_files`] and [`fairtok_train::extend_files`] with the GIL released.
//!
//! Both take their inputs in one form, `[(kind, head, values)]` in the order given:
//! `("spec", "LANG[@WEIGHT]=PATH[,PATH...]", [])`, `("files", "LANG[@WEIGHT]", paths)` or
//! `("texts", "LANG[@WEIGHT]", texts)`, and share the [`ReadingArgs`] and [`ParityArgs`]
//! classes. The results are classes too ([`TrainOutput`], [`ExtendOutput`]); `fairtok.train`
//! and `fairtok.extend` (Python) turn them into their result dataclasses. Errors name options
//! by their keyword ([`train_err`]).

use std::path::PathBuf;

use fairtok_train::{
    CountStats, DevText, ExtendJob, ExtendOutcome, InputSpec, LangStats, OutputFormat, ParitySpec,
    Reading, Setting, TrainError, TrainJob, TrainOutcome,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::interrupt::interruptible;
use crate::{io_err, to_py_err, CoreTokenizer};

/// Maps a library error to a Python exception: a file that cannot be read or written is an
/// `OSError` (by kind), an error of the core as [`to_py_err`] maps it, everything else a
/// `ValueError`. Options are named by their keyword argument, which is the library's name.
pub(crate) fn train_err(e: TrainError) -> PyErr {
    match e {
        TrainError::Io { ref source, .. } => io_err(source.kind(), e.to_string()),
        TrainError::Core(e) => to_py_err(e),
        e => PyValueError::new_err(e.message_with(&|s: Setting| s.name().to_owned())),
    }
}

/// The inputs in the native form (see the module docs), as the library's input specs.
fn inputs_of(items: Vec<(String, String, Vec<String>)>) -> Result<Vec<InputSpec>, TrainError> {
    items
        .into_iter()
        .map(|(kind, head, values)| match kind.as_str() {
            "spec" => InputSpec::parse(&head),
            "files" => InputSpec::files(&head, values.into_iter().map(PathBuf::from).collect()),
            "texts" => InputSpec::texts(&head, values),
            k => Err(TrainError::invalid(
                Setting::Inputs,
                format!("unknown input kind {k:?}"),
            )),
        })
        .collect()
}

/// The output format named by `format`.
fn format_of(format: &str) -> PyResult<OutputFormat> {
    match format {
        "hf" => Ok(OutputFormat::Hf),
        "tiktoken" => Ok(OutputFormat::Tiktoken),
        "spm" => Ok(OutputFormat::SentencePiece),
        f => Err(PyValueError::new_err(format!(
            "format must be \"hf\", \"tiktoken\" or \"spm\", not {f:?}"
        ))),
    }
}

/// How inputs are read: `ReadingArgs(*, threads=None, max_pieces=20_000_000,
/// text_field="text", strict=False)`.
#[pyclass(frozen, name = "ReadingArgs", module = "fairtok._fairtok")]
pub(crate) struct ReadingArgs(Reading);

#[pymethods]
impl ReadingArgs {
    #[new]
    #[pyo3(signature = (*, threads=None, max_pieces=20_000_000, text_field="text".to_owned(), strict=false))]
    fn new(threads: Option<usize>, max_pieces: usize, text_field: String, strict: bool) -> Self {
        ReadingArgs(Reading {
            threads,
            max_pieces,
            text_field,
            strict,
        })
    }
}

/// Parity-aware selection: `ParityArgs(*, dev_dir=None, dev_lines=None, pivot=None,
/// hybrid=None, window=None, window_max=None, exclude=[])`, with exactly one of `dev_dir` (a
/// directory of `LANG.dev` files) and `dev_lines` (`[(lang, lines)]`).
#[pyclass(frozen, name = "ParityArgs", module = "fairtok._fairtok")]
pub(crate) struct ParityArgs(ParitySpec);

#[pymethods]
impl ParityArgs {
    #[new]
    #[pyo3(signature = (*, dev_dir=None, dev_lines=None, pivot=None, hybrid=None, window=None, window_max=None, exclude=vec![]))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        dev_dir: Option<PathBuf>,
        dev_lines: Option<Vec<(String, Vec<String>)>>,
        pivot: Option<String>,
        hybrid: Option<usize>,
        window: Option<usize>,
        window_max: Option<usize>,
        exclude: Vec<String>,
    ) -> PyResult<Self> {
        let dev = match (dev_dir, dev_lines) {
            (Some(d), None) => DevText::Dir(d),
            (None, Some(l)) => DevText::Lines(l),
            _ => {
                return Err(PyValueError::new_err(
                    "parity_dev: give a directory or {lang: lines}",
                ))
            }
        };
        Ok(ParityArgs(ParitySpec {
            pivot,
            hybrid,
            window,
            window_max,
            exclude,
            ..ParitySpec::new(dev)
        }))
    }
}

/// What was read of one language, as a dict: `lang`, `bytes`, `records`, `pieces`.
fn lang_stats<'py>(py: Python<'py>, l: &LangStats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("lang", &l.lang)?;
    d.set_item("bytes", l.bytes)?;
    d.set_item("records", l.records)?;
    d.set_item("pieces", l.pieces)?;
    Ok(d)
}

/// What a run skipped and pruned while reading, and the files it wrote (shared by
/// [`TrainOutput`] and [`ExtendOutput`]).
#[pyclass(frozen, get_all, name = "ReadStats", module = "fairtok._fairtok")]
pub(crate) struct ReadStats {
    /// Lines skipped as not UTF-8.
    skipped_lines: u64,
    /// `(path, line)` of the first skipped line.
    first_skipped: Option<(String, u64)>,
    /// Distinct pre-tokens pruned.
    pruned_pieces: u64,
    /// Their occurrences.
    pruned_occurrences: u64,
    /// The files written.
    files: Vec<String>,
}

impl ReadStats {
    fn of(s: &CountStats, files: &[PathBuf]) -> ReadStats {
        ReadStats {
            skipped_lines: s.skipped_utf8,
            first_skipped: s
                .first_skipped
                .as_ref()
                .map(|(p, l)| (p.display().to_string(), *l)),
            pruned_pieces: s.pruned_pieces,
            pruned_occurrences: s.pruned_occurrences,
            files: files.iter().map(|p| p.display().to_string()).collect(),
        }
    }
}

/// What `train` made and saw (see `fairtok.TrainResult`, built from it).
#[pyclass(frozen, name = "TrainOutput", module = "fairtok._fairtok")]
pub(crate) struct TrainOutput {
    outcome: TrainOutcome,
    core: Py<CoreTokenizer>,
}

#[pymethods]
impl TrainOutput {
    /// The trained tokenizer.
    #[getter]
    fn core(&self, py: Python<'_>) -> Py<CoreTokenizer> {
        self.core.clone_ref(py)
    }
    /// 256 bytes + merges + special tokens.
    #[getter]
    fn vocab_size(&self) -> usize {
        self.outcome.trained.vocab_size()
    }
    /// The pre-tokenizer pattern.
    #[getter]
    fn pattern(&self) -> &str {
        &self.outcome.trained.pattern
    }
    /// `(left id, right id)` of each merge.
    #[getter]
    fn merges(&self) -> Vec<(u32, u32)> {
        self.outcome.trained.merges.clone()
    }
    /// The pair count of each merge.
    #[getter]
    fn merge_counts(&self) -> Vec<u64> {
        self.outcome.trained.merge_counts.clone()
    }
    /// The bytes of every ordinary token, by id.
    #[getter]
    fn tokens<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        let t = &self.outcome.trained.tokens;
        t.iter().map(|b| PyBytes::new(py, b)).collect()
    }
    /// `(text, id)` of each special token.
    #[getter]
    fn specials(&self) -> Vec<(String, u32)> {
        self.outcome.trained.specials.clone()
    }
    /// Per language: `{"lang", "bytes", "records", "pieces"}`.
    #[getter]
    fn languages<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let s = &self.outcome.stats.languages;
        s.iter().map(|l| lang_stats(py, l)).collect()
    }
    /// What reading skipped and pruned, and the files written.
    #[getter]
    fn read(&self) -> ReadStats {
        ReadStats::of(&self.outcome.stats, &self.outcome.files)
    }
    /// Parity-aware training: `{"pivot", "hybrid", "window", "global_merges", "languages":
    /// [{"lang", "dev_tokens_before", "dev_tokens_after", "premium_before", "premium_after",
    /// "merges"}]}`, or None.
    #[getter]
    fn parity<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let (Some(r), Some((pivot, o))) = (&self.outcome.trained.parity, &self.outcome.parity)
        else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("pivot", pivot)?;
        d.set_item("hybrid", o.global_merges)?;
        d.set_item("window", o.window.map(|w| (w.size, w.max_per_language)))?;
        d.set_item("global_merges", r.stats.global_merges)?;
        let langs = PyList::empty(py);
        let premiums = r.premiums(pivot).unwrap_or_default();
        for (i, (lang, (before, after))) in r.languages.iter().zip(premiums).enumerate() {
            let l = PyDict::new(py);
            l.set_item("lang", lang)?;
            l.set_item("dev_tokens_before", r.stats.dev_tokens_before[i])?;
            l.set_item("dev_tokens_after", r.stats.dev_tokens_after[i])?;
            l.set_item("premium_before", before)?;
            l.set_item("premium_after", after)?;
            l.set_item("merges", r.stats.merges_taken[i])?;
            langs.append(l)?;
        }
        d.set_item("languages", langs)?;
        Ok(Some(d))
    }
}

/// Trains a byte-level BPE vocabulary as `fairtok train` does (see `fairtok.train`, which
/// resolves the arguments).
#[pyfunction]
#[pyo3(signature = (
    inputs, *, vocab_size, counts, pattern, specials, min_frequency, max_token_bytes, output,
    format, name, reading, parity
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn train(
    py: Python<'_>,
    inputs: Vec<(String, String, Vec<String>)>,
    vocab_size: usize,
    counts: Vec<PathBuf>,
    pattern: Option<String>,
    specials: Vec<String>,
    min_frequency: u64,
    max_token_bytes: Option<usize>,
    output: Option<PathBuf>,
    format: &str,
    name: Option<String>,
    reading: &ReadingArgs,
    parity: Option<&ParityArgs>,
) -> PyResult<TrainOutput> {
    let job = TrainJob {
        inputs: inputs_of(inputs).map_err(train_err)?,
        counts,
        pattern,
        min_frequency,
        max_token_bytes,
        specials,
        parity: parity.map(|p| p.0.clone()),
        reading: reading.0.clone(),
        output,
        format: format_of(format)?,
        name,
        ..TrainJob::new(vocab_size)
    };
    // Ctrl-C stops the work within a batch or a few merges (`crate::interrupt`).
    let (outcome, tok) = interruptible(py, |cancel| {
        let outcome = fairtok_train::train_files(&job, cancel)?;
        let tok = outcome.tokenizer()?;
        Ok((outcome, tok))
    })?
    .map_err(train_err)?;
    Ok(TrainOutput {
        outcome,
        core: Py::new(py, CoreTokenizer::new(tok))?,
    })
}

/// What `extend` added and saw (see `fairtok.ExtendResult`, built from it).
#[pyclass(frozen, name = "ExtendOutput", module = "fairtok._fairtok")]
pub(crate) struct ExtendOutput {
    outcome: ExtendOutcome,
    core: Py<CoreTokenizer>,
}

#[pymethods]
impl ExtendOutput {
    /// The extended tokenizer.
    #[getter]
    fn core(&self, py: Python<'_>) -> Py<CoreTokenizer> {
        self.core.clone_ref(py)
    }
    /// The id of the first new token.
    #[getter]
    fn first_id(&self) -> u32 {
        self.outcome.extension.first_id
    }
    /// The bytes of each new token.
    #[getter]
    fn tokens<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        let t = &self.outcome.extension.tokens;
        t.iter().map(|b| PyBytes::new(py, b)).collect()
    }
    /// The pair of each new token, or None for a whole piece.
    #[getter]
    fn merges(&self) -> Vec<Option<(u32, u32)>> {
        self.outcome.extension.merges.clone()
    }
    /// The weighted saving of each new token.
    #[getter]
    fn counts(&self) -> Vec<u64> {
        self.outcome.extension.counts.clone()
    }
    /// The language that chose each new token, or None.
    #[getter]
    fn chosen_by(&self) -> Vec<Option<String>> {
        let o = &self.outcome;
        let by = &o.extension.chosen_by;
        by.iter()
            .map(|c| c.map(|l| o.languages[l].clone()))
            .collect()
    }
    /// After each new token, `{language: dev premium}`.
    #[getter]
    fn dev_premium<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let o = &self.outcome;
        o.extension
            .dev_premium
            .iter()
            .map(|step| {
                let p = PyDict::new(py);
                for (lang, v) in o.languages.iter().zip(step) {
                    p.set_item(lang, v)?;
                }
                Ok(p)
            })
            .collect()
    }
    /// The input languages in order of first appearance.
    #[getter]
    fn languages(&self) -> Vec<String> {
        self.outcome.languages.clone()
    }
    /// Per input: `{"lang", "weight", "bytes", "records", "pieces"}`.
    #[getter]
    fn inputs<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let read = &self.outcome.inputs;
        read.iter()
            .map(|r| {
                let d = lang_stats(py, &r.stats)?;
                d.set_item("weight", r.weight)?;
                Ok(d)
            })
            .collect()
    }
    /// What reading skipped and pruned, and the files written.
    #[getter]
    fn read(&self) -> ReadStats {
        ReadStats::of(&self.outcome.stats, &self.outcome.files)
    }
    /// The encoding's name.
    #[getter]
    fn name(&self) -> &str {
        &self.outcome.name
    }
    /// `"hf"`, `"tiktoken"` or `"spm"`.
    #[getter]
    fn format(&self) -> &str {
        match self.outcome.format {
            OutputFormat::Hf => "hf",
            OutputFormat::Tiktoken => "tiktoken",
            OutputFormat::SentencePiece => "spm",
        }
    }
    /// The script of the new tokens.
    #[getter]
    fn script(&self) -> &str {
        self.outcome.script.name()
    }
    /// The base's name.
    #[getter]
    fn base(&self) -> &str {
        self.outcome.base.tokenizer.name()
    }
}

/// Extends a vocabulary as `fairtok extend` does (see `fairtok.extend`, which resolves the
/// arguments).
#[pyfunction]
#[pyo3(signature = (
    base, inputs, *, add, script, whole_pieces, piece_bias, min_frequency, max_token_bytes,
    output, format, name, reading, parity
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn extend(
    py: Python<'_>,
    base: String,
    inputs: Vec<(String, String, Vec<String>)>,
    add: usize,
    script: Option<String>,
    whole_pieces: bool,
    piece_bias: Option<f64>,
    min_frequency: u64,
    max_token_bytes: Option<usize>,
    output: Option<PathBuf>,
    format: Option<&str>,
    name: Option<String>,
    reading: &ReadingArgs,
    parity: Option<&ParityArgs>,
) -> PyResult<ExtendOutput> {
    let job = ExtendJob {
        inputs: inputs_of(inputs).map_err(train_err)?,
        script,
        parity: parity.map(|p| p.0.clone()),
        whole_pieces,
        piece_bias,
        min_frequency,
        max_token_bytes,
        reading: reading.0.clone(),
        output,
        format: format.map(format_of).transpose()?,
        name,
        ..ExtendJob::new(&base, add)
    };
    // Ctrl-C stops the work within a batch or a few merges (`crate::interrupt`).
    let (outcome, tok) = interruptible(py, |cancel| {
        let outcome = fairtok_train::extend_files(&job, cancel)?;
        let tok = outcome.tokenizer()?;
        Ok((outcome, tok))
    })?
    .map_err(train_err)?;
    Ok(ExtendOutput {
        outcome,
        core: Py::new(py, CoreTokenizer::new(tok))?,
    })
}
