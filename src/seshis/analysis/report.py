"""One Report: every figure any output shows, computed once from a Dataset and the options.
Renderers format what it holds; they never recompute a figure or run a query."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ..dataset import Dataset
from ..dates import DateRange
from ..store import Store
from ..syncs import SyncStatus
from . import check, history, listings, network, stations, summary
from .attention import Attention, Recovery, drivers_to_help, needs_attention
from .listings import Listing, SessionLine
from .onset import Onset, onset
from .options import Options, Sections
from .sites import Sites, renamed_sites, sites_of
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
class Scope:
    """The figures of one scope: a site, or the whole network of sites. A network of one site
    is that site. Without driver data, `unclaimed` and `distinct_users` are None."""

    name: str
    location: str | None
    window: DateRange  # in the scope's time zone
    totals: Counts
    unclaimed: Counts | None
    distinct_users: int | None
    users: tuple[UserStats, ...]  # claimed drivers by email, the unclaimed group last
    daily: tuple[DayStats, ...]  # by local day of start
    hourly: tuple[Counts, ...]  # by local hour of start, 0-23
    health: tuple[HealthCheck, ...]
    stations: tuple[StationStats, ...]  # worst first; empty unless asked for
    previous: Previous | None  # the window of the same length before, when asked for
    trends: tuple[Trend, ...]
    attention: tuple[Attention, ...]  # what needs the manager's attention, most pressing first
    needing_help: tuple[str, ...]  # drivers who need help (their e-mails), worst first
    where: tuple[Where, ...]  # where empty and micro sessions happened, for those sections
    findings: tuple[check.Finding, ...]  # the health and station checks of --check
    recovered: tuple[Recovery, ...] = ()  # what needed attention before and no longer does
    key: str | None = None  # the site's key in the data; None for a network of sites

    @property
    def drivers(self) -> bool:
        """Whether the data says who charged (without, no drivers and no unclaimed)."""
        return self.unclaimed is not None

    @property
    def has_sessions(self) -> bool:
        return bool(self.totals.sessions)

    @property
    def passed(self) -> bool:
        """Every health target met and no station suspect (the exit status of --check)."""
        return all(f.ok for f in self.findings)


@dataclass(frozen=True)
class Report:
    """Everything the outputs show about a window: the network's scope (with one site, the
    site's), one scope per site, the session lines, the data's quality and the sync."""

    network: Scope
    sites: tuple[Scope, ...]  # one per site, worst first; one site: the network itself
    options: Options
    generated: datetime
    quality: DataQuality
    listings: tuple[Listing, ...]  # session lines per driver, when users are shown
    category_lines: tuple[tuple[str, tuple[SessionLine, ...]], ...]  # every empty
    # (micro) session, with --printsessions
    sync: SyncStatus | None  # what the live sync did; None for files and the demo
    span: tuple[datetime, datetime] | None = None  # the first and last start of all the data

    @property
    def several_sites(self) -> bool:
        return len(self.sites) > 1

    # the network's figures, read as the report's own
    @property
    def site(self) -> str:
        return self.network.name

    @property
    def location(self) -> str | None:
        return self.network.location

    @property
    def window(self) -> DateRange:
        return self.network.window

    @property
    def totals(self) -> Counts:
        return self.network.totals

    @property
    def unclaimed(self) -> Counts | None:
        return self.network.unclaimed

    @property
    def distinct_users(self) -> int | None:
        return self.network.distinct_users

    @property
    def users(self) -> tuple[UserStats, ...]:
        return self.network.users

    @property
    def daily(self) -> tuple[DayStats, ...]:
        return self.network.daily

    @property
    def hourly(self) -> tuple[Counts, ...]:
        return self.network.hourly

    @property
    def health(self) -> tuple[HealthCheck, ...]:
        return self.network.health

    @property
    def stations(self) -> tuple[StationStats, ...]:
        return self.network.stations

    @property
    def previous(self) -> Previous | None:
        return self.network.previous

    @property
    def trends(self) -> tuple[Trend, ...]:
        return self.network.trends

    @property
    def attention(self) -> tuple[Attention, ...]:
        return self.network.attention

    @property
    def needing_help(self) -> tuple[str, ...]:
        return self.network.needing_help

    @property
    def where(self) -> tuple[Where, ...]:
        return self.network.where

    @property
    def findings(self) -> tuple[check.Finding, ...]:
        return self.network.findings

    @property
    def drivers(self) -> bool:
        return self.network.drivers

    @property
    def passed(self) -> bool:
        return self.network.passed

    @property
    def has_sessions(self) -> bool:
        return self.network.has_sessions

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
    def detail_only_needing_help(self) -> bool:
        """Whether only the drivers who need help (and the unclaimed sessions) are shown in
        detail, the others a line each."""
        shown = self.options.listings
        return shown is not None and shown.only_needing_help

    @property
    def listed_categories(self) -> tuple[str, ...] | None:
        """The categories the session lines show (None: every one)."""
        shown = self.options.listings
        return None if shown is None else shown.categories

    @property
    def detailed(self) -> tuple[UserStats, ...]:
        """The claimed drivers shown in detail: those who need help (worst first) when the
        listings are only theirs, else every claimed driver."""
        claimed = [u for u in self.users if u.user is not None]
        if not self.detail_only_needing_help:
            return tuple(claimed)
        by_user = {u.user: u for u in claimed}
        return tuple(by_user[user] for user in self.needing_help if user in by_user)


def build_report(
    data: Dataset,
    window: DateRange | None = None,
    options: Options | None = None,
    now: datetime | None = None,
) -> Report:
    """The report of `data` over `window` (default: all of it). Raises DataError for a
    driver (`options.user`) who has no session in the window, or a site (`options.site`)
    the data does not hold."""
    options = options or Options()
    window = window or data.window("all", now)
    store = data.store
    sites = sites_of(data, window, options.site, options.site_aliases)
    names = {s.key: s.name for s in sites.sites}
    counted, counted_sites = summary.summarize(store, sites, options)
    wants_stations = options.stations or options.sections.stations
    station_rows = (
        stations.station_stats(store, sites, options, drivers=data.drivers)
        if wants_stations
        else ()
    )
    absent: tuple[history.Absent, ...] = ()
    recent = history.history_of(sites) if wants_stations else None
    if recent is not None:  # a short window: judged with the stations' recent history
        then = stations.station_stats(store, recent, options, drivers=data.drivers)
        station_rows, absent = history.judged(station_rows, then, sites.window)
        station_rows = tuple(sorted(station_rows, key=stations.worst_first))
    before, before_sites = (
        summary.previous(store, sites, options)
        if options.trends and window.kind != "all"
        else (None, {})
    )
    was = None
    if before is not None and wants_stations:  # what needed attention in the previous window
        then = stations.station_stats(store, sites.previous(), options, drivers=data.drivers)
        named_then = [(s.name, before_sites[s.key].totals) for s in sites.sites if sites.several]
        was = network.before(then, named_then, names)
    site_counts = {s.key: counted_sites.get(s.key) or _nothing(counted) for s in sites.sites}
    verdicts = network.suspect_sites([(s.name, site_counts[s.key].totals) for s in sites.sites])
    onsets = _onsets(store, sites, options, station_rows, verdicts, names)
    context = _Network(
        absent,
        names,
        tuple((v.name, v.why) for v in verdicts.values()),
        onsets,
        was,
        tuple((s.name, site_counts[s.key].totals) for s in sites.sites if sites.several),
    )
    site_scopes = tuple(
        sorted(
            (
                _scope(
                    site_counts[site.key],
                    name=site.name,
                    location=site.location,
                    window=sites.windows[i],
                    station_rows=tuple(s for s in station_rows if s.site == site.key),
                    before=before_sites.get(site.key),
                    data=data,
                    options=options,
                    key=site.key,
                    sync=None,
                    context=replace(
                        context,
                        sites=tuple((n, why) for n, why in context.sites if n == site.name),
                    ),
                    of_network=True,
                )
                for i, site in enumerate(sites.sites)
            ),
            key=_worst_site_first,
        )
        if sites.several
        else ()
    )
    own = sites.sites[0] if sites.only else None  # one site of a network: named as itself
    network_scope = _scope(
        counted,
        name=own.name if own else data.site,
        location=own.location if own else data.location,
        window=sites.windows[0] if own else window,
        station_rows=station_rows,
        before=before,
        data=data,
        options=options,
        key=None if sites.several else sites.sites[0].key,
        sync=data.sync,
        context=context,
        from_sites=(tuple(a for s in site_scopes for a in s.attention) if sites.several else None),
    )
    site_scopes = site_scopes or (network_scope,)
    shown = options.listings
    lines: tuple[Listing, ...] = ()
    if shown is not None and options.sections.users:
        only = network_scope.needing_help if shown.only_needing_help else None
        lines = listings.listings(store, sites, options, shown, only)
    every = tuple(
        (c, listings.category_lines(store, sites, options, c.upper()))
        for c in ("empty", "micro")
        if shown is not None and shown.every_session and getattr(options.sections, c)
    )
    return Report(
        network=network_scope,
        sites=site_scopes,
        options=options,
        generated=now or datetime.now(UTC),
        quality=replace(counted.quality, renamed=renamed_sites(store, sites)),
        listings=lines,
        category_lines=every,
        sync=data.sync,
        span=data.span,
    )


@dataclass(frozen=True)
class _Network:
    """What the network pass adds to a scope's attention: the sites' names by key, the sites
    that stand out (name, why), since when each failing station or site fails, and what
    needed attention in the previous window."""

    absent: tuple[history.Absent, ...]  # stations without a session now that need attention
    names: dict[str, str]
    sites: tuple[tuple[str, str], ...]
    onsets: dict[network.Where, Onset]
    was: network.Before | None
    totals: tuple[tuple[str, Counts], ...]  # each site's totals by name, in a network


def _onsets(
    store: Store,
    sites: Sites,
    options: Options,
    station_rows: tuple[StationStats, ...],
    verdicts: dict[str, network.SiteVerdict],
    names: dict[str, str],
) -> dict[network.Where, Onset]:
    """Since when each suspect station and each site that stands out fails."""
    suspects = [s for s in station_rows if s.suspect]
    out: dict[network.Where, Onset] = {}
    for (key, label), days in stations.station_days(store, sites, options, suspects).items():
        site = None if key is None else names.get(key, key)
        out[("station", site, label or "(no station)")] = onset(days)
    by_name = {s.name: s.key for s in sites.sites}
    daily = summary.site_days(store, sites, options, [by_name[name] for name in verdicts])
    for name in verdicts:
        out[("site", name, name)] = network.site_onset(daily.get(by_name[name], ()))
    return out


def _worst_site_first(s: Scope) -> tuple[bool, int, int, float, str]:
    """A site that stands out, then by items that need attention, then by failed sessions
    (not their share: two sessions of which one failed are no worse than most)."""
    site_item = any(a.kind == "site" for a in s.attention)
    t = s.totals
    return (not site_item, -len(s.attention), -t.problems, -t.pct(t.problems), s.name)


def _nothing(counted: summary.Summary) -> summary.Summary:
    """A site without a session in the window."""
    return replace(
        counted,
        totals=Counts(),
        unclaimed=Counts(),
        distinct_users=0,
        users=(),
        daily=(),
        hourly=tuple(Counts() for _ in range(24)),
        health=tuple(replace(h, value_pct=None, ok=None, reason=None) for h in counted.health),
    )


def _scope(
    counted: summary.Summary,
    *,
    name: str,
    location: str | None,
    window: DateRange,
    station_rows: tuple[StationStats, ...],
    before: Previous | None,
    data: Dataset,
    options: Options,
    key: str | None,
    sync: SyncStatus | None,
    context: _Network,
    of_network: bool = False,
    from_sites: tuple[Attention, ...] | None = None,
) -> Scope:
    """The figures of one scope from its summary, its stations and its previous window: a
    site `of_network` (its drivers and days are judged in the network), or the network taking
    its sites' items `from_sites`."""
    health = counted.health
    if not data.drivers:  # every session would look unclaimed: the target cannot be judged
        health = tuple(
            replace(h, value_pct=None, ok=None, reason="no driver data")
            if h.metric == "unclaimed"
            else h
            for h in health
        )
        counted = replace(counted, users=(), health=health)
    trended = trends(counted, before, data.drivers)
    whole = "network" if key is None else "site"  # a network's scope has no key
    helped = () if of_network else drivers_to_help(counted, whole=whole)
    items = needs_attention(
        counted,
        station_rows,
        trended,
        sync,
        helped,
        sites=context.sites,
        site_names=context.names,
        site=name if of_network else None,
        from_sites=from_sites,
        days=not of_network,
        absent=tuple(
            (context.names.get(a.site, a.site) if a.site is not None else None, a.label, a.why)
            for a in context.absent
            if key is None or a.site == key or not of_network
        ),
    )
    if from_sites is None:
        items = network.annotate(items, context.onsets, context.was)
    now = {(a.kind, a.site, a.subject) for a in items if a.kind in ("station", "site")}
    own = ((name, counted.totals),) if key is not None and context.totals else context.totals
    recovered = network.recovered(context.was, station_rows, own, context.names, now)
    return Scope(
        name=name,
        location=location,
        window=window,
        totals=counted.totals,
        unclaimed=counted.unclaimed if data.drivers else None,
        distinct_users=counted.distinct_users if data.drivers else None,
        users=counted.users,
        daily=counted.daily,
        hourly=counted.hourly,
        health=health,
        stations=station_rows,
        previous=before,
        trends=trended,
        attention=items,
        needing_help=tuple(user for user, _ in helped),
        where=tuple(
            _where(counted, station_rows, c)
            for c, on in (("empty", options.sections.empty), ("micro", options.sections.micro))
            if on
        ),
        findings=check.findings(health, station_rows, sync, items, recovered, context.names),
        recovered=recovered,
        key=key,
    )


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


def session_export(
    data: Dataset,
    report: Report,
    categories: tuple[str, ...] | None = None,
    sort: tuple[str, str] = ("start", "ASC"),
) -> listings.SessionExport:
    """The sessions of `report`'s window that an export streams (one driver's when the report
    is one driver's; only `categories` when given), for the app to hand to a renderer. `sort`
    orders the rows as their source gave them: (a field of those rows or of seshis's, ASC or
    DESC)."""
    options = report.options
    sites = sites_of(data, report.window, options.site, options.site_aliases)
    return listings.session_export(data.store, sites, options, categories, listings.order_by(*sort))
