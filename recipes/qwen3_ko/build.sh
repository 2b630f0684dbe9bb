#!/usr/bin/env bash
# Builds qwen3_ko: Qwen3's tokenizer.json extended with 32,768 Korean tokens (ids 151669 on),
# and its 8k and 16k cuts, then measures the Korean premium curve (README.md here).
#
#   recipes/qwen3_ko/build.sh [OUT_DIR]   # default target/recipes/qwen3_ko
#
# OUT_DIR gets tokenizer.json (+32,768), tokenizer-16k.json and tokenizer-8k.json; the table is
# printed and the chart written to docs/qwen3_ko-curve.svg. The base is the Qwen3 file of
# ../shared/data/vocab (Apache-2.0). Needs a release build of fairtok; about 1 minute and 0.7 GB.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec recipes/extend-hf-ko.sh qwen3_ko "${FAIRTOK_SHARED:-../shared}/data/vocab/qwen3.tokenizer.json" "$@"
