#!/usr/bin/env bash
# CQL2 filter throughput: compute-atlas against tipg (PostGIS) on the same counties, one
# filter with a spatial and a property predicate (endpoint counties_cql2 of http_bench.sh),
# and the plain bbox request beside it for scale. Loopback only.
#
#   bench/cql2.sh [DURATION_S=10]
#
# Env: BIN (compute-atlas binary, default target/release), PORT (5097), PORT_TIPG (5098),
# CONNECTIONS (32), TIPG_GEOM (tipg's geometry queryable, default geom), PYTHON (bench venv
# python with tipg; without it only compute-atlas is measured and the script says so).
# Prints the JSON lines of http_bench.sh and, when both ran, requests/s of each and the ratio.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DUR="${1:-10}"
BIN="${BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/compute-atlas}"
PORT="${PORT:-5097}"; PORT_TIPG="${PORT_TIPG:-5098}"
PY="${PYTHON:-$HERE/.venv/bin/python}"
OUT="$HERE/out/cql2"; mkdir -p "$OUT"
RES="$OUT/results.jsonl"; : > "$RES"
export CONNECTIONS="${CONNECTIONS:-32}"

[ -x "$BIN" ] || { echo "no binary $BIN: cargo build --release" >&2; exit 1; }
"$BIN" serve --bind "127.0.0.1:$PORT" 2>"$OUT/server.log" & SRV=$!
TIPG_STARTED=0
cleanup() {
  kill "$SRV" 2>/dev/null || true
  if [ "$TIPG_STARTED" = 1 ]; then "$PY" "$HERE/tipg_serve.py" stop || true; fi
}
trap cleanup EXIT
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/conformance" >/dev/null && break; sleep 0.1; done

echo "== compute-atlas ==" >&2
ENDPOINTS="counties_cql2 counties_bbox" "$HERE/http_bench.sh" "http://127.0.0.1:$PORT" compute-atlas "$DUR" | tee -a "$RES"

if [ -x "$PY" ] && "$PY" -c 'import tipg' 2>/dev/null; then
  echo "== tipg (uvicorn, 2 workers, PostGIS) ==" >&2
  COUNTIES="$ROOT/geodata/boundaries/counties_west.geojson"
  if "$PY" "$HERE/tipg_serve.py" start --port "$PORT_TIPG" --counties "$COUNTIES" --sites "$ROOT/geodata/sites.csv" | tee -a "$RES"; then
    TIPG_STARTED=1
    # Both must answer the filter with the same counties before their speed is compared.
    q='limit=100&filter-lang=cql2-text&filter=S_INTERSECTS(GEOM,POLYGON((90%2040,100%2040,100%2045,90%2045,90%2040)))%20AND%20adcode%20LIKE%20%2765%25%27'
    ids() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print(sorted(str((f.get('properties') or {}).get('adcode') or f.get('id')) for f in d['features']))"; }
    a=$(curl -sf "http://127.0.0.1:$PORT/collections/counties/items?${q/GEOM/geometry}" | ids)
    t=$(curl -sf "http://127.0.0.1:$PORT_TIPG/collections/public.counties/items?${q/GEOM/${TIPG_GEOM:-geom}}" | ids)
    [ "$a" = "$t" ] || { echo "the two servers disagree on the filter: $a vs $t" >&2; exit 1; }
    echo "same counties from both: $a" >&2
    GEOM="${TIPG_GEOM:-geom}" COLL_PREFIX=public. ENDPOINTS="counties_cql2 counties_bbox" \
      "$HERE/http_bench.sh" "http://127.0.0.1:$PORT_TIPG" tipg "$DUR" | tee -a "$RES"
  fi
else
  echo "!! tipg is not installed ($PY; run bench/setup_peers.sh): compute-atlas measured alone, no ratio" >&2
fi

"${PYTHON_SYS:-python3}" - "$RES" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
http = [r for r in rows if r.get("kind") == "http"]
bad = [f"{r['server']} {r['endpoint']}: {r.get('non_2xx')} non-2xx" for r in http if r.get("non_2xx")]
if bad:
    sys.exit("failed requests, no comparison: " + "; ".join(bad))
rps = {(r.get("server"), r.get("endpoint")): r.get("rps") for r in http}
for ep in ("counties_cql2", "counties_bbox"):
    a, t = rps.get(("compute-atlas", ep)), rps.get(("tipg", ep))
    line = f"{ep}: compute-atlas {a} req/s"
    if a and t:
        line += f", tipg {t} req/s, ratio {a / t:.1f}x"
    print(line)
PYEOF
