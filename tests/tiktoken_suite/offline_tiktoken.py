"""A pytest plugin (`-p offline_tiktoken`) that makes the real tiktoken read OpenAI's rank files
from `$FAIRTOK_SHARED/data/vocab` instead of downloading them, so that tiktoken's own test suite
can be timed against the real tiktoken on a machine without network
(`scripts/test-tiktoken-suite.sh --time`). Encodings whose files are not there (gpt2's data-gym
files) raise instead of downloading.
"""

import os
from pathlib import Path

VOCAB = Path(os.environ["FAIRTOK_SHARED"]) / "data" / "vocab"


def pytest_configure(config):
    """Redirects tiktoken's rank-file loading to the shared files (tiktoken checks each file's
    SHA-256 as usual)."""
    import tiktoken.load
    import tiktoken_ext.openai_public as openai_public

    assert not getattr(__import__("tiktoken"), "IS_FAIRTOK", False), "expected the real tiktoken"
    original = tiktoken.load.load_tiktoken_bpe
    os.environ["TIKTOKEN_CACHE_DIR"] = ""  # read the local file, write no cache

    def local(url, expected_hash=None):
        return original(str(VOCAB / url.rsplit("/", 1)[-1]), expected_hash)

    def no_download(*args, **kwargs):
        raise RuntimeError("tiktoken tried to download a file; only shared/data/vocab is here")

    openai_public.load_tiktoken_bpe = local
    openai_public.data_gym_to_mergeable_bpe_ranks = no_download
