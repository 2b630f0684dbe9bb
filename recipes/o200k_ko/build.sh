#!/usr/bin/env bash
# Builds o200k_ko, fairtok's Korean-fair built-in: o200k_base extended with 32,768 Korean tokens.
#
#   recipes/o200k_ko/build.sh            # writes crates/fairtok-core/assets/o200k_ko.added.tiktoken
#
# Deterministic: the same corpora give the same file, byte for byte (checked by `CHECK=1`).
# Needs the corpora of ../shared/data/corpus (see README.md here for what each one is and why
# it has its weight), python3 and a release build of fairtok. Takes about 40 s and 0.65 GB on
# 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=${FAIRTOK_SHARED:-../shared}/data/corpus
BIN=${FAIRTOK:-target/release/fairtok}
[ -x "$BIN" ] || cargo build --release -q -p fairtok-cli
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
# 1. Repeated words capped: within each window of 200 lines, a word counts once (cap.py).
K=$out/corpus
python3 recipes/o200k_ko/cap.py "$K" "$C"/ko.{kowiki,boddari,petitions,laws,precedents}.txt.gz \
  "$C"/ko.{klue-dev,kornlu}.txt 2>/dev/null
# 2. The weighted mix (news and reports ×12, sentences translated from English ×30, petitions
#    ×4, legal text ×0.2), whole pieces favoured a little less than plain greed would.
"$BIN" extend -t o200k_base \
  --input "kor_Hang=$K/ko.kowiki.txt" \
  --input "kor_Hang@12=$K/ko.boddari.txt,$K/ko.klue-dev.txt" \
  --input "kor_Hang@30=$K/ko.kornlu.txt" \
  --input "kor_Hang@4=$K/ko.petitions.txt" \
  --input "kor_Hang@0.2=$K/ko.laws.txt,$K/ko.precedents.txt" \
  --min-frequency 2 --whole-pieces --piece-bias 1.3 \
  --add 32768 --format tiktoken -o "$out/o200k_ko.tiktoken" "$@"
# The built-in ships only the added tokens: o200k_base's ranks are already bundled.
asset=crates/fairtok-core/assets/o200k_ko.added.tiktoken
awk '$2 >= 200019' "$out/o200k_ko.tiktoken" > "$out/added"
if [ "${CHECK:-0}" = 1 ]; then
  cmp "$out/added" "$asset" && echo "o200k_ko: $asset is reproduced byte for byte"
else
  mv "$out/added" "$asset"
  echo "wrote $asset ($(wc -l < "$asset") tokens)"
fi
