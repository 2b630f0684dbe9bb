"""End-to-end check of `fairtok adapt` with a real inference library (torch + transformers).

Not part of the CI suite (torch is too heavy for it): scripts/check-adapt-e2e.sh makes a venv
with the pinned packages of scripts/check-adapt-e2e.requirements.txt and runs this file.
tests/python/test_adapt.py checks the written bytes with numpy; this checks that what
`fairtok adapt` writes is a checkpoint that transformers loads and runs, and that it behaves
as the base model on text the extension does not touch.

For each case below, with no download:

1. A tiny random model is built by transformers itself (``torch.manual_seed``) and saved with
   ``save_pretrained(dir, safe_serialization=True)``:
   - ``llama``: LlamaForCausalLM, vocab_size 128256, untied lm_head, bf16, saved in 2 shards
     (embed_tokens and lm_head in different files), Llama 3's real tokenizer.json;
   - ``qwen2``: Qwen2ForCausalLM, vocab_size 151936 (267 padding rows past the tokenizer's
     151669 ids), tied embeddings (no lm_head tensor on disk), f32, one file, Qwen3's real
     tokenizer.json.
   AutoTokenizer loads a bare tokenizer.json (it needs no tokenizer_config.json), but real
   checkpoints ship one, so a minimal one is written too: `fairtok adapt` must copy it and it
   must still work with the new tokenizer.json.
2. ``fairtok extend -t DIR/tokenizer.json --input kor_Hang=ko.konlpy.txt --add 2000 --format hf``.
3. ``fairtok adapt --model DIR -t ext.json -o OUT --quiet --json`` (llama: ``--init first
   --pad-to 64``; qwen2: the default, mean).
4. OUT is loaded with ``AutoModelForCausalLM.from_pretrained`` and ``AutoTokenizer.from_pretrained``
   and checked:
   - loading reports no missing, unexpected or mismatched tensor; the input embedding (and an
     untied lm_head) has the report's row count, which is config.vocab_size; the tokenizer has
     base + new ids and keeps every special token's id;
   - every base row of the embeddings and every other tensor equals the base model's (torch.equal);
   - on English and code text (no Hangul) the adapted tokenizer gives the base's ids, and the
     logits over the base ids' columns equal the base model's exactly (torch.equal, eval mode,
     same dtype; the base is the model loaded from DIR);
   - on Korean (the first 20 lines of FLORES-200 dev, kor_Hang) the adapted tokenizer gives
     fewer tokens than the base, decodes back to the text, uses new ids; a forward pass and
     ``generate(max_new_tokens=5)`` run and give finite logits;
   - every new id's input row is the mean of its pieces' rows as OUT/fairtok_adapt.json lists
     them (float64 sum in the pieces' order, divided, rounded to float32, then to the model's
     dtype), and the pieces are what the base tokenizer gives for the token's text; lm_head's
     new rows are the first piece's row (``first``) or the same mean (``mean``); the rows that
     belong to no id (--pad-to) are zero.

Prints a short summary per case and, last, one JSON line of the measured numbers.

Usage: check_adapt_e2e.py --fairtok BIN --shared DIR [--work DIR]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import transformers
from tokenizers import Tokenizer
from transformers import (AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM,
                          Qwen2Config, Qwen2ForCausalLM)

ADD = 2000
KOREAN_LINES = 20

# Text without a Hangul character: the extension must not change its tokens or logits.
ENGLISH_AND_CODE = [
    "The quick brown fox jumps over the lazy dog. It's 3:45 p.m., and we're done!",
    "Tokenizers split text into pieces; models read the pieces' embedding rows.",
    "def mean(xs: list[float]) -> float:\n    \"\"\"The mean.\"\"\"\n    return sum(xs) / len(xs)\n",
    "fn main() {\n\tlet v: Vec<u32> = (0..10).map(|i| i * 2).collect();\n\tprintln!(\"{v:?}\");\n}\n",
    "  Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u2014 \u201cquoted\u201d, 1234567, 0x1F, \U0001F642\r\n\r\nEnd.",
]

COMMON = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
              intermediate_size=128)

CASES = [
    {
        "name": "llama",
        "config": lambda: LlamaConfig(**COMMON, vocab_size=128256, tie_word_embeddings=False,
                                      bos_token_id=128000, eos_token_id=128001),
        "model_class": LlamaForCausalLM,
        "dtype": torch.bfloat16,
        "max_shard_size": "20MB",  # 16.4 MB per bf16 matrix: embed_tokens and lm_head apart
        "tokenizer": "llama3.tokenizer.json",
        "tokenizer_config": {"tokenizer_class": "PreTrainedTokenizerFast",
                             "bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>"},
        "adapt_args": ["--init", "first", "--pad-to", "64"],
    },
    {
        "name": "qwen2",
        "config": lambda: Qwen2Config(**COMMON, vocab_size=151936, tie_word_embeddings=True,
                                      bos_token_id=151643, eos_token_id=151643),
        "model_class": Qwen2ForCausalLM,
        "dtype": torch.float32,
        "max_shard_size": None,
        "tokenizer": "qwen3.tokenizer.json",
        "tokenizer_config": {"tokenizer_class": "Qwen2Tokenizer", "eos_token": "<|im_end|>",
                             "pad_token": "<|endoftext|>"},
        "adapt_args": [],
    },
]


def run(cmd):
    """Runs a command; on failure shows its output and stops."""
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAILED ({r.returncode}): {' '.join(map(str, cmd))}\n{r.stdout}{r.stderr}")
    return r.stdout


def load_model(path, dtype):
    """The model in eval mode; asserts that loading dropped, missed and reshaped nothing."""
    model, info = AutoModelForCausalLM.from_pretrained(path, dtype=dtype, output_loading_info=True)
    for key in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
        assert not info.get(key), f"{path}: loading reports {key}: {info[key]}"
    assert model.dtype == dtype, f"{path}: loaded as {model.dtype}, expected {dtype}"
    return model.eval()


def make_base(case, shared, d):
    """The tiny random checkpoint of `case` in `d`, with its real tokenizer."""
    torch.manual_seed(0)
    model = case["model_class"](case["config"]()).to(case["dtype"])
    kwargs = {"safe_serialization": True}
    if case["max_shard_size"]:
        kwargs["max_shard_size"] = case["max_shard_size"]
    model.save_pretrained(d, **kwargs)
    shutil.copy(shared / "data" / "vocab" / case["tokenizer"], d / "tokenizer.json")
    (d / "tokenizer_config.json").write_text(json.dumps(case["tokenizer_config"], indent=2))
    shards = sorted(p.name for p in d.glob("*.safetensors"))
    if case["max_shard_size"]:
        assert len(shards) >= 2, f"{d}: expected 2+ shards, got {shards}"
    return shards


def check_case(case, fairtok, shared, work):
    name, dtype = case["name"], case["dtype"]
    base_dir, out_dir, ext = work / name, work / f"{name}-adapted", work / f"{name}.ext.json"
    t0 = time.monotonic()
    shards = make_base(case, shared, base_dir)

    run([fairtok, "extend", "-t", base_dir / "tokenizer.json",
         "--input", f"kor_Hang={shared / 'data/corpus/ko.konlpy.txt'}",
         "--add", ADD, "-o", ext, "--format", "hf", "--quiet"])
    t_extend = time.monotonic()
    report = json.loads(run([fairtok, "adapt", "--model", base_dir, "-t", ext, "-o", out_dir,
                             "--quiet", "--json", *case["adapt_args"]]))
    t_adapt = time.monotonic()
    full = json.loads((out_dir / "fairtok_adapt.json").read_text())
    new_tokens = full["new_tokens"]
    base_ids, new_ids, rows = report["base_ids"], report["new_ids"], report["rows"]
    assert new_ids == ADD == len(new_tokens), (new_ids, len(new_tokens))
    assert [t["id"] for t in new_tokens] == list(range(base_ids, base_ids + new_ids))
    assert report["dtype"] == {torch.bfloat16: "BF16", torch.float32: "F32"}[dtype], report
    tied = case["config"]().tie_word_embeddings
    assert report["tied"] == tied, report
    assert "tokenizer_config.json" in report["copied"], report["copied"]

    # --- Load both. ---
    base = load_model(base_dir, dtype)
    adapted = load_model(out_dir, dtype)
    base_tok = AutoTokenizer.from_pretrained(base_dir)
    tok = AutoTokenizer.from_pretrained(out_dir)
    raw = Tokenizer.from_file(str(out_dir / "tokenizer.json"))

    # --- Shapes and ids. ---
    emb, base_emb = adapted.get_input_embeddings().weight, base.get_input_embeddings().weight
    head, base_head = adapted.get_output_embeddings().weight, base.get_output_embeddings().weight
    old_rows = base_emb.shape[0]
    pad = int(case["adapt_args"][case["adapt_args"].index("--pad-to") + 1]) \
        if "--pad-to" in case["adapt_args"] else 1
    expect_rows = -(-max(old_rows, base_ids + new_ids) // pad) * pad
    assert rows == expect_rows == adapted.config.vocab_size, (rows, expect_rows,
                                                               adapted.config.vocab_size)
    assert emb.shape == (rows, base_emb.shape[1]), emb.shape
    assert head.shape == (rows, base_head.shape[1]), head.shape
    assert (head.data_ptr() == emb.data_ptr()) == tied, "tying changed"
    assert len(base_tok) == base_ids, (len(base_tok), base_ids)
    assert len(tok) == base_ids + new_ids, (len(tok), base_ids + new_ids)
    for token, tid in base_tok.get_vocab().items():
        if tid >= base_ids - 300:  # the specials and the last merges
            assert tok.convert_tokens_to_ids(token) == tid, (token, tid)
    for tid, added in base_tok.added_tokens_decoder.items():
        assert tok.added_tokens_decoder[tid].content == added.content, (tid, added)

    # --- Every tensor but the embeddings' new rows is the base's. ---
    base_sd, sd = base.state_dict(), adapted.state_dict()
    assert base_sd.keys() == sd.keys(), base_sd.keys() ^ sd.keys()
    for key, t in base_sd.items():
        a = sd[key]
        if a.shape != t.shape:  # an embedding matrix
            assert torch.equal(a[:base_ids], t[:base_ids]), f"{key}: a base row changed"
        else:
            assert torch.equal(a, t), f"{key} changed"

    # --- English and code: same ids, same logits. ---
    max_diff, en_tokens = 0.0, 0
    with torch.no_grad():
        for text in ENGLISH_AND_CODE:
            ids = base_tok(text, return_tensors="pt")["input_ids"]
            ids2 = tok(text, return_tensors="pt")["input_ids"]
            assert torch.equal(ids, ids2), f"{name}: ids differ on {text!r}"
            assert raw.encode(text).ids == ids2[0].tolist(), "AutoTokenizer != tokenizers"
            en_tokens += ids.shape[1]
            lb = base(input_ids=ids).logits
            la = adapted(input_ids=ids).logits
            assert la.shape[-1] == rows and la.dtype == lb.dtype == dtype
            diff = (la[..., :base_ids].float() - lb[..., :base_ids].float()).abs().max().item()
            max_diff = max(max_diff, diff)
            assert torch.equal(la[..., :base_ids], lb[..., :base_ids]), \
                f"{name}: logits differ on {text!r}: max |diff| {diff}"

    # --- Korean: fewer tokens, new ids, runs. ---
    path = shared / "data/parallel/flores200-dev/kor_Hang.dev"
    lines = path.read_text(encoding="utf-8").splitlines()[:KOREAN_LINES]
    ko_base = sum(len(base_tok(l, add_special_tokens=False)["input_ids"]) for l in lines)
    ko_adapted = sum(len(tok(l, add_special_tokens=False)["input_ids"]) for l in lines)
    assert ko_adapted < ko_base, (ko_adapted, ko_base)
    text = "\n".join(lines[:5])
    enc = tok(text, return_tensors="pt")
    ids = enc["input_ids"]
    assert tok.decode(ids[0], skip_special_tokens=True) == text, "Korean does not round-trip"
    used_new = sorted({i for i in ids[0].tolist() if i >= base_ids})
    assert used_new, "the Korean text uses no new id"
    assert max(ids[0].tolist()) < base_ids + new_ids
    with torch.no_grad():
        logits = adapted(**enc).logits
    assert logits.shape == (1, ids.shape[1], rows), logits.shape
    assert torch.isfinite(logits).all(), "non-finite logits on Korean"
    gen = adapted.generate(**enc, max_new_tokens=5, do_sample=False,
                           pad_token_id=tok.pad_token_id if tok.pad_token_id is not None
                           else adapted.config.eos_token_id)
    assert ids.shape[1] < gen.shape[1] <= ids.shape[1] + 5, gen.shape
    assert torch.equal(gen[0, :ids.shape[1]], ids[0])
    with torch.no_grad():
        gen_logits = adapted(input_ids=gen).logits
    assert torch.isfinite(gen_logits).all(), "non-finite logits after generate"

    # --- The new rows. ---
    init = report["output_init"]  # None when tied
    assert init == (None if tied else ("first" if "first" in case["adapt_args"] else "mean"))
    bad_pieces, mean_rows, pieces_checked = [], 0, 0

    def mean_row(matrix, pieces):
        acc = matrix[pieces[0]].to(torch.float64)
        for p in pieces[1:]:
            acc = acc + matrix[p].to(torch.float64)
        return (acc / len(pieces)).to(torch.float32).to(dtype)

    for t in new_tokens:
        tid, pieces = t["id"], t["pieces"]
        assert pieces and all(0 <= p < base_ids for p in pieces), t
        assert raw.decode([tid], skip_special_tokens=False) == t["token"], (tid, t["token"])
        if "\ufffd" not in t["token"]:
            got = base_tok(t["token"], add_special_tokens=False)["input_ids"]
            pieces_checked += 1
            if got != pieces:
                bad_pieces.append((tid, t["token"], pieces, got))
        assert torch.equal(emb[tid], mean_row(base_emb, pieces)), \
            f"{name}: input row {tid} ({t['token']!r}) is not the mean of {pieces}"
        mean_rows += 1
        if not tied:
            want = base_head[pieces[0]] if init == "first" else mean_row(base_head, pieces)
            assert torch.equal(head[tid], want), f"{name}: lm_head row {tid} ({init})"
    assert not bad_pieces, f"pieces differ from the base tokenizer's: {bad_pieces[:5]}"
    zero_from = max(old_rows, base_ids + new_ids)
    assert rows - zero_from == report["zero_rows"], report
    assert not emb[zero_from:].any() and not head[zero_from:].any(), "padding rows not zero"
    # Rows past both the new ids and the zero rows (a padded model's spare rows) are kept.
    if old_rows > base_ids + new_ids:
        assert torch.equal(emb[base_ids + new_ids:old_rows], base_emb[base_ids + new_ids:])

    t_end = time.monotonic()
    result = {
        "dtype": str(dtype).removeprefix("torch."),
        "shards": len(shards),
        "tied": tied,
        "init": init,
        "base_ids": base_ids,
        "new_ids": new_ids,
        "old_rows": old_rows,
        "rows": rows,
        "reused_rows": report["reused_rows"],
        "zero_rows": report["zero_rows"],
        "english_tokens": en_tokens,
        "max_abs_logit_diff": max_diff,
        "korean_lines": len(lines),
        "korean_tokens_base": ko_base,
        "korean_tokens_adapted": ko_adapted,
        "korean_ratio": round(ko_adapted / ko_base, 4),
        "korean_new_ids_used": len(used_new),
        "flores_dev_tokens": report["sample_tokens"],
        "new_rows_checked": mean_rows,
        "pieces_checked_by_base_tokenizer": pieces_checked,
        "generated": tok.decode(gen[0, ids.shape[1]:]),
        "seconds": {"extend": round(t_extend - t0, 1), "adapt": round(t_adapt - t_extend, 1),
                    "check": round(t_end - t_adapt, 1)},
    }
    print(f"{name}: {dtype}, {len(shards)} shard(s), {'tied' if tied else 'untied, lm_head ' + init}"
          f": rows {old_rows} -> {rows} ({base_ids} base ids + {new_ids} new, "
          f"{report['reused_rows']} reused, {report['zero_rows']} zero)")
    print(f"  English/code: {en_tokens} tokens, same ids, logits equal (max |diff| {max_diff})")
    print(f"  Korean ({len(lines)} FLORES dev lines): {ko_base} -> {ko_adapted} tokens "
          f"({ko_adapted / ko_base:.3f}); forward and generate(5) finite")
    print(f"  {mean_rows} new input rows = mean of their pieces (bit for bit); pieces of "
          f"{pieces_checked} (the UTF-8 ones) = the base tokenizer's ids for their text"
          + ("" if tied else f"; lm_head rows by {init}"))
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fairtok", required=True, type=Path, help="the fairtok command")
    ap.add_argument("--shared", required=True, type=Path, help="the shared data directory")
    ap.add_argument("--work", type=Path,
                    help="keep the models here (must not exist); default: a temporary directory")
    args = ap.parse_args()
    transformers.utils.logging.disable_progress_bar()
    fairtok, shared = args.fairtok.resolve(), args.shared.resolve()
    assert fairtok.is_file() and os.access(fairtok, os.X_OK), f"no fairtok command at {fairtok}"
    assert (shared / "data/vocab").is_dir(), f"no shared data at {shared}"
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, "
          f"fairtok {run([fairtok, '--version']).strip()}")
    start = time.monotonic()
    tmp = None
    if args.work:
        args.work.mkdir(parents=True)
        work = args.work.resolve()
    else:
        tmp = tempfile.TemporaryDirectory(prefix="fairtok-adapt-e2e-")
        work = Path(tmp.name)
    try:
        results = {c["name"]: check_case(c, fairtok, shared, work) for c in CASES}
    finally:
        if tmp:
            tmp.cleanup()
    total = round(time.monotonic() - start, 1)
    print(f"all checks passed in {total} s")
    print(json.dumps({"torch": torch.__version__, "transformers": transformers.__version__,
                      "seconds": total, "cases": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
