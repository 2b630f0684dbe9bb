//! Errors of the trainer. Each names the file and, where there is one, the line.

use std::path::PathBuf;

use fairtok_core::bounded;

pub use fairtok_core::Setting;

/// The result type of this crate.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;

/// Everything that can go wrong while reading a corpus, counting or training.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// A file or directory could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system (or the decompressor) said.
        source: std::io::Error,
    },
    /// A record of an input is malformed: not UTF-8 under `--strict`, a JSONL line that is not
    /// JSON or lacks the text field, ...
    #[error("{path}:{line}: {}", bounded(.reason))]
    Record {
        /// The file.
        path: PathBuf,
        /// The 1-based line (JSONL and text) or row (Parquet) number.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// A file as a whole cannot be used (a Parquet file without the text column, a counts file
    /// made with another pattern, ...).
    #[error("{path}: {}", bounded(.reason))]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// An option of the call is invalid or does not apply. Front ends name the option their
    /// own way: see [`TrainError::message_with`].
    #[error("{option}: {}", bounded(.reason))]
    InvalidOption {
        /// The option.
        option: Setting,
        /// What is wrong with its value.
        reason: String,
    },
    /// The call cannot be carried out as asked (an inconsistency of the arguments of a library
    /// call that no single option names).
    #[error("{}", bounded(.0))]
    Usage(String),
    /// The caller stopped the work ([`crate::Progress::cancelled`]); nothing was written.
    #[error("cancelled")]
    Cancelled,
    /// There is nothing to train on.
    #[error("empty corpus: {}", bounded(.0))]
    EmptyCorpus(String),
    /// The pre-tokenizer pattern does not compile or failed on an input.
    #[error(transparent)]
    Core(#[from] fairtok_core::Error),
}

impl TrainError {
    /// An [`TrainError::InvalidOption`].
    pub fn invalid(option: Setting, reason: impl Into<String>) -> TrainError {
        TrainError::InvalidOption {
            option,
            reason: reason.into(),
        }
    }

    /// The message, with every option named by `name` (a command-line flag, a Python keyword,
    /// a JSON field) instead of [`Setting::name`].
    pub fn message_with(&self, name: &dyn Fn(Setting) -> String) -> String {
        match self {
            TrainError::InvalidOption { option, reason } => format!("{}: {reason}", name(*option)),
            TrainError::Core(e) => e.message_with(name),
            e => e.to_string(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> TrainError {
        TrainError::Io {
            path: path.into(),
            source,
        }
    }
}
