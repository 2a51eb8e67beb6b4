"""The sites of a report and the SQL that puts each session in its own site's time and window.

A site is the sessions whose `site` column holds one value. With one site (or sites that share
a zone) the SQL is what it was for a single site: one window, one zone, no per-row lookup.
With sites in several zones, each session's window and local time follow its site's zone,
through one CASE over the zones (a handful), never a join per session.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from .. import dates
from ..dataset import Dataset, Site
from ..dates import DateRange
from ..errors import UsageError
from ..store import Store, lit, window_sql

SITE_KEY = "coalesce(site, '')"  # a session's site; "" when its source names none


@dataclass(frozen=True)
class Sites:
    """The sites of a report, each with its window (the report's range in its zone)."""

    sites: tuple[Site, ...]
    windows: tuple[DateRange, ...]  # one per site, in order
    window: DateRange  # the network's: the range in the data's zone

    @property
    def several(self) -> bool:
        return len(self.sites) > 1

    @property
    def zones(self) -> tuple[str, ...]:
        return tuple(sorted({w.timezone for w in self.windows}))

    def key_sql(self) -> str:
        """A session's site key; a constant for one site (no column read)."""
        return SITE_KEY if self.several else lit(self.sites[0].key if self.sites else "")

    def zone_sql(self, key: str = SITE_KEY) -> str:
        """The time zone of the site whose key is the expression `key`."""
        if len(self.zones) <= 1:
            return lit(self.window.timezone if not self.zones else self.zones[0])
        groups: dict[str, list[str]] = {}
        for site, w in zip(self.sites, self.windows, strict=True):
            groups.setdefault(w.timezone, []).append(site.key)
        cases = " ".join(
            f"WHEN {key} IN ({', '.join(lit(k) for k in keys)}) THEN {lit(zone)}"
            for zone, keys in groups.items()
        )
        return f"CASE {cases} ELSE {lit(self.window.timezone)} END"

    def local(self, column: str, key: str = SITE_KEY) -> str:
        """A TIMESTAMPTZ column as local time at the site whose key is the expression `key`."""
        return f"timezone({self.zone_sql(key)}, {column})"

    def in_window_sql(self) -> str:
        """Sessions whose start lies in their own site's window."""
        starts = {(w.start, w.end) for w in self.windows}
        if len(starts) <= 1:
            return window_sql(self.window if not self.windows else self.windows[0])
        lo = min(w.start for w in self.windows)
        hi = max(w.end for w in self.windows)
        within = " OR ".join(
            f"({SITE_KEY} IN ({', '.join(lit(s.key) for s in group)}) AND {window_sql(w)})"
            for w, group in _by_window(self.sites, self.windows)
        )
        outer = DateRange(lo, hi, self.window.timezone, "custom")
        return f"({window_sql(outer)} AND ({within}))"

    def previous(self) -> Sites:
        """The window of the same length before, for every site."""
        return Sites(
            self.sites,
            tuple(dates.previous_window(w) for w in self.windows),
            dates.previous_window(self.window),
        )

    def one(self, index: int) -> Sites:
        """Only the site at `index`, in its own zone."""
        return Sites((self.sites[index],), (self.windows[index],), self.windows[index])


def _by_window(
    sites: tuple[Site, ...], windows: tuple[DateRange, ...]
) -> list[tuple[DateRange, list[Site]]]:
    """The sites grouped by their window (sites in one zone share one)."""
    groups: dict[tuple[datetime, datetime], tuple[DateRange, list[Site]]] = {}
    for site, w in zip(sites, windows, strict=True):
        groups.setdefault((w.start, w.end), (w, []))[1].append(site)
    return list(groups.values())


def sites_of(data: Dataset, window: DateRange) -> Sites:
    """The data's sites (as its source named them, else from its `site` column) and each
    one's window. One site is the data's own name, place and zone, as a single-site report
    always showed them."""
    found = data.sites or _discovered(data)
    if len(found) == 1:  # one site: the window's zone, as asked for
        found = (replace(found[0], timezone=window.timezone),)
    windows = tuple(dates.rezoned(window, s.timezone) for s in found)
    return Sites(found, windows, window)


def _discovered(data: Dataset) -> tuple[Site, ...]:
    rows = data.store.rows(
        f"SELECT {SITE_KEY} AS key, mode(timezone) AS zone FROM sessions "
        "WHERE problem IS NULL GROUP BY ALL ORDER BY key"
    )
    if len(rows) <= 1:
        key = rows[0][0] if rows else ""
        return (Site(key, data.site, data.location, data.timezone),)
    usable = _usable_zones(data.store, {zone for _key, zone in rows if zone})
    return tuple(
        Site(
            key,
            key or data.site,
            None,
            zone if zone in usable and not data.zone_given else data.timezone,
        )
        for key, zone in rows
    )


def _usable_zones(store: Store, zones: set[str]) -> set[str]:
    """The zones both DuckDB and zoneinfo know (a site's zone that neither knows falls back to
    the data's zone, which loading has checked)."""
    if not zones:
        return set()
    known = {
        r[0]
        for r in store.rows(
            "SELECT name FROM pg_timezone_names() WHERE name IN ("
            + ", ".join(lit(z) for z in zones)
            + ")"
        )
    }
    usable = set()
    for zone in known:
        try:
            dates.zone(zone)
        except UsageError:
            continue
        usable.add(zone)
    return usable
