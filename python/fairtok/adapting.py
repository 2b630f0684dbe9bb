"""`fairtok.adapt`: give a Hugging Face checkpoint the rows of an extended vocabulary, the step of
`fairtok adapt`. The work is one call into Rust (`fairtok_adapt::adapt`) with the GIL released;
Ctrl-C stops it and nothing is written."""

from __future__ import annotations

import json
import os
from typing import Any, Literal, Optional, Union

from fairtok import _fairtok

__all__ = ["adapt"]

PathLike = Union[str, "os.PathLike[str]"]


def adapt(
    model: PathLike,
    tokenizer: PathLike,
    output: PathLike,
    *,
    init: Literal["mean", "first"] = "mean",
    pad_to: Optional[int] = None,
) -> dict[str, Any]:
    """Writes to `output` a copy of the checkpoint in `model` with embedding rows for every
    new id of `tokenizer`.

    Args:
        model: a Hugging Face checkpoint directory: `config.json`, `model.safetensors` or
            shards with `model.safetensors.index.json`, and its `tokenizer.json`.
        tokenizer: a `tokenizer.json` extending the model's (`fairtok.extend(...,
            format="hf")` or `fairtok extend --format hf`): every base id keeps its bytes.
        output: the directory to write (absent or empty); it appears whole or not at all.
        init: the new output-embedding (`lm_head`) rows: `"mean"` of the pieces' rows, or the
            `"first"` piece's row (EEVE). The input-embedding rows are always the mean of the
            rows of the base tokens that spell the new token. A model with tied embeddings
            takes only `"mean"`.
        pad_to: round the number of rows up to a multiple of this; the extra rows are zero.

    Returns:
        The report (also written to `output/fairtok_adapt.json` with every new token's
        pieces): `base_ids`, `new_ids`, `old_rows`, `rows` (the new `vocab_size`),
        `reused_rows` (padding rows of the model given to new ids), `zero_rows`, `tied`,
        `input_tensor`, `output_tensor`, `output_init`, `dtype`, `pieces` (pieces per new
        token -> tokens), `sample_tokens` (the bundled Korean sample under the base and the
        extended tokenizer), `tensor_bytes`, `copied` and `left_out` (files of `model` copied,
        and left out as stale).

    Raises:
        FileNotFoundError, PermissionError, OSError: a file cannot be read or written.
        FileExistsError: `output` exists and is not empty.
        ValueError: the checkpoint or tokenizer is malformed, or the tokenizer does not extend
            the model's.
    """
    if pad_to is not None and (isinstance(pad_to, bool) or not isinstance(pad_to, int)):
        raise TypeError(f"pad_to must be an int, not {type(pad_to).__name__}")
    report = _fairtok.adapt(
        os.fspath(model), os.fspath(tokenizer), os.fspath(output), init, pad_to
    )
    return json.loads(report)
