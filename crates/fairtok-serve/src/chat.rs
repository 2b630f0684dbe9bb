//! `POST /v1/chat/count`: the tokens a conversation costs, rendered in the model's chat
//! format ([`fairtok_core::chat`]) and counted with the served tokenizer of that format.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use fairtok_core::chat::{self, ChatFormat, Message};
use serde::Deserialize;
use serde_json::json;

use crate::body::read_json;
use crate::error::ApiError;
use crate::server::App;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatMessage {
    role: String,
    content: String,
}

/// The body of `POST /v1/chat/count`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatRequest {
    model: String,
    messages: Vec<ChatMessage>,
}

/// `POST /v1/chat/count`.
pub(crate) async fn chat_count(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let req: ChatRequest = read_json(&headers, body, app.max_body).await?;
    let format = ChatFormat::for_model(&req.model).ok_or_else(|| {
        ApiError::bad_request(
            "unknown_model",
            format!(
                "no chat format is known for model {}: gpt-oss-*, llama3*, qwen3*, or an OpenAI API model (gpt-4o, gpt-4, ...)",
                fairtok_core::quoted(&req.model)
            ),
        )
    })?;
    let name = format.tokenizer_name(&req.model);
    let entry = app.registry.get(&name).cloned().ok_or_else(|| {
        ApiError::bad_request(
            "unknown_tokenizer",
            format!(
                "model {} counts with tokenizer {name}, which this server does not serve (start it with -t {name}=PATH)",
                fairtok_core::quoted(&req.model)
            ),
        )
    })?;
    let messages: Vec<Message> = req
        .messages
        .into_iter()
        .map(|m| Message {
            role: m.role,
            content: m.content,
        })
        .collect();
    let worker_app = app.clone();
    let counted = app
        .workers
        .run(move || {
            let c = chat::count(&entry.tokenizer, format, &messages).map_err(ApiError::from_core)?;
            worker_app.metrics.add_tokens(&entry.name, c.tokens as u64);
            Ok(c)
        })
        .await?;
    Ok(Json(json!({
        "model": req.model,
        "tokenizer": name,
        "input_tokens": counted.tokens,
        "exact": counted.exact,
    }))
    .into_response())
}
