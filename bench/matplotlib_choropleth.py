#!/usr/bin/env python3
"""Choropleth of western China's counties by AI/data-centre sites per 10,000 km2 (GeoPandas +
matplotlib), timed -- the peer of `compute-atlas plot choropleth`.

    bench/.venv/bin/python bench/matplotlib_choropleth.py [--counties FILE] [--sites FILE]
        [--provinces FILE] [-o bench/out/choropleth_matplotlib.png] [--runs 5]

- sites per county: GeoPandas sjoin (points within county polygons);
- areas and drawing in an equal-area Albers projection for China
  (+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84);
- 1600x1200 px PNG (16x12 in at 100 dpi), all 1,093 counties filled by class, counties with no
  site in light grey, province borders on top, legend (classes with county counts) and title.
Timed: the rendering only (figure, draw, savefig to PNG, close), median of --runs after one
warm-up; data preparation (read, join, project) is reported separately.
Prints one JSON line {"kind":"plot","impl":"matplotlib",...}; human text on stderr.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
AEA = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"
# class edges in sites per 10,000 km2 (first class = exactly 0)
BINS = [0.5, 2, 5, 20, 100]
LABELS = ["> 0 – 0.5", "0.5 – 2", "2 – 5", "5 – 20", "20 – 100", "> 100"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def prepare(counties_path, sites_path, provinces_path):
    import geopandas as gpd
    import pandas as pd

    counties = gpd.read_file(counties_path, columns=["adcode", "province_adcode"])
    sites = pd.read_csv(sites_path, usecols=["id", "longitude", "latitude"])
    pts = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites.longitude, sites.latitude),
                           crs="EPSG:4326")
    j = gpd.sjoin(pts, counties[["adcode", "geometry"]], how="inner", predicate="within")
    counts = j.groupby("adcode").size()
    c = counties.to_crs(AEA)
    c["sites"] = c["adcode"].map(counts).fillna(0).astype(int)
    c["area_km2"] = c.geometry.area / 1e6
    c["density"] = c["sites"] / c["area_km2"] * 1e4
    if provinces_path and os.path.exists(provinces_path):
        prov = gpd.read_file(provinces_path).to_crs(AEA)
    else:
        prov = c.dissolve(by="province_adcode")
    return c, prov, len(sites), int(len(j))


def render(c, prov, out_png, n_sites):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch
    import numpy as np

    colors = ["#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"]
    cmap = ListedColormap(colors)
    norm = BoundaryNorm([0] + BINS + [1e9], cmap.N)
    fig = plt.figure(figsize=(16, 12), dpi=100)
    ax = fig.add_axes([0.02, 0.02, 0.96, 0.90])
    zero = c[c["sites"] == 0]
    some = c[c["sites"] > 0]
    zero.plot(ax=ax, color="#e6e6e6", edgecolor="white", linewidth=0.15)
    some.plot(ax=ax, column="density", cmap=cmap, norm=norm, edgecolor="white", linewidth=0.15)
    prov.boundary.plot(ax=ax, color="#333333", linewidth=0.8)
    ax.set_axis_off()
    ax.set_aspect("equal")
    cls = np.digitize(some["density"].to_numpy(), BINS)
    handles = [Patch(facecolor="#e6e6e6", edgecolor="#999999", label=f"no site ({len(zero)} counties)")]
    for i, (col, lab) in enumerate(zip(colors, LABELS)):
        handles.append(Patch(facecolor=col, edgecolor="#999999", label=f"{lab} ({int((cls == i).sum())})"))
    ax.legend(handles=handles, title="Sites per 10,000 km²  (counties)", loc="lower left",
              fontsize=12, title_fontsize=13, frameon=True)
    fig.suptitle("AI and data-centre sites per 10,000 km² by county, western China", fontsize=20, y=0.97)
    fig.text(0.5, 0.925, f"{n_sites} sites, {len(c)} counties; Albers equal-area (25°N/47°N, 105°E)",
             ha="center", fontsize=12, color="#444444")
    fig.savefig(out_png, dpi=100)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--counties", default=os.path.join(ROOT, "geodata", "boundaries", "counties_west.geojson"))
    ap.add_argument("--sites", default=os.path.join(ROOT, "geodata", "sites.csv"))
    ap.add_argument("--provinces", default=None,
                    help="province borders (default: provinces_west.geojson beside the counties file, "
                         "else dissolved from the counties)")
    ap.add_argument("-o", "--out", default=os.path.join(HERE, "out", "choropleth_matplotlib.png"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    provinces = args.provinces or os.path.join(os.path.dirname(os.path.abspath(args.counties)),
                                               "provinces_west.geojson")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)

    t0 = time.perf_counter()
    c, prov, n_sites, n_joined = prepare(args.counties, args.sites, provinces)
    prep_s = time.perf_counter() - t0
    log(f"[matplotlib] prepared {len(c)} counties, {n_sites} sites ({n_joined} inside a county) "
        f"in {prep_s * 1000:.0f} ms")

    render(c, prov, args.out, n_sites)  # warm-up
    times = []
    for i in range(max(1, args.runs)):
        t0 = time.perf_counter()
        render(c, prov, args.out, n_sites)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    from PIL import Image
    import matplotlib

    size = Image.open(args.out).size
    res = {"kind": "plot", "impl": "matplotlib", "ms": med * 1000, "ms_all": [t * 1000 for t in times],
           "prepare_ms": prep_s * 1000, "png": os.path.abspath(args.out), "size_px": list(size),
           "png_bytes": os.path.getsize(args.out), "counties": len(c), "sites": n_sites,
           "sites_in_counties": n_joined, "counties_with_sites": int((c["sites"] > 0).sum()),
           "loadavg": os.getloadavg()[0], "versions": {"matplotlib": matplotlib.__version__}}
    log(f"[matplotlib] render median {med * 1000:.0f} ms over {len(times)} runs "
        f"({', '.join(f'{t * 1000:.0f}' for t in times)}); {size[0]}x{size[1]} px -> {args.out}")
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
