"""The --html page at 10,000, 100,000 and 1,000,000 sessions: the time to write it, its size,
and the time headless chromium takes to load it until every table is drawn (the page's
data-ready marker); then the time to sort the sessions by kWh and to filter them by a word.

Run: .venv/bin/python bench/bench_html.py [--sessions 10000 100000 1000000]
Needs Debian's chromium (/usr/bin/chromium) and playwright (the test extras). Above
html.MAX_SESSIONS sessions the page lists the most recent ones, so its size stops growing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SESHIS = Path(sys.executable).parent / "seshis"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

GENERATE = """
COPY (
    SELECT 'S' || lpad(i::VARCHAR, 8, '0') AS session_id, 'Bench Garage' AS site,
        'ST-' || (i % 40)::VARCHAR AS station_id,
        CASE WHEN hash(i, 'c') % 100 < 12 THEN NULL
            ELSE 'driver' || (hash(i, 'u') % 2000)::VARCHAR || '@example.com' END AS user_id,
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
    parser.add_argument("--sessions", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ns = parser.parse_args()
    import duckdb
    from playwright.sync_api import sync_playwright

    print(
        f"{'sessions':>10}{'listed':>9}{'write s':>9}{'MB':>7}{'load s':>8}{'sort s':>8}"
        f"{'filter s':>9}"
    )
    with tempfile.TemporaryDirectory(prefix="bench_html_") as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for n in ns.sessions:
            data = Path(tmp) / f"s{n}.parquet"
            duckdb.connect().execute(GENERATE.format(n=n, path=data))
            out = Path(tmp) / f"r{n}.html"
            start = time.perf_counter()
            subprocess.run(
                [SESHIS, "--all", "--html", "--no-input", "--source", data, "--output", out],
                check=True,
                capture_output=True,
            )
            write = time.perf_counter() - start
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto(out.as_uri())
            page.wait_for_selector("html[data-ready]", state="attached", timeout=120_000)
            load = time.perf_counter() - start
            listed = page.evaluate(
                "JSON.parse(document.getElementById('seshis-data').textContent).sessions.shown"
            )
            first = page.inner_text("#sessions-table tbody tr")
            start = time.perf_counter()
            page.click("#sessions-table th:has-text('kWh')")
            page.wait_for_function(
                "t => document.querySelector('#sessions-table tbody tr').innerText !== t", arg=first
            )
            sort = time.perf_counter() - start
            start = time.perf_counter()
            page.fill("#sessions-table input", "driver17@")
            page.wait_for_function(
                "() => document.querySelector('#sessions-table .filter .muted').textContent !== ''",
                timeout=120_000,
            )
            filtered = time.perf_counter() - start - 0.25  # less the filter's typing pause
            page.close()
            size = out.stat().st_size / 1e6
            print(
                f"{n:>10,}{listed:>9,}{write:>9.2f}{size:>7.1f}{load:>8.2f}{sort:>8.2f}{filtered:>9.2f}"
            )
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
