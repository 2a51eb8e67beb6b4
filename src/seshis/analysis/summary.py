"""Classification and aggregation of sessions in DuckDB SQL: every count of a report from one
scan, the health checks, the data quality and the previous window's totals."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime

from .. import definitions as d
from ..dates import DateRange
from ..errors import DataError
from ..store import Store, lit
from .options import Options
from .sites import Sites


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
    duration_s: float = 0.0  # plugged-in time of all the sessions

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    @property
    def average_duration_s(self) -> float | None:
        """seshis.py's key metric: plugged-in time per session."""
        return self.duration_s / self.sessions if self.sessions else None

    def pct(self, part: int) -> float:
        return 100.0 * part / self.sessions if self.sessions else 0.0

    def band_pct(self, part: int) -> float:
        """A share of the normal sessions (HIGH, MED, LOW are shares of them)."""
        return 100.0 * part / self.normal if self.normal else 0.0

    @property
    def normal_pct(self) -> float:
        return self.pct(self.normal)

    @property
    def problems(self) -> int:
        return self.empty + self.micro


@dataclass(frozen=True)
class UserStats:
    user: str | None  # None: the unclaimed sessions
    counts: Counts
    last: datetime | None = None  # the start of the driver's latest session


@dataclass(frozen=True)
class DayStats:
    day: date
    counts: Counts


@dataclass(frozen=True)
class HealthCheck:
    metric: str  # empty | micro | normal | unclaimed
    value_pct: float | None
    threshold_pct: float
    comparison: str  # "<" or ">"
    ok: bool | None  # None when the window has no sessions, or the data cannot tell
    reason: str | None = None  # why ok is None, when it is not for want of sessions


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
    long_sessions: int = 0  # valid, but plugged in over LONG_DAYS (a day/month swap?)
    renamed: tuple[tuple[str, str, str], ...] = ()  # (a site, another, why they look like
    # one site renamed): two names that hold the same stations, or differ only in case,
    # spacing or a trailing ", Town"


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
class Summary:
    """The counts of one window: totals, per driver (unclaimed last), per day, per hour."""

    totals: Counts
    unclaimed: Counts
    distinct_users: int
    users: tuple[UserStats, ...]
    daily: tuple[DayStats, ...]
    hourly: tuple[Counts, ...]  # sessions by local hour of start, 0-23
    health: tuple[HealthCheck, ...]
    quality: DataQuality


def classified_sql(sites: Sites, options: Options) -> str:
    """Valid sessions in their site's window, with duration, average current, category, band,
    unclaimed, and the site's key."""
    return (
        f"SELECT *, "
        f"{d.classified_columns(options.threshold_kwh, options.voltage, options.active_current)}, "
        f"{sites.key_sql()} AS site_key "
        f"FROM {sites.relation()} WHERE problem IS NULL AND {sites.in_window_sql()}"
    )


Figures = tuple[int, float, float]  # sessions, kWh, seconds plugged in


def counts_from(classes: dict[int, Figures]) -> Counts:
    """Counts from {class code: (sessions, kWh, seconds plugged in)}."""
    n = {code: classes.get(code, (0, 0.0, 0.0))[0] for code in d.CLASSES}
    return Counts(
        sessions=sum(n.values()),
        empty=n[0],
        micro=n[1],
        normal=n[2] + n[3] + n[4],
        high=n[2],
        med=n[3],
        low=n[4],
        kwh=sum(c[1] for c in classes.values()),
        duration_s=sum(c[2] for c in classes.values()),
    )


LONG_DAYS = 7  # a session plugged in longer is reported (a day and month swapped?)

# 15-minute buckets of start: every time zone offset is a multiple of 15 minutes, so each bucket
# lies within one local day and only the buckets, not the rows, are converted to local dates.
BUCKET_US = 15 * 60 * 1_000_000


def _grouping(columns: list[str], grouped: tuple[str, ...]) -> int:
    """GROUPING(columns) of a grouping set: a bit for each column it does not group by."""
    return sum(1 << (len(columns) - 1 - i) for i, c in enumerate(columns) if c not in grouped)


def _one_pass_sql(sites: Sites, options: Options) -> str:
    """Classes per user and per 15-minute bucket of each zone (the network's), per site and
    per site's drivers (with several sites), and problem kinds, in one scan."""
    code = d.class_sql(options.threshold_kwh, options.voltage, options.active_current)
    local = f"timezone(zone, make_timestamp(bucket * {BUCKET_US})::TIMESTAMPTZ)"
    sets = [("user_id", "cls"), ("zone", "bucket", "cls"), ("kind",)]
    if sites.several:
        sets += [("site", "uncl", "cls")]
    columns = [
        c
        for c in ("site", "user_id", "zone", "bucket", "uncl", "driver", "cls", "kind")
        if any(c in grouped for grouped in sets)
    ]
    code_of = [_grouping(columns, grouped) for grouped in sets] + [-1, -1]
    user, day, problem, site = code_of[:4]
    per_site = (
        f"""UNION ALL
    SELECT 'site', site, uncl::VARCHAR, NULL, cls, n, kwh, dur, NULL, NULL
        FROM agg WHERE g = {site} AND cls IS NOT NULL"""
        if sites.several
        else ""
    )
    return f"""
    WITH rows AS (
        SELECT {sites.key_sql()} AS site, user_id, kwh, start, {sites.zone_sql()} AS zone,
            CASE WHEN problem IS NULL THEN {code} END AS cls,
            CASE WHEN problem IS NULL THEN {d.DURATION_SQL} END AS dur,
            CASE WHEN problem IS NULL THEN {d.UNCLAIMED_SQL} END AS uncl,
            epoch_us(start) // {BUCKET_US} AS bucket,
            CASE WHEN problem IS NOT NULL THEN split_part(problem, ':', 1) END AS kind
        FROM {sites.relation()}
        WHERE problem IS NOT NULL OR ({sites.in_window_sql()})
    ),
    agg AS (
        SELECT GROUPING({", ".join(columns)}) AS g, {", ".join(columns)},
            count(*) AS n, sum(kwh) AS kwh,
            sum(dur) AS dur, max(start) AS last,
            count(*) FILTER (dur > {LONG_DAYS * 86400}) AS long
        FROM rows
        GROUP BY GROUPING SETS ({", ".join("(" + ", ".join(g) + ")" for g in sets)})
    )
    SELECT 'user' AS part, NULL AS site, user_id AS key, NULL::DATE AS day, cls, n, kwh, dur,
        last, long
        FROM agg WHERE g = {user} AND cls IS NOT NULL
    UNION ALL
    SELECT 'day', NULL, NULL, ({local})::DATE, cls, sum(n), sum(kwh), sum(dur), NULL, NULL
        FROM agg WHERE g = {day} AND cls IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'hour', NULL, hour({local})::VARCHAR, NULL, cls, sum(n), sum(kwh), sum(dur),
        NULL, NULL
        FROM agg WHERE g = {day} AND cls IS NOT NULL GROUP BY ALL
    {per_site}
    UNION ALL
    SELECT 'problem', NULL, kind, NULL, NULL, n, NULL, NULL, NULL, NULL
        FROM agg WHERE g = {problem} AND kind IS NOT NULL
    """


@dataclass
class _Tally:
    """The grouped rows of the network, gathered."""

    users: dict[str | None, dict[int, Figures]] = field(default_factory=dict)
    days: dict[date, dict[int, Figures]] = field(default_factory=dict)
    hours: dict[int, dict[int, Figures]] = field(default_factory=dict)
    last: dict[str | None, datetime] = field(default_factory=dict)

    def add(
        self,
        part: str,
        key: str | None,
        day: date | None,
        cls: int,
        figures: Figures,
        latest: datetime | None,
    ) -> None:
        """One grouped row: a user's (`key`), a day's or an hour's (`key`) class figures."""
        if part == "user":
            _merge(self.users.setdefault(key, {}), cls, figures)
            if latest is not None and (key not in self.last or latest > self.last[key]):
                self.last[key] = latest
        elif part == "hour":
            _merge(self.hours.setdefault(int(key or 0), {}), cls, figures)
        elif day is not None:
            _merge(self.days.setdefault(day, {}), cls, figures)


def _merge(classes: dict[int, Figures], cls: int, figures: Figures) -> None:
    was = classes.get(cls)
    classes[cls] = (
        figures if was is None else (was[0] + figures[0], was[1] + figures[1], was[2] + figures[2])
    )


@dataclass
class _SiteTally:
    """A site's classes, of all its sessions and of its unclaimed ones, and its drivers."""

    classes: dict[int, Figures] = field(default_factory=dict)
    unclaimed: dict[int, Figures] = field(default_factory=dict)
    drivers: int = 0


def summarize(store: Store, sites: Sites, options: Options) -> tuple[Summary, dict[str, Summary]]:
    """Every count of the report from one scan of the sessions: the network's summary and, with
    several sites, each site's totals, unclaimed sessions and drivers (its days only where a
    site needs them: `site_days`). The rows it returns are per user, zone and 15 minutes,
    site and problem kind, never per session."""
    network = _Tally()
    per_site: dict[str, _SiteTally] = {}
    problems: list[tuple[str, int]] = []
    long = 0
    for part, site, key, day, cls, n, kwh, dur, latest, longer in store.rows(
        _one_pass_sql(sites, options)
    ):
        if part == "problem":
            problems.append((key, int(n)))
            continue
        if part == "drivers":
            per_site.setdefault(site, _SiteTally()).drivers = int(n)
            continue
        figures = (int(n), float(kwh or 0), float(dur or 0))
        if part == "site":
            tally = per_site.setdefault(site, _SiteTally())
            _merge(tally.classes, cls, figures)
            if key == "true":
                _merge(tally.unclaimed, cls, figures)
            continue
        long += int(longer or 0) if part == "user" else 0
        network.add(part, key, day, cls, figures, latest)
    if sites.several:  # each site's drivers: a distinct count (a grouping set of every
        # (site, driver) pair would hold millions of groups in the one-pass scan)
        for site, n in store.rows(
            f"SELECT {sites.key_sql()} AS site, count(DISTINCT user_id) FROM {sites.relation()} "
            f"WHERE problem IS NULL AND {sites.in_window_sql()} AND NOT {d.UNCLAIMED_SQL} "
            "GROUP BY ALL"
        ):
            per_site.setdefault(site, _SiteTally()).drivers = int(n)
    problems.sort(key=lambda p: (-p[1], p[0]))
    quality = data_quality(store, tuple(problems), long)
    return _summary(network, options, quality), {
        key: _site_summary(tally, options, quality) for key, tally in per_site.items()
    }


def _site_summary(tally: _SiteTally, options: Options, quality: DataQuality) -> Summary:
    totals, unclaimed = counts_from(tally.classes), counts_from(tally.unclaimed)
    return Summary(
        totals=totals,
        unclaimed=unclaimed,
        distinct_users=tally.drivers,
        users=(),
        daily=(),
        hourly=tuple(Counts() for _ in range(24)),
        health=health_checks(totals, unclaimed.sessions, options.health),
        quality=quality,
    )


def site_days(
    store: Store, sites: Sites, options: Options, keys: list[str]
) -> dict[str, tuple[DayStats, ...]]:
    """The local days of some sites (those that need them: since when they fail), one grouped
    query over their sessions."""
    if not keys:
        return {}
    code = d.class_sql(options.threshold_kwh, options.voltage, options.active_current)
    chosen = f"{sites.key} IN ({', '.join(lit(k) for k in keys)})"
    days: dict[str, dict[date, dict[int, Figures]]] = {}
    for site, day, cls, n, kwh, dur in store.rows(
        f"SELECT {sites.key_sql()} AS site, ({sites.local('start')})::DATE AS day, "
        f"{code} AS cls, count(*), coalesce(sum(kwh), 0), coalesce(sum({d.DURATION_SQL}), 0) "
        f"FROM {sites.relation()} WHERE problem IS NULL AND {sites.in_window_sql()} "
        f"AND {chosen} GROUP BY ALL"
    ):
        _merge(days.setdefault(site, {}).setdefault(day, {}), int(cls), (n, kwh, dur))
    return {
        site: tuple(DayStats(day, counts_from(by_day[day])) for day in sorted(by_day))
        for site, by_day in days.items()
    }


def _summary(tally: _Tally, options: Options, quality: DataQuality) -> Summary:
    unclaimed = counts_from(tally.users.get(None, {}))
    per_user = {user: counts_from(c) for user, c in tally.users.items() if user is not None}
    totals = sum(per_user.values(), Counts()) + unclaimed
    return Summary(
        totals=totals,
        unclaimed=unclaimed,
        distinct_users=len(per_user),
        users=_select_users(per_user, unclaimed, options.user, tally.last),
        daily=tuple(DayStats(day, counts_from(tally.days[day])) for day in sorted(tally.days)),
        hourly=tuple(counts_from(tally.hours.get(h, {})) for h in range(24)),
        health=health_checks(totals, unclaimed.sessions, options.health),
        quality=quality,
    )


def previous(store: Store, sites: Sites, options: Options) -> tuple[Previous, dict[str, Previous]]:
    """The totals of the window of the same length before, for the network and each site (one
    grouped query)."""
    before = sites.previous()
    code = d.class_sql(options.threshold_kwh, options.voltage, options.active_current)
    classes: dict[str, dict[int, Figures]] = {}
    unclaimed: dict[str, int] = {}
    for site, cls, n, kwh, dur, unclaimed_n in store.rows(
        f"SELECT {before.key_sql()} AS site, {code} AS cls, count(*), coalesce(sum(kwh), 0), "
        f"coalesce(sum({d.DURATION_SQL}), 0), count(*) FILTER ({d.UNCLAIMED_SQL}) "
        f"FROM {before.relation()} WHERE problem IS NULL AND {before.in_window_sql()} "
        "GROUP BY ALL"
    ):
        classes.setdefault(site, {})[int(cls)] = (int(n), float(kwh), float(dur))
        unclaimed[site] = unclaimed.get(site, 0) + int(unclaimed_n)
    per_site = {
        s.key: Previous(w, counts_from(classes.get(s.key, {})), unclaimed.get(s.key, 0))
        for s, w in zip(before.sites, before.windows, strict=True)
    }
    whole = Previous(
        before.window,
        sum((p.totals for p in per_site.values()), Counts()),
        sum(p.unclaimed for p in per_site.values()),
    )
    return whole, per_site if sites.several else {}


def _select_users(
    per_user: dict[str, Counts],
    unclaimed: Counts,
    user: str | None,
    last: dict[str | None, datetime],
) -> tuple[UserStats, ...]:
    """Claimed users by email (case-insensitive order), then the unclaimed group last; or the
    one user asked for, matched case-insensitively (an unknown user is an error that names the
    closest known emails)."""
    ordered = sorted(per_user, key=lambda u: (u.lower(), u))
    if user is not None:
        ordered = [u for u in ordered if u.lower() == user.lower()]
        if not ordered:
            raise DataError(_unknown_user(sorted(per_user, key=str.lower), user))
    stats = [UserStats(u, per_user[u], last.get(u)) for u in ordered]
    # The unclaimed sessions close every user analysis, as seshis.py did.
    if unclaimed.sessions:
        stats.append(UserStats(None, unclaimed, last.get(None)))
    return tuple(stats)


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
    """The four key metrics of site health against their thresholds."""
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
    store: Store, problems: tuple[tuple[str, int], ...], long: int = 0, examples: int = 50
) -> DataQuality:
    """Invalid rows of everything loaded (not only the window), by problem, with examples."""
    invalid = sum(n for _, n in problems)
    rows = (
        store.rows(
            "SELECT session_id, origin, problem FROM sessions WHERE problem IS NOT NULL "
            f"ORDER BY _src, session_id NULLS FIRST LIMIT {int(examples)}"
        )
        if invalid
        else []
    )
    return DataQuality(
        invalid=invalid,
        duplicates=store.duplicates,
        problems=problems,
        examples=tuple(InvalidRow(*r) for r in rows),
        long_sessions=long,
    )
