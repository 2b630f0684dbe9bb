//! The errors of [`adapt`](crate::adapt): each names the file, tensor, field or id at fault.

use std::path::PathBuf;

/// A failed adaptation. Nothing is written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file of the checkpoint or the output could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A file of the checkpoint is malformed or inconsistent: a `config.json` field, the shard
    /// index, a safetensors header, a shard shorter than its header says.
    #[error("{path}: {reason}")]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the field or tensor.
        reason: String,
    },
    /// The embedding matrix does not fit the base tokenizer.
    #[error(
        "{path}: tensor {tensor} has {rows} rows, but the base tokenizer {tokenizer} has {ids} ids"
    )]
    EmbeddingRows {
        /// The shard that holds the tensor.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// Its rows.
        rows: usize,
        /// The tokenizer's origin.
        tokenizer: String,
        /// The tokenizer's number of ids.
        ids: usize,
    },
    /// The extended tokenizer does not extend the checkpoint's tokenizer: an id of the base
    /// has other bytes (the first one found), or the extension has no new id.
    #[error("{extended} does not extend the model's tokenizer {base}: {reason}")]
    NotAnExtension {
        /// The checkpoint's tokenizer.
        base: String,
        /// The extended tokenizer.
        extended: String,
        /// The first mismatch.
        reason: String,
    },
    /// Something this step does not do, with the reason.
    #[error("{0}")]
    Unsupported(String),
    /// The output directory exists and is not empty.
    #[error("{path}: the output directory exists and is not empty")]
    OutputExists {
        /// The directory.
        path: PathBuf,
    },
    /// A tokenizer could not be loaded or could not encode.
    #[error(transparent)]
    Tokenizer(#[from] fairtok_core::Error),
    /// The caller asked the work to stop; nothing was written.
    #[error("cancelled; nothing was written")]
    Cancelled,
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    pub(crate) fn checkpoint(path: impl Into<PathBuf>, reason: impl Into<String>) -> Error {
        Error::Checkpoint {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// The result of this crate's functions.
pub type Result<T> = std::result::Result<T, Error>;
