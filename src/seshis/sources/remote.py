"""Pulling a window of sessions from a live API into the on-disk store, page by page.

A sync fetches only what the store lacks: the parts of the window no finished sync covered,
plus an overlap (default one day) before each earlier sync's finish, for sessions that were
still active or were updated late. Each page is upserted in its own transaction and a sync is
marked complete only at its end, so an interrupted sync is simply fetched again next time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Protocol

from .. import syncs
from ..errors import AuthError, SeshisError
from ..store import Store, lit
from . import mapping
from .http import Fetcher


@dataclass(frozen=True)
class Page:
    count: int
    path: str  # JSON path of the rows in the body, for DuckDB
    total: int | None  # the API's own total for the window, when it says
    next_url: str | None


class Api(Protocol):
    name: str
    key: str
    mapping: dict[str, mapping.Field]

    def overrides(self) -> dict[str, str]: ...
    def page_url(self, lo: datetime, hi: datetime, size: int, page: int) -> str: ...
    def parse(self, doc: object, url: str, size: int, page: int, lo, hi) -> Page: ...


@dataclass
class SyncReport:
    """What a run fetched, for the progress line, --debug and --json."""

    requests: int = 0
    pages: int = 0
    rows: int = 0
    duplicates: int = 0
    api_total: int | None = None
    fetched_windows: tuple[tuple[datetime, datetime], ...] = ()

    @property
    def mismatch(self) -> bool:
        return self.api_total is not None and self.api_total != self.rows


def sync(
    store: Store,
    api: Api,
    fetcher: Fetcher,
    lo: datetime,
    hi: datetime,
    *,
    page_size: int,
    concurrency: int,
    overlap: timedelta,
    refresh: bool,
    now: datetime,
    progress: Callable[[int, int, int | None], None] | None = None,
) -> SyncReport:
    """Bring the store up to date for [lo, hi) and return what was fetched."""
    windows = [(lo, hi)] if refresh else syncs.plan(syncs.covered(store, api.key, overlap), lo, hi)
    report = SyncReport(fetched_windows=tuple(windows))
    for start, end in windows:
        _fetch_window(
            store, api, fetcher, start, end, page_size, concurrency, report, progress, now
        )
    report.requests = fetcher.requests
    return report


def _fetch_window(
    store: Store,
    api: Api,
    fetcher: Fetcher,
    lo: datetime,
    hi: datetime,
    size: int,
    concurrency: int,
    report: SyncReport,
    progress: Callable[[int, int, int | None], None] | None,
    now: datetime,
) -> None:
    """Every page of one window: page 1 first; when it tells the total, the other pages
    concurrently, else one after another until a short page or no next link."""
    sync_id = syncs.begin(store, api.key, lo, hi, now)
    select = mapping.select_list(
        api.mapping,
        ref=lambda n: f"(j->>{lit('$.' + n)})",
        type_of=lambda n: "TEXT",
        origin="'api'",
        overrides=api.overrides(),
    )
    received = 0
    bodies: list[str] = []
    path = "$[*]"

    def fetch(url: str, number: int) -> tuple[str, Page]:
        doc, body = fetcher.get_json(url)
        return body, api.parse(doc, fetcher.creds.redact(url), size, number, lo, hi)

    def flush() -> None:
        """Upsert the pages received so far in one transaction (one statement per batch
        costs far less than one per page)."""
        if bodies:
            rows = f"unnest(json_extract(b::JSON, {lit(path)}))"
            sql = f"SELECT {select} FROM (SELECT {rows} AS j FROM (SELECT unnest($b) AS b))"
            store.ingest(api.key, sql, sync_id, {"b": list(bodies)})
            bodies.clear()

    def take(body: str, page: Page) -> None:
        nonlocal received, path
        if page.path != path:
            flush()
            path = page.path
        bodies.append(body)
        received += page.count
        report.pages += 1
        if len(bodies) >= BATCH_PAGES:
            flush()
        if progress:
            progress(report.pages, report.rows + received, page.total)

    pool = ThreadPoolExecutor(max_workers=max(concurrency, 1))
    try:
        first = fetch(api.page_url(lo, hi, size, 1), 1)
        take(*first)
        total, nxt, number = first[1].total, first[1].next_url, 1
        if total is not None and first[1].count and total > first[1].count:
            # the server's own page size may be smaller than asked: page by what it sent
            pages = math.ceil(total / first[1].count)
            calls = [(api.page_url(lo, hi, size, p), p) for p in range(2, pages + 1)]
            for result in _in_order(pool, fetch, calls, ahead=2 * max(concurrency, 1)):
                take(*result)
        else:
            per_page = first[1].count  # what the server sends a page, maybe fewer than asked
            while nxt:
                number += 1
                body, page = fetch(nxt, number)
                take(body, page)
                if not page.count:
                    break
                nxt = page.next_url or (
                    api.page_url(lo, hi, size, number + 1) if page.count >= per_page else None
                )
        flush()
    except SeshisError as exc:
        flush()  # keep what arrived: the next run only fetches the rest of the window again
        if isinstance(exc, AuthError) and not report.pages:
            raise  # a credentials problem: what was fetched is beside the point
        kept = (
            f"{report.rows + received} sessions in {report.pages} pages were fetched and kept"
            if report.pages
            else "nothing was fetched"
        )
        raise type(exc)(f"{str(exc).rstrip('.')}; {kept}.") from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    unique = store.stored_rows(sync_id)
    report.duplicates += received - int(unique)
    report.rows += int(unique)
    if total is not None:
        report.api_total = (report.api_total or 0) + total
    syncs.finish(store, sync_id, now, unique, total)


BATCH_PAGES = 20  # pages upserted per transaction


def _in_order(pool: ThreadPoolExecutor, func: Callable, calls: list[tuple], ahead: int) -> Iterator:
    """func(*call) for every call, run `ahead` at a time, yielded in order; at most `ahead`
    responses wait in memory."""
    pending: deque = deque()
    queue = iter(calls)
    for call in islice(queue, ahead):
        pending.append(pool.submit(func, *call))
    while pending:
        result = pending.popleft().result()
        call = next(queue, None)
        if call is not None:
            pending.append(pool.submit(func, *call))
        yield result
