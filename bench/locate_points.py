#!/usr/bin/env python3
"""Points for bench/locate.sh, drawn at bench time from the real county extents (nothing stored).

    python bench/locate_points.py -n 10000000 -o bench/out/locate_points.csv [--seed 20261204]

Each point picks a county of geodata/boundaries/counties_west.geojson at random (equal weight)
and a uniform position in that county's bounding box, so most points fall in a county and some
(near the edges of the area) outside, as a user's own points would. Writes `id,lon,lat`.
Prints one JSON line {"kind":"points","n":...,"path":...}.
"""
import argparse
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
COUNTIES = os.path.join(os.path.dirname(HERE), "geodata", "boundaries", "counties_west.geojson")


def extents(path):
    with open(path) as f:
        fc = json.load(f)
    boxes = []
    for feat in fc["features"]:
        xs, ys = [], []

        def walk(c):
            if isinstance(c[0], (int, float)):
                xs.append(c[0])
                ys.append(c[1])
            else:
                for x in c:
                    walk(x)

        walk(feat["geometry"]["coordinates"])
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return np.array(boxes)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10_000_000)
    ap.add_argument("-o", required=True)
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--counties", default=COUNTIES)
    a = ap.parse_args()
    boxes = extents(a.counties)
    rng = np.random.default_rng(a.seed)
    os.makedirs(os.path.dirname(os.path.abspath(a.o)), exist_ok=True)
    chunk = 1_000_000
    with open(a.o, "w") as out:
        out.write("id,lon,lat\n")
        for start in range(0, a.n, chunk):
            k = min(chunk, a.n - start)
            b = boxes[rng.integers(0, len(boxes), k)]
            lon = b[:, 0] + rng.random(k) * (b[:, 2] - b[:, 0])
            lat = b[:, 1] + rng.random(k) * (b[:, 3] - b[:, 1])
            ids = np.arange(start, start + k)
            out.write("\n".join(f"{i},{x:.6f},{y:.6f}" for i, x, y in zip(ids, lon, lat)))
            out.write("\n")
    print(json.dumps({"kind": "points", "n": a.n, "path": a.o, "counties": len(boxes)}))


if __name__ == "__main__":
    main()
