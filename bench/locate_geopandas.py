#!/usr/bin/env python3
"""The peer of `compute-atlas locate --input`: GeoPandas doing the same job end to end.

    python bench/locate_geopandas.py IN.csv OUT.csv [--counties geodata/boundaries/counties_west.geojson]

Reads the CSV (pandas), makes the points, sjoin (predicate within) with the counties, writes the
input columns plus county_adcode, county, prefecture, province as CSV. Prints the seconds.
"""
import argparse
import json
import os
import time

import geopandas as gpd
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
COUNTIES = os.path.join(os.path.dirname(HERE), "geodata", "boundaries", "counties_west.geojson")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--counties", default=COUNTIES)
    a = ap.parse_args()
    counties = gpd.read_file(a.counties, engine="pyogrio")
    keep = {"adcode": "county_adcode", "name_en": "county", "prefecture_en": "prefecture", "province_en": "province"}
    counties = counties[[c for c in keep if c in counties.columns] + ["geometry"]].rename(columns=keep)
    t = time.perf_counter()
    df = pd.read_csv(a.input)
    pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
    j = gpd.sjoin(pts, counties.to_crs("EPSG:4326"), how="left", predicate="within")
    j = j[~j.index.duplicated(keep="first")]
    j.drop(columns=["geometry", "index_right"]).to_csv(a.output, index=False)
    s = time.perf_counter() - t
    print(json.dumps({"kind": "locate", "impl": "geopandas", "rows": len(df), "seconds": s}))


if __name__ == "__main__":
    main()
