//! `fairtok._fairtok.parity`: the measurement of `fairtok parity` (`fairtok_eval`) with the GIL
//! released; the report comes back as the JSON that `fairtok parity --json` writes.

use std::path::PathBuf;

use fairtok_core::Tokenizer;
use fairtok_eval::corpus::{CorpusSource, ParallelCorpus};
use fairtok_eval::{metrics, render};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::{io_err, CoreTokenizer};

/// The name of an in-memory corpus in reports and messages.
const IN_MEMORY: &str = "in-memory corpus";

/// Maps an evaluation error to a Python exception with its message: a file that cannot be
/// read or written is an `OSError` (by kind), everything else a `ValueError`.
fn eval_err(e: fairtok_eval::Error) -> PyErr {
    let msg = e.to_string();
    match e {
        fairtok_eval::Error::Io { source, .. } => io_err(source.kind(), msg),
        _ => PyValueError::new_err(msg),
    }
}

/// Measures the parity report of `tokenizers` (see `fairtok.parity`, which resolves the
/// arguments) and returns it as `fairtok parity --json` writes it. At most one of `dir`,
/// `pairs` and `lines` is given; none means the bundled FLORES-200 sample. The report is also
/// written (atomically) to each of `json_path`, `html_path` and `markdown_path` that is given.
#[pyfunction]
#[pyo3(signature = (
    tokenizers, dir, pairs, lines, langs, pivot, prices, json_path, html_path, markdown_path
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn parity(
    py: Python<'_>,
    tokenizers: Vec<Py<CoreTokenizer>>,
    dir: Option<PathBuf>,
    pairs: Vec<(String, PathBuf)>,
    lines: Vec<(String, Vec<String>)>,
    langs: Vec<String>,
    pivot: String,
    prices: Vec<f64>,
    json_path: Option<PathBuf>,
    html_path: Option<PathBuf>,
    markdown_path: Option<PathBuf>,
) -> PyResult<String> {
    let given = [dir.is_some(), !pairs.is_empty(), !lines.is_empty()];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(PyValueError::new_err(
            "give one corpus: a directory, files per language, or lines per language",
        ));
    }
    let source = if let Some(d) = dir {
        CorpusSource::Dir(d)
    } else if !pairs.is_empty() {
        CorpusSource::Pairs(pairs)
    } else if !lines.is_empty() {
        CorpusSource::Lines(IN_MEMORY.to_owned(), lines)
    } else {
        CorpusSource::Bundled
    };
    let toks: Vec<&Tokenizer> = tokenizers.iter().map(|t| &t.get().tok).collect();
    let files = render::ReportFiles {
        json: json_path,
        html: html_path,
        markdown: markdown_path,
    };
    py.detach(|| -> fairtok_eval::Result<String> {
        let langs = (!langs.is_empty()).then_some(&langs[..]);
        let corpus = ParallelCorpus::open(source, langs, &pivot)?;
        let prices = metrics::prices_for(&prices, toks.len())?;
        let report = metrics::measure(&toks, &corpus, &pivot, &prices, &|_| {})?;
        render::write_reports(&report, &files)
    })
    .map_err(eval_err)
}

/// The tokenizers `fairtok parity` measures when none is given.
#[pyfunction]
pub(crate) fn default_tokenizers() -> Vec<&'static str> {
    fairtok_core::builtin::NAMES.to_vec()
}
