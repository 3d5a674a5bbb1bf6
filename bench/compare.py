#!/usr/bin/env python3
"""Compare benchmark results (JSON lines) of compute-atlas against its peers.

    python3 bench/compare.py RESULTS.jsonl [MORE.jsonl ...]  [--subject compute-atlas] [--strict]
    cat results.jsonl | python3 bench/compare.py -

Reads every line that parses as a JSON object with a "kind" (other lines are ignored), then:
  * join  : points/s per impl, ratio subject/peer; checks that the per-county count CSVs of all
            joins that wrote one (counts_path) are identical (adcode -> count, missing = 0);
  * http  : req/s, p50, p99 per (server, endpoint), ratio subject/peer for req/s;
  * plot  : render ms per impl, ratio peer/subject (how many times faster the subject is);
  * tiles : cold pyramid (kind "tiles"): tiles/s, seconds, non-empty tiles and bytes per impl,
            ratio subject/peer for tiles/s; whether the non-empty tile sets (sizes CSVs,
            `sizes_path`) are the same z/x/y; per-zoom bytes;
  * tiles_http : cold pass over the tile URLs (mode "cold": wall seconds, ratio peer/subject)
            and wrk over the same list (mode "warm": req/s, p50, p99, ratio subject/peer).
Prints a human-readable report and a final JSON line {"kind":"compare", ...}.
HTTP results whose sanity request was not 200 or that had non-2xx responses are flagged
INVALID and give no ratio (tile results: any non-2xx response; empty tiles may be 204).
Exit status: 1 if the count check failed or an HTTP result is invalid (or, with --strict, if any subject result is missing).
Uses only the Python standard library.
"""
import argparse
import csv
import json
import sys


def read_lines(paths):
    rows = []
    for p in paths:
        f = sys.stdin if p == "-" else open(p, encoding="utf-8")
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict) and "kind" in obj:
                rows.append(obj)
    return rows


def read_counts(path):
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for rec in csv.reader(f):
            if len(rec) < 2:
                continue
            try:
                out[rec[0].strip()] = out.get(rec[0].strip(), 0) + int(rec[1])
            except ValueError:
                continue  # header
    return out


def fmt(v, spec=".1f"):
    return "n/a" if v is None else format(v, spec)


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def markdown(rows):
    """Markdown tables of all join / http / plot / tiles results (for README)."""
    out = []
    joins = [r for r in rows if r["kind"] == "join"]
    if joins:
        out += ["| join impl | N | median s | M points/s | runs (s) | loadavg |", "|---|---|---|---|---|---|"]
        for r in joins:
            runs = ", ".join(f"{t:.3f}" for t in r.get("seconds_all", []))
            out.append(f"| {r['impl']} | {r.get('n')} | {fmt(r.get('seconds'), '.3f')} | "
                       f"{fmt((r.get('points_per_s') or 0) / 1e6, '.3f')} | {runs} | {fmt(r.get('loadavg'), '.1f')} |")
        out.append("")
    http = [r for r in rows if r["kind"] == "http"]
    if http:
        out += ["| server | endpoint | req/s | p50 ms | p99 ms | requests | status | bytes |",
                "|---|---|---|---|---|---|---|---|"]
        for r in http:
            out.append(f"| {r['server']} | {r['endpoint']} | {fmt(r.get('rps'))} | {fmt(r.get('p50_ms'), '.2f')} | "
                       f"{fmt(r.get('p99_ms'), '.2f')} | {r.get('requests')} | {r.get('status')} | {r.get('bytes')} |")
        out.append("")
    tiles = [r for r in rows if r["kind"] == "tiles"]
    if tiles:
        out += ["| tiles impl | zoom | tiles | non-empty | MB | median s | tiles/s | runs (s) | timing | loadavg |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        for r in tiles:
            runs = ", ".join(f"{t:.3f}" for t in r.get("seconds_all", []))
            out.append(f"| {r['impl']} | {r.get('min_zoom', 0)}-{r.get('max_zoom')} | {r.get('tiles')} | "
                       f"{r.get('nonempty')} | {fmt((r.get('bytes') or 0) / 1e6, '.2f')} | {fmt(r.get('seconds'), '.3f')} | "
                       f"{fmt(r.get('tiles_per_s'))} | {runs} | {r.get('timing', '')} | {fmt(r.get('loadavg'), '.1f')} |")
        out.append("")
    th = [r for r in rows if r["kind"] == "tiles_http"]
    if th:
        out += ["| tiles over HTTP | mode | URLs | s | req/s | p50 ms | p99 ms | requests | MB | non-empty | non-2xx |",
                "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in th:
            cold = r.get("mode") == "cold"
            out.append(f"| {r['server']} | {r.get('mode')} | {r.get('urls')} | "
                       f"{fmt(r.get('seconds') if cold else r.get('duration_s'), '.3f')} | "
                       f"{fmt(r.get('req_per_s') if cold else r.get('rps'))} | {fmt(r.get('p50_ms'), '.2f')} | "
                       f"{fmt(r.get('p99_ms'), '.2f')} | {r.get('urls') if cold else r.get('requests')} | "
                       f"{fmt((r['bytes'] / 1e6) if cold and r.get('bytes') is not None else None, '.2f')} | "
                       f"{r.get('nonempty') if cold else ''} | {r.get('non_2xx')} |")
        out.append("")
    plots = [r for r in rows if r["kind"] == "plot"]
    if plots:
        out += ["| plot impl | median ms | runs (ms) | data prep ms | loadavg |", "|---|---|---|---|---|"]
        for r in plots:
            runs = ", ".join(f"{t:.0f}" for t in r.get("ms_all", []))
            out.append(f"| {r['impl']} | {fmt(r.get('ms'), '.0f')} | {runs} | {fmt(r.get('prepare_ms'), '.0f')} | "
                       f"{fmt(r.get('loadavg'), '.1f')} |")
    return "\n".join(out)


def read_sizes(path):
    """z,x,y,bytes CSV (compute-atlas-bench tiles --sizes-out) -> {(z, x, y): bytes}."""
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for rec in csv.reader(f):
            try:
                out[(int(rec[0]), int(rec[1]), int(rec[2]))] = int(rec[3])
            except (ValueError, IndexError):
                continue  # header
    return out


def tiles_section(rows, S, summary, strict):
    ok = True
    tiles = {}
    for r in rows:
        if r["kind"] == "tiles":
            tiles[r["impl"]] = r  # last one wins
    if tiles:
        print("== vector tiles: cold pyramid, one core, no cache ==")
        subj = tiles.get(S, {}).get("tiles_per_s")
        for impl, r in sorted(tiles.items(), key=lambda kv: -(kv[1].get("tiles_per_s") or 0)):
            if r.get("error"):
                print(f"  {impl:<20} ERROR: {r['error']}")
                ok = False
                continue
            tps = r.get("tiles_per_s")
            rt = ratio(subj, tps) if impl != S else None
            summary["tiles"][impl] = {"tiles_per_s": tps, "seconds": r.get("seconds"), "tiles": r.get("tiles"),
                                      "nonempty": r.get("nonempty"), "bytes": r.get("bytes"), "subject_speedup": rt}
            print(f"  {impl:<20} {fmt(tps):>8} tiles/s  {fmt(r.get('seconds'), '.3f'):>7} s  "
                  f"z{r.get('min_zoom', 0)}-{r.get('max_zoom')}: {r.get('tiles')} tiles, {r.get('nonempty')} non-empty, "
                  f"{fmt((r.get('bytes') or 0) / 1e6, '.2f')} MB [{r.get('timing', '')}]"
                  + (f"   {S} is {rt:.2f}x" if rt else ""))
        sizes = {}
        for impl, r in tiles.items():
            if r.get("sizes_path"):
                try:
                    sizes[impl] = read_sizes(r["sizes_path"])
                except OSError as e:
                    print(f"  cannot read tile sizes of {impl}: {e}")
        if S in sizes and len(sizes) >= 2:
            ref = sizes[S]
            zooms = sorted({k[0] for v in sizes.values() for k in v})
            for impl, sz in sorted(sizes.items()):
                if impl == S:
                    continue
                only_s, only_p = len(set(ref) - set(sz)), len(set(sz) - set(ref))
                same = not only_s and not only_p
                per_zoom = {z: [sum(b for k, b in ref.items() if k[0] == z), sum(b for k, b in sz.items() if k[0] == z)]
                            for z in zooms}
                summary["tiles"].setdefault(impl, {})["same_nonempty_set"] = same
                summary["tiles"][impl]["bytes_per_zoom"] = {str(z): v for z, v in per_zoom.items()}
                print(f"  non-empty tiles of {S} and {impl}: "
                      + ("SAME z/x/y set" if same else f"DIFFER ({only_s} only in {S}, {only_p} only in {impl})")
                      + f"; bytes {impl}/{S} per zoom: "
                      + ", ".join(f"z{z} {ratio(p, s_) or 0:.2f}" for z, (s_, p) in per_zoom.items()))
        if S not in tiles and strict:
            ok = False

    th = [r for r in rows if r["kind"] == "tiles_http"]
    if th:
        print("== vector tiles over HTTP ==")
        for mode in ("cold", "warm", "wrk"):
            sel = {r["server"]: r for r in th if r.get("mode") == mode}
            if not sel:
                continue
            summary["tiles_http"][mode] = {}
            if mode == "cold":
                print(f"  cold pass: each of {next(iter(sel.values())).get('urls')} tile URLs once, sequentially, "
                      "fresh server")
                subj = sel.get(S, {}).get("seconds") if not sel.get(S, {}).get("non_2xx") else None
                for srv, r in sorted(sel.items(), key=lambda kv: kv[1].get("seconds") or 0):
                    valid = not r.get("non_2xx")
                    ok = ok and valid
                    rt = ratio(r.get("seconds"), subj) if srv != S and valid else None
                    summary["tiles_http"][mode][srv] = {"seconds": r.get("seconds"), "p50_ms": r.get("p50_ms"),
                                                        "p99_ms": r.get("p99_ms"), "bytes": r.get("bytes"),
                                                        "nonempty": r.get("nonempty"), "subject_speedup": rt,
                                                        "valid": valid}
                    print(f"    {srv:<16} {fmt(r.get('seconds'), '.3f'):>8} s  {fmt(r.get('req_per_s')):>8} tiles/s"
                          f"  p50 {fmt(r.get('p50_ms'), '.2f'):>8} ms  p99 {fmt(r.get('p99_ms'), '.2f'):>8} ms"
                          f"  {fmt((r.get('bytes') or 0) / 1e6, '.2f')} MB, {r.get('nonempty')} non-empty"
                          + (f"   {S} is {rt:.1f}x faster" if rt else "")
                          + ("" if valid else f"  [INVALID: statuses {r.get('statuses')}]"))
            else:
                print(f"  wrk over the same list ({'after the cold pass' if mode == 'warm' else 'no cold pass'}), "
                      f"{next(iter(sel.values())).get('threads')} threads, "
                      f"{next(iter(sel.values())).get('connections')} connections")
                sr = sel.get(S, {})
                subj = sr.get("rps") if not sr.get("non_2xx") else None
                for srv, r in sorted(sel.items(), key=lambda kv: -(kv[1].get("rps") or 0)):
                    valid = not r.get("non_2xx")
                    ok = ok and valid
                    rt = ratio(subj, r.get("rps")) if srv != S and valid else None
                    summary["tiles_http"][mode][srv] = {"rps": r.get("rps"), "p50_ms": r.get("p50_ms"),
                                                        "p99_ms": r.get("p99_ms"), "subject_speedup": rt,
                                                        "valid": valid}
                    print(f"    {srv:<16} {fmt(r.get('rps')):>10} req/s  p50 {fmt(r.get('p50_ms'), '.2f'):>9} ms"
                          f"  p99 {fmt(r.get('p99_ms'), '.2f'):>9} ms  ({r.get('requests')} requests)"
                          + (f"   {S} is {rt:.1f}x" if rt else "")
                          + ("" if valid else f"  [INVALID: {r.get('non_2xx')} non-2xx responses]"))
            if S not in sel and strict:
                ok = False
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--subject", default="compute-atlas")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables of the results only")
    a = ap.parse_args(argv)
    rows = read_lines(a.files)
    if a.markdown:
        print(markdown(rows))
        return 0
    S = a.subject
    summary = {"kind": "compare", "subject": S, "join": {}, "http": {}, "plot": {}, "counts": None,
               "tiles": {}, "tiles_http": {}}
    ok = True

    # ---------------------------------------------------------------- joins
    joins = {}
    for r in rows:
        if r["kind"] == "join":
            joins[r["impl"]] = r  # last one wins
    if joins:
        print("== point-in-county join ==")
        subj = joins.get(S, {}).get("points_per_s")
        for impl, r in sorted(joins.items(), key=lambda kv: -(kv[1].get("points_per_s") or 0)):
            pps = r.get("points_per_s")
            rt = ratio(subj, pps) if impl != S else None
            summary["join"][impl] = {"points_per_s": pps, "n": r.get("n"), "subject_speedup": rt}
            print(f"  {impl:<20} {fmt(pps / 1e6 if pps else None, '.3f'):>8} M points/s  "
                  f"(n={r.get('n')}, {fmt(r.get('seconds') * 1000 if r.get('seconds') else None)} ms)"
                  + (f"   {S} is {rt:.2f}x" if rt else ""))
        files = {impl: r["counts_path"] for impl, r in joins.items() if r.get("counts_path")}
        if len(files) >= 2:
            counts = {}
            for impl, p in files.items():
                try:
                    counts[impl] = read_counts(p)
                except OSError as e:
                    print(f"  cannot read counts of {impl}: {e}")
            ref_impl = "geopandas" if "geopandas" in counts else sorted(counts)[0]
            ref = counts[ref_impl]
            diffs = {}
            for impl, c in counts.items():
                if impl == ref_impl:
                    continue
                keys = set(ref) | set(c)
                d = sorted(k for k in keys if ref.get(k, 0) != c.get(k, 0))
                if d:
                    diffs[impl] = {k: [ref.get(k, 0), c.get(k, 0)] for k in d[:20]}
                    diffs[impl]["_n_differing"] = len(d)
            same = not diffs
            ok = ok and same
            summary["counts"] = {"compared": sorted(counts), "reference": ref_impl, "identical": same,
                                 "total_in_counties": sum(ref.values()), "differences": diffs}
            print(f"  per-county counts of {', '.join(sorted(counts))}: "
                  + ("IDENTICAL" if same else "DIFFER") + f" ({sum(ref.values())} points in counties)")
            for impl, d in diffs.items():
                print(f"    {impl} vs {ref_impl}: {d['_n_differing']} counties differ, e.g. "
                      + ", ".join(f"{k}: {v[0]} vs {v[1]}" for k, v in list(d.items())[:5] if k[0] != "_"))
        if S not in joins and a.strict:
            ok = False

    # ---------------------------------------------------------------- http
    http = {}
    for r in rows:
        if r["kind"] == "http":
            http.setdefault(r["endpoint"], {})[r["server"]] = r
    if http:
        print("== OGC API Features over HTTP (wrk) ==")
        for ep, servers in http.items():
            sr = servers.get(S, {})
            subj_valid = sr.get("status") in (200, None) and not sr.get("non_2xx")
            subj = sr.get("rps") if subj_valid else None
            summary["http"][ep] = {}
            print(f"  {ep}")
            for srv, r in sorted(servers.items(), key=lambda kv: -(kv[1].get("rps") or 0)):
                rt = ratio(subj, r.get("rps")) if srv != S else None
                summary["http"][ep][srv] = {"rps": r.get("rps"), "p50_ms": r.get("p50_ms"),
                                            "p99_ms": r.get("p99_ms"), "subject_speedup": rt,
                                            "status": r.get("status")}
                valid = r.get("status") in (200, None) and not r.get("non_2xx")
                summary["http"][ep][srv]["valid"] = valid
                if not valid:
                    ok = False
                bad = "" if valid else (f"  [INVALID: HTTP {r.get('status')}, "
                                        f"{r.get('non_2xx')} non-2xx responses]")
                print(f"    {srv:<16} {fmt(r.get('rps')):>10} req/s  p50 {fmt(r.get('p50_ms'), '.2f'):>9} ms"
                      f"  p99 {fmt(r.get('p99_ms'), '.2f'):>9} ms" + (f"   {S} is {rt:.1f}x" if rt else "") + bad)
            if S not in servers and a.strict:
                ok = False

    # ---------------------------------------------------------------- plot
    plots = {r["impl"]: r for r in rows if r["kind"] == "plot"}
    if plots:
        print("== choropleth (1,093 counties, 1600x1200 PNG) ==")
        subj = plots.get(S, {}).get("ms")
        for impl, r in sorted(plots.items(), key=lambda kv: kv[1].get("ms") or 0):
            rt = ratio(r.get("ms"), subj) if impl != S else None
            summary["plot"][impl] = {"ms": r.get("ms"), "timing": r.get("timing", "render"),
                                     "subject_speedup": rt}
            extra = f" (+{r['prepare_ms']:.0f} ms data prep)" if r.get("prepare_ms") else ""
            print(f"  {impl:<20} {fmt(r.get('ms')):>8} ms [{r.get('timing', 'render')}]{extra}"
                  + (f"   {S} is {rt:.1f}x faster" if rt else ""))
        if S not in plots and a.strict:
            ok = False

    # ---------------------------------------------------------------- vector tiles
    ok = tiles_section(rows, S, summary, a.strict) and ok

    summary["ok"] = ok
    print(json.dumps(summary))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
