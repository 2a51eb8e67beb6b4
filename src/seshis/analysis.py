"""Classification and aggregation of sessions, in DuckDB SQL. Returns plain data; never prints."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from . import definitions as d
from .dates import DateRange
from .errors import DataError
from .store import Store, lit

# Names of ACN-Data sites by siteID, for report headers.
KNOWN_SITES = {"0001": ("JPL", "Pasadena, CA"), "0002": ("Caltech", "Pasadena, CA")}


@dataclass(frozen=True)
class Options:
    """What the analysis needs besides the data and the window."""

    threshold_kwh: float = d.DEFAULT_THRESHOLD_KWH
    voltage: float = d.DEFAULT_VOLTAGE
    health: d.HealthThresholds = field(default_factory=d.HealthThresholds)
    user: str | None = None  # one user's email, or None for everyone


@dataclass(frozen=True)
class Counts:
    """Sessions of a group by category, and normal sessions by performance band."""

    sessions: int = 0
    empty: int = 0
    micro: int = 0
    normal: int = 0
    high: int = 0
    med: int = 0
    low: int = 0
    kwh: float = 0.0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    def pct(self, part: int) -> float:
        return 100.0 * part / self.sessions if self.sessions else 0.0

    @property
    def normal_pct(self) -> float:
        return self.pct(self.normal)


@dataclass(frozen=True)
class UserStats:
    user: str | None  # None: the unclaimed sessions
    counts: Counts


@dataclass(frozen=True)
class DayStats:
    day: date
    counts: Counts


@dataclass(frozen=True)
class HealthCheck:
    metric: str
    value_pct: float | None
    threshold_pct: float
    comparison: str  # "<" or ">"
    ok: bool | None  # None when the window has no sessions


@dataclass(frozen=True)
class InvalidRow:
    session_id: str | None
    origin: str | None
    problem: str


@dataclass(frozen=True)
class DataQuality:
    invalid: int = 0
    duplicates: int = 0
    problems: tuple[tuple[str, int], ...] = ()
    examples: tuple[InvalidRow, ...] = ()


@dataclass(frozen=True)
class SiteSummary:
    site: str
    location: str | None
    window: DateRange
    threshold_kwh: float
    voltage: float
    totals: Counts
    unclaimed: Counts
    distinct_users: int
    users: tuple[UserStats, ...]
    daily: tuple[DayStats, ...]
    health: tuple[HealthCheck, ...]
    quality: DataQuality


@dataclass(frozen=True)
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

    @property
    def label(self) -> str:
        return d.label(self.category, self.band)


@dataclass(frozen=True)
class Listing:
    """The session lines of one user (None: unclaimed), capped; `total` counts them all."""

    user: str | None
    lines: tuple[SessionLine, ...]
    total: int


def classified_sql(window: DateRange, options: Options) -> str:
    """Valid sessions in the window, with duration, average current, category, band, unclaimed."""
    return (
        f"SELECT *, {d.classified_columns(options.threshold_kwh, options.voltage)} "
        f"FROM sessions WHERE problem IS NULL "
        f"AND start >= {lit(window.start.isoformat())}::TIMESTAMPTZ "
        f"AND start < {lit(window.end.isoformat())}::TIMESTAMPTZ"
    )


_COUNTS = """count(*) AS sessions,
    count(*) FILTER (category = 'EMPTY') AS empty,
    count(*) FILTER (category = 'MICRO') AS micro,
    count(*) FILTER (category = 'NORMAL') AS normal,
    count(*) FILTER (band = 'HIGH') AS high,
    count(*) FILTER (band = 'MED') AS med,
    count(*) FILTER (band = 'LOW') AS low,
    coalesce(sum(kwh), 0) AS kwh"""


def _counts(row: Iterable) -> Counts:
    values = list(row)
    return Counts(*(int(v) for v in values[:7]), float(values[7]))


def site_identity(store: Store) -> tuple[str | None, str | None, str | None]:
    """The most common site name, location and time zone in the data (None when absent)."""
    row = store.con.execute(
        "SELECT mode(site), mode(timezone) FROM sessions WHERE problem IS NULL"
    ).fetchone()
    site, tz = (row or (None, None))[:2]
    if site in KNOWN_SITES:
        return (*KNOWN_SITES[site], tz)
    return site, None, tz


def data_span(store: Store) -> tuple[datetime, datetime] | None:
    """First and last session start in the data, for the 'all data' window of files."""
    row = store.con.execute(
        "SELECT min(start), max(start) FROM sessions WHERE problem IS NULL"
    ).fetchone()
    return None if row is None or row[0] is None else (row[0], row[1])


def summarize(
    store: Store,
    window: DateRange,
    options: Options,
    site: str = "",
    location: str | None = None,
) -> SiteSummary:
    """Every figure of the reports, from a handful of aggregate queries."""
    con = store.con
    con.execute(f"CREATE OR REPLACE TEMP VIEW classified AS {classified_sql(window, options)}")
    groups = {
        bool(row[0]): (_counts(row[1:9]), int(row[9]))
        for row in con.execute(
            f"SELECT unclaimed, {_COUNTS}, count(DISTINCT user_id) FROM classified "
            "GROUP BY unclaimed"
        ).fetchall()
    }
    claimed, distinct_users = groups.get(False, (Counts(), 0))
    unclaimed = groups.get(True, (Counts(), 0))[0]
    totals = claimed + unclaimed
    daily = tuple(
        DayStats(row[0], _counts(row[1:]))
        for row in con.execute(
            f"SELECT timezone({lit(window.timezone)}, start)::DATE AS day, {_COUNTS} "
            "FROM classified GROUP BY day ORDER BY day"
        ).fetchall()
    )
    return SiteSummary(
        site=site,
        location=location,
        window=window,
        threshold_kwh=options.threshold_kwh,
        voltage=options.voltage,
        totals=totals,
        unclaimed=unclaimed,
        distinct_users=distinct_users,
        users=user_stats(store, options.user),
        daily=daily,
        health=health_checks(totals, unclaimed.sessions, options.health),
        quality=data_quality(store),
    )


def user_stats(store: Store, user: str | None = None) -> tuple[UserStats, ...]:
    """Claimed users by email (case-insensitive order), then the unclaimed group last.

    With `user`, only that user (matched case-insensitively); an unknown user is an error that
    names the closest known emails.
    """
    where = "NOT unclaimed" + (f" AND lower(user_id) = lower({lit(user)})" if user else "")
    rows = store.con.execute(
        f"SELECT user_id, {_COUNTS} FROM classified WHERE {where} "
        "GROUP BY user_id ORDER BY lower(user_id), user_id"
    ).fetchall()
    if user:
        if not rows:
            raise DataError(_unknown_user(store, user))
        return tuple(UserStats(r[0], _counts(r[1:])) for r in rows)
    stats = [UserStats(r[0], _counts(r[1:])) for r in rows]
    unclaimed = store.con.execute(f"SELECT {_COUNTS} FROM classified WHERE unclaimed").fetchone()
    if unclaimed and unclaimed[0]:
        stats.append(UserStats(None, _counts(unclaimed)))
    return tuple(stats)


def _unknown_user(store: Store, user: str) -> str:
    known = [
        r[0]
        for r in store.con.execute(
            "SELECT DISTINCT user_id FROM classified WHERE NOT unclaimed"
        ).fetchall()
    ]
    close = difflib.get_close_matches(user.lower(), [k.lower() for k in known], n=3, cutoff=0.5)
    by_lower = {k.lower(): k for k in known}
    hint = (
        "; closest known: " + ", ".join(by_lower[c] for c in close)
        if close
        else "; run --user without an email to list every user"
    )
    return f"User '{user}' not found in this date range{hint}."


def health_checks(
    totals: Counts, unclaimed: int, limits: d.HealthThresholds
) -> tuple[HealthCheck, ...]:
    """The four key metrics of the seed against their thresholds."""
    n = totals.sessions

    def check(metric: str, part: int, threshold: float, comparison: str) -> HealthCheck:
        if not n:
            return HealthCheck(metric, None, threshold, comparison, None)
        value = 100.0 * part / n
        ok = value < threshold if comparison == "<" else value > threshold
        return HealthCheck(metric, value, threshold, comparison, ok)

    return (
        check("empty", totals.empty, limits.empty_max, "<"),
        check("micro", totals.micro, limits.micro_max, "<"),
        check("normal", totals.normal, limits.normal_min, ">"),
        check("unclaimed", unclaimed, limits.unclaimed_max, "<"),
    )


def data_quality(store: Store, examples: int = 50) -> DataQuality:
    """Invalid rows of everything loaded (not only the window), by problem, with examples."""
    con = store.con
    problems = tuple(
        (str(p), int(n))
        for p, n in con.execute(
            "SELECT regexp_replace(problem, ':.*', '') AS kind, count(*) FROM sessions "
            "WHERE problem IS NOT NULL GROUP BY kind ORDER BY count(*) DESC, kind"
        ).fetchall()
    )
    rows = con.execute(
        "SELECT session_id, origin, problem FROM sessions WHERE problem IS NOT NULL "
        f"ORDER BY _src, session_id NULLS FIRST LIMIT {int(examples)}"
    ).fetchall()
    return DataQuality(
        invalid=sum(n for _, n in problems),
        duplicates=store.duplicates,
        problems=problems,
        examples=tuple(InvalidRow(*r) for r in rows),
    )


def listings(
    store: Store,
    window: DateRange,
    options: Options,
    cap: int | None = 20,
    categories: Iterable[str] | None = None,
) -> tuple[Listing, ...]:
    """Session lines per user (unclaimed last), oldest first, at most `cap` per user.

    Only the shown lines leave DuckDB: a window function numbers and cuts them.
    """
    where = ["TRUE"]
    if options.user:
        where.append(f"NOT unclaimed AND lower(user_id) = lower({lit(options.user)})")
    if categories is not None:
        where.append("category IN (" + ", ".join(lit(c) for c in categories) + ")")
    limit = f"WHERE n <= {int(cap)}" if cap is not None else ""
    tz = lit(window.timezone)
    rows = store.con.execute(
        f"""
        SELECT CASE WHEN unclaimed THEN NULL ELSE user_id END AS who, n, total,
            strftime(timezone({tz}, start), '%Y-%m-%d %H:%M:%S'),
            strftime(timezone({tz}, "end"), '%Y-%m-%d %H:%M:%S'),
            duration_s, kwh, avg_current, category, band, session_id, station_id, space
        FROM (
            SELECT *,
                row_number() OVER (PARTITION BY unclaimed, user_id ORDER BY start, session_id)
                    AS n,
                count(*) OVER (PARTITION BY unclaimed, user_id) AS total
            FROM ({classified_sql(window, options)})
            WHERE {" AND ".join(where)}
        ) {limit}
        ORDER BY who IS NULL, lower(who), who, n
        """
    ).fetchall()
    grouped: dict[str | None, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return tuple(
        Listing(
            user=who,
            lines=tuple(SessionLine(int(r[1]), *r[3:]) for r in group),
            total=int(group[0][2]),
        )
        for who, group in grouped.items()
    )


def sessions_sql(
    window: DateRange, options: Options, categories: Iterable[str] | None = None
) -> str:
    """Every normalized field of the selected sessions plus duration, current, category, label.

    Exports stream this through DuckDB (COPY), so no session becomes a Python object.
    """
    where = ["TRUE"]
    if options.user:
        where.append(f"NOT unclaimed AND lower(user_id) = lower({lit(options.user)})")
    if categories is not None:
        where.append("category IN (" + ", ".join(lit(c) for c in categories) + ")")
    tz = lit(window.timezone)
    return f"""
        SELECT session_id, site, acn, account, station_id, space,
            CASE WHEN unclaimed THEN {lit(d.UNCLAIMED_LABEL)} ELSE user_id END AS user_id,
            start, "end", done_charging,
            strftime(timezone({tz}, start), '%Y-%m-%d %H:%M:%S') AS start_local,
            strftime(timezone({tz}, "end"), '%Y-%m-%d %H:%M:%S') AS end_local,
            kwh, timezone, status, evse_type, authorization_source, vehicle, cost, origin,
            round(duration_s / 3600.0, 4) AS duration_h, avg_current, category,
            '[' || CASE WHEN band IS NULL THEN category ELSE 'NORMAL-' || band END || ']'
                AS label
        FROM ({classified_sql(window, options)})
        WHERE {" AND ".join(where)}
        ORDER BY start, session_id
    """
