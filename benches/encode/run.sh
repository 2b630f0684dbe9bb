#!/usr/bin/env bash
# Encoder benchmark: fairtok against tiktoken-rs, bpe-openai, HF tokenizers (Rust) and tiktoken,
# HF tokenizers (Python), side by side in one run. Writes benches/encode/results.json and prints
# the Markdown tables. See bench.py and crates/fairtok-bench/benches/peers.rs. Then the exact
# encoders from the package index (gigatoken, fastokens, toktok-rs, ...; issue 17): peers.sh,
# which writes benches/encode/peers-results.json; `--peers-only` runs only that step.
#
# Usage: benches/encode/run.sh [--size-mib 32] [--repeat 3] [--worst-limit 60] [--hf-mib 8] [--peers-only]
# Needs ../shared (or FAIRTOK_SHARED) and a Python with tiktoken and tokenizers: .venv made by
# scripts/test.sh, or PYTHON=/path/to/python (peers.sh makes its own venv, see there).
set -euo pipefail
cd "$(dirname "$0")/../.."
shared="${FAIRTOK_SHARED:-../shared}"
py="${PYTHON:-.venv/bin/python}"
size=32 repeat=3 limit=60 hf=8 peers_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mib) size=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --worst-limit) limit=$2; shift 2 ;;
    --hf-mib) hf=$2; shift 2 ;;
    --peers-only) peers_only=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
peers=(benches/encode/peers.sh --size-mib "$size" --repeat "$repeat" --worst-limit "$limit")
if [ "$peers_only" = 1 ]; then
  exec "${peers[@]}"
fi
target="${CARGO_TARGET_DIR:-target}"
cargo build --release -p fairtok-cli --quiet
# The suite's clippy leaves this target to here (scripts/test.sh): its peers are compiled here.
cargo clippy -p fairtok-bench --features peers --benches --quiet -- -D warnings
cargo bench -p fairtok-bench --features peers --bench peers --no-run --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'); $(lscpu | sed -n 's/^Model name: *//p'); $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$py" benches/encode/bench.py prepare "$dir" "$shared" --size-mib "$size"
cargo bench -p fairtok-bench --features peers --bench peers --quiet -- "$dir" --repeat "$repeat" --limit "$limit" --hf-mib "$hf"
"$py" benches/encode/bench.py run "$dir" "$target/release/fairtok" "$shared" --repeat "$repeat" --worst-limit "$limit"
echo "== done $(date -u '+%Y-%m-%d %H:%M UTC'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== exact encoders from the package index (peers.sh)"
"${peers[@]}"
