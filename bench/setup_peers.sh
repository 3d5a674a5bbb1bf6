#!/usr/bin/env bash
# Install the peer implementations used by the benchmarks (idempotent).
#
#   bench/setup_peers.sh [--no-apt] [--no-tipg]
#
# - Debian packages: postgresql-15-postgis-3 (PostgreSQL 15 + PostGIS 3), wrk, gdal-bin
# - Python venv at bench/.venv with geopandas, shapely>=2, matplotlib, pygeoapi, gunicorn,
#   psycopg (binary), and optionally tipg (PostGIS-backed OGC API Features) + uvicorn.
# Re-running only installs what is missing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
DO_APT=1
DO_TIPG=1
for a in "$@"; do
  case "$a" in
    --no-apt) DO_APT=0 ;;
    --no-tipg) DO_TIPG=0 ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if [ "$DO_APT" = 1 ]; then
  need=()
  for pkg in postgresql-15-postgis-3 wrk gdal-bin; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      need+=("$pkg")
    fi
  done
  if [ "${#need[@]}" -gt 0 ]; then
    echo "[setup] apt-get install ${need[*]}"
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${need[@]}"
  else
    echo "[setup] Debian packages already installed"
  fi
  # The Debian package creates a default cluster (main) and may start it; the benchmarks use
  # their own throwaway cluster, so the default one is left alone.
fi

PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating venv $VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi

pkgs=("geopandas>=1.0" "shapely>=2" "pyogrio" "pyproj" "matplotlib" "pygeoapi" "gunicorn" "psycopg[binary]")
if [ "$DO_TIPG" = 1 ]; then pkgs+=("tipg" "uvicorn"); fi

missing=0
for mod in geopandas shapely pyogrio pyproj matplotlib pygeoapi gunicorn psycopg; do
  "$VENV/bin/python" -c "import $mod" 2>/dev/null || missing=1
done
if [ "$DO_TIPG" = 1 ]; then
  "$VENV/bin/python" -c "import tipg, uvicorn" 2>/dev/null || missing=1
fi
if [ "$missing" = 1 ]; then
  echo "[setup] pip install ${pkgs[*]}"
  "$VENV/bin/pip" install -q "${pkgs[@]}"
else
  echo "[setup] venv already complete"
fi

"$VENV/bin/python" - <<'EOF'
import importlib, json
out = {}
for m in ["geopandas", "shapely", "pyogrio", "pyproj", "matplotlib", "pygeoapi", "gunicorn", "psycopg", "tipg", "uvicorn", "numpy", "pandas"]:
    try:
        out[m] = importlib.import_module(m).__version__
    except Exception:
        out[m] = None
print(json.dumps({"kind": "setup", "versions": out}))
EOF
command -v wrk >/dev/null && echo "[setup] wrk: $(command -v wrk)"
ls /usr/lib/postgresql/15/bin/initdb >/dev/null 2>&1 && echo "[setup] postgres: $(/usr/lib/postgresql/15/bin/postgres --version)"
echo "[setup] ok"
