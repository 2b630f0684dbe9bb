"""`fairtok serve` against the reference libraries: the real server on a free loopback port,
its `/v1/count` and `/v1/encode` answers against tiktoken and HF tokenizers on the shared
conformance texts and FLORES-200 dev lines, and `/v1/chat/count` for Llama 3 against
transformers' `apply_chat_template` with the official template.
"""

import json
import signal
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import ROOT, SHARED, VOCAB

FLORES = SHARED / "data" / "parallel" / "flores200-dev"


@pytest.fixture(scope="module")
def server(fairtok_bin):
    llama3 = VOCAB / "llama3.tokenizer.json"
    qwen3 = VOCAB / "qwen3.tokenizer.json"
    if not llama3.exists() or not qwen3.exists():
        pytest.skip("shared llama3/qwen3 tokenizer.json files are absent")
    proc = subprocess.Popen(
        [
            fairtok_bin,
            "serve",
            "--addr",
            "127.0.0.1:0",
            "-t",
            f"o200k_base,cl100k_base,o200k_harmony,llama3={llama3},qwen3={qwen3}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert line.startswith("listening on http://"), line
    yield line.strip().removeprefix("listening on ")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


def post(base, path, body):
    req = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def flores_lines(limit=200):
    out = []
    for lang in ["eng_Latn", "kor_Hang", "jpn_Jpan", "zho_Hans", "hin_Deva", "tha_Thai"]:
        path = FLORES / f"{lang}.dev"
        if path.exists():
            out += path.read_text(encoding="utf-8").splitlines()[:limit]
    return out


def test_counts_and_ids_equal_tiktoken(server, tiktoken, texts):
    sample = texts[:400] + flores_lines()
    for name in ["o200k_base", "cl100k_base"]:
        enc = tiktoken.get_encoding(name)
        status, got = post(server, "/v1/count", {"tokenizer": name, "texts": sample})
        assert status == 200
        want = [len(enc.encode_ordinary(t)) for t in sample]
        assert got["tokens"] == want
        for t in sample[:50] + sample[-50:]:
            status, got = post(server, "/v1/encode", {"tokenizer": name, "text": t})
            assert (status, got["ids"]) == (200, enc.encode_ordinary(t))
            assert b"".join(bytes.fromhex(h) for h in got["bytes"]) == t.encode()


def test_counts_and_ids_equal_hf_tokenizers(server, texts):
    from tokenizers import Tokenizer

    sample = texts[:400] + flores_lines()
    for name in ["llama3", "qwen3"]:
        hf = Tokenizer.from_file(str(VOCAB / f"{name}.tokenizer.json"))
        status, got = post(server, "/v1/count", {"tokenizer": name, "texts": sample})
        assert status == 200
        want = [len(e.ids) for e in hf.encode_batch(sample, add_special_tokens=False)]
        assert got["tokens"] == want
        for t in sample[:50]:
            status, got = post(server, "/v1/encode", {"tokenizer": name, "text": t})
            assert got["ids"] == hf.encode(t, add_special_tokens=False).ids


def test_chat_count_equals_transformers_for_llama3(server):
    from transformers import PreTrainedTokenizerFast

    template = (ROOT / "tests" / "data" / "chat" / "llama3.jinja").read_text(encoding="utf-8")
    hf = PreTrainedTokenizerFast(
        tokenizer_file=str(VOCAB / "llama3.tokenizer.json"), bos_token="<|begin_of_text|>"
    )
    messages = [
        {"role": "system", "content": "한국어로 답하세요."},
        {"role": "user", "content": "서울의 인구는?"},
        {"role": "assistant", "content": "약 940만 명입니다."},
        {"role": "user", "content": "And Busan?"},
    ]
    want = hf.apply_chat_template(
        messages, chat_template=template, add_generation_prompt=True, tokenize=True
    )
    if not isinstance(want, list):  # newer transformers return a BatchEncoding
        want = want["input_ids"]
    status, got = post(server, "/v1/chat/count", {"model": "llama3", "messages": messages})
    assert status == 200
    assert got["input_tokens"] == len(want) and got["exact"] is True


def test_errors_are_json_4xx(server):
    status, got = post(server, "/v1/count", {"tokenizer": "gpt2", "text": "x"})
    assert status == 400 and got["error"]["type"] == "unknown_tokenizer"
    status, got = post(server, "/v1/chat/count", {"model": "llama3", "messages": "hi"})
    assert status == 400 and got["error"]["type"] == "invalid_request"
