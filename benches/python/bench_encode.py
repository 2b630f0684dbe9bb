#!/usr/bin/env python3
"""Throughput of the `fairtok` Python package against tiktoken, in the same run.

For each corpus (English prose, Korean prose, Python code from shared/data/corpus, the first
--mb megabytes of each, cut into documents of about 4 KB at line ends) and each encoding, it
times, for both libraries:

* `encode_ordinary`: a Python loop over the documents, one call each;
* `encode_batch(docs, num_threads=N)` for each N in --threads (tiktoken's default arguments:
  special tokens disallowed);
* `count_batch(docs, num_threads=N)`: fairtok's token counts, against the lengths of tiktoken's
  `encode_ordinary_batch` (tiktoken has no count; this shows what the Python lists cost);

and checks that fairtok's ids are identical to tiktoken's in every mode. Each timing is the best
of --repeat runs; MB/s is UTF-8 megabytes (10^6 bytes) per wall-clock second, MB/CPU-s per
second of CPU time of all the process's threads in that run (steadier than wall time on a busy
machine; with 2 threads, wall MB/s above MB/CPU-s shows parallel speed-up).

usage: bench_encode.py [--shared DIR] [--mb 8] [--repeat 3] [--threads 1,2]
                       [--encodings cl100k_base,o200k_base]

Needs `pip install .` (fairtok) and tiktoken in the running Python; tiktoken reads the rank files
from shared/data/vocab (no download).
"""

import argparse
import gzip
import os
import platform
import resource
import sys
import time
from pathlib import Path

import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as openai_public

import fairtok

ROOT = Path(__file__).resolve().parents[2]

CORPORA = {
    "English (en.wikitext2 + en.gutenberg)": ["en.wikitext2.txt", "en.gutenberg.txt.gz"],
    "Korean (ko.kowiki)": ["ko.kowiki.txt.gz"],
    "Python code (code.python)": ["code.python.txt.gz"],
}


def offline_tiktoken(vocab):
    """tiktoken's own constructors, reading the rank files from `vocab` (hashes still checked)."""
    load = tiktoken.load.load_tiktoken_bpe
    os.environ["TIKTOKEN_CACHE_DIR"] = ""
    openai_public.load_tiktoken_bpe = lambda url, expected_hash=None: load(
        str(vocab / url.rsplit("/", 1)[-1]), expected_hash
    )


def read_corpus(corpus_dir, files, limit):
    """The first `limit` UTF-8 bytes of the concatenated files, cut at a line end."""
    out, size = [], 0
    for name in files:
        path = corpus_dir / name
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                out.append(line)
                size += len(line.encode("utf-8"))
                if size >= limit:
                    return "".join(out)
    return "".join(out)


def documents(text, target=4096):
    """`text` cut into documents of about `target` bytes at line ends."""
    docs, cur, size = [], [], 0
    for line in text.splitlines(keepends=True):
        cur.append(line)
        size += len(line.encode("utf-8"))
        if size >= target:
            docs.append("".join(cur))
            cur, size = [], 0
    if cur:
        docs.append("".join(cur))
    return docs


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def best_of(repeat, f):
    """(wall seconds, CPU seconds of all threads) of the fastest of `repeat` runs, and the
    result."""
    best, best_cpu, result = float("inf"), 0.0, None
    for _ in range(repeat):
        c0, t0 = cpu_seconds(), time.perf_counter()
        result = f()
        t, c = time.perf_counter() - t0, cpu_seconds() - c0
        if t < best:
            best, best_cpu = t, c
    return best, best_cpu, result


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs (nproc), {mem} RAM, {platform.system()} {platform.machine()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("FAIRTOK_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--mb", type=float, default=8.0, help="megabytes of each corpus (default 8)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept")
    ap.add_argument("--threads", default="1,2", help="num_threads values for encode_batch")
    ap.add_argument("--encodings", default="cl100k_base,o200k_base")
    args = ap.parse_args()

    shared = Path(args.shared)
    offline_tiktoken(shared / "data" / "vocab")
    threads = [int(t) for t in args.threads.split(",")]
    names = args.encodings.split(",")

    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine: {machine()}")
    print(
        f"versions: fairtok {fairtok.__version__}, tiktoken {tiktoken.__version__}, "
        f"Python {platform.python_version()}"
    )
    print(f"command: {' '.join([Path(sys.executable).name] + sys.argv)}")
    print()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print(
        "| corpus | MB | docs | encoding | mode | tiktoken MB/s | fairtok MB/s "
        "| fairtok / tiktoken | tiktoken MB/CPU-s | fairtok MB/CPU-s | ids identical |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    mismatches = 0
    for label, files in CORPORA.items():
        text = read_corpus(shared / "data" / "corpus", files, int(args.mb * 1e6))
        docs = documents(text)
        mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
        for name in names:
            ref, enc = tiktoken.get_encoding(name), fairtok.get_encoding(name)
            modes = [
                ("encode_ordinary (loop)", lambda e: [e.encode_ordinary(d) for d in docs]),
            ] + [
                (f"encode_batch, {n} thread{'s' if n > 1 else ''}",
                 (lambda n: lambda e: e.encode_batch(docs, num_threads=n))(n))
                for n in threads
            ] + [
                (f"count_batch, {n} thread{'s' if n > 1 else ''}",
                 (lambda n: lambda e: e.count_batch(docs, num_threads=n) if e is enc else
                  [len(ids) for ids in e.encode_ordinary_batch(docs, num_threads=n)])(n))
                for n in threads
            ]
            for mode, run in modes:
                t_ref, c_ref, ids_ref = best_of(args.repeat, lambda: run(ref))
                t_got, c_got, ids_got = best_of(args.repeat, lambda: run(enc))
                same = ids_ref == ids_got
                mismatches += not same
                print(
                    f"| {label} | {mb:.2f} | {len(docs)} | {name} | {mode} | {mb / t_ref:.2f} | "
                    f"{mb / t_got:.2f} | {t_ref / t_got:.2f}x | {mb / c_ref:.2f} | {mb / c_got:.2f} | "
                    f"{'yes' if same else 'NO'} |",
                    flush=True,
                )
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if mismatches:
        print(f"\n{mismatches} runs gave different ids", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
