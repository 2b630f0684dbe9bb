"""Reference reading of the llama.cpp vocab-only GGUF files of `shared/data/vocab/gguf/`.

Reads every `ggml-vocab-*.gguf` with the `gguf` package (0.19) and writes, per file, what
fairtok's `gguf` module must read the same way: the version, tensor and key/value counts,
`tokenizer.ggml.model` and `.pre`, the token count, the sha256 of the tokens joined by `\\n`,
the merges count and the sha256 of the merges joined by `\\n` (and CRC-32s of both, which
the Rust test checks), the token types' counts, the
special ids and `add_bos_token`. Usage:

    python tests/python/reference_gguf.py SHARED > tests/data/gguf-reference.json
"""

import hashlib
import json
import sys
import zlib
from pathlib import Path

import gguf


def field(reader, key):
    f = reader.fields.get(key)
    if f is None:
        return None
    return f.contents()


def sha(items):
    return hashlib.sha256("\n".join(items).encode("utf-8", "surrogatepass")).hexdigest()


def crc(items):
    return "%08x" % zlib.crc32("\n".join(items).encode("utf-8", "surrogatepass"))


def main():
    shared = Path(sys.argv[1])
    out = {}
    for path in sorted((shared / "data/vocab/gguf").glob("ggml-vocab-*.gguf")):
        r = gguf.GGUFReader(path)
        tokens = field(r, "tokenizer.ggml.tokens") or []
        merges = field(r, "tokenizer.ggml.merges") or []
        types = field(r, "tokenizer.ggml.token_type") or []
        type_counts = {}
        for t in types:
            type_counts[str(t)] = type_counts.get(str(t), 0) + 1
        out[path.name] = {
            "version": int(field(r, "GGUF.version") or r.fields["GGUF.version"].parts[-1][0]),
            "tensor_count": len(r.tensors),
            "kv_count": int(r.fields["GGUF.kv_count"].parts[-1][0]),
            "model": field(r, "tokenizer.ggml.model"),
            "pre": field(r, "tokenizer.ggml.pre"),
            "tokens": len(tokens),
            "tokens_sha256": sha(tokens),
            "tokens_crc32": crc(tokens),
            "scores": len(field(r, "tokenizer.ggml.scores") or []),
            "token_type_counts": dict(sorted(type_counts.items())),
            "merges": len(merges),
            "merges_sha256": sha(merges),
            "merges_crc32": crc(merges),
            "bos_token_id": field(r, "tokenizer.ggml.bos_token_id"),
            "eos_token_id": field(r, "tokenizer.ggml.eos_token_id"),
            "unknown_token_id": field(r, "tokenizer.ggml.unknown_token_id"),
            "padding_token_id": field(r, "tokenizer.ggml.padding_token_id"),
            "add_bos_token": field(r, "tokenizer.ggml.add_bos_token"),
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
