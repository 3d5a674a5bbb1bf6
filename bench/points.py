#!/usr/bin/env python3
"""Generate N uniformly random points in the bench box (73..127 E, 20..54 N).

    python bench/points.py -n 1000000 [--seed 20240601] [-o bench/out/points_1000000.bin] [--csv]

File format of points_N.bin (read by the Rust side as well):
    a flat array of 2*N IEEE-754 float64 values, little-endian, no header:
        lon_0, lat_0, lon_1, lat_1, ..., lon_{N-1}, lat_{N-1}
    i.e. 16 bytes per point; N = file_size / 16.  Point i has id i (0-based).
    Coordinates are WGS84 degrees, lon uniform in [73, 127), lat uniform in [20, 54).

The generator is a self-contained SplitMix64 (no numpy dependency), so the same seed gives
the same points on any machine:
    state += 0x9E3779B97F4A7C15; z = state
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB
    z ^= z >> 31;  u = (z >> 11) * 2**-53      (uniform in [0, 1))
    lon = 73 + 54 * u_(2i), lat = 20 + 34 * u_(2i+1)
(It is implemented with numpy vectorised uint64 arithmetic when numpy is available.)

With --csv a CSV `id,lon,lat` is written next to the .bin (for PostGIS COPY / inspection).
Prints one JSON line: {"kind":"points", "n":..., "seed":..., "path":..., "sha256":...}.
"""
import argparse
import hashlib
import json
import os
import struct
import sys

LON0, LON1 = 73.0, 127.0
LAT0, LAT1 = 20.0, 54.0
GOLDEN = 0x9E3779B97F4A7C15
M1 = 0xBF58476D1CE4E5B9
M2 = 0x94D049BB133111EB
MASK = (1 << 64) - 1


def splitmix_uniform_numpy(seed, count):
    import numpy as np

    with np.errstate(over="ignore"):
        idx = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(seed & MASK) + idx * np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(M1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(M2)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)


def splitmix_uniform_py(seed, count):
    state = seed & MASK
    out = []
    for _ in range(count):
        state = (state + GOLDEN) & MASK
        z = state
        z = ((z ^ (z >> 30)) * M1) & MASK
        z = ((z ^ (z >> 27)) * M2) & MASK
        z ^= z >> 31
        out.append((z >> 11) * 2.0 ** -53)
    return out


def generate(n, seed):
    """Return interleaved lon,lat values (numpy array if available, else list)."""
    try:
        import numpy as np

        u = splitmix_uniform_numpy(seed, 2 * n)
        out = np.empty(2 * n, dtype="<f8")
        out[0::2] = LON0 + (LON1 - LON0) * u[0::2]
        out[1::2] = LAT0 + (LAT1 - LAT0) * u[1::2]
        return out
    except ImportError:
        u = splitmix_uniform_py(seed, 2 * n)
        return [LON0 + (LON1 - LON0) * u[i] if i % 2 == 0 else LAT0 + (LAT1 - LAT0) * u[i]
                for i in range(2 * n)]


def read_points(path):
    """Read a points_N.bin file; returns (lon, lat) numpy arrays."""
    import numpy as np

    size = os.path.getsize(path)
    if size % 16:
        raise ValueError(f"{path}: size {size} is not a multiple of 16")
    a = np.fromfile(path, dtype="<f8")
    return a[0::2].copy(), a[1::2].copy()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--count", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("-o", "--out", default=None, help="default bench/out/points_N.bin")
    ap.add_argument("--csv", action="store_true", help="also write id,lon,lat CSV next to it")
    args = ap.parse_args(argv)

    out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "out",
                                   f"points_{args.count}.bin")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    vals = generate(args.count, args.seed)
    if hasattr(vals, "tofile"):
        vals.astype("<f8").tofile(out)
    else:
        with open(out, "wb") as f:
            f.write(struct.pack(f"<{len(vals)}d", *vals))
    h = hashlib.sha256(open(out, "rb").read()).hexdigest()
    if args.csv:
        csv_path = os.path.splitext(out)[0] + ".csv"
        with open(csv_path, "w") as f:
            f.write("id,lon,lat\n")
            for i in range(args.count):
                f.write(f"{i},{float(vals[2 * i])!r},{float(vals[2 * i + 1])!r}\n")
    print(f"wrote {args.count} points (seed {args.seed}) to {out}", file=sys.stderr)
    print(json.dumps({"kind": "points", "n": args.count, "seed": args.seed, "path": out, "sha256": h}))


if __name__ == "__main__":
    main()
