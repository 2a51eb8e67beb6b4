"""Session lines of the listings (per driver, unclaimed last) and the selected sessions an
export streams. Only the shown lines leave DuckDB; exports never become Python objects: the
app hands a renderer a SessionExport, which the Report never holds."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .. import definitions as d
from ..store import COLUMNS, TIME_FORMAT, Store, lit, q
from .options import Listings, Options
from .sites import Sites
from .summary import classified_sql


@dataclass(frozen=True, slots=True)  # a million of them with --printsessions
class SessionLine:
    number: int
    start: str  # local time, "YYYY-MM-DD HH:MM:SS"
    end: str
    duration_s: float
    kwh: float
    avg_current: float | None
    category: str
    band: str | None
    session_id: str
    station_id: str | None
    space: str | None
    user: str | None = None  # set in listings of one category across drivers

    @property
    def label(self) -> str:
        return d.label(self.category, self.band)


@dataclass(frozen=True)
class Listing:
    """The session lines of one user (None: unclaimed), capped; `total` counts them all."""

    user: str | None
    lines: tuple[SessionLine, ...]
    total: int


@dataclass(frozen=True)
class SessionExport:
    """The sessions an export selects: every normalized field plus local times, duration,
    current, category and label. Streamed by the store, never held in Python. It meets
    render.common.exporter.Sessions, the only face of it a renderer sees."""

    store: Store
    sql: str
    raw_sql: str = ""  # the same sessions, each as its source gave it (JSON text)
    order: str = "start, session_id"  # of the rows as their source gave them

    def columns(self) -> list[str]:
        """The names of the columns, without running the query (an empty export's header)."""
        return [name for name, _type in self.store.describe(self.sql)]

    def write_csv(self, path: Path) -> int:
        """Write them as CSV (formula-like cells guarded); returns how many."""
        return self.store.copy_csv(self.sql, path)

    def write_parquet(self, path: Path) -> int:
        """Write them as Parquet: local times as timestamps, an unclaimed session's user NULL
        (not the CSV's label), so the file reads back as a source; returns how many."""
        typed = (
            f"SELECT * REPLACE (NULLIF(user_id, {lit(d.UNCLAIMED_LABEL)}) AS user_id, "
            "start_local::TIMESTAMP AS start_local, end_local::TIMESTAMP AS end_local) "
            f"FROM ({self.sql})"
        )
        return self.store.copy_parquet(typed, path)

    def write_json(self, path: Path) -> None:
        """Write them as one JSON array."""
        self.store.copy_json(self.sql, path)

    def write_raw_json(self, out: IO[str]) -> None:
        """Write them as one JSON array of the rows as their source gave them (with its own
        field names); a session whose source kept no row (the demo, an older store) is its
        normalized fields. The array is laid out as `write_json` lays it out; the store writes
        the lines, Python only copies bytes."""
        with tempfile.TemporaryDirectory(prefix="seshis-") as tmp:
            path = Path(tmp) / "rows.txt"
            written = self.store.copy_lines(self.raw_sql, path)
            out.write("[\n" if written else "[")
            with path.open(encoding="utf-8") as fh:
                shutil.copyfileobj(fh, out)
            out.write("]")

    def batches(self, size: int = 10_000) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
        """(column names, rows) a batch at a time, for writers that take rows one by one (a
        spreadsheet): at most `size` rows are held at once."""
        yield from self.store.batches(self.sql, size)


def _selection(
    options: Options, categories: Iterable[str] | None, unclaimed_too: bool = False
) -> str:
    """One user's sessions (case-insensitive; with the unclaimed ones when asked) and/or some
    categories, as an SQL condition."""
    where = ["TRUE"]
    if options.user:
        one = f"(NOT unclaimed AND lower(user_id) = lower({lit(options.user)}))"
        where.append(f"({one} OR unclaimed)" if unclaimed_too else one)
    if categories is not None:
        where.append("category IN (" + ", ".join(lit(c) for c in categories) + ")")
    return " AND ".join(where)


SEVERITY = (
    "CASE category WHEN 'EMPTY' THEN 0 WHEN 'MICRO' THEN 1 ELSE "
    "CASE band WHEN 'LOW' THEN 2 WHEN 'MED' THEN 3 ELSE 4 END END"
)


def listings(
    store: Store,
    sites: Sites,
    options: Options,
    shown: Listings,
    drivers: tuple[str, ...] | None = None,
) -> tuple[Listing, ...]:
    """Session lines per driver (unclaimed last): the most recent `shown.cap` of each, shown
    oldest first; with `worst_first`, the worst ones (empty, micro, low, medium, high current;
    the newest first among equals), worst first. `drivers` limits them to some drivers (and the
    unclaimed sessions). Window functions number, rank and cut them."""
    cap = shown.cap
    where = _selection(options, shown.categories, unclaimed_too=True)
    if drivers is not None:
        names = ", ".join(lit(u) for u in drivers) or "NULL"
        where += f" AND (unclaimed OR user_id IN ({names}))"
    recent = "start DESC, session_id DESC"
    rank = f"{SEVERITY}, {recent}" if shown.worst_first else recent
    limit = f"WHERE pick <= {int(cap)}" if cap is not None else ""
    order = (
        f"CASE WHEN total > {int(cap)} THEN pick ELSE n END"
        if shown.worst_first and cap is not None
        else "n"
    )
    batches = store.batches(
        f"""
        SELECT CASE WHEN unclaimed THEN NULL ELSE user_id END AS who, n, total,
            strftime({sites.local("start")}, '%Y-%m-%d %H:%M:%S'),
            strftime({sites.local('"end"')}, '%Y-%m-%d %H:%M:%S'),
            duration_s, kwh, avg_current, category, band, session_id, station_id, space
        FROM (
            SELECT *,
                row_number() OVER (PARTITION BY unclaimed, user_id ORDER BY start, session_id)
                    AS n,
                count(*) OVER (PARTITION BY unclaimed, user_id) AS total,
                row_number() OVER (PARTITION BY unclaimed, user_id ORDER BY {rank}) AS pick
            FROM ({classified_sql(sites, options)})
            WHERE {where}
        ) {limit}
        ORDER BY who IS NULL, lower(who), who, {order}
        """
    )
    # lines made a batch at a time, so the rows and the lines are never all held twice
    grouped: dict[str | None, tuple[int, list[SessionLine]]] = {}
    for _columns, rows in batches:
        for r in rows:
            grouped.setdefault(r[0], (int(r[2]), []))[1].append(SessionLine(int(r[1]), *r[3:]))
    return tuple(
        Listing(user=who, lines=tuple(lines), total=total)
        for who, (total, lines) in grouped.items()
    )


def category_lines(
    store: Store, sites: Sites, options: Options, category: str
) -> tuple[SessionLine, ...]:
    """Every session of a category (EMPTY, MICRO) in the window, oldest first, with its driver
    (None: unclaimed): what --empty --printsessions lists."""
    batches = store.batches(
        f"""
        SELECT row_number() OVER (ORDER BY start, session_id),
            strftime({sites.local("start")}, '%Y-%m-%d %H:%M:%S'),
            strftime({sites.local('"end"')}, '%Y-%m-%d %H:%M:%S'),
            duration_s, kwh, avg_current, category, band, session_id, station_id, space,
            CASE WHEN unclaimed THEN NULL ELSE user_id END
        FROM ({classified_sql(sites, options)})
        WHERE {_selection(options, [category], unclaimed_too=True)}
        ORDER BY start, session_id
        """
    )
    return tuple(SessionLine(int(r[0]), *r[1:]) for _columns, rows in batches for r in rows)


def session_export(
    store: Store,
    sites: Sites,
    options: Options,
    categories: tuple[str, ...] | None = None,
    order: str = "start, session_id",
) -> SessionExport:
    """The sessions an export writes: one driver's or everyone's, of `categories` (None: all);
    the rows as their source gave them in `order` (an SQL ORDER BY of the sessions)."""
    where = _selection(options, categories)
    return SessionExport(
        store,
        f"""
        SELECT session_id, site, acn, account, station_id, space,
            CASE WHEN unclaimed THEN {lit(d.UNCLAIMED_LABEL)} ELSE user_id END AS user_id,
            start, "end", done_charging,
            strftime({sites.local("start")}, '%Y-%m-%d %H:%M:%S') AS start_local,
            strftime({sites.local('"end"')}, '%Y-%m-%d %H:%M:%S') AS end_local,
            kwh, timezone, status, evse_type, authorization_source, vehicle, cost, origin,
            round(duration_s / 3600.0, 4) AS duration_h,
            round(charging_s / 3600.0, 4) AS charging_h, round(idle_s / 3600.0, 4) AS idle_h,
            avg_current, category,
            '[' || CASE WHEN band IS NULL THEN category ELSE 'NORMAL-' || band END || ']'
                AS label
        FROM ({classified_sql(sites, options)})
        WHERE {where}
        ORDER BY start, session_id
        """,
        # each row's text on a line of the array: a tab before it, a comma after all but the last
        f"""
        SELECT chr(9) || coalesce(raw, json_object({_NAMED})::VARCHAR)
            || CASE WHEN row_number() OVER (ORDER BY {order}) < count(*) OVER ()
                THEN ',' ELSE '' END
        FROM ({classified_sql(sites, options)})
        WHERE {where}
        ORDER BY {order}
        """,
        order,
    )


# The fields of each source's rows that are a normalized column, for sorting the rows as given.
SORT_FIELDS = {
    "start": ("session_start_time", "created_at", "connectionTime", "start_date_time", "start"),
    '"end"': ("session_end_time", "updated_at", "disconnectTime", "end_date_time", "end"),
    "kwh": ("session_kwh", "kWhDelivered", "total_energy", "kwh"),
    "user_id": ("user", "userID", "user_id"),
    "station_id": ("pfid", "stationID", "station_id"),
    "session_id": ("session_id", "sessionID", "id"),
}


def order_by(field: str, order: str = "ASC") -> str:
    """An ORDER BY of the sessions by a field of the rows as given (a PowerFlex, ACN-Data or
    OCPI name, or seshis's), ascending or descending; equal rows by session id."""
    way = "DESC" if order.upper() == "DESC" else "ASC"
    column = next((c for c, names in SORT_FIELDS.items() if field in names), None)
    if column is None:
        path = lit("$." + '"' + field.replace('"', "") + '"')
        column = f"json_extract_string(raw, {path})"
    return f"{column} {way} NULLS LAST, session_id {way}"


# the normalized fields, named, for a session whose source kept no row (times as exports write)
_NAMED = ", ".join(
    f"{lit(c)}, strftime({q(c)}, {lit(TIME_FORMAT)})"
    if c in ("start", "end", "done_charging")
    else f"{lit(c)}, {q(c)}"
    for c in COLUMNS
    if c != "raw"
)
