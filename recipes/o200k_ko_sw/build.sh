#!/usr/bin/env bash
# Builds o200k_ko_sw, fairtok's Korean superword built-in: o200k_base extended with 32,768
# Korean tokens in two stages, the second of which may cross spaces between Hangul words.
#
#   recipes/o200k_ko_sw/build.sh            # writes crates/fairtok-core/assets/o200k_ko_sw.added.tiktoken
#   CHECK=1 recipes/o200k_ko_sw/build.sh    # rebuilds it and compares byte for byte
#
# Stage 1 (subwords): `fairtok extend` of o200k_base with o200k's pattern, $KEEP tokens.
# Stage 2 (superwords): `fairtok extend` of stage 1's output with o200k_ko_sw's pattern (o200k's
# behind `[^\r\n\p{L}\p{N}]?\p{Hangul}+(?: \p{Hangul}+){1,7}|`), up to 32,768 added tokens, none
# longer than $CAP bytes. Deterministic: the same corpora give the same file, byte for byte.
# The training mix is written out here (not sourced from recipes/ko-inputs.sh) so that the asset
# does not move when o200k_ko's recipe does. Needs the corpora of ../shared/data/corpus and a
# release build of fairtok; about 2 minutes and 2 GB on 2 cores. recipes/o200k_ko_sw/README.md
# says why each number has its value.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=${FAIRTOK_SHARED:-../shared}/data/corpus
BIN=${FAIRTOK:-target/release/fairtok}
[ -x "$BIN" ] || cargo build --release -q -p fairtok-cli
KEEP=16384 CAP=48 TOTAL=32768
INPUTS=(
  --input "kor_Hang=$C/ko.kowiki.txt.gz"
  --input "kor_Hang@12=$C/ko.boddari.txt.gz,$C/ko.klue-dev.txt,$C/ko.kornlu.txt"
  --input "kor_Hang@4=$C/ko.petitions.txt.gz"
  --input "kor_Hang@0.2=$C/ko.laws.txt.gz,$C/ko.precedents.txt.gz"
  --min-frequency 2 --whole-pieces --format tiktoken --quiet
)
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
"$BIN" extend -t o200k_base "${INPUTS[@]}" --add $KEEP -o "$out/stage1.tiktoken"
# Stage 1 with o200k_ko_sw's pattern and o200k_base's special tokens, as the base of stage 2.
"$BIN" info -t o200k_ko_sw --json | python3 -c '
import json, sys
info = json.load(sys.stdin)
json.dump({"name": "o200k_ko_sw", "pat_str": info["pattern"],
           "special_tokens": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}},
          open(sys.argv[1], "w"))' "$out/stage1.tiktoken.json"
"$BIN" extend -t "$out/stage1.tiktoken" "${INPUTS[@]}" --add $((TOTAL - KEEP)) \
  --max-token-bytes $CAP -o "$out/o200k_ko_sw.tiktoken" "$@"
# The built-in ships only the added tokens: o200k_base's ranks are already bundled.
asset=crates/fairtok-core/assets/o200k_ko_sw.added.tiktoken
awk '$2 >= 200019' "$out/o200k_ko_sw.tiktoken" > "$out/added"
if [ "${CHECK:-0}" = 1 ]; then
  cmp "$out/added" "$asset" && echo "o200k_ko_sw: $asset is reproduced byte for byte"
else
  mv "$out/added" "$asset"
  echo "wrote $asset ($(wc -l < "$asset") tokens)"
fi
