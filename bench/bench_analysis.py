"""Whole-process benchmark of `seshis --all --json` on synthetic Parquet, and of `seshis --help`.

Run: .venv/bin/python bench/bench_analysis.py [--sizes 1000000 10000000] [--repeat 3]
The Parquet files are cached in bench/out/ and reused while their row count matches.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
SESHIS = Path(sys.executable).parent / "seshis"
SPAN_S = 2 * 365 * 86400  # starts spread over two years

# One row per session, from hash(i, salt) so the data is the same on every run.
GENERATE = """
WITH r AS (
    SELECT i,
        (hash(i, 'u') % 1000000) / 1e6 AS u_user,
        (hash(i, 'k') % 1000000) / 1e6 AS u_kind,
        (hash(i, 'e') % 1000000) / 1e6 AS u_kwh,
        TIMESTAMPTZ '2023-01-01 08:00:00+00'
            + to_seconds(i * {span} // {n} + hash(i, 's') % 3600) AS start,
        to_seconds(600 + hash(i, 'd') % 43200) AS duration
    FROM range({n}) t(i)
)
SELECT 'S' || lpad(i::VARCHAR, 10, '0') AS session_id,
    'bench' AS site, '0099' AS acn, 'A-1' AS account,
    'ST-' || (hash(i, 'st') % 400)::VARCHAR AS station_id,
    'P' || (hash(i, 'st') % 400)::VARCHAR AS space,
    CASE WHEN u_user < 0.15 THEN NULL
        ELSE 'user' || (hash(i, 'who') % 5000)::VARCHAR || '@example.com' END AS user_id,
    start, start + duration AS "end",
    CASE WHEN u_kind < 0.8 THEN start + duration * u_kwh END AS done_charging,
    CASE WHEN u_kind < 0.10 THEN 0.0
        WHEN u_kind < 0.15 THEN 0.01 + 0.98 * u_kwh
        ELSE round(1 + 59 * u_kwh, 3) END AS kwh,
    'America/Los_Angeles' AS timezone
FROM r
"""


def parquet_file(n: int) -> Path:
    """The cached Parquet file of `n` sessions, made in a child process so this one stays small
    (a child inherits its parent's peak RSS at fork, which would hide the figure measured)."""
    subprocess.run([sys.executable, __file__, "--make", str(n)], check=True)
    return OUT / f"sessions_{n}.parquet"


def make_parquet(n: int) -> None:
    """Write bench/out/sessions_N.parquet unless it exists with `n` rows."""
    cached_parquet(OUT / f"sessions_{n}.parquet", n, GENERATE.format(n=n, span=SPAN_S))


def cached_parquet(path: Path, n: int, sql: str) -> None:
    """Write the rows of `sql` to `path` as Parquet unless it holds `n` rows already."""
    import duckdb

    con = duckdb.connect()
    try:
        if path.exists():
            rows = con.execute(
                "SELECT sum(num_rows) FROM parquet_file_metadata(?)", [str(path)]
            ).fetchone()
            if rows and rows[0] == n:
                return
        OUT.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        t0 = time.perf_counter()
        con.execute(f"COPY ({sql}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
        tmp.replace(path)
        print(f"wrote {path} ({n:,} rows) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    finally:
        con.close()


def run_once(args: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in bytes (of this child alone, via wait4) and stdout of one run."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"FAILED ({proc.returncode}): {' '.join(args)}\n{err.read().decode()}")
        out.seek(0)
        return wall, usage.ru_maxrss * 1024, out.read().decode()


def measure(args: list[str], repeat: int, sessions: int | None = None) -> dict[str, float]:
    """Best and median wall time and the largest peak RSS over `repeat` runs."""
    walls, peaks = [], []
    for _ in range(repeat):
        wall, peak, stdout = run_once(args)
        if sessions is not None:
            got = json.loads(stdout)["totals"]["sessions"]
            if got != sessions:
                sys.exit(f"FAILED: totals.sessions is {got}, expected {sessions}: {args}")
        walls.append(wall)
        peaks.append(peak)
    return {"best": min(walls), "median": statistics.median(walls), "peak": max(peaks)}


def targets(n: int | None) -> tuple[float | None, float | None]:
    """(seconds, peak bytes) targets of a case; None where there is none."""
    if n is None:
        return 0.3, None
    return {1_000_000: (1.0, None), 10_000_000: (4.0, 1.5e9)}.get(n, (None, None))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--make", type=int, help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.make:
        make_parquet(ns.make)
        return 0
    cases: list[tuple[str, int | None, list[str]]] = [("--help", None, [str(SESHIS), "--help"])]
    for n in ns.sizes:
        cmd = [str(SESHIS), "--all", "--json", "--no-input", "--source", str(parquet_file(n))]
        cases.append((f"--all --json {n:,}", n, cmd))
    print(f"{os.cpu_count()} CPUs, {ns.repeat} runs each; peak MB is the child's max RSS")
    print(f"{'case':<24}{'best s':>8}{'median s':>10}{'peak MB':>9}  target (median)")
    missed = 0
    for name, n, cmd in cases:
        r = measure(cmd, ns.repeat, n)
        secs, mem = targets(n)
        checks = [(f"< {secs:g} s", r["median"] < secs)] if secs else []
        checks += [(f"< {mem / 1e9:g} GB", r["peak"] < mem)] if mem else []
        ok = all(passed for _, passed in checks)
        missed += not ok
        goal = ", ".join(text for text, _ in checks) or "none"
        verdict = ("ok" if ok else "MISSED") if checks else ""
        line = f"{name:<24}{r['best']:>8.3f}{r['median']:>10.3f}{r['peak'] / 1e6:>9.0f}  {goal:<18}"
        print((line + verdict).rstrip())
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
