//! The endpoints: each reads its request, makes one library call on a worker thread, and
//! writes the answer. The request and answer shapes are in the README ("fairtok serve").
//!
//! Requests are strict: an unknown field is a `400` (a misspelt `"txt"` is not silently
//! an empty text). Counting and encoding use each tokenizer's default rule
//! ([`fairtok_core::Tokenizer::encode`]): for tiktoken vocabularies special tokens written in
//! the text are ordinary text, as tiktoken's `encode_ordinary`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::body::read_json;
use crate::error::ApiError;
use crate::registry::Entry;
use crate::server::{refuse, App};

type Answer = Result<Response, ApiError>;

/// `GET /`: the playground page.
pub(crate) async fn playground() -> Html<&'static str> {
    Html(include_str!("../assets/playground.html"))
}

/// `GET /healthz`.
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /metrics`.
pub(crate) async fn metrics(State(app): State<Arc<App>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.render(),
    )
        .into_response()
}

/// `GET /v1/tokenizers`.
pub(crate) async fn tokenizers(State(app): State<Arc<App>>) -> Json<Value> {
    let list: Vec<Value> = app
        .registry
        .entries()
        .iter()
        .map(|e| json!({"name": e.name, "vocab_size": e.tokenizer.n_vocab(), "kind": e.kind()}))
        .collect();
    Json(json!({ "tokenizers": list }))
}

/// Unknown paths (the body, if any, is drained: see [`crate::server::refuse`]).
pub(crate) async fn not_found(req: Request) -> Response {
    let e = ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint (see GET /v1/tokenizers, POST /v1/count, /v1/encode, /v1/decode, /v1/parity, /v1/chat/count)",
    );
    refuse(req, e).await
}

/// A known path with the wrong method.
pub(crate) async fn method_not_allowed(req: Request) -> Response {
    let e = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take this method",
    );
    refuse(req, e).await
}

/// The served tokenizer named `name`, or a `400` listing the served names.
pub(crate) fn lookup(app: &App, name: &str) -> Result<Entry, ApiError> {
    app.registry.get(name).cloned().ok_or_else(|| {
        let names: Vec<&str> = app
            .registry
            .entries()
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        ApiError::bad_request(
            "unknown_tokenizer",
            format!(
                "unknown tokenizer {}: this server has {}",
                fairtok_core::quoted(name),
                names.join(", ")
            ),
        )
    })
}

/// The served tokenizers of a `tokenizers` list, which may not be empty.
pub(crate) fn lookup_all(app: &App, names: &[String]) -> Result<Vec<Entry>, ApiError> {
    if names.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_request",
            "`tokenizers` is empty",
        ));
    }
    names.iter().map(|n| lookup(app, n)).collect()
}

/// `tokenizer` or `tokenizers`: exactly one of them.
fn one_or_many(
    app: &App,
    one: Option<String>,
    many: Option<Vec<String>>,
) -> Result<(Vec<Entry>, bool), ApiError> {
    match (one, many) {
        (Some(name), None) => Ok((vec![lookup(app, &name)?], false)),
        (None, Some(names)) => Ok((lookup_all(app, &names)?, true)),
        (None, None) => Err(ApiError::bad_request(
            "invalid_request",
            "missing field `tokenizer` (or `tokenizers`)",
        )),
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "invalid_request",
            "give `tokenizer` or `tokenizers`, not both",
        )),
    }
}

/// The body of `POST /v1/count`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountRequest {
    tokenizer: Option<String>,
    tokenizers: Option<Vec<String>>,
    text: Option<String>,
    texts: Option<Vec<String>>,
}

/// `POST /v1/count`.
pub(crate) async fn count(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Answer {
    let req: CountRequest = read_json(&headers, body, app.max_body).await?;
    let (entries, many) = one_or_many(&app, req.tokenizer, req.tokenizers)?;
    let (texts, batch) = match (req.text, req.texts) {
        (Some(t), None) => (vec![t], false),
        (None, Some(ts)) => (ts, true),
        (None, None) => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "missing field `text` (or `texts`)",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "give `text` or `texts`, not both",
            ))
        }
    };
    let worker_app = app.clone();
    let results = app
        .workers
        .run(move || {
            entries
                .iter()
                .map(|e| {
                    let counts = texts
                        .iter()
                        .map(|t| e.tokenizer.count(t).map_err(ApiError::from_core))
                        .collect::<Result<Vec<usize>, _>>()?;
                    worker_app
                        .metrics
                        .add_tokens(&e.name, counts.iter().sum::<usize>() as u64);
                    let tokens = if batch {
                        json!(counts)
                    } else {
                        json!(counts[0])
                    };
                    Ok(json!({"tokenizer": e.name, "tokens": tokens}))
                })
                .collect::<Result<Vec<Value>, ApiError>>()
        })
        .await?;
    let answer = if many {
        json!({ "results": results })
    } else {
        results.into_iter().next().expect("one tokenizer")
    };
    Ok(Json(answer).into_response())
}

/// The body of `POST /v1/encode`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EncodeRequest {
    tokenizer: String,
    text: String,
}

/// `POST /v1/encode`: ids, and where each token lies in the text.
pub(crate) async fn encode(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Answer {
    let req: EncodeRequest = read_json(&headers, body, app.max_body).await?;
    let entry = lookup(&app, &req.tokenizer)?;
    let worker_app = app.clone();
    let answer = app
        .workers
        .run(move || {
            let tok = &entry.tokenizer;
            let ids = tok.encode(&req.text).map_err(ApiError::from_core)?;
            worker_app.metrics.add_tokens(&entry.name, ids.len() as u64);
            let offsets = tok.token_offsets(&req.text, &ids);
            let partial: Option<Vec<bool>> = offsets.as_ref().map(|o| {
                o.iter()
                    .map(|&(s, e)| !req.text.is_char_boundary(s) || !req.text.is_char_boundary(e))
                    .collect()
            });
            let bytes: Vec<String> = ids
                .iter()
                .map(|&id| hex(tok.token_bytes(id).unwrap_or_default()))
                .collect();
            Ok(json!({
                "tokenizer": entry.name,
                "tokens": ids.len(),
                "ids": ids,
                "offsets": offsets,
                "partial": partial,
                "bytes": bytes,
            }))
        })
        .await?;
    Ok(Json(answer).into_response())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The body of `POST /v1/decode`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecodeRequest {
    tokenizer: String,
    ids: Vec<u32>,
    /// Replace bytes that are not UTF-8 with U+FFFD instead of answering `400`.
    #[serde(default)]
    lossy: bool,
}

/// `POST /v1/decode`.
pub(crate) async fn decode(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Answer {
    let req: DecodeRequest = read_json(&headers, body, app.max_body).await?;
    let entry = lookup(&app, &req.tokenizer)?;
    let answer = app
        .workers
        .run(move || {
            let bytes = entry
                .tokenizer
                .decode_bytes(&req.ids)
                .map_err(ApiError::from_core)?;
            let text = match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) if req.lossy => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                Err(e) => {
                    return Err(ApiError::bad_request(
                        "invalid_utf8",
                        format!(
                            "the ids decode to bytes that are not UTF-8 (at byte offset {}): \
                             send \"lossy\": true to replace them with U+FFFD",
                            e.utf8_error().valid_up_to()
                        ),
                    ))
                }
            };
            Ok(json!({ "text": text }))
        })
        .await?;
    Ok(Json(answer).into_response())
}

pub(crate) use crate::chat::chat_count;
pub(crate) use crate::parity::parity;
