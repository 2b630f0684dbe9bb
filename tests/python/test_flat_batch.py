"""`Encoding.encode_batch_to_numpy` and `encode_ordinary_batch_to_numpy` against the real
tiktoken: one flat `uint32` array of ids and `int64` offsets whose slices are tiktoken's ids for
each text, and `encode_batch`'s errors. Also `count` and `count_batch`, which take the core's
count where the tokenizer follows tiktoken's rule, against `len(encode_ordinary)` for every kind
of file.
"""

import numpy as np
import pytest

import fairtok

from conftest import SHARED, VOCAB
from test_api import SPECIAL_ARGS, SPECIAL_TEXTS, outcome, same_outcome

MAIN = ["cl100k_base", "o200k_base"]
FLORES = SHARED / "data" / "parallel" / "flores200-dev"


@pytest.fixture(scope="module")
def pair(tiktoken):
    """name -> (tiktoken Encoding, fairtok Encoding)."""
    return {n: (tiktoken.get_encoding(n), fairtok.get_encoding(n)) for n in MAIN}


@pytest.fixture(scope="module")
def batch(texts):
    """The conformance texts and the FLORES-200 dev lines of Korean and English (about 640 KB:
    more than one run of texts on one thread, several per thread on two), with empty texts
    among them, at the start and at the end."""
    out = [""] + texts
    for lang in ["kor_Hang", "eng_Latn"]:
        lines = (FLORES / f"{lang}.dev").read_text(encoding="utf-8").splitlines()
        out += lines[:500] + [""] + lines[500:]
    return out + ["", ""]


def split(ids, offsets):
    """The per-text lists of a flat result, after checking its types and shapes."""
    assert isinstance(ids, np.ndarray) and isinstance(offsets, np.ndarray)
    assert ids.dtype == np.uint32 and offsets.dtype == np.int64
    assert ids.ndim == 1 and offsets.ndim == 1
    assert offsets[0] == 0 and offsets[-1] == len(ids)
    assert np.all(np.diff(offsets) >= 0)
    return [ids[a:b].tolist() for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]


@pytest.mark.parametrize("name", MAIN)
def test_flat_equals_tiktoken(name, pair, batch):
    ref, enc = pair[name]
    want = ref.encode_ordinary_batch(batch)
    want_all = ref.encode_batch(batch, allowed_special="all")
    ordinary = [t for t in batch if not any(s in t for s in enc.special_tokens_set)]
    assert len(ordinary) < len(batch)  # the conformance texts hold special tokens
    want_ordinary = ref.encode_batch(ordinary)
    for threads in (1, 2):
        ids, offsets = enc.encode_ordinary_batch_to_numpy(batch, num_threads=threads)
        assert offsets.shape == (len(batch) + 1,) and ids.shape == (sum(map(len, want)),)
        assert split(ids, offsets) == want
        got = enc.encode_batch_to_numpy(batch, num_threads=threads, disallowed_special=())
        assert split(*got) == want
        got = enc.encode_batch_to_numpy(batch, num_threads=threads, allowed_special="all")
        assert split(*got) == want_all
        assert split(*enc.encode_batch_to_numpy(ordinary, num_threads=threads)) == want_ordinary


@pytest.mark.parametrize("threads", [1, 2, 8])
def test_empty(threads, pair):
    _, enc = pair["o200k_base"]
    for f in (enc.encode_batch_to_numpy, enc.encode_ordinary_batch_to_numpy):
        ids, offsets = f([], num_threads=threads)
        assert ids.shape == (0,) and ids.dtype == np.uint32
        assert offsets.tolist() == [0] and offsets.dtype == np.int64
        ids, offsets = f(["", "", ""], num_threads=threads)
        assert ids.shape == (0,) and offsets.tolist() == [0, 0, 0, 0]
        ids, offsets = f(["", "hello world", ""], num_threads=threads)
        assert ids.tolist() == enc.encode("hello world") and offsets.tolist() == [0, 0, 2, 2]


def test_arrays_are_new_and_writable(pair):
    _, enc = pair["o200k_base"]
    ids, offsets = enc.encode_ordinary_batch_to_numpy(["hello world", "안녕"])
    assert ids.flags.writeable and offsets.flags.writeable
    assert ids.flags.c_contiguous and offsets.flags.c_contiguous
    ids[:] = 0
    offsets[:] = 0
    again, offsets2 = enc.encode_ordinary_batch_to_numpy(["hello world", "안녕"])
    assert split(again, offsets2) == enc.encode_ordinary_batch(["hello world", "안녕"])


@pytest.mark.parametrize("name", ["cl100k_base"])  # (o200k_base has 2 special tokens, cl100k 5)
def test_special_token_arguments(name, pair):
    # Every argument form of test_api, on a batch: the flat ids or the very exception of
    # tiktoken's encode_batch (and of fairtok's).
    ref, enc = pair[name]
    for text in SPECIAL_TEXTS:
        for kw in SPECIAL_ARGS:
            texts = [text, "plain", "", text]
            want = outcome(ref.encode_batch, texts, **kw)
            lists = outcome(enc.encode_batch, texts, num_threads=2, **kw)
            for threads in (1, 2):
                got = outcome(lambda: split(*enc.encode_batch_to_numpy(texts, num_threads=threads, **kw)))  # noqa: B023,E501
                same_outcome(want, got, compare_message=want[1] != "TypeError")
                assert got == lists
        assert split(*enc.encode_ordinary_batch_to_numpy([text, text])) == ref.encode_ordinary_batch(
            [text, text]
        )


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_first_failing_text_raises(threads, pair):
    ref, enc = pair["cl100k_base"]
    batch = ["ok"] * 2000 + ["<|fim_suffix|>"] + ["ok"] * 2000 + ["<|endoftext|>"]
    want = outcome(ref.encode_batch, batch)
    assert want[0] == "raise" and "<|fim_suffix|>" in want[2]
    same_outcome(want, outcome(enc.encode_batch_to_numpy, batch, num_threads=threads))
    same_outcome(want, outcome(enc.encode_batch, batch, num_threads=threads))
    # Allowed, the same texts give tiktoken's ids.
    got = enc.encode_batch_to_numpy(batch, num_threads=threads, allowed_special="all")
    assert split(*got) == ref.encode_batch(batch, allowed_special="all")


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_surrogate_in_a_later_run(threads, pair, batch):
    # The calling thread converts the texts a run at a time while the workers encode earlier
    # runs: a lone surrogate found late, after runs were encoded (the retry with the
    # surrogates replaced), and before or after a failing text, gives tiktoken's outcome.
    ref, enc = pair["cl100k_base"]
    batch = [t for t in batch if not any(s in t for s in enc.special_tokens_set)]
    late = len(batch) * 3 // 4
    texts = batch[:late] + ["a\ud800b"] + batch[late:]
    want = ref.encode_ordinary_batch(texts)
    assert split(*enc.encode_ordinary_batch_to_numpy(texts, num_threads=threads)) == want
    assert enc.encode_ordinary_batch(texts, num_threads=threads) == want
    assert enc.count_batch(texts, num_threads=threads) == [len(ids) for ids in want]
    for failing in (late // 2, late + 1 + (len(batch) - late) // 2):
        bad = texts[:failing] + ["<|fim_suffix|>"] + texts[failing:]
        want = outcome(ref.encode_batch, bad)
        assert want[0] == "raise" and "<|fim_suffix|>" in want[2]
        same_outcome(want, outcome(enc.encode_batch_to_numpy, bad, num_threads=threads))
        same_outcome(want, outcome(enc.encode_batch, bad, num_threads=threads))


def test_arguments(pair):
    ref, enc = pair["o200k_base"]
    for f in (enc.encode_batch_to_numpy, enc.encode_ordinary_batch_to_numpy):
        for n in (0, -1):
            with pytest.raises(ValueError):
                f(["a"], num_threads=n)
        with pytest.raises(TypeError):
            f(["a"], 2)  # keyword-only, as encode_batch
        with pytest.raises(TypeError):
            f([1, 2])
        # Any iterable of strings, as encode_batch takes it.
        assert split(*f(("ab", "cd"))) == ref.encode_batch(("ab", "cd"))
        assert split(*f(t for t in ["ab", "cd"])) == ref.encode_batch(["ab", "cd"])
        assert split(*f("ab")) == ref.encode_batch("ab")
    assert split(*enc.encode_batch_to_numpy(["x"], num_threads=None)) == [ref.encode("x")]
    many = [f"text {i} 안녕 {i * 7}" for i in range(1000)]
    got = enc.encode_ordinary_batch_to_numpy(many, num_threads=64)
    assert split(*got) == ref.encode_ordinary_batch(many)


def test_surrogates(pair):
    ref, enc = pair["cl100k_base"]
    texts = ["a\ud800b", "ok", "a\ud83d\ude00b", "<|endoftext|>\ud800"]
    want = ref.encode_ordinary_batch(texts)
    assert split(*enc.encode_ordinary_batch_to_numpy(texts)) == want
    assert split(*enc.encode_batch_to_numpy(texts, disallowed_special=())) == want
    assert split(*enc.encode_batch_to_numpy(texts, allowed_special="all")) == ref.encode_batch(
        texts, allowed_special="all"
    )


# ---------------------------------------------------------------- other kinds of file


KINDS = [
    ("tiktoken", "o200k_base", {}),
    ("tekken", str(VOCAB / "mistral-tekken-240911.json"), {}),
    ("tokenizer.json", str(VOCAB / "qwen3.tokenizer.json"), {}),
    ("tokenizer.json", str(VOCAB / "llama3.tokenizer.json"), {}),
    ("sentencepiece", str(VOCAB / "mistral-v0.3.tokenizer.model"), {}),
    ("wordpiece", str(VOCAB / "bert-base-cased.vocab.txt"), {}),
]

KIND_TEXTS = [
    "",
    "hello world",
    "안녕하세요, 세계! <|endoftext|> <|im_start|>user [CLS] <s> </s> [INST]",
    "<|begin_of_text|>x<|eot_id|><|fim_prefix|>  \n\n  def f(): return 1",
]


@pytest.mark.parametrize("kind,spec,kw", KINDS, ids=[k[1].rsplit("/", 1)[-1] for k in KINDS])
def test_other_kinds(kind, spec, kw):
    # count takes the core's count only where it gives encode_ordinary's length (tiktoken's
    # rule); a tokenizer.json's ordinary encoding leaves its special added tokens unmatched,
    # which the core's count would match. The flat batch equals the lists on every kind.
    enc = fairtok.load(spec, **kw)
    want = [enc.encode_ordinary(t) for t in KIND_TEXTS]
    assert [enc.count(t) for t in KIND_TEXTS] == [len(w) for w in want]
    for threads in (1, 2):
        assert enc.count_batch(KIND_TEXTS, num_threads=threads) == [len(w) for w in want]
        assert enc.encode_ordinary_batch(KIND_TEXTS, num_threads=threads) == want
        assert split(*enc.encode_ordinary_batch_to_numpy(KIND_TEXTS, num_threads=threads)) == want
