//! `fairtok._fairtok.adapt`: one call of [`fairtok_adapt::adapt`], without the GIL and
//! stoppable with Ctrl-C; the report comes back as its JSON text (`fairtok.adapt` parses it).

use std::path::PathBuf;

use fairtok_adapt::{AdaptOptions, Error, OutputInit};
use pyo3::exceptions::{PyFileExistsError, PyValueError};
use pyo3::prelude::*;

use crate::interrupt::interruptible;
use crate::{io_err, to_py_err};

/// Adapts the checkpoint in `model` to the extended `tokenizer`, writing `output`; returns the
/// report as JSON. `init` is `"mean"` or `"first"`.
#[pyfunction]
#[pyo3(signature = (model, tokenizer, output, init="mean", pad_to=None))]
pub(crate) fn adapt(
    py: Python<'_>,
    model: PathBuf,
    tokenizer: PathBuf,
    output: PathBuf,
    init: &str,
    pad_to: Option<usize>,
) -> PyResult<String> {
    let output_init = OutputInit::from_name(init).ok_or_else(|| {
        PyValueError::new_err(format!("init must be \"mean\" or \"first\", not {init:?}"))
    })?;
    if pad_to == Some(0) {
        return Err(PyValueError::new_err("pad_to must be at least 1"));
    }
    let opts = AdaptOptions {
        output_init,
        pad_to,
        ..AdaptOptions::default()
    };
    let report = interruptible(py, |cancel| {
        fairtok_adapt::adapt(&model, &tokenizer, &output, &opts, cancel)
    })?;
    report.map(|r| r.to_json().to_string()).map_err(adapt_err)
}

/// A file that cannot be read or written is an `OSError` (by kind), an output directory in
/// the way `FileExistsError`, a tokenizer error as [`to_py_err`] maps it, the rest a
/// `ValueError`.
fn adapt_err(e: Error) -> PyErr {
    match e {
        Error::Io { ref source, .. } => io_err(source.kind(), e.to_string()),
        Error::OutputExists { .. } => PyFileExistsError::new_err(e.to_string()),
        Error::Tokenizer(e) => to_py_err(e),
        e => PyValueError::new_err(e.to_string()),
    }
}
