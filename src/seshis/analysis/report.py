"""One Report: every figure any output shows, computed once from a Dataset and the options.
Renderers format what it holds; they never recompute a figure or run a query."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ..dataset import Dataset
from ..dates import DateRange
from ..syncs import SyncStatus
from . import check, listings, stations, summary
from .attention import Attention, drivers_to_help, needs_attention
from .options import Options, Sections
from .stations import StationStats
from .summary import Counts, DataQuality, DayStats, HealthCheck, Previous, UserStats
from .trends import Trend, trends

TOP = 10  # stations and drivers named where empty (micro) sessions happen most


@dataclass(frozen=True)
class Place:
    """A station or a driver (None: the unclaimed sessions) and how many of its sessions were
    of one kind."""

    name: str | None
    count: int
    sessions: int

    @property
    def pct(self) -> float:
        return 100.0 * self.count / self.sessions if self.sessions else 0.0


@dataclass(frozen=True)
class Where:
    """Where the empty (or micro) sessions happened: the stations and drivers with the most."""

    category: str  # empty | micro
    stations: tuple[Place, ...]
    drivers: tuple[Place, ...]


@dataclass(frozen=True)
class Report:
    """Everything the outputs show about one site and one window."""

    site: str
    location: str | None
    window: DateRange
    options: Options
    generated: datetime
    totals: Counts
    unclaimed: Counts
    distinct_users: int
    users: tuple[UserStats, ...]  # claimed drivers by email, the unclaimed group last
    daily: tuple[DayStats, ...]
    hourly: tuple[Counts, ...]  # by local hour of start, 0-23
    health: tuple[HealthCheck, ...]
    quality: DataQuality
    stations: tuple[StationStats, ...]  # worst first; empty unless asked for
    previous: Previous | None  # the window of the same length before, when asked for
    trends: tuple[Trend, ...]
    attention: tuple[Attention, ...]  # what needs the manager's attention, most pressing first
    helped: tuple[str, ...]  # drivers who need help (their e-mails), worst first
    where: tuple[Where, ...]  # where empty and micro sessions happened, for those sections
    listings: tuple[listings.Listing, ...]  # session lines per driver, when users are shown
    category_lines: tuple[tuple[str, tuple[listings.SessionLine, ...]], ...]  # every empty
    # (micro) session, with --printsessions
    findings: tuple[check.Finding, ...]  # the health and station checks of --check
    sync: SyncStatus | None  # what the live sync did; None for files and the demo
    sessions: listings.SessionRows  # the selected sessions, streamed by exports
    drivers: bool = True  # the data says who charged; without, no drivers and no unclaimed

    @property
    def threshold_kwh(self) -> float:
        return self.options.threshold_kwh

    @property
    def voltage(self) -> float:
        return self.options.voltage

    @property
    def sections(self) -> Sections:
        return self.options.sections

    @property
    def passed(self) -> bool:
        """Every health target met and no station suspect (the exit status of --check)."""
        return all(f.ok for f in self.findings)

    @property
    def empty(self) -> bool:
        """No valid session in the window."""
        return not self.totals.sessions


def build_report(
    data: Dataset,
    window: DateRange | None = None,
    options: Options | None = None,
    now: datetime | None = None,
) -> Report:
    """The report of `data` over `window` (default: all of it). Raises DataError for a
    driver (`options.user`) who has no session in the window."""
    options = options or Options()
    window = window or data.window("all", now)
    store = data.store
    counted = summary.summarize(store, window, options)
    station_rows = (
        stations.station_stats(store, window, options)
        if options.stations or options.sections.stations
        else ()
    )
    if not data.drivers:
        counted, station_rows = _without_drivers(counted, station_rows)
    before = (
        summary.previous(store, window, options)
        if options.trends and window.kind != "all"
        else None
    )
    trended = trends(counted, before, data.drivers)
    helped = drivers_to_help(counted)
    shown = options.listings and options.sections.users
    only = None if options.listing_drivers == "all" else tuple(user for user, _ in helped)
    lines = listings.listings(store, window, options, only) if shown else ()
    every = tuple(
        (c, listings.category_lines(store, window, options, c.upper()))
        for c in ("empty", "micro")
        if options.every_session and options.listings and getattr(options.sections, c)
    )
    return Report(
        site=data.site,
        location=data.location,
        window=window,
        options=options,
        generated=now or datetime.now(UTC),
        totals=counted.totals,
        unclaimed=counted.unclaimed,
        distinct_users=counted.distinct_users,
        users=counted.users,
        daily=counted.daily,
        hourly=counted.hourly,
        health=counted.health,
        quality=counted.quality,
        stations=station_rows,
        previous=before,
        trends=trended,
        attention=needs_attention(counted, station_rows, trended, data.sync, helped),
        helped=tuple(user for user, _ in helped),
        where=tuple(
            _where(counted, station_rows, c)
            for c, on in (("empty", options.sections.empty), ("micro", options.sections.micro))
            if on
        ),
        listings=lines,
        category_lines=every,
        findings=check.findings(counted.health, station_rows, data.sync),
        sync=data.sync,
        sessions=listings.session_rows(store, window, options),
        drivers=data.drivers,
    )


def _without_drivers(
    counted: summary.Summary, rows: tuple[StationStats, ...]
) -> tuple[summary.Summary, tuple[StationStats, ...]]:
    """Data that does not say who charged has no drivers and no "unclaimed": every session
    would look unclaimed. The unclaimed target is neither met nor breached."""
    health = tuple(
        replace(h, value_pct=None, ok=None, reason="no driver data")
        if h.metric == "unclaimed"
        else h
        for h in counted.health
    )
    empty = Counts()
    counted = replace(counted, users=(), unclaimed=empty, distinct_users=0, health=health)
    return counted, tuple(replace(s, unclaimed=0) for s in rows)


def _where(counted: summary.Summary, rows: tuple[StationStats, ...], category: str) -> Where:
    """The TOP stations and drivers by number of sessions of a category, most first."""

    def top(places: list[Place]) -> tuple[Place, ...]:
        ranked = sorted((p for p in places if p.count), key=lambda p: (-p.count, -p.pct))
        return tuple(ranked[:TOP])

    stations_of = [Place(s.label, getattr(s, category), s.sessions) for s in rows]
    drivers_of = [
        Place(u.user, getattr(u.counts, category), u.counts.sessions) for u in counted.users
    ]
    return Where(category, top(stations_of), top(drivers_of))
