"""Classification and aggregation of sessions, in DuckDB SQL. Returns plain data; never prints."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

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
    active_current: bool = False  # bands over charging time where the data has it


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
class Previous:
    """The key figures of the window of the same length just before, for the trends."""

    window: DateRange
    totals: Counts
    unclaimed: int

    def pct(self, metric: str) -> float | None:
        t = self.totals
        part = {"empty": t.empty, "micro": t.micro, "normal": t.normal}.get(metric, self.unclaimed)
        return t.pct(part) if t.sessions else None


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
    hourly: tuple[Counts, ...]  # sessions by local hour of start, 0-23
    health: tuple[HealthCheck, ...]
    quality: DataQuality
    stations: tuple = ()  # stations.StationStats, worst first, when asked for
    previous: Previous | None = None  # the window of the same length before, when asked for


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


def window_sql(window: DateRange) -> str:
    """The window as an SQL condition on start (none for all the data)."""
    if window.kind == "all":
        return "TRUE"
    return (
        f"start >= {lit(window.start.isoformat())}::TIMESTAMPTZ "
        f"AND start < {lit(window.end.isoformat())}::TIMESTAMPTZ"
    )


def classified_sql(window: DateRange, options: Options) -> str:
    """Valid sessions in the window, with duration, average current, category, band, unclaimed."""
    return (
        f"SELECT *, "
        f"{d.classified_columns(options.threshold_kwh, options.voltage, options.active_current)} "
        f"FROM sessions WHERE problem IS NULL AND {window_sql(window)}"
    )


def counts_from(classes: dict[int, tuple[int, float]]) -> Counts:
    """Counts from {class code: (sessions, kWh)}."""
    n = {code: classes.get(code, (0, 0.0))[0] for code in d.CLASSES}
    return Counts(
        sessions=sum(n.values()),
        empty=n[0],
        micro=n[1],
        normal=n[2] + n[3] + n[4],
        high=n[2],
        med=n[3],
        low=n[4],
        kwh=sum(kwh for _, kwh in classes.values()),
    )


def site_identity(store: Store, sample: int = 100_000) -> tuple[str | None, str | None, str | None]:
    """The most common site name, location and time zone among the first rows of the data."""
    row = store.con.execute(
        "SELECT mode(site), mode(timezone) FROM "
        "(SELECT site, timezone FROM sessions WHERE site IS NOT NULL OR timezone IS NOT NULL "
        f"LIMIT {int(sample)})"
    ).fetchone()
    site, tz = (row or (None, None))[:2]
    if site in KNOWN_SITES:
        return (*KNOWN_SITES[site], tz)
    return site, None, tz


# 15-minute buckets of start: every time zone offset is a multiple of 15 minutes, so each bucket
# lies within one local day and only the buckets, not the rows, are converted to local dates.
BUCKET_US = 15 * 60 * 1_000_000


def _one_pass_sql(window: DateRange, options: Options) -> str:
    """Per-user classes, per-day classes and problem kinds in one scan of the sessions."""
    code = d.class_sql(options.threshold_kwh, options.voltage, options.active_current)
    tz = lit(window.timezone)
    return f"""
    WITH rows AS (
        SELECT user_id, kwh, start,
            CASE WHEN problem IS NULL THEN {code} END AS cls,
            epoch_us(start) // {BUCKET_US} AS bucket,
            CASE WHEN problem IS NOT NULL THEN regexp_replace(problem, ':.*', '') END AS kind
        FROM sessions
        WHERE problem IS NOT NULL OR ({window_sql(window)})
    ),
    agg AS (
        SELECT GROUPING(user_id, cls) AS g_user, GROUPING(bucket, cls) AS g_day,
            user_id, bucket, cls, kind, count(*) AS n, sum(kwh) AS kwh
        FROM rows
        GROUP BY GROUPING SETS ((user_id, cls), (bucket, cls), (kind))
    )
    SELECT 'user' AS part, user_id AS key, NULL::DATE AS day, cls, n, kwh
        FROM agg WHERE g_user = 0 AND cls IS NOT NULL
    UNION ALL
    SELECT 'day', NULL, timezone({tz}, make_timestamp(bucket * {BUCKET_US})::TIMESTAMPTZ)::DATE,
        cls, sum(n), sum(kwh)
        FROM agg WHERE g_day = 0 AND cls IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'hour', hour(timezone({tz}, make_timestamp(bucket * {BUCKET_US})::TIMESTAMPTZ))::VARCHAR,
        NULL, cls, sum(n), sum(kwh)
        FROM agg WHERE g_day = 0 AND cls IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'problem', kind, NULL, NULL, n, NULL
        FROM agg WHERE g_user = 3 AND g_day = 3 AND kind IS NOT NULL
    """


def summarize(
    store: Store,
    window: DateRange,
    options: Options,
    site: str = "",
    location: str | None = None,
) -> SiteSummary:
    """Every figure of the reports from one scan of the sessions; the rows it returns are per
    user, per day and per problem kind, never per session."""
    rows = store.con.execute(_one_pass_sql(window, options)).fetchall()
    users: dict[str | None, dict[int, tuple[int, float]]] = {}
    days: dict[date, dict[int, tuple[int, float]]] = {}
    hours: dict[int, dict[int, tuple[int, float]]] = {}
    problems: list[tuple[str, int]] = []
    for part, key, day, cls, n, kwh in rows:
        if part == "user":
            users.setdefault(key, {})[cls] = (int(n), float(kwh or 0))
        elif part == "hour":
            hours.setdefault(int(key), {})[cls] = (int(n), float(kwh or 0))
        elif part == "day":
            days.setdefault(day, {})[cls] = (int(n), float(kwh or 0))
        else:
            problems.append((key, int(n)))
    per_user = {user: counts_from(classes) for user, classes in users.items()}
    unclaimed = per_user.pop(None, Counts())
    totals = sum(per_user.values(), Counts()) + unclaimed
    if window.kind == "all" and totals.sessions:
        # the span of all the data loaded: Parquet answers this from its statistics
        first, last = store.con.execute("SELECT min(start), max(start) FROM sessions").fetchone()
        window = replace(
            window, start=first, end=last.replace(microsecond=0) + timedelta(seconds=1)
        )
    problems.sort(key=lambda p: (-p[1], p[0]))
    return SiteSummary(
        site=site,
        location=location,
        window=window,
        threshold_kwh=options.threshold_kwh,
        voltage=options.voltage,
        totals=totals,
        unclaimed=unclaimed,
        distinct_users=len(per_user),
        users=_select_users(per_user, unclaimed, options.user),
        daily=tuple(DayStats(day, counts_from(days[day])) for day in sorted(days)),
        hourly=tuple(counts_from(hours.get(h, {})) for h in range(24)),
        health=health_checks(totals, unclaimed.sessions, options.health),
        quality=data_quality(store, tuple(problems)),
    )


def previous_window(window: DateRange) -> DateRange:
    """The window of the same length just before; for Today, the same hours yesterday."""
    if window.kind == "today":
        day = timedelta(days=1)
        return replace(window, start=window.start - day, end=window.end - day)
    return replace(window, start=window.start - (window.end - window.start), end=window.start)


def previous(store: Store, window: DateRange, options: Options) -> Previous:
    """The totals of the window of the same length before `window` (one grouped query)."""
    before = previous_window(window)
    code = d.class_sql(options.threshold_kwh, options.voltage, options.active_current)
    classes: dict[int, tuple[int, float]] = {}
    unclaimed = 0
    for cls, n, kwh, idle in store.con.execute(
        f"SELECT {code} AS cls, count(*), coalesce(sum(kwh), 0), count(*) FILTER "
        f"({d.UNCLAIMED_SQL}) FROM sessions WHERE problem IS NULL AND {window_sql(before)} "
        "GROUP BY cls"
    ).fetchall():
        classes[int(cls)] = (int(n), float(kwh))
        unclaimed += int(idle)
    return Previous(before, counts_from(classes), unclaimed)


def _select_users(
    per_user: dict[str, Counts], unclaimed: Counts, user: str | None
) -> tuple[UserStats, ...]:
    """Claimed users by email (case-insensitive order), then the unclaimed group last; or the
    one user asked for, matched case-insensitively (an unknown user is an error that names the
    closest known emails)."""
    ordered = sorted(per_user, key=lambda u: (u.lower(), u))
    if user is None:
        stats = [UserStats(u, per_user[u]) for u in ordered]
        return (*stats, UserStats(None, unclaimed)) if unclaimed.sessions else tuple(stats)
    chosen = [UserStats(u, per_user[u]) for u in ordered if u.lower() == user.lower()]
    if not chosen:
        raise DataError(_unknown_user(ordered, user))
    # The unclaimed sessions close every user analysis, as the original tool did.
    return (*chosen, UserStats(None, unclaimed)) if unclaimed.sessions else tuple(chosen)


def check_user(store: Store, window: DateRange, options: Options) -> None:
    """Raise the "not found" error for an unknown --user, from the distinct users alone."""
    if not options.user:
        return
    known = [
        r[0]
        for r in store.con.execute(
            f"SELECT DISTINCT user_id FROM sessions WHERE problem IS NULL AND user_id IS NOT NULL "
            f"AND {window_sql(window)}"
        ).fetchall()
    ]
    if not any(k.lower() == options.user.lower() for k in known):
        raise DataError(_unknown_user(sorted(known), options.user))


def _unknown_user(known: list[str], user: str) -> str:
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(user.lower(), list(by_lower), n=3, cutoff=0.5)
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


def data_quality(
    store: Store, problems: tuple[tuple[str, int], ...], examples: int = 50
) -> DataQuality:
    """Invalid rows of everything loaded (not only the window), by problem, with examples."""
    invalid = sum(n for _, n in problems)
    rows = (
        store.con.execute(
            "SELECT session_id, origin, problem FROM sessions WHERE problem IS NOT NULL "
            f"ORDER BY _src, session_id NULLS FIRST LIMIT {int(examples)}"
        ).fetchall()
        if invalid
        else []
    )
    return DataQuality(
        invalid=invalid,
        duplicates=store.duplicates,
        problems=problems,
        examples=tuple(InvalidRow(*r) for r in rows),
    )


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


def listings(
    store: Store,
    window: DateRange,
    options: Options,
    cap: int | None = 20,
    categories: Iterable[str] | None = None,
    worst_first: bool = False,
) -> tuple[Listing, ...]:
    """Session lines per user (unclaimed last), oldest first, at most `cap` per user; with
    `worst_first`, a user with more than `cap` sessions shows the worst ones (empty, micro,
    low, medium, high current), worst first.

    Only the shown lines leave DuckDB: window functions number, rank and cut them.
    """
    where = _selection(options, categories, unclaimed_too=True)
    severity = (
        "CASE category WHEN 'EMPTY' THEN 0 WHEN 'MICRO' THEN 1 ELSE "
        "CASE band WHEN 'LOW' THEN 2 WHEN 'MED' THEN 3 ELSE 4 END END"
    )
    rank = f"{severity}, start, session_id" if worst_first else "start, session_id"
    limit = f"WHERE pick <= {int(cap)}" if cap is not None else ""
    shown = f"CASE WHEN total > {int(cap)} THEN pick ELSE n END" if cap is not None else "n"
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
                count(*) OVER (PARTITION BY unclaimed, user_id) AS total,
                row_number() OVER (PARTITION BY unclaimed, user_id ORDER BY {rank}) AS pick
            FROM ({classified_sql(window, options)})
            WHERE {where}
        ) {limit}
        ORDER BY who IS NULL, lower(who), who, {shown}
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
    where = _selection(options, categories)
    tz = lit(window.timezone)
    return f"""
        SELECT session_id, site, acn, account, station_id, space,
            CASE WHEN unclaimed THEN {lit(d.UNCLAIMED_LABEL)} ELSE user_id END AS user_id,
            start, "end", done_charging,
            strftime(timezone({tz}, start), '%Y-%m-%d %H:%M:%S') AS start_local,
            strftime(timezone({tz}, "end"), '%Y-%m-%d %H:%M:%S') AS end_local,
            kwh, timezone, status, evse_type, authorization_source, vehicle, cost, origin,
            round(duration_s / 3600.0, 4) AS duration_h,
            round(charging_s / 3600.0, 4) AS charging_h, round(idle_s / 3600.0, 4) AS idle_h,
            avg_current, category,
            '[' || CASE WHEN band IS NULL THEN category ELSE 'NORMAL-' || band END || ']'
                AS label
        FROM ({classified_sql(window, options)})
        WHERE {where}
        ORDER BY start, session_id
    """
