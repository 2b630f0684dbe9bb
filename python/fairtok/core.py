"""`Encoding`: tiktoken's `Encoding` API over fairtok's exact Rust tokenizers.

Every method takes the arguments tiktoken's takes and gives the same ids, bytes and exceptions;
the work is done in Rust (`fairtok._fairtok`) with the GIL released, and the `*_batch` methods
spread a batch over native threads instead of a Python thread pool.
"""

from __future__ import annotations

import functools
import os
from typing import (
    TYPE_CHECKING,
    AbstractSet,
    Any,
    Callable,
    Collection,
    Literal,
    Optional,
    Sequence,
    Union,
)

from fairtok._fairtok import CoreTokenizer

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Encoding"]

AllowedSpecial = Union[Literal["all"], AbstractSet[str]]
DisallowedSpecial = Union[Literal["all"], Collection[str]]


def _fix_surrogates(text: str) -> str:
    """Makes `text` encodable as UTF-8, as tiktoken does: surrogate pairs are joined into the
    character they stand for, and lone surrogates become U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


_numpy: Any = None


def _np() -> Any:
    """numpy, imported on the first call that needs it (fairtok does not depend on it) and then
    kept: an `import` statement in a method costs a module lookup on every call."""
    global _numpy
    if _numpy is None:
        import numpy

        _numpy = numpy
    return _numpy


def _batch(call: Any, texts: list[str], *args: Any) -> Any:
    """`call(texts, *args)`; on `UnicodeEncodeError` (a lone surrogate), again with the texts'
    surrogates replaced, as tiktoken does."""
    try:
        return call(texts, *args)
    except UnicodeEncodeError:
        return call([_fix_surrogates(t) for t in texts], *args)


def _threads(num_threads: Optional[int]) -> int:
    """Validates `num_threads` as `ThreadPoolExecutor(max_workers)` does in tiktoken."""
    if num_threads is None:
        return min(32, (os.cpu_count() or 1) + 4)
    if num_threads <= 0:
        raise ValueError("num_threads must be greater than 0")
    return int(num_threads)


class Encoding:
    """A tokenizer with tiktoken's `Encoding` API.

    Get one with `fairtok.get_encoding("o200k_base")`, `fairtok.encoding_for_model("gpt-4o")`
    or `fairtok.load("path/to/tokenizer.json")`, or build one from ranks exactly as with
    tiktoken::

        enc = fairtok.Encoding("my_enc", pat_str=..., mergeable_ranks={b"a": 0, ...},
                               special_tokens={"<|endoftext|>": 100257})

    Encoding methods:

    * `encode_ordinary(text)`: special-token text is ordinary text (never raises on it).
    * `encode(text, allowed_special=set(), disallowed_special="all")`: by default a special
      token written in the text raises `ValueError`, as in tiktoken.
    * `encode_batch(texts, num_threads=8, ...)`, `encode_ordinary_batch(texts, num_threads=8)`:
      many texts on native threads with the GIL released.
    * `encode_to_numpy(text, ...)`: `encode` as a `numpy` array of `uint32`, made without a
      Python int per id.
    * `encode_batch_to_numpy(texts, ...)`, `encode_ordinary_batch_to_numpy(texts)`: a batch as
      one flat `uint32` array of ids and an `int64` array of offsets, without a Python object
      per id or per text.
    * `count(text)`, `count_batch(texts)`: the number of tokens of `encode_ordinary`.

    Decoding: `decode(ids, errors="replace")`, `decode_bytes(ids)`, `decode_tokens_bytes(ids)`,
    `decode_single_token_bytes(id)`; `encode_single_token(text_or_bytes)` goes the other way.
    """

    name: str
    """The encoding's name (`"cl100k_base"`, or a loaded file's stem)."""
    max_token_value: int
    """The largest token id."""

    def __init__(
        self,
        name: str,
        *,
        pat_str: str,
        mergeable_ranks: dict[bytes, int],
        special_tokens: dict[str, int],
        explicit_n_vocab: Optional[int] = None,
    ) -> None:
        """Builds an encoding from ranks, as `tiktoken.Encoding(...)` does.

        Args:
            name: the encoding's name.
            pat_str: the pre-tokenizer regex (tiktoken's regex dialect, run with the same
                engine, fancy-regex).
            mergeable_ranks: token bytes to rank; every single byte must be a token.
            special_tokens: special token text to id.
            explicit_n_vocab: if given, checked against the number of tokens.

        Raises:
            ValueError: the pattern does not compile, or a single byte is missing.
        """
        core = CoreTokenizer.from_ranks(
            name, mergeable_ranks, pat_str, list(special_tokens.items())
        )
        self._setup(core, name, ("ranks", (name, pat_str, mergeable_ranks, special_tokens)))
        self._mergeable_ranks = mergeable_ranks  # the dict given, as tiktoken keeps it
        if explicit_n_vocab:
            assert len(mergeable_ranks) + len(special_tokens) == explicit_n_vocab
            assert self.max_token_value == explicit_n_vocab - 1

    @classmethod
    def _from_core(cls, core: CoreTokenizer, source: tuple[str, tuple[Any, ...]]) -> Encoding:
        enc = cls.__new__(cls)
        enc._setup(core, core.name, source)
        return enc

    def _setup(self, core: CoreTokenizer, name: str, source: tuple[str, tuple[Any, ...]]) -> None:
        self._core = core
        self._source = source
        self.name = name
        self.max_token_value = core.n_vocab - 1
        self._special_tokens: dict[str, int] = dict(core.special_tokens())
        self._special_token_values = set(self._special_tokens.values())
        self._special_tokens_set: Optional[set[str]] = None
        self._pat_str = core.pattern or ""

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    def __reduce__(self) -> tuple[Callable[..., Encoding], tuple[Any, ...]]:
        # Built-ins pickle by name and files by path (like tiktoken's registered encodings);
        # encodings built from ranks carry their ranks.
        kind, args = self._source
        if kind == "builtin":
            from fairtok import get_encoding

            return (get_encoding, args)
        if kind == "file":
            from fairtok import load

            return (load, args)
        if kind == "unpicklable":
            # Hugging Face's rule is not tiktoken's: its ranks alone would encode differently.
            raise TypeError(f"cannot pickle {self!r}: {args[0]}")
        if kind == "core":
            # Made in Rust (e.g. by `fairtok.train`): carried as its ranks.
            return (
                _from_ranks,
                (self.name, self._pat_str, self._mergeable_ranks, dict(self._special_tokens)),
            )
        name, pat_str, ranks, specials = args
        return (_from_ranks, (name, pat_str, ranks, specials))

    # ====================
    # Encoding
    # ====================

    def encode_ordinary(self, text: str) -> list[int]:
        """Encodes a string into tokens, ignoring special tokens.

        Equivalent to `encode(text, disallowed_special=())`.

        >>> fairtok.get_encoding("cl100k_base").encode_ordinary("hello world")
        [15339, 1917]
        """
        try:
            return self._core.encode_ordinary(text)
        except UnicodeEncodeError:
            return self._core.encode_ordinary(_fix_surrogates(text))

    def _resolve(
        self,
        allowed_special: AllowedSpecial,
        disallowed_special: DisallowedSpecial,
        batch: bool = False,
    ) -> tuple[Optional[list[str]], Optional[list[str]]]:
        # tiktoken's rules, in its order: "all" allows every special token; disallowed "all"
        # means every special token that is not allowed; any other collection is a set of
        # strings whose occurrence in the text raises ValueError (encode_batch makes it a
        # frozenset even when empty, so a non-iterable raises TypeError there only).
        # None stands for "every special token" (allowed) and "every special token that is
        # not allowed" (disallowed): the native side resolves those and keeps their matcher,
        # where passing the names would pass and sort all of them on every call (1,091 for
        # o200k_harmony).
        if disallowed_special == "all":
            if allowed_special == "all":
                return None, []
            if isinstance(allowed_special, (set, frozenset)):
                # (tiktoken subtracts this set from special_tokens_set: no error to raise.)
                return list(allowed_special), None
        if allowed_special == "all":
            allowed_special = self.special_tokens_set
        if disallowed_special == "all":
            # A list or tuple raises TypeError here, as in tiktoken.
            disallowed_special = self.special_tokens_set - allowed_special  # type: ignore[operator]
        if batch or disallowed_special:
            disallowed = list(frozenset(disallowed_special))
        else:
            disallowed = []
        if allowed_special is self.special_tokens_set:
            return None, disallowed
        return list(allowed_special), disallowed

    def encode(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = set(),  # noqa: B006
        disallowed_special: DisallowedSpecial = "all",
    ) -> list[int]:
        """Encodes a string into tokens.

        Special tokens (such as `<|endoftext|>`) written in the text are handled as in tiktoken:

        * by default, a special token in the text raises `ValueError`;
        * `allowed_special={"<|endoftext|>"}` or `allowed_special="all"` encodes them as their
          special id;
        * `disallowed_special=()` encodes them as ordinary text.

        >>> enc = fairtok.get_encoding("cl100k_base")
        >>> enc.encode("hello <|endoftext|>", allowed_special="all")
        [15339, 220, 100257]
        >>> enc.encode("<|endoftext|>", disallowed_special=())
        [27, 91, 8862, 728, 428, 91, 29]
        """
        allowed, disallowed = self._resolve(allowed_special, disallowed_special)
        try:
            return self._core.encode(text, allowed, disallowed)
        except UnicodeEncodeError:
            return self._core.encode(_fix_surrogates(text), allowed, disallowed)

    def encode_to_numpy(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = set(),  # noqa: B006
        disallowed_special: DisallowedSpecial = "all",
    ) -> npt.NDArray[np.uint32]:
        """Encodes a string into tokens, as a read-only `numpy` array of `uint32` (tiktoken's
        `encode_to_numpy`; special tokens as in `encode`). The ids cross from Rust as one
        buffer, without a Python int per id. Needs numpy, imported on the first call.

        >>> fairtok.get_encoding("cl100k_base").encode_to_numpy("hello world")
        array([15339,  1917], dtype=uint32)
        """
        allowed, disallowed = self._resolve(allowed_special, disallowed_special)
        try:
            buffer = self._core.encode_to_bytes(text, allowed, disallowed)
        except UnicodeEncodeError:
            buffer = self._core.encode_to_bytes(_fix_surrogates(text), allowed, disallowed)
        np = _np()
        return np.frombuffer(buffer, dtype=np.uint32)

    def encode_ordinary_batch(self, text: list[str], *, num_threads: int = 8) -> list[list[int]]:
        """Encodes a list of strings, ignoring special tokens, on up to `num_threads` native
        threads with the GIL released.

        >>> fairtok.get_encoding("cl100k_base").encode_ordinary_batch(["hello world", "안녕"])
        [[15339, 1917], [31495, 230, 75265, 243]]
        """
        texts = text if isinstance(text, list) else list(text)
        n = _threads(num_threads)
        return _batch(self._core.encode_ordinary_batch, texts, n)

    def encode_batch(
        self,
        text: list[str],
        *,
        num_threads: int = 8,
        allowed_special: AllowedSpecial = set(),  # noqa: B006
        disallowed_special: DisallowedSpecial = "all",
    ) -> list[list[int]]:
        """Encodes a list of strings on up to `num_threads` native threads, with the GIL
        released. See `encode` for `allowed_special` and `disallowed_special`; the first text
        (in list order) that holds a disallowed special token raises `ValueError`.

        >>> fairtok.get_encoding("cl100k_base").encode_batch(["hello world", "goodbye world"])
        [[15339, 1917], [19045, 29474, 1917]]
        """
        texts = text if isinstance(text, list) else list(text)
        n = _threads(num_threads)
        allowed, disallowed = self._resolve(allowed_special, disallowed_special, batch=True)
        return _batch(self._core.encode_batch, texts, n, allowed, disallowed)

    def encode_ordinary_batch_to_numpy(
        self, text: list[str], *, num_threads: int = 8
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
        """`encode_ordinary_batch` as one flat array: `(ids, offsets)`, where `ids` holds the
        ids of all the texts, concatenated (`uint32`), and `offsets` has `len(text) + 1`
        entries (`int64`, from 0), so that text `i` is `ids[offsets[i]:offsets[i + 1]]`.

        Same ids as `encode_ordinary_batch`, on the same native threads, with no Python object
        made per id or per text: the ids cross from Rust as one buffer, which numpy takes as
        it is. Both arrays are writable (each call makes new buffers). Needs numpy, imported
        on the first call.

        >>> ids, offsets = fairtok.get_encoding("cl100k_base").encode_ordinary_batch_to_numpy(
        ...     ["hello world", "", "안녕"])
        >>> ids
        array([15339,  1917, 31495,   230, 75265,   243], dtype=uint32)
        >>> offsets
        array([0, 2, 2, 6])
        """
        np = _np()
        texts = text if isinstance(text, list) else list(text)
        n = _threads(num_threads)
        ids, offsets = _batch(self._core.encode_ordinary_batch_to_bytes, texts, n)
        return np.frombuffer(ids, dtype=np.uint32), np.frombuffer(offsets, dtype=np.int64)

    def encode_batch_to_numpy(
        self,
        text: list[str],
        *,
        num_threads: int = 8,
        allowed_special: AllowedSpecial = set(),  # noqa: B006
        disallowed_special: DisallowedSpecial = "all",
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
        """`encode_batch` as one flat array: `(ids, offsets)` as `encode_ordinary_batch_to_numpy`
        gives them (text `i` is `ids[offsets[i]:offsets[i + 1]]`), with `encode_batch`'s
        arguments and errors: the first text (in list order) that holds a disallowed special
        token raises the same `ValueError`. Needs numpy, imported on the first call.

        >>> enc = fairtok.get_encoding("cl100k_base")
        >>> ids, offsets = enc.encode_batch_to_numpy(["hi <|endoftext|>", "x"], allowed_special="all")
        >>> ids.tolist(), offsets.tolist()
        ([6151, 220, 100257, 87], [0, 3, 4])
        """
        np = _np()
        texts = text if isinstance(text, list) else list(text)
        n = _threads(num_threads)
        allowed, disallowed = self._resolve(allowed_special, disallowed_special, batch=True)
        ids, offsets = _batch(self._core.encode_batch_to_bytes, texts, n, allowed, disallowed)
        return np.frombuffer(ids, dtype=np.uint32), np.frombuffer(offsets, dtype=np.int64)

    def count(self, text: str) -> int:
        """The number of tokens of `text`: `len(encode_ordinary(text))`, without building the
        list. This is what a model bills for the text.

        >>> fairtok.get_encoding("o200k_base").count("안녕하세요, 세계!")
        5
        """
        try:
            return self._core.count(text)
        except UnicodeEncodeError:
            return self._core.count(_fix_surrogates(text))

    def count_batch(self, text: list[str], *, num_threads: int = 8) -> list[int]:
        """`count` of each string, on up to `num_threads` native threads."""
        texts = text if isinstance(text, list) else list(text)
        n = _threads(num_threads)
        return _batch(self._core.count_batch, texts, n)

    def count_arrow(self, texts: Any, *, num_threads: int = 8) -> Any:
        """The token count of every row of an Arrow text column, as a pyarrow `Int64Array`
        (a `ChunkedArray` for a chunked input): `count` of each row, null for a null row.

        `texts` is a pyarrow `string`, `large_string` or `string_view` array or chunked array,
        or any column that speaks the Arrow PyCapsule interface (a Polars `Series`, ...). The
        buffers are read in Rust, in place, with the GIL released, on up to `num_threads`
        threads; no Python `str` is made. Needs pyarrow.

        >>> import pyarrow as pa
        >>> enc = fairtok.get_encoding("o200k_base")
        >>> enc.count_arrow(pa.array(["hello world", None])).to_pylist()
        [2, None]
        """
        from fairtok import arrow, _fairtok

        n = _threads(num_threads)
        pa = arrow._pyarrow()
        kernel = lambda s, a: _fairtok.arrow_kernel(self._core, "count", s, a, n)  # noqa: E731
        return arrow.apply(texts, kernel, pa.int64())

    def encode_arrow(self, texts: Any, *, num_threads: int = 8) -> Any:
        """The ids of every row of an Arrow text column, as a pyarrow `ListArray` of `uint32`
        (a `ChunkedArray` for a chunked input): `encode_ordinary` of each row, null for a null
        row. Takes what `count_arrow` takes."""
        from fairtok import arrow, _fairtok

        n = _threads(num_threads)
        pa = arrow._pyarrow()
        kernel = lambda s, a: _fairtok.arrow_kernel(self._core, "encode", s, a, n)  # noqa: E731
        return arrow.apply(texts, kernel, pa.list_(pa.uint32()))

    def encode_single_token(self, text_or_bytes: Union[str, bytes]) -> int:
        """The id of the single token whose bytes are `text_or_bytes` (special tokens included).

        Raises `KeyError` if no token has exactly these bytes.

        >>> fairtok.get_encoding("cl100k_base").encode_single_token("hello")
        15339
        """
        if isinstance(text_or_bytes, str):
            text_or_bytes = text_or_bytes.encode("utf-8")
        if not isinstance(text_or_bytes, (bytes, bytearray, memoryview)):
            raise TypeError(f"'{type(text_or_bytes).__name__}' object is not an instance of 'bytes'")
        piece = bytes(text_or_bytes)
        token = self._core.encode_single_token(piece)
        if token is None:
            raise KeyError(piece)
        return token

    # ====================
    # Decoding
    # ====================

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """Decodes ids into bytes, exactly: `decode_bytes(encode(text)) == text.encode()`.

        Raises `KeyError` for an id outside the vocabulary.

        >>> fairtok.get_encoding("cl100k_base").decode_bytes([15339, 1917])
        b'hello world'
        """
        return self._core.decode_bytes(tokens)

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """Decodes ids into a string. Token boundaries can split a character, so the bytes may
        not be valid UTF-8: `errors` is passed to `bytes.decode` (`"replace"` by default, as in
        tiktoken; `"strict"` raises `UnicodeDecodeError`).

        >>> fairtok.get_encoding("cl100k_base").decode([15339, 1917])
        'hello world'
        """
        return self._core.decode_bytes(tokens).decode("utf-8", errors=errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of one token (special tokens included). Raises `KeyError` if the id is not
        in the vocabulary.

        >>> fairtok.get_encoding("cl100k_base").decode_single_token_bytes(15339)
        b'hello'
        """
        b = self._core.token_bytes(token)
        if b is None:
            raise KeyError(str(token))
        return b

    def decode_tokens_bytes(self, tokens: Sequence[int]) -> list[bytes]:
        """The bytes of each token: useful to see how a text was cut.

        >>> fairtok.get_encoding("o200k_base").decode_tokens_bytes([14307, 171731, 11])
        [b'\\xec\\x95\\x88', b'\\xeb\\x85\\x95\\xed\\x95\\x98\\xec\\x84\\xb8\\xec\\x9a\\x94', b',']
        """
        if not isinstance(tokens, (list, tuple)):
            tokens = list(tokens)  # any iterable, as in tiktoken
        return self._core.decode_tokens_bytes(tokens)

    def decode_with_offsets(self, tokens: Sequence[int]) -> tuple[str, list[int]]:
        """Decodes ids into a string and, for each token, the index of the character where it
        starts (the character holding its first byte if a token starts mid-character).

        Raises `UnicodeDecodeError` if the bytes are not valid UTF-8.
        """
        pieces = self.decode_tokens_bytes(tokens)
        offsets = []
        chars = 0
        for piece in pieces:
            starts_mid_char = bool(piece) and 0x80 <= piece[0] < 0xC0
            offsets.append(max(0, chars - starts_mid_char))
            chars += sum(1 for b in piece if not 0x80 <= b < 0xC0)
        return b"".join(pieces).decode("utf-8", errors="strict"), offsets

    def decode_batch(
        self, batch: Sequence[Sequence[int]], *, errors: str = "replace", num_threads: int = 8
    ) -> list[str]:
        """`decode` of each id list. (`num_threads` is accepted for tiktoken compatibility;
        decoding is a table lookup and runs on the calling thread.)"""
        _threads(num_threads)
        return [self.decode(t, errors=errors) for t in batch]

    def decode_bytes_batch(
        self, batch: Sequence[Sequence[int]], *, num_threads: int = 8
    ) -> list[bytes]:
        """`decode_bytes` of each id list."""
        _threads(num_threads)
        return [self._core.decode_bytes(t) for t in batch]

    # ====================
    # Miscellaneous
    # ====================

    def token_byte_values(self) -> list[bytes]:
        """The bytes of every ordinary (non-special) token, sorted."""
        return self._core.token_byte_values()

    @property
    def eot_token(self) -> int:
        """The id of `<|endoftext|>` (`KeyError` if the encoding has none)."""
        return self._special_tokens["<|endoftext|>"]

    @property
    def special_tokens_set(self) -> set[str]:
        """The texts of the special tokens."""
        if self._special_tokens_set is None:
            self._special_tokens_set = set(self._special_tokens)
        return self._special_tokens_set

    def is_special_token(self, token: int) -> bool:
        """Whether `token` is the id of a special token."""
        assert isinstance(token, int)
        return token in self._special_token_values

    @property
    def n_vocab(self) -> int:
        """One past the largest token id (`max_token_value + 1`), as in tiktoken."""
        return self.max_token_value + 1

    @property
    def origin(self) -> str:
        """Where the encoding came from: `built-in (...)`, a file path, or `Encoding(...)`."""
        return self._core.origin

    @property
    def format(self) -> str:
        """`"tiktoken"` or `"huggingface"`: whose encoding rule this encoding follows."""
        return self._core.format

    @functools.cached_property
    def _mergeable_ranks(self) -> dict[bytes, int]:
        """`{token bytes: rank}` of the ordinary tokens, as tiktoken's attribute: the dict
        given to `Encoding(...)`, or, for a built-in or a loaded file, built (natively) on the
        first access and then kept, so later accesses are an attribute lookup. Use it to derive
        a new `Encoding`; do not modify it (as in tiktoken, the encoding would not follow)."""
        return self._core.mergeable_ranks()


def _from_ranks(
    name: str, pat_str: str, ranks: dict[bytes, int], specials: dict[str, int]
) -> Encoding:
    return Encoding(name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=specials)
