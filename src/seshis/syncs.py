"""The sync bookkeeping beside the store: which window of which source was fetched when, how
many rows came back, and whether it reconciled with the server. A later run asks it what is
missing: windows that never finished, or finished without reconciling, are fetched again."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import ApiError
from .store import Store


@dataclass(frozen=True)
class SyncStatus:
    """What a live run did, for the report (`--json` "sync", notes in the other outputs)."""

    store: str
    source: str
    offline: bool
    requests: int = 0
    pages: int = 0
    rows: int = 0
    duplicates: int = 0
    api_total: int | None = None
    windows: tuple[tuple[datetime, datetime], ...] = ()
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


def prepare(store: Store) -> None:
    """Create the bookkeeping tables of an on-disk store."""
    store.run("CREATE SEQUENCE IF NOT EXISTS sync_ids")
    store.run(
        "CREATE TABLE IF NOT EXISTS syncs (id BIGINT PRIMARY KEY DEFAULT nextval('sync_ids'), "
        "source VARCHAR NOT NULL, window_start TIMESTAMPTZ, window_end TIMESTAMPTZ, "
        "started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, rows BIGINT, api_total BIGINT, "
        "complete BOOLEAN DEFAULT false)"
    )
    store.run("ALTER TABLE syncs ADD COLUMN IF NOT EXISTS missing BIGINT DEFAULT 0")


def begin(store: Store, source: str, lo: datetime, hi: datetime, now: datetime) -> int:
    """Record the start of a window's sync; returns its id."""
    return int(
        store.value(
            "INSERT INTO syncs (source, window_start, window_end, started_at) "
            "VALUES (?, ?, ?, ?) RETURNING id",
            [source, lo, hi, now],
        )
    )


def finish(
    store: Store, sync_id: int, now: datetime, rows: int, api_total: int | None, missing: int
) -> None:
    """Record a window's sync as finished; it counts as complete (later runs fetch only what it
    does not cover) when nothing is missing."""
    store.run(
        "UPDATE syncs SET finished_at = ?, rows = ?, api_total = ?, missing = ?, complete = ? "
        "WHERE id = ?",
        [now, rows, api_total, missing, missing == 0, sync_id],
    )


def stored_between(store: Store, source: str, lo: datetime, hi: datetime) -> int:
    """Sessions of a source the store holds with a start in [lo, hi)."""
    return int(
        store.value(
            "SELECT count(*) FROM stored_sessions WHERE source = ? AND start >= ? AND start < ?",
            [source, lo, hi],
        )
    )


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


def covered(store: Store, source: str, overlap: timedelta) -> list[tuple[datetime, datetime]]:
    """The windows complete syncs covered, each cut `overlap` before the sync finished."""
    rows = store.rows(
        "SELECT window_start, least(window_end, finished_at - to_microseconds(?)) FROM syncs "
        "WHERE source = ? AND complete",
        [int(overlap.total_seconds() * 1_000_000), source],
    )
    return [(a, b) for a, b in rows if b > a]


def last_sync(store: Store, source: str) -> datetime | None:
    return store.value("SELECT max(finished_at) FROM syncs WHERE source = ? AND complete", [source])


def freshness(
    store: Store, source: str, now: datetime, lo: datetime, hi: datetime
) -> tuple[str, bool]:
    """How fresh the store is for a source and how much of [lo, hi) it holds, for --offline;
    and whether it holds all of it."""
    when = last_sync(store, source)
    if when is None:
        raise ApiError(
            f"The store {store.path} holds no sessions for {source} yet; run once without "
            "--offline to fetch them."
        )
    gaps = plan(covered(store, source, timedelta(0)), lo, hi)
    missing = sum((b - a).total_seconds() for a, b in gaps)
    if missing >= (hi - lo).total_seconds():
        raise ApiError(
            f"The store {store.path} has never fetched this date range for {source}; run once "
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
    return (
        f"answering from the store alone, last synced {ago} ago ({when:%Y-%m-%d %H:%M} UTC){part}",
        not gaps,
    )
