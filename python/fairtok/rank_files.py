"""`.tiktoken` rank files as tiktoken reads them: `load_tiktoken_bpe`.

A rank file has one line per token, `base64(token bytes) SP rank`. `load_tiktoken_bpe` returns
its `{token bytes: rank}`, which `fairtok.Encoding(...)` (like `tiktoken.Encoding(...)`) takes as
`mergeable_ranks`. To encode with a file directly, `fairtok.load(path)` is shorter.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Optional, Union

from fairtok import _fairtok

__all__ = ["load_tiktoken_bpe"]


def load_tiktoken_bpe(
    tiktoken_bpe_file: Union[str, os.PathLike[str]], expected_hash: Optional[str] = None
) -> dict[bytes, int]:
    """The `{token bytes: rank}` of a `.tiktoken` file, as tiktoken's
    `tiktoken.load.load_tiktoken_bpe(tiktoken_bpe_file, expected_hash=None)` returns it (the
    same dict for every file tiktoken reads, malformed lines raising the same `ValueError`).

    Unlike tiktoken, it reads local files only and never downloads or caches anything: a URL
    (`https://...`, `az://...`) raises `ValueError`. Well-formed files are parsed natively (a
    fraction of tiktoken's time); anything else goes through tiktoken's own line rules.

    Args:
        tiktoken_bpe_file: the path of the file.
        expected_hash: if given, the file's SHA-256 (hex) must be this.

    Raises:
        ValueError: a line that is not `base64 rank`, a hash mismatch, or a URL.
        FileNotFoundError, PermissionError, OSError: the file cannot be read.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.tiktoken")
    >>> _ = open(path, "wb").write(b"YQ== 0\\nYg== 1\\nYWI= 2\\n")
    >>> fairtok.load_tiktoken_bpe(path)
    {b'a': 0, b'b': 1, b'ab': 2}
    """
    path = os.fspath(tiktoken_bpe_file)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if "://" in path:
        raise ValueError(
            f"{path}: fairtok reads local .tiktoken files only and downloads nothing; "
            "download the file and pass its path (the built-in encodings need no file: "
            "fairtok.get_encoding)"
        )
    with open(path, "rb", buffering=0) as f:
        contents = f.read()
    if expected_hash and hashlib.sha256(contents).hexdigest() != expected_hash:
        raise ValueError(
            f"Hash mismatch for {path} (expected {expected_hash}, "
            f"found {hashlib.sha256(contents).hexdigest()})"
        )
    fast = _fairtok.parse_tiktoken_bpe(contents)
    if fast is not None:
        return fast
    # tiktoken's rules, line for line (tiktoken/load.py).
    ret = {}
    for line in contents.splitlines():
        if not line:
            continue
        try:
            token, rank = line.split()
            ret[base64.b64decode(token)] = int(rank)
        except Exception as e:
            raise ValueError(f"Error parsing line {line!r} in {path}") from e
    return ret
