"""fairtok: exact tokenizers with tiktoken's API, to measure what text costs in tokens.

fairtok gives the same ids as tiktoken for OpenAI's encodings (and as Hugging Face tokenizers for
`tokenizer.json` files), from a Rust core with the vocabularies bundled: nothing is downloaded,
ever. Code written for tiktoken works with `import fairtok as tiktoken`.

Count tokens
------------
>>> import fairtok
>>> enc = fairtok.encoding_for_model("gpt-4o")      # o200k_base
>>> enc.count("안녕하세요, 세계!")                    # what a model bills for this text
5
>>> enc.encode_ordinary("hello world")
[24912, 2375]
>>> enc.decode(enc.encode_ordinary("hello world"))
'hello world'

Compare what the same content costs in two languages
-----------------------------------------------------
>>> cl = fairtok.get_encoding("cl100k_base")
>>> ko, en = "나는 학교에 간다.", "I go to school."
>>> cl.count(ko), cl.count(en)
(11, 5)

Many texts at once
------------------
`encode_batch`, `encode_ordinary_batch` and `count_batch` run on native threads with the GIL
released (`num_threads=8` by default, as in tiktoken)::

    ids = enc.encode_ordinary_batch(texts, num_threads=4)

Special tokens
--------------
As in tiktoken, `encode` refuses text that spells a special token unless told what to do:

>>> cl.encode("<|endoftext|>", allowed_special="all")      # the special token
[100257]
>>> cl.encode("<|endoftext|>", disallowed_special=())      # plain text
[27, 91, 8862, 728, 428, 91, 29]

and `cl.encode("<|endoftext|>")` raises `ValueError`. `encode_ordinary` and `count` always
treat such text as plain text.

Tokenizer files
---------------
`fairtok.load(path, pattern=None)` reads a `.tiktoken` rank file (`pattern` is `"cl100k"`,
`"o200k"`, `"r50k"`, `"p50k"`, `"llama3"`, `"qwen3"` or a regex; a file named like a built-in
brings its own) or a Hugging Face `tokenizer.json` (optionally gzipped), e.g. Llama 3, Qwen3 or
Gemma 3, and returns the same `Encoding` type.

`fairtok.load_tiktoken_bpe(path, expected_hash=None)` is tiktoken's
`tiktoken.load.load_tiktoken_bpe`: the `{token bytes: rank}` of a local `.tiktoken` file, for
`Encoding(name, pat_str=..., mergeable_ranks=..., special_tokens=...)`. It is also reachable as
`fairtok.load.load_tiktoken_bpe`, the spelling of code written for tiktoken (`tiktoken.load` is a
module there, `fairtok.load` a function here, so `from fairtok.load import ...` does not work).
It reads local files only: a URL raises `ValueError`.

gpt-oss
-------
`o200k_harmony`, the encoding of gpt-oss (`encoding_for_model("gpt-oss-120b")`), is built in:
o200k_base's ranks and pattern with 1,091 special tokens (ids 199998-201087).

Measure parity across languages
-------------------------------
`fairtok.parity(tokenizers, corpus, langs, pivot="eng_Latn", price=None)` is `fairtok parity`:
the token premium of each language against the pivot on a parallel corpus (the bundled FLORES-200
sample by default, a directory, `{lang: path}` or `{lang: [lines]}`), as the dict that
`fairtok parity --json` writes:

>>> r = fairtok.parity("o200k_base", langs=["kor_Hang"])
>>> [(x["lang"], round(x["premium"], 2)) for x in r["tokenizers"][0]["languages"]]
[('kor_Hang', 1.47), ('eng_Latn', 1.0)]

Train a tokenizer
-----------------
`fairtok.train(inputs, vocab_size=..., ...)` is `fairtok train`: byte-level BPE from files
(`{"ko": "ko.txt"}`, `"ko=ko.txt"`) or from texts in memory (`texts=[...]`), with the GIL
released. It returns a `TrainResult` whose `.encoding` is an `Encoding` ready to use, and writes
a `tokenizer.json` or `.tiktoken` file when given `output=`.

Extend a vocabulary
-------------------
`fairtok.extend(base, inputs, add=..., ...)` is `fairtok extend`: new tokens for one script
(`"kor_Hang=ko.txt"`, `{"kor_Hang@0.5": "laws.txt"}`, `texts={"kor_Hang": [...]}`) added after
the base's ids, every base id unchanged and text without that script encoded exactly as by the
base. It returns an `ExtendResult` (`.encoding`, `.first_id`, `.tokens`, ...). `o200k_ko`, a
built-in made this way, is `o200k_base` plus Korean tokens (ids from 200019):

>>> ko = fairtok.get_encoding("o200k_ko")
>>> ko.count("안녕하세요, 세계!") <= 5, ko.encode_ordinary("hello world")
(True, [24912, 2375])

Give a model the new tokens
---------------------------
`fairtok.adapt(model_dir, "extended.json", out_dir, init="mean", pad_to=None)` is `fairtok
adapt`: a copy of a Hugging Face checkpoint whose embedding matrices have a row for every new
id (the mean of the rows of the base tokens that spell it), every other byte unchanged; it
returns the report as a dict.

Functions
---------
`get_encoding(name)`, `encoding_for_model(model)`, `encoding_name_for_model(model)`,
`list_encoding_names()`, `load(path, pattern=None)`, `load_tiktoken_bpe(path)`, `train(...)`,
`extend(...)`, `adapt(...)`, `parity(...)`; the class is `Encoding` (see
`help(fairtok.Encoding)`).
"""

from __future__ import annotations

import os
import threading
from typing import Optional, Union

from fairtok import _fairtok
from fairtok.adapting import adapt
from fairtok._fairtok import CoreTokenizer
from fairtok.chat import count_chat, encode_chat
from fairtok.core import Encoding
from fairtok.evaluation import parity
from fairtok.extending import ExtendResult, extend
from fairtok.rank_files import load_tiktoken_bpe
from fairtok.training import TrainResult, train

__all__ = [
    "Encoding",
    "adapt",
    "ExtendResult",
    "TrainResult",
    "count_chat",
    "encode_chat",
    "encoding_for_model",
    "encoding_name_for_model",
    "extend",
    "get_encoding",
    "list_encoding_names",
    "load",
    "load_tiktoken_bpe",
    "parity",
    "train",
]

__version__: str = _fairtok.__version__
"""The version of fairtok."""

# tiktoken's `list_encoding_names` order, for the encodings fairtok bundles.
_TIKTOKEN_ORDER = [
    "gpt2",
    "r50k_base",
    "p50k_base",
    "p50k_edit",
    "cl100k_base",
    "o200k_base",
    "o200k_harmony",
]

_lock = threading.Lock()
_encodings: dict[str, Encoding] = {}


def list_encoding_names() -> list[str]:
    """The names of the built-in encodings, which `get_encoding` accepts: tiktoken's, in its
    order, then fairtok's own (`o200k_ko`: `o200k_base` extended for Korean; `o200k_ko_sw`:
    the same with Korean tokens that may cross spaces, and its own pattern;
    `o200k_harmony_ko`: gpt-oss's `o200k_harmony` with o200k_ko's Korean tokens).

    >>> fairtok.list_encoding_names()  # doctest: +NORMALIZE_WHITESPACE
    ['gpt2', 'r50k_base', 'p50k_base', 'p50k_edit', 'cl100k_base', 'o200k_base',
     'o200k_harmony', 'o200k_ko', 'o200k_ko_sw', 'o200k_harmony_ko']
    """
    names = _fairtok.builtin_names()
    known = [n for n in _TIKTOKEN_ORDER if n in names]
    return known + [n for n in names if n not in known]


def get_encoding(encoding_name: str) -> Encoding:
    """The built-in encoding `encoding_name` (`"cl100k_base"`, `"o200k_base"`, `"o200k_ko"`, ...).

    The vocabulary is bundled; the first call per name parses it (a fraction of a second),
    later calls return the same object.

    Raises:
        ValueError: `encoding_name` is not a string or not a built-in encoding (see
            `list_encoding_names()`), as in tiktoken.
    """
    if not isinstance(encoding_name, str):
        raise ValueError(f"Expected a string in get_encoding, got {type(encoding_name)}")
    enc = _encodings.get(encoding_name)
    if enc is not None:
        return enc
    with _lock:
        enc = _encodings.get(encoding_name)
        if enc is not None:
            return enc
        if encoding_name not in list_encoding_names():
            raise ValueError(
                f"Unknown encoding {encoding_name}.\n"
                f"fairtok bundles: {', '.join(list_encoding_names())}\n"
                f"fairtok version: {__version__} (for a tokenizer file, use fairtok.load(path))"
            )
        core = CoreTokenizer.builtin(encoding_name)
        enc = Encoding._from_core(core, ("builtin", (encoding_name,)))
        _encodings[encoding_name] = enc
        return enc


def encoding_name_for_model(model_name: str) -> str:
    """The name of the encoding a model uses, as tiktoken 0.14 maps it: exact model names first
    (`"gpt-4"` → `"cl100k_base"`), then prefixes (`"gpt-4o-2024-05-13"` → `"o200k_base"`,
    `"gpt-oss-120b"` → `"o200k_harmony"`).

    Raises:
        KeyError: the model name is not recognised, with tiktoken's message (word for word,
            so code that matches it keeps working).
    """
    name = _fairtok.encoding_name_for_model(model_name)
    if name is None:
        raise KeyError(
            f"Could not automatically map {model_name} to a tokeniser. "
            "Please use `tiktoken.get_encoding` to explicitly get the tokeniser you expect."
        ) from None
    return name


def encoding_for_model(model_name: str) -> Encoding:
    """The encoding a model uses: `get_encoding(encoding_name_for_model(model_name))`.

    >>> fairtok.encoding_for_model("gpt-4o").name
    'o200k_base'

    Raises:
        KeyError: the model name is not recognised, as in tiktoken.
    """
    return get_encoding(encoding_name_for_model(model_name))


def load(
    path: Union[str, os.PathLike[str]], pattern: Optional[str] = None, lowercase: bool = False
) -> Encoding:
    """Loads a tokenizer file as an `Encoding`.

    Args:
        path: a `.tiktoken` rank file (`base64 rank` per line), a Hugging Face
            `tokenizer.json` (BPE or WordPiece), a Mistral `tekken.json` or a WordPiece
            `vocab.txt`; any may be gzipped. (A built-in or model name that is not an existing
            path loads that built-in.)
        pattern: the pre-tokenizer of a `.tiktoken` file: `"cl100k"`, `"o200k"`, `"r50k"`,
            `"p50k"`, `"llama3"`, `"qwen3"` or a regex. Not needed for a file named like a
            built-in (`o200k_base.tiktoken`) or `llama3.tiktoken`, which bring their own pattern
            and special tokens; not allowed for `tokenizer.json`.
        lowercase: for a WordPiece `vocab.txt` only: lower-case the text and strip its
            accents first, as `tokenizers.BertWordPieceTokenizer(vocab, lowercase=True)` (BERT
            uncased). Off by default, as the cased vocabularies (BERT cased, KoELECTRA) need.

    A `tokenizer.json` is encoded as Hugging Face tokenizers' `encode(text,
    add_special_tokens=False)` does; its `special_tokens_set` holds the added tokens marked
    special. A `vocab.txt` is encoded as `BertWordPieceTokenizer(vocab, lowercase=lowercase)`
    does, and a `tekken.json` as mistral-common's `Tekkenizer.from_file(path).encode(text,
    bos=False, eos=False)` (ids are ranks + 1000; its 1000 special tokens are never matched
    in the text by `encode_ordinary`).

    Raises:
        FileNotFoundError, PermissionError, OSError: the file cannot be read.
        ValueError: the file is malformed or uses a component fairtok does not implement (the
            message names the file and the place).
    """
    spec = os.fspath(path)
    if not isinstance(spec, str):
        spec = os.fsdecode(spec)
    core = CoreTokenizer.load(spec, pattern, lowercase)
    # A file pickles by its absolute path: a relative one would name another file (or none)
    # after a `chdir` or in another process.
    source = os.path.abspath(spec) if os.path.exists(spec) else spec
    args = (source, pattern, True) if lowercase else (source, pattern)
    return Encoding._from_core(core, ("file", args))


# `tiktoken.load.load_tiktoken_bpe`, spelled the same under `import fairtok as tiktoken`.
load.load_tiktoken_bpe = load_tiktoken_bpe  # type: ignore[attr-defined]
