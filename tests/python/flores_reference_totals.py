#!/usr/bin/env python3
"""Per-language token totals of FLORES-200 dev under the reference libraries.

Writes a TSV `lang<TAB>tokenizer<TAB>lines<TAB>tokens` computed with tiktoken 0.14.0
(`encode_ordinary`) and Hugging Face tokenizers 0.23.3 (`encode(add_special_tokens=False)`),
every line encoded on its own (line terminator excluded), exactly as `fairtok parity` counts.
`crates/fairtok-eval/tests/flores_totals.rs` compares fairtok with this table.

usage: flores_reference_totals.py SHARED_DIR OUT.tsv
"""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refdata import flores_dev_lines  # noqa: E402,F401  (re-exported)
import differential as d  # noqa: E402  (tokenizer construction from the shared vocab files)




def main(shared, out):
    vocab = os.path.join(shared, "data", "vocab")
    encs = {
        "cl100k_base": d.tt(f"{vocab}/cl100k_base.tiktoken", d.CL100K, "cl100k").encode_ordinary_batch,
        "o200k_base": d.tt(f"{vocab}/o200k_base.tiktoken", d.O200K, "o200k").encode_ordinary_batch,
        "r50k_base": d.tt(f"{vocab}/r50k_base.tiktoken", d.R50K, "r50k").encode_ordinary_batch,
        "p50k_base": d.tt(f"{vocab}/p50k_base.tiktoken", d.R50K, "p50k").encode_ordinary_batch,
    }
    for name, fn in [("llama3", "llama3.tokenizer.json"), ("qwen3", "qwen3.tokenizer.json"), ("gemma3", "gemma3.tokenizer.json.gz")]:
        tok = d.hf(f"{vocab}/{fn}")
        encs[name] = (lambda tok: lambda b: [e.ids for e in tok.encode_batch(b, add_special_tokens=False)])(tok)
    rows = []
    for lang, lines in flores_dev_lines(shared):
        for name, enc in encs.items():
            rows.append((lang, name, len(lines), sum(len(ids) for ids in enc(lines))))
    with open(out, "w") as w:
        w.write("lang\ttokenizer\tlines\ttokens\n")
        for r in rows:
            w.write("\t".join(map(str, r)) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
