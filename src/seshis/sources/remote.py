"""Pulling a window of sessions from a live API into the on-disk store, so that nothing is lost
silently while the server's data changes underneath.

- A sync fetches only what the store lacks: the parts of the window no reconciled sync covered,
  plus an overlap (default one day) before each earlier sync's finish, for sessions that were
  still active or were updated late.
- Pages are asked oldest first (ascending start), so sessions created during a sync join the
  end of the order instead of pushing the oldest ones past the last page.
- A window is recorded as complete only when it reconciles: every page up to a confirmed end
  (a short or empty page is confirmed by one more request, never taken on faith), and, when
  the API tells totals, as many distinct sessions stored as the API's latest total says. A
  shortfall is looked for by halving the window with one-row count requests and re-fetching
  only the slices that lack sessions, a bounded number of times; what still does not
  reconcile is reported (`missing`) and fetched again by the next run.
- Work is bounded: a total that would take more than MAX_PAGES pages, or paging that never
  reaches an end, stops with one sentence.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from .. import syncs
from ..errors import ApiError, AuthError, SeshisError
from ..store import lit
from ..syncs import LiveStore, SyncStatus
from . import mapping
from .http import Fetcher

MAX_PAGES = 20_000  # pages of one window: more means the total cannot be right
BATCH_PAGES = 20  # pages upserted per transaction
RETRIES_OF_A_SHORT_PAGE = 2  # a page short before the end is asked again this many times
REFETCH_PASSES = 2  # passes over the slices that lack sessions
COUNT_REQUESTS = 32  # one-row count requests a window may spend looking for a shortfall


@dataclass(frozen=True)
class Page:
    count: int
    path: str  # JSON path of the rows in the body, for DuckDB
    total: int | None  # the API's own total for the request's window, when it says
    next_url: str | None  # the API's link to the next page, when it gives one
    limit: int | None = None  # the most rows a page may hold, when the server says (X-Limit)


class Api(Protocol):
    """What a sync needs of a live API client (powerflex, acndata, ocpi)."""

    name: str
    mapping: dict[str, mapping.Field]
    default_page_size: int
    filters_on_start: bool  # whether the API's window is on the session start (OCPI: no)
    follows_links: bool  # whether a page's link to the next page is followed (OCPI: yes)

    @property
    def key(self) -> str:
        """The store's name for what this client fetches (its rows are kept apart)."""
        ...

    def site_name(self, site: str | None) -> tuple[str, str | None]: ...
    def overrides(self) -> dict[str, str]: ...
    def page_url(self, lo: datetime, hi: datetime, size: int, page: int) -> str: ...
    def parse(self, doc: object, url: str, headers: dict[str, str]) -> Page: ...


def sync(
    store: LiveStore,
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
) -> SyncStatus:
    """Bring the store up to date for [lo, hi) and return what was fetched, with its note."""
    windows = [(lo, hi)] if refresh else syncs.plan(store.covered(api.key, overlap), lo, hi)
    status = SyncStatus(str(store.path), api.key, offline=False, windows=tuple(windows))
    for start, end in windows:
        window = WindowSync(
            store, api, fetcher, start, end, page_size, concurrency, status, progress, now
        )
        status = window()
    return replace(status, requests=fetcher.requests).noted()


@dataclass
class WindowSync:
    """The sync of one window: page through it, then reconcile it with the API's total."""

    store: LiveStore
    api: Api
    fetcher: Fetcher
    lo: datetime
    hi: datetime
    size: int
    concurrency: int
    before: SyncStatus  # what the windows synced before this one did
    progress: Callable[[int, int, int | None], None] | None
    now: datetime
    pages: int = 0  # pages of this window received
    received: int = 0
    total: int | None = None  # the API's latest total for the window
    short: int = 0  # rows short pages lacked before the end, where no total tells
    bodies: list[str] = field(default_factory=list)
    path: str = "$[*]"
    sync_id: int = 0
    select: str = ""  # the normalized columns of a row `s` (typed) and `j` (its text)
    schema: str = ""  # from_json's schema of the mapped top-level fields

    def __call__(self) -> SyncStatus:
        """Sync the window; returns what the sync did so far, this window included."""
        self.sync_id = self.store.begin_sync(self.api.key, self.lo, self.hi, self.now)
        self.prepare()
        pool = ThreadPoolExecutor(max_workers=max(self.concurrency, 1))
        try:
            self.total = self.page_through(pool, self.lo, self.hi)
            self.flush()
            if self.total is not None and self.stored() < self.total:
                self.refetch_shortfall(pool)
        except SeshisError as exc:
            self.flush()  # keep what arrived: the next run fetches the rest of the window again
            pages = self.before.pages + self.pages
            if isinstance(exc, AuthError) and not pages:
                raise  # a credentials problem: what was fetched is beside the point
            kept = (
                f"{self.before.rows + self.received} sessions in {pages} pages were fetched "
                "and kept"
                if pages
                else "nothing was fetched"
            )
            raise type(exc)(f"{str(exc).rstrip('.')}; {kept}.") from exc
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        unique = self.stored()
        missing = max(0, self.total - unique) if self.total is not None else self.short
        self.store.finish_sync(self.sync_id, self.now, unique, self.total, missing)
        before = self.before
        api_total = before.api_total
        if self.total is not None:
            api_total = (api_total or 0) + self.total
        return replace(
            before,
            pages=before.pages + self.pages,
            rows=before.rows + unique,
            duplicates=before.duplicates + max(0, self.received - unique),
            missing=before.missing + missing,
            api_total=api_total,
            complete=before.complete and not missing,
        )

    # --- paging ---------------------------------------------------------------------------

    def prepare(self) -> None:
        """The SQL that loads pages: one typed parse per row (from_json with the mapped
        top-level fields as text, nested ones read from their field's text), and the row's
        own text kept as it came."""
        tops = sorted({mapping.top(n) for f in self.api.mapping.values() for n in f.names})
        self.schema = json.dumps({n: "VARCHAR" for n in tops})
        self.select = mapping.select_list(
            self.api.mapping,
            ref=lambda n: mapping.nested(n, f"s[{lit(mapping.top(n))}]"),
            type_of=lambda n: "TEXT",
            origin="'api'",
            overrides={**self.api.overrides(), "raw": "j::VARCHAR"},
        )

    def fetch(
        self, lo: datetime, hi: datetime, number: int, url: str | None = None
    ) -> tuple[str, Page]:
        url = url or self.api.page_url(lo, hi, self.size, number)
        doc, body, headers = self.fetcher.get_json(url)
        return body, self.api.parse(doc, self.fetcher.creds.redact(url), headers)

    def _same_host(self, url: str) -> bool:
        """A link is followed only to the host the first page came from (the token goes with
        every request), and only for APIs whose links are their paging."""
        first, there = urlsplit(self.api.page_url(self.lo, self.hi, self.size, 1)), urlsplit(url)
        where = (first.scheme, first.hostname, first.port)
        return self.api.follows_links and where == (there.scheme, there.hostname, there.port)

    def page_through(self, pool: ThreadPoolExecutor, lo: datetime, hi: datetime) -> int | None:
        """Every page of [lo, hi) up to a confirmed end; returns the API's latest total.

        The pages a total implies are fetched concurrently (at most twice the concurrency
        ahead), then, while pages keep coming full (sessions arrived meanwhile), one at a
        time. A short page is the end only when the total says every session arrived or the
        next page is empty. Once the end is confirmed, a page before it with fewer rows than
        the server's page size lost rows, and is asked again."""
        body, page = self.fetch(lo, hi, 1)
        self.take(body, page)
        if page.limit and page.limit < self.size:
            self.size = page.limit  # the server's maximum (OCPI's X-Limit): offsets step by it
        total = page.total
        # With a total, a first page shorter than asked shows the server's own page size.
        expected = min(page.count, self.size) if total and page.count else self.size
        planned = math.ceil(total / expected) if total and page.count else 1
        if planned > MAX_PAGES:
            raise ApiError(
                f"The API says this window holds {total:,} sessions, {planned:,} pages of "
                f"{expected}; that cannot be right for one site (the limit is {MAX_PAGES:,} "
                "pages). Check the API URL, or narrow the date range"
            )
        counts = {1: page.count}
        server_size = 0  # the most rows of a page that more pages followed
        received = page.count
        ahead = 2 * max(self.concurrency, 1)
        pending: deque = deque()
        number, queued = 1, 2
        while True:
            short = page.count < max(expected, server_size)
            if short and total is not None and received >= total:
                break  # every session the total counts has arrived
            if number >= MAX_PAGES:
                raise ApiError(
                    f"Paging through {self.api.name} did not reach an end after "
                    f"{MAX_PAGES:,} pages; the API keeps answering full pages"
                )
            while len(pending) < ahead and queued <= max(planned, number + 1):
                # one page at a time beyond the pages a total implies: the server's link to
                # the next page, when it gives one on its own host (OCPI's Link header)
                link = page.next_url if queued == number + 1 > planned else None
                link = link if link and self._same_host(link) else None
                pending.append(pool.submit(self.fetch, lo, hi, queued, link))
                queued += 1
            body, following = pending.popleft().result()
            if following.total is not None:
                total = following.total
            if short and not following.count:
                break  # confirmed: the page after a short one is empty
            if following.count:
                server_size = max(server_size, min(page.count, self.size))
                if number == 1 and total is None and page.count < self.size:
                    expected = page.count  # a server that caps its pages below what was asked
            self.take(body, following)
            received += following.count
            number, page = number + 1, following
            counts[number] = page.count
        size = max(server_size, expected)
        last = max((n for n, c in counts.items() if c), default=1)
        for n, count in sorted(counts.items()):
            if n < last and count < size:
                self.retry_short(lo, hi, n, count, size, total)
        return total

    def retry_short(
        self, lo: datetime, hi: datetime, number: int, count: int, size: int, total: int | None
    ) -> None:
        """A page short before the end lost rows: ask for it again; what is still missing is
        counted here when no total will tell."""
        best = count
        for _ in range(RETRIES_OF_A_SHORT_PAGE):
            body, again = self.fetch(lo, hi, number)
            self.take(body, again)
            best = max(best, again.count)
            if again.count >= size:
                return
        if total is None:
            self.short += size - best

    def take(self, body: str, page: Page) -> None:
        if page.path != self.path:
            self.flush()
            self.path = page.path
        self.bodies.append(body)
        self.received += page.count
        self.pages += 1
        if len(self.bodies) >= BATCH_PAGES:
            self.flush()
        if self.progress:
            pages = self.before.pages + self.pages
            self.progress(pages, self.before.rows + self.received, page.total)

    def flush(self) -> None:
        """Upsert the pages received so far in one transaction (one statement per batch
        costs far less than one per page)."""
        if self.bodies:
            rows = f"unnest(json_extract(b::JSON, {lit(self.path)}))"
            typed = f"from_json(j, {lit(self.schema)})"
            sql = (
                f"SELECT {self.select} FROM (SELECT {typed} AS s, j FROM "
                f"(SELECT {rows} AS j FROM (SELECT unnest($b) AS b)))"
            )
            self.store.ingest(self.api.key, sql, self.sync_id, {"b": list(self.bodies)})
            self.bodies.clear()

    # --- reconciling ----------------------------------------------------------------------

    def stored(self) -> int:
        """Distinct sessions this window's sync stored (rows seen again count once)."""
        return self.store.stored_rows(self.sync_id)

    def stored_between(self, lo: datetime, hi: datetime) -> int:
        return self.store.stored_between(self.api.key, lo, hi)

    def count(self, lo: datetime, hi: datetime) -> int | None:
        """The API's total for [lo, hi), from a one-row request."""
        doc, _, headers = self.fetcher.get_json(self.api.page_url(lo, hi, 1, 1))
        return self.api.parse(doc, "", headers).total

    def refetch_shortfall(self, pool: ThreadPoolExecutor) -> None:
        """Find the slices of the window that lack sessions by halving it (a count request
        per half) and fetch those slices again; a bounded number of passes and requests."""
        budget = [COUNT_REQUESTS]
        pages = max(10, self.pages)  # at most the first pass again
        for _ in range(REFETCH_PASSES):
            if self.total is None or self.stored() >= self.total:
                return
            slices = (
                self.short_slices(self.lo, self.hi, self.total, budget)
                if self.api.filters_on_start
                else iter([(self.lo, self.hi)])  # counts of slices would not match the store's
            )
            for lo, hi in slices:
                if pages <= 0:
                    break
                before = self.pages
                self.page_through(pool, lo, hi)
                pages -= self.pages - before
            self.flush()
            if budget[0] > 0:
                budget[0] -= 1
                latest_total = self.count(self.lo, self.hi)
                if latest_total is not None:
                    self.total = latest_total

    def short_slices(
        self, lo: datetime, hi: datetime, server: int | None, budget: list[int]
    ) -> Iterator[tuple[datetime, datetime]]:
        if server is None or server <= self.stored_between(lo, hi):
            return
        if server <= self.size or budget[0] < 2 or hi - lo < timedelta(minutes=1):
            yield lo, hi
            return
        mid = (lo + (hi - lo) / 2).replace(microsecond=0)  # whole seconds, as the APIs ask
        budget[0] -= 2
        left, right = self.count(lo, mid), self.count(mid, hi)
        yield from self.short_slices(lo, mid, left, budget)
        yield from self.short_slices(mid, hi, right, budget)
