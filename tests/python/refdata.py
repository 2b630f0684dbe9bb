"""What the reference scripts share, with no dependency beyond the standard library (each runs
in the venv of its reference library): the FLORES-200 dev lines as fairtok reads them, and the
CRC-32 of an id list as the committed reference tables store it."""

import array
import glob
import os
import sys
import zlib


def flores_dev_lines(shared):
    """(language code, lines) of every FLORES-200 dev file, sorted: each line without its
    terminator (`\\n`, or `\\r\\n`), as `fairtok parity` reads them."""
    for path in sorted(glob.glob(os.path.join(shared, "data", "parallel", "flores200-dev", "*.dev"))):
        lang = os.path.basename(path).split(".")[0]
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        yield lang, [l[:-1] if l.endswith("\r") else l for l in text.removesuffix("\n").split("\n")]


def ids_bytes(ids) -> bytes:
    """The ids as little-endian u32s, as the Rust tests hash them."""
    a = array.array("I", ids)
    assert a.itemsize == 4
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def crc(data: bytes) -> str:
    """CRC-32 of `data`, as 8 hex digits."""
    return f"{zlib.crc32(data):08x}"
