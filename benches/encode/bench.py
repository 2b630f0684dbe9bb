#!/usr/bin/env python3
"""Encoder throughput: fairtok against its Rust and Python peers, side by side in one run.

Two steps, both driven by benches/encode/run.sh:

  bench.py prepare DIR SHARED [--size-mib 32]
      Writes the texts and DIR/manifest.json. Corpus texts (English, Korean, code: SIZE MiB
      each, built from SHARED/data/corpus by repeating the listed files) and the worst cases
      (1 MiB of 'a', 1 MiB of '가', 1 MiB of 'ab ', a 10 MiB line with no space).

  (run.sh then runs the Rust peers: crates/fairtok-bench/benches/peers.rs -> DIR/rust.json)

  bench.py run DIR FAIRTOK_BIN SHARED [--worst-limit 60] [--out results.json]
      Python peers in this process, load excluded: tiktoken `encode_ordinary` (2 threads:
      `encode_ordinary_batch` over the two halves the Rust peers get) and HF tokenizers
      `Tokenizer.encode` on the tokenizer.json the Rust step wrote (2 threads: `encode_batch`).
      Then `fairtok count -t ENC --threads N FILE` as a whole process (load, read and UTF-8
      check included). Checks every count against tiktoken's, merges DIR/rust.json and writes
      the results JSON and Markdown tables.
"""
import argparse, gzip, json, os, platform, subprocess, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "python"))
import differential as d  # noqa: E402

KINDS = {
    "English": ["en.gutenberg.txt.gz", "en.wikitext2.txt", "en.debian-docs.txt", "en.manpages.txt.gz", "en.libreoffice-help.txt.gz"],
    "Korean": ["ko.kowiki.txt.gz"],
    "code": ["code.python.txt.gz", "code.rust.txt.gz"],
}
WORST = {
    "1 MiB of 'a'": lambda: "a" * (1 << 20),
    "1 MiB of '가'": lambda: "가" * ((1 << 20) // 3),
    "1 MiB of 'ab '": lambda: "ab " * ((1 << 20) // 3),
    "10 MiB line, no space": lambda: "abcdefghij0123456789!?" * ((10 << 20) // 22),
}
PAT = {"o200k_base": d.O200K, "cl100k_base": d.CL100K}


def build(shared, files, size):
    parts = []
    for f in files:
        p = os.path.join(shared, "data", "corpus", f)
        parts.append((gzip.open(p).read() if f.endswith(".gz") else open(p, "rb").read()).decode("utf-8", "replace"))
    base = "".join(parts).encode()
    out = (base * (size // len(base) + 1))[:size]
    return out.decode("utf-8", "ignore")


def cut(text, parts):
    """The same cut as peers.rs: before a line starting with an ASCII letter or a Hangul syllable."""
    b = text.encode()
    cuts = [0]
    for k in range(1, parts):
        i = max(len(b) * k // parts, cuts[-1])
        while True:
            j = b.find(b"\n", i)
            if j < 0 or j + 1 >= len(b):
                break
            p = j + 1
            c = b[p:p + 3].decode("utf-8", "ignore")[:1]
            if (c.isascii() and c.isalpha()) or ("\uac00" <= c <= "\ud7a3"):
                cuts.append(p)
                break
            i = p
    cuts.append(len(b))
    cuts = sorted(set(cuts))
    return [b[x:y].decode() for x, y in zip(cuts, cuts[1:])]


def prefix(text, mib):
    """The same as peers.rs: the first MIB MiB (0: all), ending after a line feed."""
    b = text.encode()
    if mib == 0 or len(b) <= mib << 20:
        return text
    p = b.rfind(b"\n", 0, mib << 20)
    return b[:p + 1 if p >= 0 else mib << 20].decode()


def prepare(a):
    os.makedirs(a.dir, exist_ok=True)
    texts = []
    for kind, files in KINDS.items():
        path = os.path.join(a.dir, f"{kind}.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(build(a.shared, files, a.size_mib << 20))
        texts.append({"name": kind, "path": path, "kind": "corpus"})
    for i, (label, make) in enumerate(WORST.items()):
        path = os.path.join(a.dir, f"worst{i}.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(make())
        texts.append({"name": label, "path": path, "kind": "worst"})
    with open(os.path.join(a.dir, "manifest.json"), "w") as f:
        json.dump({"texts": texts, "size_mib": a.size_mib}, f, indent=1)


def fairtok_count(bin_, enc, path, threads):
    t0 = time.perf_counter()
    r = subprocess.run([bin_, "count", "-t", enc, "--threads", str(threads), "--json", path], capture_output=True, check=True)
    wall = time.perf_counter() - t0
    return json.loads(r.stdout)["files"][0]["tokens"], wall


WORST_CHILD = """
import sys, time
sys.path.insert(0, %r)
import differential as d
peer, enc, vocab, path, tj = sys.argv[1:6]
t = open(path, encoding="utf-8").read()
if peer == "tiktoken-py":
    e = d.tt(vocab, d.O200K, "o200k_base"); s = time.perf_counter(); n = len(e.encode_ordinary(t))
else:
    import tokenizers
    e = tokenizers.Tokenizer.from_file(tj); s = time.perf_counter(); n = len(e.encode(t, add_special_tokens=False).ids)
print(time.perf_counter() - s, n)
"""


def best_of(repeat, f):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run(a):
    import tiktoken, tokenizers
    manifest = json.load(open(os.path.join(a.dir, "manifest.json")))
    rust = json.load(open(os.path.join(a.dir, "rust.json")))
    vocab = os.path.join(a.shared, "data", "vocab")
    rows = list(rust["rows"])
    worst = list(rust["worst"])
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "python")
    for t in manifest["texts"]:
        name, path = t["name"], t["path"]
        text = open(path, encoding="utf-8").read()
        mb = len(text.encode()) / 1e6
        if t["kind"] == "worst":
            for peer in ("tiktoken-py", "hf-tokenizers-py"):
                tj = os.path.join(a.dir, "o200k_base.tokenizer.json")
                cmd = [sys.executable, "-c", WORST_CHILD % here, peer, "o200k_base", f"{vocab}/o200k_base.tiktoken", path, tj]
                try:
                    r = subprocess.run(cmd, capture_output=True, timeout=a.worst_limit, text=True)
                    if r.returncode == 0:
                        s, n = r.stdout.split()
                        row = {"best_s": float(s), "tokens": int(n)}
                    else:
                        row = {"error": r.stderr.strip().splitlines()[-1][:200]}
                except subprocess.TimeoutExpired:
                    row = {"timeout_s": a.worst_limit}
                row.update(text=name, encoding="o200k_base", peer=peer, threads=1, mb=mb)
                worst.append(row)
                print(json.dumps(row), flush=True)
            n, wall = fairtok_count(a.fairtok, "o200k_base", path, 1)
            row = {"text": name, "encoding": "o200k_base", "peer": "fairtok-cli", "threads": 1, "mb": mb, "best_s": wall, "tokens": n}
            worst.append(row)
            print(json.dumps(row), flush=True)
            continue
        for enc in ("o200k_base", "cl100k_base"):
            tt = d.tt(f"{vocab}/{enc}.tiktoken", PAT[enc], enc)
            hf = tokenizers.Tokenizer.from_file(os.path.join(a.dir, f"{enc}.tokenizer.json"))
            hf_text = prefix(text, rust.get("hf_mib", 0))
            hf_mb = len(hf_text.encode()) / 1e6
            hf_ref = len(tt.encode_ordinary(hf_text))
            for th in (1, 2):
                parts = cut(text, th)
                hf_parts = cut(hf_text, th)
                if th == 1:
                    s, ids = best_of(a.repeat, lambda: tt.encode_ordinary(text))
                    n_tt = len(ids)
                    ref = n_tt
                else:
                    s, out = best_of(a.repeat, lambda: tt.encode_ordinary_batch(parts, num_threads=2))
                    n_tt = sum(map(len, out))
                rows.append({"text": name, "encoding": enc, "peer": "tiktoken-py", "threads": th, "mb": mb, "best_s": s, "mbs": mb / s, "tokens": n_tt})
                print(json.dumps(rows[-1]), flush=True)
                if th == 1:
                    s, e = best_of(1, lambda: hf.encode(hf_text, add_special_tokens=False))
                    n_hf = len(e.ids)
                    del e
                else:
                    s, es = best_of(1, lambda: hf.encode_batch(hf_parts, add_special_tokens=False))
                    n_hf = sum(len(e.ids) for e in es)
                    del es
                rows.append({"text": name, "encoding": enc, "peer": "hf-tokenizers-py", "threads": th, "mb": hf_mb, "best_s": s, "mbs": hf_mb / s, "tokens": n_hf})
                print(json.dumps(rows[-1]), flush=True)
                walls = [fairtok_count(a.fairtok, enc, path, th) for _ in range(a.repeat)]
                n = walls[0][0]
                s = min(w for _, w in walls)
                rows.append({"text": name, "encoding": enc, "peer": "fairtok-cli", "threads": th, "mb": mb, "best_s": s, "mbs": mb / s, "tokens": n})
                print(json.dumps(rows[-1]), flush=True)
            for r in rows:
                if r["text"] == name and r["encoding"] == enc:
                    want = hf_ref if r["peer"].startswith("hf-") else ref
                    r["tokens_equal_tiktoken"] = r.get("tokens") == want
    res = {
        "rows": rows,
        "worst": worst,
        "versions": dict(rust["versions"], tiktoken_py=tiktoken.__version__, tokenizers_py=tokenizers.__version__, python=platform.python_version()),
        "size_mib": manifest["size_mib"],
        "hf_mib": rust.get("hf_mib", 0),
        "repeat": a.repeat,
    }
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(markdown(res))


PEER_ORDER = ["fairtok-cli", "fairtok-count", "fairtok-encode", "bpe-openai-count", "bpe-openai-encode", "tiktoken-rs", "hf-tokenizers", "tiktoken-py", "hf-tokenizers-py"]


def markdown(res):
    out = []
    texts = list(dict.fromkeys(r["text"] for r in res["rows"]))
    for enc in ("o200k_base", "cl100k_base"):
        out.append(f"\n{enc}, MB/s (1 thread / 2 threads); `≠` marks a token count that differs from tiktoken's; HF tokenizers on the first {res.get('hf_mib', 0)} MiB\n")
        out.append("| peer | " + " | ".join(texts) + " |")
        out.append("|---|" + "---:|" * len(texts))
        for peer in PEER_ORDER:
            cells = []
            for t in texts:
                c = []
                for th in (1, 2):
                    r = next((r for r in res["rows"] if r["peer"] == peer and r["text"] == t and r["encoding"] == enc and r["threads"] == th), None)
                    if r is None:
                        c.append("–")
                    elif "mbs" not in r:
                        c.append("timeout" if "timeout_s" in r else "error")
                    else:
                        c.append(f"{r['mbs']:.1f}" + ("" if r.get("tokens_equal_tiktoken", True) else " ≠"))
                cells.append(" / ".join(c))
            out.append(f"| {peer} | " + " | ".join(cells) + " |")
    cases = list(dict.fromkeys(r["text"] for r in res["worst"]))
    out.append("\nWorst cases, o200k_base, 1 thread, seconds (fairtok-cli: whole process)\n")
    out.append("| peer | " + " | ".join(cases) + " |")
    out.append("|---|" + "---:|" * len(cases))
    for peer in PEER_ORDER:
        cells = []
        for c in cases:
            r = next((r for r in res["worst"] if r["peer"] == peer and r["text"] == c), None)
            if r is None:
                cells.append("–")
            elif "best_s" in r:
                cells.append(f"{r['best_s']:.3f}")
            elif "timeout_s" in r:
                cells.append(f"> {r['timeout_s']:.0f} (stopped)")
            else:
                cells.append("error")
        if any(x != "–" for x in cells):
            out.append(f"| {peer} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("dir")
    p.add_argument("shared")
    p.add_argument("--size-mib", type=int, default=32)
    r = sub.add_parser("run")
    r.add_argument("dir")
    r.add_argument("fairtok")
    r.add_argument("shared")
    r.add_argument("--worst-limit", type=float, default=60.0)
    r.add_argument("--repeat", type=int, default=3)
    r.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.json"))
    m = sub.add_parser("markdown")
    m.add_argument("results")
    a = ap.parse_args()
    if a.cmd == "prepare":
        prepare(a)
    elif a.cmd == "run":
        run(a)
    else:
        print(markdown(json.load(open(a.results))))


if __name__ == "__main__":
    main()
