#!/usr/bin/env bash
# fairtok adapt's time and peak memory on a checkpoint of Llama 3 8B's shape (synth8b.py: real
# tensor names and shapes, random bf16 weights, four shards, 16 GB) with Llama 3's tokenizer
# extended by Korean tokens. Needs about 35 GB of free disk in WORK (the checkpoint and its
# adapted copy); the checkpoint is kept for the next run, the copy removed.
#
# Usage: benches/adapt/run.sh [WORK_DIR] [ADD]   (default target/bench-adapt, 32768 tokens)
# Prints a JSON line and appends it to benches/adapt/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
work="${1:-$root/target/bench-adapt}"
add="${2:-32768}"
shared="${FAIRTOK_SHARED:-$root/../shared}"
py="$root/.venv/bin/python"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build --release -p fairtok-cli --quiet
bin="$target/release/fairtok"
mkdir -p "$work"
if [ ! -f "$work/llama3-8b/config.json" ]; then
  rm -rf "$work/llama3-8b"
  "$py" benches/adapt/synth8b.py "$work/llama3-8b" "$shared/data/vocab/llama3.tokenizer.json"
fi
ext="$work/llama3-ko-$add.json"
if [ ! -f "$ext" ]; then
  "$bin" extend -t "$shared/data/vocab/llama3.tokenizer.json" --quiet --format hf \
    --input "kor_Hang=$shared/data/corpus/ko.kowiki.txt.gz" --add "$add" -o "$ext"
fi
rm -rf "$work/llama3-8b-ko"
sync
# Cold: the checkpoint's pages dropped from the page cache first, when allowed.
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
/usr/bin/time -v "$bin" adapt --model "$work/llama3-8b" -t "$ext" -o "$work/llama3-8b-ko" \
  --quiet 2>"$work/time.txt" | tee "$work/summary.txt"
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
out_bytes=$(du -sb "$work/llama3-8b-ko" | cut -f1)
line=$(printf '{"date": "%s", "machine": "%s, %s CPUs, %s GiB", "load": "%s", "add": %s, "wall": "%s", "max_rss_mib": %s, "output_bytes": %s}' \
  "$(date -u +%FT%TZ)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(nproc)" \
  "$(awk '/MemTotal/ {printf "%d", $2/1048576}' /proc/meminfo)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$add" "$wall" "$((rss_kb / 1024))" "$out_bytes")
echo "$line" | tee -a benches/adapt/results.jsonl
rm -rf "$work/llama3-8b-ko"
