"""What a report needs besides the data and the window: the definitions' parameters and which
parts of the report to build."""

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
    listings: bool = True  # the session lines per driver (with the users section)
    listing_drivers: str = "all"  # all | attention: only drivers who need help, and unclaimed
    every_session: bool = False  # every empty (micro) session listed with those sections
    listing_cap: int | None = 20  # session lines per driver; None: every one
    worst_first: bool = False  # listings cut to the worst sessions (the PDF), not the first
    listed: tuple[str, ...] | None = None  # the categories the listings show; None: all
    export: tuple[str, ...] | None = None  # the categories an export selects; None: all
