#!/usr/bin/env bash
# End-to-end check of `fairtok adapt` with a real inference library, outside the CI suite (torch
# is too heavy for it): builds tiny random Llama (bf16, sharded, untied) and Qwen2 (f32, tied)
# checkpoints with transformers, extends their real tokenizers with Korean tokens (`fairtok
# extend --format hf`), adapts them (`fairtok adapt`) and loads the output with
# AutoModelForCausalLM / AutoTokenizer: same ids and bit-identical logits on English and code,
# fewer tokens on Korean, forward and generate run, new rows are the means fairtok_adapt.json
# lists. See scripts/check_adapt_e2e.py. Exits non-zero on any failure; the last line printed
# is a JSON object of the measured numbers.
#
# Usage: scripts/check-adapt-e2e.sh [FAIRTOK_BIN]   (from anywhere)
#   FAIRTOK_BIN: the `fairtok` command (the argument wins; default target/release/fairtok, which
#                must be built: cargo build --release -p fairtok-cli)
#   FAIRTOK_SHARED: the shared data (default ../shared beside the repository)
#   FAIRTOK_E2E_VENV: the venv, made here and filled from scripts/check-adapt-e2e.requirements.txt
#                (default .venv-e2e in the repository; torch brings its CUDA wheels on Linux:
#                about 6 GB and several minutes the first time)
#   FAIRTOK_E2E_WORK: keep the checkpoints there (a new directory); default a temporary one
set -euo pipefail
bin="${1:-${FAIRTOK_BIN:-}}"
if [ -n "$bin" ] && [ -e "$bin" ]; then bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin"); fi
cd "$(dirname "$0")/.."
root=$(pwd)
bin="${bin:-$root/target/release/fairtok}"
shared="${FAIRTOK_SHARED:-$root/../shared}"
venv="${FAIRTOK_E2E_VENV:-$root/.venv-e2e}"
reqs="$root/scripts/check-adapt-e2e.requirements.txt"
if [ ! -x "$bin" ]; then
  echo "scripts/check-adapt-e2e.sh: no fairtok command at $bin (build it, or pass it / set FAIRTOK_BIN)" >&2
  exit 2
fi
if [ ! -d "$shared/data/vocab" ]; then
  echo "scripts/check-adapt-e2e.sh: shared data not found at $shared (set FAIRTOK_SHARED)" >&2
  exit 2
fi

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# Installs again only when the requirements file changed since the last install.
stamp="$venv/.check-adapt-e2e.requirements"
if ! cmp -s "$reqs" "$stamp"; then
  echo "== installing $(basename "$reqs") into $venv"
  start=$SECONDS
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$reqs"
  cp "$reqs" "$stamp"
  echo "== installed in $((SECONDS - start)) s: $(du -sh "$venv" | cut -f1)"
fi

work_args=()
if [ -n "${FAIRTOK_E2E_WORK:-}" ]; then work_args=(--work "$FAIRTOK_E2E_WORK"); fi
exec "$venv/bin/python" "$root/scripts/check_adapt_e2e.py" --fairtok "$bin" --shared "$shared" ${work_args[@]+"${work_args[@]}"}
