#!/usr/bin/env python3
"""Parse `wrk --latency` output (stdin) into one JSON line.

    wrk --latency ... URL | python bench/wrk_parse.py --server NAME --endpoint KEY --url URL [--status 200 --bytes 1234]
"""
import argparse
import json
import re
import sys

UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(s):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", s.strip())
    return float(m.group(1)) * UNIT[m.group(2)] if m else None


def parse(text):
    out = {}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s*{pct}(?:\.0+)?%\s+(\S+)", text, re.M)
        out[f"p{pct}_ms"] = to_ms(m.group(1)) if m else None
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["rps"] = float(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+),", text)
    if m:
        out["requests"] = int(m.group(1))
        out["duration_s"] = to_ms(m.group(2) + m.group(3)) / 1000.0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    out["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["socket_errors"] = sum(int(m.group(i)) for i in (1, 2, 3)) if m else 0
    out["timeouts"] = int(m.group(4)) if m else 0
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--status", type=int)
    ap.add_argument("--bytes", type=int)
    ap.add_argument("--content-type", default=None)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--connections", type=int)
    a = ap.parse_args()
    text = sys.stdin.read()
    res = {"kind": "http", "server": a.server, "endpoint": a.endpoint, "url": a.url,
           "status": a.status, "bytes": a.bytes, "content_type": a.content_type, "threads": a.threads, "connections": a.connections}
    res.update(parse(text))
    print(json.dumps(res))
    p = lambda v: "n/a" if v is None else f"{v:.2f}"
    print(f"[{a.server}] {a.endpoint:<16} {p(res['rps']):>10} req/s  p50 {p(res['p50_ms'])} ms  "
          f"p99 {p(res['p99_ms'])} ms  (status {a.status}, {a.bytes} B, timeouts {res['timeouts']}, "
          f"non-2xx {res['non_2xx']})", file=sys.stderr)


if __name__ == "__main__":
    main()
