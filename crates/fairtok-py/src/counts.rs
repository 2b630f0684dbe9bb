//! `fairtok._fairtok.count_files`, `write_pretoken_counts`, `merge_counts` and `expand_files`:
//! the steps of counting pre-tokens in parallel (`fairtok.ray`), each one library call with the
//! GIL released. A task counts one file (`count_files`) or one Arrow block
//! (`write_pretoken_counts`) into a counts file; `merge_counts` sums counts files into one (the
//! reduce step); `expand_files` lists the files of inputs as training reads them.

use std::path::PathBuf;

use fairtok_train::PieceCounts;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

use crate::arrow::{arrow_err, import};
use crate::jobs::train_err;

/// Counts the pre-tokens of the column and writes them to `path` as a counts file
/// (`fairtok_arrow::write_pretoken_counts`); returns what was counted.
#[pyfunction]
pub(crate) fn write_pretoken_counts<'py>(
    py: Python<'py>,
    schema: &Bound<'py, PyCapsule>,
    array: &Bound<'py, PyCapsule>,
    pattern: &str,
    lang: &str,
    num_threads: usize,
    path: PathBuf,
) -> PyResult<Bound<'py, PyDict>> {
    let column = import(schema, array)?;
    let counts = py
        .detach(|| fairtok_arrow::write_pretoken_counts(&column, pattern, lang, num_threads, &path))
        .map_err(arrow_err)?;
    summary(py, &counts)
}

/// What a counting task read and wrote: `{records, bytes, pieces, distinct, pruned}` (records,
/// bytes and pieces over every language of the counts).
fn summary<'py>(py: Python<'py>, counts: &PieceCounts) -> PyResult<Bound<'py, PyDict>> {
    let s = &counts.stats;
    let d = PyDict::new(py);
    d.set_item(
        "records",
        s.languages.iter().map(|l| l.records).sum::<u64>(),
    )?;
    d.set_item("bytes", s.languages.iter().map(|l| l.bytes).sum::<u64>())?;
    d.set_item("pieces", s.languages.iter().map(|l| l.pieces).sum::<u64>())?;
    d.set_item("distinct", counts.len())?;
    d.set_item("pruned", s.pruned_pieces)?;
    Ok(d)
}

/// Merges counts files into one (the sum of their counts), written atomically to `output`
/// (`fairtok_train::count_pretokens` on counts files alone); returns the distinct pieces.
#[pyfunction]
pub(crate) fn merge_counts(
    py: Python<'_>,
    files: Vec<PathBuf>,
    output: PathBuf,
) -> PyResult<usize> {
    let job = fairtok_train::CountJob {
        inputs: vec![],
        counts: files,
        pattern: None,
        reading: fairtok_train::Reading::default(),
        output,
    };
    py.detach(|| fairtok_train::count_pretokens(&job, &fairtok_train::NoProgress))
        .map(|c| c.len())
        .map_err(train_err)
}

/// The files that `paths` name, as training reads them: directories walked recursively in
/// sorted order (`fairtok_train::expand`).
#[pyfunction]
pub(crate) fn expand_files(paths: Vec<PathBuf>) -> PyResult<Vec<PathBuf>> {
    let input = fairtok_train::Input {
        lang: "x".into(),
        paths,
    };
    let (_, sources) = fairtok_train::expand(&[input]).map_err(train_err)?;
    Ok(sources.into_iter().map(|s| s.path).collect())
}

/// Counts the pre-tokens of files of one language into a counts file at `output`
/// (`fairtok_train::count_pretokens`, as `fairtok count-pretokens --input LANG=PATHS`);
/// returns what was read.
#[pyfunction]
#[pyo3(signature = (lang, paths, output, pattern = None, text_field = "text".to_owned(), num_threads = 1))]
pub(crate) fn count_files<'py>(
    py: Python<'py>,
    lang: &str,
    paths: Vec<PathBuf>,
    output: PathBuf,
    pattern: Option<String>,
    text_field: String,
    num_threads: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let job = fairtok_train::CountJob {
        inputs: vec![fairtok_train::InputSpec::files(lang, paths).map_err(train_err)?],
        counts: vec![],
        pattern,
        reading: fairtok_train::Reading {
            threads: Some(num_threads),
            text_field,
            ..Default::default()
        },
        output,
    };
    let counts = py
        .detach(|| fairtok_train::count_pretokens(&job, &fairtok_train::NoProgress))
        .map_err(train_err)?;
    summary(py, &counts)
}
