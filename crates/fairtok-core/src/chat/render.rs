//! The renderers of [`ChatFormat`]'s exact formats: each follows its reference (openai-harmony's
//! renderer, the Jinja chat templates of Llama 3 and Qwen3) for messages of plain text, and
//! returns the rendering as [`Segment`]s, adjacent text merged.

use super::{chat_error, ChatFormat, Message, Segment};
use crate::error::{Error, Result};

/// A rendering under way: segments, with text appended to the text before it.
#[derive(Default)]
struct Out(Vec<Segment>);

impl Out {
    fn special(&mut self, name: &'static str) {
        self.0.push(Segment::Special(name));
    }

    /// Appends `text` to the text segment at the end, or starts one (nothing for `""`).
    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(Segment::Text(last)) => last.push_str(text),
            _ => self.0.push(Segment::Text(text.to_owned())),
        }
    }
}

/// An [`Error::ChatRole`] unless `role` is one of `allowed` (listed for the message as
/// `listed`).
pub(super) fn check_role(
    format: ChatFormat,
    index: usize,
    role: &str,
    allowed: &[&str],
    listed: &'static str,
) -> Result<()> {
    if allowed.contains(&role) {
        return Ok(());
    }
    Err(Error::ChatRole {
        index,
        role: role.to_owned(),
        format: format.name(),
        allowed: listed,
    })
}

/// [`ChatFormat::Harmony`]: `<|start|>{role}<|message|>{content}<|end|>` per message, the
/// assistant's on the `final` channel (`<|start|>assistant<|channel|>final<|message|>...`),
/// then `<|start|>assistant`. openai-harmony renders the header as `role`, then
/// `<|channel|>channel` when there is one, then `<|message|>`.
pub(super) fn harmony(messages: &[Message]) -> Result<Vec<Segment>> {
    const ROLES: [&str; 4] = ["system", "developer", "user", "assistant"];
    let mut out = Out::default();
    for (index, m) in messages.iter().enumerate() {
        let listed = "system, developer, user, assistant";
        check_role(ChatFormat::Harmony, index, &m.role, &ROLES, listed)?;
        out.special("<|start|>");
        out.text(&m.role);
        if m.role == "assistant" {
            out.special("<|channel|>");
            out.text("final");
        }
        out.special("<|message|>");
        out.text(&m.content);
        out.special("<|end|>");
    }
    out.special("<|start|>");
    out.text("assistant");
    Ok(out.0)
}

/// [`ChatFormat::Llama3`]: Meta-Llama-3-8B-Instruct's template,
///
/// ```jinja
/// {% set loop_messages = messages %}{% for message in loop_messages %}
/// {% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'
///   + message['content'] | trim + '<|eot_id|>' %}
/// {% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}
/// {% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}
/// ```
///
/// (`|` binds tighter than `+`: only the content is trimmed; `bos_token` is
/// `<|begin_of_text|>`).
pub(super) fn llama3(messages: &[Message]) -> Result<Vec<Segment>> {
    const ROLES: [&str; 3] = ["system", "user", "assistant"];
    let mut out = Out::default();
    out.special("<|begin_of_text|>");
    for (index, m) in messages.iter().enumerate() {
        check_role(
            ChatFormat::Llama3,
            index,
            &m.role,
            &ROLES,
            "system, user, assistant",
        )?;
        out.special("<|start_header_id|>");
        out.text(&m.role);
        out.special("<|end_header_id|>");
        out.text("\n\n");
        out.text(jinja_trim(&m.content));
        out.special("<|eot_id|>");
    }
    out.special("<|start_header_id|>");
    out.text("assistant");
    out.special("<|end_header_id|>");
    out.text("\n\n");
    Ok(out.0)
}

/// Jinja's `trim` filter, Python's `str.strip()`: strips the characters Python calls space,
/// which are Rust's whitespace and the four separators U+001C..U+001F.
fn jinja_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// [`ChatFormat::Qwen3`]: the hybrid Qwen3 template (`tests/data/chat/qwen3.jinja`) for
/// messages of string content without tools:
///
/// * a first `system` message is `<|im_start|>system\n{content}<|im_end|>\n`, and so are later
///   `system` messages and every `user` message (with their role);
/// * the *last query* is the last `user` message whose content is not wrapped in
///   `<tool_response>…</tool_response>` (the last message if there is none);
/// * an `assistant` message has its `<think>` block split off its content (when the content
///   has a `</think>`: the reasoning is what lies between the last `<think>` before the first
///   `</think>` and that `</think>`, `\n` stripped; the content what follows the last
///   `</think>`, leading `\n` stripped). After the last query, when it is the last message or
///   has reasoning, it is `<|im_start|>assistant\n<think>\n{reasoning}\n</think>\n\n{content}`;
///   otherwise `<|im_start|>assistant\n{content}`; then `<|im_end|>\n`;
/// * the generation prompt is `<|im_start|>assistant\n`.
pub(super) fn qwen3(messages: &[Message]) -> Result<Vec<Segment>> {
    const ROLES: [&str; 3] = ["system", "user", "assistant"];
    for (index, m) in messages.iter().enumerate() {
        if m.role == "tool" {
            return Err(chat_error(
                ChatFormat::Qwen3,
                format!("message {index}: tool messages need the assistant's tool calls, which a plain message cannot hold"),
            ));
        }
        check_role(
            ChatFormat::Qwen3,
            index,
            &m.role,
            &ROLES,
            "system, user, assistant",
        )?;
    }
    let last_query = messages
        .iter()
        .rposition(|m| {
            let c = &m.content;
            m.role == "user"
                && !(c.starts_with("<tool_response>") && c.ends_with("</tool_response>"))
        })
        .unwrap_or(messages.len() - 1);
    let mut out = Out::default();
    for (index, m) in messages.iter().enumerate() {
        if m.role == "system" && index == 0 {
            turn(&mut out, "system", &m.content);
        } else if m.role == "assistant" {
            let last = index + 1 == messages.len();
            qwen3_assistant(&mut out, &m.content, index > last_query, last);
        } else {
            turn(&mut out, &m.role, &m.content);
        }
    }
    out.special("<|im_start|>");
    out.text("assistant\n");
    Ok(out.0)
}

/// `<|im_start|>{role}\n{content}<|im_end|>\n`.
fn turn(out: &mut Out, role: &str, content: &str) {
    out.special("<|im_start|>");
    out.text(role);
    out.text("\n");
    out.text(content);
    out.special("<|im_end|>");
    out.text("\n");
}

/// An assistant message of [`qwen3`]: `after_query` if it comes after the last query, `last`
/// if it is the last message.
fn qwen3_assistant(out: &mut Out, content: &str, after_query: bool, last: bool) {
    let (reasoning, content) = match content.split_once("</think>") {
        Some((before, _)) => {
            let reasoning = before.trim_end_matches('\n');
            let reasoning = reasoning.rsplit("<think>").next().unwrap_or(reasoning);
            let after = content.rsplit("</think>").next().unwrap_or("");
            (
                reasoning.trim_start_matches('\n'),
                after.trim_start_matches('\n'),
            )
        }
        None => ("", content),
    };
    out.special("<|im_start|>");
    if after_query && (last || !reasoning.is_empty()) {
        out.text("assistant\n<think>\n");
        out.text(reasoning.trim_matches('\n'));
        out.text("\n</think>\n\n");
        out.text(content.trim_start_matches('\n'));
    } else {
        out.text("assistant\n");
        out.text(content);
    }
    out.special("<|im_end|>");
    out.text("\n");
}
