"""What a report needs besides the data and the window: the definitions' parameters and which
parts of the report an output needs built."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import definitions as d


@dataclass(frozen=True)
class Sections:
    """The parts of a report the analysis flags asked for (all of them by default)."""

    empty: bool = True
    micro: bool = True
    users: bool = True
    health: bool = True
    stations: bool = True


@dataclass(frozen=True)
class Listings:
    """The session lines an output shows, per driver (unclaimed last)."""

    drivers: str = "all"  # all | needing_help: only the drivers who need help (and unclaimed)
    cap: int | None = 20  # lines per driver; None: every one
    worst_first: bool = False  # the worst lines (empty first; newest among equals), else the
    # most recent ones
    every_session: bool = False  # every empty (micro) session of those sections, too
    categories: tuple[str, ...] | None = None  # the categories listed; None: all

    @property
    def only_needing_help(self) -> bool:
        return self.drivers == "needing_help"


@dataclass(frozen=True)
class Options:
    """The definitions' parameters, one driver or everyone, and what to build."""

    threshold_kwh: float = d.DEFAULT_THRESHOLD_KWH
    voltage: float = d.DEFAULT_VOLTAGE
    health: d.HealthThresholds = field(default_factory=d.HealthThresholds)
    user: str | None = None  # one driver's email, or None for everyone
    active_current: bool = False  # bands over charging time where the data has it
    sections: Sections = field(default_factory=Sections)
    stations: bool = True  # the per-station figures
    trends: bool = True  # the previous window's figures
    listings: Listings | None = field(default_factory=Listings)  # None: no session lines
    site: str | None = None  # one site of a network (by name, case-insensitive); None: all
    site_aliases: tuple[tuple[str, str], ...] = ()  # (a name in the data, the site's name):
    # a site renamed between exports, reported as one
