"""`o200k_ko_sw` (issue 18, item 2): o200k_base plus 32,768 Korean tokens, some of which cross
the spaces between Hangul words, with its own pattern (o200k's behind a Hangul superword
alternative).

The reference is the real tiktoken: an `Encoding` made from tiktoken's own o200k_base ranks and
special tokens, plus the added ranks and the pattern (`pat_str`) that `fairtok export -t
o200k_ko_sw --format tiktoken` writes; and Hugging Face tokenizers on the `tokenizer.json` that
`fairtok export -t o200k_ko_sw --format hf` writes. Checked:

* the built-in gives tiktoken's and HF's ids on the conformance texts and on FLORES-200 dev in
  Korean, English, Japanese and Chinese; `decode` round-trips;
* the pattern is the superword alternative in front of o200k_base's pattern, unchanged, and
  text without Hangul encodes exactly as under tiktoken's o200k_base;
* some added tokens do cross a space, and Korean costs fewer tokens than under o200k_ko.

Run: scripts/test-python.sh -k test_ko_sw
"""
import json
import subprocess

import pytest

import fairtok
import conftest
from conftest import SHARED, has_hangul

FLORES = SHARED / "data" / "parallel" / "flores200-dev"
SUPERWORD = r"[^\r\n\p{L}\p{N}]?\p{Hangul}+(?: \p{Hangul}+){1,7}|"


def flores(lang, n=997):
    return conftest.lines(FLORES / f"{lang}.dev", n)


def export(fairtok_bin, fmt, path):
    r = subprocess.run([fairtok_bin, "export", "-t", "o200k_ko_sw", "--format", fmt,
                        "-o", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def reference(tiktoken, fairtok_bin, tmp_path_factory):
    """tiktoken's o200k_base plus the exported added ranks, with the exported pattern."""
    import tiktoken.load

    out = tmp_path_factory.mktemp("ko_sw") / "o200k_ko_sw.tiktoken"
    export(fairtok_bin, "tiktoken", out)
    with open(f"{out}.json", encoding="utf-8") as f:
        sidecar = json.load(f)
    base = tiktoken.get_encoding("o200k_base")
    assert sidecar["pat_str"] == SUPERWORD + base._pat_str
    assert sidecar["special_tokens"] == base._special_tokens
    exported = tiktoken.load.load_tiktoken_bpe(str(out))
    ranks = dict(base._mergeable_ranks)
    added = {t: r for t, r in exported.items() if r >= 200019}
    assert len(added) == 32768 and min(added.values()) == 200019
    assert {t: r for t, r in exported.items() if r < 200019} == ranks
    ranks.update(added)
    return tiktoken.Encoding(name="o200k_ko_sw", pat_str=sidecar["pat_str"],
                             mergeable_ranks=ranks, special_tokens=base._special_tokens)


@pytest.fixture(scope="module")
def corpus(texts):
    out = list(texts)
    for lang in ("kor_Hang", "eng_Latn", "jpn_Jpan", "zho_Hans"):
        out += flores(lang)
    return out


def test_same_ids_as_tiktoken_and_round_trips(reference, corpus):
    enc = fairtok.get_encoding("o200k_ko_sw")
    assert enc.name == "o200k_ko_sw" and enc.n_vocab == reference.n_vocab == 200019 + 32768
    assert enc.special_tokens_set == reference.special_tokens_set
    bad = [t for t in corpus if enc.encode_ordinary(t) != reference.encode_ordinary(t)]
    assert not bad, f"{len(bad)} of {len(corpus)} texts differ, first: {bad[0][:80]!r}"
    for t in corpus:
        assert enc.decode(enc.encode_ordinary(t)) == t
    s = "<|endoftext|>한국 사람 모두<|endofprompt|>"
    ids = enc.encode(s, allowed_special="all")
    assert ids == reference.encode(s, allowed_special="all")
    assert (ids[0], ids[-1]) == (199999, 200018) and enc.decode(ids) == s


def test_without_hangul_it_is_o200k_base(tiktoken, corpus):
    enc = fairtok.get_encoding("o200k_ko_sw")
    base = tiktoken.get_encoding("o200k_base")
    plain = [t for t in corpus if not has_hangul(t)]
    assert len(plain) > 3000
    for t in plain:
        assert enc.encode_ordinary(t) == base.encode_ordinary(t), t[:80]


def test_superword_tokens_and_fewer_korean_tokens():
    enc = fairtok.get_encoding("o200k_ko_sw")
    crossing = [i for i in range(200019, 200019 + 32768)
                if b" " in enc.decode_single_token_bytes(i).strip(b" ")]
    assert len(crossing) > 1000
    assert len(enc.encode_ordinary("할 수 있다")) == 1
    ko = flores("kor_Hang")
    ours = sum(len(enc.encode_ordinary(t)) for t in ko)
    o200k_ko = sum(len(fairtok.get_encoding("o200k_ko").encode_ordinary(t)) for t in ko)
    assert ours < 0.99 * o200k_ko


def test_hf_export_has_the_same_ids(fairtok_bin, corpus, tmp_path):
    from tokenizers import Tokenizer

    out = tmp_path / "tokenizer.json"
    export(fairtok_bin, "hf", out)
    hf = Tokenizer.from_file(str(out))
    enc = fairtok.get_encoding("o200k_ko_sw")
    # HF matches special tokens written in the text: compare with them allowed.
    bad = [t for t in corpus if hf.encode(t, add_special_tokens=False).ids
           != enc.encode(t, allowed_special="all")]
    assert not bad, f"{len(bad)} of {len(corpus)} texts differ, first: {bad[0][:80]!r}"
    for t in flores("kor_Hang", 200):
        assert hf.decode(enc.encode_ordinary(t)) == t
