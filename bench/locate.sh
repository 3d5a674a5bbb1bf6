#!/usr/bin/env bash
# Users' own points, CSV to CSV end to end: `compute-atlas locate --input` (one core) and
# `POST /processes/locate/execution` over loopback (each the median of RUNS=3), and GeoPandas
# (read CSV, sjoin, write CSV) on the same points in the same run; prints points/s of each and
# the ratios.
#
#   bench/locate.sh [N]            (default 10000000)
#
# The points are drawn at run time from the real county extents (bench/locate_points.py) into
# bench/out/; nothing generated is kept in the repository.
# Env: PYTHON (a python with geopandas, pyogrio, numpy; default $COMPUTE_ATLAS_PYTHON or python3),
# BIN (the compute-atlas binary; default: cargo build --release), PORT (18090), RUNS (3).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
N="${1:-10000000}"
PY="${PYTHON:-${COMPUTE_ATLAS_PYTHON:-python3}}"
PORT="${PORT:-18090}"
OUT="$HERE/out"
mkdir -p "$OUT"
if [ -z "${BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --bin compute-atlas >&2)
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/compute-atlas"
fi
pts="$OUT/locate_points_$N.csv"
[ -s "$pts" ] || "$PY" "$HERE/locate_points.py" -n "$N" -o "$pts" >&2

now() { date +%s.%N; }
rate() { "$PY" -c "import sys; n,s=int(sys.argv[1]),float(sys.argv[2]); print(f'{n/s/1e6:.2f}')" "$1" "$2"; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
RUNS="${RUNS:-3}"
# Each timed run starts with the page cache's pending writes flushed and no earlier output to
# truncate: a gigabyte of the previous run's output still being written back makes the kernel
# throttle the next writer, which would time the disk's backlog rather than this run.
fresh() { rm -f "$1"; sync; }

# Command line, pinned to one core (median of RUNS).
cli_s=$(for _ in $(seq 1 "$RUNS"); do
  fresh "$OUT/locate_cli.csv"
  t0=$(now)
  taskset -c 0 "$BIN" locate --input "$pts" --output "$OUT/locate_cli.csv" 2>"$OUT/locate_cli.log"
  t1=$(now); "$PY" -c "print($t1-$t0)"
done | median)

# HTTP: the same file as a streamed request body, the located CSV streamed back.
"$BIN" serve --bind "127.0.0.1:$PORT" --max-upload-mb 8192 --locate-max-rows 100000000 >"$OUT/locate_serve.log" 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/processes" >/dev/null && break; sleep 0.5; done
http_s=$(for _ in $(seq 1 "$RUNS"); do
  fresh "$OUT/locate_http.csv"
  t0=$(now)
  curl -sf -H 'Content-Type: text/csv' --data-binary "@$pts" -o "$OUT/locate_http.csv" \
    "http://127.0.0.1:$PORT/processes/locate/execution"
  t1=$(now); "$PY" -c "print($t1-$t0)"
done | median)
kill $srv; trap - EXIT

# GeoPandas: read CSV, sjoin, write CSV (its own timer excludes reading the counties); once,
# as it takes minutes.
fresh "$OUT/locate_geopandas.csv"
t0=$(now)
"$PY" "$HERE/locate_geopandas.py" "$pts" "$OUT/locate_geopandas.csv" >"$OUT/locate_geopandas.json"
t1=$(now); gpd_s=$("$PY" -c "print($t1-$t0)")

rows=$(( $(wc -l <"$OUT/locate_cli.csv") - 1 ))
[ "$rows" -eq "$N" ] || { echo "CLI wrote $rows rows for $N points" >&2; exit 1; }
[ "$(wc -l <"$OUT/locate_http.csv")" -eq "$((N + 1))" ] || { echo "HTTP output has the wrong row count" >&2; exit 1; }
echo "points: $N (from the real county extents)"
printf 'compute-atlas CLI  : %8.2f s  %s M points/s\n' "$cli_s" "$(rate "$N" "$cli_s")"
printf 'compute-atlas HTTP : %8.2f s  %s M points/s\n' "$http_s" "$(rate "$N" "$http_s")"
printf 'GeoPandas          : %8.2f s  %s M points/s\n' "$gpd_s" "$(rate "$N" "$gpd_s")"
# Agreement: rows placed in a county by each (GeoPandas' within leaves boundary points out).
"$PY" - "$OUT/locate_cli.csv" "$OUT/locate_geopandas.csv" <<'PYEOF'
import sys, pandas as pd
a = pd.read_csv(sys.argv[1], usecols=["county_adcode"], dtype=str)
b = pd.read_csv(sys.argv[2], usecols=["county_adcode"], dtype=str)
same = (a["county_adcode"].fillna("") == b["county_adcode"].fillna("")).sum()
print(f"located: compute-atlas {a.county_adcode.notna().sum()}, GeoPandas {b.county_adcode.notna().sum()}; same county for {same} of {len(a)} rows")
PYEOF
echo "CLI own timing (after the atlas is built): $(head -1 "$OUT/locate_cli.log")"
"$PY" -c "import sys; c,h,g=map(float,sys.argv[1:]); print(f'ratio GeoPandas/CLI {g/c:.1f}x, GeoPandas/HTTP {g/h:.1f}x')" "$cli_s" "$http_s" "$gpd_s"
