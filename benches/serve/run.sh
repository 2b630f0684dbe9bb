#!/usr/bin/env bash
# Load test of `fairtok serve` against tiktoken behind uvicorn (benches/serve/README.md): the
# same request list, the same machine, one server at a time. For each server: start it on a
# free loopback port, check every distinct text's count against tiktoken's, warm up, run the
# timed load, read its peak RSS, run the malformed-request check, stop it with SIGTERM. Prints
# the Markdown table, and leaves every step's output in benches/serve/results/.
#
# Usage: benches/serve/run.sh [--requests 20000] [--connections 64] [--texts 5000]
#                             [--warmup 2000] [--malformed 1000] [--only fairtok|baseline]
#                             [--max-bytes 100000] [--tag mixed]
# (text sizes are log-uniform from 10 bytes to --max-bytes; results go to results/TAG/)
# Environment: FAIRTOK_SHARED (default ../shared), PYTHON (default .venv/bin/python, with tiktoken;
# the baseline's packages are installed from benches/serve/requirements.txt when missing),
# FAIRTOK_BIN (default: built here, in $CARGO_TARGET_DIR or target/).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
export FAIRTOK_SHARED="${FAIRTOK_SHARED:-$root/../shared}"
py="${PYTHON:-$root/.venv/bin/python}"
requests=20000 connections=64 texts=5000 warmup=2000 malformed=1000 only="" max_bytes=100000 tag=mixed
max_body=$((1 << 20))
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --texts) texts=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --malformed) malformed=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --max-bytes) max_bytes=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
here="$root/benches/serve"
out="$here/results/$tag"
work=$(mktemp -d)
pids=()
failed=0
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if ! "$py" -c 'import tiktoken, uvicorn, uvloop, httptools' 2>/dev/null; then
  echo "== installing benches/serve/requirements.txt into $py's environment"
  "$py" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
fi
if [ -z "${FAIRTOK_BIN:-}" ] && [ "$only" != baseline ]; then
  echo "== cargo build --release -p fairtok-cli"
  cargo build --release -p fairtok-cli --quiet
  FAIRTOK_BIN="${CARGO_TARGET_DIR:-$root/target}/release/fairtok"
fi
echo "== cargo build --release (benches/serve/loadgen, its own workspace)"
loadgen_target="${LOADGEN_TARGET_DIR:-$root/target/serve-loadgen}"
CARGO_TARGET_DIR="$loadgen_target" cargo build --release --quiet --manifest-path "$here/loadgen/Cargo.toml"
loadgen="$loadgen_target/release/fairtok-serve-loadgen"

mkdir -p "$out"
rm -f "$out"/*.json "$out"/table.md
echo "== $(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(lscpu | sed -n 's/^Model name: *//p'); nproc $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
data="$work/data"  # the texts (tens of MB) stay out of the checkout
"$py" "$here/bench.py" prepare "$data" "$FAIRTOK_SHARED" --texts "$texts" --requests "$requests" --max-bytes "$max_bytes"
cp "$data/meta.json" "$out/meta.json"

free_port() {
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for FILE PATTERN SECONDS: until FILE has a line matching PATTERN.
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if grep -qE "$2" "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1:" >&2
  cat "$1" >&2
  return 1
}

# bench NAME WORKERS PID HOST PORT [--sum-workers] [--metrics]
bench() {
  local name=$1 workers=$2 pid=$3 host=$4 port=$5 sum=${6:-} metrics=${7:-}
  echo "== $name ($workers) on $host:$port, pid $pid"
  "$py" "$here/bench.py" check "$host" "$port" "$data"
  echo "-- warm-up: $warmup requests"
  "$loadgen" --addr "$host:$port" --texts "$data/texts.jsonl" --schedule "$data/schedule.json" \
    --requests "$warmup" --connections "$connections" --time-limit 300 > "$work/warmup-$name.json"
  local before after
  "$py" "$here/bench.py" rss "$pid" > "$out/rss0-$name.json"
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "-- load: $requests requests over $connections connections (load average $before)"
  "$loadgen" --addr "$host:$port" --texts "$data/texts.jsonl" --schedule "$data/schedule.json" \
    --requests "$requests" --connections "$connections" --time-limit 600 > "$out/load-$name.json"
  after=$(cut -d' ' -f1-3 /proc/loadavg)
  "$py" "$here/bench.py" rss "$pid" > "$out/rss-$name.json"
  "$py" "$here/bench.py" result "$out" "$name" "$workers" $sum --loadavg-before "$before" --loadavg-after "$after"
  "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print({k: d[k] for k in ("answered","ok","failed","errors","req_per_s","text_mb_per_s","p50_ms","p99_ms","max_ms","client_cpu_s")}); [print("  ", s) for s in d["samples"]]; sys.exit(1 if d["failed"] or d["errors"] or d["not_started"] else 0)' "$out/load-$name.json" \
    || { echo "!! $name: failed requests or errors under load"; failed=1; }
  echo "-- malformed-request check: $malformed malformed among $((malformed * 3)) requests"
  "$py" "$here/bench.py" malformed "$host" "$port" "$data" --pid "$pid" --total $((malformed * 3)) \
    --bad "$malformed" --max-body "$max_body" $metrics --out "$out/malformed-$name.json" \
    | tail -n 30 || { echo "!! malformed-request check FAILED for $name"; failed=1; }
}

if [ "$only" != fairtok ]; then
  port=$(free_port)
  (cd "$here" && exec env BASELINE_MAX_BODY="$max_body" "$py" -m uvicorn baseline_server:app \
    --host 127.0.0.1 --port "$port" --workers 2 --loop uvloop --http httptools \
    --no-access-log --log-level info) > "$work/baseline.out" 2> "$work/baseline.err" &
  bpid=$!
  pids+=("$bpid")
  # Both workers have loaded the encoding when each has said so.
  for _ in $(seq 300); do
    [ "$(grep -c 'Application startup complete' "$work/baseline.err")" -ge 2 ] && break
    sleep 0.1
  done
  wait_for "$work/baseline.err" 'Application startup complete' 1
  bench baseline "uvicorn, 2 worker processes" "$bpid" 127.0.0.1 "$port" --sum-workers
  kill -TERM "$bpid"
  wait "$bpid" && echo "-- baseline stopped, exit 0" || echo "-- baseline stopped, exit $?"
fi

if [ "$only" != baseline ]; then
  "$FAIRTOK_BIN" serve --addr 127.0.0.1:0 -t o200k_base --max-body "$max_body" --threads 2 \
    > "$work/fairtok.out" 2> "$work/fairtok.err" &
  fpid=$!
  pids+=("$fpid")
  wait_for "$work/fairtok.out" '^listening on http://' 30
  addr=$(sed -n 's|^listening on http://||p' "$work/fairtok.out" | head -1)
  bench fairtok "1 process, 2 encoding threads + 2 I/O threads" "$fpid" "${addr%:*}" "${addr##*:}" "" --metrics
  kill -TERM "$fpid"
  if wait "$fpid"; then echo "-- fairtok serve stopped, exit 0"; else echo "!! fairtok serve exit $? after SIGTERM"; failed=1; fi
fi

echo
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), nproc $(nproc); $(date -u '+%Y-%m-%d %H:%M:%S UTC'); load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$py" "$here/bench.py" table "$out" | tee "$out/table.md"
exit "$failed"
