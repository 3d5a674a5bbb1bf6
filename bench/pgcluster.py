#!/usr/bin/env python3
"""Throwaway PostgreSQL 15 + PostGIS cluster on 127.0.0.1 (used by postgis_join.py and tipg).

    python bench/pgcluster.py start [--dir DIR] [--port PORT]   # prints {"kind":"pgcluster",...}
    python bench/pgcluster.py stop --dir DIR                    # stops and removes DIR

The cluster lives in a temp directory, listens on 127.0.0.1 only (free port picked unless given),
uses trust authentication for the local superuser `postgres`, and is tuned for a throwaway
benchmark (fsync off, synchronous_commit off, jit off, shared_buffers 1 GB).  When run as root
the server runs as the `postgres` system user (initdb/postgres refuse to run as root).
"""
import argparse
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _as_pg_user(cmd):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


def start(datadir=None, port=None, log=print):
    datadir = datadir or tempfile.mkdtemp(prefix="atlas-pg-")
    os.makedirs(datadir, exist_ok=True)
    port = port or free_port()
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(datadir, pw.pw_uid, pw.pw_gid)
    os.chmod(datadir, 0o700)
    pgdata = os.path.join(datadir, "data")
    if not os.path.exists(os.path.join(pgdata, "PG_VERSION")):
        subprocess.run(_as_pg_user([f"{PGBIN}/initdb", "-D", pgdata, "-U", "postgres", "-A", "trust",
                                    "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL)
    opts = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={datadir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c jit=off "
            "-c shared_buffers=1GB -c work_mem=256MB -c maintenance_work_mem=512MB "
            "-c max_wal_size=4GB -c logging_collector=off")
    subprocess.run(_as_pg_user([f"{PGBIN}/pg_ctl", "-D", pgdata, "-l", os.path.join(datadir, "server.log"),
                                "-o", opts, "-w", "-t", "60", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    dsn = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    info = {"kind": "pgcluster", "dir": datadir, "port": port, "dsn": dsn}
    log(f"[pg] cluster up: {dsn} (dir {datadir})")
    return info


def stop(datadir, remove=True, log=print):
    pgdata = os.path.join(datadir, "data")
    if os.path.exists(os.path.join(pgdata, "postmaster.pid")):
        subprocess.run(_as_pg_user([f"{PGBIN}/pg_ctl", "-D", pgdata, "-m", "fast", "-w", "stop"]),
                       check=False, stdout=subprocess.DEVNULL)
    if remove and os.path.basename(datadir.rstrip("/")).startswith("atlas-pg-"):
        shutil.rmtree(datadir, ignore_errors=True)
    log(f"[pg] cluster stopped ({datadir})")


def psql(dsn, sql, quiet=True):
    """Run SQL through psql (used for setup steps); returns stdout."""
    r = subprocess.run(["psql", dsn, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", sql],
                       check=True, capture_output=True, text=True)
    return r.stdout


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["start", "stop"])
    ap.add_argument("--dir")
    ap.add_argument("--port", type=int)
    args = ap.parse_args(argv)
    err = lambda *a: print(*a, file=sys.stderr)
    if args.action == "start":
        print(json.dumps(start(args.dir, args.port, log=err)))
    else:
        if not args.dir:
            ap.error("stop needs --dir")
        stop(args.dir, log=err)


if __name__ == "__main__":
    main()
