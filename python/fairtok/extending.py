"""`fairtok.extend`: vocabulary extension, the pipeline of `fairtok extend`: BPE training
continued on top of an existing vocabulary, every base id kept. The work is done in Rust with
the GIL released."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal, Mapping, Optional, Sequence, Union

from fairtok import _fairtok
from fairtok.core import Encoding
from fairtok.training import (
    InputSpec,
    PathLike,
    _int,
    _items,
    _parity,
    _path,
    _read_fields,
    _reading,
)

__all__ = ["ExtendResult", "extend"]


@dataclass(frozen=True)
class ExtendResult:
    """What `fairtok.extend` added and saw.

    Attributes:
        encoding: the extended tokenizer, ready to use (`encoding.encode_ordinary(text)`): the
            base's ids for every base token and special token, the new tokens after them. For
            ordinary text its ids are those of the files written.
        first_id: the id of the first new token (one above the highest id of the base: 200019
            for `o200k_base`).
        tokens: the bytes of each new token, in id order (`tokens[i]` has id `first_id + i`); for
            a SentencePiece base, the new piece's text in UTF-8 (`"▁"`, U+2581, for a space).
        added: how many tokens were added (fewer than `add` if no pair was left seen at least
            `min_frequency` times).
        merges: for each new token, the `(left id, right id)` pair it was made from, or None for
            a whole-piece token (`whole_pieces=True`) or, for a SentencePiece base, a character
            that becomes a piece.
        counts: the weighted saving (in tokens) of each new token when it was chosen.
        chosen_by: for each new token, the input language whose dev premium chose it
            (parity-aware selection), or None (chosen over all inputs).
        dev_premium: with `parity_dev`, after each new token, `{language: dev premium against
            the pivot}` for each input language; else empty.
        languages: the input language tags, in order of first appearance.
        inputs: per input, in the order given: `{"lang", "weight", "bytes", "records",
            "pieces"}`.
        skipped_lines: input lines skipped because they are not UTF-8 (0 with `strict=True`,
            which raises instead).
        first_skipped: `(path, line)` of the first skipped line, or None.
        pruned_pieces: distinct pre-tokens dropped because an input outgrew `max_pieces`.
        pruned_occurrences: the occurrences of those pieces.
        files: the files written (none without `output`; the `.tiktoken` format writes the
            rank file and its `.json` sidecar).
        name: the encoding's name.
        format: the output format, `"tiktoken"`, `"hf"` or `"spm"` (the base's unless `format=`
            was given).
        script: the script every new token marks (`"Hang"`).
        base: the base's name.
    """

    encoding: Encoding
    first_id: int
    tokens: list[bytes] = field(repr=False)
    added: int
    merges: list[Optional[tuple[int, int]]] = field(repr=False)
    counts: list[int] = field(repr=False)
    chosen_by: list[Optional[str]] = field(repr=False)
    dev_premium: list[dict[str, float]] = field(repr=False)
    languages: list[str]
    inputs: list[dict[str, Union[str, int, float]]]
    skipped_lines: int
    first_skipped: Optional[tuple[str, int]]
    pruned_pieces: int
    pruned_occurrences: int
    files: list[str]
    name: str
    format: str
    script: str
    base: str

    @property
    def new_ids(self) -> range:
        """The ids of the new tokens: `range(first_id, first_id + added)`."""
        return range(self.first_id, self.first_id + self.added)


def _base(base: object) -> str:
    if isinstance(base, Encoding):
        kind, args = base._source
        if kind == "builtin":
            return str(args[0])
        if kind == "file" and args[1] is None:
            return str(args[0])
        raise ValueError(
            "base: an Encoding can be extended only if it is a built-in (get_encoding) or a "
            f"file loaded without pattern= (load(path)); {base!r} is not: pass its name or path"
        )
    if isinstance(base, (str, os.PathLike)):
        return os.fsdecode(os.fspath(base))
    raise TypeError(
        f"base: expected a built-in name, a path or an Encoding, got {type(base).__name__}"
    )


def extend(
    base: Union[str, "os.PathLike[str]", Encoding],
    inputs: Union[InputSpec, Sequence[InputSpec], None] = None,
    *,
    add: int,
    texts: Optional[Mapping[str, Sequence[str]]] = None,
    output: Optional[PathLike] = None,
    format: Optional[Literal["tiktoken", "hf", "spm"]] = None,
    name: Optional[str] = None,
    script: Optional[str] = None,
    parity_dev: Union[PathLike, Mapping[str, Sequence[str]], None] = None,
    pivot: Optional[str] = None,
    parity_hybrid: Optional[int] = None,
    parity_window: Optional[int] = None,
    parity_window_max: Optional[int] = None,
    whole_pieces: bool = False,
    piece_bias: Optional[float] = None,
    min_frequency: int = 2,
    max_token_bytes: Optional[int] = None,
    threads: Optional[int] = None,
    text_field: str = "text",
    strict: bool = False,
    max_pieces: int = 20_000_000,
) -> ExtendResult:
    r"""Extends a vocabulary with new tokens for one script, as `fairtok extend` does, keeping
    every id of the base, and returns the extended tokenizer ready to use.

    The new tokens take the ids after the base's highest id, and each contains (or can only
    begin) a character of the target script, so text without that script encodes exactly as
    under the base, token for token: a model trained on the base adopts the extension by adding
    embedding rows.

    >>> r = fairtok.extend("o200k_base", texts={"kor_Hang": ["토크나이저를 확장한다\n"] * 20}, add=3)
    >>> r.first_id, r.added, r.script
    (200019, 3, 'Hang')
    >>> r.encoding.count("토크나이저를 확장한다") < fairtok.get_encoding("o200k_base").count(
    ...     "토크나이저를 확장한다")
    True

    From files, as `fairtok extend -t o200k_base --input kor_Hang=ko.txt --input
    kor_Hang@0.3=laws.txt.gz --add 8000 -o o200k_ko.tiktoken` would::

        r = fairtok.extend("o200k_base", ["kor_Hang=ko.txt", "kor_Hang@0.3=laws.txt.gz"],
                           add=8000, output="o200k_ko.tiktoken")

    Args:
        base: the vocabulary to extend: a built-in name (`"o200k_base"`, `"cl100k_base"`,
            ...), a `.tiktoken` file, a byte-level BPE Hugging Face `tokenizer.json` (Llama 3,
            Qwen3, ...), a SentencePiece BPE `.model` (Mistral, KoGPT2, ...; not Unigram), or
            an `Encoding` from `get_encoding` or `load(path)`.
        inputs: training files, as `fairtok extend --input` takes them: a
            `"LANG[@WEIGHT]=PATH[,PATH...]"` string, a `{"LANG[@WEIGHT]": path or [paths]}`
            dict, or a list of these. WEIGHT (default 1) multiplies the counts of those files.
            The language tag names the script of the new tokens (`kor_Hang`, `ko`: Hangul).
            Files are read as `fairtok.train` reads them (plain text, `.gz`, `.zst`, JSON lines,
            Parquet, directories).
        add: how many tokens to add.
        texts: texts in memory, `{"LANG[@WEIGHT]": [str]}`; each str is one record, as a line of
            a file is (`open(f).readlines()` gives exactly what the file gives). May be
            combined with `inputs`.
        output: if given, the extended vocabulary is also written there (atomically); a
            directory gets `vocab.tiktoken`, `tokenizer.json` or `tokenizer.model` inside.
        format: the output format, `"tiktoken"` (a `.tiktoken` rank file plus `FILE.json` with
            tiktoken's `pat_str` and `special_tokens`), `"hf"` (a `tokenizer.json`) or `"spm"`
            (a SentencePiece `.model`: the base's, with the new pieces appended); default the
            base's (`"tiktoken"` for built-ins and `.tiktoken` files). A `tokenizer.json` base
            can only be written as `"hf"`, a SentencePiece base only as `"spm"`.
        name: the encoding's name (default: the output file's name without extensions, or
            `"fairtok"`).
        script: the script every new token must mark: an ISO 15924 code (`"Hang"`, `"Jpan"`,
            ...) or a Unicode script name (default: the script subtag of the input languages,
            which must agree).
        parity_dev: a parallel dev set for parity-aware selection (each new token goes to the
            input language with the highest dev premium against `pivot`): a directory of
            `LANG.dev` files (FLORES layout) or `{lang: [lines]}`, with lines for every input
            language and the pivot.
        pivot: the pivot language of `parity_dev` (default `eng_Latn`; it must have no
            character of the script).
        parity_hybrid: hybrid selection, as `fairtok extend --parity-hybrid K`: the first K
            new tokens by global frequency, the rest parity-aware.
        parity_window: a moving window (`--parity-window W`): among the last W parity-aware
            tokens one language may take at most `parity_window_max` (default ceil(2 W /
            input languages)).
        parity_window_max: the cap of `parity_window`.
        whole_pieces: also consider whole pieces (words) as new tokens; each step takes the
            pair or the piece that saves more. tiktoken-rule bases only.
        piece_bias: with `whole_pieces`, take a piece over the best pair only if it saves at
            least this many times the pair's count (default 1).
        min_frequency: pairs seen fewer times than this (after weighting) are not merged.
        max_token_bytes: no new token longer than this many bytes.
        threads: threads for counting and merging (default: all cores).
        text_field: the text field of JSON-lines inputs (the text column of Parquet inputs).
        strict: make a line that is not UTF-8 an error (default: skip it and count it in
            `skipped_lines`).
        max_pieces: the cap on distinct pre-tokens kept while counting one input file set.

    Returns:
        An `ExtendResult`: `.encoding` (an `Encoding`), `.first_id`, `.tokens` (the new tokens'
        bytes), `.added`, `.files`, `.dev_premium`, `.chosen_by` and more.

    Raises:
        ValueError: a bad argument (`add=0`, a weight that is not a positive number, an unknown
            script, input languages in different scripts without `script=`,
            `format="tiktoken"` for a `tokenizer.json` base, a format other than `"spm"` for a
            SentencePiece base, a pivot with characters of the script), nothing to learn from,
            no piece of the inputs in the script, a malformed base or record, a base that cannot
            be extended (a SentencePiece Unigram model, ...).
        FileNotFoundError, PermissionError, OSError: the base, an input or a dev file cannot be
            read, or the output cannot be written (checked before the work starts).
        TypeError: an argument of the wrong type.
    """
    if format is not None and format not in ("hf", "tiktoken", "spm"):
        raise ValueError(f'format must be "hf", "tiktoken" or "spm", not {format!r}')
    if piece_bias is not None and (
        isinstance(piece_bias, bool) or not isinstance(piece_bias, (int, float))
    ):
        raise TypeError(f"piece_bias must be a number, got {type(piece_bias).__name__}")
    r = _fairtok.extend(
        _base(base),
        _items(inputs, texts, untagged=False),
        add=_int(add, "add"),
        script=script,
        whole_pieces=bool(whole_pieces),
        piece_bias=None if piece_bias is None else float(piece_bias),
        min_frequency=_int(min_frequency, "min_frequency"),
        max_token_bytes=_int(max_token_bytes, "max_token_bytes", optional=True),
        output=_path(output),
        format=format,
        name=name,
        reading=_reading(threads, max_pieces, text_field, strict),
        parity=_parity(
            parity_dev,
            pivot,
            parity_hybrid,
            parity_window,
            parity_window_max,
        ),
    )
    core = r.core
    source: tuple[str, tuple[object, ...]] = ("core", ())  # tiktoken's rule: pickles as ranks
    if core.format in ("huggingface", "sentencepiece"):
        # A tokenizer.json or SentencePiece base keeps its own rule, which ranks do not give.
        if r.format in ("hf", "spm") and r.read.files:
            source = ("file", (r.read.files[0], None))
        else:
            kind = "tokenizer.json" if core.format == "huggingface" else "SentencePiece"
            source = ("unpicklable", (f"an extended {kind} base pickles by its file: "
                                      "give extend() output=",))
    return ExtendResult(
        encoding=Encoding._from_core(core, source),
        first_id=r.first_id,
        tokens=r.tokens,
        added=len(r.tokens),
        merges=r.merges,
        counts=r.counts,
        chosen_by=r.chosen_by,
        dev_premium=r.dev_premium,
        languages=r.languages,
        inputs=r.inputs,
        **_read_fields(r.read),
        name=r.name,
        format=r.format,
        script=r.script,
        base=r.base,
    )
