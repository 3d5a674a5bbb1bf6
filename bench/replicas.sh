#!/usr/bin/env bash
# Requests/s through nginx as a load balancer in front of 1 and then 2 replicas of
# compute-atlas, with the mixed load of bench/load_test.sh (mix.lua), and the ratio.
#
#   bench/replicas.sh [DURATION_S=20] [CONNECTIONS=64] [RUNS=3]
#
# Each replica is pinned to its own core (taskset), so "2 replicas" means two cores' worth of
# servers where "1 replica" has one; wrk and nginx are not pinned and share the machine, as a
# balancer on the same host would. Replicas are separate processes loading the same files and
# sharing nothing at run time. Before the load, the script checks that both replicas answer a
# few URLs with the same ETag and body. Loopback only; Debian's nginx and wrk.
# Env: BIN (default target/release/compute-atlas), COMPUTE_ATLAS_SHARED (plant files).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DUR="${1:-20}"; CONN="${2:-64}"; RUNS="${3:-3}"
BIN="${BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/compute-atlas}"
SHARED="${COMPUTE_ATLAS_SHARED:-$ROOT/../shared}"
NGINX="${NGINX:-/usr/sbin/nginx}"
command -v wrk >/dev/null || { echo "wrk not installed: apt-get install wrk" >&2; exit 1; }
[ -x "$NGINX" ] || { echo "nginx not installed: apt-get install nginx" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build first: cargo build --release ($BIN missing)" >&2; exit 1; }
CORES=$(nproc)
[ "$CORES" -ge 2 ] || { echo "needs 2 cores to pin two replicas" >&2; exit 1; }

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

args=(serve)
for f in "$SHARED"/data/china_power/gem_*.csv "$SHARED"/data/china_power/gppd_*.csv; do
  [ -f "$f" ] && args+=(--plants "$f")
done
PORTS=(5201 5202)
for i in 0 1; do
  RUST_LOG=warn taskset -c "$i" "$BIN" "${args[@]}" --bind "127.0.0.1:${PORTS[$i]}" \
    2>"$WORK/replica$i.log" &
  PIDS+=($!)
done
for p in "${PORTS[@]}"; do
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$p/conformance" >/dev/null && break; sleep 0.1; done
done

# Any replica may answer any request: same bodies, same ETags.
for path in "/collections/sites/items?limit=5" "/collections/counties/items/650522" "/analytics/summary"; do
  a=$(curl -sf -H "Host: atlas.example" -D "$WORK/h0" "http://127.0.0.1:${PORTS[0]}$path" | sha256sum)
  b=$(curl -sf -H "Host: atlas.example" -D "$WORK/h1" "http://127.0.0.1:${PORTS[1]}$path" | sha256sum)
  e0=$(grep -i '^etag:' "$WORK/h0" || true); e1=$(grep -i '^etag:' "$WORK/h1" || true)
  [ "$a" = "$b" ] && [ "$e0" = "$e1" ] || { echo "replicas differ on $path" >&2; exit 1; }
done

LB_PORT=5200
start_nginx() { # $1: number of replicas
  local up="" d="$WORK/nginx$1"
  mkdir -p "$d"
  for i in $(seq 0 $(($1 - 1))); do up+="    server 127.0.0.1:${PORTS[$i]};"$'\n'; done
  local user=""; [ "$(id -u)" = 0 ] && user="user root;"
  cat >"$d/nginx.conf" <<EOF
$user
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $d/body; proxy_temp_path $d/proxy; fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi; scgi_temp_path $d/scgi;
  upstream atlas {
$up    keepalive 64;
  }
  server {
    listen 127.0.0.1:$LB_PORT;
    location / {
      proxy_pass http://atlas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
    }
  }
}
EOF
  "$NGINX" -p "$d" -e "$d/error.log" -c "$d/nginx.conf" &
  NGINX_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$LB_PORT/conformance" >/dev/null && return; sleep 0.1; done
  echo "nginx did not start: $(cat "$d/error.log")" >&2; exit 1
}

declare -A BEST
for n in 1 2; do
  start_nginx "$n"
  # Warm the plot and tile caches of every replica before measuring.
  wrk -t 2 -c "$CONN" -d 3s -s "$HERE/mix.lua" "http://127.0.0.1:$LB_PORT" >/dev/null
  best=0
  for run in $(seq 1 "$RUNS"); do
    out=$(wrk -t 2 -c "$CONN" -d "${DUR}s" --timeout 10s --latency -s "$HERE/mix.lua" "http://127.0.0.1:$LB_PORT")
    line=$(python3 "$HERE/wrk_parse.py" --server "compute-atlas x$n behind nginx" --endpoint "mix-run$run" \
      --url "http://127.0.0.1:$LB_PORT (mix.lua)" --threads 2 --connections "$CONN" <<<"$out")
    echo "$line"
    errs=$(python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print((d.get('non_2xx') or 0)+(d.get('socket_errors') or 0)+(d.get('timeouts') or 0))" <<<"$line")
    [ "$errs" -eq 0 ] || { echo "$errs failed requests with $n replica(s)" >&2; exit 1; }
    rps=$(python3 -c "import json,sys; print(int(json.loads(sys.stdin.read())['rps']))" <<<"$line")
    [ "$rps" -gt "$best" ] && best=$rps
  done
  BEST[$n]=$best
  kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true
done
python3 -c "import sys; r,a,b=map(int,sys.argv[1:]); print(f'best of {r} runs: 1 replica {a} req/s, 2 replicas {b} req/s, ratio {b/a:.2f}x')" \
  "$RUNS" "${BEST[1]}" "${BEST[2]}" >&2
