"""fairtok on a Ray cluster: exact token counts of a `ray.data.Dataset`, per-language totals,
and tokenizer training whose counting runs on the cluster (`pip install fairtok[ray]`).

Every row is counted by the native Arrow kernel (`Encoding.count_arrow`) on the Arrow block
Ray already holds: no Python `str` per row, no pandas. So a count is exactly the count of the
single-machine library for that row, whatever the cluster, the block size or a retried task.

>>> import ray, fairtok.ray as fr                                        # doctest: +SKIP
>>> ds = ray.data.read_parquet("s3://bucket/corpus/")                   # doctest: +SKIP
>>> fr.count_tokens(ds, ["o200k_base", "cl100k_base"], lang_column="lang")   # doctest: +SKIP
... # the rows, with tokens_o200k_base and tokens_cl100k_base added
>>> fr.totals(ds, "o200k_base", lang_column="lang", pivot="eng_Latn")   # doctest: +SKIP

Training in two steps, as `fairtok count-pretokens` and `fairtok train --counts` do it on one
machine:

1. `count_pretokens(files or dataset, pattern, lang, output_dir)`: one task per file (or per
   block of a dataset) counts its pre-tokens into `output_dir/part-NNNNN.parquet`, the counts
   format of `fairtok count-pretokens`; `output_dir/manifest.json` is written last and lists
   the parts, so a directory without it is an incomplete run.
2. `train(output_dir, vocab_size=..., output=...)`: the parts are summed in a tree of merge
   tasks (`fan_in` files per task) and the vocabulary is trained from the sum on the driver
   (the memory of training is that of the distinct pre-tokens, `fairtok_train`'s bound). The
   file written is byte-identical to `fairtok train --input LANG=<the same files>` on the
   same files and pattern.

Faults: Ray retries a task whose worker dies (`max_retries`); a task writes its one output
file atomically under a name fixed by its input's position, so a retried task replaces the
file with the same content and a killed one leaves no partial file. Counting into a directory
that already holds files is refused: counts of two runs never mix.

Testing the fault path: with `FAIRTOK_RAY_FAIL_ONCE=<dir>` in the workers' environment, the
first task of each kind (`count_tokens`, `count_pretokens`, `merge`) kills its worker before
writing anything, once: it creates the directory `<dir>/<kind>` first, and the retry finds it
and goes on. It is meant for tests only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from typing import Any, Mapping, Optional, Sequence, Union

import pyarrow as pa
import pyarrow.compute as pc
import ray
import ray.data

from fairtok import _fairtok
from fairtok import arrow as _arrow
from fairtok.core import Encoding
from fairtok.evaluation import _encoding
from fairtok.training import TrainResult
from fairtok.training import train as _train

__all__ = [
    "LanguageTotals",
    "count_pretokens",
    "count_tokens",
    "totals",
    "train",
]

PathLike = Union[str, "os.PathLike[str]"]
TokenizerSpec = Union[str, "os.PathLike[str]", Encoding]
Tokenizers = Union[TokenizerSpec, Sequence[TokenizerSpec], Mapping[str, TokenizerSpec]]

#: The manifest `count_pretokens` writes last in its output directory.
MANIFEST = "manifest.json"

#: How many times Ray reruns a counting or merging task whose worker died.
MAX_RETRIES = 3


def _fail_once(kind: str) -> None:
    """The fault injection of the module docs: kill this worker, once per kind of task."""
    where = os.environ.get("FAIRTOK_RAY_FAIL_ONCE")
    if not where:
        return
    try:
        os.mkdir(os.path.join(where, kind))
    except FileExistsError:
        return
    os._exit(1)


# ---------------------------------------------------------------------------------------------
# Token counts
# ---------------------------------------------------------------------------------------------

_ENCODINGS: dict[Any, Encoding] = {}


def _portable(enc: Encoding) -> Any:
    """What a task needs to rebuild `enc`: for built-ins and files, the `(constructor, args)`
    its pickling uses (`Encoding.__reduce__`: a name or a path), built once per worker process
    (`_worker_encoding`); the encoding itself otherwise (pickled with its ranks)."""
    kind, _ = enc._source
    return enc.__reduce__() if kind in ("builtin", "file") else enc


def _worker_encoding(portable: Any) -> Encoding:
    if isinstance(portable, Encoding):
        return portable
    enc = _ENCODINGS.get(portable)
    if enc is None:
        make, args = portable
        enc = _ENCODINGS[portable] = make(*args)
    return enc


def _column_name(name: str) -> str:
    return "tokens_" + re.sub(r"[^0-9A-Za-z_]", "_", name)


def _tokenizers(tokenizers: Tokenizers) -> list[tuple[str, Any]]:
    """`(column, portable encoding)` per tokenizer: `tokens_<name>` for a name, a path or an
    `Encoding` (its name), `tokens_<key>` for a `{key: tokenizer}` mapping."""
    if isinstance(tokenizers, Mapping):
        items = [(str(k), v) for k, v in tokenizers.items()]
    elif isinstance(tokenizers, (str, os.PathLike, Encoding)):
        items = [(None, tokenizers)]
    else:
        items = [(None, t) for t in tokenizers]
    if not items:
        raise ValueError("tokenizers: none given")
    out = []
    for key, spec in items:
        enc = _encoding(spec, None)
        column = _column_name(key if key is not None else enc.name)
        if any(c == column for c, _ in out):
            raise ValueError(f"tokenizers: two give the column {column!r}; name them with a dict")
        out.append((column, _portable(enc)))
    return out


def _check_columns(ds: ray.data.Dataset, *columns: Optional[str]) -> None:
    names = ds.schema().names
    for c in columns:
        if c is not None and c not in names:
            raise ValueError(f"the dataset has no column {c!r} (columns: {', '.join(names)})")


def _count_batch(
    batch: pa.Table, tokenizers: list[tuple[str, Any]], text_column: str, num_threads: int
) -> pa.Table:
    _fail_once("count_tokens")
    texts = batch.column(text_column)
    for column, portable in tokenizers:
        counts = _worker_encoding(portable).count_arrow(texts, num_threads=num_threads)
        batch = batch.append_column(column, counts)
    return batch


def count_tokens(
    ds: ray.data.Dataset,
    tokenizers: Tokenizers,
    text_column: str = "text",
    lang_column: Optional[str] = None,
    *,
    num_threads: int = 1,
    **map_batches_args: Any,
) -> ray.data.Dataset:
    """The dataset with a `tokens_<name>` column (int64) per tokenizer: the token count of each
    row's text, exactly `Encoding.count` of it (null for a null text). Every column is kept.

    Args:
        ds: the dataset.
        tokenizers: names (`"o200k_base"`, `"gpt-4o"`), tokenizer files readable on every
            node, or `Encoding` objects; one, a list, or a `{column suffix: tokenizer}` dict.
        text_column: the text column (string, large string or string view).
        lang_column: the language column, if any (checked to exist; `totals` groups by it).
        num_threads: native threads per task (and the CPUs each task asks of Ray).
        map_batches_args: passed to `Dataset.map_batches` (`batch_size`, `concurrency`, ...).

    The work is lazy, as every Ray Data transform: it runs when the result is consumed.
    """
    _check_columns(ds, text_column, lang_column)
    specs = _tokenizers(tokenizers)
    map_batches_args.setdefault("num_cpus", num_threads)
    return ds.map_batches(
        _count_batch,
        batch_format="pyarrow",
        fn_kwargs={"tokenizers": specs, "text_column": text_column, "num_threads": num_threads},
        **map_batches_args,
    )


@dataclasses.dataclass
class LanguageTotals:
    """What `totals` found for one language.

    Attributes:
        lang: the language (`"all"` without a language column).
        documents: its rows with a text (null texts are not counted).
        bytes: their UTF-8 bytes.
        chars: their characters (code points).
        tokens: `{tokenizer column: tokens}`.
        premium: `{tokenizer column: tokens / the pivot's tokens}` when the corpus is parallel
            (every language has as many documents as the pivot), else None.
    """

    lang: str
    documents: int
    bytes: int
    chars: int
    tokens: dict[str, int]
    premium: Optional[dict[str, float]] = None


def _partial_totals(
    batch: pa.Table,
    tokenizers: list[tuple[str, Any]],
    text_column: str,
    lang_column: Optional[str],
    num_threads: int,
) -> pa.Table:
    """One row per language of the batch: its documents, bytes, characters and tokens."""
    counted = _count_batch(batch, tokenizers, text_column, num_threads)
    texts = counted.column(text_column)
    if pa.types.is_null(texts.type):  # a block whose texts are all missing
        texts = texts.cast(pa.string())
    valid = pc.is_valid(texts)
    table = pa.table(
        {
            "lang": counted.column(lang_column).cast(pa.string())
            if lang_column
            else pa.array(["all"] * counted.num_rows, pa.string()),
            "documents": pc.cast(valid, pa.int64()),
            "bytes": pc.fill_null(pc.cast(pc.binary_length(texts), pa.int64()), 0),
            "chars": pc.fill_null(pc.cast(pc.utf8_length(texts), pa.int64()), 0),
            **{c: pc.fill_null(counted.column(c), 0) for c, _ in tokenizers},
        }
    )
    sums = [(c, "sum") for c in ["documents", "bytes", "chars", *(c for c, _ in tokenizers)]]
    grouped = table.group_by("lang").aggregate(sums)
    return grouped.rename_columns([n.removesuffix("_sum") for n in grouped.column_names])


def totals(
    ds: ray.data.Dataset,
    tokenizers: Tokenizers,
    text_column: str = "text",
    lang_column: Optional[str] = None,
    pivot: Optional[str] = "eng_Latn",
    *,
    num_threads: int = 1,
    **map_batches_args: Any,
) -> dict[str, LanguageTotals]:
    """Per-language totals of `count_tokens` (tokens per tokenizer, bytes, characters,
    documents), summed exactly over the cluster, and the premium against `pivot` when the
    corpus is parallel. Returns `{lang: LanguageTotals}`, languages sorted.

    The premium is a language's tokens over the pivot's, the measure of `fairtok parity` on
    the same lines; it is given only when the pivot is present and every language has as many
    documents as the pivot (a parallel corpus; otherwise token totals are not comparable).
    """
    _check_columns(ds, text_column, lang_column)
    specs = _tokenizers(tokenizers)
    map_batches_args.setdefault("num_cpus", num_threads)
    parts = ds.map_batches(
        _partial_totals,
        batch_format="pyarrow",
        fn_kwargs={
            "tokenizers": specs,
            "text_column": text_column,
            "lang_column": lang_column,
            "num_threads": num_threads,
        },
        **map_batches_args,
    ).take_all()
    columns = [c for c, _ in specs]
    out: dict[str, LanguageTotals] = {}
    for row in parts:
        lang = row["lang"]
        t = out.setdefault(lang, LanguageTotals(lang, 0, 0, 0, {c: 0 for c in columns}))
        t.documents += int(row["documents"])
        t.bytes += int(row["bytes"])
        t.chars += int(row["chars"])
        for c in columns:
            t.tokens[c] += int(row[c])
    out = dict(sorted(out.items()))
    base = out.get(pivot) if pivot is not None else None
    if base is not None and all(t.documents == base.documents for t in out.values()):
        for t in out.values():
            t.premium = {c: t.tokens[c] / max(base.tokens[c], 1) for c in columns}
    return out


# ---------------------------------------------------------------------------------------------
# Pre-token counts and training
# ---------------------------------------------------------------------------------------------


def _part(output_dir: str, i: int) -> str:
    return os.path.join(output_dir, f"part-{i:05d}.parquet")


@ray.remote(max_retries=MAX_RETRIES)
def _count_file(
    path: str, lang: str, pattern: str, text_column: str, output: str, num_threads: int
) -> dict[str, Any]:
    _fail_once("count_pretokens")
    return _fairtok.count_files(lang, [path], output, pattern, text_column, num_threads)


@ray.remote(max_retries=MAX_RETRIES)
def _count_block(
    block: pa.Table, lang: str, pattern: str, text_column: str, output: str, num_threads: int
) -> dict[str, Any]:
    _fail_once("count_pretokens")
    schema, array = _arrow.capsules(block.column(text_column))
    return _fairtok.write_pretoken_counts(schema, array, pattern, lang, num_threads, output)


@ray.remote(max_retries=MAX_RETRIES)
def _merge(files: list[str], output: str) -> str:
    _fail_once("merge")
    _fairtok.merge_counts(files, output)
    return output


def _new_output_dir(output_dir: PathLike) -> str:
    out = os.path.abspath(os.fsdecode(os.fspath(output_dir)))
    if os.path.isdir(out) and os.listdir(out):
        raise FileExistsError(
            f"{out}: not empty; the counts of two runs must not mix (give a new or empty directory)"
        )
    os.makedirs(out, exist_ok=True)
    return out


def _write_json(path: str, value: Any) -> None:
    """Writes `value` as JSON to `path` atomically (a temporary file renamed)."""
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(value, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def count_pretokens(
    paths_or_ds: Union[PathLike, Sequence[PathLike], ray.data.Dataset],
    pattern: str = "o200k",
    lang: str = "und",
    output_dir: Optional[PathLike] = None,
    *,
    text_column: str = "text",
    num_threads: int = 1,
) -> list[str]:
    """Counts the pre-tokens of a corpus on the cluster: one counts file per input file (or
    per block of a dataset) in `output_dir`, then `output_dir/manifest.json`. Returns the
    counts files, in input order.

    Args:
        paths_or_ds: files or directories readable on every node, read as `fairtok train
            --input` reads them (plain text one record per line with its line ending, JSON
            lines, Parquet, `.gz`/`.zst`; directories recursively); or a `ray.data.Dataset`
            whose rows are the records (each non-null `text_column` value one record).
        pattern: the pre-tokenizer: `"o200k"`, `"cl100k"`, ..., or a regex in tiktoken's dialect.
        lang: the language tag the counts carry.
        output_dir: a new or empty directory every node can write (refused if it holds files).
        text_column: the text field of JSON lines, the text column of Parquet or the dataset.
        num_threads: native threads (and Ray CPUs) per task.
    """
    if output_dir is None:
        raise TypeError("count_pretokens: output_dir is required")
    out = _new_output_dir(output_dir)
    args = (lang, pattern, text_column)
    if isinstance(paths_or_ds, ray.data.Dataset):
        _check_columns(paths_or_ds, text_column)
        blocks = paths_or_ds.select_columns([text_column]).to_arrow_refs()
        refs = [
            _count_block.options(num_cpus=num_threads).remote(b, *args, _part(out, i), num_threads)
            for i, b in enumerate(blocks)
        ]
        inputs: list[str] = [f"block {i}" for i in range(len(blocks))]
    else:
        given = [paths_or_ds] if isinstance(paths_or_ds, (str, os.PathLike)) else paths_or_ds
        files = [os.fsdecode(p) for p in _fairtok.expand_files([os.fspath(p) for p in given])]
        refs = [
            _count_file.options(num_cpus=num_threads).remote(f, *args, _part(out, i), num_threads)
            for i, f in enumerate(files)
        ]
        inputs = files
    stats = ray.get(refs)
    parts = [_part(out, i) for i in range(len(refs))]
    _write_json(
        os.path.join(out, MANIFEST),
        {
            "format": "fairtok-pretoken-counts-dir/1",
            "lang": lang,
            "pattern": pattern,
            "parts": [
                {"file": os.path.basename(p), "input": i, **s}
                for p, i, s in zip(parts, inputs, stats)
            ],
        },
    )
    return parts


def _counts_files(counts: Union[PathLike, Sequence[PathLike]]) -> list[str]:
    """The counts files of a `count_pretokens` directory (from its manifest) or a list."""
    if isinstance(counts, (str, os.PathLike)) and os.path.isdir(counts):
        d = os.fsdecode(os.fspath(counts))
        manifest = os.path.join(d, MANIFEST)
        if not os.path.exists(manifest):
            raise ValueError(
                f"{d}: no {MANIFEST}; the counting run did not finish (count again into a new directory)"
            )
        with open(manifest) as f:
            return [os.path.join(d, p["file"]) for p in json.load(f)["parts"]]
    if isinstance(counts, (str, os.PathLike)):
        return [os.fsdecode(os.fspath(counts))]
    return [os.fsdecode(os.fspath(c)) for c in counts]


def train(
    counts: Union[PathLike, Sequence[PathLike]],
    *,
    vocab_size: int,
    output: Optional[PathLike] = None,
    fan_in: int = 8,
    **train_args: Any,
) -> TrainResult:
    """Trains from the counts files of `count_pretokens` (its directory, or a list of counts
    files): a tree of merge tasks on the cluster sums them, `fan_in` files per task, into one
    counts file, from which `fairtok.train(counts=..., vocab_size=..., output=...,
    **train_args)` trains on the driver. The merged files live in a temporary directory beside
    `output` (so on storage every node can write, if `output` is), removed at the end.

    On the same files and pattern, the file written is byte-identical to that of `fairtok
    train --input LANG=<files> --pattern PATTERN`.
    """
    if fan_in < 2:
        raise ValueError("fan_in: at least 2")
    files = _counts_files(counts)
    if not files:
        raise ValueError("counts: no counts files")
    where = os.path.dirname(os.path.abspath(os.fspath(output))) if output else None
    with tempfile.TemporaryDirectory(prefix=".fairtok-merge-", dir=where) as tmp:
        level = 0
        while len(files) > 1:
            groups = [files[i : i + fan_in] for i in range(0, len(files), fan_in)]
            refs = [
                _merge.remote(g, os.path.join(tmp, f"level{level}-{j:05d}.parquet"))
                if len(g) > 1
                else ray.put(g[0])
                for j, g in enumerate(groups)
            ]
            files = ray.get(refs)
            level += 1
        return _train(counts=files, vocab_size=vocab_size, output=output, **train_args)
