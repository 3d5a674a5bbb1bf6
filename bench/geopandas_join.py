#!/usr/bin/env python3
"""Point-in-county spatial join with GeoPandas (shapely 2 STRtree), timed.

    bench/.venv/bin/python bench/geopandas_join.py --points bench/out/points_1000000.bin \
        [--counties geodata/boundaries/counties_west.geojson] [--predicate within|intersects] \
        [--repeat 3] [--counts-out bench/out/counts_geopandas.csv]

Timed section (per repeat): gpd.sjoin of all points with the counties + the per-county
count, from frames without a cached spatial index (so the STRtree that sjoin builds is timed;
for predicate "within" GeoPandas builds it on the points and queries it with the prepared
county polygons, "contains").
A second line (impl "shapely_strtree") times the per-point approach with bare shapely 2:
STRtree of the counties, queried with every point (predicate within), plus np.bincount.  Point geometry construction (shapely.points from the
lon/lat arrays) is timed separately and reported as `build_points_s`.
The reported throughput is N / median(join seconds).

Counts CSV: `adcode,count`, one row per county (zeros included), sorted by adcode.
Prints one JSON line {"kind":"join","impl":"geopandas",...} on stdout; human text on stderr.
"""
import argparse
import hashlib
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_COUNTIES = os.path.join(ROOT, "geodata", "boundaries", "counties_west.geojson")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def write_counts(path, adcodes, counts):
    """adcodes: iterable of all county adcodes; counts: dict adcode->int."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    rows = sorted((str(a), int(counts.get(a, 0))) for a in adcodes)
    with open(path, "w") as f:
        f.write("adcode,count\n")
        for a, c in rows:
            f.write(f"{a},{c}\n")
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", required=True, help="points_N.bin (little-endian f64 lon,lat pairs)")
    ap.add_argument("--counties", default=DEFAULT_COUNTIES)
    ap.add_argument("--predicate", default="within", choices=["within", "intersects"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--counts-out", default=os.path.join(HERE, "out", "counts_geopandas.csv"))
    args = ap.parse_args(argv)

    import numpy as np
    import geopandas as gpd
    import shapely

    sys.path.insert(0, HERE)
    from points import read_points

    t0 = time.perf_counter()
    counties = gpd.read_file(args.counties, columns=["adcode"])
    counties["adcode"] = counties["adcode"].astype(str)
    load_s = time.perf_counter() - t0
    lon, lat = read_points(args.points)
    n = len(lon)
    log(f"[geopandas] {len(counties)} counties loaded in {load_s:.2f} s; {n} points")

    t0 = time.perf_counter()
    pts = gpd.GeoDataFrame({"pid": np.arange(n)}, geometry=shapely.points(lon, lat), crs=counties.crs)
    build_points_s = time.perf_counter() - t0

    times = []
    joined = None
    for r in range(max(1, args.repeat)):
        # fresh frames so that no (lazily cached) spatial index survives from the previous repeat:
        # for "within" GeoPandas queries a tree of the points with the (prepared) counties
        left = gpd.GeoDataFrame({"pid": pts["pid"].to_numpy()}, geometry=pts.geometry.to_numpy(), crs=pts.crs)
        right = gpd.GeoDataFrame({"adcode": counties["adcode"].to_numpy()},
                                 geometry=counties.geometry.to_numpy(), crs=counties.crs)
        assert not left.has_sindex and not right.has_sindex
        t0 = time.perf_counter()
        joined = gpd.sjoin(left, right, how="inner", predicate=args.predicate)
        vc = joined["adcode"].value_counts()
        dt = time.perf_counter() - t0
        times.append(dt)
        log(f"[geopandas] repeat {r + 1}: {dt * 1000:.1f} ms ({n / dt / 1e6:.3f} M points/s)")

    # Reference: the per-point approach (STRtree of the 1,093 counties, each point queried with
    # the predicate) with the bare shapely 2 API -- the shape of an rstar point-in-county lookup.
    geoms = counties.geometry.values
    tree_times = []
    for r in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        tree = shapely.STRtree(geoms)
        pi, ci = tree.query(pts.geometry.values, predicate=args.predicate)
        tcounts = np.bincount(ci, minlength=len(geoms))
        tree_times.append(time.perf_counter() - t0)
    tmed = statistics.median(tree_times)
    log(f"[shapely-strtree] median {tmed * 1000:.1f} ms = {n / tmed / 1e6:.3f} M points/s")

    matched_rows = len(joined)
    matched_points = int(joined["pid"].nunique())
    multi = matched_rows - matched_points
    counts = {k: int(v) for k, v in vc.items()}
    sha = write_counts(args.counts_out, counties["adcode"], counts)
    med = statistics.median(times)
    res = {
        "kind": "join", "impl": "geopandas", "predicate": args.predicate, "n": n,
        "seconds": med, "seconds_all": times, "points_per_s": n / med,
        "build_points_s": build_points_s, "load_counties_s": load_s,
        "matched": matched_points, "unmatched": n - matched_points, "multi_matched": multi,
        "counts_path": os.path.abspath(args.counts_out), "counts_sha256": sha,
        "loadavg": os.getloadavg()[0],
        "versions": {"geopandas": gpd.__version__, "shapely": shapely.__version__,
                     "geos": shapely.geos_version_string},
    }
    log(f"[geopandas] median {med * 1000:.1f} ms = {n / med / 1e6:.3f} M points/s; "
        f"{matched_points} matched, {n - matched_points} outside, {multi} in >1 county; "
        f"counts -> {args.counts_out}")
    print(json.dumps(res), flush=True)
    same = all(int(tcounts[i]) == counts.get(a, 0) for i, a in enumerate(counties["adcode"]))
    print(json.dumps({
        "kind": "join", "impl": "shapely_strtree", "predicate": args.predicate, "n": n,
        "seconds": tmed, "seconds_all": tree_times, "points_per_s": n / tmed,
        "matched": int(len(np.unique(pi))), "unmatched": n - int(len(np.unique(pi))),
        "counts_equal_to_geopandas": bool(same), "loadavg": os.getloadavg()[0],
    }), flush=True)


if __name__ == "__main__":
    main()
