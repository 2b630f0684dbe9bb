#!/usr/bin/env python3
"""Side-by-side BPE training benchmark: fairtok vs Hugging Face tokenizers vs SentencePiece.

For each job (a training file and a vocabulary size), every trainer runs in its own process under
/usr/bin/time (wall time, peak RSS); then the tokens each result needs on held-out text are
counted. Results go to a JSON file and a Markdown table on standard output.

Usage: benches/train/run.sh (builds fairtok, sets up the venv, calls this).
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

R50K_ONIG = r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++\z|\s+(?!\S)|\s"


def read_lines(path, limit_bytes=None, skip_bytes=0):
    opener = gzip.open if path.endswith(".gz") else open
    out, n, skipped = [], 0, 0
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if skipped < skip_bytes:
                skipped += len(line.encode())
                continue
            out.append(line)
            n += len(line.encode())
            if limit_bytes and n >= limit_bytes:
                break
    return out


def prepare(shared, work):
    """Writes the training files and returns the jobs and the held-out sets."""
    c = os.path.join(shared, "data", "corpus")
    flores = os.path.join(shared, "data", "parallel", "flores200-dev")
    nsmc = os.path.join(work, "ko.nsmc.txt")
    with open(nsmc, "w", encoding="utf-8") as f:
        f.writelines(read_lines(os.path.join(c, "ko.nsmc.txt.gz")))
    mixed = os.path.join(work, "mixed.txt")
    code_train_bytes = 6_000_000
    with open(mixed, "w", encoding="utf-8") as f:
        f.writelines(read_lines(os.path.join(c, "ko.kowiki.txt.gz"), 24_000_000))
        f.writelines(read_lines(os.path.join(c, "en.gutenberg.txt.gz"), 12_000_000))
        f.writelines(read_lines(os.path.join(c, "en.wikitext2.txt")))
        f.writelines(read_lines(os.path.join(c, "code.python.txt.gz"), code_train_bytes))
        f.writelines(read_lines(os.path.join(c, "code.rust.txt.gz"), code_train_bytes))
    held = {
        "ko": [l.rstrip("\n") for l in read_lines(os.path.join(flores, "kor_Hang.dev"))]
        + [l.rstrip("\n") for l in read_lines(os.path.join(c, "ko.klue-dev.txt"))],
        "en": [l.rstrip("\n") for l in read_lines(os.path.join(flores, "eng_Latn.dev"))]
        + [l.rstrip("\n") for l in read_lines(os.path.join(c, "en.debian-docs.txt"))],
        # Code after the part used for training.
        "code": [l.rstrip("\n") for l in read_lines(os.path.join(c, "code.rust.txt.gz"), 1_500_000, code_train_bytes + 100_000)],
    }
    jobs = [
        {"name": "nsmc", "file": nsmc, "vocab": 32000, "held": ["ko"]},
        {"name": "mixed", "file": mixed, "vocab": 32000, "held": ["ko", "en", "code"]},
    ]
    return jobs, held


HF_SCRIPT = r'''
import sys
from tokenizers import Tokenizer, Regex, decoders, models, pre_tokenizers, trainers
file, vocab, out, pattern = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.Sequence([
    pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
    pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
])
tok.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=vocab, show_progress=False,
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
tok.train([file], trainer)
tok.save(out)
'''

SPM_SCRIPT = r'''
import sys
import sentencepiece as spm
file, vocab, prefix, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
spm.SentencePieceTrainer.train(input=file, model_prefix=prefix, vocab_size=vocab,
    model_type="bpe", byte_fallback=True, num_threads=threads, input_sentence_size=0,
    max_sentence_length=1 << 20, minloglevel=2)
'''


def timed(cmd, log):
    """Runs cmd under /usr/bin/time; returns (wall seconds, peak RSS bytes)."""
    tf = tempfile.NamedTemporaryFile("r", suffix=".time", delete=False)
    tf.close()
    full = ["/usr/bin/time", "-f", "%e %M", "-o", tf.name] + cmd
    with open(log, "w") as lf:
        r = subprocess.run(full, stdout=lf, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}; see {log}")
    wall, rss_kb = open(tf.name).read().split()[-2:]
    os.unlink(tf.name)
    return float(wall), int(rss_kb) * 1024


def count_hf(path, lines):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(path)
    return sum(len(e.ids) for e in tok.encode_batch(lines, add_special_tokens=False))


def count_spm(model, lines):
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=model)
    return sum(len(ids) for ids in sp.encode(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fairtok", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--jobs", default="nsmc,mixed")
    ap.add_argument("--trainers", default="fairtok,hf,spm")
    ap.add_argument("--json", default="benches/train/results.json")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (trained files)")
    args = ap.parse_args()
    py = sys.executable
    work = tempfile.mkdtemp(prefix="fairtok-train-bench-")
    jobs, held = prepare(args.shared, work)
    results = []
    for job in jobs:
        if job["name"] not in args.jobs.split(","):
            continue
        size = os.path.getsize(job["file"])
        for trainer in args.trainers.split(","):
            d = os.path.join(work, f"{job['name']}-{trainer}")
            os.makedirs(d)
            log = os.path.join(d, "log.txt")
            if trainer == "fairtok":
                out = os.path.join(d, "tokenizer.json")
                cmd = [args.fairtok, "train", "--input", f"x={job['file']}", "--vocab-size",
                       str(job["vocab"]), "--pattern", "r50k", "--threads", str(args.threads),
                       "--quiet", "-o", out]
            elif trainer == "hf":
                out = os.path.join(d, "tokenizer.json")
                cmd = [py, "-c", HF_SCRIPT, job["file"], str(job["vocab"]), out, R50K_ONIG]
            else:
                out = os.path.join(d, "spm.model")
                cmd = [py, "-c", SPM_SCRIPT, job["file"], str(job["vocab"]),
                       os.path.join(d, "spm"), str(args.threads)]
            print(f"== {job['name']}: {trainer}", file=sys.stderr, flush=True)
            wall, rss = timed(cmd, log)
            tokens = {}
            for h in job["held"]:
                tokens[h] = count_spm(out, held[h]) if trainer == "spm" else count_hf(out, held[h])
            r = {"job": job["name"], "bytes": size, "vocab": job["vocab"], "trainer": trainer,
                 "wall_s": wall, "peak_rss_bytes": rss, "held_out_tokens": tokens}
            print(json.dumps(r), file=sys.stderr, flush=True)
            results.append(r)
    if args.keep:
        print(f"trained files kept in {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    with open(args.json, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                   "held_out_lines": {k: len(v) for k, v in held.items()},
                   "results": results}, f, indent=1)
    names = {"fairtok": "fairtok train", "hf": "HF tokenizers BpeTrainer",
             "spm": "SentencePiece BPE"}
    print("| job | trainer | wall time | peak RSS | held-out tokens | vs HF |")
    print("|---|---|---:|---:|---|---|")
    for r in results:
        hf = next((x for x in results if x["job"] == r["job"] and x["trainer"] == "hf"), None)
        toks = ", ".join(f"{k} {v:,}" for k, v in r["held_out_tokens"].items())
        rel = ""
        if hf:
            rel = ", ".join(f"{k} {100.0 * (v / hf['held_out_tokens'][k] - 1):+.2f}%"
                            for k, v in r["held_out_tokens"].items())
        print(f"| {r['job']} ({r['bytes'] / 1e6:.1f} MB, vocab {r['vocab']:,}) | {names[r['trainer']]} "
              f"| {r['wall_s']:.2f} s | {r['peak_rss_bytes'] / 1e9:.3f} GB | {toks} | {rel} |")


if __name__ == "__main__":
    main()
