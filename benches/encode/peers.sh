#!/usr/bin/env bash
# fairtok against the exact encoders from the package index (issue 17): gigatoken, fastokens,
# toktok-rs, quicktok-v1, bpe-openai, tiktoken. Makes (or reuses) a venv with the pinned peers
# (requirements-peers.txt) and installs fairtok built from this checkout into it, then runs
# peers.py, which writes benches/encode/peers-results.json and prints the Markdown tables.
#
# Usage: benches/encode/peers.sh [--size-mib 32] [--repeat 3] [--worst-limit 60]
# Env: FAIRTOK_SHARED (default ../shared), PEERS_VENV (default .bench-venv in the checkout),
#      CARGO_TARGET_DIR (the build of the fairtok package), PYTHON (makes the venv; python3).
set -euo pipefail
cd "$(dirname "$0")/../.."
shared="${FAIRTOK_SHARED:-../shared}"
venv="${PEERS_VENV:-.bench-venv}"
if [ ! -x "$venv/bin/python" ]; then
  echo "== creating $venv"
  "${PYTHON:-python3}" -m venv "$venv"
fi
pip=("$venv/bin/pip" install -q --disable-pip-version-check)
"${pip[@]}" -r benches/encode/requirements-peers.txt
echo "== fairtok from this checkout into $venv (release build)"
"${pip[@]}" --force-reinstall --no-deps .
"$venv/bin/python" benches/encode/peers.py run "$shared" "$@"
