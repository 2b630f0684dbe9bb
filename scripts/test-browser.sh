#!/usr/bin/env bash
# The playground page (`fairtok serve`, crates/fairtok-serve/assets/playground.html) in headless
# Chromium: installs playwright-core (no browser download) from tests/browser/package-lock.json,
# starts `fairtok serve` on a free loopback port and runs tests/browser/playground.test.mjs with
# node's test runner. Screenshots go to tests/browser/artifacts/. Exits non-zero on any failure;
# skips with one line when Chromium or node is absent.
#
# Usage: scripts/test-browser.sh [NODE TEST ARGS...]   (from anywhere;
#        FAIRTOK_BIN: the built `fairtok` command, else it is built here;
#        CHROMIUM: the browser, default /usr/bin/chromium;
#        FAIRTOK_MOCK=1: against tests/browser/mock-server.mjs instead, fake counts, no build)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "scripts/test-browser.sh: skipped: no Chromium at $CHROMIUM (apt-get install chromium)"
  exit 0
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "scripts/test-browser.sh: skipped: node and npm are not installed (apt-get install nodejs npm)"
  exit 0
fi

if [ "${FAIRTOK_MOCK:-}" != 1 ]; then
  if [ -z "${FAIRTOK_BIN:-}" ]; then
    echo "== cargo build --release -p fairtok-cli (the server the page is tested on)"
    cargo build --release -p fairtok-cli --quiet
    FAIRTOK_BIN="${CARGO_TARGET_DIR:-$root/target}/release/fairtok"
  fi
  case "$FAIRTOK_BIN" in /*) ;; *) FAIRTOK_BIN="$root/$FAIRTOK_BIN" ;; esac
  export FAIRTOK_BIN
fi

cd tests/browser
echo "== npm ci (playwright-core, no browser download)"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
echo "== node --test tests/browser/playground.test.mjs (screenshots in tests/browser/artifacts/)"
exec node --test --test-reporter=spec "$@" playground.test.mjs
