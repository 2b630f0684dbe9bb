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


def _items(inputs: object, texts: object, *, untagged: bool) -> list[tuple[str, str, list[str]]]:
    """`inputs` then `texts`, each in the order given, as `(kind, head, values)` for the native
    side, which parses them as the command line's `--input` (`fairtok_train::InputSpec`):
    `("spec", "LANG[@WEIGHT]=PATH[,PATH...]", [])`, `("files", "LANG[@WEIGHT]", paths)` or
    `("texts", "LANG[@WEIGHT]", texts)`. With `untagged`, a bare path and a plain list of
    texts are tagged `und` (training); without, they are a `TypeError` (extension, where the
    tag names the script of the new tokens)."""
    out: list[tuple[str, str, list[str]]] = []
    if inputs is not None:
        items = [inputs] if isinstance(inputs, (str, os.PathLike, Mapping)) else inputs
        if not isinstance(items, (list, tuple)):
            raise TypeError(
                "inputs: expected a path, a 'LANG[@WEIGHT]=PATH' string, a {lang: path} dict, "
                f"or a list of them, got {type(inputs).__name__}"
            )
        for item in items:
            if isinstance(item, str):
                out.append(("spec", item, []))
            elif isinstance(item, os.PathLike):
                if not untagged:
                    raise TypeError(
                        "inputs: a path needs a language (its script is what the new tokens "
                        f"mark): write {{'kor_Hang': path}} or 'kor_Hang={os.fspath(item)!s}'"
                    )
                out.append(("files", "und", _paths(item, "inputs")))
            elif isinstance(item, Mapping):
                for lang, value in item.items():
                    lang = _lang(lang, "inputs")
                    out.append(("files", lang, _paths(value, f"inputs[{lang!r}]")))
            else:
                raise TypeError(f"inputs: expected a path or a dict, got {type(item).__name__}")
    if texts is None:
        return out
    if isinstance(texts, Mapping):
        groups = list(texts.items())
    elif isinstance(texts, str):
        raise TypeError("texts: expected a list of str (or a {lang: [str]} dict), got one str")
    elif untagged:
        groups = [("und", texts)]
    else:
        raise TypeError(
            "texts: expected {lang: [str]} (the language names the script of the new "
            f"tokens), got {type(texts).__name__}"
        )
    for lang, values in groups:
        lang = _lang(lang, "texts")
        out.append(("texts", lang, _str_list(values, f"texts[{lang!r}]")))
    return out


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


def _int(value: object, what: str, optional: bool = False) -> Optional[int]:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def _parity(
    parity_dev: object,
    pivot: Optional[str],
    hybrid: object = None,
    window: object = None,
    window_max: object = None,
    exclude: object = (),
) -> Optional[_fairtok.ParityArgs]:
    """The parity-aware options as the native `ParityArgs` (None without `parity_dev`; then
    every other parity option is an error)."""
    if parity_dev is None:
        given = [
            ("pivot", pivot is not None),
            ("parity_hybrid", hybrid is not None),
            ("parity_window", window is not None),
            ("parity_window_max", window_max is not None),
            ("parity_exclude", bool(exclude)),
        ]
        for what, is_given in given:
            if is_given:
                raise ValueError(f"{what} needs parity_dev (the parallel dev text)")
        return None
    if pivot is not None and not isinstance(pivot, str):
        raise TypeError(f"pivot: expected str, got {type(pivot).__name__}")
    dev_dir, dev_lines = None, None
    if isinstance(parity_dev, (str, os.PathLike)):
        dev_dir = os.fsdecode(os.fspath(parity_dev))
    elif isinstance(parity_dev, Mapping):
        dev_lines = [
            (_lang(lang, "parity_dev"), _str_list(lines, f"parity_dev[{lang!r}]"))
            for lang, lines in parity_dev.items()
        ]
    else:
        raise TypeError(
            "parity_dev: expected a directory of LANG.dev files or a {lang: [lines]} dict, got "
            f"{type(parity_dev).__name__}"
        )
    return _fairtok.ParityArgs(
        dev_dir=dev_dir,
        dev_lines=dev_lines,
        pivot=pivot,
        hybrid=_int(hybrid, "parity_hybrid", optional=True),
        window=_int(window, "parity_window", optional=True),
        window_max=_int(window_max, "parity_window_max", optional=True),
        exclude=_one_or_many(exclude, "parity_exclude"),
    )


def _reading(
    threads: object, max_pieces: object, text_field: str, strict: bool
) -> _fairtok.ReadingArgs:
    """How inputs are read, as the native `ReadingArgs`."""
    return _fairtok.ReadingArgs(
        threads=_int(threads, "threads", optional=True),
        max_pieces=_int(max_pieces, "max_pieces"),
        text_field=text_field,
        strict=bool(strict),
    )


def _read_fields(read: _fairtok.ReadStats) -> dict[str, Any]:
    """The fields of a result that `ReadStats` holds: what reading skipped and pruned, and
    the files written."""
    return {
        "skipped_lines": read.skipped_lines,
        "first_skipped": read.first_skipped,
        "pruned_pieces": read.pruned_pieces,
        "pruned_occurrences": read.pruned_occurrences,
        "files": read.files,
    }


def _path(value: object) -> Optional[str]:
    return None if value is None else os.fsdecode(os.fspath(value))  # type: ignore[arg-type]


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
    if format not in ("hf", "tiktoken"):
        raise ValueError(f'format must be "hf" or "tiktoken", not {format!r}')
    if isinstance(counts, (str, os.PathLike)):
        counts = [counts]
    r = _fairtok.train(
        _items(inputs, texts, untagged=True),
        vocab_size=_int(vocab_size, "vocab_size"),
        counts=_paths(list(counts), "counts"),
        pattern=pattern,
        specials=_one_or_many(specials, "specials"),
        min_frequency=_int(min_frequency, "min_frequency"),
        max_token_bytes=_int(max_token_bytes, "max_token_bytes", optional=True),
        output=_path(output),
        format=format,
        name=name,
        reading=_reading(threads, max_pieces, text_field, strict),
        parity=_parity(
            parity_dev, pivot, parity_hybrid, parity_window, parity_window_max, parity_exclude
        ),
    )
    return TrainResult(
        encoding=Encoding._from_core(r.core, ("core", ())),
        vocab_size=r.vocab_size,
        pattern=r.pattern,
        merges=r.merges,
        merge_counts=r.merge_counts,
        tokens=r.tokens,
        specials=r.specials,
        languages=r.languages,
        **_read_fields(r.read),
        parity=r.parity,
    )
