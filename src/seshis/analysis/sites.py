"""The sites of a report and the SQL that puts each session in its own site's time and window.

A site is the sessions whose `site` column holds one value (after the user's aliases). With one
site (or sites that share a zone) the SQL is what it was for a single site: one window, one
zone, no per-row lookup. With sites in several zones, each session's window and local time
follow its site's zone, through one CASE over the zones (a handful), never a join per session.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace

from .. import dates
from ..dataset import Dataset, Site
from ..dates import DateRange
from ..errors import DataError, UsageError
from ..store import Store, lit, window_sql

SITE_KEY = "coalesce(site, '')"  # a session's site; "" when its source names none


def key_expression(aliases: tuple[tuple[str, str], ...] = ()) -> str:
    """A session's site key, its name in the data mapped through the aliases."""
    if not aliases:
        return SITE_KEY
    cases = " ".join(f"WHEN {lit(a)} THEN {lit(b)}" for a, b in aliases)
    return f"(CASE {SITE_KEY} {cases} ELSE {SITE_KEY} END)"


@dataclass(frozen=True)
class Sites:
    """The sites of a report, each with its window (the report's range in its zone)."""

    sites: tuple[Site, ...]
    windows: tuple[DateRange, ...]  # one per site, in order
    window: DateRange  # the network's: the range in the data's zone
    key: str = SITE_KEY  # a session's site key, in SQL (the aliases applied)
    only: bool = False  # the data holds other sites too: select this one's sessions
    zone_of: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def several(self) -> bool:
        return len(self.sites) > 1

    @property
    def zones(self) -> tuple[str, ...]:
        return tuple(sorted({w.timezone for w in self.windows}))

    def key_sql(self) -> str:
        """A session's site key; a constant for one site (no column read)."""
        return self.key if self.several else lit(self.sites[0].key if self.sites else "")

    @property
    def zoned(self) -> bool:
        """Whether the sites' zones (and so their days and windows) differ: then each session
        is joined to its site's zone and window (a join with one row a site, not a CASE per
        session)."""
        return len(self.zones) > 1

    def relation(self) -> str:
        """The sessions to query: with sites in several zones, each with its site's zone
        (`_zone`) and window (`_lo`, `_hi`)."""
        if not self.zoned:
            return "sessions"
        rows = ", ".join(
            f"({lit(site.key)}, {lit(w.timezone)}, {lit(w.start.isoformat())}::TIMESTAMPTZ, "
            f"{lit(w.end.isoformat())}::TIMESTAMPTZ)"
            for site, w in zip(self.sites, self.windows, strict=True)
        )
        return (
            f"(SELECT s.*, z._zone, z._lo, z._hi FROM sessions s LEFT JOIN (VALUES {rows}) "
            f"z(_key, _zone, _lo, _hi) ON {self.key} = z._key)"
        )

    def zone_sql(self) -> str:
        """The time zone of a session's site (a column of `relation()` when they differ)."""
        if not self.zoned:
            return lit(self.zones[0] if self.zones else self.window.timezone)
        return f"coalesce(_zone, {lit(self.window.timezone)})"

    def local(self, column: str) -> str:
        """A TIMESTAMPTZ column of `relation()` as local time at the session's site."""
        return f"timezone({self.zone_sql()}, {column})"

    def in_window_sql(self) -> str:
        """Sessions of these sites whose start lies in their own site's window."""
        mine = f"{self.key} = {lit(self.sites[0].key)} AND " if self.only else ""
        if not self.zoned or len({(w.start, w.end) for w in self.windows}) <= 1:
            return mine + window_sql(self.window if not self.windows else self.windows[0])
        lo = min(w.start for w in self.windows)
        hi = max(w.end for w in self.windows)
        outer = DateRange(lo, hi, self.window.timezone, "custom")  # for the files' row groups
        return f"{mine}{window_sql(outer)} AND start >= _lo AND start < _hi"

    def previous(self) -> Sites:
        """The window of the same length before, for every site."""
        return replace(
            self,
            windows=tuple(dates.previous_window(w) for w in self.windows),
            window=dates.previous_window(self.window),
        )


def sites_of(
    data: Dataset,
    window: DateRange,
    only: str | None = None,
    aliases: tuple[tuple[str, str], ...] = (),
) -> Sites:
    """The data's sites (as its source named them, else from its `site` column, through the
    aliases) and each one's window; with `only`, the site of that name (case-insensitive).
    One site is the data's own name, place and zone, as a single-site report shows them."""
    key = key_expression(aliases)
    found = data.sites or _discovered(data, key)
    if only is not None:
        chosen = [s for s in found if s.name.casefold() == only.strip().casefold()]
        if not chosen:
            raise DataError(_unknown_site(only, [s.name for s in found]))
        site = chosen[0]
        if len(found) == 1:
            site = replace(site, timezone=window.timezone)
        return Sites((site,), (dates.rezoned(window, site.timezone),), window, key, len(found) > 1)
    if len(found) == 1:  # one site: the window's zone, as asked for
        found = (replace(found[0], timezone=window.timezone),)
    windows = tuple(dates.rezoned(window, s.timezone) for s in found)
    return Sites(found, windows, window, key)


def _unknown_site(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(sorted(known, key=str.casefold)[:30])
    more = f" (and {len(known) - 30} more)" if len(known) > 30 else ""
    return f"No site is named {name!r} in this data.{hint} Its sites: {listed}{more}."


def _discovered(data: Dataset, key: str) -> tuple[Site, ...]:
    rows = data.store.rows(
        f"SELECT {key} AS key, mode(timezone) AS zone FROM sessions "
        "WHERE problem IS NULL GROUP BY ALL ORDER BY key"
    )
    if len(rows) <= 1:
        found = rows[0][0] if rows else ""
        return (Site(found, data.site, data.location, data.timezone),)
    usable = _usable_zones(data.store, {zone for _key, zone in rows if zone})
    return tuple(
        Site(
            found,
            found or data.site,
            None,
            zone if zone in usable and not data.zone_given else data.timezone,
        )
        for found, zone in rows
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


def _plain(name: str) -> str:
    """A site's name without case, repeated spaces or a trailing ", Town"."""
    return re.sub(r"\s+", " ", re.sub(r",[^,]*$", "", name)).strip().casefold()


def renamed_sites(store: Store, sites: Sites) -> tuple[tuple[str, str, str], ...]:
    """Pairs of site names that look like one site renamed: the same stations (two or more),
    or names that differ only in case, spacing or a trailing ", Town". (Across all the data,
    not only the window: renames happen between exports.)"""
    if not sites.several:
        return ()
    held = {
        key: tuple(stations)
        for key, stations in store.rows(
            f"SELECT {sites.key} AS key, list(DISTINCT station_id ORDER BY station_id) "
            "FILTER (station_id IS NOT NULL) FROM sessions WHERE problem IS NULL GROUP BY ALL"
        )
    }
    out = []
    for why, group in (
        ("names that differ only in case, spacing or the town", lambda k: _plain(k) if k else None),
        ("the same stations", lambda k: held[k] if len(held[k]) >= 2 else None),
    ):
        alike: dict[object, list[str]] = {}
        for name in sorted(held):
            found = group(name)
            if found is not None:
                alike.setdefault(found, []).append(name)
        for names in alike.values():
            out += [(names[0], other, why) for other in names[1:]]
    return tuple(dict.fromkeys(out))
