//! # fairtok-core
//!
//! Exact byte-pair-encoding tokenizers: load the vocabularies people pay for (the tiktoken
//! built-ins, `.tiktoken` rank files, Hugging Face `tokenizer.json`), encode token-for-token like
//! their reference library, and decode ids back to the exact bytes.
//!
//! ```
//! use fairtok_core::Tokenizer;
//! let tok = Tokenizer::builtin("o200k_base")?;
//! let ids = tok.encode("안녕하세요, world!")?;
//! assert_eq!(tok.decode_bytes(&ids)?, "안녕하세요, world!".as_bytes());
//! # Ok::<(), fairtok_core::Error>(())
//! ```
//!
//! ## Layout
//!
//! * [`pattern`]: pre-tokenizer patterns and the regex engine of each reference library.
//! * `bpe` (private): the merge loop, `O(n log n)` per piece, shared by all formats.
//! * [`tiktoken`]: `.tiktoken` rank files and tiktoken's encoding rule.
//! * [`hf`]: `tokenizer.json` and Hugging Face tokenizers' pipeline.
//! * [`builtin`]: the bundled encodings and tiktoken's model-name aliases.
//! * [`Tokenizer`]: one type over all of them.

#![warn(missing_docs)]

mod bpe;
pub mod builtin;
mod error;
pub mod hf;
pub mod pattern;
mod rank_table;
mod split;
mod task;
pub mod tiktoken;
mod tokenizer;
pub mod write;

pub use error::{Error, Result, Setting};
pub use tokenizer::{EncodeOptions, Format, LoadOptions, Specials, Tokenizer};
