#!/usr/bin/env bash
# Builds o200k_ko, fairtok's Korean-fair built-in: o200k_base extended with 32,768 Korean tokens.
#
#   recipes/o200k_ko/build.sh            # writes crates/fairtok-core/assets/o200k_ko.added.tiktoken
#
# Deterministic: the same corpora give the same file, byte for byte (checked by `--check`).
# Needs the corpora of ../shared/data/corpus (see README.md here for what each one is and why
# it has its weight) and a release build of fairtok. Takes about 35 s and 0.65 GB on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=${FAIRTOK_SHARED:-../shared}/data/corpus
BIN=${FAIRTOK:-target/release/fairtok}
[ -x "$BIN" ] || cargo build --release -q -p fairtok-cli
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
. recipes/ko-inputs.sh
"$BIN" extend -t o200k_base "${KO_INPUTS[@]}" --whole-pieces \
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
