#!/usr/bin/env python3
"""WebMercatorQuad tile lists and the HTTP helpers of the vector-tile benchmark (stdlib only).

    python3 bench/tilegrid.py extent   [--counties FILE]                  # {"west":..,"south":..,..}
    python3 bench/tilegrid.py list     [--counties FILE] --min-zoom 3 --max-zoom 6 \
                                       --prefix /collections/counties/tiles/WebMercatorQuad \
                                       [--order zyx|zxy] [--query properties=a,b]   # one path a line
    python3 bench/tilegrid.py counties-geojson --out FILE [--counties FILE]   # + property `province`
    python3 bench/tilegrid.py cold     --base URL --paths FILE --server NAME     # JSON line, kind tiles_http
    wrk ... | python3 bench/tilegrid.py wrkjson --server NAME --paths FILE ...  # JSON line, kind tiles_http
    python3 bench/tilegrid.py runs [--runs 3] [--sizes-path F] -- CMD ARGS...  # median of a "tiles" line
    python3 bench/tilegrid.py free-port

The tile set is the one `compute-atlas-bench tiles` makes: for each zoom, every column and row
from the tile holding the layer's (west, north) corner to the tile holding its (east, south)
corner, where the extent is the bounding box of all coordinates of the counties file. Tiles are
listed zoom by zoom, column by column, row by row (the Rust loop order).

`province` (short English name, e.g. "Xinjiang") is what compute-atlas derives from
province_adcode; the counties file has only the long title, so PostGIS and tipg get it from
PROVINCE_SHORT below (the same table as src/model/admin.rs).
"""
import argparse
import http.client
import json
import math
import os
import socket
import statistics
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_COUNTIES = os.path.join(ROOT, "geodata", "boundaries", "counties_west.geojson")
MAX_LAT = 85.05112877980659
PROVINCE_SHORT = {
    "150000": "Inner Mongolia", "450000": "Guangxi", "500000": "Chongqing", "510000": "Sichuan",
    "520000": "Guizhou", "530000": "Yunnan", "540000": "Tibet", "610000": "Shaanxi",
    "620000": "Gansu", "630000": "Qinghai", "640000": "Ningxia", "650000": "Xinjiang",
}


def geojson_extent(path):
    """(west, south, east, north) over every coordinate of every feature."""
    with open(path, encoding="utf-8") as f:
        fc = json.load(f)
    b = [math.inf, math.inf, -math.inf, -math.inf]

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            b[0] = min(b[0], c[0]); b[1] = min(b[1], c[1])
            b[2] = max(b[2], c[0]); b[3] = max(b[3], c[1])
        else:
            for e in c:
                walk(e)

    for feat in fc["features"]:
        if feat.get("geometry"):
            walk(feat["geometry"]["coordinates"])
    return tuple(b)


def containing(z, lon, lat):
    """Column and row of the zoom-z tile holding (lon, lat) -- TileId::containing in Rust."""
    n = 1 << z
    lat = math.radians(max(-MAX_LAT, min(MAX_LAT, lat)))
    u = (lon + 180.0) / 360.0
    v = (1.0 - math.asinh(math.tan(lat)) / math.pi) / 2.0
    cell = lambda t: min(max(math.floor(t * n), 0), n - 1)
    return cell(u), cell(v)


def tiles(extent, min_zoom, max_zoom):
    w, s, e, n = extent
    out = []
    for z in range(min_zoom, max_zoom + 1):
        (x0, y0), (x1, y1) = containing(z, w, n), containing(z, e, s)
        out += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return out


def tile_paths(extent, min_zoom, max_zoom, prefix, order="zyx", query=""):
    q = ("?" + query) if query else ""
    fmt = "{p}/{z}/{y}/{x}{q}" if order == "zyx" else "{p}/{z}/{x}/{y}{q}"
    return [fmt.format(p=prefix.rstrip("/"), z=z, x=x, y=y, q=q) for z, x, y in tiles(extent, min_zoom, max_zoom)]


def counties_with_province(src, dst):
    with open(src, encoding="utf-8") as f:
        fc = json.load(f)
    for feat in fc["features"]:
        p = feat["properties"]
        p["province"] = PROVINCE_SHORT.get(str(p.get("province_adcode")), "")
    tmp = dst + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(fc, f, ensure_ascii=False)
    os.replace(tmp, dst)
    return len(fc["features"])


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, math.ceil(p / 100.0 * len(sorted_vals)) - 1))
    return sorted_vals[k]


def cold(base, paths, server, timeout=300.0):
    """Each path once, in order, over one keep-alive connection; total wall time."""
    u = urllib.parse.urlsplit(base)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"refusing non-loopback target {base}")
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    lat, statuses, nbytes, nonempty = [], {}, 0, 0
    t0 = time.perf_counter()
    for p in paths:
        t = time.perf_counter()
        conn.request("GET", p)
        r = conn.getresponse()
        body = r.read()
        lat.append((time.perf_counter() - t) * 1000.0)
        statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
        nbytes += len(body)
        nonempty += 1 if body else 0
        if r.getheader("connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    secs = time.perf_counter() - t0
    conn.close()
    s = sorted(lat)
    non_2xx = sum(v for k, v in statuses.items() if not k.startswith("2"))
    return {"kind": "tiles_http", "mode": "cold", "server": server, "base": base, "urls": len(paths),
            "seconds": secs, "req_per_s": len(paths) / secs if secs else None,
            "mean_ms": statistics.mean(s) if s else None, "p50_ms": pct(s, 50), "p99_ms": pct(s, 99),
            "max_ms": s[-1] if s else None, "bytes": nbytes, "nonempty": nonempty, "statuses": statuses,
            "non_2xx": non_2xx, "first_path": paths[0] if paths else None, "loadavg": os.getloadavg()[0]}


def median_runs(cmd, runs, sizes_path=None, timeout=1800):
    """Runs a command that prints one {"kind":"tiles",...} line (compute-atlas-bench tiles) `runs`
    times and passes on the line of the median run, with all runs' seconds."""
    import subprocess

    got = []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t0
        sys.stderr.write(r.stderr)
        line = None
        for l in r.stdout.splitlines():
            try:
                obj = json.loads(l)
            except ValueError:
                print(l, file=sys.stderr)
                continue
            if isinstance(obj, dict) and obj.get("kind") == "tiles":
                line = obj
        if r.returncode != 0 or line is None:
            return {"kind": "tiles", "impl": "compute-atlas", "error": f"exit {r.returncode}, no tiles line",
                    "cmd": cmd}
        line["process_wall_s"] = wall
        got.append(line)
    got.sort(key=lambda o: o["seconds"])
    med = dict(got[len(got) // 2])
    med["seconds_all"] = [o["seconds"] for o in got]
    med.setdefault("timing", "self_reported")
    if sizes_path:
        med["sizes_path"] = os.path.abspath(sizes_path)
    med["loadavg"] = os.getloadavg()[0]
    med["cmd"] = cmd
    return med


def read_paths(path):
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip()]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a_ext = sub.add_parser("extent")
    a_ext.add_argument("--counties", default=DEFAULT_COUNTIES)
    a_list = sub.add_parser("list")
    a_list.add_argument("--counties", default=DEFAULT_COUNTIES)
    a_list.add_argument("--min-zoom", type=int, default=3)
    a_list.add_argument("--max-zoom", type=int, default=6)
    a_list.add_argument("--prefix", required=True)
    a_list.add_argument("--order", choices=["zyx", "zxy"], default="zyx")
    a_list.add_argument("--query", default="")
    a_geo = sub.add_parser("counties-geojson")
    a_geo.add_argument("--counties", default=DEFAULT_COUNTIES)
    a_geo.add_argument("--out", required=True)
    a_cold = sub.add_parser("cold")
    a_cold.add_argument("--base", required=True)
    a_cold.add_argument("--paths", required=True)
    a_cold.add_argument("--server", required=True)
    a_wrk = sub.add_parser("wrkjson")
    a_wrk.add_argument("--server", required=True)
    a_wrk.add_argument("--base", required=True)
    a_wrk.add_argument("--paths", required=True)
    a_wrk.add_argument("--threads", type=int)
    a_wrk.add_argument("--connections", type=int)
    a_wrk.add_argument("--warmed", action="store_true")
    a_runs = sub.add_parser("runs")
    a_runs.add_argument("--runs", type=int, default=3)
    a_runs.add_argument("--sizes-path")
    a_runs.add_argument("command", nargs=argparse.REMAINDER)
    sub.add_parser("free-port")
    a = ap.parse_args(argv)

    if a.cmd == "extent":
        w, s, e, n = geojson_extent(a.counties)
        print(json.dumps({"west": w, "south": s, "east": e, "north": n}))
    elif a.cmd == "list":
        for p in tile_paths(geojson_extent(a.counties), a.min_zoom, a.max_zoom, a.prefix, a.order, a.query):
            print(p)
    elif a.cmd == "counties-geojson":
        n = counties_with_province(a.counties, a.out)
        print(f"[tilegrid] {n} counties with `province` -> {a.out}", file=sys.stderr)
    elif a.cmd == "cold":
        res = cold(a.base, read_paths(a.paths), a.server)
        print(json.dumps(res))
        print(f"[{a.server}] cold pass: {res['urls']} tiles in {res['seconds']:.3f} s "
              f"({res['req_per_s']:.1f} tiles/s), p50 {res['p50_ms']:.2f} ms, p99 {res['p99_ms']:.2f} ms, "
              f"{res['bytes']} B, {res['nonempty']} non-empty, statuses {res['statuses']}", file=sys.stderr)
    elif a.cmd == "wrkjson":
        sys.path.insert(0, HERE)
        from wrk_parse import parse

        res = {"kind": "tiles_http", "mode": "warm" if a.warmed else "wrk", "server": a.server,
               "base": a.base, "urls": len(read_paths(a.paths)), "threads": a.threads,
               "connections": a.connections}
        res.update(parse(sys.stdin.read()))
        res["loadavg"] = os.getloadavg()[0]
        print(json.dumps(res))
        f = lambda v: "n/a" if v is None else f"{v:.2f}"
        print(f"[{a.server}] {res['mode']} wrk over {res['urls']} tiles: {f(res['rps'])} req/s, "
              f"p50 {f(res['p50_ms'])} ms, p99 {f(res['p99_ms'])} ms, non-2xx {res['non_2xx']}, "
              f"timeouts {res['timeouts']}", file=sys.stderr)
    elif a.cmd == "runs":
        cmd = a.command[1:] if a.command and a.command[0] == "--" else a.command
        if not cmd:
            ap.error("runs: no command")
        res = median_runs(cmd, a.runs, a.sizes_path)
        print(json.dumps(res))
        if "error" in res:
            return 1
        print(f"[{res.get('impl')}] median {res['seconds']:.3f} s = {res['tiles_per_s']:.1f} tiles/s; "
              f"{res.get('nonempty')} non-empty, {res.get('bytes')} B; runs: "
              + ", ".join(f"{t:.3f}" for t in sorted(res["seconds_all"])) + " s", file=sys.stderr)
    elif a.cmd == "free-port":
        print(free_port())


if __name__ == "__main__":
    sys.exit(main())
