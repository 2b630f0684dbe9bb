"""`o200k_harmony_ko` (issue 18, item 3): gpt-oss's `o200k_harmony` plus o200k_ko's Korean
tokens, ids from 201088 on.

The reference is the real tiktoken: an `Encoding` made from tiktoken's own `o200k_harmony`
(its pattern and 1,091 special tokens, o200k_base's ranks) plus o200k_ko's added ranks moved
up by 201088 - 200019, read from the `.tiktoken` file that `fairtok export -t o200k_ko` writes.
Checked:

* fairtok's built-in gives tiktoken's ids on the conformance texts, on FLORES-200 dev in
  Korean, English, Japanese and Chinese, and on harmony chat strings with the special tokens
  allowed; `decode` round-trips;
* it is o200k_ko with the added ids shifted by 1,069, and o200k_harmony on text without
  Hangul: the same tokens, so gpt-oss's prompts in other languages keep their ids;
* `fairtok export -t o200k_harmony_ko` in both formats loads in tiktoken and Hugging Face
  tokenizers with the same ids.

Run: scripts/test-python.sh -k test_harmony_ko
"""
import json
import subprocess

import pytest

import fairtok
import conftest
from conftest import SHARED

FLORES = SHARED / "data" / "parallel" / "flores200-dev"
SHIFT = 201088 - 200019

CHAT = [
    "<|start|>system<|message|>You are ChatGPT.<|end|><|start|>user<|message|>"
    "서울의 날씨는 어떤가요?<|end|><|start|>assistant<|channel|>final<|message|>",
    "<|start|>assistant<|channel|>analysis<|message|>사용자가 날씨를 묻는다.<|end|>",
]


def flores(lang, n=997):
    return conftest.lines(FLORES / f"{lang}.dev", n)


@pytest.fixture(scope="module")
def reference(tiktoken, fairtok_bin, tmp_path_factory):
    """tiktoken's o200k_harmony plus o200k_ko's added ranks, shifted past its specials."""
    import tiktoken.load

    out = tmp_path_factory.mktemp("harmony_ko") / "o200k_ko.tiktoken"
    r = subprocess.run([fairtok_bin, "export", "-t", "o200k_ko", "--format", "tiktoken",
                        "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ko_ranks = tiktoken.load.load_tiktoken_bpe(str(out))
    harmony = tiktoken.get_encoding("o200k_harmony")
    ranks = dict(harmony._mergeable_ranks)
    added = {t: r + SHIFT for t, r in ko_ranks.items() if r >= 200019}
    assert len(added) == 32768 and min(added.values()) == 201088
    ranks.update(added)
    return tiktoken.Encoding(name="o200k_harmony_ko", pat_str=harmony._pat_str,
                             mergeable_ranks=ranks, special_tokens=harmony._special_tokens)


def test_same_ids_as_tiktoken(reference, texts):
    enc = fairtok.get_encoding("o200k_harmony_ko")
    assert enc.n_vocab == reference.n_vocab == 201088 + 32768
    assert enc.special_tokens_set == reference.special_tokens_set
    corpus = list(texts)
    for lang in ("kor_Hang", "eng_Latn", "jpn_Jpan", "zho_Hans"):
        corpus += flores(lang)
    bad = [t for t in corpus if enc.encode_ordinary(t) != reference.encode_ordinary(t)]
    assert not bad, f"{len(bad)} of {len(corpus)} texts differ, first: {bad[0][:80]!r}"
    for t in CHAT:
        ids = enc.encode(t, allowed_special="all")
        assert ids == reference.encode(t, allowed_special="all")
        assert enc.decode(ids) == t
    ko = flores("kor_Hang")
    assert sum(len(enc.encode_ordinary(t)) for t in ko) < 0.7 * sum(
        len(fairtok.get_encoding("o200k_harmony").encode_ordinary(t)) for t in ko)


def test_is_o200k_ko_shifted_and_harmony_without_hangul(texts):
    enc = fairtok.get_encoding("o200k_harmony_ko")
    ko = fairtok.get_encoding("o200k_ko")
    harmony = fairtok.get_encoding("o200k_harmony")
    for t in flores("kor_Hang") + list(texts):
        want = [i + SHIFT if i >= 200019 else i for i in ko.encode_ordinary(t)]
        assert enc.encode_ordinary(t) == want
    for t in flores("eng_Latn") + flores("jpn_Jpan"):
        assert enc.encode_ordinary(t) == harmony.encode_ordinary(t)


@pytest.mark.parametrize("fmt", ["tiktoken", "hf"])
def test_export_loads_with_the_same_ids(fmt, fairtok_bin, tiktoken, tmp_path):
    from tokenizers import Tokenizer

    out = tmp_path / ("o200k_harmony_ko.tiktoken" if fmt == "tiktoken" else "tokenizer.json")
    r = subprocess.run([fairtok_bin, "export", "-t", "o200k_harmony_ko", "--format", fmt,
                        "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    enc = fairtok.get_encoding("o200k_harmony_ko")
    sample = flores("kor_Hang", 200) + flores("eng_Latn", 100) + CHAT
    if fmt == "tiktoken":
        import tiktoken.load

        with open(f"{out}.json", encoding="utf-8") as f:
            kwargs = json.load(f)
        other = tiktoken.Encoding(mergeable_ranks=tiktoken.load.load_tiktoken_bpe(str(out)),
                                  **kwargs)
        got = [other.encode(t, allowed_special="all") for t in sample]
    else:
        other = Tokenizer.from_file(str(out))
        got = [other.encode(t, add_special_tokens=False).ids for t in sample]
    assert got == [enc.encode(t, allowed_special="all") for t in sample]
