#!/usr/bin/env bash
# Extends a Hugging Face tokenizer.json with 32,768 Korean tokens (the mix of ko-inputs.sh), cuts
# the 8k and 16k sizes from it and measures the curve (hf_ko.py). Used by llama3_ko/build.sh and
# qwen3_ko/build.sh:   recipes/extend-hf-ko.sh NAME BASE.json [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 base=$2 out=${3:-target/recipes/$1}
C=${FAIRTOK_SHARED:-../shared}/data/corpus
BIN=${FAIRTOK:-target/release/fairtok}
[ -x "$BIN" ] || cargo build --release -q -p fairtok-cli
mkdir -p "$out"
. recipes/ko-inputs.sh
"$BIN" extend -t "$base" "${KO_INPUTS[@]}" --add 32768 --format hf -o "$out/tokenizer.json"
FAIRTOK=$BIN python3 recipes/hf_ko.py "$name" "$base" "$out"
