"""Whole-process benchmark of a live sync: `seshis --all --json` against the fake PowerFlex API.

Run: .venv/bin/python bench/bench_sync.py [--sessions 100000] [--page-size 100]
     [--concurrency 1 4] [--latency MS]
Issue 12's case: --page-size 500 --concurrency 16 --latency 50 (a server 50 ms away).
The fake server (tests/fakeapi.py) runs in this process on 127.0.0.1; its rows come at
--per-day sessions a day (default 100, a busy 40-station site), ending just before now. Each
fetch starts from an empty store; the incremental runs reuse the store of the concurrency-4
fetch. With --per-day 1440 the overlap day holds 15 pages of 100, so that run takes 15 requests.
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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakeapi import TOKEN, FakeApi, powerflex_rows, start_server  # noqa: E402
from werkzeug import Request, Response  # noqa: E402

SESHIS = Path(sys.executable).parent / "seshis"


@dataclass
class TimedApi(FakeApi):
    """The fake API, adding up the seconds its handlers take (the server's own cost). With
    `cached`, a window's sorted rows are kept between pages, so a page is a slice and not a
    filter and sort of every row (~15 ms at 100,000 rows, which would dominate the figures)."""

    cached: bool = True
    busy: float = 0.0
    selections: dict[tuple[str, ...], list[dict]] = field(default_factory=dict)

    def powerflex(self, request: Request) -> Response:
        t0 = time.perf_counter()
        try:
            return super().powerflex(request)
        finally:
            with self.lock:
                self.busy += time.perf_counter() - t0

    def _powerflex(self, request: Request) -> Response:
        if not self.cached:
            return super()._powerflex(request)
        page, size = int(request.args.get("page", 1)), int(request.args.get("limit", 25))
        denied = self._gate(request, page, basic=False)
        if denied:
            return denied
        key = tuple(request.args.getlist("date"))
        with self.lock:
            if key not in self.selections:
                bounds = dict(d.split(":", 1) for d in key)
                lo, hi = int(bounds.get("gte", 0)), int(bounds.get("lte", 2**62))
                self.selections[key] = sorted(
                    (r for r in self.rows if lo <= r["session_start_time"] <= hi),
                    key=lambda r: r["session_start_time"],
                    reverse=True,
                )
            selected = self.selections[key]
        doc = {"rows": self._page(selected, size, page), "page": page, "limit": size}
        return self._body(doc | {"total_count": len(selected)}, page)


def run(api: TimedApi, url: str, store: Path, lo: date, hi: date, size: int, conc: int) -> dict:
    """One `seshis` process over [lo, hi]: wall seconds, the fake's requests and busy seconds,
    and the JSON it printed."""
    cmd = [str(SESHIS), "--all", "--json", "--no-input", "--api-url", url, "--store", str(store)]
    cmd += ["--range", "custom", "--start", lo.isoformat(), "--end", hi.isoformat(), "--tz", "UTC"]
    cmd += ["--page-size", str(size), "--concurrency", str(conc)]
    home = store.parent / "home"  # no user config or cache
    env = os.environ | {"SESHIS_TOKEN": TOKEN, "XDG_CONFIG_HOME": str(home / "config")}
    env["XDG_CACHE_HOME"] = str(home / "cache")
    before, busy = len(api.requests), api.busy
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"FAILED ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    doc = json.loads(proc.stdout)
    return {"wall": wall, "server": len(api.requests) - before, "busy": api.busy - busy, "doc": doc}


def loading_rate(rows: list[dict], size: int) -> tuple[float, int]:
    """Seconds to load the rows, as pages of `size` the way the fake serves them, into a new
    on-disk store through the sync's own loading (WindowSync.prepare/flush): no network."""
    from seshis.sources.powerflex import PowerFlexApi
    from seshis.sources.remote import BATCH_PAGES, WindowSync
    from seshis.syncs import LiveStore, SyncStatus

    pages = [
        json.dumps({"rows": rows[i : i + size], "total_count": len(rows)})
        for i in range(0, len(rows), size)
    ]
    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        store = LiveStore.open(Path(tmp) / "store.duckdb")
        api = PowerFlexApi("https://api.powerflex.io", "0021", "16")
        now = datetime.now(UTC)
        sync = WindowSync(
            store, api, None, now, now, size, 1, SyncStatus("", api.key, offline=False), None, now
        )
        sync.prepare()
        sync.path = "$.rows[*]"
        t0 = time.perf_counter()
        for page in pages:
            sync.bodies.append(page)
            if len(sync.bodies) >= BATCH_PAGES:
                sync.flush()
        sync.flush()
        store.close()
        seconds = time.perf_counter() - t0
        store = LiveStore.open(Path(tmp) / "store.duckdb")
        stored = int(store.value("SELECT count(*) FROM stored_sessions"))
        store.close()
    return seconds, stored


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--plain-fake", action="store_true", help="no cache in the fake API")
    parser.add_argument("--per-day", type=int, default=100, help="sessions a day at the site")
    parser.add_argument("--latency", type=float, default=0.0, help="ms the fake waits per page")
    ns = parser.parse_args()
    n, size = ns.sessions, ns.page_size
    step_s = 86400 // ns.per_day
    now = datetime.now(UTC).replace(microsecond=0)
    first = now - timedelta(seconds=n * step_s)
    rows = powerflex_rows(n, start=first, step_s=step_s)
    lo, today = first.date(), now.date()
    # a window whose end (midnight after past_end) is over a day before now: past the overlap
    past_end = today - timedelta(days=2)
    cutoff = datetime.combine(past_end + timedelta(days=1), datetime.min.time(), UTC)
    past_n = sum(r["session_start_time"] < cutoff.timestamp() * 1000 for r in rows)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    api = TimedApi(rows=rows, cached=not ns.plain_fake, every_page_delay=ns.latency / 1000)
    server = start_server()
    api.install(server)
    url = server.url_for("/").rstrip("/")
    print(f"{os.cpu_count()} CPUs; {n:,} sessions, {ns.per_day}/day, {first:%Y-%m-%d %H:%M} UTC to")
    print(f"now; page size {size}; window {lo} to {today} (--tz UTC) unless said otherwise;")
    print("fake s: seconds the fake API's handlers took; req: requests it received")
    print(f"{'case':<36}{'wall s':>7}{'fake s':>7}{'req':>5}{'sync.req':>9}{'sess/s':>8}  target")
    missed = 0

    def case(name: str, store: Path, hi: date, conc: int, sessions: int, fetch: bool) -> None:
        nonlocal missed
        r = run(api, url, store, lo, hi, size, conc)
        got = r["doc"]["totals"]["sessions"]
        if got != sessions:
            sys.exit(f"FAILED: {name}: totals.sessions is {got}, expected {sessions}")
        ok = None if fetch else r["server"] <= 2 and r["wall"] < 1.0
        missed += ok is False
        req = r["doc"].get("sync", {}).get("requests", "-")
        rate = f"{sessions / r['wall']:>8,.0f}" if fetch else f"{'':>8}"
        goal = "none" if fetch else f"<= 2 req, < 1 s {'ok' if ok else 'MISSED'}"
        text = f"{name:<36}{r['wall']:>7.2f}{r['busy']:>7.2f}{r['server']:>5}{req!s:>9}{rate}"
        print(f"{text}  {goal}")

    try:
        with tempfile.TemporaryDirectory(prefix="bench_sync_") as tmp:
            for conc in ns.concurrency:
                store = Path(tmp) / f"c{conc}" / "store.duckdb"
                store.parent.mkdir()
                case(f"fetch, empty store, concurrency {conc}", store, today, conc, n, True)
            conc = ns.concurrency[-1]
            case("2nd run, same window (ends today)", store, today, conc, n, False)
            case(f"2nd run, window ending {past_end}", store, past_end, conc, past_n, False)
    finally:
        server.clear()
        server.stop()
    seconds, stored = loading_rate(rows, size)
    rate = stored / seconds
    missed += rate < 60000
    print(
        f"{'loading pages into the store only':<36}{seconds:>7.2f}{'':>7}{'':>5}{'':>9}"
        f"{rate:>8,.0f}  >= 60,000 sess/s {'ok' if rate >= 60000 else 'MISSED'}"
    )
    if stored != n:
        sys.exit(f"FAILED: loading stored {stored} sessions, expected {n}")
    print(f"The 2nd runs reuse the concurrency-{conc} store. The window ending today refetches")
    print(f"from a day (--overlap) before the last sync to the window's end: ~{ns.per_day:,}")
    print(f"sessions. The window ending {past_end} ({past_n:,} sessions) lies wholly inside the")
    print("synced part beyond the overlap: a past window synced before, as in the target.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
