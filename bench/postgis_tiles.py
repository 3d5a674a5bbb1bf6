#!/usr/bin/env python3
"""Cold vector-tile pyramid with PostGIS ST_AsMVT, timed server-side, in a throwaway cluster.

    bench/.venv/bin/python bench/postgis_tiles.py [--counties geodata/boundaries/counties_west.geojson]
        [--max-zoom 8] [--properties adcode,name_en,province] [--repeat 3]
        [--sizes-out bench/out/tiles_sizes_postgis.csv] [--no-pre3857] [--keep]

The same work as `compute-atlas-bench tiles --layer counties --max-zoom 8 --properties
adcode,name_en,province`: every tile z/x/y from zoom 0 to --max-zoom over the counties' extent
(tilegrid.py: per zoom, the tile holding (west, north) to the tile holding (east, south); 1,619
tiles for zoom 0-8), one MVT per tile, on one core, no cache of tiles.

Steps: start a PostgreSQL 15 cluster (pgcluster.py), load the counties with ogr2ogr (as
postgis_join.py does), add the column `province` (short English name from province_adcode, as
compute-atlas derives it), build a GiST index on the 3857 geometry, ANALYZE, then run a PL/pgSQL
function that loops over the tile list and makes each tile with

    SELECT ST_AsMVT(t, 'counties', 4096, 'geom', 'fid') FROM (
      SELECT adcode, name_en, province, adcode::int8 AS fid,
             ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64, true) AS geom
      FROM counties
      WHERE ST_Transform(geom, 3857) && ST_TileEnvelope(z, x, y, margin => 64.0 / 4096)) t
    WHERE t.geom IS NOT NULL

(the GiST index is an expression index on ST_Transform(geom, 3857); the feature id is the
adcode, as in compute-atlas's tiles; features that collapse to nothing are left out, and a tile
with no feature is 0 bytes, as in compute-atlas).  Timing: clock_timestamp() around the whole
loop inside the function -- server-side, one backend, max_parallel_workers_per_gather = 0, no
client round trips; the tile bytes stay on the server, only their lengths are returned.  One
untimed warm-up run (PROJ and plan caches, shared buffers), then the median of --repeat runs.

A second variant, impl "postgis_pre3857" (skip with --no-pre3857), stores the 3857 geometry in
its own column (plain GiST index), so the loop pays no ST_Transform -- the usual advice for
serving tiles from PostGIS.

Output: one JSON line per variant, {"kind":"tiles","impl":"postgis",...,"tiles","nonempty",
"bytes","seconds","tiles_per_s",...,"per_zoom":{z:[tiles,nonempty,bytes]}}; the sizes CSV
(`z,x,y,bytes` per non-empty tile, like `compute-atlas-bench tiles --sizes-out`) of the plain variant.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import tilegrid  # noqa: E402

BUFFER = 64
EXTENT = 4096

FUNC = """
CREATE OR REPLACE FUNCTION bench_pyramid_{name}()
RETURNS TABLE (z int, x int, y int, nbytes int, seconds float8)
LANGUAGE plpgsql AS $$
DECLARE
  r record; mvt bytea; t0 timestamptz; t1 timestamptz;
BEGIN
  t0 := clock_timestamp();
  FOR r IN SELECT tl.z, tl.x, tl.y FROM tile_list tl ORDER BY tl.ord LOOP
    SELECT ST_AsMVT(t, 'counties', {extent}, 'geom', 'fid') INTO mvt FROM (
      SELECT {props}, c.adcode::int8 AS fid,
             ST_AsMVTGeom({geom}, ST_TileEnvelope(r.z, r.x, r.y), {extent}, {buffer}, true) AS geom
      FROM {table} c
      WHERE {geom} && ST_TileEnvelope(r.z, r.x, r.y, margin => {margin})
    ) t WHERE t.geom IS NOT NULL;
    z := r.z; x := r.x; y := r.y; nbytes := coalesce(length(mvt), 0); seconds := NULL;
    RETURN NEXT;
  END LOOP;
  t1 := clock_timestamp();
  z := -1; x := -1; y := -1; nbytes := -1; seconds := extract(epoch FROM t1 - t0);
  RETURN NEXT;
END $$;
"""


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run_pyramid(conn, name):
    with conn.cursor() as cur:
        cur.execute(f"SELECT z, x, y, nbytes, seconds FROM bench_pyramid_{name}()")
        rows = cur.fetchall()
    secs = [r[4] for r in rows if r[0] == -1][0]
    return secs, [r[:4] for r in rows if r[0] != -1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--counties", default=tilegrid.DEFAULT_COUNTIES)
    ap.add_argument("--min-zoom", type=int, default=0)
    ap.add_argument("--max-zoom", type=int, default=8)
    ap.add_argument("--properties", default="adcode,name_en,province")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes-out", default=os.path.join(HERE, "out", "tiles_sizes_postgis.csv"))
    ap.add_argument("--no-pre3857", action="store_true")
    ap.add_argument("--keep", action="store_true", help="leave the cluster running")
    args = ap.parse_args(argv)

    import psycopg
    import pgcluster
    from postgis_join import load_counties

    props = [p.strip() for p in args.properties.split(",") if p.strip()]
    for p in props:
        if not p.replace("_", "").isalnum():
            sys.exit(f"bad property name {p!r}")
    extent = tilegrid.geojson_extent(args.counties)
    tile_list = tilegrid.tiles(extent, args.min_zoom, args.max_zoom)
    log(f"[postgis-tiles] extent {extent}; {len(tile_list)} tiles, zoom {args.min_zoom}-{args.max_zoom}")

    info = pgcluster.start(log=log)
    try:
        with psycopg.connect(info["dsn"]) as conn:
            with conn.cursor() as cur:
                cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                cur.execute("SELECT postgis_lib_version(), version()")
                pgis_ver, pg_ver = cur.fetchone()
            conn.commit()
            t0 = time.perf_counter()
            load_counties(info, args.counties)
            load_s = time.perf_counter() - t0
            case = " ".join(f"WHEN '{a}' THEN '{n}'" for a, n in tilegrid.PROVINCE_SHORT.items())
            with conn.cursor() as cur:
                cur.execute("ALTER TABLE counties ADD COLUMN IF NOT EXISTS province text; "
                            f"UPDATE counties SET province = CASE province_adcode::text {case} ELSE '' END")
            conn.commit()
            # VACUUM before the index: an index built over the UPDATE's HOT chains in the same
            # transaction would be unusable to that transaction (indcheckxmin).
            conn.autocommit = True
            conn.execute("VACUUM FULL counties")
            conn.autocommit = False
            with conn.cursor() as cur:
                t0 = time.perf_counter()
                cur.execute("CREATE INDEX counties_gix3857 ON counties USING gist (ST_Transform(geom, 3857))")
                index_s = time.perf_counter() - t0
                cur.execute("ANALYZE counties")
                cur.execute("SELECT count(*), count(DISTINCT province), bool_and(province <> '') FROM counties")
                n_counties, n_prov, all_prov = cur.fetchone()
                cur.execute("CREATE TABLE tile_list (ord int PRIMARY KEY, z int, x int, y int)")
                with cur.copy("COPY tile_list (ord, z, x, y) FROM STDIN") as cp:
                    for i, (z, x, y) in enumerate(tile_list):
                        cp.write_row((i, z, x, y))
                cur.execute("ANALYZE tile_list")
                sel = ", ".join(f'c."{p}"' for p in props)
                variants = [("postgis", "counties", "ST_Transform(c.geom, 3857)")]
                if not args.no_pre3857:
                    cur.execute(f"CREATE TABLE counties_3857 AS SELECT {', '.join(chr(34) + p + chr(34) for p in props)}"
                                + ("" if "adcode" in props else ", adcode")
                                + ", ST_Transform(geom, 3857) AS geom FROM counties; "
                                "CREATE INDEX counties_3857_gix ON counties_3857 USING gist (geom); "
                                "ANALYZE counties_3857")
                    variants.append(("postgis_pre3857", "counties_3857", "c.geom"))
                for name, table, geom in variants:
                    cur.execute(FUNC.format(name=name, extent=EXTENT, buffer=BUFFER, margin=f"{BUFFER}.0 / {EXTENT}",
                                            props=sel, geom=geom, table=table))
            conn.commit()
            with conn.cursor() as cur:
                cur.execute("SET max_parallel_workers_per_gather = 0")
                cur.execute("EXPLAIN SELECT 1 FROM counties c WHERE ST_Transform(c.geom, 3857) && "
                            f"ST_TileEnvelope(6, 48, 24, margin => {BUFFER}.0 / {EXTENT})")
                plan = "\n".join(r[0] for r in cur.fetchall())
            conn.commit()
            log(f"[postgis-tiles] {n_counties} counties loaded in {load_s:.2f} s ({n_prov} provinces, all named: "
                f"{all_prov}); 3857 GiST index in {index_s:.2f} s")
            log("  per-tile filter plan: " + plan.replace("\n", "\n        "))

            for impl, _, _ in variants:
                run_pyramid(conn, impl)  # warm-up
                times, sizes = [], None
                for _ in range(max(1, args.repeat)):
                    secs, sizes = run_pyramid(conn, impl)
                    times.append(secs)
                conn.commit()
                med = statistics.median(times)
                per_zoom = {}
                for z, x, y, nb in sizes:
                    pz = per_zoom.setdefault(str(z), [0, 0, 0])
                    pz[0] += 1
                    if nb > 0:
                        pz[1] += 1
                        pz[2] += nb
                nonempty = sum(1 for s in sizes if s[3] > 0)
                nbytes = sum(s[3] for s in sizes)
                res = {"kind": "tiles", "impl": impl, "layer": "counties", "min_zoom": args.min_zoom,
                       "max_zoom": args.max_zoom, "properties": props, "tiles": len(sizes), "nonempty": nonempty,
                       "bytes": nbytes, "seconds": med, "tiles_per_s": len(sizes) / med, "seconds_all": times,
                       "timing": "server_plpgsql_loop", "buffer": BUFFER, "extent": EXTENT,
                       "bbox": list(extent), "per_zoom": per_zoom, "load_s": load_s, "loadavg": os.getloadavg()[0],
                       "versions": {"postgres": pg_ver.split(" on ")[0], "postgis": pgis_ver}}
                if impl == "postgis":
                    res["plan"] = plan
                    res["index_used"] = "counties_gix3857" in plan
                    if args.sizes_out:
                        os.makedirs(os.path.dirname(os.path.abspath(args.sizes_out)), exist_ok=True)
                        with open(args.sizes_out, "w") as f:
                            f.write("z,x,y,bytes\n")
                            for z, x, y, nb in sizes:
                                if nb > 0:
                                    f.write(f"{z},{x},{y},{nb}\n")
                        res["sizes_path"] = os.path.abspath(args.sizes_out)
                log(f"[{impl}] median {med:.3f} s = {len(sizes) / med:.1f} tiles/s; {nonempty} non-empty, "
                    f"{nbytes} B; runs: {', '.join(f'{t:.3f}' for t in times)} s")
                print(json.dumps(res), flush=True)
    finally:
        if args.keep:
            log(f"[postgis-tiles] cluster kept: {info['dsn']}  (stop: python bench/pgcluster.py stop --dir {info['dir']})")
            print(json.dumps(info), flush=True)
        else:
            pgcluster.stop(info["dir"], log=log)


if __name__ == "__main__":
    main()
