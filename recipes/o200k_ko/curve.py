#!/usr/bin/env python3
"""Korean premium of o200k_ko against the number of added tokens (0, 4k, 8k, 16k, 32k).

BPE extension is greedy, so the first N tokens of o200k_ko are exactly what a run with
`--add N` gives: each point is o200k_base plus the first N added tokens. Every point is measured
with `fairtok parity` (each line encoded alone, Korean tokens / English tokens) on the parallel
sets of ../shared/data/parallel. Writes the Markdown table to stdout and the chart to
docs/o200k_ko-curve.svg.

Usage: python3 recipes/o200k_ko/curve.py   (FAIRTOK=path/to/fairtok, FAIRTOK_SHARED=...)
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("FAIRTOK_SHARED", os.path.join(ROOT, "..", "shared"))
BIN = os.environ.get("FAIRTOK", os.path.join(ROOT, "target", "release", "fairtok"))
ADDED = os.path.join(ROOT, "crates", "fairtok-core", "assets", "o200k_ko.added.tiktoken")
BASE = os.path.join(ROOT, "crates", "fairtok-core", "assets", "o200k_base.tiktoken")
P = os.path.join(SHARED, "data", "parallel")
SETS = [
    ("FLORES-200 dev (parity dev set)", "flores200-dev/kor_Hang.dev", "flores200-dev/eng_Latn.dev"),
    ("UD Korean-PUD (news, wiki)", "ud-korean-pud/pud.ko", "ud-korean-pud/pud.en"),
    ("Korean-English news, dev", "korean-english-park/korean-english-park.dev.ko",
     "korean-english-park/korean-english-park.dev.en"),
    ("Korean-English news, test", "korean-english-park/korean-english-park.test.ko",
     "korean-english-park/korean-english-park.test.en"),
    ("Tatoeba (everyday)", "tatoeba/eng-kor.kor", "tatoeba/eng-kor.eng"),
]
POINTS = [0, 4096, 8192, 16384, 32768]


def main():
    added = open(ADDED, encoding="ascii").read().splitlines()
    pat = json.loads(subprocess.run([BIN, "info", "-t", "o200k_base", "--json"], check=True,
                                    capture_output=True).stdout)["pattern"]
    with tempfile.TemporaryDirectory() as d:
        toks = []
        for n in POINTS:
            if n > len(added):
                continue
            path = os.path.join(d, f"o200k_ko_{n}.tiktoken")
            with open(path, "w", encoding="ascii") as f:
                f.write(open(BASE, encoding="ascii").read())
                f.write("".join(l + "\n" for l in added[:n]))
            with open(path + ".json", "w") as f:
                json.dump({"name": f"o200k_ko_{n}", "pat_str": pat, "special_tokens": {
                    "<|endoftext|>": 199999, "<|endofprompt|>": 200018}}, f)
            toks.append((n, path))
        table = premium_table(toks, d)
    ns = [n for n, _ in toks]
    print("| parallel set | " + " | ".join("o200k_base" if n == 0 else f"+{n:,}" for n in ns) + " |")
    print("|---|" + "---:|" * len(ns))
    for name, row in table.items():
        print(f"| {name} | " + " | ".join(f"{row[n]:.3f}" for n in ns) + " |")
    svg(table, ns, os.path.join(ROOT, "docs", "o200k_ko-curve.svg"))


def premium_table(points, scratch):
    """{set label: {n: Korean premium}} for `points` (`(n, tokenizer path)`), one
    `fairtok parity` run per parallel set of SETS; its JSON report goes through `scratch`."""
    table = {}
    out = os.path.join(scratch, "parity.json")
    for label, ko, en in SETS:
        subprocess.run([BIN, "parity", "-t", ",".join(p for _, p in points), "-q", "--json", out,
                        "--pair", "kor_Hang=" + os.path.join(P, ko),
                        "--pair", "eng_Latn=" + os.path.join(P, en)], check=True)
        with open(out, encoding="utf-8") as f:
            rep = json.load(f)
        for (n, _), t in zip(points, rep["tokenizers"]):
            table.setdefault(label, {})[n] = next(
                l["premium"] for l in t["languages"] if l["lang"] == "kor_Hang")
    os.remove(out)
    return table


def svg(table, ns, path, base="o200k_base"):
    w, h, l, r, t, b = 640, 360, 60, 190, 20, 40
    ys = [v for row in table.values() for v in row.values()]
    y0, y1 = 0.9, max(1.6, max(ys) + 0.02)
    xs = {n: l + (w - l - r) * i / (len(ns) - 1) for i, n in enumerate(ns)}
    Y = lambda v: t + (h - t - b) * (y1 - v) / (y1 - y0)
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{l}" y="14">Korean premium (Korean tokens / English tokens) vs tokens added to {base}</text>']
    v = 0.9
    while v <= y1 + 1e-9:
        out.append(f'<line x1="{l}" x2="{w - r}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="{"#000" if abs(v - 1) < 1e-9 else "#ddd"}"/>')
        out.append(f'<text x="{l - 6}" y="{Y(v) + 4:.1f}" text-anchor="end">{v:.1f}</text>')
        v += 0.1
    for n in ns:
        out.append(f'<text x="{xs[n]:.1f}" y="{h - b + 16}" text-anchor="middle">{"0" if n == 0 else f"{n // 1024}k"}</text>')
    out.append(f'<text x="{(l + w - r) / 2}" y="{h - 6}" text-anchor="middle">added tokens</text>')
    for i, (name, row) in enumerate(table.items()):
        c = colors[i % len(colors)]
        pts = " ".join(f"{xs[n]:.1f},{Y(row[n]):.1f}" for n in ns)
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="2"/>')
        for n in ns:
            out.append(f'<circle cx="{xs[n]:.1f}" cy="{Y(row[n]):.1f}" r="3" fill="{c}"/>')
        out.append(f'<text x="{w - r + 8}" y="{t + 16 + 18 * i}" fill="{c}">{name.split(" (")[0]}</text>')
    out.append("</svg>")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    sys.exit(main())
