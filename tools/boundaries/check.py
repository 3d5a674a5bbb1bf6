#!/usr/bin/env python3
"""Check that a build of the boundary files (build.py --out DIR) reproduces what the repo ships.

For each layer (counties, prefectures, provinces) it compares DIR/<layer>_<scope>.geojson with
geodata/boundaries/<layer>_<scope>.geojson and reports:
  - whether the files are byte-identical (sha256);
  - feature ids (adcode / prefecture_adcode / province_adcode), their order, and the properties
    (keys, key order and values) of every feature;
  - geometry: vertex counts per layer, maximum and median coordinate difference (degrees and
    metres), and the largest per-feature area difference (km2 and %).

Pass/fail (exit 0 / 1; 2 on usage errors):
  --exact          the three files must be byte-identical.
  default          ids, order and properties identical; every feature has the same geometry type,
                   ring structure and vertex count; no coordinate differs by more than 1e-5 degrees
                   (--coord-tol); no feature's area differs by more than 0.01 % (--area-tol).

Why that tolerance: the files store coordinates rounded to 5 decimals (1e-5 deg, about 1.1 m). The
GCJ-02 inverse runs in floating point with libm's sin/cos/sqrt, whose last bits may differ between
platforms, so a value lying within ~1e-12 of a rounding boundary can round the other way: one unit
in the last stored decimal. Anything beyond that (a vertex added or dropped by the simplifier, a
shift larger than one stored unit, a changed name) is a real difference and fails. On the reference
platform (Linux x86-64, CPython 3.11, mapshaper 0.7.70) the build is byte-identical.
"""

import argparse
import hashlib
import json
import math
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LAYERS = [("counties", "adcode"), ("prefectures", "prefecture_adcode"), ("provinces", "province_adcode")]
R_EARTH = 6371008.8  # mean Earth radius (m)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def polygons(geom):
    if geom is None:
        return []
    if geom["type"] == "Polygon":
        return [geom["coordinates"]]
    if geom["type"] == "MultiPolygon":
        return geom["coordinates"]
    raise ValueError(f"unexpected geometry type {geom['type']}")


def ring_area(ring):
    """Signed spherical area (m2) of a lon/lat ring (the usual line-integral formula)."""
    s = 0.0
    n = len(ring)
    for i in range(n - 1):
        lon1, lat1 = ring[i]
        lon2, lat2 = ring[i + 1]
        s += math.radians(lon2 - lon1) * (2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2)))
    return s * R_EARTH * R_EARTH / 2.0


def area_km2(geom):
    total = 0.0
    for poly in polygons(geom):
        for k, ring in enumerate(poly):
            a = abs(ring_area(ring))
            total += a if k == 0 else -a
    return total / 1e6


def vertices(geom):
    return [pt for poly in polygons(geom) for ring in poly for pt in ring]


def structure(geom):
    return (geom["type"] if geom else None, [[len(r) for r in poly] for poly in polygons(geom)])


def deg_to_m(dlon, dlat, lat):
    return math.hypot(math.radians(dlon) * math.cos(math.radians(lat)), math.radians(dlat)) * R_EARTH


def nearest_diffs(a_pts, b_pts):
    """For differing structures: distance (deg, Chebyshev) from each vertex of a to the nearest of b."""
    cell = 0.01
    grid = {}
    for x, y in b_pts:
        grid.setdefault((math.floor(x / cell), math.floor(y / cell)), []).append((x, y))
    out = []
    for x, y in a_pts:
        cx, cy = math.floor(x / cell), math.floor(y / cell)
        best = None
        for r in range(0, 50):
            cands = [p for i in range(cx - r, cx + r + 1) for j in range(cy - r, cy + r + 1)
                     if max(abs(i - cx), abs(j - cy)) == r for p in grid.get((i, j), ())]
            for px, py in cands:
                d = max(abs(px - x), abs(py - y))
                best = d if best is None or d < best else best
            if best is not None and best <= r * cell:
                break
        out.append(best if best is not None else float("inf"))
    return out


def compare_layer(name, key, built_path, ref_path, coord_tol, area_tol):
    problems = []
    built = json.loads(Path(built_path).read_text(encoding="utf-8"))
    ref = json.loads(Path(ref_path).read_text(encoding="utf-8"))
    bf, rf = built["features"], ref["features"]
    b_ids = [f["properties"].get(key) for f in bf]
    r_ids = [f["properties"].get(key) for f in rf]
    rep = {"layer": name, "features": (len(bf), len(rf))}
    if set(b_ids) != set(r_ids):
        missing, extra = sorted(set(r_ids) - set(b_ids)), sorted(set(b_ids) - set(r_ids))
        problems.append(f"ids differ: missing {missing[:10]} ({len(missing)}), extra {extra[:10]} ({len(extra)})")
    elif b_ids != r_ids:
        problems.append("same ids but in a different order")
    bmap = {f["properties"].get(key): f for f in bf}
    prop_diffs = 0
    struct_diffs = 0
    diffs_deg = []  # per-coordinate max(|dlon|, |dlat|)
    max_m = 0.0
    area_rows = []
    vb = vr = 0
    for r in rf:
        fid = r["properties"].get(key)
        b = bmap.get(fid)
        if b is None:
            continue
        if list(b["properties"].items()) != list(r["properties"].items()):
            prop_diffs += 1
            if prop_diffs <= 5:
                problems.append(f"{fid}: properties differ: built {b['properties']} vs shipped {r['properties']}")
        bg, rg = b["geometry"], r["geometry"]
        bv, rv = vertices(bg), vertices(rg)
        vb += len(bv)
        vr += len(rv)
        if structure(bg) == structure(rg):
            for (x1, y1), (x2, y2) in zip(bv, rv):
                d = max(abs(x1 - x2), abs(y1 - y2))
                diffs_deg.append(d)
                if d:
                    max_m = max(max_m, deg_to_m(x1 - x2, y1 - y2, y2))
        else:
            struct_diffs += 1
            if struct_diffs <= 5:
                problems.append(f"{fid}: geometry structure differs ({len(bv)} vs {len(rv)} vertices)")
            nd = nearest_diffs(bv, rv) + nearest_diffs(rv, bv)
            diffs_deg.extend(nd)
            max_m = max(max_m, max(nd) * 111320.0)
        ab, ar = area_km2(bg), area_km2(rg)
        area_rows.append((abs(ab - ar), 100.0 * abs(ab - ar) / ar if ar else 0.0, fid))
    if prop_diffs:
        problems.append(f"{prop_diffs} features with different properties")
    if struct_diffs:
        problems.append(f"{struct_diffs} features with a different geometry structure / vertex count")
    max_d = max(diffs_deg) if diffs_deg else 0.0
    med_d = statistics.median(diffs_deg) if diffs_deg else 0.0
    n_changed = sum(1 for d in diffs_deg if d > 0)
    if max_d > coord_tol + 1e-12:
        problems.append(f"max coordinate difference {max_d:.2e} deg > tolerance {coord_tol:.0e}")
    worst_area = max(area_rows) if area_rows else (0.0, 0.0, None)
    worst_pct = max(area_rows, key=lambda t: t[1]) if area_rows else (0.0, 0.0, None)
    if worst_pct[1] > area_tol:
        problems.append(f"area of {worst_pct[2]} differs by {worst_pct[1]:.4f} % > {area_tol} %")
    rep.update(vertices=(vb, vr), max_diff_deg=max_d, max_diff_m=max_m, median_diff_deg=med_d,
               changed_coords=n_changed, max_area_diff_km2=worst_area[0], max_area_diff_km2_id=worst_area[2],
               max_area_diff_pct=worst_pct[1], max_area_diff_pct_id=worst_pct[2], problems=problems)
    return rep


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("built", help="output directory of build.py")
    ap.add_argument("--ref", default=str(REPO / "geodata" / "boundaries"), help="shipped files (default: geodata/boundaries)")
    ap.add_argument("--scope", default="west", help="file suffix (default west)")
    ap.add_argument("--exact", action="store_true", help="require byte-identical files")
    ap.add_argument("--coord-tol", type=float, default=1e-5, help="max coordinate difference in degrees (default 1e-5)")
    ap.add_argument("--area-tol", type=float, default=0.01, help="max per-feature area difference in %% (default 0.01)")
    ap.add_argument("--json", help="also write the report as JSON to this file")
    args = ap.parse_args(argv)

    ok = True
    reports = []
    for name, key in LAYERS:
        fn = f"{name}_{args.scope}.geojson"
        bp, rp = Path(args.built) / fn, Path(args.ref) / fn
        for p in (bp, rp):
            if not p.exists():
                print(f"check.py: missing {p}", file=sys.stderr)
                return 2
        identical = sha256(bp) == sha256(rp)
        rep = compare_layer(name, key, bp, rp, args.coord_tol, args.area_tol)
        rep["byte_identical"] = identical
        rep["bytes"] = (bp.stat().st_size, rp.stat().st_size)
        if args.exact and not identical:
            rep["problems"].append("not byte-identical (--exact)")
        layer_ok = not rep["problems"]
        ok = ok and layer_ok
        reports.append(rep)
        print(f"{name:12s} {'OK  ' if layer_ok else 'FAIL'} byte-identical={'yes' if identical else 'no'} "
              f"features {rep['features'][0]}/{rep['features'][1]} vertices {rep['vertices'][0]}/{rep['vertices'][1]} "
              f"bytes {rep['bytes'][0]}/{rep['bytes'][1]} (built/shipped)")
        print(f"{'':12s} coord diff max {rep['max_diff_deg']:.1e} deg ({rep['max_diff_m']:.2f} m), "
              f"median {rep['median_diff_deg']:.1e} deg, {rep['changed_coords']} coords changed; "
              f"max area diff {rep['max_area_diff_km2']:.6f} km2 ({rep['max_area_diff_km2_id']}), "
              f"{rep['max_area_diff_pct']:.6f} % ({rep['max_area_diff_pct_id']})")
        for p in rep["problems"]:
            print(f"{'':12s} problem: {p}")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print("RESULT: " + ("reproduces the shipped files" if ok else "does NOT reproduce the shipped files"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
