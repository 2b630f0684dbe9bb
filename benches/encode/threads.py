"""fairtok's batches on 1 and 2 threads, and on 2 threads with every native thread refused
(issue 17: "two threads >= 1.8x one thread on batches; no slowdown when an OS thread is
refused"). Medians over fresh processes, because on a 2-vCPU virtual machine one trial of a
cell can differ from the next by 30%.

Each trial is one `peers.py child` process (load, a cold call on half A, a warm call on half B,
ids hashed and checked against the 1-thread result), in the order 1 thread, 2 threads, 2
threads refused, repeated `--trials` times, so that a drift of the machine hits every variant
alike. "Refused" runs the child with `RUST_MIN_STACK` = 2^60: no thread stack can be mapped,
so every thread the extension asks for fails, as at a thread limit. With `--cli FAIRTOK`, the
`fairtok count --threads N` command on half A too (whole process, wall and CPU time).

Usage: python benches/encode/threads.py SHARED [--trials 7] [--texts English,Korean]
           [--modes batch-numpy,batch-count] [--vocab o200k_base] [--cli PATH]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import peers  # noqa: E402

REFUSING_STACK = str(1 << 60)
VARIANTS = [("1 thread", 1, False), ("2 threads", 2, False), ("2 threads, refused", 2, True)]


def child_trial(vocab, mode, threads, refused, halves, shared):
    """One `peers.py child` trial, with every native thread refused or not."""
    saved = os.environ.get("RUST_MIN_STACK")
    if refused:
        os.environ["RUST_MIN_STACK"] = REFUSING_STACK
    else:
        os.environ.pop("RUST_MIN_STACK", None)
    try:
        return peers.trial("fairtok", vocab, mode, threads, halves, shared, 600)
    finally:
        os.environ.pop("RUST_MIN_STACK", None)
        if saved is not None:
            os.environ["RUST_MIN_STACK"] = saved


def cli_trial(cli, vocab, threads, refused, path):
    """Wall and CPU seconds of `fairtok count -t VOCAB --threads N PATH`, and its output."""
    env = dict(os.environ)
    env.pop("RUST_MIN_STACK", None)
    if refused:
        env["RUST_MIN_STACK"] = REFUSING_STACK
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([cli, "count", "-t", vocab, "--threads", str(threads), "--json", path],
                         capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"fairtok count failed: {out.stderr.strip()[-300:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, out.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shared")
    ap.add_argument("--trials", type=int, default=7)
    ap.add_argument("--texts", default="English,Korean,code,Japanese")
    ap.add_argument("--modes", default="batch-numpy,batch-count")
    ap.add_argument("--vocab", default="o200k_base")
    ap.add_argument("--size-mib", type=int, default=32)
    ap.add_argument("--cli", help="a fairtok command to time as well")
    a = ap.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {peers.load_average()}; "
          f"{peers.machine()}; {a.trials} trials; {a.vocab}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, files in peers.TEXTS.items():
            if not any(name.startswith(t) for t in a.texts.split(",")):
                continue
            halves = []
            for tag, part in zip("AB", peers.halve(peers.read_text(a.shared, files, a.size_mib))):
                halves.append(os.path.join(tmp, f"{tag}.txt"))
                with open(halves[-1], "w", encoding="utf-8") as f:
                    f.write(part)
            for mode in a.modes.split(","):
                runs = {v: [] for v, _, _ in VARIANTS}
                for _ in range(a.trials):
                    for v, n, refused in VARIANTS:
                        r = child_trial(a.vocab, mode, n, refused, halves, a.shared)
                        if "phases" not in r:
                            raise SystemExit(f"{name} {mode} {v}: {r}")
                        runs[v].append(r["phases"])
                for ph in (0, 1):
                    digests = {(t[ph]["tokens"], t[ph].get("ids"), t[ph].get("lengths")) for v in runs for t in runs[v]}
                    assert len(digests) == 1, f"{name} {mode}: the variants differ: {digests}"
                med = {v: [statistics.median(t[ph]["wall_s"] for t in runs[v]) for ph in (0, 1)] for v in runs}
                cpu = {v: [statistics.median(t[ph]["cpu_s"] for t in runs[v]) for ph in (0, 1)] for v in runs}
                one = med["1 thread"]
                for v in runs:
                    cells = ", ".join(f"{ph} {med[v][i]:.3f} s (CPU {cpu[v][i]:.3f}, {one[i] / med[v][i]:.2f}x)"
                                      for i, ph in enumerate(("cold", "warm")))
                    print(f"{name:16s} {mode:11s} {v:19s} {cells}", flush=True)
            if a.cli:
                runs = {v: [] for v, _, _ in VARIANTS}
                for _ in range(a.trials):
                    for v, n, refused in VARIANTS:
                        runs[v].append(cli_trial(a.cli, a.vocab, n, refused, halves[0]))
                assert len({r[2] for v in runs for r in runs[v]}) == 1, "the counts differ"
                one = statistics.median(r[0] for r in runs["1 thread"])
                for v in runs:
                    wall = statistics.median(r[0] for r in runs[v])
                    cpu = statistics.median(r[1] for r in runs[v])
                    print(f"{name:16s} {'cli count':11s} {v:19s} {wall:.3f} s (CPU {cpu:.3f}, {one / wall:.2f}x)", flush=True)
    print(f"load average at the end {peers.load_average()}")


if __name__ == "__main__":
    main()
