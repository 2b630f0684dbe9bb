#!/usr/bin/env bash
# Lists the dependencies that `pip install .` (maturin: crates/fairtok-py alone, with
# pyo3/extension-module) would build with other features than the test suite's build (the
# workspace's tests: its dependencies and dev-dependencies) does. Each one makes the Python package's build compile its part of the tree again; align
# them in crates/fairtok-py/Cargo.toml (pyo3's own crates differ by design). Prints nothing
# and exits 0 when only pyo3's differ.
set -euo pipefail
cd "$(dirname "$0")/.."
features() {
  cargo tree -f '{p} [{f}]' --prefix none "$@" | sed 's/ (\*)$//' | sort -u
}
ws=$(features --workspace -e normal,build,dev)
py=$(features -p fairtok-py --features pyo3/extension-module -e normal,build)
status=0
while IFS= read -r line; do
  name=${line%% \[*}
  case "$name" in pyo3*) continue ;; esac
  # A package may be built twice (for build scripts and for the target), so the line must be
  # one of the workspace's lines for that package.
  other=$(grep -F "$name [" <<<"$ws" | tr '\n' ' ' || true)
  if [ -n "$other" ] && ! grep -qxF "$line" <<<"$ws"; then
    echo "differs: $line   (workspace: $other)"
    status=1
  fi
done <<<"$py"
exit "$status"
