//! Errors: [`Error`] for starting the server, [`ApiError`] for answering a request.

use std::net::SocketAddr;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The result type of starting and running the server.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can stop the server from starting or running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tokenizer could not be loaded.
    #[error("tokenizer {spec}: {source}")]
    Load {
        /// The spec as given (`NAME=SPEC` or `SPEC`).
        spec: String,
        /// Why it could not be loaded.
        source: fairtok_core::Error,
    },
    /// Two tokenizers were given the same name.
    #[error("two tokenizers are named {0:?} (name one of them: NAME=SPEC)")]
    DuplicateName(String),
    /// No tokenizer was given.
    #[error("no tokenizer to serve")]
    NoTokenizers,
    /// The API key file could not be read or is empty.
    #[error("API key file {path}: {reason}")]
    ApiKey {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting is out of range.
    #[error("{setting} must be at least 1")]
    Setting {
        /// The setting (`threads`, `queue`, `max_body`).
        setting: &'static str,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The runtime or a worker thread could not start, or serving failed.
    #[error("server: {0}")]
    Runtime(String),
}

/// An error answer: an HTTP status and `{"error":{"type","message"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status (4xx, or 500 for a caught panic).
    pub status: StatusCode,
    /// A stable machine-readable kind: `invalid_json`, `invalid_request`, `invalid_utf8`,
    /// `unknown_tokenizer`, `unknown_id`, `body_too_large`, `unauthorized`, `overloaded`,
    /// `not_found`, `method_not_allowed`, `internal`.
    pub kind: &'static str,
    /// What went wrong, for a person.
    pub message: String,
}

impl ApiError {
    /// A `400 Bad Request` of this kind.
    pub fn bad_request(kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, kind, message)
    }

    /// An error with any status.
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            message: message.into(),
        }
    }

    /// The error of a library call on a request's input: the input's fault (`400`), named by
    /// what the library says.
    pub(crate) fn from_core(e: fairtok_core::Error) -> ApiError {
        let kind = match e {
            fairtok_core::Error::UnknownId { .. } => "unknown_id",
            _ => "invalid_request",
        };
        ApiError::bad_request(kind, e.to_string())
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({"error": {"type": self.kind, "message": self.message}})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body())).into_response();
        // A body over the limit was not read to its end: the connection cannot carry another
        // request, and the client is told so.
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            resp.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        resp
    }
}
