#!/usr/bin/env python3
"""Prepare pygeoapi's data and config for the benchmark.

    python bench/pygeoapi/prepare.py --port 5001 [--counties FILE] [--sites FILE] [--out DIR]

- converts sites.csv (columns id, longitude, latitude, ...) to a GeoJSON FeatureCollection
  (Point geometry, feature "id" = the `id` column, all columns kept as properties; empty
  cells become null),
- renders config.template.yml into OUT/config.yml with absolute data paths and the port.
Prints one JSON line {"kind":"pygeoapi_prepare", "config":..., "sites_geojson":...}.
"""
import argparse
import csv
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
ROOT = os.path.dirname(BENCH)


def sites_to_geojson(csv_path, out_path):
    feats = []
    with open(csv_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            lon, lat = float(row["longitude"]), float(row["latitude"])
            props = {k: (v if v != "" else None) for k, v in row.items()}
            props["longitude"], props["latitude"] = lon, lat
            feats.append({"type": "Feature", "id": row["id"],
                          "geometry": {"type": "Point", "coordinates": [lon, lat]},
                          "properties": props})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False)
    return len(feats)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--counties", default=os.path.join(ROOT, "geodata", "boundaries", "counties_west.geojson"))
    ap.add_argument("--sites", default=os.path.join(ROOT, "geodata", "sites.csv"))
    ap.add_argument("--out", default=os.path.join(BENCH, "out", "pygeoapi"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    sites_gj = os.path.join(a.out, "sites.geojson")
    n = sites_to_geojson(a.sites, sites_gj)
    tpl = open(os.path.join(HERE, "config.template.yml"), encoding="utf-8").read()
    cfg = (tpl.replace("@@PORT@@", str(a.port))
              .replace("@@COUNTIES@@", os.path.abspath(a.counties))
              .replace("@@SITES@@", os.path.abspath(sites_gj)))
    cfg_path = os.path.join(a.out, "config.yml")
    with open(cfg_path, "w", encoding="utf-8") as f:
        f.write(cfg)
    print(json.dumps({"kind": "pygeoapi_prepare", "config": cfg_path, "sites_geojson": sites_gj,
                      "sites": n, "counties": os.path.abspath(a.counties)}))


if __name__ == "__main__":
    main()
