//! Errors of the core crate.
//!
//! Every error that comes from a file names the file and, where there is one, the line, the
//! byte offset or the JSON path of the problem, so that a one-line message is enough to fix it.

use std::path::PathBuf;

/// `s` as it goes into an error message: whole when short, otherwise its first 300 and last
/// 100 characters around a note of how much was left out. Errors quote what was wrong with an
/// input, and an input can be a 50 MB line: a message stays readable and small (at most about
/// 450 bytes of quoted text) whatever it quotes.
pub fn bounded(s: &str) -> std::borrow::Cow<'_, str> {
    const HEAD: usize = 300;
    const TAIL: usize = 100;
    let n = s.chars().count();
    if n <= HEAD + TAIL + 50 {
        return s.into();
    }
    let head_end = s.char_indices().nth(HEAD).map_or(s.len(), |c| c.0);
    let tail_start = s.char_indices().nth(n - TAIL).map_or(s.len(), |c| c.0);
    format!(
        "{} [... {} bytes left out ...] {}",
        &s[..head_end],
        tail_start - head_end,
        &s[tail_start..]
    )
    .into()
}

/// [`bounded`] of `s` quoted as Rust's `{:?}` quotes it.
pub fn quoted(s: &str) -> String {
    bounded(&format!("{s:?}")).into_owned()
}

/// Where in a GGUF file an [`Error::Gguf`] is: the key, if any, and the byte offset.
fn gguf_where(key: &str, offset: u64) -> String {
    if key.is_empty() {
        format!("byte {offset}: ")
    } else {
        format!("key `{}` (byte {offset}): ", bounded(key))
    }
}

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
    /// A path cannot be an output: a directory, FIFO, device or socket, a link to nothing, or
    /// standard output for a two-file format (see [`crate::output`]).
    #[error("{path}: {}", bounded(.reason))]
    Output {
        /// The path asked for.
        path: PathBuf,
        /// Why it cannot be written.
        reason: String,
    },
    /// A line of a `.tiktoken` rank file is malformed (not `base64 rank`, a duplicate, ...).
    #[error("{path}:{line}: {}", bounded(.reason))]
    TiktokenLine {
        /// The file (or `<builtin NAME>`).
        path: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A `.tiktoken` file as a whole is unusable (empty, lacks a single-byte token, ...).
    #[error("{path}: {}", bounded(.reason))]
    Vocab {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `tokenizer.json` file is not JSON or does not have the expected shape.
    #[error("{path}: {}", bounded(.reason))]
    TokenizerJson {
        /// The file.
        path: String,
        /// What is wrong, with the JSON path of the offending value.
        reason: String,
    },
    /// A Mistral `tekken.json` file does not have the shape mistral-common reads (see
    /// [`crate::Format::Tekken`]).
    #[error("{path}: {reason}")]
    Tekken {
        /// The file.
        path: String,
        /// What is wrong, with the JSON path of the offending value.
        reason: String,
    },
    /// A GGUF file is malformed (see [`crate::gguf`] for the bounds), or its tokenizer is one
    /// that fairtok cannot encode exactly.
    #[error("{path}: {}{}", gguf_where(.key, *.offset), bounded(.reason))]
    Gguf {
        /// The file.
        path: String,
        /// The metadata key being read (empty in the header).
        key: String,
        /// The byte offset of the problem (of the key's value, for a problem with a value).
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// A SentencePiece `.model` file is not a model protobuf, is inconsistent, or uses a
    /// feature fairtok cannot encode exactly (see [`crate::spm`]).
    #[error("{path}: {field}: {}", bounded(.reason))]
    SentencePiece {
        /// The file.
        path: String,
        /// The field of the model protobuf (`pieces[7]`, `trainer_spec.model_type`, ...).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A WordPiece `vocab.txt` file is unusable (not UTF-8, lacks `[UNK]`, ...).
    #[error("{path}: {reason}")]
    WordPieceVocab {
        /// The file.
        path: String,
        /// What is wrong with it (with the line, where there is one).
        reason: String,
    },
    /// A `tokenizer.json` uses a component that fairtok does not implement. fairtok refuses it
    /// rather than encode with part of the pipeline missing.
    #[error("{path}: unsupported {component} `{}` (fairtok supports: {supported})", bounded(.kind))]
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
    #[error("invalid pre-tokenizer pattern {}: {}", quoted(.pattern), bounded(.reason))]
    Pattern {
        /// The pattern.
        pattern: String,
        /// The regex engine's message.
        reason: String,
    },
    /// The regex engine gave up on an input (backtracking limit); the input is named by offset.
    #[error("pre-tokenizer failed at byte offset {offset}: {}", bounded(.reason))]
    Pretokenize {
        /// Byte offset in the text being encoded where the failing search started.
        offset: usize,
        /// The regex engine's message.
        reason: String,
    },
    /// A tokenizer name is neither a built-in, an alias nor an existing file.
    #[error("unknown tokenizer `{}`: not a built-in name ({builtins}), a model alias, or an existing file", bounded(.0), builtins = crate::builtin::NAMES.join(", "))]
    UnknownTokenizer(String),
    /// A special token was requested that the tokenizer does not have.
    #[error("unknown special token `{}` for {tokenizer} (it has: {})", bounded(.token), bounded(.available))]
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
    #[error("special token {} (id {id}) cannot be written to a tokenizer.json: {}", quoted(.special), bounded(.reason))]
    SpecialToken {
        /// The special token's text.
        special: String,
        /// Its id.
        id: u32,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A message of a conversation has a role that the chat format does not take (see
    /// [`crate::chat`]).
    #[error("message {index}: role {} is not one {format} takes ({allowed})", quoted(.role))]
    ChatRole {
        /// The 0-based index of the message.
        index: usize,
        /// The role it has.
        role: String,
        /// The chat format ([`crate::chat::ChatFormat::name`]).
        format: &'static str,
        /// The roles the format takes.
        allowed: &'static str,
    },
    /// A conversation cannot be rendered exactly in a chat format (see [`crate::chat`]): fairtok
    /// refuses it rather than count an approximation as exact.
    #[error("{format}: {}", bounded(.reason))]
    Chat {
        /// The chat format ([`crate::chat::ChatFormat::name`]).
        format: &'static str,
        /// Why it cannot be rendered.
        reason: String,
    },
    /// An option of the call is invalid or does not apply. Front ends name the option their
    /// own way: see [`Error::message_with`].
    #[error("{option}: {}", bounded(.reason))]
    InvalidOption {
        /// The option.
        option: Setting,
        /// What is wrong with its value.
        reason: String,
    },
    /// The call cannot be carried out as asked (an inconsistency that no single option names).
    #[error("{}", bounded(.0))]
    Usage(String),
}

impl Error {
    /// The message, with the option of an [`Error::InvalidOption`] named by `name` (a
    /// command-line flag, a Python keyword, a JSON field) instead of [`Setting::name`].
    pub fn message_with(&self, name: &dyn Fn(Setting) -> String) -> String {
        match self {
            Error::InvalidOption { option, reason } => format!("{}: {reason}", name(*option)),
            e => e.to_string(),
        }
    }

    /// An [`Error::InvalidOption`].
    pub fn invalid(option: Setting, reason: impl Into<String>) -> Error {
        Error::InvalidOption {
            option,
            reason: reason.into(),
        }
    }
}

/// An option of a library call (of this crate or of the crates built on it) that an error can
/// name. The libraries name it by [`Setting::name`], the field of their option structs; each
/// front end maps it to its own word (`--vocab-size`, `vocab_size=`, a JSON field), so that
/// messages speak the language of whoever gave the option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The pre-tokenizer pattern of a `.tiktoken` file, or of training.
    Pattern,
    /// Adding the post-processor's special tokens (BOS/EOS).
    AddSpecial,
    /// The special tokens of training.
    Specials,
    /// The vocabulary size of training.
    VocabSize,
    /// The longest token, in bytes.
    MaxTokenBytes,
    /// The cap on distinct pre-tokens while counting.
    MaxPieces,
    /// The text field of JSON lines (the text column of Parquet).
    TextField,
    /// Strict reading (a line that is not UTF-8 is an error).
    Strict,
    /// The input files or texts (`LANG[@WEIGHT]=PATH[,PATH...]`).
    Inputs,
    /// Counts files made by counting pre-tokens elsewhere.
    Counts,
    /// The script every new token of an extension must contain.
    Script,
    /// The output format.
    Format,
    /// The output file.
    Output,
    /// The parallel dev text of parity-aware selection.
    ParityDev,
    /// The pivot language of premiums.
    Pivot,
    /// Hybrid parity-aware selection: global merges first.
    ParityHybrid,
    /// The moving window of parity-aware selection.
    ParityWindow,
    /// The cap per language within the window.
    ParityWindowMax,
    /// Languages without dev text, excluded from parity-aware selection.
    ParityExclude,
    /// How many tokens an extension adds.
    Add,
    /// The bias of whole-piece tokens against pairs.
    PieceBias,
    /// Whole-piece tokens in an extension.
    WholePieces,
    /// Worker threads.
    Threads,
    /// The least count of a pair that is merged.
    MinFrequency,
    /// The base vocabulary of an extension.
    Base,
    /// A price per million tokens.
    Price,
    /// Lower-casing a WordPiece `vocab.txt`.
    Lowercase,
}

impl Setting {
    /// The library's name of the option: the field of the option struct that holds it.
    pub fn name(self) -> &'static str {
        match self {
            Setting::Pattern => "pattern",
            Setting::AddSpecial => "add_special",
            Setting::Specials => "specials",
            Setting::VocabSize => "vocab_size",
            Setting::MaxTokenBytes => "max_token_bytes",
            Setting::MaxPieces => "max_pieces",
            Setting::TextField => "text_field",
            Setting::Strict => "strict",
            Setting::Inputs => "inputs",
            Setting::Counts => "counts",
            Setting::Script => "script",
            Setting::Format => "format",
            Setting::Output => "output",
            Setting::ParityDev => "parity_dev",
            Setting::Pivot => "pivot",
            Setting::ParityHybrid => "parity_hybrid",
            Setting::ParityWindow => "parity_window",
            Setting::ParityWindowMax => "parity_window_max",
            Setting::ParityExclude => "parity_exclude",
            Setting::Add => "add",
            Setting::PieceBias => "piece_bias",
            Setting::WholePieces => "whole_pieces",
            Setting::Threads => "threads",
            Setting::MinFrequency => "min_frequency",
            Setting::Base => "base",
            Setting::Price => "price",
            Setting::Lowercase => "lowercase",
        }
    }
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quotes_are_bounded() {
        assert_eq!(bounded("short"), "short");
        let long = "가".repeat(10_000_000);
        let b = bounded(&long);
        assert!(b.len() < 1400, "{}", b.len());
        assert!(
            b.contains("[... 29,") || b.contains("bytes left out"),
            "{b}"
        );
        assert!(b.starts_with("가가") && b.ends_with("가가"));
        let e = Error::Pattern {
            pattern: "(".repeat(5_000_000),
            reason: "x".repeat(5_000_000),
        };
        assert!(e.to_string().len() < 2000);
    }
}
