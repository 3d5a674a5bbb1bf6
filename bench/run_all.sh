#!/usr/bin/env bash
# Run all peer benchmarks and the compute-atlas side by side, then compare.
#
#   bench/run_all.sh [-n POINTS] [-d HTTP_SECONDS] [--counties FILE] [--sites FILE]
#                    [--skip-join] [--skip-postgis] [--skip-http] [--skip-tipg] [--skip-plot] [--skip-tiles]
#
# Defaults: 1,000,000 points, 10 s per HTTP endpoint, geodata/boundaries/counties_west.geojson and
# geodata/sites.csv (falling back to /work/shared/data/... when the project copies are missing).
# Env: ATLAS_BIN (default target/release/compute-atlas) and BENCH_BIN (default compute-atlas-bench
# beside it; each skipped with a note when absent -- build them yourself with
# `cargo build --release`, this script never runs cargo), PORT_PYGEOAPI (5001),
# PORT_TIPG (5002), PORT_ATLAS (5003), PORT_ATLAS_TILES (a free port), TILES_MAX_ZOOM (8), OUT (bench/out).
# Vector tiles (step 5): cold pyramid z0..TILES_MAX_ZOOM (postgis_tiles.py vs compute-atlas-bench tiles), then
# tiles_http.sh (cold pass + wrk over the z3-6 tiles) on a fresh compute-atlas and a fresh tipg.
# All traffic goes to 127.0.0.1.  Results: $OUT/results.jsonl, report: $OUT/report.txt.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
PY="$HERE/.venv/bin/python"
OUT="${OUT:-$HERE/out}"
N=1000000
DUR=10
COUNTIES="$ROOT/geodata/boundaries/counties_west.geojson"
SITES="$ROOT/geodata/sites.csv"
SKIP_JOIN=0 SKIP_POSTGIS=0 SKIP_HTTP=0 SKIP_TIPG=0 SKIP_PLOT=0 SKIP_TILES=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--points) N="$2"; shift ;;
    -d|--duration) DUR="$2"; shift ;;
    --counties) COUNTIES="$2"; shift ;;
    --sites) SITES="$2"; shift ;;
    --skip-join) SKIP_JOIN=1 ;;
    --skip-postgis) SKIP_POSTGIS=1 ;;
    --skip-http) SKIP_HTTP=1 ;;
    --skip-tipg) SKIP_TIPG=1 ;;
    --skip-plot) SKIP_PLOT=1 ;;
    --skip-tiles) SKIP_TILES=1 ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$COUNTIES" ] || { echo "note: $COUNTIES missing, using the shared copy" >&2; COUNTIES=/work/shared/data/boundaries/counties_west.geojson; }
[ -f "$SITES" ] || { echo "note: $SITES missing, using the shared copy" >&2; SITES=/work/shared/data/curated/sites.csv; }
[ -x "$PY" ] || { echo "no venv; run bench/setup_peers.sh first" >&2; exit 1; }

ATLAS_BIN="${ATLAS_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/compute-atlas}"
HAVE_ATLAS=0; [ -x "$ATLAS_BIN" ] && HAVE_ATLAS=1
BENCH_BIN="${BENCH_BIN:-$(dirname "$ATLAS_BIN")/compute-atlas-bench}"
HAVE_BENCH=0; [ -x "$BENCH_BIN" ] && HAVE_BENCH=1
PORT_PYGEOAPI="${PORT_PYGEOAPI:-5001}" PORT_TIPG="${PORT_TIPG:-5002}" PORT_ATLAS="${PORT_ATLAS:-5003}"
mkdir -p "$OUT"
RES="$OUT/results.jsonl"
: > "$RES"
ATLAS_PID=""

cleanup() {
  "$HERE/pygeoapi/serve.sh" stop 2>/dev/null || true
  [ -f "$OUT/tipg/state.json" ] && "$PY" "$HERE/tipg_serve.py" stop 2>/dev/null
  if [ -n "$ATLAS_PID" ]; then kill "$ATLAS_PID" 2>/dev/null; wait "$ATLAS_PID" 2>/dev/null; fi
}
trap cleanup EXIT INT TERM

wait_http() {  # URL [tries]
  for _ in $(seq 1 "${2:-120}"); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.5; done
  return 1
}

echo "{\"kind\":\"env\",\"date\":\"$(date -u +%FT%TZ)\",\"nproc\":$(nproc),\"mem_kib\":$(awk '/MemTotal/{print $2}' /proc/meminfo),\"n\":$N,\"http_seconds\":$DUR,\"counties\":\"$COUNTIES\",\"sites\":\"$SITES\",\"atlas_bin\":\"$ATLAS_BIN\",\"have_atlas\":$HAVE_ATLAS}" | tee -a "$RES"

# ----------------------------------------------------------------------------- 1. points
PTS="$OUT/points_$N.bin"
"$PY" "$HERE/points.py" -n "$N" -o "$PTS" | tee -a "$RES"

# ----------------------------------------------------------------------------- 2. joins
if [ "$SKIP_JOIN" = 0 ]; then
  echo "== join: GeoPandas ==" >&2
  "$PY" "$HERE/geopandas_join.py" --points "$PTS" --counties "$COUNTIES" --counts-out "$OUT/counts_geopandas.csv" | tee -a "$RES"
  if [ "$SKIP_POSTGIS" = 0 ]; then
    echo "== join: PostGIS ==" >&2
    "$PY" "$HERE/postgis_join.py" --points "$PTS" --counties "$COUNTIES" --counts-out "$OUT/counts_postgis.csv" | tee -a "$RES"
  fi
  # compute-atlas side:
  #   target/release/compute-atlas-bench join --points FILE --counts-out FILE
  # (expected to print {"kind":"join","impl":"compute-atlas","n":..,"seconds":..,"points_per_s":..}
  #  on stdout; if it prints no such line, the process wall time is used instead)
  if [ "$HAVE_BENCH" = 1 ]; then
    echo "== join: compute-atlas ==" >&2
    "$PY" "$HERE/timecmd.py" --kind join --impl compute-atlas --n "$N" --counts-path "$OUT/counts_compute_atlas.csv" --runs 3 -- \
      "$BENCH_BIN" join --points "$PTS" --counts-out "$OUT/counts_compute_atlas.csv" | tee -a "$RES"
  else
    echo "(compute-atlas-bench join skipped: $BENCH_BIN not built)" >&2
  fi
fi

# ----------------------------------------------------------------------------- 3. HTTP
if [ "$SKIP_HTTP" = 0 ]; then
  export PYTHON="$PY"
  echo "== HTTP: pygeoapi (gunicorn, 2 workers) ==" >&2
  if "$HERE/pygeoapi/serve.sh" start "$PORT_PYGEOAPI" "$COUNTIES" "$SITES" | tee -a "$RES"; then
    "$HERE/http_bench.sh" "http://127.0.0.1:$PORT_PYGEOAPI" pygeoapi "$DUR" | tee -a "$RES"
  fi
  "$HERE/pygeoapi/serve.sh" stop
  if [ "$SKIP_TIPG" = 0 ]; then
    echo "== HTTP: tipg (uvicorn, 2 workers, PostGIS) ==" >&2
    if "$PY" "$HERE/tipg_serve.py" start --port "$PORT_TIPG" --counties "$COUNTIES" --sites "$SITES" | tee -a "$RES"; then
      COLL_PREFIX=public. "$HERE/http_bench.sh" "http://127.0.0.1:$PORT_TIPG" tipg "$DUR" | tee -a "$RES"
    fi
    "$PY" "$HERE/tipg_serve.py" stop
  fi
  # compute-atlas side:
  #   target/release/compute-atlas serve --bind 127.0.0.1:PORT
  if [ "$HAVE_ATLAS" = 1 ]; then
    echo "== HTTP: compute-atlas ==" >&2
    "$ATLAS_BIN" serve --bind "127.0.0.1:$PORT_ATLAS" > "$OUT/atlas_serve.log" 2>&1 &
    ATLAS_PID=$!
    if wait_http "http://127.0.0.1:$PORT_ATLAS/"; then
      echo "{\"kind\":\"server\",\"name\":\"compute-atlas\",\"url\":\"http://127.0.0.1:$PORT_ATLAS\",\"pid\":$ATLAS_PID}" | tee -a "$RES"
      "$HERE/http_bench.sh" "http://127.0.0.1:$PORT_ATLAS" compute-atlas "$DUR" | tee -a "$RES"
    else
      echo "compute-atlas serve did not answer; see $OUT/atlas_serve.log" >&2
    fi
    kill "$ATLAS_PID" 2>/dev/null; wait "$ATLAS_PID" 2>/dev/null; ATLAS_PID=""
  else
    echo "(compute-atlas serve skipped: $ATLAS_BIN not built)" >&2
  fi
fi

# ----------------------------------------------------------------------------- 4. choropleth
if [ "$SKIP_PLOT" = 0 ]; then
  echo "== choropleth: GeoPandas + matplotlib ==" >&2
  "$PY" "$HERE/matplotlib_choropleth.py" --counties "$COUNTIES" --sites "$SITES" -o "$OUT/choropleth_matplotlib.png" | tee -a "$RES"
  # compute-atlas side:
  #   target/release/compute-atlas plot choropleth -o FILE.png
  # (if it prints {"kind":"plot","ms":..} that in-process render time is used; otherwise the
  #  process wall time, median of 5 after one warm-up, which also includes loading the data)
  if [ "$HAVE_ATLAS" = 1 ]; then
    echo "== choropleth: compute-atlas ==" >&2
    "$PY" "$HERE/timecmd.py" --kind plot --impl compute-atlas --runs 5 --warmup 1 -- \
      "$ATLAS_BIN" plot choropleth -o "$OUT/choropleth_compute_atlas.png" | tee -a "$RES"
  else
    echo "(compute-atlas plot skipped: $ATLAS_BIN not built)" >&2
  fi
fi

# ----------------------------------------------------------------------------- 5. vector tiles
if [ "$SKIP_TILES" = 0 ]; then
  TZ_MAX="${TILES_MAX_ZOOM:-8}"
  TPROPS="adcode,name_en,province"
  if [ "$SKIP_POSTGIS" = 0 ]; then
    echo "== tiles: PostGIS ST_AsMVT pyramid z0-$TZ_MAX ==" >&2
    "$PY" "$HERE/postgis_tiles.py" --counties "$COUNTIES" --max-zoom "$TZ_MAX" --properties "$TPROPS" \
      --sizes-out "$OUT/tiles_sizes_postgis.csv" | tee -a "$RES"
  fi
  # compute-atlas side (run from the project root: it reads geodata/):
  #   target/release/compute-atlas-bench tiles --layer counties --max-zoom 8 --properties adcode,name_en,province --sizes-out FILE
  #   (median of 3 runs of its self-reported time)
  if [ "$HAVE_BENCH" = 1 ]; then
    echo "== tiles: compute-atlas-bench tiles z0-$TZ_MAX ==" >&2
    (cd "$ROOT" && "$PY" "$HERE/tilegrid.py" runs --runs 3 --sizes-path "$OUT/tiles_sizes_compute_atlas.csv" -- \
      "$BENCH_BIN" tiles --layer counties --max-zoom "$TZ_MAX" --properties "$TPROPS" \
      --sizes-out "$OUT/tiles_sizes_compute_atlas.csv") | tee -a "$RES"
  else
    echo "(compute-atlas-bench tiles skipped: $BENCH_BIN not built)" >&2
  fi
  if [ "$SKIP_HTTP" = 0 ]; then
    export PYTHON="$PY" OUT COUNTIES
    # compute-atlas side:
    #   target/release/compute-atlas serve --bind 127.0.0.1:PORT   (fresh, so the first pass is cold)
    if [ "$HAVE_ATLAS" = 1 ]; then
      echo "== tiles over HTTP: compute-atlas ==" >&2
      PORT_ATLAS_TILES="${PORT_ATLAS_TILES:-$("$PY" "$HERE/tilegrid.py" free-port)}"
      (cd "$ROOT" && exec "$ATLAS_BIN" serve --bind "127.0.0.1:$PORT_ATLAS_TILES") > "$OUT/atlas_tiles_serve.log" 2>&1 &
      ATLAS_PID=$!
      if wait_http "http://127.0.0.1:$PORT_ATLAS_TILES/"; then
        "$HERE/tiles_http.sh" "http://127.0.0.1:$PORT_ATLAS_TILES" compute-atlas "$DUR" | tee -a "$RES"
      else
        echo "compute-atlas serve did not answer; see $OUT/atlas_tiles_serve.log" >&2
      fi
      kill "$ATLAS_PID" 2>/dev/null; wait "$ATLAS_PID" 2>/dev/null; ATLAS_PID=""
    fi
    if [ "$SKIP_TIPG" = 0 ]; then
      # tipg: counties with the `province` column added (tilegrid.py), tile buffer 64 like the
      # others (tipg's default is 256), MVT layer named after the table.
      echo "== tiles over HTTP: tipg (uvicorn, 2 workers, PostGIS) ==" >&2
      mkdir -p "$OUT/tiles"
      "$PY" "$HERE/tilegrid.py" counties-geojson --counties "$COUNTIES" --out "$OUT/tiles/counties_province.geojson"
      if TIPG_TILE_BUFFER=64 TIPG_SET_MVT_LAYERNAME=true "$PY" "$HERE/tipg_serve.py" start --port "$PORT_TIPG" \
           --counties "$OUT/tiles/counties_province.geojson" --sites "$SITES" | tee -a "$RES"; then
        COLL_PREFIX=public. TILE_ORDER=zxy "$HERE/tiles_http.sh" "http://127.0.0.1:$PORT_TIPG" tipg "$DUR" | tee -a "$RES"
      fi
      "$PY" "$HERE/tipg_serve.py" stop
    fi
  fi
fi

# ----------------------------------------------------------------------------- 6. compare
echo "== comparison ==" >&2
"$PY" "$HERE/compare.py" "$RES" | tee "$OUT/report.txt"
rc=${PIPESTATUS[0]}
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
cp "$RES" "$OUT/results_$stamp.jsonl"
"$PY" "$HERE/compare.py" --markdown "$RES" > "$OUT/results_$stamp.md"
echo "results kept as $OUT/results_$stamp.jsonl (+ .md tables)" >&2
exit "$rc"
