#!/usr/bin/env bash
# The whole test suite: formatting, lints, Rust unit and integration tests (conformance on the
# shared data), the API docs under -D warnings, the randomized differential test against the
# Python reference libraries, the Python package's tests, a bounded run of every fuzz target,
# and the playground page of `fairtok serve` in headless Chromium.
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

# The fuzz targets build (nightly, their own instrumented tree: about 5 minutes of CPU) in the
# background from the start, at the lowest priority, so that they use what the steps below
# leave idle (downloads, single-threaded tests) rather than add their time to the suite's.
fuzz_build=""
if cargo +nightly --version >/dev/null 2>&1 && cargo fuzz --version >/dev/null 2>&1; then
  fuzz_log=$(mktemp)
  # Its own process group (job control, `set -m`), so that an early failure of the suite stops
  # it too; but the same session: Linux's autogroup scheduling shares the CPU equally between
  # sessions, so a build in a session of its own (setsid) took half the CPU whatever its nice.
  set -m
  nice -n 19 scripts/fuzz.sh build >"$fuzz_log" 2>&1 &
  fuzz_build=$!
  set +m
  trap 'kill -- -"$fuzz_build" 2>/dev/null || true; rm -f "$fuzz_log"' EXIT
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
# The peer benchmark's target (fairtok-bench's `benches/peers.rs`) is linted by
# benches/encode/run.sh, which compiles its peers (HF tokenizers with Oniguruma, tiktoken-rs,
# bpe-openai) anyway: checking them here cost a minute of CI for code no test runs.
cargo clippy --workspace --all-targets --exclude fairtok-bench --quiet -- -D warnings
cargo clippy -p fairtok-bench --lib --quiet -- -D warnings
# Everything below builds in one cargo profile, `ci` (Cargo.toml: release without LTO, with
# debug assertions): the test binaries, the command they run (target/ci/fairtok), the doc tests
# and the Python package (maturin, through MATURIN_PEP517_ARGS in scripts/test-python.sh) share
# one build of the dependencies. They share it only if every build asks the same features of
# the shared dependencies: the test build decides (the workspace with its dev-dependencies),
# and scripts/check-shared-features.sh warns when the Python crate's build would differ.
profile="${FAIRTOK_CARGO_PROFILE:-ci}"
export FAIRTOK_CARGO_PROFILE="$profile"
bin="${CARGO_TARGET_DIR:-$root/target}/$profile/fairtok"
scripts/check-shared-features.sh ||
  echo "warning: the Python package will compile the dependencies again (see above)"
# cargo-nextest runs the test binaries side by side (plain cargo test otherwise), then the doc
# tests. Building the tests builds the command too.
echo "== [${SECONDS} s] cargo test --profile $profile"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --cargo-profile "$profile" --workspace --no-fail-fast --cargo-quiet \
    --status-level fail --final-status-level slow
  cargo test --profile "$profile" --workspace --doc --quiet
else
  cargo test --profile "$profile" --workspace --quiet 2>&1 | tee /tmp/fairtok-cargo-test.log | grep -v '^$'
  grep -q "test result: FAILED" /tmp/fairtok-cargo-test.log && exit 1
fi
echo "== [${SECONDS} s] cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "== [${SECONDS} s] differential test against tiktoken and HF tokenizers (random strings, fixed seed)"
"$venv/bin/python" tests/python/differential.py --fairtok "$bin" \
  --shared "$FAIRTOK_SHARED" --count "${FAIRTOK_DIFF_COUNT:-3000}"
echo "== [${SECONDS} s] Python package (pip install ., pytest against tiktoken, HF tokenizers, transformers)"
FAIRTOK_BIN="$bin" scripts/test-python.sh
# Last but one: the fuzz build (started at the beginning, at the lowest priority) has had the
# idle time of every step before, most of all the Python tests'.
echo "== [${SECONDS} s] fuzz targets (${FAIRTOK_FUZZ_SECONDS:-15} s each, docs/FUZZING.md)"
if [ -n "$fuzz_build" ]; then
  if ! wait "$fuzz_build"; then
    cat "$fuzz_log" >&2
    echo "scripts/test.sh: the fuzz targets did not build" >&2
    exit 1
  fi
  scripts/fuzz.sh "${FAIRTOK_FUZZ_SECONDS:-15}"
else
  echo "skipped: fuzzing needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz)"
fi
echo "== [${SECONDS} s] the playground page in headless Chromium (fairtok serve)"
FAIRTOK_BIN="$bin" scripts/test-browser.sh
echo "== [${SECONDS} s] done"
