//! `fairtok._fairtok.count_chat`, `encode_chat` and `chat_format`: the token count of a chat
//! conversation (`fairtok_core::chat`), with the GIL released.

use fairtok_core::chat::{self, ChatFormat, Message};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::{to_py_err, CoreTokenizer};

/// The chat format `name_or_model` names: a format name (`harmony`, `llama3`, `qwen3`,
/// `openai_api`) or a model name (`ChatFormat::for_model`).
fn resolve(name_or_model: &str) -> PyResult<ChatFormat> {
    ChatFormat::from_name(name_or_model)
        .or_else(|| ChatFormat::for_model(name_or_model))
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "no chat format for {name_or_model:?} (formats: harmony, llama3, qwen3, openai_api; or a model name such as gpt-oss-20b, llama3, qwen3-8b, gpt-4o)"
            ))
        })
}

fn messages(pairs: Vec<(String, String)>) -> Vec<Message> {
    pairs.into_iter().map(|(r, c)| Message::new(r, c)).collect()
}

/// The format name of `name_or_model` (see `resolve`), or `None`.
#[pyfunction]
pub(crate) fn chat_format(name_or_model: &str) -> Option<&'static str> {
    resolve(name_or_model).ok().map(|f| f.name())
}

/// `(tokens, exact)`: the tokens the conversation `[(role, content), ...]` costs with
/// `tokenizer` in the chat format of `name_or_model` (`fairtok_core::chat::count`).
#[pyfunction]
pub(crate) fn count_chat(
    py: Python<'_>,
    tokenizer: &Bound<'_, CoreTokenizer>,
    name_or_model: &str,
    conversation: Vec<(String, String)>,
) -> PyResult<(usize, bool)> {
    let format = resolve(name_or_model)?;
    let tok = &tokenizer.get().tok;
    let conversation = messages(conversation);
    let n = py
        .detach(|| chat::count(tok, format, &conversation))
        .map_err(to_py_err)?;
    Ok((n.tokens, n.exact))
}

/// The ids of the conversation `[(role, content), ...]` rendered in the chat format of
/// `name_or_model` with `tokenizer` (`fairtok_core::chat::encode`; not for `openai_api`).
#[pyfunction]
pub(crate) fn encode_chat(
    py: Python<'_>,
    tokenizer: &Bound<'_, CoreTokenizer>,
    name_or_model: &str,
    conversation: Vec<(String, String)>,
) -> PyResult<Vec<u32>> {
    let format = resolve(name_or_model)?;
    let tok = &tokenizer.get().tok;
    let conversation = messages(conversation);
    py.detach(|| chat::encode(tok, format, &conversation))
        .map_err(to_py_err)
}
