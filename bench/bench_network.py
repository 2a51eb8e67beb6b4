"""A network of sites against one site of the same size: `seshis --all --json` on 1,000 sites of
10,000 sessions each (10M, in two time zones, ten stations a site) and on the same sessions as
one site (the same 10,000 stations). Target: the network view costs at most 1.3x, under 1 GB.

Run: .venv/bin/python bench/bench_network.py [--sites 1000] [--per-site 10000] [--repeat 3]
The Parquet files are cached in bench/out/ while their row count matches.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from bench_analysis import OUT, SESHIS, cached_parquet, measure

GENERATE = """
WITH r AS (
    SELECT i, i % {sites} AS site_n, hash(i, 'st') % 10 AS station_n,
        (hash(i, 'u') % 1000000) / 1e6 AS u_user,
        (hash(i, 'k') % 1000000) / 1e6 AS u_kind,
        (hash(i, 'e') % 1000000) / 1e6 AS u_kwh,
        TIMESTAMPTZ '2023-01-01 08:00:00+00'
            + to_seconds(i * {span} // {n} + hash(i, 's') % 3600) AS start,
        to_seconds(600 + hash(i, 'd') % 43200) AS duration
    FROM range({n}) t(i)
)
SELECT 'S' || lpad(i::VARCHAR, 10, '0') AS session_id,
    {site} AS site, '0099' AS acn, 'A-1' AS account,
    {station} AS station_id, NULL AS space,
    CASE WHEN u_user < 0.15 THEN NULL
        ELSE 'user' || (hash(i, 'who') % 5000)::VARCHAR || '@example.com' END AS user_id,
    start, start + duration AS "end",
    CASE WHEN u_kind < 0.8 THEN start + duration * u_kwh END AS done_charging,
    CASE WHEN u_kind < 0.10 + 0.2 * (site_n % 97 = 0)::INT THEN 0.0
        WHEN u_kind < 0.15 + 0.2 * (site_n % 97 = 0)::INT THEN 0.01 + 0.98 * u_kwh
        ELSE round(1 + 59 * u_kwh, 3) END AS kwh,
    {zone} AS timezone
FROM r
"""
NETWORK = {
    "site": "'Site ' || lpad(site_n::VARCHAR, 4, '0')",
    "station": "'ST-' || station_n::VARCHAR",
    "zone": "CASE WHEN site_n % 2 = 0 THEN 'America/Los_Angeles' ELSE 'America/New_York' END",
}
ONE_SITE = {
    "site": "'bench'",
    "station": "'ST-' || (site_n * 10 + station_n)::VARCHAR",
    "zone": "'America/Los_Angeles'",
}


def parquet(kind: str, sites: int, n: int) -> Path:
    subprocess.run([sys.executable, __file__, "--make", kind, str(sites), str(n)], check=True)
    return OUT / f"{kind}_{sites}_{n}.parquet"


def make(kind: str, sites: int, n: int) -> None:
    shape = NETWORK if kind == "network" else ONE_SITE
    sql = GENERATE.format(n=n, sites=sites, span=2 * 365 * 86400, **shape)
    cached_parquet(OUT / f"{kind}_{sites}_{n}.parquet", n, sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--per-site", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--make", nargs=3, help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.make:
        make(ns.make[0], int(ns.make[1]), int(ns.make[2]))
        return 0
    n = ns.sites * ns.per_site
    print(f"{os.cpu_count()} CPUs, {ns.repeat} runs each; {n:,} sessions; peak MB: max RSS")
    print(f"{'case':<28}{'best s':>8}{'median s':>10}{'peak MB':>9}")
    results = {}
    for kind in ("one-site", "network"):
        path = parquet(kind, ns.sites, n)
        cmd = [str(SESHIS), "--all", "--json", "--no-input", "--source", str(path)]
        r = measure(cmd, ns.repeat, n)
        results[kind] = r
        label = f"{kind} ({ns.sites:,} sites)" if kind == "network" else kind
        print(f"{label:<28}{r['best']:>8.3f}{r['median']:>10.3f}{r['peak'] / 1e6:>9.0f}")
    ratio = results["network"]["median"] / results["one-site"]["median"]
    peak = results["network"]["peak"]
    ok = ratio <= 1.3 and peak < 1e9
    print(f"network / one site: {ratio:.2f}x (target <= 1.3x); peak {peak / 1e6:.0f} MB "
          f"(target < 1,000 MB): {'ok' if ok else 'MISSED'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
