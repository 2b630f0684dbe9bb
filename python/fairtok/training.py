"""`fairtok.train`: byte-level BPE training, the pipeline of `fairtok train`, from files or from
texts in memory. The work is done in Rust with the GIL released."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Optional, Sequence, Union

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
        parity: with `parity_dev`, what parity-aware training did (None otherwise):
            `{"pivot", "hybrid", "window", "global_merges", "languages"}`: the language the
            premiums are against, the `parity_hybrid` global merges first (0 without), the
            window as `(size, max per language)` (None without), the merges chosen globally
            in all, and per language with dev text (in input order) `{"lang",
            "dev_tokens_before", "dev_tokens_after", "premium_before", "premium_after",
            "merges"}`: its dev tokens before the first merge (its dev bytes) and after the
            last, their ratio to the pivot's, and the merges chosen for it. As the summary of
            `fairtok train --parity-dev` shows it.
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
    parity: Optional[dict[str, Any]] = None

    @property
    def bytes_per_language(self) -> dict[str, int]:
        """`{language tag: bytes of text read}`."""
        return {str(lang["lang"]): int(lang["bytes"]) for lang in self.languages}

    @property
    def dev_premiums(self) -> Optional[dict[str, float]]:
        """`{language tag: dev tokens / the pivot's dev tokens}` after training, with
        `parity_dev` (None without)."""
        if self.parity is None:
            return None
        return {lang["lang"]: lang["premium_after"] for lang in self.parity["languages"]}


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
                pairs.append((_lang(lang, "inputs"), _paths(value, f"inputs[{lang!r}]")))
        else:
            raise TypeError(f"inputs: expected a path or a dict, got {type(item).__name__}")
    return specs, pairs


def _str_list(values: object, what: str) -> list[str]:
    """`values` (one language's texts or lines) as a list of str."""
    if isinstance(values, str):
        raise TypeError(f"{what}: expected a list of str, got one str")
    out = list(values)  # type: ignore[call-overload]
    for v in out:
        if not isinstance(v, str):
            raise TypeError(f"{what}: expected str, got {type(v).__name__}")
    return out


def _one_or_many(value: object, what: str) -> list[str]:
    """`value`, one str or several, as a list of str."""
    return [value] if isinstance(value, str) else _str_list(value, what)


def _lang(lang: object, what: str) -> str:
    if not isinstance(lang, str):
        raise TypeError(f"{what}: language tags are str, got {type(lang).__name__}")
    return lang


def _texts(texts: object) -> list[tuple[str, list[str]]]:
    if texts is None:
        return []
    if isinstance(texts, Mapping):
        groups = list(texts.items())
    elif isinstance(texts, str):
        raise TypeError("texts: expected a list of str (or a {lang: [str]} dict), got one str")
    else:
        groups = [("und", texts)]
    return [(_lang(lang, "texts"), _str_list(values, f"texts[{lang!r}]")) for lang, values in groups]


def _int(value: object, what: str, optional: bool = False) -> Optional[int]:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def _parity_dev(value: object) -> tuple[Optional[str], Optional[list[tuple[str, list[str]]]]]:
    """`parity_dev` as a directory or as `(lang, lines)` pairs (line ends dropped)."""
    if value is None:
        return None, None
    if isinstance(value, (str, os.PathLike)):
        return os.fsdecode(os.fspath(value)), None
    if not isinstance(value, Mapping):
        raise TypeError(
            "parity_dev: expected a directory of LANG.dev files or a {lang: [lines]} dict, got "
            f"{type(value).__name__}"
        )
    out = []
    for lang, lines in value.items():
        kept = _str_list(lines, f"parity_dev[{_lang(lang, 'parity_dev')!r}]")
        if not kept:
            raise ValueError(f"parity_dev[{lang!r}]: no lines")
        for i, line in enumerate(kept):
            if line.endswith("\n"):
                line = line[:-1]
                kept[i] = line[:-1] if line.endswith("\r") else line
        out.append((lang, kept))
    return None, out


def _parity_report(raw: Optional[dict[str, Any]], pivot: Optional[str]) -> Optional[dict[str, Any]]:
    """The Rust side's parity statistics as `TrainResult.parity` (premiums against the pivot:
    `pivot`, else eng_Latn if it has dev text, else the first language, as the CLI reports)."""
    if raw is None:
        return None
    langs = raw["languages"]
    if pivot is None:
        pivot = "eng_Latn" if "eng_Latn" in langs else langs[0]
    p = langs.index(pivot)
    before, after = raw["dev_tokens_before"], raw["dev_tokens_after"]
    return {
        "pivot": pivot,
        "hybrid": raw["hybrid"],
        "window": raw["window"],
        "global_merges": raw["global_merges"],
        "languages": [
            {
                "lang": lang,
                "dev_tokens_before": before[i],
                "dev_tokens_after": after[i],
                "premium_before": before[i] / max(before[p], 1),
                "premium_after": after[i] / max(after[p], 1),
                "merges": raw["merges_taken"][i],
            }
            for i, lang in enumerate(langs)
        ],
    }


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
    parity_dev: Union[PathLike, Mapping[str, Sequence[str]], None] = None,
    pivot: Optional[str] = None,
    parity_hybrid: Optional[int] = None,
    parity_window: Optional[int] = None,
    parity_window_max: Optional[int] = None,
    parity_exclude: Sequence[str] = (),
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
        parity_dev: parity-aware training (Foroutan et al. 2025), as `fairtok train
            --parity-dev`: the parallel dev text, a directory of `LANG.dev` files (FLORES
            layout) or `{lang: [lines]}`, for every language of `inputs` and `texts` (but
            those of `parity_exclude`). Before each merge, the language whose dev text is
            longest in tokens is chosen and its most frequent pair merged (in every
            language). The result's `parity` reports what it did.
        pivot: the language the premiums of `parity` are against (dev tokens / pivot dev
            tokens); default eng_Latn if it has dev text, else the first. Selection needs
            no pivot.
        parity_hybrid: hybrid training (`--parity-hybrid K`): the first K merges by global
            frequency (classical), the rest parity-aware.
        parity_window: a moving window (`--parity-window W`): among the last W parity-aware
            merges one language may take at most `parity_window_max` (default
            ceil(2 W / languages with dev text), twice an even share); a language at its cap
            yields to the next longest.
        parity_window_max: the cap of `parity_window`.
        parity_exclude: languages of `inputs` or `texts` without dev text (code, say): never
            chosen, they get only global merges; their words are merged like all others.

    Returns:
        A `TrainResult`: `.encoding` (an `Encoding`, the same class as `get_encoding` returns),
        `.vocab_size`, `.merges`, `.languages` (bytes, records and pre-tokens per language),
        `.files` and more.

    Raises:
        ValueError: a bad argument (the message is the trainer's: vocabulary smaller than 256 +
            specials, a repeated special token, a pattern that does not compile or that
            Hugging Face cannot run for `format="hf"`), nothing to train on, an empty corpus, a
            malformed record (a JSON line that is not JSON, a non-UTF-8 line with `strict`);
            bad parity options (a missing dev file, named; a `pivot` or `parity_exclude`
            language that is not trained on; a zero window; a parity option without
            `parity_dev`).
        FileNotFoundError, PermissionError, OSError: an input cannot be read or the output
            cannot be written (checked before training starts).
        TypeError: an argument of the wrong type.
    """
    specs, pairs = _inputs(inputs)
    text_groups = _texts(texts)
    if format not in ("hf", "tiktoken"):
        raise ValueError(f'format must be "hf" or "tiktoken", not {format!r}')
    specials = _one_or_many(specials, "specials")
    if isinstance(counts, (str, os.PathLike)):
        counts = [counts]
    counts_paths = _paths(list(counts), "counts")
    out_path = None if output is None else os.fsdecode(os.fspath(output))
    dev_dir, dev_lines = _parity_dev(parity_dev)
    parity_exclude = _one_or_many(parity_exclude, "parity_exclude")
    if pivot is not None and not isinstance(pivot, str):
        raise TypeError(f"pivot: expected str, got {type(pivot).__name__}")
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
        dev_dir,
        dev_lines,
        pivot,
        _int(parity_hybrid, "parity_hybrid", optional=True),
        _int(parity_window, "parity_window", optional=True),
        _int(parity_window_max, "parity_window_max", optional=True),
        parity_exclude,
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
        parity=_parity_report(r["parity"], pivot),
    )
