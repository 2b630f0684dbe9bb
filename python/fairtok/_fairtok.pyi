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

Inputs = list[tuple[str, str, list[str]]]
"""`[(kind, head, values)]`: `("spec", "LANG[@WEIGHT]=PATH[,PATH...]", [])`, `("files",
"LANG[@WEIGHT]", paths)` or `("texts", "LANG[@WEIGHT]", texts)`, in order."""

class ReadingArgs:
    """How inputs are read (`fairtok_train::Reading`)."""

    def __init__(
        self,
        *,
        threads: Optional[int] = None,
        max_pieces: int = 20_000_000,
        text_field: str = "text",
        strict: bool = False,
    ) -> None: ...

class ParityArgs:
    """Parity-aware selection (`fairtok_train::ParitySpec`): exactly one of `dev_dir` and
    `dev_lines`."""

    def __init__(
        self,
        *,
        dev_dir: Optional[str] = None,
        dev_lines: Optional[list[tuple[str, list[str]]]] = None,
        pivot: Optional[str] = None,
        hybrid: Optional[int] = None,
        window: Optional[int] = None,
        window_max: Optional[int] = None,
        exclude: list[str] = [],
    ) -> None: ...

class ReadStats:
    """What a run skipped and pruned while reading, and the files it wrote."""

    skipped_lines: int
    first_skipped: Optional[tuple[str, int]]
    pruned_pieces: int
    pruned_occurrences: int
    files: list[str]

class TrainOutput:
    """What `train` made and saw (the fields of `fairtok.TrainResult` but `encoding`)."""

    core: CoreTokenizer
    vocab_size: int
    pattern: str
    merges: list[tuple[int, int]]
    merge_counts: list[int]
    tokens: list[bytes]
    specials: list[tuple[str, int]]
    languages: list[dict[str, Any]]
    read: ReadStats
    parity: Optional[dict[str, Any]]

class ExtendOutput:
    """What `extend` added and saw (the fields of `fairtok.ExtendResult` but `encoding` and
    `added`)."""

    core: CoreTokenizer
    first_id: int
    tokens: list[bytes]
    merges: list[Optional[tuple[int, int]]]
    counts: list[int]
    chosen_by: list[Optional[str]]
    dev_premium: list[dict[str, float]]
    languages: list[str]
    inputs: list[dict[str, Any]]
    read: ReadStats
    name: str
    format: str
    script: str
    base: str

def train(
    inputs: Inputs,
    *,
    vocab_size: int,
    counts: list[str],
    pattern: Optional[str],
    specials: list[str],
    min_frequency: int,
    max_token_bytes: Optional[int],
    output: Optional[str],
    format: str,
    name: Optional[str],
    reading: ReadingArgs,
    parity: Optional[ParityArgs],
) -> TrainOutput:
    """Trains a BPE vocabulary (use `fairtok.train`): one call of
    `fairtok_train::train_files`. ValueError for bad arguments or input, OSError for files."""

def adapt(
    model: str,
    tokenizer: str,
    output: str,
    init: str = "mean",
    pad_to: int | None = None,
) -> str: ...
def extend(
    base: str,
    inputs: Inputs,
    *,
    add: int,
    script: Optional[str],
    whole_pieces: bool,
    piece_bias: Optional[float],
    min_frequency: int,
    max_token_bytes: Optional[int],
    output: Optional[str],
    format: Optional[str],
    name: Optional[str],
    reading: ReadingArgs,
    parity: Optional[ParityArgs],
) -> ExtendOutput:
    """Extends a vocabulary, every base id kept (use `fairtok.extend`): one call of
    `fairtok_train::extend_files`. ValueError for bad arguments or input, OSError for files."""

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
    def load(path: str, pattern: Optional[str] = None, lowercase: bool = False) -> CoreTokenizer:
        """Loads a `.tiktoken`, `tokenizer.json`, `tekken.json` or WordPiece `vocab.txt` file
        (optionally gzipped)."""
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
    def encode(
        self, text: str, allowed: Optional[list[str]], disallowed: Optional[list[str]]
    ) -> list[int]:
        """Encodes with `allowed` special tokens recognised (None: all); ValueError if any
        string of `disallowed` occurs in `text` (None: every special token not allowed)."""
    def encode_to_bytes(self, text: str, allowed: Optional[list[str]], disallowed: Optional[list[str]]) -> bytes:
        """`encode` as the bytes of native-endian uint32 ids (for `numpy.frombuffer`)."""
    def count(self, text: str) -> int: ...
    def encode_batch(
        self, texts: list[str], num_threads: int, allowed: Optional[list[str]], disallowed: Optional[list[str]]
    ) -> list[list[int]]: ...
    def encode_ordinary_batch(self, texts: list[str], num_threads: int) -> list[list[int]]: ...
    def encode_batch_to_bytes(
        self, texts: list[str], num_threads: int, allowed: Optional[list[str]], disallowed: Optional[list[str]]
    ) -> tuple[bytearray, bytearray]:
        """`encode_batch` flat: the ids of all texts concatenated (native-endian uint32) and
        `len(texts) + 1` offsets into them (native-endian int64, from 0), for
        `numpy.frombuffer`; no Python object per id or per text."""
    def encode_ordinary_batch_to_bytes(
        self, texts: list[str], num_threads: int
    ) -> tuple[bytearray, bytearray]:
        """`encode_ordinary_batch` flat, as `encode_batch_to_bytes`."""
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

class ArrowColumn:
    """A column made by an Arrow kernel; pass it to `pyarrow.array` (exported once)."""
    def __arrow_c_array__(self, requested_schema: Any = None) -> tuple[Any, Any]: ...

def arrow_kernel(
    tok: CoreTokenizer, kernel: str, schema: Any, array: Any, num_threads: int
) -> ArrowColumn:
    """`"count"`: token counts (int64), `"encode"`: ids (list<uint32>) of the string column in
    the capsules; nulls kept."""

def write_pretoken_counts(
    schema: Any, array: Any, pattern: str, lang: str, num_threads: int, path: str
) -> dict[str, int]:
    """Writes the pre-token counts of the column as a counts file; {records, bytes, pieces,
    distinct}."""

def merge_counts(files: list[str], output: str) -> int:
    """Merges counts files into `output` (atomically); the number of distinct pieces."""

def count_files(
    lang: str,
    paths: list[str],
    output: str,
    pattern: Optional[str] = None,
    text_field: str = "text",
    num_threads: int = 1,
) -> dict[str, int]:
    """`fairtok count-pretokens --input LANG=PATHS -o OUTPUT`; {records, bytes, pieces,
    distinct, pruned}."""

def expand_files(paths: list[str]) -> list[str]:
    """The files of `paths` as training reads them (directories walked, sorted)."""
