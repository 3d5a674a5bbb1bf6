#!/usr/bin/env bash
# HTTP load test of an OGC API Features server with wrk (loopback only).
#
#   bench/http_bench.sh URL_BASE NAME [DURATION_S]
#   e.g. bench/http_bench.sh http://127.0.0.1:5001 pygeoapi 10
#
# Endpoints (wrk -t THREADS -c CONNECTIONS -d DURATION --latency; header Accept: application/geo+json
# for the item endpoints -- tipg answers plain JSON lists for application/json -- and
# Accept: application/json for the landing page):
#   counties_bbox  /collections/${P}counties/items?limit=100&bbox=90,40,100,45
#   sites_items    /collections/${P}sites/items?limit=100
#   site_item      /collections/${P}sites/items/xj-yiwu-acc
#   landing        /
#   counties_cql2  /collections/${P}counties/items?limit=100&filter=S_INTERSECTS(geometry,POLYGON((90 40,100 40,100 45,90 45,90 40))) AND adcode LIKE '65%'
#                  (a POLYGON, not BBOX: tipg 1.x builds BBOX without an SRID and PostGIS refuses it)
# Env: COLL_PREFIX (prepended to collection ids, e.g. "public." for tipg), THREADS (2), CONNECTIONS (32), TIMEOUT (wrk per-request timeout, 30s), ENDPOINTS
# (space-separated subset of the keys above), PYTHON (python for the parser).
# Output: one JSON line per endpoint on stdout ({"kind":"http",...}); human lines on stderr.
set -euo pipefail
BASE="${1:?usage: $0 URL_BASE NAME [DURATION_S]}"
NAME="${2:?usage: $0 URL_BASE NAME [DURATION_S]}"
DUR="${3:-${DURATION:-10}}"
BASE="${BASE%/}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
TIMEOUT="${TIMEOUT:-30s}"
PY="${PYTHON:-python3}"
P="${COLL_PREFIX:-}"
ENDPOINTS="${ENDPOINTS:-counties_bbox sites_items site_item landing}"

case "$BASE" in
  http://127.*|http://localhost*|http://\[::1\]*) ;;
  *) echo "refusing non-loopback target $BASE" >&2; exit 2 ;;
esac
command -v wrk >/dev/null || { echo "wrk not installed (run bench/setup_peers.sh)" >&2; exit 1; }

path_of() {
  case "$1" in
    counties_bbox) echo "/collections/${P}counties/items?limit=100&bbox=90,40,100,45" ;;
    sites_items)   echo "/collections/${P}sites/items?limit=100" ;;
    site_item)     echo "/collections/${P}sites/items/xj-yiwu-acc" ;;
    landing)       echo "/" ;;
    # CQL2 (Part 3): a spatial and a property predicate; GEOM names the geometry queryable
    # (`geometry` here; tipg uses the PostGIS column name).
    counties_cql2) echo "/collections/${P}counties/items?limit=100&filter-lang=cql2-text&filter=S_INTERSECTS(${GEOM:-geometry},POLYGON((90%2040,100%2040,100%2045,90%2045,90%2040)))%20AND%20adcode%20LIKE%20%2765%25%27" ;;
    *) echo "unknown endpoint $1" >&2; return 1 ;;
  esac
}

for ep in $ENDPOINTS; do
  url="$BASE$(path_of "$ep")"
  if [ "$ep" = landing ]; then accept="application/json"; else accept="application/geo+json"; fi
  # one sanity request: status and body size (a 404/500 would make req/s meaningless)
  read -r status bytes ctype < <(curl -s -o /dev/null -H "Accept: $accept" --max-time 120 \
                              -w '%{http_code} %{size_download} %{content_type}\n' "$url" || echo "000 0 none")
  out="$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DUR}s" --timeout "$TIMEOUT" --latency \
            -H "Accept: $accept" "$url")"
  printf '%s\n' "$out" | "$PY" "$HERE/wrk_parse.py" --server "$NAME" --endpoint "$ep" --url "$url" \
      --status "$status" --bytes "$bytes" --content-type "$ctype" --threads "$THREADS" --connections "$CONNECTIONS"
done
