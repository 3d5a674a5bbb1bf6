#!/usr/bin/env python3
"""A PostGIS-backed OGC API Features peer: tipg (FastAPI/asyncpg) under uvicorn, over the same
counties and sites loaded into a throwaway PostGIS cluster (pgcluster.py).

    bench/.venv/bin/python bench/tipg_serve.py start [--port 5002] [--counties FILE] [--sites FILE] [--workers 2]
    bench/.venv/bin/python bench/tipg_serve.py stop

Tables: public.counties (ogr2ogr, MultiPolygon 4326, primary key adcode, GiST) and public.sites
(all CSV columns as text, primary key id, Point 4326, GiST).  tipg names collections
`schema.table`, so benchmark it with COLL_PREFIX=public. :
    COLL_PREFIX=public. bench/http_bench.sh http://127.0.0.1:5002 tipg
State (pids, cluster dir) is kept in bench/out/tipg/state.json; `stop` ends uvicorn and removes
the cluster.
"""
import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
STATE_DIR = os.path.join(HERE, "out", "tipg")
STATE = os.path.join(STATE_DIR, "state.json")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def load_sites(conn, path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    cols = list(rows[0].keys())
    coldefs = ", ".join(f'"{c}" text' + (" PRIMARY KEY" if c == "id" else "") for c in cols)
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS sites; CREATE TABLE sites ({coldefs}, geom geometry(Point, 4326))")
        with cur.copy(f"COPY sites ({', '.join(chr(34) + c + chr(34) for c in cols)}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row([r[c] if r[c] != "" else None for c in cols])
        cur.execute("UPDATE sites SET geom = ST_SetSRID(ST_MakePoint(longitude::float8, latitude::float8), 4326); "
                    "CREATE INDEX sites_gix ON sites USING gist (geom); ANALYZE sites")
    conn.commit()
    return len(rows)


def start(a):
    import psycopg
    import pgcluster
    from postgis_join import load_counties

    if os.path.exists(STATE):
        sys.exit(f"tipg state exists ({STATE}); run stop first")
    os.makedirs(STATE_DIR, exist_ok=True)
    info = pgcluster.start(log=log)
    state = {"pg_dir": info["dir"], "dsn": info["dsn"]}
    with open(STATE, "w") as f:
        json.dump(state, f)
    with psycopg.connect(info["dsn"]) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.commit()
        load_counties(info, a.counties)
        conn.execute("ALTER TABLE counties DROP CONSTRAINT IF EXISTS counties_pkey; "
                     "ALTER TABLE counties ADD PRIMARY KEY (adcode); ANALYZE counties")
        conn.commit()
        n = load_sites(conn, a.sites)
    log(f"[tipg] loaded counties and {n} sites into {info['dsn']}")
    env = dict(os.environ, DATABASE_URL=info["dsn"], TIPG_DB_SCHEMAS='["public"]',
               TIPG_DB_TABLES='["public.counties","public.sites"]', TIPG_DEBUG="false")
    logf = open(os.path.join(STATE_DIR, "uvicorn.log"), "w")
    p = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "uvicorn"), "tipg.main:app",
                          "--host", "127.0.0.1", "--port", str(a.port), "--workers", str(a.workers),
                          "--log-level", "warning", "--no-access-log"],
                         env=env, cwd=STATE_DIR, stdout=logf, stderr=logf, start_new_session=True)
    state.update(pid=p.pid, port=a.port)
    with open(STATE, "w") as f:
        json.dump(state, f)
    url = f"http://127.0.0.1:{a.port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(url + "/collections?f=json", timeout=5) as r:
                if r.status == 200:
                    print(json.dumps({"kind": "server", "name": "tipg", "url": url, "pid": p.pid,
                                      "workers": a.workers, "collection_prefix": "public."}))
                    return
        except Exception:
            pass
        if p.poll() is not None:
            break
        time.sleep(0.5)
    log(f"[tipg] did not come up; see {STATE_DIR}/uvicorn.log")
    stop()
    sys.exit(1)


def stop():
    import pgcluster

    if not os.path.exists(STATE):
        log("[tipg] not running")
        return
    state = json.load(open(STATE))
    pid = state.get("pid")
    if pid:
        try:
            os.killpg(pid, signal.SIGTERM)  # uvicorn was started in its own session/group
            for _ in range(40):
                os.kill(pid, 0)
                time.sleep(0.25)
        except ProcessLookupError:
            pass
    pgcluster.stop(state["pg_dir"], log=log)
    os.remove(STATE)
    log("[tipg] stopped")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["start", "stop"])
    ap.add_argument("--port", type=int, default=5002)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--counties", default=os.path.join(ROOT, "geodata", "boundaries", "counties_west.geojson"))
    ap.add_argument("--sites", default=os.path.join(ROOT, "geodata", "sites.csv"))
    a = ap.parse_args()
    start(a) if a.action == "start" else stop()


if __name__ == "__main__":
    main()
