//! `fairtok._fairtok.arrow_kernel`: the Arrow kernels of `fairtok_arrow` on
//! columns handed over through the Arrow PyCapsule interface (`__arrow_c_array__`), with the
//! GIL released.
//!
//! A column comes in as its two capsules (`arrow_schema`, `arrow_array`); the array is moved
//! out of its capsule (`fairtok_arrow::ffi::import`), so no buffer is copied and no Python
//! `str` is made per row. A result goes out as an [`ArrowColumn`], an object with
//! `__arrow_c_array__` that pyarrow (`pa.array(obj)`), Polars and the other Arrow libraries
//! take without a copy. Chunked arrays and streams are split into arrays on the Python side
//! (`python/fairtok/arrow.py`).

use std::sync::Arc;

use arrow_array::ArrayRef;
use fairtok_arrow::ffi::{self as arrow_ffi};
use fairtok_arrow::Error as ArrowError;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::jobs::train_err;
use crate::{to_py_err, CoreTokenizer};

/// The Python exception of a kernel's error: a column of another type is a `TypeError`, a
/// training error as `train_err` maps it, an encoding error as `to_py_err` (with the row).
pub(crate) fn arrow_err(e: ArrowError) -> PyErr {
    match e {
        ArrowError::Type(_) => PyTypeError::new_err(e.to_string()),
        ArrowError::Train(e) => train_err(e),
        ArrowError::Encode { row, source } => {
            let err = to_py_err(source);
            Python::attach(|py| {
                let msg = format!("row {row}: {}", err.value(py));
                PyErr::from_type(err.get_type(py), msg)
            })
        }
        e => PyValueError::new_err(e.to_string()),
    }
}

/// Imports the column of a `(schema, array)` capsule pair (`__arrow_c_array__()`), moving the
/// array out of its capsule.
pub(crate) fn import(
    schema: &Bound<'_, PyCapsule>,
    array: &Bound<'_, PyCapsule>,
) -> PyResult<ArrayRef> {
    let s = schema.pointer_checked(Some(c"arrow_schema"))?;
    let a = array.pointer_checked(Some(c"arrow_array"))?;
    // SAFETY: capsules named `arrow_schema` and `arrow_array` hold the C data interface's
    // structs by the PyCapsule interface's contract, from the same `__arrow_c_array__` call
    // (the Python side passes the pair it got); `import` moves the array out and leaves its
    // capsule a released struct, which the capsule's destructor then ignores.
    unsafe { arrow_ffi::import(a.as_ptr().cast(), s.as_ptr().cast()) }.map_err(arrow_err)
}

/// A column made by a kernel, handed to Python through the Arrow PyCapsule interface: pass it
/// to `pyarrow.array` (or any library that takes `__arrow_c_array__`). It can be exported once.
#[pyclass(frozen, module = "fairtok._fairtok")]
pub struct ArrowColumn {
    column: std::sync::Mutex<Option<ArrayRef>>,
}

impl ArrowColumn {
    fn new(column: ArrayRef) -> ArrowColumn {
        ArrowColumn {
            column: std::sync::Mutex::new(Some(column)),
        }
    }
}

#[pymethods]
impl ArrowColumn {
    /// The `(schema, array)` capsules of the column (the Arrow PyCapsule interface). A
    /// `requested_schema` is ignored: the column has one type.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        let _ = requested_schema;
        let column = self
            .column
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or_else(|| PyValueError::new_err("this column was exported already"))?;
        let (array, schema) = arrow_ffi::export(&column).map_err(arrow_err)?;
        // Dropping a capsule drops its struct, which calls the struct's `release` unless a
        // consumer moved it out (leaving `release` null), as the interface asks.
        let schema = PyCapsule::new_with_value(py, schema, c"arrow_schema")?;
        let array = PyCapsule::new_with_value(py, array, c"arrow_array")?;
        Ok((schema, array))
    }
}

/// Runs a kernel on the column of the capsules with the GIL released: `kernel` is `"count"`
/// (`Encoding.count_arrow`: int64 counts) or `"encode"` (`Encoding.encode_arrow`: lists of
/// uint32 ids).
#[pyfunction]
pub(crate) fn arrow_kernel(
    py: Python<'_>,
    tok: &Bound<'_, CoreTokenizer>,
    kernel: &str,
    schema: &Bound<'_, PyCapsule>,
    array: &Bound<'_, PyCapsule>,
    num_threads: usize,
) -> PyResult<ArrowColumn> {
    let encode = match kernel {
        "count" => false,
        "encode" => true,
        k => {
            return Err(PyValueError::new_err(format!(
                "no Arrow kernel {k:?} (count, encode)"
            )))
        }
    };
    let column = import(schema, array)?;
    let tok = &tok.get().tok;
    let out = py
        .detach(|| -> Result<ArrayRef, ArrowError> {
            Ok(if encode {
                Arc::new(fairtok_arrow::encode(tok, &column, num_threads)?)
            } else {
                Arc::new(fairtok_arrow::count(tok, &column, num_threads)?)
            })
        })
        .map_err(arrow_err)?;
    Ok(ArrowColumn::new(out))
}
