"""Build small stores from Python tuples, for tests that need exact, hand-made sessions."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from seshis.analysis import Options, Report, build_report, session_export
from seshis.dataset import Dataset
from seshis.dates import DateRange
from seshis.store import InputStore, lit

T0 = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 08:00 in Los Angeles


def session_rows_sql(rows: Iterable[tuple]) -> str:
    """rows: (session_id, user_id, start, duration_s, kwh[, station_id[, done_after_s]])."""
    values = []
    for row in rows:
        sid, user, start, seconds, kwh, *rest = row
        station = rest[0] if rest else "ST-1"
        done = start + timedelta(seconds=rest[1]) if len(rest) > 1 else None
        end = start + timedelta(seconds=seconds)
        values.append(
            f"({lit(sid)}, {lit(user)}, {lit(start.isoformat())}::TIMESTAMPTZ, "
            f"{lit(end.isoformat())}::TIMESTAMPTZ, {float(kwh)!r}, {lit(station)}, "
            f"{lit(done.isoformat() if done else None)}::TIMESTAMPTZ)"
        )
    return (
        "SELECT sid AS session_id, 'Test Site' AS site, NULL AS acn, NULL AS account, "
        'station AS station_id, NULL AS space, usr AS user_id, st AS start, en AS "end", '
        "done AS done_charging, k AS kwh, 'America/Los_Angeles' AS timezone, NULL AS status, "
        "NULL AS evse_type, NULL AS authorization_source, NULL AS vehicle, NULL AS cost, "
        "'test' AS origin, NULL AS raw, st AS _raw_start, en AS _raw_end, k AS _raw_kwh "
        f"FROM (VALUES {', '.join(values)}) v(sid, usr, st, en, k, station, done)"
    )


def make_store(rows: list[tuple]) -> InputStore:
    store = InputStore.create()
    if rows:
        store.add(session_rows_sql(rows), "test", materialize=True)
    store.finalize()
    return store


def dataset(rows: list[tuple], site: str = "Test Site", location: str | None = None) -> Dataset:
    """A Dataset of hand-made sessions (times shown in Los Angeles)."""
    store = make_store(rows)
    return Dataset(store, site, location, "America/Los_Angeles", store.span())


def report_of(
    rows: list[tuple],
    window: DateRange,
    options: Options | None = None,
    site: str = "Test Site",
    location: str | None = None,
) -> Report:
    """The report of hand-made sessions over a window."""
    return build_report(dataset(rows, site, location), window, options or Options(), window.end)


def export_of(
    rows: list[tuple],
    window: DateRange,
    options: Options | None = None,
    categories: tuple[str, ...] | None = None,
):
    """The sessions an export of hand-made sessions streams (analysis.session_export)."""
    data = dataset(rows, "Test Site", None)
    report = build_report(data, window, options or Options(), window.end)
    return session_export(data, report, categories)


def brute_tail(k: int, n: int, successes: int, population: int) -> float:
    """P(X >= k) for X hypergeometric, from exact binomial coefficients (independent of the
    code's neighbour-ratio sum)."""
    total = math.comb(population, n)
    return (
        sum(
            math.comb(successes, i) * math.comb(population - successes, n - i)
            for i in range(k, min(n, successes) + 1)
        )
        / total
    )


def fake_totals(rows: list[dict]) -> dict:
    """Independent counts of fake PowerFlex rows (tests/fakeapi.py powerflex_rows)."""
    empty = sum(r["session_kwh"] == 0 for r in rows)
    micro = sum(0 < r["session_kwh"] < 1 for r in rows)
    return {
        "sessions": len(rows),
        "empty": empty,
        "micro": micro,
        "normal": len(rows) - empty - micro,
        "unclaimed": sum(r["user"] is None for r in rows),
        "users": len({r["user"] for r in rows if r["user"]}),
    }
