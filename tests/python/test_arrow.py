"""`Encoding.count_arrow` and `encode_arrow` against the reference libraries row by row:
tiktoken for the OpenAI encodings, Hugging Face tokenizers for a `tokenizer.json`; every Arrow
string type, chunked arrays, slices, nulls, thread counts; Polars columns; and the snippets of
docs/DISTRIBUTED.md, run as written."""

import re
from pathlib import Path

import pyarrow as pa
import pytest

import fairtok
from conftest import SHARED, VOCAB

ROOT = Path(__file__).resolve().parents[2]
FLORES = SHARED / "data" / "parallel" / "flores200-dev"


@pytest.fixture(scope="module")
def rows():
    """FLORES Korean and English lines, with the cases that break encoders, and nulls."""
    lines = []
    for lang in ("kor_Hang", "eng_Latn"):
        with open(FLORES / f"{lang}.dev", encoding="utf-8") as f:
            lines += [line.rstrip("\n") for line in f][:150]
    lines += ["", " ", "\n\n", "👩‍👩‍👧 ザ・ワールド 中文", "x\u0300\u0301", "   a  b   ", "1234567890"]
    return [None if i % 11 == 5 else t for i, t in enumerate(lines)]


def _arrays(rows):
    """The same rows as every string type, chunked, and sliced."""
    return {
        "string": pa.array(rows, pa.string()),
        "large_string": pa.array(rows, pa.large_string()),
        "string_view": pa.array(rows, pa.string_view()),
        "chunked": pa.chunked_array([rows[:100], rows[100:250], rows[250:]], pa.string()),
        "sliced": pa.array(rows, pa.string()).slice(7, 200),
    }


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base", "r50k_base"])
def test_counts_and_ids_equal_tiktoken(tiktoken, rows, name):
    ref = tiktoken.get_encoding(name)
    enc = fairtok.get_encoding(name)
    for kind, arr in _arrays(rows).items():
        texts = arr.to_pylist()
        want_ids = [None if t is None else ref.encode_ordinary(t) for t in texts]
        for threads in (1, 3):
            counts = enc.count_arrow(arr, num_threads=threads)
            assert counts.type == pa.int64(), kind
            assert counts.to_pylist() == [None if w is None else len(w) for w in want_ids], kind
            ids = enc.encode_arrow(arr, num_threads=threads)
            assert ids.type == pa.list_(pa.uint32()), kind
            assert ids.to_pylist() == want_ids, kind
        if kind == "chunked":
            assert isinstance(counts, pa.ChunkedArray)
            assert [len(c) for c in counts.chunks] == [len(c) for c in arr.chunks]


def test_counts_equal_hf_tokenizers(rows):
    from tokenizers import Tokenizer

    path = VOCAB / "qwen3.tokenizer.json"
    ref = Tokenizer.from_file(str(path))
    enc = fairtok.load(path)
    arr = pa.array(rows, pa.large_string())
    want = [None if t is None else len(ref.encode(t, add_special_tokens=False).ids) for t in rows]
    assert enc.count_arrow(arr, num_threads=2).to_pylist() == want


def test_bad_columns_are_refused_by_type():
    enc = fairtok.get_encoding("o200k_base")
    with pytest.raises(TypeError, match="Int64"):
        enc.count_arrow(pa.array([1, 2, 3]))
    with pytest.raises(TypeError, match="list"):
        enc.count_arrow(["a", "b"])
    with pytest.raises(ValueError, match="num_threads"):
        enc.count_arrow(pa.array(["a"]), num_threads=0)
    assert enc.count_arrow(pa.array([], pa.string())).to_pylist() == []


def test_polars_columns(rows):
    pl = pytest.importorskip("polars")
    enc = fairtok.get_encoding("o200k_base")
    s = pl.Series("text", rows)
    counts = enc.count_arrow(s)
    assert counts.to_pylist() == [None if t is None else enc.count(t) for t in rows]


def _snippets():
    text = (ROOT / "docs" / "DISTRIBUTED.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("i", range(len(_snippets())))
def test_docs_snippets_run(i, tmp_path, monkeypatch):
    """Each Arrow snippet of docs/DISTRIBUTED.md runs as written. The `fairtok.ray` snippets
    name a cluster's paths; test_ray.py makes the same calls on a local cluster."""
    code = _snippets()[i]
    for module in re.findall(r"^import (\w+)", code, flags=re.M):
        pytest.importorskip(module)
    if "ray." in code or "fr." in code:
        pytest.skip("a fairtok.ray snippet: its calls are tested in test_ray.py")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"DISTRIBUTED.md snippet {i}", "exec"), {})
