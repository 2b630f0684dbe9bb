#!/usr/bin/env bash
# The Python package's tests: builds and installs `fairtok` (pip install . -> maturin, release
# build of crates/fairtok-py) into .venv, then runs pytest against the real tiktoken (and HF
# tokenizers) on the shared conformance data, then tiktoken's own test suite with
# `import tiktoken` resolving to fairtok (scripts/test-tiktoken-suite.sh). Exits non-zero on any
# failure.
#
# Usage: scripts/test-python.sh [PYTEST ARGS...]   (from anywhere; FAIRTOK_SHARED as scripts/test.sh;
#        FAIRTOK_BIN: the built `fairtok` command, else it is built here)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export FAIRTOK_SHARED="${FAIRTOK_SHARED:-$root/../shared}"
if [ ! -d "$FAIRTOK_SHARED/conformance" ]; then
  echo "scripts/test-python.sh: shared data not found at $FAIRTOK_SHARED (set FAIRTOK_SHARED)" >&2
  exit 1
fi

venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import tiktoken, tokenizers, pytest, hypothesis, numpy' 2>/dev/null; then
  echo "== installing the test requirements into $venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/python/requirements.txt
fi

# FAIRTOK_CARGO_PROFILE (scripts/test.sh sets it): the cargo profile maturin builds in, so the
# package shares the suite's build of the dependencies; release otherwise.
if [ -n "${FAIRTOK_CARGO_PROFILE:-}" ]; then
  export MATURIN_PEP517_ARGS="--profile $FAIRTOK_CARGO_PROFILE"
fi
echo "== pip install . (fairtok Python package, profile ${FAIRTOK_CARGO_PROFILE:-release})"
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps .

# The Python results are compared with the command line's (tests/python/test_py_*.py).
if [ -z "${FAIRTOK_BIN:-}" ]; then
  echo "== cargo build --release -p fairtok-cli (the command the Python results are checked against)"
  cargo build --release -p fairtok-cli --quiet
  export FAIRTOK_BIN="${CARGO_TARGET_DIR:-$root/target}/release/fairtok"
fi

echo "== pytest tests/python"
# Run from outside the checkout so that `import fairtok` is the installed package.
cd "$root/tests/python"
"$venv/bin/python" -m pytest -q -p no:cacheprovider test_api.py test_train.py test_py_train.py test_py_extend.py test_py_parity.py test_extend.py test_extend_spm.py test_export_specials.py test_more_kinds.py test_interrupt.py test_serve.py test_serve_load.py test_chat.py test_arrow.py test_ray.py test_adapt.py test_harmony_ko.py test_ko_sw.py test_recipes_hf.py test_flat_batch.py test_special_args.py "$@"

"$root/scripts/test-tiktoken-suite.sh"
