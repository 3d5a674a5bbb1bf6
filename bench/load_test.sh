#!/usr/bin/env bash
# Load test of compute-atlas on loopback: a mix of items, analytics and plot requests.
#
#   bench/load_test.sh [DURATION_S=60] [CONNECTIONS=64] [RUNS=3]
#
# Starts target/release/compute-atlas with the plant files from ../shared (or
# $COMPUTE_ATLAS_SHARED), runs wrk RUNS times, and prints per run: requests/s, p50, p99, errors
# (non-2xx, socket errors, timeouts: must be 0) and the server's RSS and peak RSS, so memory
# growth across runs shows. Loopback only; bounded by DURATION_S x RUNS.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DUR="${1:-60}"; CONN="${2:-64}"; RUNS="${3:-3}"
BIN="${BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/compute-atlas}"
SHARED="${COMPUTE_ATLAS_SHARED:-$ROOT/../shared}"
PORT="${PORT:-5099}"
command -v wrk >/dev/null || { echo "wrk not installed: apt-get install wrk" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build first: cargo build --release ($BIN missing)" >&2; exit 1; }
args=(serve --bind "127.0.0.1:$PORT")
for f in "$SHARED"/data/china_power/gem_*.csv "$SHARED"/data/china_power/gppd_*.csv; do
  [ -f "$f" ] && args+=(--plants "$f")
done
RUST_LOG=warn "$BIN" "${args[@]}" 2>/tmp/compute-atlas-load.log &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.1; done
rss() { awk '/^VmRSS/{r=$2} /^VmHWM/{h=$2} END{printf "%.1f %.1f", r/1024, h/1024}' "/proc/$PID/status"; }
echo "server pid $PID; RSS/peak after start-up (MB): $(rss)" >&2
for run in $(seq 1 "$RUNS"); do
  out=$(wrk -t 2 -c "$CONN" -d "${DUR}s" --timeout 10s --latency -s "$HERE/mix.lua" "http://127.0.0.1:$PORT")
  read -r r h <<<"$(rss)"
  python3 "$HERE/wrk_parse.py" --server compute-atlas --endpoint "mix-run$run" --url "http://127.0.0.1:$PORT (mix.lua)" \
    --threads 2 --connections "$CONN" <<<"$out" | python3 -c "
import json,sys
d=json.loads(sys.stdin.read()); d['rss_mb']=$r; d['peak_rss_mb']=$h
errs=(d.get('non_2xx') or 0)+(d.get('socket_errors') or 0)+(d.get('timeouts') or 0)
d['errors']=errs
print(json.dumps(d))
print(f\"run $run: {d['rps']:.0f} req/s, p50 {d['p50_ms']} ms, p99 {d['p99_ms']} ms, errors {errs}, RSS {d['rss_mb']} MB (peak {d['peak_rss_mb']} MB)\", file=sys.stderr)
"
done
