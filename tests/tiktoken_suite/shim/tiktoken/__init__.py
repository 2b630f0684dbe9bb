"""`import tiktoken`, answered by fairtok: tiktoken's public API (`Encoding`, `get_encoding`,
`encoding_for_model`, `encoding_name_for_model`, `list_encoding_names`) re-exported from fairtok.

Only for running tiktoken's own test suite against fairtok: `scripts/test-tiktoken-suite.sh`
puts this directory first on `PYTHONPATH`, so the suite (and the interpreters it starts) import
this package instead of the installed tiktoken. Code of your own should write
`import fairtok as tiktoken` instead.
"""

import fairtok
from fairtok import (
    Encoding,
    encoding_for_model,
    encoding_name_for_model,
    get_encoding,
    list_encoding_names,
)

__all__ = [
    "Encoding",
    "encoding_for_model",
    "encoding_name_for_model",
    "get_encoding",
    "list_encoding_names",
]

__version__ = fairtok.__version__
"""fairtok's version (this is fairtok)."""

IS_FAIRTOK = True
"""Marks the shim: the script checks that `import tiktoken` found it."""
