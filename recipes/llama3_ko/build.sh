#!/usr/bin/env bash
# Builds llama3_ko: Llama 3's tokenizer.json extended with 32,768 Korean tokens (ids 128256 on),
# and its 8k and 16k cuts, then measures the Korean premium curve (README.md here).
#
#   recipes/llama3_ko/build.sh [OUT_DIR]   # default target/recipes/llama3_ko
#
# OUT_DIR gets tokenizer.json (+32,768), tokenizer-16k.json and tokenizer-8k.json; the table is
# printed and the chart written to docs/llama3_ko-curve.svg. The base is the Llama 3 file of
# ../shared/data/vocab (Meta's, under the Llama 3 Community License: the outputs are derived from
# it and are not shipped here). Needs a release build of fairtok; about 1 minute and 0.6 GB.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec recipes/extend-hf-ko.sh llama3_ko "${FAIRTOK_SHARED:-../shared}/data/vocab/llama3.tokenizer.json" "$@"
