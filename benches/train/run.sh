#!/usr/bin/env bash
# Training benchmark: fairtok vs Hugging Face tokenizers vs SentencePiece, side by side.
#
# Usage: benches/train/run.sh [--jobs nsmc,mixed] [--trainers fairtok,hf,spm] [--threads 2]
# Needs ../shared (or FAIRTOK_SHARED). Prints a Markdown table; raw numbers in
# benches/train/results.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
shared="${FAIRTOK_SHARED:-$root/../shared}"
venv="$root/.venv"
if ! "$venv/bin/python" -c 'import tokenizers, sentencepiece' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/python/requirements.txt -r benches/train/requirements.txt
fi
cargo build --release -p fairtok-cli --quiet
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print $2/1048576 " GiB"}'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$venv/bin/python" benches/train/bench.py --fairtok "$root/target/release/fairtok" --shared "$shared" "$@"
