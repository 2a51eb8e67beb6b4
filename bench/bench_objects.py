"""A partitioned lake in object storage: `seshis --all --json --range week` against the same
report over the whole lake, on a local S3 server (moto's server mode, on loopback).

The lake: bench_analysis.GENERATE's sessions (400 stations, 5,000 drivers), two years ending
now, as Parquet in daily hive partitions (`date=YYYY-MM-DD/`), written to bench/out/ (cached)
and uploaded to the bucket `fleet` under `sessions/`. The server counts every object GET and
the bytes of its body. Each report runs as its own process, its credentials and endpoint from
the environment, as a user's would; the figures: wall time, objects and bytes read.

Targets (issue 22): the week reads at most 5 % of the lake's bytes and is at least 10x faster
than the whole lake.

Run: .venv/bin/python bench/bench_objects.py [--rows 10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from bench_analysis import GENERATE, OUT, SESHIS, run_once

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from s3server import REGION, S3Server

DAYS = 730
LAKE = "s3://fleet/sessions/**/*.parquet"


def lake(n: int, first: datetime) -> Path:
    """The daily partitions of `n` sessions from `first` (cached per size and first day)."""
    folder = OUT / f"lake_{n}_{first:%Y%m%d}"
    if not folder.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        sql = GENERATE.format(n=n, span=DAYS * 86400).replace(
            "TIMESTAMPTZ '2023-01-01 08:00:00+00'", f"TIMESTAMPTZ '{first.isoformat()}'"
        )
        partial = folder.with_suffix(".partial")
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute(
            f"COPY (SELECT *, strftime(start, '%Y-%m-%d') AS date FROM ({sql}) ORDER BY start) "
            f"TO '{partial}' (FORMAT parquet, PARTITION_BY (date), OVERWRITE_OR_IGNORE)"
        )
        partial.rename(folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    t0 = time.perf_counter()
    folder = lake(args.rows, today - timedelta(days=DAYS - 1))
    files = sorted(folder.rglob("*.parquet"))
    size = sum(f.stat().st_size for f in files)
    print(
        f"lake: {args.rows:,} sessions, {len(files)} objects, {size / 1e6:.0f} MB "
        f"({time.perf_counter() - t0:.1f} s to make or find)"
    )
    server = S3Server().start()
    try:
        client = server.client()
        client.create_bucket(Bucket="fleet")
        t0 = time.perf_counter()
        for path in files:
            client.upload_file(str(path), "fleet", f"sessions/{path.relative_to(folder)}")
        print(f"uploaded to {server.endpoint} in {time.perf_counter() - t0:.1f} s")
        env = os.environ | {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench-secret",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": server.endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        figures = {}
        for name, extra in (("week", ["--range", "week"]), ("whole lake", [])):
            walls = []
            for _ in range(args.repeat):
                server.reset()
                command = [str(SESHIS), "--all", "--json", "--no-input", "--source", LAKE, *extra]
                wall, _peak, _out = _run(command, env)  # (peak RSS: inherited from here)
                walls.append(wall)
            objects = len(server.objects_read("/fleet/sessions/"))
            read = server.bytes_read("/fleet/sessions/")
            figures[name] = statistics.median(walls)
            print(
                f"{name:>10}: {statistics.median(walls):6.2f} s (best {min(walls):.2f}), "
                f"{objects} objects, {read / 1e6:.1f} MB read = {100 * read / size:.1f} % of "
                "the lake"
            )
        print(f"speed-up: {figures['whole lake'] / figures['week']:.1f}x")
        _reference(folder, server, env)
    finally:
        server.stop()


def _run(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    saved = os.environ.copy()
    os.environ.update(env)
    try:
        return run_once(command)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _reference(folder: Path, server: S3Server, env: dict[str, str]) -> None:
    """The transfer itself: DuckDB reading the lake's kWh through the same fsspec filesystem,
    against the same files on the local disk."""
    script = (
        "import duckdb, sys, time\n"
        "from seshis.sources.objects import Storage, s3_filesystem\n"
        "con = duckdb.connect(); con.execute('SET enable_progress_bar = false')\n"
        "con.register_filesystem(s3_filesystem(Storage()))\n"
        "t = time.perf_counter()\n"
        "sql = 'SELECT sum(kwh), count(DISTINCT station_id) FROM read_parquet(?, "
        "hive_partitioning=true)'\n"
        "con.execute(sql, [sys.argv[1]]).fetchall()\n"
        "print(f'{time.perf_counter() - t:.2f}')\n"
    )
    remote, local = (
        subprocess.run(
            [sys.executable, "-c", script, where], env=env, capture_output=True, text=True
        )
        for where in (LAKE, f"{folder}/**/*.parquet")
    )
    if remote.returncode or local.returncode:
        sys.exit(remote.stderr + local.stderr)
    remote, local = remote.stdout.strip(), local.stdout.strip()
    print(f"reading two columns of the whole lake: {remote} s from the server, {local} s local")


if __name__ == "__main__":
    main()
