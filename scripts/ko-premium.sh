#!/usr/bin/env bash
# Korean premium (Korean tokens / English tokens) of tokenizers on the parallel sets in
# ../shared/data/parallel: FLORES-200 dev (the parity dev set), UD Korean-PUD (news and wiki),
# Korean-English news (Park et al., dev and test) and Tatoeba. Used to build and check o200k_ko.
# Usage: scripts/ko-premium.sh TOKENIZER[,TOKENIZER...]
set -euo pipefail
cd "$(dirname "$0")/.."
P=../shared/data/parallel
BIN=${FAIRTOK:-target/release/fairtok}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
run() { # name, then --pair arguments
  local name=$1; shift
  "$BIN" parity -t "$TOKS" -q --json "$tmp/$name.json" "$@"
}
TOKS=$1
run flores-dev --pair kor_Hang=$P/flores200-dev/kor_Hang.dev --pair eng_Latn=$P/flores200-dev/eng_Latn.dev
run pud --pair kor_Hang=$P/ud-korean-pud/pud.ko --pair eng_Latn=$P/ud-korean-pud/pud.en
run news-dev --pair kor_Hang=$P/korean-english-park/korean-english-park.dev.ko --pair eng_Latn=$P/korean-english-park/korean-english-park.dev.en
run news-test --pair kor_Hang=$P/korean-english-park/korean-english-park.test.ko --pair eng_Latn=$P/korean-english-park/korean-english-park.test.en
run tatoeba --pair kor_Hang=$P/tatoeba/eng-kor.kor --pair eng_Latn=$P/tatoeba/eng-kor.eng
python3 - "$tmp" <<'PY'
import json, sys, os
sets = ["flores-dev", "pud", "news-dev", "news-test", "tatoeba"]
rows = {}
for s in sets:
    d = json.load(open(os.path.join(sys.argv[1], s + ".json")))
    for t in d["tokenizers"]:
        ko = next(l for l in t["languages"] if l["lang"] == "kor_Hang")
        rows.setdefault((t["name"], t["vocab_size"]), {})[s] = ko["premium"]
print("| tokenizer | vocab | " + " | ".join(sets) + " |")
print("|---|---:|" + "---:|" * len(sets))
for (name, v), r in rows.items():
    print(f"| {name} | {v} | " + " | ".join(f"{r[s]:.3f}" for s in sets) + " |")
PY
