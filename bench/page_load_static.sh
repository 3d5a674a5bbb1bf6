#!/usr/bin/env bash
# The web map's time to interactive from a published static folder on nginx (PMTiles read by
# HTTP range requests), beside the same map from the live server in the same run, and the time
# `publish` takes with the size of what it writes.
#
#   bench/page_load_static.sh [N=9]
#
# Env: BIN (default target/release/compute-atlas), COMPUTE_ATLAS_SHARED (the six plant files),
# NGINX (/usr/sbin/nginx). Loopback only; uses bench/page_load.mjs (playwright-core from
# tests/browser, Debian's Chromium).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
N="${1:-9}"
BIN="${BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/compute-atlas}"
SHARED="${COMPUTE_ATLAS_SHARED:-$ROOT/../shared}"
NGINX="${NGINX:-/usr/sbin/nginx}"
[ -x "$BIN" ] || { echo "build first: cargo build --release ($BIN missing)" >&2; exit 1; }
[ -x "$NGINX" ] || { echo "nginx not installed: apt-get install nginx" >&2; exit 1; }
OUT="$HERE/out/static"; rm -rf "$OUT"; mkdir -p "$OUT"
plants=()
for f in "$SHARED"/data/china_power/gem_*.csv "$SHARED"/data/china_power/gppd_*.csv; do
  [ -f "$f" ] && plants+=(--plants "$f")
done

t0=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$OUT/publish.rss" "$BIN" publish "$OUT/site" "${plants[@]}" >"$OUT/publish.log" 2>&1
t1=$(date +%s.%N)
echo "{\"kind\":\"publish\",\"seconds\":$(python3 -c "print(round($t1-$t0,2))"),\"folder_mb\":$(du -sm "$OUT/site" | cut -f1),\"pmtiles_mb\":$(du -cm "$OUT"/site/tiles/*.pmtiles | tail -1 | cut -f1),\"map_pmtiles_mb\":$(du -cm "$OUT"/site/tiles/map/*.pmtiles | tail -1 | cut -f1),\"peak_rss_mb\":$(( $(cat "$OUT/publish.rss") / 1024 ))}"

PORT_LIVE=5301; PORT_STATIC=5302
RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$PORT_LIVE" "${plants[@]}" 2>"$OUT/serve.log" & LIVE=$!
user=""; [ "$(id -u)" = 0 ] && user="user root;"
cat >"$OUT/nginx.conf" <<EOF
$user
daemon off;
worker_processes 1;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log warn;
events { worker_connections 512; }
http {
  include /etc/nginx/mime.types;
  types { application/vnd.pmtiles pmtiles; }
  access_log off;
  client_body_temp_path $OUT/body; proxy_temp_path $OUT/proxy; fastcgi_temp_path $OUT/fastcgi;
  uwsgi_temp_path $OUT/uwsgi; scgi_temp_path $OUT/scgi;
  gzip on; gzip_types application/json application/geo+json text/css application/javascript text/csv;
  server { listen 127.0.0.1:$PORT_STATIC; root $OUT/site; }
}
EOF
"$NGINX" -p "$OUT" -e "$OUT/nginx-error.log" -c "$OUT/nginx.conf" & NG=$!
trap 'kill $LIVE $NG 2>/dev/null || true' EXIT
for p in $PORT_LIVE $PORT_STATIC; do
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$p/" >/dev/null && break; sleep 0.1; done
done

echo "== static folder on nginx ==" >&2
TARGET_MS=1500 node "$HERE/page_load.mjs" "http://127.0.0.1:$PORT_STATIC/" "$N" | tee "$OUT/static.jsonl" | grep '"page_load"'
echo "== live server ==" >&2
node "$HERE/page_load.mjs" "http://127.0.0.1:$PORT_LIVE/" "$N" | tee "$OUT/live.jsonl" | grep '"page_load"'
