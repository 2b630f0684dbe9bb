#!/usr/bin/env python3
"""The curve and the smaller sizes of a Korean extension of a Hugging Face `tokenizer.json`
(the `llama3_ko` and `qwen3_ko` recipes).

`fairtok extend` on a tokenizer.json base appends one merge per new token, in the order the
tokens were chosen, and gives the new tokens the ids after the base's highest. Extension is
greedy, so the first N new tokens (their vocabulary entries and their merges) are exactly what
`--add N` gives: this script cuts the 32,768-token output down to 8,192 and 16,384 (checking
that every kept token is its merge's two halves), writes those files beside it, and measures
the Korean premium of the base and of each size with `fairtok parity` (each line encoded
alone, Korean tokens / English tokens) on the parallel sets of ../shared/data/parallel.
Prints the Markdown table and writes the chart to docs/NAME-curve.svg.

Usage: python3 recipes/hf_ko.py NAME BASE.json DIR   (DIR holds tokenizer.json, the 32k output;
FAIRTOK=path/to/fairtok, FAIRTOK_SHARED=...)
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "recipes", "o200k_ko"))
from curve import premium_table, svg  # noqa: E402  (the o200k_ko recipe's sets and chart)

SIZES = [8192, 16384]


def cut(doc, base_vocab, base_merges, n):
    """`doc` with only the first `n` added tokens (ids and merges)."""
    model = doc["model"]
    first = max(base_vocab.values()) + 1
    specials = [t["id"] for t in doc["added_tokens"]]
    first = max([first] + [i + 1 for i in specials])
    merges = model["merges"][len(base_merges):]
    added = sorted((i, t) for t, i in model["vocab"].items() if i >= first)
    assert len(added) == len(merges), "one merge per added token"
    keep = {t for i, t in added[:n]}
    # A new document and model object; every other part is shared with `doc`, not copied.
    out = dict(doc, model=dict(
        model,
        vocab={t: i for t, i in model["vocab"].items() if i < first or t in keep},
        merges=model["merges"][:len(base_merges) + n]))
    for (i, t), m in zip(added[:n], merges[:n]):
        left, right = m.split(" ", 1) if isinstance(m, str) else m
        assert left + right == t, (i, t, m)
    return out


def main(name, base_path, directory):
    with open(base_path, encoding="utf-8") as f:
        base = json.load(f)
    full = os.path.join(directory, "tokenizer.json")
    with open(full, encoding="utf-8") as f:
        doc = json.load(f)
    points = [(0, base_path)]
    for n in SIZES:
        path = os.path.join(directory, f"tokenizer-{n // 1024}k.json")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(cut(doc, base["model"]["vocab"], base["model"]["merges"], n), f,
                      ensure_ascii=False)
        os.replace(tmp, path)
        points.append((n, path))
    points.append((32768, full))
    table = premium_table(points, directory)
    ns = [n for n, _ in points]
    base_name = name.removesuffix("_ko")
    print(f"| parallel set | {base_name} | " + " | ".join(f"+{n:,}" for n in ns[1:]) + " |")
    print("|---|" + "---:|" * len(ns))
    for label, row in table.items():
        print(f"| {label} | " + " | ".join(f"{row[n]:.3f}" for n in ns) + " |")
    svg(table, ns, os.path.join(ROOT, "docs", f"{name}-curve.svg"), base_name)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
