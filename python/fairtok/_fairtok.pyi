"""Type stubs of `fairtok._fairtok`, the native (Rust) module. Use `fairtok.Encoding` instead:
it wraps `CoreTokenizer` with tiktoken's API and argument handling."""

from typing import Any, Optional

__version__: str

def parse_tiktoken_bpe(data: bytes) -> Optional[dict[bytes, int]]:
    """`{token bytes: rank}` of a `.tiktoken` file's bytes, in file order, if every line has the
    plain form `BASE64 SP DIGITS` (canonical base64; no `\\r`, tab, `\\x0b` or `\\x0c` in the
    data); else None (use `fairtok.load_tiktoken_bpe`, which then applies tiktoken's rules)."""

def builtin_names() -> list[str]:
    """The names of the built-in encodings."""

def encoding_name_for_model(model: str) -> Optional[str]:
    """The encoding name of a model as tiktoken maps it, or None."""

def train(
    specs: list[str],
    pairs: list[tuple[str, list[str]]],
    texts: list[tuple[str, list[str]]],
    counts: list[str],
    vocab_size: int,
    pattern: Optional[str],
    specials: list[str],
    min_frequency: int,
    max_token_bytes: Optional[int],
    threads: Optional[int],
    max_pieces: int,
    text_field: str,
    strict: bool,
    output: Optional[str],
    format: str,
    name: Optional[str],
    parity_dev_dir: Optional[str] = None,
    parity_dev_lines: Optional[list[tuple[str, list[str]]]] = None,
    pivot: Optional[str] = None,
    parity_hybrid: Optional[int] = None,
    parity_window: Optional[int] = None,
    parity_window_max: Optional[int] = None,
    parity_exclude: list[str] = [],
) -> dict[str, Any]:
    """Trains a BPE vocabulary (use `fairtok.train`). `specs` are `LANG=PATH[,PATH...]` strings,
    `pairs` `(lang, paths)`, `texts` `(lang, texts)`; parity-aware with a dev directory
    (`parity_dev_dir`) or `(lang, lines)` (`parity_dev_lines`). Returns `{"core":
    CoreTokenizer, "vocab_size", "pattern", "merges", "merge_counts", "tokens", "specials",
    "languages", "skipped_lines", "first_skipped", "pruned_pieces", "pruned_occurrences",
    "files", "parity"}` (`parity`: None, or `{"languages", "dev_tokens_before",
    "dev_tokens_after", "merges_taken", "global_merges", "hybrid", "window"}`).
    ValueError for bad arguments or input, OSError for files."""

def extend(
    base: str,
    items: list[tuple[str, str, list[str]]],
    add: int,
    output: Optional[str],
    format: Optional[str],
    name: Optional[str],
    script: Optional[str],
    parity_dir: Optional[str],
    parity_lines: Optional[list[tuple[str, list[str]]]],
    pivot: str,
    whole_pieces: bool,
    piece_bias: float,
    min_frequency: int,
    max_token_bytes: Optional[int],
    threads: Optional[int],
    max_pieces: int,
    text_field: str,
    strict: bool,
) -> dict[str, Any]:
    """Extends a vocabulary, every base id kept (use `fairtok.extend`). `items`, in order, are
    `("spec", "LANG[@WEIGHT]=PATH[,PATH...]", [])`, `("files", "LANG[@WEIGHT]", paths)` or
    `("texts", "LANG[@WEIGHT]", texts)`; at most one of `parity_dir`, `parity_lines`. Returns
    `{"core": CoreTokenizer, "first_id", "tokens", "merges", "counts", "chosen_by",
    "dev_premium", "languages", "inputs", "skipped_lines", "first_skipped", "pruned_pieces",
    "pruned_occurrences", "files", "name", "format", "script", "base"}`. ValueError for bad
    arguments or input, OSError for files."""

def parity(
    tokenizers: list[CoreTokenizer],
    dir: Optional[str],
    pairs: list[tuple[str, str]],
    lines: list[tuple[str, list[str]]],
    langs: list[str],
    pivot: str,
    prices: list[float],
    json_path: Optional[str],
    html_path: Optional[str],
    markdown_path: Optional[str],
) -> str:
    """The parity report as `fairtok parity --json` writes it (use `fairtok.parity`). At most
    one of `dir`, `pairs`, `lines`; none is the bundled FLORES-200 sample."""

def default_tokenizers() -> list[str]:
    """The tokenizers `fairtok parity` measures when none is given."""

class CoreTokenizer:
    """A loaded tokenizer (built-in, `.tiktoken` or `tokenizer.json`)."""

    @staticmethod
    def builtin(name: str) -> CoreTokenizer:
        """Loads a built-in encoding; ValueError for an unknown name."""
    @staticmethod
    def load(path: str, pattern: Optional[str] = None) -> CoreTokenizer:
        """Loads a `.tiktoken` or `tokenizer.json` file (optionally gzipped)."""
    @staticmethod
    def from_ranks(
        name: str, ranks: dict[bytes, int], pattern: str, specials: list[tuple[str, int]]
    ) -> CoreTokenizer:
        """Builds a tiktoken-style tokenizer from ranks, a pattern and the (text, id) items of
        the special tokens (of two names of one id, the id decodes to the smaller)."""
    @property
    def name(self) -> str: ...
    @property
    def origin(self) -> str: ...
    @property
    def format(self) -> str:
        """"tiktoken" or "huggingface"."""
    @property
    def n_vocab(self) -> int: ...
    @property
    def pattern(self) -> Optional[str]: ...
    def special_tokens(self) -> list[tuple[str, int]]:
        """(text, id) of each special token, sorted by id."""
    def encode_ordinary(self, text: str) -> list[int]: ...
    def encode(self, text: str, allowed: list[str], disallowed: list[str]) -> list[int]:
        """Encodes with `allowed` special tokens recognised; ValueError if any string of
        `disallowed` occurs in `text`."""
    def encode_to_bytes(self, text: str, allowed: list[str], disallowed: list[str]) -> bytes:
        """`encode` as the bytes of native-endian uint32 ids (for `numpy.frombuffer`)."""
    def count(self, text: str) -> int: ...
    def encode_batch(
        self, texts: list[str], num_threads: int, allowed: list[str], disallowed: list[str]
    ) -> list[list[int]]: ...
    def encode_ordinary_batch(self, texts: list[str], num_threads: int) -> list[list[int]]: ...
    def count_batch(self, texts: list[str], num_threads: int) -> list[int]: ...
    def decode_bytes(self, ids: list[int]) -> bytes:
        """KeyError for an id outside the vocabulary."""
    def token_bytes(self, id: int) -> Optional[bytes]: ...
    def decode_tokens_bytes(self, ids: list[int]) -> list[bytes]:
        """KeyError(str(id)) for an id outside the vocabulary."""
    def encode_single_token(self, piece: bytes) -> Optional[int]:
        """The id of the token with exactly these bytes (every name of a special token)."""
    def token_byte_values(self) -> list[bytes]: ...
    def mergeable_ranks(self) -> dict[bytes, int]:
        """{token bytes: id} of the ordinary (non-special) tokens, in id order."""
