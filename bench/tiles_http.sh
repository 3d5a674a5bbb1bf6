#!/usr/bin/env bash
# HTTP benchmark of vector tiles (OGC API - Tiles, WebMercatorQuad, MVT) on loopback.
#
#   bench/tiles_http.sh URL_BASE NAME [DURATION_S]
#   e.g. bench/tiles_http.sh http://127.0.0.1:5004 compute-atlas 10
#        COLL_PREFIX=public. TILE_ORDER=zxy bench/tiles_http.sh http://127.0.0.1:5002 tipg 10
#
# The URL list: every tile of zoom MIN_ZOOM..MAX_ZOOM (3..6: 133 tiles) over the counties' extent
# (the compute-atlas-bench tiles tile set, see tilegrid.py), as
#   /collections/${COLL_PREFIX}counties/tiles/WebMercatorQuad/{z}/{y}/{x}?properties=adcode,name_en,province
# ({z}/{x}/{y} with TILE_ORDER=zxy -- tipg's order; compute-atlas follows OGC's tileMatrix/tileRow/tileCol).
# 1. cold pass: each URL once, in order, over one keep-alive connection; total wall time and
#    per-request p50/p99 (run it against a freshly started server: compute-atlas caches tiles,
#    so this pass is also its warm-up).  Skip with COLD=0.
# 2. wrk -t THREADS -c CONNECTIONS -d DURATION --latency -s tiles.lua: every thread cycles through
#    the list.  No Accept-Encoding, so both servers send uncompressed MVT.
# Env: COLL_PREFIX, TILE_ORDER (zyx), MIN_ZOOM (3), MAX_ZOOM (6), PROPERTIES (adcode,name_en,province),
# THREADS (2), CONNECTIONS (32), TIMEOUT (30s), COUNTIES (for the extent), OUT (bench/out), PYTHON.
# Output: JSON lines {"kind":"tiles_http","mode":"cold"|"warm",...} on stdout; human lines on stderr.
set -euo pipefail
BASE="${1:?usage: $0 URL_BASE NAME [DURATION_S]}"
NAME="${2:?usage: $0 URL_BASE NAME [DURATION_S]}"
DUR="${3:-${DURATION:-10}}"
BASE="${BASE%/}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
TIMEOUT="${TIMEOUT:-30s}"
PY="${PYTHON:-python3}"
P="${COLL_PREFIX:-}"
ORDER="${TILE_ORDER:-zyx}"
PROPS="${PROPERTIES:-adcode,name_en,province}"
COUNTIES="${COUNTIES:-$ROOT/geodata/boundaries/counties_west.geojson}"
OUT="${OUT:-$HERE/out}"
COLD="${COLD:-1}"

case "$BASE" in
  http://127.*|http://localhost*|http://\[::1\]*) ;;
  *) echo "refusing non-loopback target $BASE" >&2; exit 2 ;;
esac
command -v wrk >/dev/null || { echo "wrk not installed (run bench/setup_peers.sh)" >&2; exit 1; }
mkdir -p "$OUT"
LIST="$OUT/tiles_paths_${NAME}.txt"
query=""; [ -n "$PROPS" ] && query="properties=$PROPS"
"$PY" "$HERE/tilegrid.py" list --counties "$COUNTIES" --min-zoom "${MIN_ZOOM:-3}" --max-zoom "${MAX_ZOOM:-6}" \
  --prefix "/collections/${P}counties/tiles/WebMercatorQuad" --order "$ORDER" --query "$query" > "$LIST"
echo "[$NAME] $(wc -l < "$LIST") tile URLs, e.g. $BASE$(head -1 "$LIST")" >&2

warmed=""
if [ "$COLD" = 1 ]; then
  "$PY" "$HERE/tilegrid.py" cold --base "$BASE" --paths "$LIST" --server "$NAME"
  warmed="--warmed"
fi
out="$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DUR}s" --timeout "$TIMEOUT" --latency \
          -s "$HERE/tiles.lua" "$BASE" -- "$LIST" "$THREADS")"
printf '%s\n' "$out" | "$PY" "$HERE/tilegrid.py" wrkjson --server "$NAME" --base "$BASE" --paths "$LIST" \
    --threads "$THREADS" --connections "$CONNECTIONS" $warmed
