//! # fairtok-arrow
//!
//! Kernels over an Arrow string column, for the engines that hold text as Arrow (Ray Data,
//! Daft, Spark's `mapInArrow`, Polars, DuckDB, pyarrow): the token count of every row
//! ([`count`]), its ids ([`encode`]) and the pre-token counts of the column, written as a
//! counts file that `fairtok train --counts` reads ([`write_pretoken_counts`]).
//!
//! ```
//! use arrow_array::{Array, StringArray};
//! let tok = fairtok_core::Tokenizer::builtin("o200k_base")?;
//! let texts = StringArray::from(vec![Some("hello world"), None, Some("안녕하세요")]);
//! let counts = fairtok_arrow::count(&tok, &texts, 2)?;
//! assert_eq!(counts.value(0), 2);
//! assert!(counts.is_null(1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What a row is
//!
//! Every row is one text, encoded on its own with the tokenizer's default rule
//! ([`fairtok_core::Tokenizer::encode`]: tiktoken's `encode_ordinary`, Hugging Face's
//! `encode(text, add_special_tokens=False)`), exactly as a Python loop over the rows would do
//! it. A null row gives a null count, a null list of ids, and is skipped by pre-token counting
//! (as `fairtok train` skips a null Parquet value). The column may be `utf8`, `large_utf8` or
//! `utf8_view` ([`Texts`]), or `null` (every row null); any other type is refused with
//! [`Error::Type`].
//!
//! # Memory and threads
//!
//! The kernels read the column's buffers in place: no string is copied. [`count`] allocates
//! the output column (8 bytes a row); [`encode`] holds the ids of every row (4 bytes a token)
//! once, plus the list offsets. Rows are shared between `threads` threads of a pool made for
//! the call, in runs of rows so that a thread takes a new run only after a few kilobytes; the
//! result does not depend on the number of threads.
//!
//! # The C data interface
//!
//! [`ffi`] moves a column in and out of another library (pyarrow, Polars, ...) through the
//! Arrow C data interface, the structs behind the `__arrow_c_array__` protocol, without
//! copying the data. An imported column is fully validated (offsets, lengths, UTF-8) before a
//! kernel reads it: its producer is not trusted.

#![warn(missing_docs)]

pub mod ffi;

use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Int64Array, LargeStringArray, ListArray, StringArray, StringViewArray,
    UInt32Array,
};
use arrow_buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field};
use fairtok_core::Tokenizer;
use fairtok_train::PieceCounts;
use rayon::prelude::*;

/// Everything that can go wrong in a kernel.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The column is not a string column.
    #[error("the column has type {0}; a text column is utf8, large_utf8 or utf8_view")]
    Type(DataType),
    /// The column's buffers are not a valid Arrow array (from [`ffi::import`]).
    #[error("invalid Arrow data: {0}")]
    Invalid(String),
    /// One row could not be encoded.
    #[error("row {row}: {source}")]
    Encode {
        /// The row's index in the column.
        row: usize,
        /// What the tokenizer said.
        source: fairtok_core::Error,
    },
    /// More ids than one list array can index (2^31 - 1).
    #[error(
        "{0} ids in one column: more than a list array holds (2^31 - 1); give fewer rows at a time"
    )]
    TooManyIds(usize),
    /// Counting or writing pre-tokens failed.
    #[error(transparent)]
    Train(#[from] fairtok_train::TrainError),
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// A text column of one of the three Arrow string types, read in place.
#[derive(Debug, Clone, Copy)]
pub enum Texts<'a> {
    /// `utf8`: 32-bit offsets.
    Utf8(&'a StringArray),
    /// `large_utf8`: 64-bit offsets.
    LargeUtf8(&'a LargeStringArray),
    /// `utf8_view`: views into data buffers.
    View(&'a StringViewArray),
    /// `null`: a column of this many rows, all null (what an engine infers for a block whose
    /// texts are all missing).
    Null(usize),
}

impl<'a> Texts<'a> {
    /// The column as texts, or [`Error::Type`] for a column of another type.
    pub fn new(column: &'a dyn Array) -> Result<Texts<'a>> {
        let any = column.as_any();
        if let Some(a) = any.downcast_ref::<StringArray>() {
            Ok(Texts::Utf8(a))
        } else if let Some(a) = any.downcast_ref::<LargeStringArray>() {
            Ok(Texts::LargeUtf8(a))
        } else if let Some(a) = any.downcast_ref::<StringViewArray>() {
            Ok(Texts::View(a))
        } else if column.data_type() == &DataType::Null {
            Ok(Texts::Null(column.len()))
        } else {
            Err(Error::Type(column.data_type().clone()))
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Texts::Utf8(a) => a.len(),
            Texts::LargeUtf8(a) => a.len(),
            Texts::View(a) => a.len(),
            Texts::Null(n) => *n,
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`'s text, `None` if it is null. Panics if `i` is past the end.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match *self {
            Texts::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::LargeUtf8(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::View(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::Null(n) => {
                assert!(i < n, "row {i} of {n}");
                None
            }
        }
    }

    /// The column's validity (`None`: no null).
    fn nulls(&self) -> Option<NullBuffer> {
        match *self {
            Texts::Utf8(a) => a.nulls().cloned(),
            Texts::LargeUtf8(a) => a.nulls().cloned(),
            Texts::View(a) => a.nulls().cloned(),
            Texts::Null(n) => Some(NullBuffer::new_null(n)),
        }
    }
}

/// The fewest rows a thread takes at a time.
const MIN_ROWS: usize = 16;

/// Runs `f` on every row of `texts` on up to `threads` threads and collects the results in
/// row order (the first error wins).
fn per_row<T: Send>(
    texts: Texts<'_>,
    threads: usize,
    f: impl Fn(usize, Option<&str>) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let threads = fairtok_core::threads_cap(threads);
    let serial = || (0..texts.len()).map(|i| f(i, texts.get(i))).collect();
    if threads <= 1 || texts.len() <= MIN_ROWS {
        return serial();
    }
    // A pool of `threads`; where the system refuses them, the calling thread does the work.
    fairtok_core::task::on_pool(threads, || {
        (0..texts.len())
            .into_par_iter()
            .with_min_len(MIN_ROWS)
            .map(|i| f(i, texts.get(i)))
            .collect()
    })
}

/// The number of tokens of every row of `column` (a null row: null), on up to `threads`
/// threads. Refuses a column that is not text ([`Error::Type`]).
pub fn count(tok: &Tokenizer, column: &dyn Array, threads: usize) -> Result<Int64Array> {
    let texts = Texts::new(column)?;
    let counts = per_row(texts, threads, |row, text| match text {
        None => Ok(0),
        Some(t) => tok
            .count(t)
            .map(|n| n as i64)
            .map_err(|source| Error::Encode { row, source }),
    })?;
    Ok(Int64Array::new(ScalarBuffer::from(counts), texts.nulls()))
}

/// The ids of every row of `column` as a list array of `uint32` (a null row: a null list), on
/// up to `threads` threads. Refuses a column that is not text ([`Error::Type`]), and one whose
/// ids would not fit one list array ([`Error::TooManyIds`]).
pub fn encode(tok: &Tokenizer, column: &dyn Array, threads: usize) -> Result<ListArray> {
    let texts = Texts::new(column)?;
    let rows = per_row(texts, threads, |row, text| match text {
        None => Ok(Vec::new()),
        Some(t) => tok
            .encode(t)
            .map_err(|source| Error::Encode { row, source }),
    })?;
    let total: usize = rows.iter().map(Vec::len).sum();
    if total > i32::MAX as usize {
        return Err(Error::TooManyIds(total));
    }
    let offsets = OffsetBuffer::<i32>::from_lengths(rows.iter().map(Vec::len));
    let mut values = Vec::with_capacity(total);
    for r in rows {
        values.extend_from_slice(&r);
    }
    let item = Arc::new(Field::new("item", DataType::UInt32, true));
    let values: ArrayRef = Arc::new(UInt32Array::from(values));
    ListArray::try_new(item, offsets, values, texts.nulls())
        .map_err(|e| Error::Invalid(e.to_string()))
}

/// The pre-tokens of the non-null rows of `column` (each row one record, as a Parquet value
/// is for `fairtok train`), split by `pattern` (a name such as `o200k` or a regex in
/// tiktoken's dialect, [`fairtok_train::checked_pattern`]) on up to `threads` threads.
pub fn count_pretokens(
    column: &dyn Array,
    pattern: &str,
    lang: &str,
    threads: usize,
) -> Result<PieceCounts> {
    let texts = Texts::new(column)?;
    let rows: Vec<&str> = (0..texts.len()).filter_map(|i| texts.get(i)).collect();
    let mut counts = PieceCounts::new(&fairtok_train::checked_pattern(pattern)?);
    fairtok_train::count_texts(&mut counts, lang, &rows, threads)?;
    Ok(counts)
}

/// [`count_pretokens`], written to `path` as a counts file tagged `lang` (the format of
/// `fairtok count-pretokens`, [`fairtok_train::parquet_io`]), atomically: a counts file for one
/// block of a distributed corpus. A column without a pre-token writes a file without rows.
/// Returns the counts written (what was read is in their [`PieceCounts::stats`]).
pub fn write_pretoken_counts(
    column: &dyn Array,
    pattern: &str,
    lang: &str,
    threads: usize,
    path: &Path,
) -> Result<PieceCounts> {
    let counts = count_pretokens(column, pattern, lang, threads)?;
    fairtok_train::write_counts(path, &counts, lang)?;
    Ok(counts)
}
