#!/usr/bin/env bash
# Makes the llama.cpp reference files of the GGUF tests (tests/data/gguf-llamacpp-*.tsv) with
# llama.cpp itself: `llama-cpp-python` built from source (it vendors llama.cpp) in a venv
# outside the repository, then tests/python/reference_gguf_llamacpp.py. Not run by CI (the
# build takes about half an hour on one core); the tests read the committed files.
#
# Usage: scripts/reference-gguf-llamacpp.sh [SHARED_DIR]
#   LLAMACPP_VENV   the venv (default: ../llamacpp-venv beside the repository)
#   JOBS            build parallelism (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="${1:-${FAIRTOK_SHARED:-$root/../shared}}"
venv="${LLAMACPP_VENV:-$root/../llamacpp-venv}"
version=0.3.36
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '$version')" 2>/dev/null; then
  # cmake and ninja as binary wheels; llama-cpp-python from its source distribution, built
  # for the CPU only, without the examples, tools, tests, server, curl, OpenSSL or llava.
  "$venv/bin/pip" install -q cmake ninja
  export CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DLLAVA_BUILD=OFF -DLLAMA_OPENSSL=OFF -DGGML_OPENMP=OFF"
  export CMAKE_BUILD_PARALLEL_LEVEL="${JOBS:-1}" MAKEFLAGS="-j${JOBS:-1}"
  nice -n 10 "$venv/bin/pip" install "llama-cpp-python==$version"
fi
"$venv/bin/python" tests/python/reference_gguf_llamacpp.py "$shared" tests/data
echo "wrote tests/data/gguf-llamacpp-conformance.tsv and tests/data/gguf-llamacpp-flores200-dev.tsv"
