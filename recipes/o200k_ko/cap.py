#!/usr/bin/env python3
"""Caps repeated words in the Korean training corpora before they are counted (o200k_ko's recipe).

A name or a phrase that one article repeats on every line counts as often as a word that every
text uses, so greedy extension spends tokens on the topics of the training documents (a
person's name, a petition's boilerplate) rather than on what new text needs. The corpora have no
document boundaries, so windows of consecutive lines stand in for documents: within each window
of `--window` lines (default 200), a whitespace-separated word is kept only at its first
`--keep` occurrences (default 1) and later copies are dropped from the line. Every other word
stays, in order, joined by single spaces. Deterministic: the same file gives the same output.

Usage: python3 recipes/o200k_ko/cap.py OUT_DIR FILE...   (plain or .gz; writes OUT_DIR/NAME
without .gz and prints the share of words dropped per file)
"""
import argparse
import collections
import gzip
import os
import sys


def cap(src, dst, window, keep):
    """Writes `src` to `dst` with repeated words capped; returns (words kept, words dropped)."""
    opener = gzip.open if src.endswith(".gz") else open
    kept = dropped = 0
    seen = collections.Counter()
    with opener(src, "rt", encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as g:
        for i, line in enumerate(f):
            if i % window == 0:
                seen.clear()
            out = []
            for w in line.split():
                seen[w] += 1
                if seen[w] <= keep:
                    out.append(w)
                else:
                    dropped += 1
            kept += len(out)
            g.write(" ".join(out) + "\n")
    return kept, dropped


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--window", type=int, default=200, help="lines per window (default 200)")
    ap.add_argument("--keep", type=int, default=1, help="copies of a word kept per window (default 1)")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    for src in a.files:
        name = os.path.basename(src)
        name = name[:-3] if name.endswith(".gz") else name
        kept, dropped = cap(src, os.path.join(a.out_dir, name), a.window, a.keep)
        print(f"{name}: {dropped / max(1, kept + dropped):.1%} of words dropped", file=sys.stderr)


if __name__ == "__main__":
    main()
