"""`fairtok.parity`: what each language costs in tokens against a pivot, per tokenizer, on a
parallel corpus; the measurement of `fairtok parity`, in Rust with the GIL released."""

from __future__ import annotations

import json
import numbers
import os
from typing import Any, Mapping, Optional, Sequence, Union

from fairtok import _fairtok
from fairtok._fairtok import CoreTokenizer
from fairtok.core import Encoding

__all__ = ["parity"]

PathLike = Union[str, "os.PathLike[str]"]
TokenizerSpec = Union[str, "os.PathLike[str]", Encoding]
Corpus = Union[PathLike, Mapping[str, Union[PathLike, Sequence[str]]]]


def _encoding(spec: object, pattern: Optional[str]) -> Encoding:
    """The tokenizer `spec` stands for, resolved as `fairtok parity -t` resolves it: a built-in
    or model name first, then a file."""
    from fairtok import encoding_for_model, get_encoding, list_encoding_names, load

    if isinstance(spec, Encoding):
        return spec
    if isinstance(spec, str):
        if spec in list_encoding_names():
            return get_encoding(spec)
        if _fairtok.encoding_name_for_model(spec) is not None:
            return encoding_for_model(spec)
    if isinstance(spec, (str, os.PathLike)):
        return load(spec, pattern)
    raise TypeError(
        f"tokenizers: expected a name, a path or an Encoding, got {type(spec).__name__}"
    )


def _core(spec: object, pattern: Optional[str]) -> CoreTokenizer:
    """The native tokenizer of `_encoding(spec, pattern)`."""
    return _encoding(spec, pattern)._core


def _prices(price: object) -> list[float]:
    """`price` as a list of floats; the native side checks them (finite, zero or more) and
    their number (one, or one per tokenizer)."""
    if price is None:
        return []
    if isinstance(price, numbers.Real) and not isinstance(price, bool):
        return [float(price)]
    if isinstance(price, (list, tuple)):
        prices = []
        for p in price:
            if isinstance(p, bool) or not isinstance(p, numbers.Real):
                raise TypeError(f"price: expected numbers, got {type(p).__name__}")
            prices.append(float(p))
        return prices
    raise TypeError(f"price: expected a number or a list of numbers, got {type(price).__name__}")


def _path(p: object) -> Optional[str]:
    return None if p is None else os.fsdecode(os.fspath(p))  # type: ignore[arg-type]


def parity(
    tokenizers: Union[TokenizerSpec, Sequence[TokenizerSpec], None] = None,
    corpus: Optional[Corpus] = None,
    langs: Optional[Sequence[str]] = None,
    pivot: str = "eng_Latn",
    price: Union[float, Sequence[float], None] = None,
    *,
    pattern: Optional[str] = None,
    json_path: Optional[PathLike] = None,
    html_path: Optional[PathLike] = None,
    markdown_path: Optional[PathLike] = None,
) -> dict[str, Any]:
    """The token premium of each language against `pivot`, per tokenizer: `fairtok parity`.

    Every line of every language is encoded on its own (tiktoken's `encode_ordinary`, or Hugging
    Face's `encode(add_special_tokens=False)` for a `tokenizer.json`); the premium of a language
    is its total tokens divided by the pivot's.

    >>> r = fairtok.parity(["cl100k_base"], {"en": ["I go to school."],
    ...                                      "ko": ["나는 학교에 간다."]}, pivot="en")
    >>> ko = r["tokenizers"][0]["languages"][1]
    >>> ko["lang"], ko["tokens"], ko["premium"]
    ('ko', 11, 2.2)

    Args:
        tokenizers: names (`"o200k_base"`, `"gpt-4o"`), tokenizer files (`.tiktoken`,
            `tokenizer.json`) or `Encoding` objects (e.g. `fairtok.train(...).encoding`); one
            or a list. A name is looked up before a file of that name, as on the command line.
            Default: `cl100k_base`, `o200k_base`, `r50k_base`, `p50k_base`.
        corpus: the parallel corpus (line i of each language translates line i of the others):
            None for the bundled FLORES-200 dev sample (eight languages); a directory of files
            named `<lang>.<anything>` (FLORES naming: `kor_Hang.dev`); or a dict, either
            `{lang: path}` (one aligned file per language) or `{lang: [lines]}` (in memory).
        langs: the languages to compare, in this order (default: all of the corpus); the pivot
            is added.
        pivot: the language every other one is compared with.
        price: USD per million tokens, one for all tokenizers or one per tokenizer; adds
            `cost_usd` per language.
        pattern: the pre-tokenizer of `.tiktoken` files (as `fairtok.load`).
        json_path, html_path, markdown_path: also write the report there (atomically), as
            `fairtok parity --json/--html/--markdown` does.

    Returns:
        The report as `fairtok parity --json` writes it: `{"pivot", "corpus", "tokenizers":
        [{"name", "vocab_size", "gini", "highest_premium", "price_usd_per_million"?,
        "languages": [{"lang", "lines", "tokens", "bytes", "chars", "words", "premium",
        "mean_line_premium", "bytes_per_token", "chars_per_token", "tokens_per_word",
        "cost_usd"?}]}]}` (the `?` keys only with a price).

    Raises:
        ValueError: an unknown language or pivot, misaligned or empty languages, a price count
            that does not match the tokenizers, a malformed tokenizer file.
        FileNotFoundError, PermissionError, OSError: a file cannot be read or written.
        TypeError: an argument of the wrong type.
    """
    if tokenizers is None:
        tokenizers = _fairtok.default_tokenizers()
    elif isinstance(tokenizers, (str, os.PathLike, Encoding)):
        tokenizers = [tokenizers]
    cores = [_core(t, pattern) for t in tokenizers]
    if not cores:
        raise ValueError("tokenizers: none given")
    prices = _prices(price)
    if isinstance(langs, str):
        langs = [langs]
    langs = list(langs or [])
    directory: Optional[str] = None
    pairs: list[tuple[str, str]] = []
    lines: list[tuple[str, list[str]]] = []
    if corpus is None:
        pass
    elif isinstance(corpus, (str, os.PathLike)):
        directory = _path(corpus)
    elif isinstance(corpus, Mapping):
        for lang, value in corpus.items():
            if not isinstance(lang, str):
                raise TypeError(f"corpus: language codes are str, got {type(lang).__name__}")
            if isinstance(value, (str, os.PathLike)):
                pairs.append((lang, _path(value)))  # type: ignore[arg-type]
            elif isinstance(value, (list, tuple)):
                if not all(isinstance(x, str) for x in value):
                    raise TypeError(f"corpus[{lang!r}]: expected a list of str")
                if not value:
                    raise ValueError(f"corpus[{lang!r}]: no lines")
                lines.append((lang, list(value)))
            else:
                raise TypeError(
                    f"corpus[{lang!r}]: expected a path or a list of lines, got "
                    f"{type(value).__name__}"
                )
        if pairs and lines:
            raise ValueError("corpus: give either a path or lines for every language, not both")
        if not pairs and not lines:
            raise ValueError("corpus: no languages")
    else:
        raise TypeError(
            f"corpus: expected None, a directory or a dict, got {type(corpus).__name__}"
        )
    report = _fairtok.parity(
        cores,
        directory,
        pairs,
        lines,
        langs,
        pivot,
        prices,
        _path(json_path),
        _path(html_path),
        _path(markdown_path),
    )
    return json.loads(report)
