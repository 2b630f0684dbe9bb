//! # fairtok-serve
//!
//! A token-count service over fairtok's tokenizers: a JSON API (`/v1/count`, `/v1/encode`,
//! `/v1/decode`, `/v1/parity`, `/v1/chat/count`), Prometheus metrics, and a playground page,
//! in one process with nothing fetched at run time.
//!
//! ```no_run
//! use fairtok_serve::{Config, Registry, Server};
//! let registry = Registry::load(&["o200k_base".into(), "o200k_ko".into()])?;
//! let server = Server::bind(Config::default(), registry)?;
//! println!("listening on http://{}", server.local_addr());
//! server.run_until_signal()?; // SIGTERM or Ctrl-C: stop accepting, finish what is in flight
//! # Ok::<(), fairtok_serve::Error>(())
//! ```
//!
//! ## How a request flows
//!
//! 1. **I/O** runs on a small tokio runtime (two threads). It parses HTTP, checks the API key
//!    ([`Config::api_key_file`]) and admits the request (step 2) before it reads the body.
//! 2. **Admission** bounds the work the server holds: at most [`Config::queue`] requests that
//!    do work (every `POST`) are in the server at once, from the first byte of their body to
//!    the last byte of their answer. One more is answered `503` at once, without reading its
//!    body. With bodies of at most [`Config::max_body`] bytes, the memory held by requests is
//!    at most `queue × max_body` plus their results, however many clients connect.
//! 3. **The body** is read up to [`Config::max_body`] bytes (`413` past it), checked to be
//!    UTF-8 (`400` naming the byte offset), and parsed into the endpoint's request type
//!    (`400` naming the line and column, or the missing field).
//! 4. **Encoding** runs on a pool of [`Config::threads`] worker threads (rayon), never on
//!    the I/O threads, so a 8 MiB text being counted does not delay the health check.
//!    Each call is one library call: [`fairtok_core::Tokenizer::count`],
//!    [`fairtok_core::Tokenizer::encode`], [`fairtok_core::Tokenizer::decode_bytes`],
//!    [`fairtok_eval::metrics::measure`], `fairtok_core::chat::count`.
//! 5. **Every answer** is counted in `/metrics` ([`metrics`]): requests and latency per
//!    route, responses per status, tokens counted per tokenizer.
//!
//! Tokenizers are chosen when the server starts ([`Registry`]); a request names one by its
//! name and can never make the server open a file. Errors are JSON
//! `{"error":{"type","message"}}` ([`ApiError`]); no input makes the server answer `500`
//! (a panic in the library would be caught and answered `500`, and counted).

#![warn(missing_docs)]

mod api;
mod auth;
mod body;
// mod chat; (lands with fairtok_core::chat)
mod error;
pub mod metrics;
mod parity;
mod pool;
mod registry;
mod server;

pub use error::{ApiError, Error, Result};
pub use registry::{Entry, Registry};
pub use server::{Config, Server};
