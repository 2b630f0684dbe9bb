#!/usr/bin/env bash
# The token-tax table: docs/token-tax.md and docs/token-tax.html, from FLORES-200 dev (all 204
# languages) and every real tokenizer fairtok loads: the default built-ins and every file of
# ../shared/data/vocab/ and vocab/gguf/.
#
# Labels, load options and "same vocabulary as" links are in scripts/token-tax.tsv; a file with
# no line there is tried under its file name. A file fairtok refuses is listed under "Not in the
# table" with fairtok's one-line reason, so re-running this script picks up each new kind as soon
# as fairtok loads it. Language names: scripts/flores200-languages.tsv.
#
# Usage: scripts/token-tax.sh   (builds the release CLI first; honours CARGO_TARGET_DIR and
# FAIRTOK_SHARED, the shared data folder, default ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
SHARED=${FAIRTOK_SHARED:-../shared}
VOCAB=$SHARED/data/vocab
FLORES=$SHARED/data/parallel/flores200-dev
LABELS=scripts/token-tax.tsv

cargo build --release -q -p fairtok-cli
BIN=${CARGO_TARGET_DIR:-target}/release/fairtok

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
list=$tmp/tokenizers.tsv
# Built-ins (a source without `.` or `/`), in the order of the labels file.
awk -F'\t' '!/^#/ && NF >= 2 && $1 !~ /[.\/]/ { print $2 "\t" $1 "\t" $3 "\t" $4 "\t" $5 }' "$LABELS" > "$list"
# Every file of vocab/ and vocab/gguf/: the labels file's line if it has one (in its order),
# then the files it does not know, under their file names.
known=$tmp/known
awk -F'\t' '!/^#/ && NF >= 2 && $1 ~ /[.\/]/ { print $1 }' "$LABELS" > "$known"
while IFS= read -r rel; do
  [ -f "$VOCAB/$rel" ] || continue
  awk -F'\t' -v rel="$rel" -v path="$VOCAB/$rel" \
    '$1 == rel && $3 != "skip" { print $2 "\t" path "\t" $3 "\t" $4 "\t" $5 }' "$LABELS" >> "$list"
done < "$known"
for f in "$VOCAB"/* "$VOCAB"/gguf/*; do
  [ -f "$f" ] || continue
  rel=${f#"$VOCAB"/}
  case $rel in *README*|*.md) continue ;; esac
  grep -qxF -- "$rel" "$known" || printf '%s\t%s\t-\t-\t-\n' "$(basename "$rel")" "$f" >> "$list"
done

commit=$(git describe --always --dirty --abbrev=12)
"$BIN" token-tax --list "$list" --parallel "$FLORES" \
  --names scripts/flores200-languages.tsv \
  --corpus-name "FLORES-200 dev (CC BY-SA 4.0)" \
  --commit "$commit" --regenerate "scripts/token-tax.sh" \
  --markdown docs/token-tax.md --html docs/token-tax.html
echo "token-tax: docs/token-tax.md and docs/token-tax.html written in $((SECONDS - start)) s (fairtok $commit)" >&2
