#!/usr/bin/env python3
"""Train more, then trim: cuts a larger o200k_base extension down to N added tokens by use.

Greedy BPE extension spends budget on tokens that later tokens supersede (`한국` is rarely used
once `한국의`, `한국은`, ... exist). This script takes an extension trained with o200k_ko's first
recipe (the mix of recipes/ko-inputs.sh, before the repeat cap) but a larger `--add` (e.g.
65,536), and trims it to `--target` added tokens (default 32,768):

  1. The training corpora of recipes/ko-inputs.sh are counted into pre-tokens with
     `fairtok count-pretokens` (one counts file per weight group: kowiki ×1; boddari, klue-dev,
     kornlu ×12; petitions ×4; laws, precedents ×0.2, the weights of the recipe). Only pieces
     with a Hangul character are kept: only they can contain an added token. The counts are
     exact (tiktoken encodes each pre-token alone), no line is subsampled.
  2. Each round builds the current vocabulary (o200k_base + the surviving added tokens,
     renumbered to consecutive ranks from 200019 in their original order, which is their merge
     priority), encodes every distinct piece, and counts how often each added token appears in
     the final encodings, weighted by piece count x corpus weight.
  3. It removes the least-used `--frac` of the excess (at least `--min-step` tokens; tokens with
     0 uses always go) and repeats until `--target` remain. A removed token can leave later
     tokens unreachable (a merge half gone): they get 0 uses in the next round and go then.
     With `--protect` (variant), a token's use also counts the uses of the tokens whose last
     merge needs it (propagated from the highest rank down), so merge intermediates are not cut.
     With `--saved` (variant), a token's score is its uses times (the number of tokens its bytes
     fall into by BPE over the lower ranks, minus 1): the tokens its removal would cost, roughly
     (a whole-piece token such as ` 대한민국의` falls into several).
  4. Writes OUT.tiktoken (base ranks + trimmed added ranks) and OUT.tiktoken.json (sidecar:
     pat_str and o200k_base's special tokens), loadable by `fairtok parity -t OUT.tiktoken` and
     by tiktoken. Every kept token is one of the extension's tokens, so each contains Hangul
     bytes as `fairtok extend` ensures: text without Hangul still encodes exactly as o200k_base.

No evaluation set (FLORES, PUD, news, Tatoeba) is read: only ../shared/data/corpus.

Usage:
  C=../shared/data/corpus; . recipes/ko-inputs.sh
  fairtok extend -t o200k_base "${KO_INPUTS[@]}" --whole-pieces --add 65536 \\
      --format tiktoken -o /tmp/trim/ko65k.tiktoken                 # ~4 min, 1.2 GB
  python3 recipes/o200k_ko/trim.py /tmp/trim/ko65k.tiktoken -o /tmp/trim/ko32k-trim.tiktoken
  fairtok export -t o200k_ko --format tiktoken -o /tmp/trim/o200k_ko.tiktoken
  python3 recipes/o200k_ko/trim.py measure /tmp/trim/o200k_ko.tiktoken /tmp/trim/ko32k-trim.tiktoken
      # the Korean premium of each on curve.py's five parallel sets (evaluation only)
  python3 recipes/o200k_ko/trim.py check /tmp/trim/ko32k-trim.tiktoken /tmp/trim/ko65k.tiktoken
      # the guarantees, with the real tiktoken (10 s)
Needs the fairtok Python package (.venv) with pyarrow and numpy (and tiktoken, regex for
`check`). FAIRTOK=path/to/fairtok, FAIRTOK_SHARED=... as for the other recipes.

Measured (2-core machine at load 4-6, `nice -n 10`): counting 14 s; extend --add 65536 95 s,
0.63 GB; trim 65,536 -> 32,768 in 18 rounds: 353 s and 1.06 GB (plain), 1,128 s and 1.04 GB
(--saved --protect, the Python merge-parent pass makes each round ~60 s); measure 4 s; check
10 s, 0.28 GB.

Result (Korean premium, FLORES dev / PUD / news dev / news test / Tatoeba; weighted tokens of
the training mix's Hangul pieces):
  first o200k_ko (greedy, 32,768)      0.969 0.952 0.965 0.927 1.014   33,537,967
  trim 65,536 by use                   0.979 0.963 0.973 0.937 1.018   33,872,778
  trim 40,960 by use                   0.978 0.962 0.972 0.937 1.018   33,853,645
  trim 65,536 --saved --protect        0.971 0.953 0.965 0.927 1.014   33,530,721
Trimming by use loses ~0.01 everywhere. Counting tokens saved and protecting merge
intermediates gives back the greedy vocabulary almost exactly (32,273 of 32,768 tokens the same)
and ties it. Greedy whole-piece extension is already close to a fixed point of trimming: not
worth making the recipe.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import fairtok

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("FAIRTOK_SHARED", os.path.join(ROOT, "..", "shared"))
BIN = os.environ.get("FAIRTOK", os.path.join(ROOT, "target", "release", "fairtok"))
BASE = os.path.join(ROOT, "crates", "fairtok-core", "assets", "o200k_base.tiktoken")
FIRST = 200019
SPECIALS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
# The weight groups of recipes/ko-inputs.sh (keep in step with it).
GROUPS = [
    (1.0, ["ko.kowiki.txt.gz"]),
    (12.0, ["ko.boddari.txt.gz", "ko.klue-dev.txt", "ko.kornlu.txt"]),
    (4.0, ["ko.petitions.txt.gz"]),
    (0.2, ["ko.laws.txt.gz", "ko.precedents.txt.gz"]),
]


def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


def read_ranks(path):
    out = []
    for line in open(path, encoding="ascii"):
        if line.strip():
            b, r = line.split()
            out.append((base64.b64decode(b), int(r)))
    return out


def pieces(workdir):
    """Distinct Hangul pieces of the training mix and their weighted counts."""
    C = os.path.join(SHARED, "data", "corpus")
    tables = []
    for w, files in GROUPS:
        out = os.path.join(workdir, f"counts-{w}.parquet")
        if not os.path.exists(out):
            subprocess.run([BIN, "count-pretokens", "--quiet", "--input",
                            "kor_Hang=" + ",".join(os.path.join(C, f) for f in files), "-o", out],
                           check=True)
        t = pq.read_table(out)
        s = t["piece"].cast(pa.large_string())
        keep = pc.match_substring_regex(s, r"\p{Hangul}")
        tables.append(pa.table({"piece": pc.filter(s, keep),
                                "w": pc.multiply(pc.filter(t["count"], keep).cast(pa.float64()), w)}))
    t = pa.concat_tables(tables).group_by("piece").aggregate([("w", "sum")])
    return t["piece"].combine_chunks(), t["w_sum"].to_numpy()


def encoding(base, added, pat):
    ranks = dict(base)
    for i, b in enumerate(added):
        ranks[b] = FIRST + i
    return fairtok.Encoding("trim", pat_str=pat, mergeable_ranks=ranks, special_tokens=SPECIALS)


def uses(enc, ps, w, n_added):
    ids = enc.encode_arrow(ps, num_threads=2)
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    offs = ids.offsets.to_numpy()
    vals = ids.values.to_numpy()
    lens = np.diff(offs)
    ww = np.repeat(w, lens)
    m = vals >= FIRST
    u = np.bincount(vals[m] - FIRST, weights=ww[m], minlength=n_added)
    return u, float((lens * w).sum())


def parents(base_ranks, added):
    """The two halves of each added token's last merge (indices into `added`, -1 for a base
    token or none), by tiktoken's rule on the token's own bytes with only lower ranks."""
    ranks = dict(base_ranks)
    for i, b in enumerate(added):
        ranks[b] = FIRST + i
    out, nparts = [], np.ones(len(added))
    for i, tok in enumerate(added):
        lim = FIRST + i
        parts = [tok[j:j + 1] for j in range(len(tok))]
        while len(parts) > 1:
            best, bi = None, -1
            for j in range(len(parts) - 1):
                r = ranks.get(parts[j] + parts[j + 1])
                if r is not None and r < lim and (best is None or r < best):
                    best, bi = r, j
            if best is None:
                break
            parts[bi:bi + 2] = [parts[bi] + parts[bi + 1]]
        nparts[i] = len(parts)
        if len(parts) == 2:
            out.append(tuple(ranks[p] - FIRST if ranks[p] >= FIRST else -1 for p in parts))
        else:  # reachable only as a whole piece
            out.append((-1, -1))
    return out, nparts


def measure(paths):
    """Korean premium of each .tiktoken (with sidecar) on curve.py's five parallel sets."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from curve import SETS, P
    import tempfile
    rows = {}
    with tempfile.TemporaryDirectory() as d:
        for name, ko, en in SETS:
            out = os.path.join(d, "r.json")
            subprocess.run([BIN, "parity", "-t", ",".join(paths), "-q", "--json", out,
                            "--pair", "kor_Hang=" + os.path.join(P, ko),
                            "--pair", "eng_Latn=" + os.path.join(P, en)], check=True)
            rep = json.load(open(out))
            rows[name] = [next(l["premium"] for l in t["languages"] if l["lang"] == "kor_Hang")
                          for t in rep["tokenizers"]]
    print("| parallel set | " + " | ".join(os.path.basename(p) for p in paths) + " |")
    print("|---|" + "---:|" * len(paths))
    for name, r in rows.items():
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in r) + " |")


def check(path, ext):
    """Guarantees of a trimmed file: base ids kept, added tokens a subset of the extension in
    its order, each with Hangul bytes; tiktoken == fairtok on Korean lines; FLORES eng/jpn/zho
    dev encode as o200k_base (tiktoken)."""
    import itertools, unicodedata, regex, tiktoken
    from tiktoken.load import load_tiktoken_bpe
    side = json.load(open(path + ".json"))
    ranks = load_tiktoken_bpe(path)
    tk = tiktoken.Encoding("t", pat_str=side["pat_str"], mergeable_ranks=ranks, special_tokens=side["special_tokens"])
    ft = fairtok.load(path)
    base_ranks = load_tiktoken_bpe(BASE)
    base = tiktoken.Encoding("b", pat_str=side["pat_str"], mergeable_ranks=base_ranks, special_tokens=side["special_tokens"])
    # 1. base ids unchanged, added tokens subset of the extension, each with Hangul bytes
    assert all(ranks[b] == r for b, r in base_ranks.items()), "base id changed"
    extr = load_tiktoken_bpe(ext)
    added = [b for b, r in ranks.items() if r >= 200019]
    assert sorted(ranks[b] for b in added) == list(range(200019, 200019 + len(added)))
    assert all(b in extr and extr[b] >= 200019 for b in added)
    hang = regex.compile(r"\p{Hangul}")
    def tail_only_hangul(b):
        # the trailing incomplete UTF-8 sequence: can it only complete to Hangul (or unassigned)?
        for k in (1, 2, 3):
            t = b[-k:]
            if t[0] >= 0xC0:
                n = 2 if t[0] < 0xE0 else 3 if t[0] < 0xF0 else 4
                if n == k: return False
                need = n - k
                any_ok = False
                for c in itertools.product(range(0x80, 0xC0), repeat=need):
                    try: ch = (t + bytes(c)).decode("utf-8")
                    except UnicodeDecodeError: continue
                    if not (hang.match(ch) or unicodedata.category(ch) == "Cn"): return False
                    any_ok = True
                return any_ok
        return False
    def ok(b):
        s = b.decode("utf-8", "ignore")
        return bool(hang.search(s)) or tail_only_hangul(b)
    bad = [b for b in added if not ok(b)]
    print(f"{len(added)} added tokens, {len(bad)} without Hangul bytes", bad[:5])
    # order preserved
    o = sorted(added, key=lambda b: ranks[b]); assert [extr[b] for b in o] == sorted(extr[b] for b in o)
    P = os.path.join(SHARED, "data", "parallel") + "/"
    ko = []
    for f in ["flores200-dev/kor_Hang.dev", "ud-korean-pud/pud.ko", "korean-english-park/korean-english-park.dev.ko", "tatoeba/eng-kor.kor"]:
        ko += open(P + f).read().splitlines()
    a = tk.encode_ordinary_batch(ko); b = ft.encode_ordinary_batch(ko)
    print(f"Korean lines: {len(ko)}, tiktoken == fairtok: {a == b}, tokens {sum(map(len, a))}")
    assert all(tk.decode(x) == t for x, t in zip(a, ko))
    for lang in ["eng_Latn", "jpn_Jpan", "zho_Hans"]:
        lines = open(P + f"flores200-dev/{lang}.dev").read().splitlines()
        x = tk.encode_ordinary_batch(lines); y = base.encode_ordinary_batch(lines); z = ft.encode_ordinary_batch(lines)
        print(f"{lang}: {len(lines)} lines, trimmed(tiktoken) == o200k_base: {x == y}, fairtok == tiktoken: {z == x}")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        return measure(sys.argv[2:])
    if len(sys.argv) > 1 and sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("extension", help="a larger extension's .tiktoken (base + added ranks)")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--target", type=int, default=32768)
    ap.add_argument("--frac", type=float, default=0.25, help="share of the excess cut per round")
    ap.add_argument("--min-step", type=int, default=256)
    ap.add_argument("--protect", action="store_true",
                    help="count uses of tokens whose last merge needs a token as its uses")
    ap.add_argument("--saved", action="store_true",
                    help="score = uses x (pieces the token falls into without it - 1): tokens saved")
    ap.add_argument("--workdir", default=None, help="where the counts files are kept")
    ap.add_argument("--removed", default=None, help="write removed tokens (round, uses, text) here")
    a = ap.parse_args()
    workdir = a.workdir or os.path.dirname(os.path.abspath(a.output))
    pat = json.loads(subprocess.run([BIN, "info", "-t", "o200k_base", "--json"], check=True,
                                    capture_output=True).stdout)["pattern"]
    base = [(b, r) for b, r in read_ranks(BASE)]
    ext = read_ranks(a.extension)
    added = [b for b, r in sorted(ext, key=lambda x: x[1]) if r >= FIRST]
    orig = [r for b, r in sorted(ext, key=lambda x: x[1]) if r >= FIRST]
    log(f"{len(added)} added tokens in {a.extension}")
    t0 = time.time()
    ps, w = pieces(workdir)
    log(f"{len(ps):,} distinct Hangul pieces, weighted count {w.sum():,.0f} ({time.time()-t0:.0f} s)")
    removed_log = []
    rnd = 0
    while True:
        t1 = time.time()
        enc = encoding(base, added, pat)
        u, total = uses(enc, ps, w, len(added))
        score = u
        if a.protect or a.saved:
            par, nparts = parents(base, added)
            score = u * (nparts - 1) if a.saved else u.copy()
            if a.protect:
                for i in range(len(added) - 1, -1, -1):
                    for p in par[i]:
                        if p >= 0:
                            score[p] += score[i]
        excess = len(added) - a.target
        zero = int((u == 0).sum())
        log(f"round {rnd}: {len(added)} added, weighted tokens {total:,.0f}, {zero} unused"
            f" ({time.time()-t1:.0f} s)")
        if excess <= 0:
            break
        k = min(excess, max(a.min_step, int(a.frac * excess), int((score == 0).sum())))
        order = np.argsort(score, kind="stable")[:k]
        cut = set(order.tolist())
        for i in sorted(cut):
            removed_log.append((rnd, float(u[i]), float(score[i]), orig[i], added[i]))
        added = [b for i, b in enumerate(added) if i not in cut]
        orig = [r for i, r in enumerate(orig) if i not in cut]
        rnd += 1
    with open(a.output, "w", encoding="ascii") as f:
        for b, r in base:
            f.write(f"{base64.b64encode(b).decode()} {r}\n")
        for i, b in enumerate(added):
            f.write(f"{base64.b64encode(b).decode()} {FIRST + i}\n")
    with open(a.output + ".json", "w") as f:
        json.dump({"name": os.path.basename(a.output).rsplit(".", 1)[0], "pat_str": pat,
                   "special_tokens": SPECIALS}, f)
    if a.removed:
        with open(a.removed, "w") as f:
            for rnd, uu, sc, rank, b in removed_log:
                f.write(f"{rnd}\t{uu:.1f}\t{sc:.1f}\t{rank}\t{b.decode('utf-8', 'backslashreplace')!r}\n")
    log(f"wrote {a.output} ({len(added)} added tokens, {time.time()-t0:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
