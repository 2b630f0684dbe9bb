"""pytest fixtures for the `fairtok` Python package: the shared test data and the real tiktoken,
made to read its rank files from `$FAIRTOK_SHARED/data/vocab` (there is no network).

tiktoken's own encoding constructors (`tiktoken_ext.openai_public`) are used, so the reference
has tiktoken's exact patterns and special tokens; only the download is redirected to the local
file, and tiktoken still checks each file's SHA-256.
"""

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("FAIRTOK_SHARED", ROOT.parent / "shared"))
VOCAB = SHARED / "data" / "vocab"
CONFORMANCE = SHARED / "conformance" / "public.jsonl"

# The built-ins whose rank files are in shared/data/vocab (gpt2 needs tiktoken's data-gym files;
# o200k_harmony is tiktoken's own definition over o200k_base's file).
TIKTOKEN_NAMES = [
    "cl100k_base",
    "o200k_base",
    "r50k_base",
    "p50k_base",
    "p50k_edit",
    "o200k_harmony",
]


def lines(path, n=None):
    """The first `n` lines (all with None) of a text file, plain or gzipped, without their
    line ends."""
    import gzip

    path = str(path)
    opener = gzip.open if path.endswith(".gz") else open
    out = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            out.append(line.rstrip("\n"))
            if len(out) == n:
                break
    return out


def has_hangul(s):
    """Whether `s` has a character of Unicode's Hangul script (fairtok's `Script::named("Hang")`)."""
    return any(0x1100 <= o <= 0x11FF or 0x302E <= o <= 0x302F or 0x3131 <= o <= 0x318E
               or 0x3200 <= o <= 0x321E or 0x3260 <= o <= 0x327E or 0xA960 <= o <= 0xA97C
               or 0xAC00 <= o <= 0xD7A3 or 0xD7B0 <= o <= 0xD7FB or 0xFFA0 <= o <= 0xFFDC
               for o in map(ord, s))


def _offline_tiktoken():
    import tiktoken
    import tiktoken.load
    import tiktoken_ext.openai_public as openai_public

    original = tiktoken.load.load_tiktoken_bpe

    def local(url, expected_hash=None):
        return original(str(VOCAB / url.rsplit("/", 1)[-1]), expected_hash)

    def no_network(blobpath):
        raise RuntimeError(f"test tried to download {blobpath}; only shared/data/vocab is here")

    os.environ["TIKTOKEN_CACHE_DIR"] = ""  # read the local file, write no cache
    read_file = tiktoken.load.read_file
    tiktoken.load.read_file = lambda p: no_network(p) if "://" in p else read_file(p)
    openai_public.load_tiktoken_bpe = local
    return tiktoken


@pytest.fixture(scope="session")
def fairtok_bin():
    """The `fairtok` command (`$FAIRTOK_BIN`, or target/release/fairtok): results of the
    Python package are compared with its output. scripts/test.sh builds it and sets the
    variable; without it these tests are skipped."""
    path = Path(os.environ.get("FAIRTOK_BIN", ROOT / "target" / "release" / "fairtok"))
    if not path.is_file():
        pytest.skip(f"{path} not built (cargo build --release, or set FAIRTOK_BIN)")
    return str(path)


@pytest.fixture(scope="session")
def tiktoken():
    """The real tiktoken package, reading rank files from the shared data."""
    if not VOCAB.is_dir():
        pytest.fail(f"shared data not found at {SHARED} (set FAIRTOK_SHARED)")
    return _offline_tiktoken()


@pytest.fixture(scope="session")
def conformance():
    """The shared conformance records: `{"text": ..., "ids": {tokenizer: [ids]}}`."""
    with open(CONFORMANCE, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def texts(conformance):
    """The conformance texts."""
    return [r["text"] for r in conformance]
