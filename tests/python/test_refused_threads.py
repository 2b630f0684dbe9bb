"""Batches when the system refuses every new thread (issue 17: "no slowdown when an OS thread is
refused"). A child interpreter runs with `RUST_MIN_STACK` so large (2^60 bytes) that no native
thread stack can be mapped, so every thread the extension asks for fails, as at a thread limit
(Python's own threads keep their default stack). Its batches with `num_threads=2` must give
tiktoken's ids, and it must really have run without native threads: a sampler counts the
process's threads while the batches run, and sees the workers when they are allowed.
"""

import hashlib
import json
import os
import subprocess
import sys

import pytest

from conftest import SHARED

REFUSING_STACK = str(1 << 60)

CHILD = r"""
import hashlib, json, os, sys, threading, time
import numpy as np
import fairtok

docs = json.load(open(sys.argv[1], encoding="utf-8"))
enc = fairtok.get_encoding("o200k_base")
most, stop = [1], threading.Event()

def sample():
    while not stop.is_set():
        most[0] = max(most[0], len(os.listdir("/proc/self/task")))
        time.sleep(0.0005)

sampler = threading.Thread(target=sample)
sampler.start()
before = len(os.listdir("/proc/self/task"))  # main, sampler, and any of numpy's
lists = enc.encode_ordinary_batch(docs, num_threads=2)
ids, offsets = enc.encode_ordinary_batch_to_numpy(docs, num_threads=2)
counts = enc.count_batch(docs, num_threads=2)
whole = enc.encode_ordinary("".join(docs[:400]))
stop.set()
sampler.join()
h = lambda a: hashlib.sha256(np.asarray(a, dtype="<u4").tobytes()).hexdigest()
print(json.dumps({
    "lists": h([i for ids in lists for i in ids]),
    "lengths": h([len(x) for x in lists]),
    "flat": h(ids), "offsets": h(np.diff(offsets)), "counts": h(counts), "whole": h(whole),
    "threads": most[0] - before,
}))
"""


def run_child(docs_path, refused):
    env = dict(os.environ)
    env.pop("RUST_MIN_STACK", None)
    if refused:
        env["RUST_MIN_STACK"] = REFUSING_STACK
    out = subprocess.run([sys.executable, "-c", CHILD, str(docs_path)], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_batches_without_threads_give_tiktokens_ids(tiktoken, tmp_path):
    flores = SHARED / "data" / "parallel" / "flores200-dev"
    docs = []
    for lang in ["kor_Hang", "eng_Latn", "jpn_Jpan"]:
        lines = (flores / f"{lang}.dev").read_text(encoding="utf-8").splitlines(keepends=True)
        docs += ["".join(lines[i:i + 5]) for i in range(0, len(lines), 5)]
    # Megabytes per thread: with threads, workers get their own copies (`batch.rs`).
    docs = docs * 12
    assert sum(len(d.encode()) for d in docs) > 4 << 20
    path = tmp_path / "docs.json"
    path.write_text(json.dumps(docs), encoding="utf-8")

    ref = tiktoken.get_encoding("o200k_base")
    want = ref.encode_ordinary_batch(docs)
    h = lambda a: hashlib.sha256(b"".join(i.to_bytes(4, "little") for i in a)).hexdigest()
    expected = {
        "lists": h([i for ids in want for i in ids]),
        "lengths": h([len(x) for x in want]),
        "whole": h(ref.encode_ordinary("".join(docs[:400]))),
    }
    expected["flat"], expected["offsets"], expected["counts"] = expected["lists"], expected["lengths"], expected["lengths"]

    free = run_child(path, refused=False)
    refused = run_child(path, refused=True)
    # The proof that the variable refuses the extension's threads: with it, the process never
    # has more threads than before the batches; without it, the workers show.
    assert free["threads"] > 0, free
    assert refused["threads"] == 0, refused
    for got in (free, refused):
        assert {k: got[k] for k in expected} == expected
