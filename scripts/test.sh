#!/usr/bin/env bash
# The whole test suite: formatting, lints, Rust unit and integration tests (conformance on the
# shared data), the API docs under -D warnings, a bounded run of every fuzz target, the
# randomized differential test against the Python reference libraries, the Python
# package's tests, and the playground page of `fairtok serve` in headless Chromium.
#
# Usage: scripts/test.sh            (from anywhere; needs ../shared beside the checkout,
#                                    or FAIRTOK_SHARED pointing at it)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export FAIRTOK_SHARED="${FAIRTOK_SHARED:-$root/../shared}"
if [ ! -d "$FAIRTOK_SHARED/conformance" ]; then
  echo "scripts/test.sh: shared data not found at $FAIRTOK_SHARED (set FAIRTOK_SHARED)" >&2
  exit 1
fi

# The reference libraries, pinned to the versions that made shared/conformance.
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "== [${SECONDS} s] creating $venv"
  python3 -m venv "$venv"
fi
# Always reconciled with the pins (quick and offline when they are already installed), so a
# venv made by an older checkout gets what a new test needs.
echo "== [${SECONDS} s] test requirements into $venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r tests/python/requirements.txt

echo "== [${SECONDS} s] cargo fmt --check"
cargo fmt --all -- --check
echo "== [${SECONDS} s] cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== [${SECONDS} s] cargo build --release"
# The Python package's crate is built by `pip install .` below (maturin, with the feature the
# wheel needs), sharing the dependencies built here: building it here too would be wasted.
cargo build --release --workspace --exclude fairtok-py --quiet
# cargo-nextest runs the test binaries side by side (plain cargo test otherwise), then the doc
# tests. The tests build in the test profile (opt-level 2, line tables only: Cargo.toml): the
# release profile's LTO made each of the ~25 test binaries and every doc test a long link
# (tried: 26.5 minutes for this step on two cores, 10 of them in the doc tests).
echo "== [${SECONDS} s] cargo test"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast --cargo-quiet \
    --status-level fail --final-status-level slow
  cargo test --workspace --doc --quiet
else
  cargo test --workspace --quiet 2>&1 | tee /tmp/fairtok-cargo-test.log | grep -v '^$'
  grep -q "test result: FAILED" /tmp/fairtok-cargo-test.log && exit 1
fi
echo "== [${SECONDS} s] cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "== [${SECONDS} s] fuzz targets (${FAIRTOK_FUZZ_SECONDS:-15} s each, docs/FUZZING.md)"
if cargo +nightly --version >/dev/null 2>&1 && cargo fuzz --version >/dev/null 2>&1; then
  scripts/fuzz.sh "${FAIRTOK_FUZZ_SECONDS:-15}"
else
  echo "skipped: fuzzing needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz)"
fi
echo "== [${SECONDS} s] differential test against tiktoken and HF tokenizers (random strings, fixed seed)"
"$venv/bin/python" tests/python/differential.py --fairtok "${CARGO_TARGET_DIR:-target}/release/fairtok" \
  --shared "$FAIRTOK_SHARED" --count "${FAIRTOK_DIFF_COUNT:-3000}"
echo "== [${SECONDS} s] Python package (pip install ., pytest against tiktoken, HF tokenizers, transformers)"
FAIRTOK_BIN="${CARGO_TARGET_DIR:-$root/target}/release/fairtok" scripts/test-python.sh
echo "== [${SECONDS} s] the playground page in headless Chromium (fairtok serve)"
FAIRTOK_BIN="${CARGO_TARGET_DIR:-$root/target}/release/fairtok" scripts/test-browser.sh
echo "== [${SECONDS} s] done"
