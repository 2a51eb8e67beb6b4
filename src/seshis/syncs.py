"""The on-disk store of the live APIs: the sessions fetched from each API (keyed by the API and
its site, `api.key`), and the sync bookkeeping beside them: which window was fetched when, how
many rows came back, and whether it reconciled with the server. A later run asks it what is
missing: windows that never finished, or finished without reconciling, are fetched again.
`SyncStatus` is what a run's sync did, for the report."""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from . import dates
from .definitions import PROBLEM_SQL
from .errors import ApiError, SeshisError, SourceError
from .store import (
    COLUMNS,
    OFFLINE,
    SCHEMA,
    Store,
    first_line,
    lit,
    normalized_select,
    q,
    window_sql,
)

WAIT_POLL_S = 0.5  # how often a second run checks whether the store is free
_IN_USE = "The store {} is in use by another seshis run"
_STORED = ("stored_sessions", "stored_invalid")  # the sessions, and the rows without an id


@dataclass(frozen=True)
class SyncStatus:
    """What a live run did, for the report (`--json` "sync", notes in the other outputs): built
    up window by window while the sync runs, or from the store alone (`offline`)."""

    store: str
    source: str  # the API's key
    offline: bool
    requests: int = 0
    pages: int = 0
    rows: int = 0  # distinct sessions stored by this run
    duplicates: int = 0  # rows received more than once
    api_total: int | None = None
    windows: tuple[tuple[datetime, datetime], ...] = ()  # the windows fetched
    complete: bool = True  # every window fetched reconciled with the server (or, offline,
    # the store covers the whole window)
    missing: int = 0  # sessions the server reported that could not be fetched
    note: str | None = None  # the store's freshness, or a total that disagrees
    warning: bool = False  # whether the note is a warning

    @property
    def mismatch(self) -> bool:
        return self.api_total is not None and self.api_total != self.rows

    @property
    def problem(self) -> str | None:
        """Why the figures may be short, in one phrase; None when the sync is complete."""
        if self.complete:
            return None
        if self.missing:
            return f"sync incomplete: up to {self.missing:,} sessions the API reported are missing"
        return "the store does not hold the whole date range (run without --offline)"

    @staticmethod
    def combined(statuses: list[SyncStatus]) -> SyncStatus:
        """The syncs of several sites as one: their counts added, the API's total known when
        each told it, complete only when each is."""
        if len(statuses) == 1:
            return statuses[0]
        totals = [s.api_total for s in statuses]
        merged = replace(
            statuses[0],
            source=", ".join(s.source for s in statuses),
            requests=sum(s.requests for s in statuses),
            pages=sum(s.pages for s in statuses),
            rows=sum(s.rows for s in statuses),
            duplicates=sum(s.duplicates for s in statuses),
            api_total=None if None in totals else sum(t or 0 for t in totals),
            windows=tuple(w for s in statuses for w in s.windows),
            complete=all(s.complete for s in statuses),
            missing=sum(s.missing for s in statuses),
        )
        if merged.offline:  # each site's freshness
            notes = dict.fromkeys(s.note for s in statuses if s.note)
            return replace(merged, note="; ".join(notes) or None, warning=not merged.complete)
        return merged.noted()

    def noted(self) -> SyncStatus:
        """This sync with what to say of it: a warning when it did not reconcile, a note when
        the API's total disagreed while nothing is missing."""
        note = None
        if not self.complete:
            note = (
                f"The sync is incomplete: up to {self.missing:,} sessions the API reported could "
                "not be fetched, even after fetching again; the figures below may be short, and "
                "the next run fetches this date range again."
            )
        elif self.mismatch:
            note = (
                f"The API's total was {self.api_total:,} sessions and {self.rows:,} distinct "
                "sessions arrived (the site's data changed during the sync); nothing is missing."
            )
        return replace(self, note=note, warning=not self.complete)


@dataclass
class LiveStore(Store):
    """The on-disk store of the sessions fetched from the live APIs, readable by its owner only
    (it holds drivers' e-mails). Syncs `ingest` API pages into it; `show` points the `sessions`
    view at one API's sessions of a window."""

    path: Path = field(kw_only=True)

    @classmethod
    def open(
        cls,
        path: Path,
        wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        notice: Callable[[str], None] | None = None,
    ) -> LiveStore:
        """The store at `path`, created (with its folder) readable by its owner only. While
        another run holds it, this one waits up to `wait` seconds (telling `notice` once):
        overlapping cron runs queue instead of failing."""
        path, created = Path(path), not Path(path).parent.exists()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if created:
                os.chmod(path.parent, 0o700)
        except OSError as exc:
            raise SourceError(f"Cannot create the store {path} ({exc.strerror}).") from exc
        for attempt in itertools.count():
            try:
                with _owner_only():
                    con = duckdb.connect(str(path), config=OFFLINE)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise _unreadable_store(path, exc) from exc
                if attempt * WAIT_POLL_S >= wait:
                    raise SourceError(
                        f"{_IN_USE.format(path)}; wait for it to finish, or give another --store."
                    ) from exc
                if attempt == 0 and notice is not None:
                    notice(f"{_IN_USE.format(path)}; waiting up to {wait:g} s…")
                sleep(WAIT_POLL_S)
            except duckdb.Error as exc:
                raise _unreadable_store(path, exc) from exc
        store = cls(con, path=path)
        _tighten(path)
        columns = ", ".join(f"{q(c)} {t}" for c, t in SCHEMA)
        store.run(  # a damaged file fails here, as one sentence naming it
            f"SET TimeZone = 'UTC'; CREATE TABLE IF NOT EXISTS stored_sessions (source VARCHAR "
            f"NOT NULL, {columns}, problem VARCHAR, sync_id BIGINT, PRIMARY KEY (source, "
            f"session_id)); CREATE TABLE IF NOT EXISTS stored_invalid (source VARCHAR NOT NULL, "
            f"{columns}, problem VARCHAR, sync_id BIGINT, fingerprint VARCHAR); "
            + "; ".join(f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS raw VARCHAR" for t in _STORED)
        )  # (a store of an older seshis has no raw rows: its sessions show normalized)
        store.prepare()
        return store

    def prepare(self) -> None:
        """Create the bookkeeping tables (again: harmless)."""
        self.run("CREATE SEQUENCE IF NOT EXISTS sync_ids")
        self.run(
            "CREATE TABLE IF NOT EXISTS syncs (id BIGINT PRIMARY KEY DEFAULT nextval('sync_ids'), "
            "source VARCHAR NOT NULL, window_start TIMESTAMPTZ, window_end TIMESTAMPTZ, "
            "started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, rows BIGINT, api_total BIGINT, "
            "complete BOOLEAN DEFAULT false)"
        )
        self.run("ALTER TABLE syncs ADD COLUMN IF NOT EXISTS missing BIGINT DEFAULT 0")

    def _writing(self) -> contextlib.AbstractContextManager:
        return _owner_only()  # the .wal too

    def _unreadable(self, exc: duckdb.Error) -> SeshisError:
        return _unreadable_store(self.path, exc)

    # --- the sessions ---------------------------------------------------------------------------

    def ingest(
        self, api_key: str, select_sql: str, sync_id: int, params: dict[str, Any] | None = None
    ) -> None:
        """Upsert the normalized rows of API pages in one transaction; rows without an id
        go to stored_invalid."""
        wrapped = normalized_select(select_sql, PROBLEM_SQL)
        key = lit(api_key)
        self.run("BEGIN TRANSACTION")
        try:
            self.run(f"CREATE OR REPLACE TEMP TABLE page AS {wrapped}", params)
            cols = ", ".join(q(c) for c in COLUMNS)
            self.run(
                f"INSERT OR REPLACE INTO stored_sessions BY NAME SELECT {key} AS source, "
                f"{cols}, problem, {int(sync_id)} AS sync_id FROM page "
                "WHERE session_id IS NOT NULL AND session_id <> '' "
                "QUALIFY row_number() OVER (PARTITION BY session_id) = 1"
            )
            # rows without an id have no key: a fingerprint keeps a refetch from adding them twice
            fingerprint = f"md5(concat_ws('|', {cols}, problem))"
            self.run(
                "INSERT INTO stored_invalid BY NAME SELECT DISTINCT ON (fp) * EXCLUDE (fp), "
                f"fp AS fingerprint FROM ("
                f"SELECT {key} AS source, {cols}, problem, {int(sync_id)} AS sync_id, "
                f"{fingerprint} AS fp FROM page WHERE session_id IS NULL OR session_id = '') "
                f"WHERE fp NOT IN (SELECT fingerprint FROM stored_invalid WHERE source = {key})"
            )
            self.run("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error, RuntimeError):  # gone with the error
                self.con.execute("ROLLBACK")
            raise

    def show(self, sources: dict[str, str | None], window: dates.DateRange) -> None:
        """Point the `sessions` view at the sessions of the APIs `sources` names (and their
        rows without an id that start in the window, or have no start), each API's `site` the
        value given for it (None: as its data says)."""
        parts = []
        for api_key, site in sources.items():
            cols = ", ".join(
                f"{lit(site)} AS site" if c == "site" and site is not None else q(c)
                for c in COLUMNS
            )
            key = lit(api_key)
            parts.append(
                f"SELECT {cols}, problem, 0 AS _src FROM stored_sessions WHERE source = {key} "
                f"UNION ALL SELECT {cols}, problem, 0 AS _src FROM stored_invalid "
                f"WHERE source = {key} AND (start IS NULL OR ({window_sql(window)}))"
            )
        self.run("CREATE OR REPLACE TEMP VIEW sessions AS " + " UNION ALL ".join(parts))

    def site_of(self, api_key: str, sample: int = 100_000) -> str | None:
        """The most common site name among an API's first stored sessions (None: none)."""
        return self.value(
            "SELECT mode(site) FROM (SELECT site FROM stored_sessions WHERE source = ? "
            f"AND site IS NOT NULL LIMIT {int(sample)})",
            [api_key],
        )

    def stored_rows(self, sync_id: int) -> int:
        """Rows a sync left in the store (its sessions and its id-less rows)."""
        counts = (f"(SELECT count(*) FROM {t} WHERE sync_id = $s)" for t in _STORED)
        return int(self.value(f"SELECT {' + '.join(counts)}", {"s": sync_id}))

    def stored_between(self, api_key: str, lo: datetime, hi: datetime) -> int:
        """Sessions of an API the store holds with a start in [lo, hi)."""
        return int(
            self.value(
                "SELECT count(*) FROM stored_sessions WHERE source = ? AND start >= ? "
                "AND start < ?",
                [api_key, lo, hi],
            )
        )

    # --- the sync bookkeeping ---------------------------------------------------------------

    def begin_sync(self, api_key: str, lo: datetime, hi: datetime, now: datetime) -> int:
        """Record the start of a window's sync; returns its id."""
        return int(
            self.value(
                "INSERT INTO syncs (source, window_start, window_end, started_at) "
                "VALUES (?, ?, ?, ?) RETURNING id",
                [api_key, lo, hi, now],
            )
        )

    def finish_sync(
        self, sync_id: int, now: datetime, rows: int, api_total: int | None, missing: int
    ) -> None:
        """Record a window's sync as finished; it counts as complete (later runs fetch only what
        it does not cover) when nothing is missing."""
        self.run(
            "UPDATE syncs SET finished_at = ?, rows = ?, api_total = ?, missing = ?, "
            "complete = ? WHERE id = ?",
            [now, rows, api_total, missing, missing == 0, sync_id],
        )

    def covered(self, api_key: str, overlap: timedelta) -> list[tuple[datetime, datetime]]:
        """The windows complete syncs covered, each cut `overlap` before the sync finished."""
        rows = self.rows(
            "SELECT window_start, least(window_end, finished_at - to_microseconds(?)) FROM syncs "
            "WHERE source = ? AND complete",
            [int(overlap.total_seconds() * 1_000_000), api_key],
        )
        return [(start, end) for start, end in rows if end > start]

    def last_sync(self, api_key: str) -> datetime | None:
        return self.value(
            "SELECT max(finished_at) FROM syncs WHERE source = ? AND complete", [api_key]
        )

    def offline_status(self, api_key: str, now: datetime, lo: datetime, hi: datetime) -> SyncStatus:
        """What the store alone can answer for [lo, hi) (--offline): how fresh it is, and
        whether it holds all of the range."""
        note, whole = self.freshness(api_key, now, lo, hi)
        return SyncStatus(
            str(self.path), api_key, offline=True, complete=whole, note=note, warning=not whole
        )

    def freshness(
        self, api_key: str, now: datetime, lo: datetime, hi: datetime
    ) -> tuple[str, bool]:
        """How fresh the store is for an API and how much of [lo, hi) it holds, for --offline;
        and whether it holds all of it."""
        when = self.last_sync(api_key)
        if when is None:
            raise ApiError(
                f"The store {self.path} holds no sessions for {api_key} yet; run once without "
                "--offline to fetch them."
            )
        gaps = plan(self.covered(api_key, timedelta(0)), lo, hi)
        missing = sum((b - a).total_seconds() for a, b in gaps)
        if missing >= (hi - lo).total_seconds():
            raise ApiError(
                f"The store {self.path} has never fetched this date range for {api_key}; run once "
                "without --offline to fetch it."
            )
        held = math.floor(100 * (1 - missing / (hi - lo).total_seconds()))  # never "only 100%"
        part = (
            f"; it holds {'less than 1' if held < 1 else f'only {held}'}% of this date range "
            "(run without --offline for the rest)"
            if gaps
            else ""
        )
        age = now - when
        hours = age.total_seconds() / 3600
        ago = f"{age.total_seconds() / 60:.0f} minutes" if hours < 2 else f"{hours:.1f} hours"
        if hours >= 48:
            ago = f"{hours / 24:.1f} days"
        synced = f"last synced {ago} ago ({when:%Y-%m-%d %H:%M} UTC)"
        return f"answering from the store alone, {synced}{part}", not gaps


def plan(
    covered: list[tuple[datetime, datetime]], lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    """The parts of [lo, hi) that no covered interval holds."""
    gaps: list[tuple[datetime, datetime]] = []
    cursor = lo
    for start, end in sorted(covered):
        if end <= cursor or start >= hi:
            continue
        if start > cursor:
            gaps.append((cursor, min(start, hi)))
        cursor = max(cursor, end)
        if cursor >= hi:
            break
    if cursor < hi:
        gaps.append((cursor, hi))
    return gaps


class DamagedStore(SourceError):
    """The store's file is no store DuckDB can read (truncated, overwritten, a block whose
    checksum fails): a cache of the API, which a run may move aside and fetch again."""

    def __init__(self, message: str, path: Path, detail: str) -> None:
        super().__init__(message)
        self.path, self.detail = path, detail


# What DuckDB says of a file that is damaged, rather than locked, unreachable or of another
# version: truncated, not a database file at all, a block whose checksum fails.
_DAMAGE = re.compile(
    r"not a valid DuckDB database file|Corrupt database file|checksum|"
    r"Could not read enough bytes|Serialization Error|Failed to deserialize",
    re.IGNORECASE,
)


def _unreadable_store(path: Path, exc: BaseException) -> SourceError:
    detail = first_line(exc)
    message = (
        f"The store {path} cannot be read ({detail}); if it is truncated or damaged, "
        "move it away or give another --store."
    )
    if _DAMAGE.search(str(exc)):
        return DamagedStore(message, path, detail)
    return SourceError(message)


def set_aside(path: Path, now: datetime) -> Path:
    """Move a damaged store (and its write-ahead log) out of the way, beside it, named by the
    time: `sessions.duckdb.damaged-20261126-200000`. Returns where it went."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for n in itertools.count(2):
        if not target.exists():
            break
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    try:
        os.replace(path, target)
        wal = Path(f"{path}.wal")
        if wal.exists():
            os.replace(wal, Path(f"{target}.wal"))
    except OSError as exc:
        raise SourceError(
            f"The store {path} is damaged and cannot be moved aside ({exc.strerror}); move it "
            "away or give another --store."
        ) from exc
    return target


@contextlib.contextmanager
def _owner_only() -> Iterator[None]:
    """Files created meanwhile (the store, its .wal) are their owner's only, whatever the umask."""
    old = os.umask(0o077)
    os.umask(old | 0o077)
    try:
        yield
    finally:
        os.umask(old)


def _tighten(path: Path) -> None:
    """The store and its log become their owner's only, also where an older seshis made them."""
    for one in (path, Path(f"{path}.wal")):
        with contextlib.suppress(OSError):  # absent, or not ours to change
            os.chmod(one, stat.S_IMODE(one.stat().st_mode) & 0o700)
