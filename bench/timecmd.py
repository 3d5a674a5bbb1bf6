#!/usr/bin/env python3
"""Run a command a few times and turn it into one benchmark JSON line (used for compute-atlas).

    python3 bench/timecmd.py --kind join --impl compute-atlas [--n 1000000] [--counts-path F] \
        [--runs 3] [--warmup 0] [--timeout 600] -- CMD ARGS...

If the command's stdout (last run) has JSON lines with the same "kind", they are passed through
(with "impl", "counts_path" and "n" filled in when missing) -- that is how compute-atlas should
report its own, in-process timing.  Otherwise one line is made from the wall-clock time of the
whole process (median of --runs after --warmup), marked "timing": "process_wall":
    join: seconds, points_per_s (= n / seconds);  plot: ms.
The command's stderr and non-JSON stdout go to stderr.  Standard library only.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", required=True, choices=["join", "plot"])
    ap.add_argument("--impl", required=True)
    ap.add_argument("--n", type=int)
    ap.add_argument("--counts-path")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")
    times, out = [], ""
    for i in range(a.warmup + max(1, a.runs)):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
        dt = time.perf_counter() - t0
        sys.stderr.write(r.stderr)
        if r.returncode != 0:
            print(f"[timecmd] {' '.join(cmd)} failed with exit {r.returncode}", file=sys.stderr)
            print(json.dumps({"kind": a.kind, "impl": a.impl, "error": f"exit {r.returncode}"}))
            return 1
        if i >= a.warmup:
            times.append(dt)
        out = r.stdout
    passed = []
    for line in out.splitlines():
        s = line.strip()
        obj = None
        if s.startswith("{"):
            try:
                obj = json.loads(s)
            except json.JSONDecodeError:
                obj = None
        if isinstance(obj, dict) and obj.get("kind") == a.kind:
            obj.setdefault("impl", a.impl)
            if a.counts_path:
                obj.setdefault("counts_path", a.counts_path)
            if a.n:
                obj.setdefault("n", a.n)
            obj.setdefault("timing", "self_reported")
            passed.append(obj)
        else:
            print(line, file=sys.stderr)
    med = statistics.median(times)
    if passed:
        for obj in passed:
            obj["process_wall_s"] = med
            print(json.dumps(obj))
        return 0
    res = {"kind": a.kind, "impl": a.impl, "timing": "process_wall", "runs": len(times),
           "seconds_all": times, "cmd": cmd}
    if a.kind == "join":
        res.update(seconds=med, n=a.n, points_per_s=(a.n / med) if a.n else None)
        if a.counts_path:
            res["counts_path"] = a.counts_path
    else:
        res.update(ms=med * 1000, ms_all=[t * 1000 for t in times])
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
