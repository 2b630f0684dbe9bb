"""`fairtok.train`: byte-level BPE training, the pipeline of `fairtok train`, from files or from
texts in memory. The work is done in Rust with the GIL released."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal, Mapping, Optional, Sequence, Union

from fairtok import _fairtok
from fairtok.core import Encoding

__all__ = ["TrainResult", "train"]

PathLike = Union[str, "os.PathLike[str]"]
InputSpec = Union[PathLike, Mapping[str, Union[PathLike, Sequence[PathLike]]]]


@dataclass(frozen=True)
class TrainResult:
    """What `fairtok.train` made and saw.

    Attributes:
        encoding: the trained tokenizer, ready to use (`encoding.encode_ordinary(text)`). It
            encodes with tiktoken's rule (special tokens only when allowed, as `Encoding.encode`
            does); for ordinary text its ids are those of the files written.
        vocab_size: tokens in the vocabulary: 256 bytes + merges + special tokens (fewer than
            asked if the corpus ran out of pairs, or `min_frequency` stopped the merges).
        pattern: the pre-tokenizer regex the pieces were cut with.
        merges: the merges in order, as `(left id, right id)`; merge `k` made token `256 + k`.
        merge_counts: how many times each merged pair occurred when it was merged.
        tokens: the bytes of every ordinary token, by id (0-255 are the single bytes).
        specials: `(text, id)` of each special token, after the ordinary tokens.
        languages: per language tag, in order of first appearance: `{"lang", "bytes",
            "records", "pieces"}` (bytes of text read, records (lines, JSON objects or texts),
            pre-tokens counted).
        skipped_lines: input lines skipped because they are not UTF-8 (0 with `strict=True`,
            which raises instead).
        first_skipped: `(path, line)` of the first skipped line, or None.
        pruned_pieces: distinct pre-tokens dropped because they outgrew `max_pieces`.
        pruned_occurrences: the occurrences of those pieces.
        files: the files written (none without `output`; the `.tiktoken` format writes the
            rank file and its `.json` sidecar).
    """

    encoding: Encoding
    vocab_size: int
    pattern: str
    merges: list[tuple[int, int]]
    merge_counts: list[int]
    tokens: list[bytes] = field(repr=False)
    specials: list[tuple[str, int]]
    languages: list[dict[str, Union[str, int]]]
    skipped_lines: int
    first_skipped: Optional[tuple[str, int]]
    pruned_pieces: int
    pruned_occurrences: int
    files: list[str]

    @property
    def bytes_per_language(self) -> dict[str, int]:
        """`{language tag: bytes of text read}`."""
        return {str(lang["lang"]): int(lang["bytes"]) for lang in self.languages}


def _paths(value: object, what: str) -> list[str]:
    if isinstance(value, (str, os.PathLike)):
        return [os.fsdecode(os.fspath(value))]
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            if not isinstance(v, (str, os.PathLike)):
                raise TypeError(f"{what}: expected a path, got {type(v).__name__}")
            out.append(os.fsdecode(os.fspath(v)))
        return out
    raise TypeError(f"{what}: expected a path or a list of paths, got {type(value).__name__}")


def _inputs(inputs: object) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Splits `inputs` into command-line specs (`"LANG=PATH[,PATH...]"` strings, parsed as
    `fairtok train --input` parses them) and `(lang, paths)` pairs."""
    specs: list[str] = []
    pairs: list[tuple[str, list[str]]] = []
    if inputs is None:
        return specs, pairs
    items = [inputs] if isinstance(inputs, (str, os.PathLike, Mapping)) else inputs
    if not isinstance(items, (list, tuple)):
        raise TypeError(
            "inputs: expected a path, a 'LANG=PATH' string, a {lang: path} dict, or a list of "
            f"them, got {type(inputs).__name__}"
        )
    for item in items:
        if isinstance(item, str):
            specs.append(item)
        elif isinstance(item, os.PathLike):
            pairs.append(("und", _paths(item, "inputs")))
        elif isinstance(item, Mapping):
            for lang, value in item.items():
                if not isinstance(lang, str):
                    raise TypeError(f"inputs: language tags are str, got {type(lang).__name__}")
                pairs.append((lang, _paths(value, f"inputs[{lang!r}]")))
        else:
            raise TypeError(f"inputs: expected a path or a dict, got {type(item).__name__}")
    return specs, pairs


def _texts(texts: object) -> list[tuple[str, list[str]]]:
    if texts is None:
        return []
    if isinstance(texts, Mapping):
        groups = list(texts.items())
    elif isinstance(texts, str):
        raise TypeError("texts: expected a list of str (or a {lang: [str]} dict), got one str")
    else:
        groups = [("und", texts)]
    out = []
    for lang, values in groups:
        if not isinstance(lang, str):
            raise TypeError(f"texts: language tags are str, got {type(lang).__name__}")
        if isinstance(values, str):
            raise TypeError(f"texts[{lang!r}]: expected a list of str, got one str")
        values = list(values)
        for v in values:
            if not isinstance(v, str):
                raise TypeError(f"texts: expected str, got {type(v).__name__}")
        out.append((lang, values))
    return out


def _int(value: object, what: str, optional: bool = False) -> Optional[int]:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def train(
    inputs: Union[InputSpec, Sequence[InputSpec], None] = None,
    *,
    vocab_size: int,
    texts: Union[Sequence[str], Mapping[str, Sequence[str]], None] = None,
    pattern: Optional[str] = None,
    specials: Sequence[str] = (),
    min_frequency: int = 0,
    max_token_bytes: Optional[int] = None,
    threads: Optional[int] = None,
    output: Optional[PathLike] = None,
    format: Literal["hf", "tiktoken"] = "hf",
    name: Optional[str] = None,
    counts: Sequence[PathLike] = (),
    text_field: str = "text",
    strict: bool = False,
    max_pieces: int = 20_000_000,
) -> TrainResult:
    r"""Trains a byte-level BPE tokenizer, as `fairtok train` does, and returns it ready to use.

    >>> r = fairtok.train(texts=["low lower newest widest\n"] * 50, vocab_size=264)
    >>> r.encoding.decode_tokens_bytes(r.encoding.encode_ordinary("lowest"))
    [b'low', b'est']
    >>> r.vocab_size, r.merges[:2], r.languages
    (264, [(101, 115), (108, 111)], [{'lang': 'und', 'bytes': 1200, 'records': 50, 'pieces': 250}])

    From files, as `fairtok train --input ko=ko.txt --input en=en1.txt,en2.txt.gz` would::

        r = fairtok.train({"ko": "ko.txt", "en": ["en1.txt", "en2.txt.gz"]}, vocab_size=32000,
                          specials=["<|endoftext|>"], output="tokenizer.json")

    Args:
        inputs: training files, as `fairtok train --input` takes them: a path, a
            `"LANG=PATH[,PATH...]"` string, a `{lang: path or [paths]}` dict, or a list of
            these. A path without a language is tagged `und`. Files may be plain text (one
            record per line, the line ending kept), `.gz`, `.zst`, JSON lines (`.jsonl`,
            `.ndjson`, `.json`: the `text_field` of each object), Parquet (the `text_field`
            column) or directories (read recursively).
        vocab_size: the vocabulary size, counted as Hugging Face's trainer does: 256 byte tokens
            + merges + special tokens.
        texts: training texts in memory: a list of str (tagged `und`) or `{lang: [str]}`. Each
            str is one record, as a line of a file is (keep its line ending if it had one:
            `open(f).readlines()` trains exactly as the file does). May be combined with
            `inputs`.
        pattern: the pre-tokenizer: `"o200k"` (default), `"cl100k"`, `"r50k"`, `"p50k"`,
            `"llama3"`, `"qwen3"` or a regex in tiktoken's dialect (default with `counts`: their
            pattern).
        specials: special tokens; they take the ids after the last merge, in this order.
        min_frequency: pairs seen fewer times than this are not merged (training stops there).
        max_token_bytes: no token longer than this many bytes.
        threads: threads for counting and merging (default: all cores).
        output: if given, the vocabulary is also written there (atomically); a directory gets
            `tokenizer.json` or `vocab.tiktoken` inside.
        format: the output format: `"hf"` (a Hugging Face `tokenizer.json`) or `"tiktoken"` (a
            `.tiktoken` rank file plus `FILE.json` with tiktoken's `pat_str` and
            `special_tokens`).
        name: the encoding's name (default: the output file's name without extensions, or
            `"fairtok"`).
        counts: counts files made by `fairtok count-pretokens` (Parquet), added to the counts
            of the inputs; they must have been made with the same pattern.
        text_field: the text field of JSON-lines inputs (the text column of Parquet inputs).
        strict: make a line that is not UTF-8 an error (default: skip it and count it in
            `skipped_lines`).
        max_pieces: the cap on distinct pre-tokens kept while counting the files of `inputs`;
            past it the rarest are pruned (`pruned_pieces`). `texts`, already in memory, are
            counted whole.

    Returns:
        A `TrainResult`: `.encoding` (an `Encoding`, the same class as `get_encoding` returns),
        `.vocab_size`, `.merges`, `.languages` (bytes, records and pre-tokens per language),
        `.files` and more.

    Raises:
        ValueError: a bad argument (the message is the trainer's: vocabulary smaller than 256 +
            specials, a repeated special token, a pattern that does not compile or that
            Hugging Face cannot run for `format="hf"`), nothing to train on, an empty corpus, a
            malformed record (a JSON line that is not JSON, a non-UTF-8 line with `strict`).
        FileNotFoundError, PermissionError, OSError: an input cannot be read or the output
            cannot be written (checked before training starts).
        TypeError: an argument of the wrong type.
    """
    specs, pairs = _inputs(inputs)
    text_groups = _texts(texts)
    if format not in ("hf", "tiktoken"):
        raise ValueError(f'format must be "hf" or "tiktoken", not {format!r}')
    if isinstance(specials, str):
        specials = [specials]
    specials = list(specials)
    for s in specials:
        if not isinstance(s, str):
            raise TypeError(f"specials: expected str, got {type(s).__name__}")
    if isinstance(counts, (str, os.PathLike)):
        counts = [counts]
    counts_paths = _paths(list(counts), "counts")
    out_path = None if output is None else os.fsdecode(os.fspath(output))
    r = _fairtok.train(
        specs,
        pairs,
        text_groups,
        counts_paths,
        _int(vocab_size, "vocab_size"),
        pattern,
        specials,
        _int(min_frequency, "min_frequency"),
        _int(max_token_bytes, "max_token_bytes", optional=True),
        _int(threads, "threads", optional=True),
        _int(max_pieces, "max_pieces"),
        text_field,
        bool(strict),
        out_path,
        format,
        name,
    )
    core = r["core"]
    encoding = Encoding._from_core(core, ("core", ()))
    return TrainResult(
        encoding=encoding,
        vocab_size=r["vocab_size"],
        pattern=r["pattern"],
        merges=r["merges"],
        merge_counts=r["merge_counts"],
        tokens=r["tokens"],
        specials=r["specials"],
        languages=r["languages"],
        skipped_lines=r["skipped_lines"],
        first_skipped=r["first_skipped"],
        pruned_pieces=r["pruned_pieces"],
        pruned_occurrences=r["pruned_occurrences"],
        files=r["files"],
    )
