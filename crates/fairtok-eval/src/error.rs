//! Errors of the evaluation crate.

use std::path::PathBuf;

use fairtok_core::bounded;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while measuring parity.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A path cannot be an output (see [`fairtok_core::output`]).
    #[error("{path}: {}", bounded(.reason))]
    Output {
        /// The path asked for.
        path: PathBuf,
        /// Why it cannot be written.
        reason: String,
    },
    /// A corpus file is not UTF-8.
    #[error("{path}:{line}: invalid UTF-8 at byte offset {offset}")]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the bad byte.
        line: usize,
        /// Its byte offset in the file.
        offset: usize,
    },
    /// Two languages have different numbers of lines.
    #[error("line counts differ: {first} has {first_lines} lines, {other} has {other_lines}")]
    Misaligned {
        /// The first language's file.
        first: String,
        /// Its line count.
        first_lines: usize,
        /// The differing file.
        other: String,
        /// Its line count.
        other_lines: usize,
    },
    /// A corpus file has no line.
    #[error("{0}: empty file")]
    EmptyFile(String),
    /// A directory has no corpus file.
    #[error("{0}: no files named <lang>.<ext>")]
    EmptyDir(PathBuf),
    /// No language was given.
    #[error("no languages to compare")]
    NoLanguages,
    /// A language (or the pivot) is not in the corpus.
    #[error("unknown language `{}`: not in {place} (available: {})", bounded(.lang), bounded(&available.join(", ")))]
    UnknownLanguage {
        /// The requested code.
        lang: String,
        /// The corpus.
        place: String,
        /// The codes it has.
        available: Vec<String>,
    },
    /// Two files give the same language code.
    #[error("language `{}` given twice: {} and {}", bounded(.lang), first.display(), second.display())]
    DuplicateLanguage {
        /// The code.
        lang: String,
        /// The first file.
        first: PathBuf,
        /// The second file.
        second: PathBuf,
    },
    /// The pivot language has no token under a tokenizer (its lines are empty): every premium
    /// (tokens / pivot tokens) would be undefined.
    #[error("pivot `{}` has 0 tokens under {tokenizer}: premiums relative to it are undefined; choose a pivot whose text is not empty", bounded(.pivot))]
    EmptyPivot {
        /// The pivot language.
        pivot: String,
        /// The tokenizer.
        tokenizer: String,
    },
    /// Encoding failed.
    #[error("{tokenizer}: {lang} line {line}: {source}")]
    Encode {
        /// The tokenizer.
        tokenizer: String,
        /// The language.
        lang: String,
        /// The 1-based line.
        line: usize,
        /// The encoder's error.
        source: Box<fairtok_core::Error>,
    },
    /// A line of a tokenizer list ([`crate::tax::parse_list`]) or of a language-name table
    /// ([`crate::tax::parse_names`]) cannot be read.
    #[error("{place}:{line}: {}", bounded(.reason))]
    List {
        /// The file (or a description of the text).
        place: String,
        /// The 1-based line.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A tokenizer that must be in a table did not load.
    #[error("{source}")]
    Load {
        /// The tokenizer as given (built-in name or path).
        spec: String,
        /// Why it did not load.
        source: Box<fairtok_core::Error>,
    },
    /// No tokenizer of a table loaded.
    #[error("no tokenizer to measure: {}", bounded(.0))]
    NoTokenizer(String),
    /// The prices do not match the tokenizers.
    #[error("{}", bounded(.0))]
    Price(String),
}
