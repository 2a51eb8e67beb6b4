"""Whole-process benchmark of a live sync: `seshis --all --json` against the fake PowerFlex API.

Run: .venv/bin/python bench/bench_sync.py [--sessions 100000] [--page-size 100]
The fake server (tests/fakeapi.py) runs in this process on 127.0.0.1; its rows are one session
a minute, ending just before now. Each fetch starts from an empty store; the incremental runs
reuse the store of the concurrency-4 fetch.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakeapi import TOKEN, FakeApi, powerflex_rows, start_server  # noqa: E402
from werkzeug import Request, Response  # noqa: E402

SESHIS = Path(sys.executable).parent / "seshis"
STEP_S = 60


class TimedApi(FakeApi):
    """The fake API, adding up the seconds its handlers take (the server's own cost)."""

    busy: float = 0.0

    def powerflex(self, request: Request) -> Response:
        t0 = time.perf_counter()
        try:
            return super().powerflex(request)
        finally:
            with self.lock:
                self.busy += time.perf_counter() - t0


def run(api: TimedApi, url: str, store: Path, lo: date, hi: date, size: int, conc: int) -> dict:
    """One `seshis` process over [lo, hi]: wall seconds, requests the server saw, its JSON."""
    cmd = [str(SESHIS), "--all", "--json", "--no-input", "--api-url", url, "--store", str(store)]
    cmd += ["--range", "custom", "--start", lo.isoformat(), "--end", hi.isoformat(), "--tz", "UTC"]
    cmd += ["--page-size", str(size), "--concurrency", str(conc)]
    home = store.parent / "home"
    env = os.environ | {
        "SESHIS_TOKEN": TOKEN,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    before, busy = len(api.requests), api.busy
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"FAILED ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    doc = json.loads(proc.stdout)
    return {"wall": wall, "server": len(api.requests) - before, "busy": api.busy - busy, "doc": doc}


def check(r: dict, sessions: int, what: str) -> None:
    got = r["doc"]["totals"]["sessions"]
    if got != sessions:
        sys.exit(f"FAILED: {what}: totals.sessions is {got}, expected {sessions}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    ns = parser.parse_args()
    n, size = ns.sessions, ns.page_size
    now = datetime.now(UTC).replace(microsecond=0)
    first = now - timedelta(seconds=n * STEP_S)
    rows = powerflex_rows(n, start=first, step_s=STEP_S)
    lo, today = first.date(), now.date()
    past_end = today - timedelta(days=2)  # a window ending 2 days ago lies wholly before the
    cutoff = datetime.combine(past_end + timedelta(days=1), datetime.min.time(), UTC)  # overlap
    past_n = sum(r["session_start_time"] < cutoff.timestamp() * 1000 for r in rows)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    api = TimedApi(rows=rows)
    server = start_server()
    api.install(server)
    url = server.url_for("/").rstrip("/")
    print(f"{os.cpu_count()} CPUs; {n:,} sessions, one a minute, {first:%Y-%m-%d %H:%M} to now")
    print(f"(UTC); page size {size}; window {lo} to {today} unless said otherwise")
    head = f"{'case':<36}{'wall s':>7}{'fake s':>7}{'req':>5}{'sync.req':>9}{'sess/s':>8}  target"
    print(head)
    missed = 0

    def line(name: str, r: dict, rate: float | None, goal: str, ok: bool | None) -> None:
        nonlocal missed
        missed += ok is False
        verdict = "" if ok is None else " ok" if ok else " MISSED"
        req = r["doc"].get("sync", {}).get("requests", "-")
        sps = f"{rate:>8,.0f}" if rate is not None else f"{'':>8}"
        text = f"{name:<36}{r['wall']:>7.2f}{r['busy']:>7.2f}{r['server']:>5}{req!s:>9}{sps}"
        text += f"  {goal}{verdict}"
        print(text.rstrip())

    try:
        with tempfile.TemporaryDirectory(prefix="bench_sync_") as tmp:
            last: Path | None = None
            for conc in ns.concurrency:
                store = Path(tmp) / f"c{conc}" / "store.duckdb"
                store.parent.mkdir()
                r = run(api, url, store, lo, today, size, conc)
                check(r, n, f"concurrency {conc}")
                line(f"fetch, empty store, concurrency {conc}", r, n / r["wall"], "", None)
                last = store
            assert last is not None
            conc = ns.concurrency[-1]
            r = run(api, url, last, lo, today, size, conc)
            check(r, n, "incremental")
            ok = r["server"] <= 2 and r["wall"] < 1.0
            line("2nd run, same window (ends today)", r, None, "<= 2 req, < 1 s", ok)
            r = run(api, url, last, lo, past_end, size, conc)
            check(r, past_n, "past window")
            ok = r["server"] <= 2 and r["wall"] < 1.0
            line(f"2nd run, window ending {past_end}", r, None, "<= 2 req, < 1 s", ok)
    finally:
        server.clear()
        server.stop()
    print("The window ending today refetches the last day (the default --overlap 1) plus today,")
    print(f"so ~{86400 // STEP_S:,} sessions there; the window ending {past_end} holds {past_n:,}")
    print("sessions, all covered by the fetch above beyond the overlap, so it needs no request.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
