"""Arrow columns in and out of the native kernels (`fairtok_arrow`).

A kernel takes one array through the Arrow PyCapsule interface (`__arrow_c_array__`) and gives
one back (an object with `__arrow_c_array__`), without copying the text or making a Python
`str` per row. `apply` splits what users hold into such arrays: a `pyarrow.Array`, a
`pyarrow.ChunkedArray` (one call per chunk, the result chunked the same way), or any object of
another library that speaks the interface (`__arrow_c_array__`: one array; `__arrow_c_stream__`:
a Polars `Series`, a DuckDB relation's column, ...: chunked). Results are pyarrow arrays, which
every Arrow library takes without a copy (`polars.from_arrow`, `daft.from_arrow`, ...).
"""

from __future__ import annotations

from typing import Any, Callable

#: A native kernel: (schema capsule, array capsule) -> an object with `__arrow_c_array__`.
Kernel = Callable[[Any, Any], Any]


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the Arrow methods need pyarrow (pip install pyarrow, or fairtok[ray])"
        ) from e
    return pyarrow


def apply(column: Any, kernel: Kernel, out_type: Any) -> Any:
    """`kernel` on every array of `column`; a pyarrow `Array` for an array, a `ChunkedArray`
    (chunks as the input's, type `out_type`) for a chunked array or a stream."""
    pa = _pyarrow()
    if isinstance(column, pa.ChunkedArray):
        return pa.chunked_array([apply(c, kernel, out_type) for c in column.chunks], type=out_type)
    if hasattr(column, "__arrow_c_array__"):
        schema, array = column.__arrow_c_array__()
        return pa.array(kernel(schema, array))
    if hasattr(column, "__arrow_c_stream__"):
        return apply(pa.chunked_array(column), kernel, out_type)
    raise TypeError(
        f"expected an Arrow string array (pyarrow Array or ChunkedArray, or an object with "
        f"__arrow_c_array__ / __arrow_c_stream__), got {type(column).__name__}"
    )


def capsules(column: Any) -> tuple[Any, Any]:
    """The `(schema, array)` capsules of one array (a chunked array is combined first)."""
    pa = _pyarrow()
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not hasattr(column, "__arrow_c_array__"):
        column = pa.chunked_array(column).combine_chunks()
    return column.__arrow_c_array__()
