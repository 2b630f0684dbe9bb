"""A synthetic checkpoint of Llama 3 8B's shape, for `fairtok adapt`'s time and memory.

It has the real tensor names and shapes of Meta-Llama-3-8B in transformers' layout (32
layers, hidden 4096, 8 key-value heads, MLP 14336, vocab 128256, untied `lm_head`), bf16, in
four shards with `model.safetensors.index.json` like the published checkpoint (the input
embedding in the first shard, `lm_head` in the last): 8.03 billion parameters, 16.06 GB.
Weights are random normal values rounded to bf16, written tensor by tensor in 64 MiB chunks
(the script's own memory stays small), plus `config.json` and Llama 3's real `tokenizer.json`.

Usage: python benches/adapt/synth8b.py OUT_DIR LLAMA3_TOKENIZER_JSON
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np

VOCAB, HIDDEN, MLP, LAYERS, KV = 128256, 4096, 14336, 32, 1024
CHUNK = 32 << 20  # values per chunk (64 MiB of bf16)


def tensors():
    """(name, shape) in the order of the published checkpoint's shards."""
    yield "model.embed_tokens.weight", (VOCAB, HIDDEN)
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        yield p + "input_layernorm.weight", (HIDDEN,)
        yield p + "mlp.down_proj.weight", (HIDDEN, MLP)
        yield p + "mlp.gate_proj.weight", (MLP, HIDDEN)
        yield p + "mlp.up_proj.weight", (MLP, HIDDEN)
        yield p + "post_attention_layernorm.weight", (HIDDEN,)
        yield p + "self_attn.k_proj.weight", (KV, HIDDEN)
        yield p + "self_attn.o_proj.weight", (HIDDEN, HIDDEN)
        yield p + "self_attn.q_proj.weight", (HIDDEN, HIDDEN)
        yield p + "self_attn.v_proj.weight", (KV, HIDDEN)
    yield "model.norm.weight", (HIDDEN,)
    yield "lm_head.weight", (VOCAB, HIDDEN)


def write_shard(path: Path, items, rng) -> int:
    header, at = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in items:
        n = int(np.prod(shape)) * 2
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [at, at + n]}
        at += n
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h)
        for name, shape in items:
            left = int(np.prod(shape))
            while left:
                n = min(left, CHUNK)
                x = rng.standard_normal(n, dtype=np.float32) * 0.02
                f.write((x.view(np.uint32) >> 16).astype(np.uint16).tobytes())
                left -= n
    return at


def main() -> None:
    out, tokenizer = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True)
    rng = np.random.default_rng(8)
    items = list(tensors())
    sizes = [int(np.prod(s)) * 2 for _, s in items]
    target, shards, cur, acc = sum(sizes) / 4, [], [], 0
    for item, size in zip(items, sizes):
        if acc + size > target * 1.02 and cur and len(shards) < 3:
            shards.append(cur)
            cur, acc = [], 0
        cur.append(item)
        acc += size
    shards.append(cur)
    weight_map, total = {}, 0
    for i, group in enumerate(shards):
        name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        total += write_shard(out / name, group, rng)
        weight_map.update({n: name for n, _ in group})
        print(f"{name}: {len(group)} tensors", flush=True)
    (out / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": VOCAB,
        "hidden_size": HIDDEN, "intermediate_size": MLP, "num_hidden_layers": LAYERS,
        "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 8192,
        "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "tie_word_embeddings": False,
        "torch_dtype": "bfloat16", "bos_token_id": 128000, "eos_token_id": 128001,
    }
    (out / "config.json").write_text(json.dumps(config, indent=2))
    shutil.copy(tokenizer, out / "tokenizer.json")
    print(f"{out}: {sum(sizes) // 2:,} parameters, {total / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
