"""The Korean extensions of Llama 3 and Qwen3 (`recipes/llama3_ko`, `recipes/qwen3_ko`, issue 18
item 3), on a small scale: the same command as the recipes (`recipes/extend-hf-ko.sh`), with a
small corpus and few tokens, so that it runs in seconds.

For each base:
* the output loads in Hugging Face tokenizers and in transformers (`AutoTokenizer` on a
  directory holding the tokenizer.json), and both give fairtok's ids on Korean and English
  FLORES-200 dev and the conformance texts;
* every base token keeps its id, the special tokens keep theirs, and every text without Hangul
  (English, Japanese, code) gets exactly the base's ids in both libraries;
* Korean takes fewer tokens;
* the recipe's cut (`recipes/hf_ko.py`: the first N new tokens and their merges) is exactly what
  `--add N` gives, byte for byte, which is what the curve relies on.

Run: scripts/test-python.sh -k test_recipes_hf
"""
import json
import subprocess
import sys

import pytest

import fairtok
from conftest import ROOT, SHARED, has_hangul, lines

sys.path.insert(0, str(ROOT / "recipes"))
from hf_ko import cut  # noqa: E402

VOCAB = SHARED / "data" / "vocab"
CORPUS = SHARED / "data" / "corpus"
FLORES = SHARED / "data" / "parallel" / "flores200-dev"
BASES = {"llama3": 128256, "qwen3": 151669}
ADD = 600






def extend(fairtok_bin, base, add, out):
    r = subprocess.run([fairtok_bin, "extend", "-t", str(base), "--input",
                        f"kor_Hang={CORPUS / 'ko.klue-dev.txt'}", "--min-frequency", "2",
                        "--add", str(add), "--format", "hf", "--quiet", "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module", params=sorted(BASES))
def extended(request, fairtok_bin, tmp_path_factory):
    name = request.param
    d = tmp_path_factory.mktemp(f"{name}_ko")
    extend(fairtok_bin, VOCAB / f"{name}.tokenizer.json", ADD, d / "tokenizer.json")
    return name, d


def test_loads_with_fairtoks_ids_and_keeps_the_base(extended, texts):
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    name, d = extended
    base = Tokenizer.from_file(str(VOCAB / f"{name}.tokenizer.json"))
    tok = Tokenizer.from_file(str(d / "tokenizer.json"))
    tf = AutoTokenizer.from_pretrained(str(d))
    ours = fairtok.load(str(d / "tokenizer.json"))
    assert tok.get_vocab_size() == base.get_vocab_size() + ADD
    vocab, base_vocab = tok.get_vocab(), base.get_vocab()
    assert all(vocab[t] == i for t, i in base_vocab.items())
    assert min(i for t, i in vocab.items() if t not in base_vocab) == BASES[name]

    korean = lines(FLORES / "kor_Hang.dev", 997)
    other = lines(FLORES / "eng_Latn.dev", 997) + lines(FLORES / "jpn_Jpan.dev", 300)
    bad = []
    for t in korean + other + list(texts):
        ids = tok.encode(t, add_special_tokens=False).ids
        # Hugging Face matches added tokens in the text (Qwen3's `<|endoftext|>`): all allowed.
        if ours.encode(t, allowed_special="all") != ids or tf(t, add_special_tokens=False)["input_ids"] != ids:
            bad.append(t)
        elif not has_hangul(t) and ids != base.encode(t, add_special_tokens=False).ids:
            bad.append(t)
    assert not bad, f"{len(bad)} texts differ, first: {bad[0][:80]!r}"
    before = sum(len(base.encode(t, add_special_tokens=False).ids) for t in korean)
    after = sum(len(tok.encode(t, add_special_tokens=False).ids) for t in korean)
    assert after < 0.97 * before, (before, after)


def test_the_recipes_cut_is_a_smaller_run(extended, fairtok_bin, tmp_path):
    name, d = extended
    small = tmp_path / "tokenizer.json"
    extend(fairtok_bin, VOCAB / f"{name}.tokenizer.json", ADD // 3, small)
    base = json.loads((VOCAB / f"{name}.tokenizer.json").read_text(encoding="utf-8"))
    full = json.loads((d / "tokenizer.json").read_text(encoding="utf-8"))
    want = json.loads(small.read_text(encoding="utf-8"))
    got = cut(full, base["model"]["vocab"], base["model"]["merges"], ADD // 3)
    assert got == want
