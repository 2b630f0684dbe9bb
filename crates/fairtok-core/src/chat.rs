//! The token count of a chat conversation: the messages rendered in a model's chat format, then
//! encoded with its tokenizer.
//!
//! A chat model is not billed for the text of its messages alone: each message is wrapped in
//! the special tokens and headers of the model's chat format, and the prompt ends with the
//! header of the reply the model is asked to write (the *generation prompt*). [`count`] renders
//! a conversation as the model's reference renderer does, encodes it, and says whether the
//! count is exact:
//!
//! | format | models | rendered as | exact |
//! |---|---|---|---|
//! | [`ChatFormat::Harmony`] | gpt-oss | openai-harmony's `render_conversation_for_completion` | yes |
//! | [`ChatFormat::Llama3`] | Llama 3 (3.0) | Meta's Llama 3 Instruct `chat_template` | yes |
//! | [`ChatFormat::Qwen3`] | Qwen3 (the hybrid-thinking models) | Qwen3's `chat_template` | yes |
//! | [`ChatFormat::OpenAiApi`] | OpenAI API models (`gpt-4o`, ...) | OpenAI's published estimate | no |
//!
//! The rendering of each format, with its source, is documented on its variant.
//!
//! ## Invariants
//!
//! * [`render`] gives the conversation as [`Segment`]s: special tokens by name, and text. The
//!   text of a message is **always text**: a `<|end|>` or `<|eot_id|>` written in a message's
//!   content is encoded as the ordinary characters `<`, `|`, `end`, ..., never as the special
//!   token, as openai-harmony does (and as a chat API must, or a user could forge a turn).
//!   Hugging Face's `apply_chat_template` differs here: it renders the conversation to one
//!   string and tokenizes it with special tokens parsed, so a special token written in a
//!   message becomes that token. fairtok does not copy that.
//! * Adjacent text is one [`Segment::Text`]: the fixed text of the format (a role name, the
//!   `\n\n` after a header) and a message's content are encoded together, as the reference
//!   tokenizes the rendered string between two special tokens.
//! * Each text segment is encoded with the tokenizer's ordinary encoding
//!   ([`Specials::None`]: no special token is matched in it; for a `tokenizer.json`, added
//!   tokens that are not special, such as Qwen3's `<think>`, still are, as Hugging Face does);
//!   each special token is its id in the tokenizer, and a tokenizer without it is an
//!   [`Error::UnknownSpecial`] naming it.
//! * A role the format does not take is an [`Error::ChatRole`] naming the message and the role,
//!   and a conversation the format cannot render exactly (no messages, a Qwen3 `tool` message)
//!   an [`Error::Chat`]: never a silent approximation.

use crate::error::{Error, Result};
use crate::{builtin, EncodeOptions, Specials, Tokenizer};

mod render;
#[cfg(test)]
mod tests;

/// One message of a conversation: who speaks (`system`, `user`, `assistant`, ...) and what
/// they say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The role, as the chat API names it (`system`, `developer`, `user`, `assistant`).
    pub role: String,
    /// The text of the message.
    pub content: String,
}

impl Message {
    /// A message of `role` saying `content`.
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Message {
        Message {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// A chat format: how a family of models turns a conversation into tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatFormat {
    /// gpt-oss's harmony format, as openai-harmony 0.0.8 renders a conversation for completion
    /// (`render_conversation_for_completion(Conversation.from_messages(...), Role.ASSISTANT)`):
    /// each message is `<|start|>{role}<|message|>{content}<|end|>`, an assistant message in
    /// the history is one on the `final` channel,
    /// `<|start|>assistant<|channel|>final<|message|>{content}<|end|>`, and the prompt ends with
    /// `<|start|>assistant`. Roles: `system`, `developer`, `user`, `assistant` (a `tool`
    /// message needs the tool's name, which [`Message`] does not hold).
    ///
    /// Exactly the messages given are rendered: no system message is added. (gpt-oss's Hugging
    /// Face chat template adds one, with the model identity, the knowledge cutoff, *today's
    /// date* and the reasoning effort, and turns a `system` message into a developer message;
    /// openai-harmony adds nothing. A caller who sends that system message counts it by
    /// passing it as a `system` message.)
    Harmony,
    /// Meta's Llama 3 Instruct format, the `chat_template` of Meta-Llama-3-8B-Instruct's
    /// `tokenizer_config.json` (Llama 3.0; 3.1 and later add a dated system header and are
    /// not this format): `<|begin_of_text|>`, then per message
    /// `<|start_header_id|>{role}<|end_header_id|>\n\n{content | trim}<|eot_id|>`, then
    /// `<|start_header_id|>assistant<|end_header_id|>\n\n`. The content is trimmed as Jinja's
    /// `trim` (Python's `str.strip()`) does. Roles: `system`, `user`, `assistant`.
    Llama3,
    /// Qwen3's format, the `chat_template` of the hybrid-thinking Qwen3 models (Qwen3-8B and
    /// its siblings), with `add_generation_prompt=True` and `enable_thinking` left at its
    /// default (thinking allowed: the prompt ends with `<|im_start|>assistant\n`). Per
    /// message `<|im_start|>{role}\n{content}<|im_end|>\n`, except an assistant message after
    /// the last user message: a `<think>…</think>` block in its content is reformatted, and
    /// the last message, when it is the assistant's, always gets one (empty if it had none),
    /// as the template does; earlier assistant messages lose their `<think>` block. Roles:
    /// `system`, `user`, `assistant` (`tool` messages need the tool calls that [`Message`]
    /// does not hold and are refused).
    Qwen3,
    /// The OpenAI API's chat models (`gpt-4o`, `gpt-4.1`, `o1`, ...): their rendering is not
    /// published, so the count is OpenAI's own estimate, `num_tokens_from_messages` of the
    /// cookbook "How to count tokens with tiktoken": per message 3 tokens plus the tokens of
    /// its role and of its content, plus 3 for the reply's priming. **Not exact** (OpenAI says
    /// the count may differ from the API's). Roles: `system`, `developer`, `user`,
    /// `assistant`.
    OpenAiApi,
}

/// Names of the formats, for [`ChatFormat::name`] and [`ChatFormat::from_name`].
const NAMES: [(ChatFormat, &str); 4] = [
    (ChatFormat::Harmony, "harmony"),
    (ChatFormat::Llama3, "llama3"),
    (ChatFormat::Qwen3, "qwen3"),
    (ChatFormat::OpenAiApi, "openai_api"),
];

/// Words that mark a Qwen3 model whose chat template is not the hybrid one [`ChatFormat::Qwen3`]
/// renders (the 2507 Instruct/Thinking releases, Qwen3-Next, -VL, -Coder, -Omni, ...).
const QWEN3_OTHERS: [&str; 10] = [
    "2507",
    "next",
    "vl",
    "coder",
    "omni",
    "instruct",
    "thinking",
    "embedding",
    "reranker",
    "guard",
];

/// The OpenAI API's chat-model names (prefixes) that [`ChatFormat::OpenAiApi`] estimates.
const OPENAI_CHAT: [&str; 10] = [
    "gpt-3.5-turbo",
    "gpt-35-turbo",
    "gpt-4",
    "gpt-5",
    "chatgpt-4o",
    "o1",
    "o3",
    "o4-mini",
    "ft:gpt-4",
    "ft:gpt-3.5-turbo",
];

impl ChatFormat {
    /// The format of a model name, or `None`:
    ///
    /// * `gpt-oss-120b`, `gpt-oss-20b`, any `gpt-oss*` (also `openai/gpt-oss*`) → [`Harmony`];
    /// * Llama 3.0: `llama3`, `llama-3`, `Meta-Llama-3-8B-Instruct`,
    ///   `meta-llama/Meta-Llama-3-70B-Instruct`, `llama3:8b` (case-insensitive; the name
    ///   continues with `-`, `_` or `:` or ends). `llama-3.1`, `llama3.2`, ... are not: their
    ///   template adds a dated system header;
    /// * the hybrid Qwen3 models: `qwen3`, `qwen3-8b`, `Qwen/Qwen3-30B-A3B`, `qwen3:14b`
    ///   (case-insensitive), but none whose name contains one of the words of the releases
    ///   with other templates (`2507`, `next`, `vl`, `coder`, `omni`, `instruct`, `thinking`,
    ///   ...);
    /// * OpenAI API chat models, as tiktoken maps them to an encoding
    ///   ([`builtin::encoding_name_for_model`]): `gpt-4o`, `gpt-4o-mini`, `gpt-4`,
    ///   `gpt-3.5-turbo`, `gpt-4.1`, `gpt-5`, `o1`, `o3`, `o4-mini`, their dated versions and
    ///   `ft:` fine-tunes → [`OpenAiApi`]. `gpt-3.5-turbo-0301`, whose messages cost one
    ///   token more, is not supported.
    ///
    /// [`Harmony`]: ChatFormat::Harmony
    /// [`OpenAiApi`]: ChatFormat::OpenAiApi
    pub fn for_model(model: &str) -> Option<ChatFormat> {
        let lower = model.to_ascii_lowercase();
        let bare = lower.rsplit('/').next().unwrap_or(&lower);
        if bare.starts_with("gpt-oss") {
            return Some(ChatFormat::Harmony);
        }
        let llama = bare.strip_prefix("meta-").unwrap_or(bare);
        let rest = llama
            .strip_prefix("llama-3")
            .or_else(|| llama.strip_prefix("llama3"));
        if let Some(rest) = rest {
            return follows_name(rest).then_some(ChatFormat::Llama3);
        }
        if let Some(rest) = bare.strip_prefix("qwen3") {
            let hybrid = !bare
                .split(['-', '_', ':', '.'])
                .any(|w| QWEN3_OTHERS.contains(&w));
            return (follows_name(rest) && hybrid).then_some(ChatFormat::Qwen3);
        }
        let chat = OPENAI_CHAT.iter().any(|p| {
            model
                .strip_prefix(p)
                .is_some_and(|r| r.is_empty() || r.starts_with(['-', '.', 'o', ':']))
        });
        let api = chat
            && model != "gpt-3.5-turbo-0301"
            && builtin::encoding_name_for_model(model).is_some_and(|e| e != "o200k_harmony");
        api.then_some(ChatFormat::OpenAiApi)
    }

    /// The name of the tokenizer the format counts with: `o200k_harmony` (a built-in) for
    /// [`Harmony`](ChatFormat::Harmony), `llama3` and `qwen3` (Llama 3's and Qwen3's
    /// tokenizer files) for [`Llama3`](ChatFormat::Llama3) and [`Qwen3`](ChatFormat::Qwen3),
    /// and for [`OpenAiApi`](ChatFormat::OpenAiApi) the built-in encoding tiktoken maps
    /// `model` to (`None` for a model it does not know).
    pub fn tokenizer_name(&self, model: &str) -> Option<&'static str> {
        match self {
            ChatFormat::Harmony => Some("o200k_harmony"),
            ChatFormat::Llama3 => Some("llama3"),
            ChatFormat::Qwen3 => Some("qwen3"),
            ChatFormat::OpenAiApi => builtin::encoding_name_for_model(model),
        }
    }

    /// Whether [`count`] gives the model's exact count: `false` only for
    /// [`OpenAiApi`](ChatFormat::OpenAiApi), whose rendering is not published.
    pub fn is_exact(&self) -> bool {
        !matches!(self, ChatFormat::OpenAiApi)
    }

    /// The format's name: `harmony`, `llama3`, `qwen3` or `openai_api`.
    pub fn name(&self) -> &'static str {
        NAMES.iter().find(|(f, _)| f == self).map_or("", |(_, n)| n)
    }

    /// The format named `name` (see [`ChatFormat::name`]), or `None`.
    pub fn from_name(name: &str) -> Option<ChatFormat> {
        NAMES.iter().find(|(_, n)| *n == name).map(|(f, _)| *f)
    }
}

/// Whether `rest`, what follows a family name (`llama3`, `qwen3`) in a model name, leaves
/// that name whole: nothing, or a separator before a size or variant (`-8b`, `:14b`).
fn follows_name(rest: &str) -> bool {
    rest.is_empty() || rest.starts_with(['-', '_', ':'])
}

/// A piece of a rendered conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A special token, by its name in the tokenizer (`<|start|>`, `<|eot_id|>`).
    Special(&'static str),
    /// Text, encoded with the tokenizer's ordinary encoding: a special token's name written in
    /// it is text, not the special token.
    Text(String),
}

/// The number of tokens a conversation costs, and whether it is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatCount {
    /// The tokens of the rendered conversation, generation prompt included.
    pub tokens: usize,
    /// Whether the number is the model's own ([`ChatFormat::is_exact`]).
    pub exact: bool,
}

/// The conversation rendered in `format` (see [`ChatFormat`]), generation prompt included.
/// [`ChatFormat::OpenAiApi`] has no published rendering and is an [`Error::Chat`]; an
/// unknown role is an [`Error::ChatRole`], an empty conversation an [`Error::Chat`].
pub fn render(format: ChatFormat, messages: &[Message]) -> Result<Vec<Segment>> {
    if messages.is_empty() {
        return Err(chat_error(
            format,
            "a conversation needs at least one message",
        ));
    }
    match format {
        ChatFormat::Harmony => render::harmony(messages),
        ChatFormat::Llama3 => render::llama3(messages),
        ChatFormat::Qwen3 => render::qwen3(messages),
        ChatFormat::OpenAiApi => Err(chat_error(
            format,
            "OpenAI does not publish how its API renders a conversation; `count` estimates it",
        )),
    }
}

/// The token ids of the conversation rendered in `format` with `tok` (see [`render`]):
/// special tokens by their id, text by `tok`'s ordinary encoding.
pub fn encode(tok: &Tokenizer, format: ChatFormat, messages: &[Message]) -> Result<Vec<u32>> {
    let segments = render(format, messages)?;
    let specials = tok.special_tokens();
    let text = EncodeOptions {
        specials: Specials::None,
        add_special: false,
    };
    let mut out = Vec::new();
    for segment in &segments {
        match segment {
            Segment::Special(name) => out.push(special_id(tok, &specials, name)?),
            Segment::Text(t) => tok.encode_into(t, &text, &mut out)?,
        }
    }
    Ok(out)
}

/// The number of tokens the conversation costs with `tok` in `format`, and whether the count
/// is exact: the length of [`encode`], or for [`ChatFormat::OpenAiApi`] OpenAI's estimate
/// (see there; `tok` is the model's encoding, as [`ChatFormat::tokenizer_name`] names it).
pub fn count(tok: &Tokenizer, format: ChatFormat, messages: &[Message]) -> Result<ChatCount> {
    let tokens = match format {
        ChatFormat::OpenAiApi => openai_estimate(tok, messages)?,
        _ => encode(tok, format, messages)?.len(),
    };
    Ok(ChatCount {
        tokens,
        exact: format.is_exact(),
    })
}

/// The roles the OpenAI API estimate takes.
const OPENAI_ROLES: [&str; 4] = ["system", "developer", "user", "assistant"];

/// `num_tokens_from_messages` of OpenAI's cookbook: 3 per message, plus the tokens of its
/// role and content (each encoded on its own, ordinary), plus 3.
fn openai_estimate(tok: &Tokenizer, messages: &[Message]) -> Result<usize> {
    const PER_MESSAGE: usize = 3;
    const REPLY_PRIMING: usize = 3;
    let format = ChatFormat::OpenAiApi;
    if messages.is_empty() {
        return Err(chat_error(
            format,
            "a conversation needs at least one message",
        ));
    }
    let mut n = REPLY_PRIMING;
    for (index, m) in messages.iter().enumerate() {
        render::check_role(
            format,
            index,
            &m.role,
            &OPENAI_ROLES,
            "system, developer, user, assistant",
        )?;
        n += PER_MESSAGE + ordinary_len(tok, &m.role)? + ordinary_len(tok, &m.content)?;
    }
    Ok(n)
}

/// The number of tokens of `text` with no special token matched.
fn ordinary_len(tok: &Tokenizer, text: &str) -> Result<usize> {
    let opts = EncodeOptions {
        specials: Specials::None,
        add_special: false,
    };
    Ok(tok.encode_with(text, &opts)?.len())
}

/// The id of the special token `name` in `specials` (`tok`'s), or an [`Error::UnknownSpecial`].
fn special_id(tok: &Tokenizer, specials: &[(String, u32)], name: &str) -> Result<u32> {
    specials
        .iter()
        .find(|(s, _)| s == name)
        .map(|(_, id)| *id)
        .ok_or_else(|| Error::UnknownSpecial {
            token: name.to_owned(),
            tokenizer: tok.name().to_owned(),
            available: specials
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// An [`Error::Chat`] of `format`.
fn chat_error(format: ChatFormat, reason: impl Into<String>) -> Error {
    Error::Chat {
        format: format.name(),
        reason: reason.into(),
    }
}
