#!/usr/bin/env bash
# Start / stop pygeoapi under gunicorn on a loopback port.
#
#   bench/pygeoapi/serve.sh start [PORT] [COUNTIES_GEOJSON] [SITES_CSV]   # default port 5001
#   bench/pygeoapi/serve.sh stop
#
# Env: WORKERS (gunicorn sync workers, default 2 = the core count), OUT (default bench/out/pygeoapi).
# start prints {"kind":"server","name":"pygeoapi","url":...,"pid":...} once / answers 200.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
ROOT="$(dirname "$BENCH")"
VENV="$BENCH/.venv"
OUT="${OUT:-$BENCH/out/pygeoapi}"
PIDFILE="$OUT/gunicorn.pid"
action="${1:-start}"

case "$action" in
  start)
    PORT="${2:-5001}"
    COUNTIES="${3:-$ROOT/geodata/boundaries/counties_west.geojson}"
    SITES="${4:-$ROOT/geodata/sites.csv}"
    mkdir -p "$OUT"
    if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      echo "pygeoapi already running (pid $(cat "$PIDFILE"))" >&2; exit 1
    fi
    "$VENV/bin/python" "$HERE/prepare.py" --port "$PORT" --counties "$COUNTIES" --sites "$SITES" --out "$OUT" >&2
    export PYGEOAPI_CONFIG="$OUT/config.yml"
    export PYGEOAPI_OPENAPI="$OUT/openapi.yml"
    "$VENV/bin/pygeoapi" openapi generate "$PYGEOAPI_CONFIG" --output-file "$PYGEOAPI_OPENAPI" >&2
    "$VENV/bin/gunicorn" pygeoapi.flask_app:APP --workers "${WORKERS:-2}" --bind "127.0.0.1:$PORT" \
      --pid "$PIDFILE" --daemon --error-logfile "$OUT/gunicorn.log" --timeout 120
    for _ in $(seq 1 120); do
      if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/?f=json" 2>/dev/null; then
        echo "{\"kind\":\"server\",\"name\":\"pygeoapi\",\"url\":\"http://127.0.0.1:$PORT\",\"pid\":$(cat "$PIDFILE"),\"workers\":${WORKERS:-2}}"
        exit 0
      fi
      sleep 0.5
    done
    echo "pygeoapi did not come up; see $OUT/gunicorn.log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      pid="$(cat "$PIDFILE")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      rm -f "$PIDFILE"
      echo "pygeoapi stopped (pid $pid)" >&2
    fi
    ;;
  *) echo "usage: $0 start [PORT] [COUNTIES] [SITES] | stop" >&2; exit 2 ;;
esac
