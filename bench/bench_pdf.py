"""Whole-process benchmark of `seshis --all --pdf` on 10,000 sessions (target: under 15 s).

Run: .venv/bin/python bench/bench_pdf.py [--sessions 10000] [--users 150 5000] [--repeat 3]
Each case writes a Parquet file of N sessions over 90 days with the given number of drivers
(150: a 40-station site's quarter; 5000: a stress case of nearly one driver per two sessions),
then times the whole process and reports the PDF's pages and size.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SESHIS = Path(sys.executable).parent / "seshis"

GENERATE = """
COPY (
    SELECT 'S' || lpad(i::VARCHAR, 8, '0') AS session_id, 'Bench Garage' AS site,
        'ST-' || (i % 40)::VARCHAR AS station_id,
        CASE WHEN hash(i, 'c') % 100 < 12 THEN NULL
            ELSE 'driver' || (hash(i, 'u') % {users})::VARCHAR || '@example.com' END AS user_id,
        TIMESTAMPTZ '2026-08-01 14:00:00+00' + to_seconds(i * 777600 // {n}) AS start,
        start + to_seconds(600 + hash(i, 'd') % 30000) AS "end",
        CASE WHEN hash(i, 'k') % 100 < 10 THEN 0.0
            WHEN hash(i, 'k') % 100 < 16 THEN (hash(i, 'm') % 90 + 5) / 100.0
            ELSE (hash(i, 'e') % 5000) / 100.0 + 1 END AS kwh,
        'America/Los_Angeles' AS timezone
    FROM range({n}) t(i)
) TO '{path}' (FORMAT parquet)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--users", type=int, nargs="+", default=[150, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    ns = parser.parse_args()
    import duckdb

    print(f"{'case':<34}{'best s':>8}{'median s':>10}{'pages':>7}{'MB':>7}  target")
    missed = 0
    with tempfile.TemporaryDirectory(prefix="bench_pdf_") as tmp:
        for users in ns.users:
            data = Path(tmp) / f"s{users}.parquet"
            duckdb.connect().execute(GENERATE.format(n=ns.sessions, users=users, path=data))
            times = []
            out = Path(tmp) / f"r{users}.pdf"
            for _ in range(ns.repeat):
                start = time.perf_counter()
                subprocess.run(
                    [SESHIS, "--all", "--pdf", "--no-input", "--source", data, "--output", out],
                    check=True,
                    capture_output=True,
                )
                times.append(time.perf_counter() - start)
            pages = _pages(out)
            median = statistics.median(times)
            ok = median < 15
            missed += not ok
            name = f"{ns.sessions:,} sessions, {users:,} drivers"
            print(
                f"{name:<34}{min(times):>8.2f}{median:>10.2f}{pages:>7}"
                f"{out.stat().st_size / 1e6:>7.1f}  < 15 s {'ok' if ok else 'MISSED'}"
            )
    return 1 if missed else 0


def _pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


if __name__ == "__main__":
    sys.exit(main())
