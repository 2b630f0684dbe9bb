//! # fairtok-eval
//!
//! Measures how much more some languages cost than others under a tokenizer, on parallel
//! corpora such as FLORES-200, and renders the result.
//!
//! * [`corpus`]: parallel corpora (a directory of `<lang>.<ext>` files, ad hoc pairs, or the
//!   bundled sample), with alignment checks.
//! * [`metrics`]: premium, mean line premium, bytes/characters per token, tokens per word,
//!   cost, and the Gini coefficient across languages.
//! * [`render`]: terminal table, Markdown, JSON and self-contained HTML with SVG charts.
//! * [`samples`]: FLORES-200 dev for eight languages, bundled.
//! * [`tax`]: the token-tax table: many tokenizers side by side (Korean, Japanese and Chinese
//!   premium, the five costliest languages, Gini), as Markdown and HTML.
//!
//! ```
//! use fairtok_core::Tokenizer;
//! use fairtok_eval::{metrics, samples};
//! let corpus = samples::flores_dev().select(&["kor_Hang".into()], "eng_Latn")?;
//! let tok = Tokenizer::builtin("cl100k_base").unwrap();
//! let report = metrics::measure(&[tok], &corpus, "eng_Latn", &[], &|_| {})?;
//! let korean = &report.tokenizers[0].languages[0];
//! assert!(korean.premium > 2.0); // Korean costs more than twice English under GPT-4's tokenizer
//! # Ok::<(), fairtok_eval::Error>(())
//! ```

#![warn(missing_docs)]

pub mod corpus;
mod error;
pub mod metrics;
pub mod render;
pub mod samples;
pub mod tax;

pub use error::{Error, Result};

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, then a rename,
/// so a crash or Ctrl-C never leaves a half-written file. This is
/// [`fairtok_core::write::write_atomic`], with its error as this crate's.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    fairtok_core::write::write_atomic(path, bytes).map_err(|e| match e {
        fairtok_core::Error::Io { path, source } => Error::Io { path, source },
        fairtok_core::Error::Output { path, reason } => Error::Output { path, reason },
        other => Error::Io {
            path: path.to_owned(),
            source: std::io::Error::other(other.to_string()),
        },
    })
}
