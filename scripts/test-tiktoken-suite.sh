#!/usr/bin/env bash
# tiktoken's own test suite, run against fairtok: the tests/ folder of tiktoken 0.14.0's source
# distribution (pip download, checked against its SHA-256, kept in .venv/tiktoken-sdist/ and
# extracted to a temporary folder on each run: no code of tiktoken's is committed here), with
# `import tiktoken` resolving to fairtok through tests/tiktoken_suite/shim (first on PYTHONPATH,
# so the interpreters the suite starts see it too). Nothing is downloaded at test time: every
# encoding the suite asks for (gpt2, r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base,
# o200k_harmony, and fairtok's o200k_ko through list_encoding_names) is a fairtok built-in.
#
# Excluded (tests of a private function, not of tiktoken's API):
#   tests/test_encoding.py::test_encode_bytes       call `Encoding._encode_bytes`, tiktoken's
#   tests/test_encoding.py::test_hyp_encode_bytes   private encoder of bytes that need not be
#                                                   UTF-8 (its split of a non-UTF-8 tail is an
#                                                   internal heuristic); fairtok encodes str.
# Every other test must pass (30 of 33).
#
# Usage: scripts/test-tiktoken-suite.sh [PYTEST ARGS...]
#        scripts/test-tiktoken-suite.sh --time [RUNS]
#            times tests/test_offsets.py::test_hyp_offsets (same hypothesis seeds) under fairtok
#            and under the real tiktoken (rank files read from $FAIRTOK_SHARED/data/vocab by
#            tests/tiktoken_suite/offline_tiktoken.py), RUNS runs each (default 5, seeds 1..RUNS),
#            and prints pytest's duration of each call (imports and loading not included) and
#            the medians.
# Needs .venv with the test requirements and fairtok installed (scripts/test-python.sh does
# both, then calls this).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export FAIRTOK_SHARED="${FAIRTOK_SHARED:-$root/../shared}"
venv="$root/.venv"
py="$venv/bin/python"

version=0.14.0
sdist_sha256=231dec90efcdccf1b565a1416107736f1e09b1a08fe736ef9d6363e626d03874
cache="$venv/tiktoken-sdist"
sdist="$cache/tiktoken-$version.tar.gz"
excluded=(
  "tests/test_encoding.py::test_encode_bytes"
  "tests/test_encoding.py::test_hyp_encode_bytes"
)

if [ ! -f "$sdist" ]; then
  echo "== pip download tiktoken==$version (source distribution, for its tests/)"
  mkdir -p "$cache"
  "$venv/bin/pip" download -q --disable-pip-version-check --no-binary :all: --no-deps \
    "tiktoken==$version" -d "$cache"
fi
if ! echo "$sdist_sha256  $sdist" | sha256sum -c --quiet -; then
  echo "scripts/test-tiktoken-suite.sh: $sdist is not tiktoken $version's sdist; delete it" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Only tests/ (and the licence): `python -m pytest` puts the working directory first on
# sys.path, where the sdist's own tiktoken/ sources would shadow the shim.
tar -xzf "$sdist" -C "$work" "tiktoken-$version/tests" "tiktoken-$version/LICENSE"
suite="$work/tiktoken-$version"
shim="$root/tests/tiktoken_suite/shim"

# The shim must be what `import tiktoken` finds (the real tiktoken is installed beside it).
PYTHONPATH="$shim" "$py" -c '
import fairtok, tiktoken
assert getattr(tiktoken, "IS_FAIRTOK", False), tiktoken.__file__
assert tiktoken.get_encoding is fairtok.get_encoding
'

pytest_args=(-p no:cacheprovider --import-mode=append)

if [ "${1:-}" = "--time" ]; then
  runs="${2:-5}"
  test="tests/test_offsets.py::test_hyp_offsets"
  cd "$suite"
  for lib in fairtok tiktoken; do
    times=()
    for seed in $(seq 1 "$runs"); do
      if [ "$lib" = fairtok ]; then
        env=(PYTHONPATH="$shim")
        plugin=()
      else
        env=(PYTHONPATH="$root/tests/tiktoken_suite")
        plugin=(-p offline_tiktoken)
      fi
      env "${env[@]}" "$py" -m pytest -q "${pytest_args[@]}" "${plugin[@]}" --durations=0 \
        --durations-min=0 --hypothesis-seed="$seed" "$test" >"$work/out" 2>&1 \
        || { cat "$work/out"; exit 1; }
      # pytest's duration of the test's call (setup, imports and loading excluded).
      t=$(awk '$2 == "call" && $3 ~ /test_hyp_offsets/ {sub(/s$/, "", $1); print $1}' "$work/out")
      times+=("$t")
      echo "$lib seed $seed: ${t}s ($(tail -1 "$work/out"))"
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "$lib median: ${median}s"
  done
  exit 0
fi

echo "== tiktoken $version's own test suite, with \`import tiktoken\` = fairtok"
cd "$suite"
deselect=()
for t in "${excluded[@]}"; do deselect+=(--deselect "$t"); done
PYTHONPATH="$shim" "$py" -m pytest -q "${pytest_args[@]}" "${deselect[@]}" --durations=3 tests "$@"
