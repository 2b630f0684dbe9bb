#!/usr/bin/env python3
"""Encoder throughput, fairtok vs tiktoken, side by side in one run.

For each text kind (English, Korean, code: 32 MiB each, built from shared/data/corpus by
repeating the listed files) and each encoding (o200k_base, cl100k_base):
  * tiktoken `encode_ordinary` (load excluded), in this process;
  * `fairtok count -t ENC --threads N FILE` as a whole process (load included), N = 1 and 2;
and checks that the token counts are identical. Then the worst cases: 1 MiB of one repeated
character, 1 MiB of a repeated two-character word, a 10 MiB line with no space, each with a
time limit for tiktoken (which is quadratic on some of them).

usage: bench.py FAIRTOK_BIN SHARED_DIR [--size-mib 32]
"""
import argparse, gzip, json, os, platform, resource, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "python"))
import differential as d  # noqa: E402
import tiktoken  # noqa: E402

KINDS = {
    "English": ["en.gutenberg.txt.gz", "en.wikitext2.txt", "en.debian-docs.txt", "en.manpages.txt.gz", "en.libreoffice-help.txt.gz"],
    "Korean": ["ko.kowiki.txt.gz"],
    "code": ["code.python.txt.gz", "code.rust.txt.gz"],
}


def build(shared, files, size):
    parts = []
    for f in files:
        p = os.path.join(shared, "data", "corpus", f)
        parts.append((gzip.open(p).read() if f.endswith(".gz") else open(p, "rb").read()).decode("utf-8", "replace"))
    base = "".join(parts).encode()
    out = (base * (size // len(base) + 1))[:size]
    return out.decode("utf-8", "ignore")


def fairtok_count(bin_, enc, path, threads):
    t0 = time.perf_counter()
    r = subprocess.run([bin_, "count", "-t", enc, "--threads", str(threads), "--json", path], capture_output=True, check=True)
    wall = time.perf_counter() - t0
    return json.loads(r.stdout)["files"][0]["tokens"], wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fairtok")
    ap.add_argument("shared")
    ap.add_argument("--size-mib", type=int, default=32)
    ap.add_argument("--worst-limit", type=float, default=60.0)
    a = ap.parse_args()
    size = a.size_mib << 20
    vocab = os.path.join(a.shared, "data", "vocab")
    encs = {
        "o200k_base": d.tt(f"{vocab}/o200k_base.tiktoken", d.O200K, "o200k_base"),
        "cl100k_base": d.tt(f"{vocab}/cl100k_base.tiktoken", d.CL100K, "cl100k_base"),
    }
    rows = []
    tmp = tempfile.mkdtemp()
    for kind, files in KINDS.items():
        text = build(a.shared, files, size)
        path = os.path.join(tmp, f"{kind}.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        mb = len(text.encode()) / 1e6
        for name, enc in encs.items():
            t0 = time.perf_counter()
            n_tt = len(enc.encode_ordinary(text))
            tt = time.perf_counter() - t0
            row = {"kind": kind, "encoding": name, "mb": mb, "tiktoken_mbs": mb / tt, "tokens": n_tt}
            for th in (1, 2):
                n, wall = fairtok_count(a.fairtok, name, path, th)
                assert n == n_tt, f"{kind} {name}: fairtok {n} != tiktoken {n_tt}"
                row[f"fairtok_t{th}_mbs"] = mb / wall
            rows.append(row)
            print(json.dumps(row), flush=True)
    worst = []
    cases = {
        "1 MiB of 'a'": "a" * (1 << 20),
        "1 MiB of '가'": "가" * ((1 << 20) // 3),
        "1 MiB of 'ab '": "ab " * ((1 << 20) // 3),
        "10 MiB line, no space": ("abcdefghij0123456789!?" * ((10 << 20) // 22)),
    }
    for label, text in cases.items():
        path = os.path.join(tmp, "worst.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        _, wall = fairtok_count(a.fairtok, "o200k_base", path, 1)
        code = (
            "import sys,time;sys.path.insert(0,%r);import differential as d;"
            "e=d.tt(%r,d.O200K,'o');t=open(%r,encoding='utf-8').read();"
            "s=time.perf_counter();e.encode_ordinary(t);print(time.perf_counter()-s)"
        ) % (os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "python"), f"{vocab}/o200k_base.tiktoken", path)
        try:
            r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=a.worst_limit, text=True)
            tt = f"{float(r.stdout):.2f} s" if r.returncode == 0 else "error: " + r.stderr.strip().splitlines()[-1][:80]
        except subprocess.TimeoutExpired:
            tt = f"> {a.worst_limit:.0f} s (stopped)"
        worst.append({"case": label, "fairtok_s": wall, "tiktoken": tt})
        print(json.dumps(worst[-1]), flush=True)
    print(json.dumps({"rows": rows, "worst": worst, "tiktoken": tiktoken.__version__, "python": platform.python_version()}))


if __name__ == "__main__":
    main()
