#!/usr/bin/env python3
"""Point-in-county assignment with PostGIS ST_Contains, timed, in a throwaway cluster.

    bench/.venv/bin/python bench/postgis_join.py --points bench/out/points_1000000.bin \
        [--counties geodata/boundaries/counties_west.geojson] [--repeat 3] \
        [--counts-out bench/out/counts_postgis.csv] [--no-subdivide] [--keep]

Steps: start a PostgreSQL 15 cluster in a temp dir on 127.0.0.1:<free port> (pgcluster.py),
CREATE EXTENSION postgis, load the counties with ogr2ogr (MultiPolygon, SRID 4326) and build a
GiST index, COPY the points (id, lon, lat) and make a geometry column with its own GiST index,
ANALYZE, then time (median of --repeat runs, after one untimed warm-up run):

    SELECT c.adcode, count(*) FROM counties c JOIN pts p ON ST_Contains(c.geom, p.geom)
    GROUP BY c.adcode;

A second variant (impl "postgis_subdivide", skip with --no-subdivide) runs the same query on
ST_Subdivide(geom, 256) pieces -- the usual PostGIS advice for large polygons.
Counts CSV (adcode,count, all counties, zeros included) comes from the plain variant.
The cluster is torn down at the end (unless --keep, which prints its DSN and leaves it running;
stop it with `python bench/pgcluster.py stop --dir DIR`).
One JSON line per variant on stdout; human text on stderr.
"""
import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
DEFAULT_COUNTIES = os.path.join(ROOT, "geodata", "boundaries", "counties_west.geojson")

QUERY = ("SELECT c.adcode, count(*) FROM {t} c JOIN pts p ON ST_Contains(c.geom, p.geom) "
         "GROUP BY c.adcode")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def load_counties(info, path, table="counties"):
    pg = f"PG:host=127.0.0.1 port={info['port']} user=postgres dbname=postgres"
    subprocess.run(["ogr2ogr", "-f", "PostgreSQL", pg, path, "-nln", table, "-overwrite",
                    "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST", "-lco", "FID=fid",
                    "-nlt", "PROMOTE_TO_MULTI", "-a_srs", "EPSG:4326"], check=True)


def load_points(conn, lon, lat):
    import numpy as np

    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS pts_raw; DROP TABLE IF EXISTS pts; "
                    "CREATE UNLOGGED TABLE pts_raw (id integer, lon float8, lat float8)")
        buf = io.StringIO()
        np.savetxt(buf, np.column_stack([np.arange(len(lon)), lon, lat]), fmt=["%d", "%.17g", "%.17g"],
                   delimiter="\t")
        with cur.copy("COPY pts_raw (id, lon, lat) FROM STDIN") as cp:
            cp.write(buf.getvalue())
        cur.execute("CREATE TABLE pts AS SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom "
                    "FROM pts_raw; DROP TABLE pts_raw; CREATE INDEX pts_gix ON pts USING gist (geom); "
                    "ANALYZE pts")
    conn.commit()


def timed_query(conn, sql, repeat):
    times, rows = [], None
    with conn.cursor() as cur:
        cur.execute("EXPLAIN " + sql)
        plan = "\n".join(r[0] for r in cur.fetchall())
        cur.execute(sql)  # warm-up (caches, prepared-geometry cache)
        cur.fetchall()
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            cur.execute(sql)
            rows = cur.fetchall()
            times.append(time.perf_counter() - t0)
    return times, rows, plan


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", required=True)
    ap.add_argument("--counties", default=DEFAULT_COUNTIES)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--counts-out", default=os.path.join(HERE, "out", "counts_postgis.csv"))
    ap.add_argument("--no-subdivide", action="store_true")
    ap.add_argument("--keep", action="store_true", help="leave the cluster running")
    args = ap.parse_args(argv)

    import psycopg
    import pgcluster
    from points import read_points
    from geopandas_join import write_counts

    lon, lat = read_points(args.points)
    n = len(lon)
    info = pgcluster.start(log=log)
    try:
        with psycopg.connect(info["dsn"]) as conn:
            with conn.cursor() as cur:
                cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                cur.execute("SELECT postgis_lib_version(), version(), "
                            "current_setting('max_parallel_workers_per_gather')")
                pgis_ver, pg_ver, par = cur.fetchone()
            conn.commit()
            t0 = time.perf_counter()
            load_counties(info, args.counties)
            load_counties_s = time.perf_counter() - t0
            with conn.cursor() as cur:
                cur.execute("ANALYZE counties")
                cur.execute("SELECT adcode FROM counties")
                adcodes = [r[0] for r in cur.fetchall()]
            conn.commit()
            t0 = time.perf_counter()
            load_points(conn, lon, lat)
            load_points_s = time.perf_counter() - t0
            log(f"[postgis] {len(adcodes)} counties loaded in {load_counties_s:.2f} s, "
                f"{n} points in {load_points_s:.2f} s; parallel workers/gather = {par}")

            variants = [("postgis", "counties")]
            if not args.no_subdivide:
                with conn.cursor() as cur:
                    t0 = time.perf_counter()
                    cur.execute("DROP TABLE IF EXISTS counties_sub; CREATE TABLE counties_sub AS "
                                "SELECT adcode, ST_Subdivide(geom, 256) AS geom FROM counties; "
                                "CREATE INDEX counties_sub_gix ON counties_sub USING gist (geom); "
                                "ANALYZE counties_sub")
                    sub_s = time.perf_counter() - t0
                    cur.execute("SELECT count(*) FROM counties_sub")
                    npieces = cur.fetchone()[0]
                conn.commit()
                log(f"[postgis] subdivided into {npieces} pieces in {sub_s:.2f} s")
                variants.append(("postgis_subdivide", "counties_sub"))

            for impl, table in variants:
                sql = QUERY.format(t=table)
                times, rows, plan = timed_query(conn, sql, args.repeat)
                counts = {str(a): int(c) for a, c in rows}
                med = statistics.median(times)
                res = {"kind": "join", "impl": impl, "predicate": "ST_Contains", "n": n,
                       "seconds": med, "seconds_all": times, "points_per_s": n / med,
                       "matched": sum(counts.values()), "unmatched": n - sum(counts.values()),
                       "load_counties_s": load_counties_s, "load_points_s": load_points_s,
                       "plan": plan, "loadavg": os.getloadavg()[0],
                       "versions": {"postgres": pg_ver.split(" on ")[0], "postgis": pgis_ver}}
                if impl == "postgis":
                    res["counts_sha256"] = write_counts(args.counts_out, adcodes, counts)
                    res["counts_path"] = os.path.abspath(args.counts_out)
                else:
                    res["pieces"] = npieces
                log(f"[{impl}] median {med * 1000:.1f} ms = {n / med / 1e6:.3f} M points/s "
                    f"({res['matched']} matched); runs: {', '.join(f'{t * 1000:.0f}' for t in times)} ms")
                log("  plan: " + plan.replace("\n", "\n        "))
                print(json.dumps(res), flush=True)
    finally:
        if args.keep:
            log(f"[postgis] cluster kept: {info['dsn']}  (stop: python bench/pgcluster.py stop --dir {info['dir']})")
            print(json.dumps(info), flush=True)
        else:
            pgcluster.stop(info["dir"], log=log)


if __name__ == "__main__":
    main()
