"""One Report: every figure any output shows, computed once from a Dataset and the options.
Renderers format what it holds; they never recompute a figure or run a query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ..dates import DateRange
from ..store import Dataset
from ..syncs import SyncStatus
from . import check, listings, stations, summary
from .options import Options, Sections
from .stations import StationStats
from .summary import Counts, DataQuality, DayStats, HealthCheck, Previous, UserStats

# The trend metrics in the order every output shows them: (key, decimals shown). Percentages
# are shown to 0.1 point, energy to the kWh.
TREND_METRICS = (
    ("sessions", 0),
    ("kwh", 0),
    ("empty", 1),
    ("micro", 1),
    ("normal", 1),
    ("unclaimed", 1),
)
WORSE_WHEN_UP = {"empty": True, "micro": True, "unclaimed": True, "normal": False}


@dataclass(frozen=True)
class Trend:
    """One key figure now and in the previous window, as shown (rounded), and the change
    between the shown values, so "14.8% was 14.8%" never reads as a change."""

    metric: str  # sessions | kwh | empty | micro | normal | unclaimed (the last four in %)
    value: float | None
    previous: float | None
    decimals: int

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return _round(self.value - self.previous, self.decimals)

    @property
    def worse(self) -> bool | None:
        """Whether the change is bad news (more failures, fewer normal sessions); None when
        it is neutral or there is no change."""
        if not self.change or self.metric not in WORSE_WHEN_UP:
            return None
        return (self.change > 0) == WORSE_WHEN_UP[self.metric]


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
    listings: tuple[listings.Listing, ...]  # session lines per driver, when users are shown
    findings: tuple[check.Finding, ...]  # the health and station checks of --check
    sync: SyncStatus | None  # what the live sync did; None for files and the demo
    sessions: listings.SessionRows  # the selected sessions, streamed by exports

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
    before = (
        summary.previous(store, window, options)
        if options.trends and window.kind != "all"
        else None
    )
    shown = options.listings and options.sections.users
    lines = listings.listings(store, window, options) if shown else ()
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
        trends=trends(counted, before),
        listings=lines,
        findings=check.findings(counted.health, station_rows, data.sync),
        sync=data.sync,
        sessions=listings.session_rows(store, window, options),
    )


def trends(counted: summary.Summary, before: Previous | None) -> tuple[Trend, ...]:
    """Each key figure now and before, rounded as shown."""
    if before is None:
        return ()
    now_pct = {h.metric: h.value_pct for h in counted.health}
    out = []
    for metric, decimals in TREND_METRICS:
        if metric == "sessions":
            value, was = float(counted.totals.sessions), float(before.totals.sessions)
        elif metric == "kwh":
            value, was = counted.totals.kwh, before.totals.kwh
        else:
            value, was = now_pct.get(metric), before.pct(metric)
        out.append(Trend(metric, _round(value, decimals), _round(was, decimals), decimals))
    return tuple(out)


def _round(value: float | None, decimals: int) -> float | None:
    """Rounded as shown; whole numbers as int."""
    if value is None:
        return None
    return round(value) if decimals == 0 else round(value, decimals)
