"""Classification and aggregation of sessions in DuckDB SQL: every count of a report from one
scan, the health checks, the data quality and the previous window's totals."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime

from .. import definitions as d
from ..dates import DateRange
from ..errors import DataError
from ..store import Store
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
        f"FROM sessions WHERE problem IS NULL AND {sites.in_window_sql()}"
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


def _one_pass_sql(sites: Sites, options: Options) -> str:
    """Per-site classes per user and per 15-minute bucket, and problem kinds, in one scan."""
    code = d.class_sql(options.threshold_kwh, options.voltage, options.active_current)
    local = sites.local(f"make_timestamp(bucket * {BUCKET_US})::TIMESTAMPTZ", key="site")
    return f"""
    WITH rows AS (
        SELECT {sites.key_sql()} AS site, user_id, kwh, start,
            CASE WHEN problem IS NULL THEN {code} END AS cls,
            CASE WHEN problem IS NULL THEN {d.DURATION_SQL} END AS dur,
            epoch_us(start) // {BUCKET_US} AS bucket,
            CASE WHEN problem IS NOT NULL THEN split_part(problem, ':', 1) END AS kind
        FROM sessions
        WHERE problem IS NOT NULL OR ({sites.in_window_sql()})
    ),
    agg AS (
        SELECT GROUPING(site, user_id, cls) AS g_user, GROUPING(site, bucket, cls) AS g_day,
            site, user_id, bucket, cls, kind, count(*) AS n, sum(kwh) AS kwh, sum(dur) AS dur,
            max(start) AS last, count(*) FILTER (dur > {LONG_DAYS * 86400}) AS long
        FROM rows
        GROUP BY GROUPING SETS ((site, user_id, cls), (site, bucket, cls), (kind))
    )
    SELECT 'user' AS part, site, user_id AS key, NULL::DATE AS day, cls, n, kwh, dur, last, long
        FROM agg WHERE g_user = 0 AND cls IS NOT NULL
    UNION ALL
    SELECT 'day', site, NULL, ({local})::DATE,
        cls, sum(n), sum(kwh), sum(dur), NULL, NULL
        FROM agg WHERE g_day = 0 AND cls IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'hour', site, hour({local})::VARCHAR,
        NULL, cls, sum(n), sum(kwh), sum(dur), NULL, NULL
        FROM agg WHERE g_day = 0 AND cls IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'problem', NULL, kind, NULL, NULL, n, NULL, NULL, NULL, NULL
        FROM agg WHERE g_user = 7 AND g_day = 7 AND kind IS NOT NULL
    """


@dataclass
class _Tally:
    """The grouped rows of one site (or of the network), gathered."""

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


def summarize(store: Store, sites: Sites, options: Options) -> tuple[Summary, dict[str, Summary]]:
    """Every count of the report from one scan of the sessions: the network's summary and one
    per site (by key; empty with one site, whose summary is the network's). The rows it
    returns are per site and user, day, hour and problem kind, never per session."""
    network = _Tally()
    per_site: dict[str, _Tally] = {}
    problems: list[tuple[str, int]] = []
    long = 0
    for part, site, key, day, cls, n, kwh, dur, latest, longer in store.rows(
        _one_pass_sql(sites, options)
    ):
        if part == "problem":
            problems.append((key, int(n)))
            continue
        figures = (int(n), float(kwh or 0), float(dur or 0))
        long += int(longer or 0) if part == "user" else 0
        network.add(part, key, day, cls, figures, latest)
        if sites.several:
            per_site.setdefault(site, _Tally()).add(part, key, day, cls, figures, latest)
    problems.sort(key=lambda p: (-p[1], p[0]))
    quality = data_quality(store, tuple(problems), long)
    whole = _summary(network, options, quality, strict=True)
    return whole, {
        key: _summary(tally, options, quality, strict=False) for key, tally in per_site.items()
    }


def _summary(tally: _Tally, options: Options, quality: DataQuality, strict: bool) -> Summary:
    unclaimed = counts_from(tally.users.get(None, {}))
    per_user = {user: counts_from(c) for user, c in tally.users.items() if user is not None}
    totals = sum(per_user.values(), Counts()) + unclaimed
    return Summary(
        totals=totals,
        unclaimed=unclaimed,
        distinct_users=len(per_user),
        users=_select_users(per_user, unclaimed, options.user, tally.last, strict),
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
        f"FROM sessions WHERE problem IS NULL AND {before.in_window_sql()} GROUP BY ALL"
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
    strict: bool = True,
) -> tuple[UserStats, ...]:
    """Claimed users by email (case-insensitive order), then the unclaimed group last; or the
    one user asked for, matched case-insensitively (with `strict`, an unknown user is an error
    that names the closest known emails)."""
    ordered = sorted(per_user, key=lambda u: (u.lower(), u))
    if user is not None:
        ordered = [u for u in ordered if u.lower() == user.lower()]
        if not ordered and strict:
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
