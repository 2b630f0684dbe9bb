"""The tokens a chat conversation costs in a model's chat format (`fairtok_core::chat`).

`count_chat("gpt-oss-120b", [{"role": "user", "content": "안녕하세요"}])` renders the
conversation as gpt-oss's harmony format does (openai-harmony's
`render_conversation_for_completion`, generation prompt included) and counts it; Llama 3 and
Qwen3 follow their official chat templates; OpenAI API models get OpenAI's published
per-message overhead, which is an estimate (`exact` is False). Special tokens written inside a
message's content are text. `POST /v1/chat/count` of `fairtok serve` makes the same call.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

from fairtok import _fairtok
from fairtok.core import Encoding


def _format(model: str) -> str:
    fmt = _fairtok.chat_format(model)
    if fmt is None:
        raise ValueError(
            f"no chat format is known for model {model!r}: gpt-oss-*, llama3 (Llama 3.0), "
            "qwen3, or an OpenAI API chat model (gpt-4o, gpt-4, ...)"
        )
    return fmt


def _encoding(model: str, fmt: str, encoding: Optional[Encoding]) -> Encoding:
    if encoding is not None:
        return encoding
    import fairtok

    if fmt == "harmony":
        return fairtok.get_encoding("o200k_harmony")
    if fmt == "openai_api":
        return fairtok.encoding_for_model(model)
    raise ValueError(
        f"model {model!r} ({fmt}) counts with its own tokenizer, which is not built in: "
        "pass encoding=fairtok.load(path/to/tokenizer.json)"
    )


def _pairs(messages: Iterable[Mapping[str, str]]) -> list[tuple[str, str]]:
    out = []
    for i, m in enumerate(messages):
        try:
            out.append((m["role"], m["content"]))
        except (KeyError, TypeError) as e:
            raise ValueError(f"message {i}: expected a mapping with 'role' and 'content'") from e
    return out


def count_chat(
    model: str,
    messages: Iterable[Mapping[str, str]],
    encoding: Optional[Encoding] = None,
) -> tuple[int, bool]:
    """`(tokens, exact)` of the conversation in `model`'s chat format.

    `encoding` defaults to the model's built-in (o200k_harmony for gpt-oss, tiktoken's
    encoding for OpenAI API models); Llama 3 and Qwen3 need theirs passed
    (`fairtok.load("llama3.tokenizer.json")`).
    """
    fmt = _format(model)
    enc = _encoding(model, fmt, encoding)
    return _fairtok.count_chat(enc._core, model, _pairs(messages))


def encode_chat(
    model: str,
    messages: Iterable[Mapping[str, str]],
    encoding: Optional[Encoding] = None,
) -> list[int]:
    """The ids of the rendered conversation (not for OpenAI API models, whose format is not
    public)."""
    fmt = _format(model)
    enc = _encoding(model, fmt, encoding)
    return _fairtok.encode_chat(enc._core, model, _pairs(messages))
