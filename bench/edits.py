#!/usr/bin/env python3
"""Durable writes to the sites over HTTP, against a running compute-atlas started with
--store and --tokens (standard library only; loopback only).

    bench/edits.py --base http://127.0.0.1:8080 --token TOKEN [--seconds 20]

Prints JSON lines:
- `writes`: 4 writers PATCH their own site's notes (If-Match from a GET) for SECONDS:
  acknowledged writes/s and the latency of a PATCH (median, p99). Each 200 comes after the
  change is committed (SQLite WAL, synchronous=FULL) and the new snapshot is installed.
- `visible`: time from a PATCH's 200 until a read of the item, the county's figures and a
  vector tile of the site reflect the data version the write made (median of 20).
- `reads_under_writes`: p50/p99 of item reads while 8 writers (each PATCHing its own site,
  6.25 writes/s each) aim at 50 writes/s together.
The peer is the full rebuild a write cost before (`cargo bench --bench atlas` prints both).
"""
import argparse
import json
import statistics
import threading
import time
import urllib.error
import urllib.request

SITES = ["xj-nyocor-changji", "qh-xining-unicom-sanjiangyuan", "xj-yiwu-acc", "gs-qingyang-cmcc"]
# The paced writers of `reads_under_writes`: eight editors at 6.25 writes/s each.
PACED = SITES + ["xj-karamay-tanhe", "qh-golmud-chaidamu", "xj-urumqi-ceec", "xj-toli-green-carbon"]


def req(method, url, body=None, headers=None):
    r = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(r, timeout=60) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def patch(base, token, site, note):
    url = f"{base}/collections/sites/items/{site}"
    _, h, _ = req("GET", url)
    t = time.perf_counter()
    status, h2, body = req(
        "PATCH",
        url,
        json.dumps({"properties": {"notes": note}}).encode(),
        {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/merge-patch+json",
            "If-Match": h["ETag"],
        },
    )
    return status, time.perf_counter() - t, h2


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]


def writers(base, token, seconds):
    lat, acked, other = [], [0], [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(site):
        k = 0
        while time.perf_counter() < stop:
            k += 1
            status, dt, _ = patch(base, token, site, f"bench write {k}")
            with lock:
                if status == 200:
                    acked[0] += 1
                    lat.append(dt)
                else:
                    other[0] += 1

    t = time.perf_counter()
    ts = [threading.Thread(target=run, args=(s,)) for s in SITES]
    for x in ts:
        x.start()
    for x in ts:
        x.join()
    elapsed = time.perf_counter() - t
    print(json.dumps({"bench": "writes", "writers": len(SITES), "seconds": round(elapsed, 1),
                      "acknowledged": acked[0], "not_200": other[0],
                      "writes_per_s": round(acked[0] / elapsed, 1),
                      "patch_p50_ms": round(statistics.median(lat) * 1e3, 1),
                      "patch_p99_ms": round(pct(lat, 0.99) * 1e3, 1)}))


def visible(base, token):
    site = SITES[0]
    _, _, body = req("GET", f"{base}/collections/sites/items/{site}?f=json")
    adcode = json.loads(body)["properties"]["county_adcode"]
    waits = []
    urls = [f"{base}/collections/sites/items/{site}",
            f"{base}/collections/counties/items/{adcode}",
            f"{base}/collections/sites/tiles/WebMercatorQuad/5/11/23"]
    for k in range(20):
        before = req("GET", urls[0])[1].get("Data-Version")
        status, _, _ = patch(base, token, site, f"visibility {k} {time.time()}")
        assert status == 200, status
        t = time.perf_counter()
        while True:
            seen = [req("GET", u)[1].get("Data-Version") for u in urls]
            if len(set(seen)) == 1 and seen[0] != before:
                break
            if time.perf_counter() - t > 10:
                raise SystemExit(f"not visible after 10 s: {seen}, before {before}")
        waits.append(time.perf_counter() - t)
    print(json.dumps({"bench": "visible", "median_ms": round(statistics.median(waits) * 1e3, 2),
                      "max_ms": round(max(waits) * 1e3, 2),
                      "note": "three reads after the 200, each already of the new data version"}))


def reads_under_writes(base, token, seconds):
    """Item reads while 8 writers aim at 50 writes/s together (6.25/s each: a writer waits for
    its 200 before the next write, so fewer writers could not reach 50/s at a PATCH's latency
    of 60-100 ms)."""
    stop = time.perf_counter() + seconds
    writes = [0]
    lock = threading.Lock()

    def writer(site):
        k = 0
        while time.perf_counter() < stop:
            t = time.perf_counter()
            k += 1
            if patch(base, token, site, f"paced write {k}")[0] == 200:
                with lock:
                    writes[0] += 1
            time.sleep(max(0.0, len(PACED) / 50 - (time.perf_counter() - t)))

    ws = [threading.Thread(target=writer, args=(s,)) for s in PACED]
    for w in ws:
        w.start()
    lat = []
    while time.perf_counter() < stop:
        t = time.perf_counter()
        req("GET", f"{base}/collections/sites/items?limit=20")
        lat.append(time.perf_counter() - t)
    for w in ws:
        w.join()
    print(json.dumps({"bench": "reads_under_writes", "writers": len(PACED),
                      "writes_per_s": round(writes[0] / seconds, 1),
                      "aimed_writes_per_s": 50,
                      "reads": len(lat), "read_p50_ms": round(statistics.median(lat) * 1e3, 2),
                      "read_p99_ms": round(pct(lat, 0.99) * 1e3, 2)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8080")
    ap.add_argument("--token", required=True)
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    writers(a.base, a.token, a.seconds)
    visible(a.base, a.token)
    reads_under_writes(a.base, a.token, a.seconds)


if __name__ == "__main__":
    main()
