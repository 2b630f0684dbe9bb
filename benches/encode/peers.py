#!/usr/bin/env python3
"""Exact encoders from the package index, side by side with fairtok (issue 17).

Engines: fairtok (this checkout), gigatoken, fastokens, toktok-rs, quicktok-v1, bpe-openai and
tiktoken (versions in requirements-peers.txt), on o200k_base and cl100k_base. Driven by
benches/encode/peers.sh, which makes the venv.

Method:

* Texts, from SHARED/data/corpus, never repeated: English (the five en.* files of bench.py),
  Korean (NSMC), code (Python and Rust), Japanese/Chinese (ja.manpages + zh.manpages); each the
  files concatenated, capped at --size-mib MiB (default 32) at a line end, then cut at the first
  line end after its middle into half A and half B.
* A cell is (engine, vocabulary, text, mode, threads). Each trial of a cell is a fresh Python
  process that imports only its engine, builds one object (its load time is recorded) and
  times two calls on it: "cold", the object's first call, on half A; "warm", its next call, on
  half B, other lines of the same kind, as in a long-running process. A cache kept across calls
  is thus measured on text it has never seen, and nothing is shared between cells. Whatever an
  engine defers to its first call counts in cold. Trials are interleaved (every cell once, then
  every cell again), best of --repeat.
* Modes: the half as one string, as a list of ints (`list`), as one uint32 buffer (`numpy`) or
  as a count (`count`); the half as lines, each with its line feed, in one batch call
  (`batch-list`, `batch-numpy`: flat ids with offsets, `batch-count`). The call of each engine
  and mode is in CALLS, and printed under the tables. Batches also run at 2 threads.
* Threads: one unless said, set by the engine's own parameter (num_threads, threads, parallel)
  and, in every process, by RAYON_NUM_THREADS and FASTOKENS_BPE_THREADS (fastokens has no
  parameter).
* Exactness before speed: the result of every timed call is hashed after its timer stops
  (blake2b of the ids as little-endian uint32, and of the per-line token counts for a batch) and
  compared with tiktoken's `encode_ordinary` of the same text (`encode_ordinary_batch` for
  lines); a count is compared with tiktoken's number of tokens. No extra call is made, so the
  check warms no cache. A cell that differs in any trial is marked ≠ and not ranked.
* Timing: wall time (perf_counter) and the CPU time of the whole process, all its threads
  (process_time), around each call. The main figure is MB per core-second (UTF-8 bytes / CPU
  seconds), MB/s of wall time beside it: an engine that uses more cores than it was given shows
  as CPU > wall. Best of the trials, CPU and wall each.
* Worst cases (o200k_base, the whole-text modes): the first call of a fresh object on 1 MiB of
  `a` and on 1 MiB of `가`, seconds of wall time, stopped after --worst-limit seconds.

  peers.py run SHARED [--size-mib 32] [--repeat 3] [--worst-limit 60] [--engines fairtok,...]
      [--vocabs o200k_base,...] [--texts English,...]
                      [--out benches/encode/peers-results.json]
  peers.py markdown RESULTS_JSON
"""
import argparse, array, datetime, gzip, hashlib, itertools, json, os, platform, subprocess, sys, tempfile, time
from importlib import metadata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")

ENGINES = ["fairtok", "gigatoken", "fastokens", "toktok-rs", "quicktok-v1", "bpe-openai", "tiktoken"]
PACKAGES = ENGINES + ["tokenizers", "numpy", "awkward"]
VOCABS = ["o200k_base", "cl100k_base"]
TEXTS = {
    "English": ["en.gutenberg.txt.gz", "en.wikitext2.txt", "en.debian-docs.txt", "en.manpages.txt.gz", "en.libreoffice-help.txt.gz"],
    "Korean (NSMC)": ["ko.nsmc.txt.gz"],
    "code": ["code.python.txt.gz", "code.rust.txt.gz"],
    "Japanese/Chinese": ["ja.manpages.txt.gz", "zh.manpages.txt.gz"],
}
WORST = {"1 MiB of 'a'": "a" * (1 << 20), "1 MiB of '가'": "가" * ((1 << 20) // 3)}

# How each engine is built (`path`: the shared .tiktoken file of `vocab`) and called: `e` is the
# object, `x` the text (a str, or a list of lines for batch-*), `n` the number of threads.
LOAD = {
    "fairtok": "fairtok.get_encoding(vocab)",
    "gigatoken": "gigatoken.Tokenizer.from_tiktoken(path, special_tokens={})",
    "fastokens": "fastokens.Tokenizer.from_tiktoken(path, encoding=vocab, special_tokens={})",
    "toktok-rs": "toktok._encoding(vocab)",
    "quicktok-v1": "quicktok.get_encoding(vocab)",
    "bpe-openai": "bpe_openai.get_encoding(vocab)",
    "tiktoken": "differential.tt(path, differential.O200K if vocab == 'o200k_base' else differential.CL100K, vocab)",
}
MODULE = {"toktok-rs": "toktok", "quicktok-v1": "quicktok", "bpe-openai": "bpe_openai", "tiktoken": "differential"}
CALLS = {
    "fairtok": {
        "list": "e.encode_ordinary(x)",
        "numpy": "e.encode_to_numpy(x, disallowed_special=())",
        "count": "e.count(x)",
        "batch-list": "e.encode_ordinary_batch(x, num_threads=n)",
        "batch-numpy": "e.encode_ordinary_batch_to_numpy(x, num_threads=n)",  # or encode_batch_to_numpy: fairtok_calls()
        "batch-count": "e.count_batch(x, num_threads=n)",
    },
    "gigatoken": {
        "list": "e.encode_batch_list([x], parallel=False)[0]",
        "numpy": "e.encode(x)",
        "batch-list": "e.encode_batch_list(x, parallel=n > 1)",
        "batch-numpy": "e.encode_batch(x, parallel=n > 1)",
    },
    "fastokens": {
        "list": "e.encode_ordinary(x).ids",
        "numpy": "np.frombuffer(e.encode_batch_flat([x])[0], np.uint32)",
        "batch-list": "[r.ids for r in e.encode_batch(x)]",
        "batch-numpy": "[np.frombuffer(b, t) for b, t in zip(e.encode_batch_flat(x), (np.uint32, np.uint64))]",
    },
    "toktok-rs": {
        "list": "e.encode_ordinary(x)",
        "numpy": "e.encode_to_numpy(x, disallowed_special=())",
        "count": "e.count(x)",
        "batch-numpy": "e.encode_batch_to_numpy(x, threads=n)",
        "batch-count": "e.count_batch(x, threads=n)",
    },
    "quicktok-v1": {
        "list": "e.encode_ordinary(x)",
        "numpy": "e.encode_batch([x], 1)[0]",
        "count": "e.count(x)",
        "batch-numpy": "e.encode_batch(x, n)",
    },
    "bpe-openai": {
        # Its encode_ordinary refuses a text of 10^6 characters or more; this is the Rust call
        # under it, with nothing in between.
        "list": "e._backend.encode(x)",
        "count": "e._backend.count(x)",
        "batch-list": "e.encode_ordinary_batch(x, num_threads=n)",
    },
    "tiktoken": {
        "list": "e.encode_ordinary(x)",
        "numpy": "e.encode_to_numpy(x, disallowed_special=())",
        "batch-list": "e.encode_ordinary_batch(x, num_threads=n)",
    },
}
IDS = {"list": "L", "numpy": "N"}  # the whole-text ids modes and their letter in the tables


def fairtok_calls():
    """fairtok's batch-numpy call, if the installed fairtok has one (flat uint32 ids, int64
    offsets); its other calls are fixed."""
    import fairtok
    calls = dict(CALLS["fairtok"])
    names = [m for m in ("encode_ordinary_batch_to_numpy", "encode_batch_to_numpy") if hasattr(fairtok.Encoding, m)]
    if names:
        calls["batch-numpy"] = f"e.{names[0]}(x, num_threads=n)"
    else:
        del calls["batch-numpy"]
    return calls


# ---- one trial: a fresh process ----

def lines(text):
    """The lines of `text`, each with its line feed."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def digest(out, mode):
    """What is compared with tiktoken: the token count and hashes of the ids and of the per-line
    counts, from any of the engines' result shapes (lists, numpy arrays, flat ids with offsets,
    awkward arrays)."""
    def h(a):
        b = a.astype("<u4").tobytes() if hasattr(a, "astype") else array.array("I", a).tobytes()
        return hashlib.blake2b(b, digest_size=16).hexdigest()
    if mode == "count":
        return {"tokens": int(out)}
    if mode == "batch-count":
        return {"tokens": int(sum(out)), "lengths": h(out)}
    if not mode.startswith("batch"):
        return {"tokens": len(out), "ids": h(out)}
    if type(out).__module__.startswith("awkward"):  # gigatoken's encode_batch
        import awkward as ak
        flat, lens = ak.flatten(out).to_numpy(), ak.num(out).to_numpy()
    elif len(out) == 2 and all(hasattr(x, "astype") for x in out):
        flat, lens = out[0], out[1][1:] - out[1][:-1]  # flat ids and offsets
    else:  # a list of lists
        flat, lens = array.array("I", itertools.chain.from_iterable(out)), [len(ids) for ids in out]
    return {"tokens": len(flat), "ids": h(flat), "lengths": h(lens)}


def child(a):
    """One trial of a cell: load the engine, time its first call, on half A ("cold"), and its
    second call, on half B ("warm"). Prints the result as JSON."""
    np = __import__("numpy") if "numpy" in a.mode else None  # imported by the caller of a numpy call
    sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
    call = (fairtok_calls() if a.engine == "fairtok" else CALLS[a.engine])[a.mode]
    halves = [open(p, encoding="utf-8").read() for p in a.halves]
    xs = [lines(t) for t in halves] if a.mode.startswith("batch") else halves
    name = MODULE.get(a.engine, a.engine)
    env = {name: __import__(name), "vocab": a.vocab, "path": os.path.join(a.shared, "data", "vocab", f"{a.vocab}.tiktoken")}
    t0 = time.perf_counter()
    e = eval(LOAD[a.engine], env)
    res = {"load_s": time.perf_counter() - t0, "phases": []}
    call = eval("lambda x: " + call, {"e": e, "n": a.threads, "np": np})
    for text, x in zip(halves, xs):
        w0, c0 = time.perf_counter(), time.process_time()
        out = call(x)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        res["phases"].append(dict(bytes=len(text.encode()), wall_s=wall, cpu_s=cpu, **digest(out, a.mode)))
        del out
    print(json.dumps(res))


# ---- the run ----

def read_text(shared, files, mib):
    sys.path.insert(0, HERE)
    import bench  # noqa: E402  (its `prefix`: the first MIB MiB, ending after a line feed)
    parts = []
    for f in files:
        p = os.path.join(shared, "data", "corpus", f)
        s = (gzip.open(p).read() if f.endswith(".gz") else open(p, "rb").read()).decode("utf-8", "replace")
        parts.append(s if s.endswith("\n") else s + "\n")
    return bench.prefix("".join(parts), mib)


def halve(text):
    """Half A and half B, cut after the first line feed at or after the middle byte."""
    b = text.encode()
    p = b.find(b"\n", len(b) // 2) + 1 or len(b) // 2
    return b[:p].decode(), b[p:].decode()


def load_average():
    return [float(x) for x in open("/proc/loadavg").read().split()[:3]]


def machine():
    model = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((l.split(":", 1)[1].strip() for l in model.splitlines() if l.startswith("Model name")), platform.processor())
    return {"cpu": model, "nproc": os.cpu_count(), "system": f"{platform.system()} {platform.release()} {platform.machine()}", "python": platform.python_version()}


def versions():
    v = {}
    for p in PACKAGES:
        try:
            v[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            v[p] = None
    git = lambda *c: subprocess.run(["git", "-C", ROOT, *c], capture_output=True, text=True).stdout.strip()
    v["checkout"] = git("rev-parse", "--short", "HEAD") + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")
    v["fairtok_sources"] = git("log", "-1", "--format=%h", "--", "crates", "python", "pyproject.toml", "Cargo.toml", "Cargo.lock")
    return v


def trial(engine, vocab, mode, threads, halves, shared, limit):
    """The result of one child process (see `child`), or why there is none."""
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), FASTOKENS_BPE_THREADS=str(threads))
    cmd = [sys.executable, os.path.abspath(__file__), "child", engine, vocab, mode, str(threads), shared, *halves]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, env=env)
    except subprocess.TimeoutExpired:
        return {"timeout_s": limit}
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or [f"exit {r.returncode}"])[-1][:300]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def run(a):
    started = time.time()
    res = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
           "versions": versions(), "options": {"size_mib": a.size_mib, "repeat": a.repeat, "worst_limit": a.worst_limit, "engines": a.engines},
           "load_average": {"start": load_average()}, "texts": {}, "cells": [], "worst": []}
    engines = [e for e in ENGINES if e in a.engines.split(",") or e == "tiktoken"]
    vocabs = [v for v in VOCABS if v in a.vocabs.split(",")]
    texts = {t: f for t, f in TEXTS.items() if any(t.startswith(p) for p in a.texts.split(","))}
    res["vocabs"] = vocabs
    calls = dict(CALLS, fairtok=fairtok_calls())
    res["engines"], res["calls"], res["load"] = engines, calls, LOAD
    with tempfile.TemporaryDirectory() as tmp:
        halves = {}
        for name, files in texts.items():
            parts = halve(read_text(a.shared, files, a.size_mib))
            halves[name] = []
            for tag, part in zip("AB", parts):
                p = os.path.join(tmp, f"{len(halves)}{tag}.txt")
                with open(p, "w", encoding="utf-8") as f:
                    f.write(part)
                halves[name].append(p)
            res["texts"][name] = {"files": files, "bytes": [len(x.encode()) for x in parts], "lines": [len(lines(x)) for x in parts]}
        res["cells"] = cells = [dict(engine=e, vocab=v, text=t, mode=m, threads=n, trials=[])
                                for v in vocabs for t in texts for e in engines for m in calls[e]
                                for n in ((1, 2) if m.startswith("batch") else (1,))]
        for name, text in WORST.items():
            p = os.path.join(tmp, f"worst{len(res['worst'])}.txt")
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
            res["worst"] += [dict(engine=e, vocab="o200k_base", text=name, mode=m, threads=1, trials=[], path=p, limit=a.worst_limit)
                             for e in engines for m in calls[e] if not m.startswith("batch")]
        for c in cells:
            c.update(path=halves[c["text"]], limit=a.cell_limit)
        for k in range(a.repeat):
            res["load_average"][f"trial {k + 1}"] = load_average()
            for i, c in enumerate(cells + res["worst"]):
                if k and "phases" not in c["trials"][-1]:
                    continue  # failed or stopped: not again
                paths = c["path"] if isinstance(c["path"], list) else [c["path"]]
                load = load_average()[0]
                c["trials"].append(dict(trial(c["engine"], c["vocab"], c["mode"], c["threads"], paths, a.shared, c["limit"]), load1=load))
                print(f"[{time.time() - started:4.0f} s] trial {k + 1}/{a.repeat}, {i + 1}/{len(cells) + len(res['worst'])}: "
                      f"{c['engine']} {c['vocab']} {c['text']} {c['mode']} x{c['threads']}: {summary(c['trials'][-1])}", file=sys.stderr, flush=True)
        for c in cells + res["worst"]:
            del c["path"], c["limit"]
    res["load_average"]["end"] = load_average()
    res["duration_s"] = round(time.time() - started)
    check(res)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1, ensure_ascii=False)
    print(markdown(res))


def summary(t):
    if "phases" not in t:
        return json.dumps(t)
    return ", ".join(f"{p['bytes'] / p['cpu_s'] / 1e6:.0f} ({p['bytes'] / p['wall_s'] / 1e6:.0f})" for p in t["phases"])


def check(res):
    """Marks every cell `equal` (all its trials give tiktoken's ids, or count) or not, and keeps
    its best CPU and wall time per phase."""
    ref = {}
    for c in res["cells"] + res["worst"]:
        if c["engine"] == "tiktoken" and c["mode"] in ("list", "batch-list") and c["threads"] == 1:
            t = next((t for t in c["trials"] if "phases" in t), None)
            if t:
                ref[c["vocab"], c["text"], c["mode"].startswith("batch")] = t["phases"]
    for c in res["cells"] + res["worst"]:
        ok = [t for t in c["trials"] if "phases" in t]
        want = ref.get((c["vocab"], c["text"], c["mode"].startswith("batch")))
        if not ok or want is None:
            c["equal"] = None
            continue
        c["equal"] = all(p[k] == w[k] for t in ok for p, w in zip(t["phases"], want) for k in p if k in ("tokens", "ids", "lengths"))
        c["best"] = [{"bytes": ps[0]["bytes"], "cpu_s": min(p["cpu_s"] for p in ps), "wall_s": min(p["wall_s"] for p in ps)}
                     for ps in zip(*(t["phases"] for t in ok))]
        c["load_s"] = min(t["load_s"] for t in ok)


# ---- tables ----

def find(res, **kw):
    return next((c for c in res["cells"] if all(c[k] == v for k, v in kw.items())), None)


def rate(c, ph, wall=False):
    b = c["best"][ph]
    return b["bytes"] / (b["wall_s"] if wall else b["cpu_s"]) / 1e6


def best_of(res, modes, ph, **kw):
    """The fastest exact cell among `modes` (per core-second), else the reason there is none."""
    cells = [c for m in modes if (c := find(res, mode=m, **kw))]
    if not cells:
        return None, "–"
    good = [c for c in cells if c.get("equal")]
    if good:
        return max(good, key=lambda c: rate(c, ph)), ""
    if any(c.get("equal") is False for c in cells):
        return None, "≠"
    c = cells[0]["trials"][-1] if cells[0]["trials"] else {}
    return None, "timeout" if "timeout_s" in c else "error"


def cell(res, ids_modes, count_mode, ph, letters, **kw):
    out = []
    for modes in (ids_modes, [count_mode]):
        c, why = best_of(res, modes, ph, **kw)
        if c is None:
            out.append(why)
            continue
        cpu, wall = rate(c, ph), rate(c, ph, wall=True)
        out.append(f"{cpu:.0f} ({wall:.0f})" + (f" {letters[c['mode']]}" if c["mode"] in letters else "") + (" ⁺" if c["best"][ph]["cpu_s"] > 1.15 * c["best"][ph]["wall_s"] else ""))
    return out[0] if out[1] == "–" else " / ".join(out)


def markdown(res):
    out = []
    engines = res["engines"]
    o = res["options"]
    out.append(f"\n{res['date']}; {res['machine']['cpu']}, {res['machine']['nproc']} CPUs; load average "
               + ", ".join(f"{k} {' '.join(map(str, v))}" for k, v in res["load_average"].items())
               + f"; --size-mib {o['size_mib']} --repeat {o['repeat']}; {res.get('duration_s', 0)} s")
    loads = sorted(t["load1"] for c in res["cells"] + res["worst"] for t in c["trials"] if "load1" in t)
    if loads:
        out.append(f"1-minute load average before each process: min {loads[0]}, median {loads[len(loads) // 2]}, max {loads[-1]}")
    out.append("versions: " + ", ".join(f"{k} {v}" for k, v in res["versions"].items()))
    out.append("texts (bytes of half A + half B; lines): " + "; ".join(
        f"{t} {b[0] / 1e6:.1f} + {b[1] / 1e6:.1f} MB, {sum(x['lines'])} lines" for t, x in res["texts"].items() for b in [x["bytes"]]))
    legend = ("MB per core-second (MB/s wall); `ids / count`: the best exact ids mode (L: list of ints, N: "
              "one uint32 buffer) / the count mode; ⁺: CPU time above 1.15 × wall time; ≠: differs from tiktoken; "
              "–: no such call")
    for title, ids, cnt, letters, threads in (
            ("whole text, 1 thread", ["list", "numpy"], "count", IDS, 1),
            ("batch of lines, 1 thread", ["batch-list", "batch-numpy"], "batch-count", {"batch-list": "L", "batch-numpy": "N"}, 1),
            ("batch of lines, 2 threads", ["batch-list", "batch-numpy"], "batch-count", {"batch-list": "L", "batch-numpy": "N"}, 2)):
        for v in res.get("vocabs", VOCABS):
            out.append(f"\n{v}, {title}. {legend}\n")
            out.append("| text | phase | " + " | ".join(engines) + " |")
            out.append("|---|---|" + "---:|" * len(engines))
            for t in res["texts"]:
                for ph, phase in enumerate(("cold", "warm")):
                    row = [cell(res, ids, cnt, ph, letters, engine=e, vocab=v, text=t, threads=threads) for e in engines]
                    out.append(f"| {t} | {phase} | " + " | ".join(row) + " |")
    out.append("\n2 threads / 1 thread, wall time, the same batch call (the best exact ids mode at 2 threads / batch-count)\n")
    out.append("| vocabulary | text | phase | " + " | ".join(engines) + " |")
    out.append("|---|---|---|" + "---:|" * len(engines))
    for v in res.get("vocabs", VOCABS):
        for t in res["texts"]:
            for ph, phase in enumerate(("cold", "warm")):
                row = []
                for e in engines:
                    r = []
                    for modes in (["batch-list", "batch-numpy"], ["batch-count"]):
                        c2, _ = best_of(res, modes, ph, engine=e, vocab=v, text=t, threads=2)
                        c1 = c2 and find(res, engine=e, vocab=v, text=t, mode=c2["mode"], threads=1)
                        if c1 and c1.get("equal"):
                            r.append(f"{rate(c2, ph, True) / rate(c1, ph, True):.2f}×")
                    row.append(" / ".join(r) or "–")
                out.append(f"| {v} | {t} | {phase} | " + " | ".join(row) + " |")
    cases = list(WORST)
    out.append("\nWorst cases, o200k_base, 1 thread, seconds of wall time (one call, fresh process; best of the trials)\n")
    out.append("| engine | mode | " + " | ".join(cases) + " |")
    out.append("|---|---|" + "---:|" * len(cases))
    for e in engines:
        for m in res["calls"][e]:
            cs = [next((c for c in res["worst"] if c["engine"] == e and c["mode"] == m and c["text"] == k), None) for k in cases]
            if not any(cs):
                continue
            cells = []
            for c in cs:
                last = c["trials"][-1] if c and c["trials"] else {}
                if c and c.get("best"):
                    cells.append(f"{c['best'][0]['wall_s']:.3f}" + ("" if c["equal"] else " ≠"))
                else:
                    cells.append(f"> {last['timeout_s']:.0f} (stopped)" if "timeout_s" in last else "error")
            out.append(f"| {e} | {m} | " + " | ".join(cells) + " |")
    out.append("\nLoading, seconds (fastest of all trials, in process, after the import)\n")
    out.append("| vocabulary | " + " | ".join(engines) + " |")
    out.append("|---|" + "---:|" * len(engines))
    for v in VOCABS:
        loads = [min((c["load_s"] for c in res["cells"] if c["engine"] == e and c["vocab"] == v and "load_s" in c), default=None) for e in engines]
        out.append(f"| {v} | " + " | ".join("–" if x is None else f"{x:.3f}" for x in loads) + " |")
    errors = sorted({f"{c['engine']} {c['mode']}: {t.get('error') or 'stopped after %ss' % t.get('timeout_s')}"
                     for c in res["cells"] + res["worst"] for t in c["trials"] if "phases" not in t})
    if errors:
        out.append("\nCalls that failed:\n\n" + "\n".join(f"* {x}" for x in errors))
    out.append("\nCalls (`e`: the object, `x`: the text or the list of lines, `n`: threads):\n")
    for e in engines:
        out.append(f"* {e}: `e = {res['load'][e]}`; " + "; ".join(f"{m}: `{c}`" for m, c in res["calls"][e].items()))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("shared")
    r.add_argument("--size-mib", type=int, default=32)
    r.add_argument("--repeat", type=int, default=3)
    r.add_argument("--worst-limit", type=float, default=60.0)
    r.add_argument("--cell-limit", type=float, default=600.0, help="seconds before a trial is stopped")
    r.add_argument("--engines", default=",".join(ENGINES), help="a comma-separated subset (tiktoken, the reference, always runs)")
    r.add_argument("--vocabs", default=",".join(VOCABS), help="a comma-separated subset of the vocabularies")
    r.add_argument("--texts", default=",".join(TEXTS), help="a comma-separated subset of the texts, by the start of their names (e.g. English,Korean)")
    r.add_argument("--out", default=os.path.join(HERE, "peers-results.json"))
    m = sub.add_parser("markdown")
    m.add_argument("results")
    c = sub.add_parser("child")
    for k in ("engine", "vocab", "mode"):
        c.add_argument(k)
    c.add_argument("threads", type=int)
    c.add_argument("shared")
    c.add_argument("halves", nargs="+")
    a = ap.parse_args()
    if a.cmd == "run":
        run(a)
    elif a.cmd == "child":
        child(a)
    else:
        print(markdown(json.load(open(a.results))))


if __name__ == "__main__":
    main()
