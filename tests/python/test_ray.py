"""`fairtok.ray` on a local Ray cluster (2 CPUs, no dashboard) over a corpus sharded from the
shared data (8 Korean and 8 English Parquet shards): counts equal the single-machine library
row for row, totals equal `fairtok parity` on the same lines, the distributed training writes
the file `fairtok train` writes byte for byte, and a worker killed in each kind of task (the
module's fault injection) is survived with the same results."""

import gzip
import json
import os
import subprocess
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import fairtok  # noqa: E402
from conftest import SHARED  # noqa: E402

CORPUS = SHARED / "data" / "corpus"
FLORES = SHARED / "data" / "parallel" / "flores200-dev"
SHARDS = 8


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    """The directory of the fault injection's markers (`FAIRTOK_RAY_FAIL_ONCE`)."""
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def fr(faults):
    """`fairtok.ray` on a fresh local cluster whose workers each fail once per kind of task."""
    import ray.data

    os.environ["FAIRTOK_RAY_FAIL_ONCE"] = str(faults)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"FAIRTOK_RAY_FAIL_ONCE": str(faults)}},
    )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    import fairtok.ray as module

    yield module
    ray.shutdown()
    del os.environ["FAIRTOK_RAY_FAIL_ONCE"]


def _lines(path, n):
    opener = gzip.open if str(path).endswith(".gz") else open
    out = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(line.rstrip("\n"))
            if len(out) == n:
                break
    return out


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """{lang: [8 Parquet shards]} with columns lang, text (and a null text now and then)."""
    d = tmp_path_factory.mktemp("shards")
    out = {}
    for lang, src in (("kor_Hang", "ko.klue-dev.txt"), ("eng_Latn", "en.wikitext2.txt")):
        lines = _lines(CORPUS / src, 2400)
        per = len(lines) // SHARDS
        out[lang] = []
        for i in range(SHARDS):
            texts = [None if j % 97 == 13 else t for j, t in enumerate(lines[i * per : (i + 1) * per])]
            path = d / f"{lang}-{i:02d}.parquet"
            pq.write_table(pa.table({"lang": [lang] * len(texts), "text": texts}), path)
            out[lang].append(str(path))
    return out


def test_count_tokens_equals_the_library_row_for_row(fr, faults, shards):
    files = shards["kor_Hang"] + shards["eng_Latn"]
    ds = ray.data.read_parquet(files)
    rows = fr.count_tokens(ds, ["o200k_base", "cl100k_base"], lang_column="lang").take_all()
    want = [r for f in files for r in pq.read_table(f).to_pylist()]
    assert len(rows) == len(want)
    assert set(rows[0]) == {"lang", "text", "tokens_o200k_base", "tokens_cl100k_base"}
    o200k, cl100k = fairtok.get_encoding("o200k_base"), fairtok.get_encoding("cl100k_base")

    def key(r):
        return (r["lang"], r["text"] or "")

    got = sorted(rows, key=key)
    for r, w in zip(got, sorted(want, key=key)):
        assert (r["lang"], r["text"]) == (w["lang"], w["text"])
        if w["text"] is None:
            assert r["tokens_o200k_base"] is None
        else:
            assert r["tokens_o200k_base"] == o200k.count(w["text"])
            assert r["tokens_cl100k_base"] == cl100k.count(w["text"])
    assert (faults / "count_tokens").is_dir(), "the injected failure did not happen"


def test_totals_equal_fairtok_parity(fr):
    """On FLORES (parallel): tokens, bytes, characters and the premium of each language equal
    what `fairtok parity` measures on the same lines."""
    corpus = {}
    for lang in ("kor_Hang", "eng_Latn", "jpn_Jpan"):
        with open(FLORES / f"{lang}.dev", encoding="utf-8") as f:
            corpus[lang] = [line.rstrip("\n") for line in f]
    table = pa.table(
        {
            "lang": [lang for lang, lines in corpus.items() for _ in lines],
            "text": [t for lines in corpus.values() for t in lines],
        }
    )
    ds = ray.data.from_arrow(table).repartition(6)
    totals = fr.totals(ds, ["o200k_base", "cl100k_base"], lang_column="lang", pivot="eng_Latn")
    report = fairtok.parity(["o200k_base", "cl100k_base"], corpus, pivot="eng_Latn")
    assert sorted(totals) == sorted(corpus)
    for tok in report["tokenizers"]:
        column = "tokens_" + tok["name"]
        for lang in tok["languages"]:
            t = totals[lang["lang"]]
            assert t.documents == lang["lines"] == 997
            assert (t.tokens[column], t.bytes, t.chars) == (lang["tokens"], lang["bytes"], lang["chars"])
            assert t.premium[column] == pytest.approx(lang["premium"], abs=0.005)


def test_totals_without_a_parallel_corpus_give_no_premium(fr):
    ds = ray.data.from_items([{"text": "안녕"}, {"text": "hello"}, {"text": None}])
    totals = fr.totals(ds, "o200k_base", pivot="eng_Latn")
    assert list(totals) == ["all"]
    assert totals["all"].documents == 2 and totals["all"].premium is None
    o200k = fairtok.get_encoding("o200k_base")
    assert totals["all"].tokens == {"tokens_o200k_base": o200k.count("안녕") + o200k.count("hello")}


def _cli_train(fairtok_bin, files, out, vocab):
    subprocess.run(
        [fairtok_bin, "train", "--input", "kor_Hang=" + ",".join(files), "--pattern", "o200k",
         "--vocab-size", str(vocab), "-o", str(out), "--quiet"],
        check=True,
    )


@pytest.mark.parametrize("source", ["files", "dataset"])
def test_train_is_byte_identical_to_fairtok_train(fr, faults, shards, fairtok_bin, tmp_path, source):
    files = shards["kor_Hang"]
    vocab = 1500
    want = tmp_path / "cli" / "tokenizer.json"
    want.parent.mkdir()
    _cli_train(fairtok_bin, files, want, vocab)
    inputs = files if source == "files" else ray.data.read_parquet(files)
    counts = tmp_path / "counts"
    parts = fr.count_pretokens(inputs, pattern="o200k", lang="kor_Hang", output_dir=counts)
    assert len(parts) >= 1 and all(Path(p).is_file() for p in parts)
    manifest = json.loads((counts / "manifest.json").read_text())
    assert [p["file"] for p in manifest["parts"]] == [Path(p).name for p in parts]
    assert all(p["pruned"] == 0 for p in manifest["parts"] if "pruned" in p)
    got = tmp_path / "ray" / "tokenizer.json"
    got.parent.mkdir()
    result = fr.train(counts, vocab_size=vocab, output=got, fan_in=3)
    assert result.vocab_size == vocab
    assert got.read_bytes() == want.read_bytes()
    assert [p.name for p in got.parent.iterdir()] == ["tokenizer.json"], "merge files left behind"
    assert (faults / "count_pretokens").is_dir() and (faults / "merge").is_dir()
    # Counting again into the same directory is refused: two runs never mix.
    with pytest.raises(FileExistsError, match="not empty"):
        fr.count_pretokens(files, pattern="o200k", lang="kor_Hang", output_dir=counts)


def test_unfinished_counts_are_refused(fr, tmp_path):
    (tmp_path / "part-00000.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match="did not finish"):
        fr.train(tmp_path, vocab_size=300, output=tmp_path / "t.json")


def test_bad_arguments_name_what_is_wrong(fr):
    ds = ray.data.from_items([{"body": "x"}])
    with pytest.raises(ValueError, match="no column 'text'"):
        fr.count_tokens(ds, "o200k_base")
    with pytest.raises(ValueError, match="no column 'lang'"):
        fr.count_tokens(ds, "o200k_base", text_column="body", lang_column="lang")
    with pytest.raises(ValueError, match="tokenizers: none"):
        fr.count_tokens(ds, [], text_column="body")
