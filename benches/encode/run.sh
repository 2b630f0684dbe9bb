#!/usr/bin/env bash
# Encoder benchmark: fairtok vs tiktoken, side by side in one run (see bench.py).
# Usage: benches/encode/run.sh   (needs ../shared and the .venv made by scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p fairtok-cli --quiet
.venv/bin/python benches/encode/bench.py target/release/fairtok "${FAIRTOK_SHARED:-../shared}" "$@"
