#!/usr/bin/env python3
"""Reference ids of llama.cpp itself for the nine vocab-only GGUF files of
`shared/data/vocab/gguf/`, through the `llama-cpp-python` package (a source build of the
llama.cpp it vendors; `scripts/reference-gguf-llamacpp.sh` makes the environment).

Each file is loaded with `llama_cpp.Llama(model_path=p, vocab_only=True, verbose=False)` and
every text encoded with `.tokenize(text.encode(), add_bos=False, special=False)`, which is
`llama_tokenize(vocab, text, add_special=false, parse_special=false)`: no BOS, EOS, CLS or
SEP added, and control tokens written in the text are text (user-defined ones are matched).

Writes, into OUT_DIR (first line of each: `# ` and the versions):

* `gguf-llamacpp-conformance.tsv`: a row per text of `shared/conformance/public.jsonl` (by
  line index from 0), a column per file (`ggml-vocab-NAME.gguf` is column NAME): the CRC-32
  (zlib's) of the ids as little-endian u32, 8 hex digits;
* `gguf-llamacpp-flores200-dev.tsv`: per FLORES-200 dev language (204) and file: the lines,
  the total of ids (each line encoded on its own, its terminator excluded, as
  `fairtok parity` counts) and the CRC-32 of all ids in line order.

`crates/fairtok-core/tests/gguf.rs` compares fairtok with these.

usage: reference_gguf_llamacpp.py SHARED_DIR OUT_DIR   (a few minutes on one core)
"""
import glob, json, os, sys

import llama_cpp

import refdata
from refdata import flores_dev_lines, ids_bytes




# The llama.cpp commit the package vendors, as its CHANGELOG names it for this version.
VENDORED = {"0.3.36": "0c1e57098"}




def crc(ids) -> str:
    return refdata.crc(ids_bytes(ids))


def main(shared, out_dir):
    version = llama_cpp.__version__
    header = f"# llama-cpp-python {version} (llama.cpp {VENDORED.get(version, 'unknown commit')}), tokenize(add_bos=False, special=False)\n"
    files = sorted(glob.glob(os.path.join(shared, "data", "vocab", "gguf", "ggml-vocab-*.gguf")))
    assert len(files) == 9, files
    names = [os.path.basename(p)[len("ggml-vocab-"):-len(".gguf")] for p in files]
    toks = [llama_cpp.Llama(model_path=p, vocab_only=True, verbose=False) for p in files]
    encs = [lambda t, tok=tok: tok.tokenize(t.encode("utf-8"), add_bos=False, special=False) for tok in toks]
    texts = [json.loads(l)["text"] for l in open(os.path.join(shared, "conformance", "public.jsonl"), encoding="utf-8")]
    cols = [[crc(enc(t)) for t in texts] for enc in encs]
    with open(os.path.join(out_dir, "gguf-llamacpp-conformance.tsv"), "w") as w:
        w.write(header)
        w.write("text\t" + "\t".join(names) + "\n")
        for i in range(len(texts)):
            w.write(f"{i}\t" + "\t".join(c[i] for c in cols) + "\n")
    rows = []
    for lang, lines in flores_dev_lines(shared):
        for name, enc in zip(names, encs):
            flat = [i for line in lines for i in enc(line)]
            rows.append((lang, name, len(lines), len(flat), crc(flat)))
        print(lang, file=sys.stderr, flush=True)
    with open(os.path.join(out_dir, "gguf-llamacpp-flores200-dev.tsv"), "w") as w:
        w.write(header)
        w.write("lang\ttokenizer\tlines\ttokens\tids_crc\n")
        for r in rows:
            w.write("\t".join(map(str, r)) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
