"""Steps of benches/serve/run.sh (see README.md there).

    bench.py prepare DIR SHARED [--texts 5000] [--requests 20000] [--seed S] [--max-bytes 100000]
        the seeded text mix (texts.jsonl: text and tiktoken's count, computed here directly),
        the request order (schedule.json)
    bench.py check HOST PORT DIR
        every distinct text once: the server's count must equal tiktoken's (exit 1 otherwise)
    bench.py malformed HOST PORT DIR --pid PID [--total 3000] [--bad 1000] [--max-body B]
                       [--metrics] [--out FILE]
        good requests with malformed ones interleaved; every good answer its count, every bad one
        a 4xx JSON error (413 for the over-size ones), the server alive after; with --metrics,
        the /metrics counters must have moved by what was sent
    bench.py rss PID
        peak RSS (VmHWM) of PID and of each process under it, as JSON
    bench.py result DIR NAME WORKERS [--sum-workers] [--loadavg-before L] [--loadavg-after L]
        DIR/result-NAME.json from DIR/load-NAME.json and DIR/rss-NAME.json
    bench.py table DIR
        the Markdown table of DIR/result-*.json
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import serve_checks as sc  # noqa: E402


def prepare(a):
    os.environ.setdefault("FAIRTOK_SHARED", a.shared)
    sys.path.insert(0, str(HERE))
    from baseline_server import load_encodings  # tiktoken's o200k_base, local rank file

    enc = load_encodings()["o200k_base"]
    texts = sc.make_texts(a.shared, a.texts, seed=a.seed, max_bytes=a.max_bytes)
    out = Path(a.dir)
    out.mkdir(parents=True, exist_ok=True)
    total = {"ko": 0, "en": 0, "fixed": 0}
    with open(out / "texts.jsonl", "w", encoding="utf-8") as f:
        for lang, t in texts:
            n = len(enc.encode_ordinary(t))
            total[lang] += len(t.encode())
            f.write(json.dumps({"lang": lang, "text": t, "tokens": n}, ensure_ascii=False) + "\n")
    order = sc.schedule(len(texts), a.requests, seed=a.seed)
    (out / "schedule.json").write_text(json.dumps(order))
    sizes = sorted(len(t.encode()) for _, t in texts)
    req_bytes = sum(len(texts[i][1].encode()) for i in order)
    meta = {
        "texts": len(texts),
        "requests": a.requests,
        "seed": a.seed,
        "max_bytes": a.max_bytes,
        "text_bytes_by_lang": total,
        "size_min": sizes[0],
        "size_median": sizes[len(sizes) // 2],
        "size_max": sizes[-1],
        "request_text_bytes": req_bytes,
        "counted_with": "tiktoken %s Encoding.encode_ordinary" % __import__("tiktoken").__version__,
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=1))
    print(json.dumps(meta))


def load_texts(d):
    rows = [json.loads(line) for line in open(Path(d) / "texts.jsonl", encoding="utf-8")]
    return [r["text"] for r in rows], [r["tokens"] for r in rows]


def check(a):
    texts, expected = load_texts(a.dir)
    t0 = time.monotonic()
    bad = sc.check_counts(a.host, a.port, texts, expected)
    print(f"check: {len(texts)} distinct texts, {len(bad)} differ from tiktoken ({time.monotonic() - t0:.1f} s)")
    for b in bad[:10]:
        print("  text", b[0], "expected", b[1], "got", b[2])
    sys.exit(1 if bad else 0)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    st = Path(f"/proc/{pid}/status").read_text()
    return "State:\tZ" not in st


def metrics_snapshot(host, port):
    c = sc.Client(host, port)
    status, _, data = c.request("GET", "/metrics")
    c.close()
    if status != 200:
        raise RuntimeError(f"GET /metrics: {status}")
    return sc.parse_metrics(data.decode())


def malformed(a):
    texts, expected = load_texts(a.dir)
    # Good requests over the small and middle texts: the check is about answers, not speed.
    small = [i for i, t in enumerate(texts) if len(t.encode()) <= 20_000]
    before = metrics_snapshot(a.host, a.port) if a.metrics else None
    rep = sc.mixed_run(
        a.host, a.port, [texts[i] for i in small], [expected[i] for i in small],
        a.total, a.bad, a.max_body,
    )
    rep["alive"] = alive(a.pid)
    c = sc.Client(a.host, a.port)
    status, _, data = sc.post_count(c, "o200k_base", texts[0])
    rep["after"] = status == 200 and json.loads(data)["tokens"] == expected[0]
    c.close()
    if a.metrics:
        after = metrics_snapshot(a.host, a.port)
        rep["metrics"] = sc.metrics_delta_check(before, after, rep, extra_ok=[expected[0]])
    print(json.dumps({k: v for k, v in rep.items() if k != "problems"}, indent=1, default=str))
    for p in rep["problems"][:20]:
        print("  problem:", p)
    if a.out:
        Path(a.out).write_text(json.dumps(rep, indent=1, default=str))
    ok = not rep["problems"] and rep["alive"] and rep["after"]
    if a.metrics:
        ok = ok and not rep["metrics"]["problems"]
    print("malformed check:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


def hwm_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def descendants(pid):
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            kids = []
        for k in kids:
            out.append(int(k))
            out.extend(descendants(int(k)))
    return out


def cpu_s(stat_path):
    """(comm, user + system CPU seconds) from a /proc/.../stat file."""
    st = Path(stat_path).read_text()
    comm = st[st.index("(") + 1 : st.rindex(")")]
    f = st[st.rindex(")") + 2 :].split()
    tick = os.sysconf("SC_CLK_TCK")
    return comm, (int(f[11]) + int(f[12])) / tick


def rss(a):
    """Each process under PID (PID first): VmHWM, CPU seconds, and the CPU seconds of each of
    its threads by name (where the server's time went)."""
    procs = []
    for p in [a.pid] + descendants(a.pid):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            threads = {}
            for t in Path(f"/proc/{p}/task").iterdir():
                comm, s = cpu_s(t / "stat")
                threads[comm] = round(threads.get(comm, 0) + s, 2)
            procs.append({"pid": p, "vmhwm_kb": hwm_kb(p), "cpu_s": cpu_s(f"/proc/{p}/stat")[1],
                          "thread_cpu_s": threads, "cmd": cmd[:160]})
        except OSError:
            pass
    print(json.dumps(procs))


def result(a):
    """DIR/result-NAME.json from the step outputs of one server."""
    d = Path(a.dir)
    load = json.loads((d / f"load-{a.name}.json").read_text())
    procs = json.loads((d / f"rss-{a.name}.json").read_text())
    if a.sum_workers:
        # uvicorn --workers: the supervisor's children that run the app (multiprocessing spawn);
        # the supervisor itself is reported apart.
        workers = [p for p in procs[1:] if "spawn_main" in p["cmd"]]
        peak_kb = sum(p["vmhwm_kb"] for p in workers)
        rss_note = "sum of %d workers' VmHWM (%s kB); supervisor %d kB" % (
            len(workers), " + ".join(str(p["vmhwm_kb"]) for p in workers), procs[0]["vmhwm_kb"])
    else:
        peak_kb = procs[0]["vmhwm_kb"]
        rss_note = "VmHWM of the one process"
    # CPU seconds of the server's processes and threads during the timed load alone.
    cpu = {}
    before = d / f"rss0-{a.name}.json"
    if before.exists():
        b0 = {p["pid"]: p for p in json.loads(before.read_text())}
        for p in procs:
            p0 = b0.get(p["pid"], {"cpu_s": 0.0, "thread_cpu_s": {}})
            for t, v in p["thread_cpu_s"].items():
                key = t if not a.sum_workers else f"{p['pid']}:{t}"
                cpu[key] = round(v - p0["thread_cpu_s"].get(t, 0.0), 2)
    out = {
        "server": a.name,
        "server_cpu_s_during_load": cpu,
        "workers": a.workers,
        "load": load,
        "processes": procs,
        "peak_rss_mb": peak_kb / 1024,
        "peak_rss_note": rss_note,
        "loadavg_before": a.loadavg_before,
        "loadavg_after": a.loadavg_after,
    }
    (d / f"result-{a.name}.json").write_text(json.dumps(out, indent=1))


def table(a):
    d = Path(a.dir)
    rows = []
    for p in sorted(d.glob("result-*.json")):
        r = json.loads(p.read_text())
        rows.append(r)
    print("| server | workers / threads | req/s | MB/s | p50 ms | p99 ms | max ms | errors | failed | peak RSS MB | load avg (before → after) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        g = r["load"]
        print(
            f"| {r['server']} | {r['workers']} | {g['req_per_s']:,.0f} | {g['text_mb_per_s']:.1f} | "
            f"{g['p50_ms']:.2f} | {g['p99_ms']:.1f} | {g['max_ms']:.1f} | {g['errors']} | {g['failed']} | "
            f"{r['peak_rss_mb']:.0f} | {r['loadavg_before']} → {r['loadavg_after']} |"
        )
    print()
    for r in rows:
        g = r["load"]
        print(
            f"* {r['server']}: {g['answered']:,} answers of {g['requests']:,} requests in {g['wall_s']:.2f} s "
            f"over {g['connections']} connections, statuses {g['statuses']}, mean {g['mean_ms']:.2f} ms, "
            f"p90 {g['p90_ms']:.2f} ms; CPU seconds during the timed run: load generator {g['client_cpu_s']:.2f}, "
            f"server {sum(r.get('server_cpu_s_during_load', {}).values()):.2f} "
            f"({', '.join(f'{k} {v:.2f}' for k, v in r.get('server_cpu_s_during_load', {}).items() if v >= 0.01)}); "
            f"peak RSS: {r['peak_rss_note']}"
        )


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("dir")
    p.add_argument("shared")
    p.add_argument("--texts", type=int, default=5000)
    p.add_argument("--requests", type=int, default=20000)
    p.add_argument("--seed", type=int, default=20261130)
    p.add_argument("--max-bytes", type=int, default=100_000)
    p.set_defaults(f=prepare)
    p = sub.add_parser("check")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("dir")
    p.set_defaults(f=check)
    p = sub.add_parser("malformed")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("dir")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--total", type=int, default=3000)
    p.add_argument("--bad", type=int, default=1000)
    p.add_argument("--max-body", type=int, default=1 << 20)
    p.add_argument("--metrics", action="store_true")
    p.add_argument("--out")
    p.set_defaults(f=malformed)
    p = sub.add_parser("rss")
    p.add_argument("pid", type=int)
    p.set_defaults(f=rss)
    p = sub.add_parser("result")
    p.add_argument("dir")
    p.add_argument("name")
    p.add_argument("workers")
    p.add_argument("--sum-workers", action="store_true")
    p.add_argument("--loadavg-before", default="")
    p.add_argument("--loadavg-after", default="")
    p.set_defaults(f=result)
    p = sub.add_parser("table")
    p.add_argument("dir")
    p.set_defaults(f=table)
    a = ap.parse_args()
    a.f(a)


if __name__ == "__main__":
    main()
