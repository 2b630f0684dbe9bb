"""The `fairtok` Python package against the real tiktoken: same ids, same bytes, same errors.

Run by scripts/test-python.sh after `pip install .`; tiktoken reads the shared rank files
(see conftest.py).
"""

import doctest
import gzip
import pickle
import pydoc
import threading

import pytest

import fairtok
import fairtok.core

from conftest import SHARED, TIKTOKEN_NAMES, VOCAB

MAIN = ["cl100k_base", "o200k_base"]


def outcome(f, *args, **kwargs):
    """What a call gives: ("ok", value) or ("raise", exception type name, message)."""
    try:
        return ("ok", f(*args, **kwargs))
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return ("raise", type(e).__name__, str(e))


def same_outcome(ref, got, compare_message=True):
    if ref[0] == "ok" or compare_message:
        assert got == ref
    else:
        assert got[:2] == ref[:2], (got, ref)


@pytest.fixture(scope="module")
def pair(tiktoken):
    """name -> (tiktoken Encoding, fairtok Encoding)."""
    return {n: (tiktoken.get_encoding(n), fairtok.get_encoding(n)) for n in TIKTOKEN_NAMES}


# ---------------------------------------------------------------- long pieces

def long_pieces():
    """Pieces longer than fairtok's scan (48 bytes), which its backtracking search encodes:
    runs of one character, of a few, scripts written without spaces, random letters."""
    import random

    rng = random.Random(17)
    out = []
    for c in ["a", "Z", " ", "\n", "-", "=", "_", "0", "가", "한", "の", "字", "ก", "🙂", "é", "ж"]:
        for n in [49, 64, 65, 127, 128, 129, 200, 1000, 20_000]:
            out.append(c * n)
    for alphabet in ["ab", "aab", "ACGT", "가나다한국", "ภาษาไทย", "abcdefghijklmnopqrstuvwxyz"]:
        for _ in range(30):
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(40, 3000))))
    out.append("ภาษาไทยเป็นภาษาที่เขียนโดยไม่เว้นวรรคระหว่างคำ" * 40)
    out.append("대한민국의헌법은국민의기본권을보장하고있다" * 40)
    return out


@pytest.mark.parametrize("name", MAIN + ["r50k_base", "p50k_base"])
def test_long_pieces_equal_tiktoken(name, pair):
    ref, enc = pair[name]
    for text in long_pieces():
        assert enc.encode_ordinary(text) == ref.encode_ordinary(text), (text[:20], len(text))


# ---------------------------------------------------------------- ids on the conformance file


@pytest.mark.parametrize("name", MAIN + ["r50k_base", "p50k_base"])
def test_encode_ordinary_conformance(name, pair, conformance):
    ref, enc = pair[name]
    for r in conformance:
        text, want = r["text"], r["ids"][name]
        got = enc.encode_ordinary(text)
        assert got == want, text[:80]
        assert got == ref.encode_ordinary(text), text[:80]


@pytest.mark.parametrize("name", MAIN)
def test_encode_default_conformance(name, pair, texts):
    # encode() with tiktoken's defaults: ids, or the same ValueError for special-token text.
    ref, enc = pair[name]
    for text in texts:
        same_outcome(outcome(ref.encode, text), outcome(enc.encode, text))


@pytest.mark.parametrize("name", MAIN)
@pytest.mark.parametrize("threads", [1, 2, 8])
def test_encode_batch_conformance(name, threads, pair, texts):
    ref, enc = pair[name]
    want = ref.encode_ordinary_batch(texts)
    assert enc.encode_ordinary_batch(texts, num_threads=threads) == want
    ordinary = [t for t in texts if not any(s in t for s in enc.special_tokens_set)]
    assert enc.encode_batch(ordinary, num_threads=threads) == ref.encode_batch(ordinary)
    assert enc.encode_batch(texts, num_threads=threads, disallowed_special=()) == want
    assert enc.count_batch(texts, num_threads=threads) == [len(w) for w in want]


def test_large_batches_equal_tiktoken(pair):
    # Megabytes per thread: each worker copies the tables, results come in chunks, and the
    # lists share their ints; still tiktoken's ids, in order.
    ref, enc = pair["o200k_base"]
    flores = SHARED / "data" / "parallel" / "flores200-dev"
    docs = []
    for lang in ["kor_Hang", "eng_Latn", "jpn_Jpan", "zho_Hans"]:
        lines = (flores / f"{lang}.dev").read_text(encoding="utf-8").splitlines(keepends=True)
        docs += ["".join(lines[i:i + 7]) for i in range(0, len(lines), 7)]
    docs = docs * 14
    assert sum(len(d.encode()) for d in docs) > 2 * (2 << 20)  # COPY_FROM per thread
    want = ref.encode_ordinary_batch(docs)
    assert enc.encode_ordinary_batch(docs, num_threads=2) == want
    assert enc.count_batch(docs, num_threads=2) == [len(w) for w in want]


@pytest.mark.parametrize("name", MAIN)
def test_decode_conformance(name, pair, texts):
    ref, enc = pair[name]
    for text in texts:
        ids = ref.encode_ordinary(text)
        assert enc.decode_bytes(ids) == text.encode("utf-8")
        assert enc.decode(ids) == text
        assert enc.decode_tokens_bytes(ids) == ref.decode_tokens_bytes(ids)
        assert enc.count(text) == len(ids)
        # Cut inside a character: the lossy decodings agree with tiktoken's.
        for cut in (ids[: len(ids) // 2], ids[1:]):
            assert enc.decode_bytes(cut) == ref.decode_bytes(cut)
            for errors in ("replace", "ignore", "backslashreplace"):
                assert enc.decode(cut, errors=errors) == ref.decode(cut, errors=errors)
            same_outcome(
                outcome(ref.decode, cut, errors="strict"), outcome(enc.decode, cut, errors="strict")
            )


# ---------------------------------------------------------------- attributes and the registry


@pytest.mark.parametrize("name", TIKTOKEN_NAMES)
def test_attributes(name, pair):
    ref, enc = pair[name]
    assert enc.name == ref.name == name
    assert enc.n_vocab == ref.n_vocab
    assert enc.max_token_value == ref.max_token_value
    assert enc.eot_token == ref.eot_token
    assert enc.special_tokens_set == ref.special_tokens_set
    assert enc._special_tokens == ref._special_tokens
    assert enc._pat_str == ref._pat_str
    assert repr(enc) == repr(ref)
    for s in ref.special_tokens_set:
        i = ref.encode_single_token(s)
        assert enc.encode_single_token(s) == i
        assert enc.is_special_token(i) and ref.is_special_token(i)
        assert enc.decode_single_token_bytes(i) == ref.decode_single_token_bytes(i)
    assert not enc.is_special_token(0)


@pytest.mark.parametrize("name", ["r50k_base", "cl100k_base"])
def test_token_byte_values_and_ranks(name, pair):
    ref, enc = pair[name]
    assert enc.token_byte_values() == ref.token_byte_values()
    assert enc._mergeable_ranks == ref._mergeable_ranks


def test_list_encoding_names(tiktoken):
    # tiktoken's list, in its order (o200k_harmony included), then fairtok's own.
    want = tiktoken.list_encoding_names()
    assert "o200k_harmony" in want
    assert fairtok.list_encoding_names() == want + ["o200k_ko", "o200k_ko_sw", "o200k_harmony_ko"]
    for n in want:
        assert fairtok.get_encoding(n).name == n
    assert fairtok.get_encoding("gpt2").n_vocab == 50257


def test_get_encoding_is_cached():
    assert fairtok.get_encoding("cl100k_base") is fairtok.get_encoding("cl100k_base")


def test_get_encoding_errors(tiktoken):
    for bad in (5, None, b"cl100k_base"):
        same_outcome(outcome(tiktoken.get_encoding, bad), outcome(fairtok.get_encoding, bad))
    ref, got = outcome(tiktoken.get_encoding, "nope"), outcome(fairtok.get_encoding, "nope")
    assert got[:2] == ref[:2] == ("raise", "ValueError")
    assert got[2].splitlines()[0] == ref[2].splitlines()[0] == "Unknown encoding nope."


def model_names(tiktoken):
    from tiktoken.model import MODEL_PREFIX_TO_ENCODING, MODEL_TO_ENCODING

    names = list(MODEL_TO_ENCODING)
    names += [p + "2024-05-13" for p in MODEL_PREFIX_TO_ENCODING]
    names += [p for p in MODEL_PREFIX_TO_ENCODING]
    names += ["gpt-4-32k", "gpt-4o-mini", "gpt-5-nano", "ft:gpt-4o:org::id", "o1-preview"]
    names += ["", "llama-3", "GPT-4", "gpt", "claude", "gpt-4 ", " gpt-4o"]
    return names


def test_encoding_name_for_model(tiktoken):
    from tiktoken.model import encoding_name_for_model

    for m in model_names(tiktoken) + ["gpt-oss-120b", "gpt-oss-20b", "gpt-oss", "gpt-oss-"]:
        # The name, or KeyError with tiktoken's message word for word.
        assert outcome(fairtok.encoding_name_for_model, m) == outcome(encoding_name_for_model, m), m
    assert fairtok.encoding_name_for_model("gpt-oss-120b") == "o200k_harmony"
    with pytest.raises(KeyError) as e:
        fairtok.encoding_name_for_model("llama-3")
    assert e.value.args == (
        "Could not automatically map llama-3 to a tokeniser. "
        "Please use `tiktoken.get_encoding` to explicitly get the tokeniser you expect.",
    )
    assert e.value.__cause__ is None and e.value.__suppress_context__


def test_encoding_for_model(tiktoken):
    from tiktoken.model import encoding_name_for_model

    for m in model_names(tiktoken) + ["gpt-oss-120b", "gpt-oss-20b", "gpt-oss"]:
        ref = outcome(encoding_name_for_model, m)
        got = outcome(lambda: fairtok.encoding_for_model(m).name)
        same_outcome(ref, got)  # every encoding a model maps to is bundled
        if ref[0] == "ok" and ref[1] in TIKTOKEN_NAMES:
            assert tiktoken.encoding_for_model(m).name == got[1]
    assert fairtok.encoding_for_model("gpt-4o") is fairtok.get_encoding("o200k_base")
    assert fairtok.encoding_for_model("gpt-4").name == "cl100k_base"
    assert fairtok.encoding_for_model("gpt-oss-120b") is fairtok.get_encoding("o200k_harmony")
    ref = outcome(tiktoken.encoding_for_model, "llama-3")
    assert ref[:2] == ("raise", "KeyError")
    assert outcome(fairtok.encoding_for_model, "llama-3") == ref


# ---------------------------------------------------------------- special tokens


SPECIAL_TEXTS = [
    "hello world",
    "<|endoftext|>",
    "a <|endoftext|> b <|fim_prefix|>",
    "x<|fim_prefix|><|fim_middle|><|fim_suffix|>y",
    "<|endofprompt|><|endoftext|>",
    "<|endoftext|",
    "<|endoftext|><|endoftext|>",
    "<|<|endoftext|>|>",
    "안녕<|endoftext|>하세요",
    "hello ell",
]

SPECIAL_ARGS = [
    {},
    {"allowed_special": "all"},
    {"allowed_special": set()},
    {"allowed_special": {"<|endoftext|>"}},
    {"allowed_special": frozenset({"<|fim_prefix|>", "<|endoftext|>"})},
    {"allowed_special": {"<|nope|>"}},
    {"disallowed_special": ()},
    {"disallowed_special": []},
    {"disallowed_special": "all"},
    {"disallowed_special": {"<|endoftext|>"}},
    {"disallowed_special": ["<|fim_prefix|>"]},
    {"disallowed_special": ("ell",)},
    {"disallowed_special": frozenset({"<|endoftext|>", "<|fim_prefix|>"})},
    {"allowed_special": "all", "disallowed_special": ()},
    {"allowed_special": {"<|endoftext|>"}, "disallowed_special": ()},
    {"allowed_special": {"<|endoftext|>"}, "disallowed_special": "all"},
    {"allowed_special": {"<|endoftext|>"}, "disallowed_special": {"<|endoftext|>"}},
    {"allowed_special": "all", "disallowed_special": {"<|fim_prefix|>"}},
    {"allowed_special": ["<|endoftext|>"]},  # tiktoken: TypeError (set minus list)
]


@pytest.mark.parametrize("name", TIKTOKEN_NAMES)
def test_special_token_arguments(name, pair):
    ref, enc = pair[name]
    for text in SPECIAL_TEXTS:
        for kw in SPECIAL_ARGS:
            want = outcome(ref.encode, text, **kw)
            got = outcome(enc.encode, text, **kw)
            same_outcome(want, got, compare_message=want[1] != "TypeError")
            want = outcome(ref.encode_batch, [text, "plain", text], **kw)
            got = outcome(enc.encode_batch, [text, "plain", text], num_threads=2, **kw)
            same_outcome(want, got, compare_message=want[1] != "TypeError")
        assert enc.encode_ordinary(text) == ref.encode_ordinary(text)


def test_disallowed_message_is_tiktokens(pair):
    ref, enc = pair["cl100k_base"]
    with pytest.raises(ValueError) as want:
        ref.encode("x <|endofprompt|>")
    with pytest.raises(ValueError) as got:
        enc.encode("x <|endofprompt|>")
    assert str(got.value) == str(want.value)
    assert "disallowed special token '<|endofprompt|>'" in str(got.value)


def test_batch_raises_for_first_failing_text(pair):
    ref, enc = pair["cl100k_base"]
    batch = ["ok"] * 50 + ["<|fim_suffix|>"] + ["ok"] * 50 + ["<|endoftext|>"]
    same_outcome(outcome(ref.encode_batch, batch), outcome(enc.encode_batch, batch, num_threads=4))


def test_encode_batch_arguments(pair):
    ref, enc = pair["o200k_base"]
    same_outcome(outcome(ref.encode_batch, "ab"), outcome(enc.encode_batch, "ab"))
    same_outcome(outcome(ref.encode_batch, ("ab", "cd")), outcome(enc.encode_batch, ("ab", "cd")))
    assert enc.encode_batch([]) == [] == enc.encode_ordinary_batch([], num_threads=3)
    for n in (0, -1):
        for f in (enc.encode_batch, enc.encode_ordinary_batch, enc.count_batch):
            with pytest.raises(ValueError):
                f(["a"], num_threads=n)
        with pytest.raises(ValueError):
            ref.encode_batch(["a"], num_threads=n)
    many = [f"text {i} 안녕 {i * 7}" for i in range(1000)]
    assert enc.encode_ordinary_batch(many, num_threads=64) == ref.encode_ordinary_batch(many)


# ---------------------------------------------------------------- odd input


def test_surrogates(pair):
    ref, enc = pair["cl100k_base"]
    for text in ["a\ud800b", "\udfff", "a\ud83d\ude00b", "x\ud83dy", "<|endoftext|>\ud800"]:
        assert enc.encode_ordinary(text) == ref.encode_ordinary(text)
        same_outcome(outcome(ref.encode, text), outcome(enc.encode, text))
        assert enc.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all")
        assert enc.encode_ordinary_batch([text, "ok"]) == ref.encode_ordinary_batch([text, "ok"])
        assert enc.count(text) == len(ref.encode_ordinary(text))


def test_wrong_types(pair):
    ref, enc = pair["cl100k_base"]
    for f in ("encode", "encode_ordinary", "count"):
        for bad in (5, None, b"abc"):
            if f == "count":
                assert outcome(getattr(enc, f), bad)[:2] == ("raise", "TypeError")
                continue
            same_outcome(
                outcome(getattr(ref, f), bad), outcome(getattr(enc, f), bad), compare_message=False
            )
    with pytest.raises(TypeError):
        enc.encode("a", set())  # keyword-only, as in tiktoken
    with pytest.raises(TypeError):
        enc.encode_ordinary_batch([1, 2])


def test_decode_errors(pair):
    ref, enc = pair["cl100k_base"]
    cases = [[1, 100256], [10**7], [-1], [2**40], ["a"], [1.0], (1, 2), [True], "iter"]
    for ids in cases:
        for f in ("decode_bytes", "decode", "decode_tokens_bytes"):
            fresh = (lambda: iter([1, 2])) if ids == "iter" else (lambda: ids)  # noqa: B023
            want = outcome(getattr(ref, f), fresh())
            got = outcome(getattr(enc, f), fresh())
            # Types as tiktoken; KeyError messages name fairtok's vocabulary, not tiktoken's.
            same_outcome(want, got, compare_message=want[1] not in ("KeyError", "TypeError"))
    for i in (100256, 10**7, -1, 2**33):
        same_outcome(
            outcome(ref.decode_single_token_bytes, i), outcome(enc.decode_single_token_bytes, i)
        )


def test_encode_single_token(pair):
    ref, enc = pair["cl100k_base"]
    for piece in ("hello", " world", "<|endoftext|>", b"\xff", b"\xe2\x80", "hello world foo", "", 5):
        same_outcome(outcome(ref.encode_single_token, piece), outcome(enc.encode_single_token, piece))


def test_decode_with_offsets_and_batches(pair):
    ref, enc = pair["o200k_base"]
    for text in ["hello world", "안녕하세요 세계", "👩‍👩‍👧 family", ""]:
        ids = ref.encode_ordinary(text)
        assert enc.decode_with_offsets(ids) == ref.decode_with_offsets(ids)
    batch = [ref.encode_ordinary(t) for t in ["a b", "가나다", ""]]
    assert enc.decode_batch(batch) == ref.decode_batch(batch)
    assert enc.decode_bytes_batch(batch) == ref.decode_bytes_batch(batch)


# ---------------------------------------------------------------- construction, files, pickling


def test_encoding_constructor_matches_tiktoken(tiktoken, texts):
    base = tiktoken.get_encoding("r50k_base")
    specials = {"<|endoftext|>": 50256, "<|mine|>": 50257}
    ref = tiktoken.Encoding(
        "mine", pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks, special_tokens=specials
    )
    enc = fairtok.Encoding(
        "mine", pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks, special_tokens=specials
    )
    assert enc.n_vocab == ref.n_vocab == 50258 and enc.name == "mine"
    for text in texts[:300] + ["x<|mine|>y"]:
        assert enc.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all")
    assert pickle.loads(pickle.dumps(enc)).encode("x<|mine|>", allowed_special="all") == [87, 50257]
    with pytest.raises(ValueError, match="single byte"):
        fairtok.Encoding("bad", pat_str=".", mergeable_ranks={b"a": 0}, special_tokens={})
    with pytest.raises(ValueError, match="pattern"):
        fairtok.Encoding("bad", pat_str="(", mergeable_ranks=base._mergeable_ranks, special_tokens={})


def test_pickle_builtins():
    for n in MAIN:
        enc = fairtok.get_encoding(n)
        assert pickle.loads(pickle.dumps(enc)) is enc


def test_load_tiktoken_file(tmp_path, texts):
    builtin = fairtok.get_encoding("o200k_base")
    enc = fairtok.load(VOCAB / "o200k_base.tiktoken")  # brings its own pattern and specials
    assert enc.name == "o200k_base" and enc.n_vocab == builtin.n_vocab
    assert enc.special_tokens_set == builtin.special_tokens_set
    assert enc.encode_ordinary_batch(texts) == builtin.encode_ordinary_batch(texts)
    # Gzipped, renamed, with a named pattern.
    gz = tmp_path / "mine.tiktoken.gz"
    gz.write_bytes(gzip.compress((VOCAB / "cl100k_base.tiktoken").read_bytes()))
    mine = fairtok.load(str(gz), pattern="cl100k")
    cl = fairtok.get_encoding("cl100k_base")
    assert mine.name == "mine" and mine.special_tokens_set == set()
    assert mine.encode_ordinary_batch(texts[:200]) == cl.encode_ordinary_batch(texts[:200])
    assert pickle.loads(pickle.dumps(mine)).encode_ordinary("hi there") == cl.encode_ordinary("hi there")
    with pytest.raises(ValueError, match="pattern: .* needs a pattern"):
        fairtok.load(gz)


def test_pickle_of_a_relative_path_survives_chdir(tmp_path, monkeypatch):
    # Issue 13, item 18: the pickle names the file, not a path relative to the old directory.
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "v.tiktoken").write_bytes((VOCAB / "r50k_base.tiktoken").read_bytes())
    (b / "v.tiktoken").write_bytes((VOCAB / "cl100k_base.tiktoken").read_bytes())
    monkeypatch.chdir(a)
    enc = fairtok.load("v.tiktoken", pattern="r50k")
    data = pickle.dumps(enc)
    monkeypatch.chdir(b)
    back = pickle.loads(data)
    assert back.n_vocab == enc.n_vocab == 50256  # r50k, not cl100k (the file in b)
    assert back.encode_ordinary("hello world") == enc.encode_ordinary("hello world")


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such.tiktoken"):
        fairtok.load(tmp_path / "no-such.tiktoken", pattern="cl100k")
    bad = tmp_path / "bad.tiktoken"
    bad.write_text("aGVsbG8= 0\nnot-base64!! x\n")
    with pytest.raises(ValueError, match=r"bad.tiktoken:2"):
        fairtok.load(bad, pattern="cl100k")
    js = tmp_path / "tokenizer.json"
    js.write_text('{"model": {"type": "WordLevel", "vocab": {}}}')
    with pytest.raises(ValueError, match="unsupported model .WordLevel."):
        fairtok.load(js)
    js.write_text('{"model": {"type": "Unigram", "vocab": []}}')
    with pytest.raises(ValueError, match=r"\$\.model\.vocab: the Unigram vocabulary is empty"):
        fairtok.load(js)
    with pytest.raises(ValueError, match="pattern"):
        fairtok.load(VOCAB / "llama3.tokenizer.json", pattern="cl100k")
    with pytest.raises(IsADirectoryError):
        fairtok.load(tmp_path, pattern="cl100k")
    assert fairtok.load("gpt-4o").name == "o200k_base"


def test_load_tokenizer_json_matches_hf(conformance):
    tokenizers = pytest.importorskip("tokenizers")
    path = VOCAB / "llama3.tokenizer.json"
    ref = tokenizers.Tokenizer.from_file(str(path))
    enc = fairtok.load(path)
    assert enc.format == "huggingface" and enc.name == "llama3"
    assert enc.n_vocab == ref.get_vocab_size(with_added_tokens=True)
    texts = [r["text"] for r in conformance]
    want = [e.ids for e in ref.encode_batch(texts, add_special_tokens=False)]
    assert want == [r["ids"]["llama3"] for r in conformance]
    assert enc.encode_batch(texts, allowed_special="all", disallowed_special=()) == want
    assert enc.encode_ordinary_batch(texts) == want  # no special-token text in these
    for text, ids in zip(texts[:200], want):
        assert enc.decode_bytes(ids) == text.encode("utf-8")
    assert "<|begin_of_text|>" in enc.special_tokens_set
    with pytest.raises(ValueError, match="disallowed special token"):
        enc.encode("hi <|eot_id|>")
    assert enc.encode("hi <|eot_id|>", allowed_special="all") == ref.encode(
        "hi <|eot_id|>", add_special_tokens=False
    ).ids


# ---------------------------------------------------------------- threads, docs


def test_batch_releases_the_gil(texts):
    # While a batch encodes in another thread, this thread keeps running Python code.
    enc = fairtok.get_encoding("o200k_base")
    big = texts * 20
    ticks = 0
    t = threading.Thread(target=enc.encode_ordinary_batch, args=(big,), kwargs={"num_threads": 1})
    t.start()
    while t.is_alive():
        ticks += 1
    t.join()
    assert ticks > 1000


def test_docstrings_run():
    modules = (fairtok.training, fairtok.extending, fairtok.evaluation, fairtok.rank_files)
    for module in (fairtok, fairtok.core) + modules:
        result = doctest.testmod(module, extraglobs={"fairtok": fairtok}, verbose=False)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_help_teaches():
    text = pydoc.render_doc(fairtok, renderer=pydoc.plaintext)
    for needle in ("get_encoding", "encoding_for_model", "encode_ordinary", "count", "load", "Encoding"):
        assert needle in text
    assert fairtok.Encoding.encode.__doc__ and fairtok.load.__doc__


# ---------------------------------------------------------------- _mergeable_ranks, numpy


def test_mergeable_ranks_is_built_once(pair):
    ref, enc = pair["cl100k_base"]
    fresh = fairtok.load(VOCAB / "cl100k_base.tiktoken")  # nothing built yet
    ranks = fresh._mergeable_ranks
    assert ranks == ref._mergeable_ranks
    assert list(ranks.items()) == list(ref._mergeable_ranks.items())  # in rank order
    assert fresh._mergeable_ranks is ranks  # kept
    import time

    start = time.perf_counter()
    for _ in range(10_000):
        fresh._mergeable_ranks  # noqa: B018 - the access is what is timed
    assert time.perf_counter() - start < 0.05  # an attribute lookup, not a rebuild
    # An Encoding built from ranks keeps the dict it was given, as tiktoken does.
    mine = fairtok.Encoding("mine", pat_str=enc._pat_str, mergeable_ranks=ranks, special_tokens={})
    assert mine._mergeable_ranks is ranks
    # Pickling is unchanged by the cache (built-ins by name, files by path, ranks by value).
    assert pickle.loads(pickle.dumps(enc)) is enc
    assert pickle.loads(pickle.dumps(fresh)).encode("hello world") == [15339, 1917]
    assert pickle.loads(pickle.dumps(mine)).encode("hello world") == [15339, 1917]
    h = fairtok.get_encoding("o200k_harmony")
    assert len(h._mergeable_ranks) == 199998  # the specials are not ranks


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_harmony", "p50k_edit"])
def test_encode_to_numpy_equals_tiktoken(name, pair, texts):
    import numpy as np

    ref, enc = pair[name]
    for text in texts[:300] + ["", "x" * 100_000]:
        want = ref.encode_to_numpy(text, disallowed_special=())
        got = enc.encode_to_numpy(text, disallowed_special=())
        assert got.dtype == want.dtype == np.uint32
        assert got.shape == want.shape and np.array_equal(got, want)
        assert got.flags.writeable == want.flags.writeable
        assert got.tolist() == enc.encode(text, disallowed_special=())
    for text in SPECIAL_TEXTS:
        for kwargs in SPECIAL_ARGS:
            want = outcome(lambda: ref.encode_to_numpy(text, **kwargs).tolist())
            got = outcome(lambda: enc.encode_to_numpy(text, **kwargs).tolist())
            same_outcome(want, got, compare_message=want[1] != "TypeError")


def test_encode_to_numpy_arguments(pair):
    ref, enc = pair["cl100k_base"]
    with pytest.raises(TypeError):
        enc.encode_to_numpy("hello", {"<|endoftext|>"})  # keyword-only, as in tiktoken
    # Surrogates are fixed as in encode (tiktoken's encode_to_numpy raises UnicodeEncodeError).
    assert enc.encode_to_numpy("\ud83d\udc4d x").tolist() == ref.encode("\ud83d\udc4d x")


# ---------------------------------------------------------------- load_tiktoken_bpe


@pytest.mark.parametrize(
    "file", ["cl100k_base", "o200k_base", "r50k_base", "p50k_base", "llama3"]
)
def test_load_tiktoken_bpe_equals_tiktoken(file, tiktoken):
    from tiktoken.load import load_tiktoken_bpe

    path = str(VOCAB / f"{file}.tiktoken")
    ref = load_tiktoken_bpe(path)
    got = fairtok.load_tiktoken_bpe(path)
    assert got == ref and list(got.items()) == list(ref.items())
    assert fairtok.load.load_tiktoken_bpe is fairtok.load_tiktoken_bpe  # tiktoken's spelling
    assert fairtok.load.load_tiktoken_bpe(VOCAB / f"{file}.tiktoken") == ref  # PathLike too


def test_load_tiktoken_bpe_hash_and_urls(tiktoken, tmp_path, monkeypatch):
    from tiktoken.load import load_tiktoken_bpe

    # tiktoken checks the hash when it caches (its default; conftest turns caching off).
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))
    path = str(VOCAB / "r50k_base.tiktoken")
    good = "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"
    assert fairtok.load_tiktoken_bpe(path, good) == load_tiktoken_bpe(path, good)
    bad = "0" * 64
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache2"))  # (not the good copy)
    assert outcome(load_tiktoken_bpe, path, bad)[:2] == ("raise", "ValueError")
    with pytest.raises(ValueError, match="Hash mismatch"):
        fairtok.load_tiktoken_bpe(path, bad)
    for url in ("https://example.invalid/r50k_base.tiktoken", "az://x/y.tiktoken"):
        with pytest.raises(ValueError, match="local"):
            fairtok.load_tiktoken_bpe(url)
    with pytest.raises(FileNotFoundError):
        fairtok.load_tiktoken_bpe(VOCAB / "no-such.tiktoken")


# Lines at the edges of the format: each is compared with tiktoken (result or exception and
# message). The plain ones take fairtok's native path, the others tiktoken's own rules.
BPE_FILES = {
    "plain": b"YQ== 0\nYg== 1\nYWI= 2\n",
    "no final newline": b"YQ== 0\nYg== 1",
    "blank lines": b"\n\nYQ== 0\n\nYg== 1\n\n",
    "crlf": b"YQ== 0\r\nYg== 1\r\n",
    "cr only": b"YQ== 0\rYg== 1\r",
    "cr inside a line": b"YQ==\r0\n",
    "tab": b"YQ==\t0\n",
    "two spaces": b"YQ==  0\n",
    "leading space": b" YQ== 0\n",
    "whitespace line": b"YQ== 0\n   \nYg== 1\n",
    "vertical tab": b"YQ==\x0b0\n",
    "form feed": b"YQ==\x0c0\n",
    "one field": b"YQ==\n",
    "three fields": b"YQ== 0 1\n",
    "empty file": b"",
    "duplicate bytes": b"YQ== 0\nYQ== 1\nYg== 2\n",
    "duplicate ranks": b"YQ== 0\nYg== 0\n",
    "leading zeros": b"YQ== 007\n",
    "plus sign": b"YQ== +1\n",
    "minus sign": b"YQ== -1\n",
    "underscore": b"YQ== 1_0\n",
    "huge rank": b"YQ== 123456789012345678901234567890\n",
    "no padding": b"YQ 0\n",
    "trailing bits": b"YR== 0\n",
    "junk in base64": b"Y!Q== 0\n",
    "empty token": b"== 0\n",
    "url-safe base64": b"_-8= 0\n",
    "non-ascii": "YQ== ٣\n".encode(),
}


@pytest.mark.parametrize("case", list(BPE_FILES))
def test_load_tiktoken_bpe_edge_lines(case, tmp_path, tiktoken):
    from tiktoken.load import load_tiktoken_bpe

    path = tmp_path / "x.tiktoken"
    path.write_bytes(BPE_FILES[case])
    ref = outcome(lambda: list(load_tiktoken_bpe(str(path)).items()))
    got = outcome(lambda: list(fairtok.load_tiktoken_bpe(str(path)).items()))
    assert got == ref


# ---------------------------------------------------------------- o200k_harmony (gpt-oss)


@pytest.fixture(scope="module")
def harmony_refs(tiktoken):
    """tiktoken's o200k_harmony two ways, without network: tiktoken's own definition
    (openai_public, rank file redirected to the shared one) and `tiktoken.Encoding` from the
    shared special-token table over the shared o200k_base ranks."""
    import json

    from tiktoken.load import load_tiktoken_bpe

    own = tiktoken.get_encoding("o200k_harmony")
    specials = json.loads((VOCAB / "o200k_harmony.special_tokens.json").read_text())
    built = tiktoken.Encoding(
        "o200k_harmony",
        pat_str=tiktoken.get_encoding("o200k_base")._pat_str,
        mergeable_ranks=load_tiktoken_bpe(str(VOCAB / "o200k_base.tiktoken")),
        special_tokens=specials,
    )
    assert own._special_tokens == built._special_tokens == specials
    assert own._pat_str == built._pat_str
    return own, built


def test_o200k_harmony_equals_tiktoken(harmony_refs, texts):
    enc = fairtok.get_encoding("o200k_harmony")
    assert fairtok.encoding_for_model("gpt-oss-120b") is enc
    assert fairtok.encoding_for_model("gpt-oss-20b") is enc
    for ref in harmony_refs:
        assert (enc.name, enc.n_vocab, enc.max_token_value) == ("o200k_harmony", 201088, 201087)
        assert (ref.n_vocab, ref.max_token_value) == (enc.n_vocab, enc.max_token_value)
        assert enc._special_tokens == ref._special_tokens and len(enc._special_tokens) == 1091
        assert enc.special_tokens_set == ref.special_tokens_set
        assert enc._pat_str == ref._pat_str
        assert enc.eot_token == ref.eot_token == 199999
        # Every special: its id by name, in text, and back (200018 has two names).
        for name, i in ref._special_tokens.items():
            assert enc.encode_single_token(name) == ref.encode_single_token(name) == i
            assert enc.encode(name, allowed_special="all") == [i]
            if "reserved" not in name or i == 200018:  # (each set costs tiktoken a regex)
                one = {"allowed_special": {name}}
                assert enc.encode(name, **one) == ref.encode(name, **one) == [i]
            assert enc.decode_single_token_bytes(i) == ref.decode_single_token_bytes(i)
            assert enc.is_special_token(i)
        assert enc.decode_single_token_bytes(200018) == b"<|endofprompt|>"
        everything = "".join(ref._special_tokens) + " 안녕하세요 <|channel|>final<|message|>hi"
        assert enc.encode(everything, allowed_special="all") == ref.encode(
            everything, allowed_special="all"
        )
        # Allowed by name, as tiktoken: one of 200018's names allowed, the other plain text.
        text = "<|reserved_200018|> and <|endofprompt|>"
        kw = {"allowed_special": {"<|endofprompt|>"}, "disallowed_special": ()}
        assert enc.encode(text, **kw) == ref.encode(text, **kw)
        for args in ({}, {"allowed_special": {"<|start|>"}}):
            same_outcome(outcome(ref.encode, text, **args), outcome(enc.encode, text, **args))
    # Ordinary text: o200k_base's ids, as tiktoken's.
    ref = harmony_refs[1]
    assert enc.encode_ordinary_batch(texts) == ref.encode_ordinary_batch(texts)
    assert enc._mergeable_ranks == ref._mergeable_ranks
    assert pickle.loads(pickle.dumps(enc)) is enc
    # Built from ranks, 200018 decodes to the smaller name whatever the table's order.
    items = list(ref._special_tokens.items())
    for specials in (dict(items), dict(reversed(items))):
        mine = fairtok.Encoding(
            "h", pat_str=ref._pat_str, mergeable_ranks=ref._mergeable_ranks, special_tokens=specials
        )
        assert mine.decode_single_token_bytes(200018) == b"<|endofprompt|>"
        assert mine.encode_single_token("<|reserved_200018|>") == 200018


def test_o200k_harmony_on_the_command_line(fairtok_bin, harmony_refs, tmp_path):
    import json
    import subprocess

    ref = harmony_refs[1]
    text = "<|start|>assistant<|channel|>final<|message|>안녕하세요<|return|><|reserved_200018|>"
    path = tmp_path / "in.txt"
    path.write_text(text)

    def run(*args):
        return subprocess.run([fairtok_bin, *args], check=True, capture_output=True).stdout

    want = ref.encode(text, allowed_special="all")
    for spec in ("o200k_harmony", "gpt-oss-120b"):
        out = run("encode", "-t", spec, "--special", "all", str(path))
        assert [int(x) for x in out.split()] == want
    assert [int(x) for x in run("encode", "-t", "o200k_harmony", str(path)).split()] == (
        ref.encode_ordinary(text)
    )
    info = json.loads(run("info", "--json", "-t", "gpt-oss-20b"))
    assert (info["name"], info["n_vocab"]) == ("o200k_harmony", 201088)
    assert {(s["token"], s["id"]) for s in info["special_tokens"]} == set(
        ref._special_tokens.items()
    )
    # Exported as .tiktoken + sidecar, it loads in tiktoken as tiktoken's own.
    out = tmp_path / "harmony.tiktoken"
    run("export", "-t", "o200k_harmony", "--format", "tiktoken", "-o", str(out))
    from tiktoken import Encoding
    from tiktoken.load import load_tiktoken_bpe

    sidecar = json.loads((tmp_path / "harmony.tiktoken.json").read_text())
    again = Encoding(mergeable_ranks=load_tiktoken_bpe(str(out)), **sidecar)
    assert again._special_tokens == ref._special_tokens
    assert again.encode(text, allowed_special="all") == want
    again = fairtok.load(out)  # the sidecar's names come sorted: 200018 still decodes alike
    assert again.decode_single_token_bytes(200018) == ref.decode_single_token_bytes(200018)
    # And as tokenizer.json, in Hugging Face tokenizers. It holds one added token per id, so
    # 200018 keeps only the name it decodes to (a second one would renumber the rest).
    from tokenizers import Tokenizer

    hf = tmp_path / "harmony.json"
    run("export", "-t", "o200k_harmony", "--format", "hf", "-o", str(hf))
    tok = Tokenizer.from_file(str(hf))
    assert tok.get_vocab_size() == 201088
    text = text.replace("<|reserved_200018|>", "<|endofprompt|><|reserved_201087|>")
    want = ref.encode(text, allowed_special="all")
    assert want[-2:] == [200018, 201087]
    assert tok.encode(text, add_special_tokens=False).ids == want
    assert tok.decode([200018], skip_special_tokens=False) == "<|endofprompt|>"
    for name, i in ref._special_tokens.items():
        if name != "<|reserved_200018|>":
            assert tok.token_to_id(name) == i, name
    assert fairtok.load(hf).encode(text, allowed_special="all") == want
