//! Errors of the core crate.
//!
//! Every error that comes from a file names the file and, where there is one, the line, the
//! byte offset or the JSON path of the problem, so that a one-line message is enough to fix it.

use std::path::PathBuf;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while loading a tokenizer, encoding or decoding.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A line of a `.tiktoken` rank file is malformed (not `base64 rank`, a duplicate, ...).
    #[error("{path}:{line}: {reason}")]
    TiktokenLine {
        /// The file (or `<builtin NAME>`).
        path: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A `.tiktoken` file as a whole is unusable (empty, lacks a single-byte token, ...).
    #[error("{path}: {reason}")]
    Vocab {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `tokenizer.json` file is not JSON or does not have the expected shape.
    #[error("{path}: {reason}")]
    TokenizerJson {
        /// The file.
        path: String,
        /// What is wrong, with the JSON path of the offending value.
        reason: String,
    },
    /// A `tokenizer.json` uses a component that fairtok does not implement. fairtok refuses it
    /// rather than encode with part of the pipeline missing.
    #[error("{path}: unsupported {component} `{kind}` (fairtok supports: {supported})")]
    Unsupported {
        /// The file.
        path: String,
        /// Which part of the pipeline: `model`, `normalizer`, `pre_tokenizer`, `decoder`, ...
        component: &'static str,
        /// The `type` found in the file.
        kind: String,
        /// The kinds that are supported there.
        supported: &'static str,
    },
    /// A pre-tokenizer regular expression does not compile.
    #[error("invalid pre-tokenizer pattern {pattern:?}: {reason}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// The regex engine's message.
        reason: String,
    },
    /// The regex engine gave up on an input (backtracking limit); the input is named by offset.
    #[error("pre-tokenizer failed at byte offset {offset}: {reason}")]
    Pretokenize {
        /// Byte offset in the text being encoded where the failing search started.
        offset: usize,
        /// The regex engine's message.
        reason: String,
    },
    /// A tokenizer name is neither a built-in, an alias nor an existing file.
    #[error("unknown tokenizer `{0}`: not a built-in name ({builtins}), a model alias, or an existing file", builtins = crate::builtin::NAMES.join(", "))]
    UnknownTokenizer(String),
    /// A special token was requested that the tokenizer does not have.
    #[error("unknown special token `{token}` for {tokenizer} (it has: {available})")]
    UnknownSpecial {
        /// The requested token text.
        token: String,
        /// The tokenizer's name.
        tokenizer: String,
        /// The special tokens it does have.
        available: String,
    },
    /// A token id is not in the vocabulary.
    #[error("token id {id} at position {position} is not in the vocabulary of {tokenizer} (ids 0..{n_vocab})")]
    UnknownId {
        /// The id.
        id: u64,
        /// Its index in the id sequence being decoded.
        position: usize,
        /// The tokenizer's name.
        tokenizer: String,
        /// One past the largest id of the tokenizer.
        n_vocab: usize,
    },
    /// A special token cannot be written to a `tokenizer.json` under its id (see
    /// [`crate::write::tokenizer_json`]): Hugging Face would read it, or another token, under
    /// another id.
    #[error("special token {special:?} (id {id}) cannot be written to a tokenizer.json: {reason}")]
    SpecialToken {
        /// The special token's text.
        special: String,
        /// Its id.
        id: u32,
        /// Why, and what to do instead.
        reason: String,
    },
    /// An option does not apply to this tokenizer.
    #[error("{0}")]
    Usage(String),
}
