#!/usr/bin/env python3
"""Markdown tables of the parity-aware training benchmark (benches/parity-train/run.sh).

Usage: table.py OUT   (the run's output directory). Writes OUT/results.json, prints Markdown.
Standard library only.
"""
import json
import os
import sys

LANGS = ["kor_Hang", "jpn_Jpan", "zho_Hans"]
VARIANTS = ["classical", "parity", "hybrid", "window"]


def gini(xs):
    """Gini coefficient, the formula of fairtok-eval's metrics::gini."""
    n, s = len(xs), sum(xs)
    if n < 2 or s == 0:
        return 0.0
    v = sorted(xs)
    return sum((2 * (i + 1) - n - 1) * x for i, x in enumerate(v)) / (n * s)


def main(out):
    ev = lambda name: json.load(open(os.path.join(out, "eval", name)))
    flores = {t["name"]: t for t in ev("flores.json")["tokenizers"]}
    held = {}
    for f, lang in [("tatoeba-kor.json", "kor_Hang"), ("pud.json", "kor_Hang"),
                    ("tatoeba-jpn.json", "jpn_Jpan"), ("tatoeba-zho.json", "zho_Hans")]:
        for t in ev(f)["tokenizers"]:
            l = next(x for x in t["languages"] if x["lang"] == lang)
            held.setdefault(t["name"], {})[f[:-5]] = l["premium"]
    code = {f["tokenizer"]: f for f in ev("code.json")["files"]}
    names = sorted(flores, key=lambda n: (int(n.split("-")[1]), VARIANTS.index(n.split("-")[0])))
    results = []
    for n in names:
        variant, vocab = n.split("-")
        el, rss, user, sys_ = open(os.path.join(out, "log", n + ".time")).read().split()
        log = open(os.path.join(out, "log", n + ".log")).read().splitlines()
        taken = {}
        for line in log:
            f = line.split()
            if len(f) == 6 and f[0] in LANGS + ["eng_Latn"] and f[5].isdigit():
                taken[f[0]] = int(f[5])
        glob = next((int(l.split("; ")[1].split()[0]) for l in log if l.startswith("parity-aware:")), None)
        fl = {l["lang"]: l for l in flores[n]["languages"]}
        h = held[n]
        ho = [1.0, h["tatoeba-kor"], h["tatoeba-jpn"], h["tatoeba-zho"]]
        results.append({
            "tokenizer": n, "variant": variant, "vocab": int(vocab),
            "seconds": float(el), "cpu_seconds": float(user) + float(sys_), "peak_rss_kb": int(rss),
            "flores_premium": {k: fl[k]["premium"] for k in LANGS},
            "flores_tokens": {k: fl[k]["tokens"] for k in fl},
            "flores_gini": flores[n]["gini"],
            "heldout_premium": h, "heldout_gini": gini(ho),
            "code_heldout_tokens": code[n]["tokens"], "code_heldout_bytes": code[n]["bytes"],
            "merges_taken": taken, "global_merges": glob,
        })
    json.dump(results, open(os.path.join(out, "results.json"), "w"), indent=1)

    print("| tokenizer | wall | CPU | peak RSS | FLORES ko | ja | zh | max | Gini | Tatoeba ko | PUD ko | Tatoeba ja | Tatoeba zh | held-out Gini | held-out Rust tokens |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = {}
    for r in results:
        if r["variant"] == "classical":
            base[r["vocab"]] = r["code_heldout_tokens"]
    for r in results:
        p, h = r["flores_premium"], r["heldout_premium"]
        c = r["code_heldout_tokens"]
        rel = "" if r["variant"] == "classical" else f" ({100 * (c / base[r['vocab']] - 1):+.1f}%)"
        print(f"| {r['tokenizer']} | {r['seconds']:.1f} s | {r['cpu_seconds']:.1f} s | {r['peak_rss_kb'] / 1048576:.2f} GB | "
              f"{p['kor_Hang']:.3f} | {p['jpn_Jpan']:.3f} | {p['zho_Hans']:.3f} | "
              f"{max(p.values()):.3f} | {r['flores_gini']:.4f} | {h['tatoeba-kor']:.3f} | "
              f"{h['pud']:.3f} | {h['tatoeba-jpn']:.3f} | {h['tatoeba-zho']:.3f} | "
              f"{r['heldout_gini']:.4f} | {c:,}{rel} |")
    print()
    print("| tokenizer | merges chosen for kor_Hang | eng_Latn | jpn_Jpan | zho_Hans | global |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        if r["variant"] == "classical":
            continue
        t = r["merges_taken"]
        print(f"| {r['tokenizer']} | {t.get('kor_Hang', 0):,} | {t.get('eng_Latn', 0):,} | "
              f"{t.get('jpn_Jpan', 0):,} | {t.get('zho_Hans', 0):,} | {r['global_merges']:,} |")


if __name__ == "__main__":
    main(sys.argv[1])
