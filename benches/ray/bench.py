"""Counting tokens on a Ray cluster: `fairtok.ray.count_tokens` against the way datatrove and
NeMo Curator count (Hugging Face tokenizers' `encode_batch` inside `map_batches`) and against
tiktoken inside `map_batches`, on the same Parquet data, on a local cluster of 1 and of 2 CPUs.

Before any time counts, every method's per-row counts on a sample are checked equal to the
single-machine library's (`Encoding.count`), and the full runs' totals are checked equal
between the methods that share a vocabulary. Peak memory per worker is the largest resident
set of any Ray worker process, sampled every 50 ms from /proc.

Every method runs on the first cluster size of --cpus; the --scaling-methods run on the others.
Each uses Ray Data's default batch size (the same for all).

Usage: .venv/bin/python benches/ray/bench.py [--data DIR] [--mb 512] [--cpus 2,1] [--json OUT]
(`DIR` is made from ../shared/data/corpus on first use: Korean and English lines, as Parquet
shards of about 16 MB with columns lang, text).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("FAIRTOK_SHARED", ROOT.parent / "shared"))
SOURCES = [
    ("kor_Hang", "ko.kowiki.txt.gz"),
    ("kor_Hang", "ko.nsmc.txt.gz"),
    ("kor_Hang", "ko.precedents.txt.gz"),
    ("eng_Latn", "en.gutenberg.txt.gz"),
    ("eng_Latn", "en.wikitext2.txt"),
]
LLAMA3_JSON = SHARED / "data" / "vocab" / "llama3.tokenizer.json"


def make_data(out: Path, mb: int) -> list[str]:
    """Parquet shards of about 16 MB (lang, text) from the shared corpus, repeated to `mb` MB."""
    out.mkdir(parents=True, exist_ok=True)
    existing = sorted(str(p) for p in out.glob("shard-*.parquet"))
    if existing:
        return existing
    lines: list[tuple[str, str]] = []
    for lang, name in SOURCES:
        path = SHARED / "data" / "corpus" / name
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            lines += [(lang, line.rstrip("\n")) for line in f if line.strip()]
    target, written, shard, shard_bytes, i = mb << 20, 0, [], 0, 0
    files = []
    while written < target:
        for lang, text in lines:
            shard.append((lang, text))
            n = len(text.encode())
            written += n
            shard_bytes += n
            if shard_bytes >= 16 << 20 or written >= target:
                path = out / f"shard-{i:03d}.parquet"
                pq.write_table(
                    pa.table({"lang": [x[0] for x in shard], "text": [x[1] for x in shard]}), path
                )
                files.append(str(path))
                shard, shard_bytes, i = [], 0, i + 1
            if written >= target:
                break
    return files


class PeakRss:
    """The largest resident set of any Ray worker process (`ray::` in its command line)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        if not f.read(5).startswith(b"ray::"):
                            continue
                    with open(f"/proc/{pid}/status") as f:
                        for line in f:
                            if line.startswith("VmRSS:"):
                                self.peak = max(self.peak, int(line.split()[1]) << 10)
                except OSError:
                    continue
            self._stop.wait(0.05)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# The methods: each maps a pyarrow batch to the same batch with a count column. -------------


def hf_batch(batch: pa.Table) -> pa.Table:
    """datatrove / NeMo Curator's way: HF tokenizers' encode_batch on the batch's Python str."""
    from tokenizers import Tokenizer

    global _HF
    if "_HF" not in globals():
        _HF = Tokenizer.from_file(str(LLAMA3_JSON))
    texts = [t or "" for t in batch.column("text").to_pylist()]
    counts = [len(e.ids) for e in _HF.encode_batch(texts, add_special_tokens=False)]
    return pa.table({"n": pa.array(counts, pa.int64())})


def tiktoken_batch(batch: pa.Table) -> pa.Table:
    """tiktoken's encode_ordinary_batch on the batch's Python str (o200k_base)."""
    import tiktoken
    import tiktoken.load

    global _TT
    if "_TT" not in globals():
        import fairtok

        # tiktoken's own constructor would download the rank file: the shared copy is read,
        # with the pattern and special tokens o200k_base has in both libraries.
        ranks = tiktoken.load.load_tiktoken_bpe(str(SHARED / "data/vocab/o200k_base.tiktoken"))
        ref = fairtok.get_encoding("o200k_base")
        _TT = tiktoken.Encoding(
            name="o200k_base",
            pat_str=ref._pat_str,
            mergeable_ranks=ranks,
            special_tokens=ref._special_tokens,
        )
    texts = [t or "" for t in batch.column("text").to_pylist()]
    counts = [len(x) for x in _TT.encode_ordinary_batch(texts, num_threads=1)]
    return pa.table({"n": pa.array(counts, pa.int64())})


def read_only_batch(batch: pa.Table) -> pa.Table:
    """The floor: Ray Data reads and hands over the batch; its rows are counted, not tokenized."""
    return pa.table({"n": pa.array([batch.num_rows], pa.int64())})


def run(method: str, files: list[str], sample: bool = False):
    import ray.data

    import fairtok.ray as fr

    ds = ray.data.read_parquet(files)
    if method.startswith("fairtok"):
        tok = "o200k_base" if method == "fairtok-o200k" else str(LLAMA3_JSON)
        counted = fr.count_tokens(ds, {"n": tok}).select_columns(["tokens_n"])
        col = "tokens_n"
    elif method == "read-only":
        counted = ds.map_batches(read_only_batch, batch_format="pyarrow")
        col = "n"
    else:
        fn = hf_batch if method == "hf-llama3" else tiktoken_batch
        env = {"RAYON_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "true"}
        counted = ds.map_batches(fn, batch_format="pyarrow", runtime_env={"env_vars": env})
        col = "n"
    if sample:
        return [r[col] for r in counted.take_all()]
    return counted.sum(col)


METHODS = ["fairtok-o200k", "tiktoken-o200k", "fairtok-llama3-json", "hf-llama3"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT / "target" / "bench-ray-data"))
    ap.add_argument("--mb", type=int, default=512)
    ap.add_argument("--cpus", default="2,1")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--scaling-methods", default="fairtok-o200k",
                    help="the methods also run on the other cluster sizes (all: every method)")
    ap.add_argument("--json", default=str(Path(__file__).parent / "results" / "results.json"))
    args = ap.parse_args()
    files = make_data(Path(args.data), args.mb)
    table = pq.read_table(files, columns=["text"])
    total_bytes = sum(len(t.encode()) for t in table.column("text").to_pylist())
    docs = table.num_rows
    del table
    print(f"data: {len(files)} shards, {docs} documents, {total_bytes / 1e6:.1f} MB of text", flush=True)

    import ray
    import ray.data

    results = []
    for k, cpus in enumerate(int(c) for c in args.cpus.split(",")):
        methods = args.methods.split(",")
        if k > 0 and args.scaling_methods != "all":
            methods = [m for m in methods if m in args.scaling_methods.split(",")]
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        import fairtok

        # Exactness first: every method's rows equal the library's on a sample shard.
        sample = files[:1]
        texts = pq.read_table(sample, columns=["text"]).column("text").to_pylist()
        o200k, llama3 = fairtok.get_encoding("o200k_base"), fairtok.load(LLAMA3_JSON)
        for m in methods:
            if m == "read-only":
                continue
            ref = o200k if "o200k" in m else llama3
            want = [ref.count(t or "") for t in texts]
            got = run(m, sample, sample=True)
            assert sorted(got) == sorted(want), f"{m}: counts differ from the library on {sample[0]}"
        totals = {}
        for m in methods:
            with PeakRss() as rss:
                t = time.perf_counter()
                n = run(m, files)
                secs = time.perf_counter() - t
            totals[m] = n
            r = {
                "cpus": cpus,
                "method": m,
                "tokens": n,
                "seconds": round(secs, 2),
                "mb_per_s": round(total_bytes / 1e6 / secs, 2),
                "docs_per_s": round(docs / secs),
                "peak_worker_rss_mb": round(rss.peak / 2**20),
            }
            results.append(r)
            print(json.dumps(r), flush=True)
        for a, b in (("fairtok-o200k", "tiktoken-o200k"), ("fairtok-llama3-json", "hf-llama3")):
            if a in totals and b in totals:
                assert totals[a] == totals[b], f"totals differ: {a} {totals[a]}, {b} {totals[b]}"
        ray.shutdown()
    out = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_before": os.getloadavg(),
        "data": {"shards": len(files), "documents": docs, "text_mb": round(total_bytes / 1e6, 1)},
        "results": results,
    }
    Path(args.json).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
