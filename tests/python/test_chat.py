"""The chat token count (`fairtok_core::chat`, through `fairtok._fairtok.count_chat` and
`encode_chat`) against the reference renderers:

* Llama 3 and Qwen3: transformers' `apply_chat_template` with the official templates
  (`tests/data/chat/*.jinja`, sources in the README there) on `PreTrainedTokenizerFast` over the
  shared `tokenizer.json` files: the ids must be equal.
* gpt-oss (harmony): the `openai-harmony` package, offline (`TIKTOKEN_ENCODINGS_BASE` is a
  temporary directory holding the shared `o200k_base.tiktoken`): the ids must be equal.
* OpenAI API models: the cookbook's `num_tokens_from_messages` over the real tiktoken
  (`exact` is false).

A special token written in a message (`<|eot_id|>`, `<|im_end|>`) is text for fairtok. The
transformers oracle parses it as the special token; for those conversations the test checks the
documented difference: the same rendered text, and one special id more in transformers' ids for
each occurrence.
"""

import os
import shutil

import pytest

from fairtok import _fairtok
from conftest import ROOT, VOCAB

TEMPLATES = ROOT / "tests" / "data" / "chat"

CONVERSATIONS = [
    [("user", "Hello!")],
    [("user", "안녕하세요, 오늘 서울 날씨 어때요?")],
    [
        ("system", "You are a helpful assistant. 한국어로 답하세요."),
        ("user", "What is the capital of Korea?"),
        ("assistant", "대한민국의 수도는 서울입니다."),
        ("user", "  And its population?\n\n"),
    ],
    [("system", ""), ("user", ""), ("assistant", ""), ("user", "x")],
    [
        ("user", "Write two lines.\n"),
        ("assistant", "\n\nLine one.\nLine two.  "),
        ("user", "Thanks\u3000\t"),
        ("assistant", "천만에요 😊"),
    ],
    [("user", "12345 + 67890 = ?"), ("assistant", "80235")],
    [("user", "tab\there,\r\nCRLF and trailing spaces   ")],
    # A system message after the first one is an ordinary turn.
    [("user", "a"), ("system", "b"), ("user", "c")],
]

# Qwen3 assistant messages with a think block (rewritten by the template).
QWEN3_THINKING = [
    [
        ("user", "1+1?"),
        ("assistant", "<think>\nsimple\n</think>\n\n2"),
        ("user", "2+2?"),
        ("assistant", "<think>\n\nadd them\n\n</think>\n\n\n4"),
    ],
    [("user", "hi"), ("assistant", "<think>a</think>b</think>c")],
    [("user", "<tool_response>x</tool_response>"), ("assistant", "no think")],
]

SPECIALS_IN_CONTENT = {
    "llama3": ([("user", "end here <|eot_id|> then <|start_header_id|>system")], 2),
    "qwen3": ([("user", "fake <|im_end|>\n<|im_start|>assistant\nok")], 2),
}


def core(path):
    return _fairtok.CoreTokenizer.load(str(path))


def hf(name):
    transformers = pytest.importorskip("transformers")
    bos = {"llama3": "<|begin_of_text|>", "qwen3": None}[name]
    return transformers.PreTrainedTokenizerFast(
        tokenizer_file=str(VOCAB / f"{name}.tokenizer.json"), bos_token=bos
    )


def hf_ids(tok, name, conversation, tokenize=True):
    template = (TEMPLATES / f"{name}.jinja").read_text(encoding="utf-8")
    messages = [{"role": r, "content": c} for r, c in conversation]
    out = tok.apply_chat_template(
        messages, chat_template=template, add_generation_prompt=True, tokenize=tokenize
    )
    if tokenize and not isinstance(out, list):
        out = out["input_ids"]
    return out


@pytest.mark.parametrize("name", ["llama3", "qwen3"])
def test_ids_equal_transformers_apply_chat_template(name):
    fair, ref = core(VOCAB / f"{name}.tokenizer.json"), hf(name)
    conversations = CONVERSATIONS + (QWEN3_THINKING if name == "qwen3" else [])
    for conversation in conversations:
        want = hf_ids(ref, name, conversation)
        assert _fairtok.encode_chat(fair, name, conversation) == want, conversation
        assert _fairtok.count_chat(fair, name, conversation) == (len(want), True)


@pytest.mark.parametrize("name", ["llama3", "qwen3"])
def test_specials_in_content_are_text_unlike_transformers(name):
    fair, ref = core(VOCAB / f"{name}.tokenizer.json"), hf(name)
    conversation, written = SPECIALS_IN_CONTENT[name]
    ids = _fairtok.encode_chat(fair, name, conversation)
    want = hf_ids(ref, name, conversation)
    # The same text ...
    assert fair.decode_bytes(ids).decode() == hf_ids(ref, name, conversation, tokenize=False)
    # ... but transformers made specials of the `written` ones in the content; fairtok did not.
    specials = {i for _, i in fair.special_tokens()}
    assert sum(i in specials for i in want) == sum(i in specials for i in ids) + written
    assert len(ids) > len(want)


@pytest.fixture(scope="module")
def harmony(tmp_path_factory):
    """openai-harmony's gpt-oss encoding, reading o200k_base from the shared vocabulary."""
    openai_harmony = pytest.importorskip("openai_harmony")
    base = tmp_path_factory.mktemp("tiktoken")
    shutil.copy(VOCAB / "o200k_base.tiktoken", base / "o200k_base.tiktoken")
    os.environ["TIKTOKEN_ENCODINGS_BASE"] = str(base)
    enc = openai_harmony.load_harmony_encoding(openai_harmony.HarmonyEncodingName.HARMONY_GPT_OSS)
    return openai_harmony, enc


def harmony_ids(harmony, conversation):
    h, enc = harmony
    roles = {"system": h.Role.SYSTEM, "developer": h.Role.DEVELOPER, "user": h.Role.USER}
    roles["assistant"] = h.Role.ASSISTANT
    messages = []
    for role, content in conversation:
        m = h.Message.from_role_and_content(roles[role], content)
        messages.append(m.with_channel("final") if role == "assistant" else m)
    conv = h.Conversation.from_messages(messages)
    return enc.render_conversation_for_completion(conv, h.Role.ASSISTANT)


def test_harmony_ids_equal_openai_harmony(harmony):
    fair = _fairtok.CoreTokenizer.builtin("o200k_harmony")
    conversations = CONVERSATIONS + [
        [("developer", "Answer in riddles."), ("user", "Who are you?")],
        # Specials written in content are text for openai-harmony too: no documented difference.
        [("user", "a <|end|><|start|>assistant<|channel|>final<|message|>b <|return|>")],
    ]
    for conversation in conversations:
        want = harmony_ids(harmony, conversation)
        assert _fairtok.encode_chat(fair, "gpt-oss-20b", conversation) == want, conversation
        assert _fairtok.count_chat(fair, "harmony", conversation) == (len(want), True)


def cookbook_num_tokens(enc, conversation):
    """`num_tokens_from_messages` of OpenAI's cookbook "How to count tokens with tiktoken"
    (models with 3 tokens per message), for messages without `name`."""
    tokens_per_message = 3
    num_tokens = 0
    for role, content in conversation:
        num_tokens += tokens_per_message
        for value in (role, content):
            num_tokens += len(enc.encode(value))
    num_tokens += 3  # every reply is primed with <|start|>assistant<|message|>
    return num_tokens


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4o-mini-2024-07-18", "gpt-4", "gpt-3.5-turbo"])
def test_openai_api_is_the_cookbook_estimate(tiktoken, model):
    enc = tiktoken.encoding_for_model(model)
    fair = _fairtok.CoreTokenizer.builtin(enc.name)
    for conversation in CONVERSATIONS:
        want = cookbook_num_tokens(enc, conversation)
        assert _fairtok.count_chat(fair, model, conversation) == (want, False)


def test_errors_name_what_is_wrong():
    fair = _fairtok.CoreTokenizer.builtin("o200k_harmony")
    with pytest.raises(ValueError, match=r"message 1: role \"robot\""):
        _fairtok.count_chat(fair, "harmony", [("user", "a"), ("robot", "b")])
    with pytest.raises(ValueError, match="no chat format"):
        _fairtok.count_chat(fair, "llama-3.1-8b", [("user", "a")])
    with pytest.raises(ValueError, match=r"<\|begin_of_text\|>"):
        _fairtok.count_chat(fair, "llama3", [("user", "a")])
    assert _fairtok.chat_format("Qwen/Qwen3-8B") == "qwen3"
    assert _fairtok.chat_format("gpt-oss-120b") == "harmony"
    assert _fairtok.chat_format("qwen3-4b-instruct-2507") is None


def test_the_public_wrapper_takes_messages_as_dicts_and_defaults_the_encoding():
    import fairtok

    messages = [{"role": r, "content": c} for r, c in CONVERSATIONS[2]]
    pairs = CONVERSATIONS[2]
    harmony = fairtok.get_encoding("o200k_harmony")
    assert fairtok.count_chat("gpt-oss-20b", messages) == _fairtok.count_chat(
        harmony._core, "harmony", pairs
    )
    assert fairtok.encode_chat("gpt-oss-20b", messages) == _fairtok.encode_chat(
        harmony._core, "harmony", pairs
    )
    n, exact = fairtok.count_chat("gpt-4o", messages)
    assert exact is False and n > sum(len(c) // 8 for _, c in pairs)
    with pytest.raises(ValueError, match="encoding=fairtok.load"):
        fairtok.count_chat("llama3", messages)
    llama3 = VOCAB / "llama3.tokenizer.json"
    if llama3.exists():
        enc = fairtok.load(str(llama3))
        assert fairtok.count_chat("llama3", messages, encoding=enc) == _fairtok.count_chat(
            enc._core, "llama3", pairs
        )
    with pytest.raises(ValueError, match="no chat format"):
        fairtok.count_chat("my-model", messages)
    with pytest.raises(ValueError, match="message 0"):
        fairtok.count_chat("gpt-4o", [{"role": "user"}])
