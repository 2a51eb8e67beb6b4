"""Shared wording of every output: numbers, percentages, durations, plurals and labels.

The terminal, the PDF and the charts all say things the same way through these functions;
nothing here imports a rendering library.
"""

from __future__ import annotations

import math

from ... import definitions as d
from ...analysis.attention import Attention, Recovery
from ...analysis.onset import Onset
from ...dates import DateRange

HEALTH_NAMES = {
    "empty": "Empty sessions",
    "micro": "Microsessions",
    "normal": "Normal sessions",
    "unclaimed": "Unclaimed sessions",
}
TREND_NAMES = {
    "sessions": "Sessions",
    "kwh": "Energy delivered",
    **HEALTH_NAMES,
}


def pct(value: float) -> str:
    return f"{value:.1f}%"


def kwh(value: float, below: float | None = None) -> str:
    """Energy with up to three decimals, trailing zeros trimmed: 29.021, 8.5, 0 kWh. A session
    under the micro threshold (`below`) is never shown at it: 0.9996 is 0.999, not 1."""
    shown = round(value, 3)
    if below is not None and value < below <= shown:
        shown = math.floor(value * 1000) / 1000
    text = f"{shown:.3f}".rstrip("0").rstrip(".")
    return f"{text} kWh" if text != "-0" else "0 kWh"


def duration(seconds: float) -> str:
    """35.0s, 12.5m, 4.3h: seshis.py's duration style."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"


def threshold(value: float) -> str:
    """The micro threshold as seshis.py wrote it: 1.0, 0.5, 2.25."""
    return f"{value:g}" if value != int(value) else f"{value:.1f}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 session", "2 sessions", "0 sessions"."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def span(window: DateRange, sep: str = " → ") -> str:
    """The local days a window covers: one day, or first and last; an empty window of all the
    data says there is nothing in it."""
    if window.kind == "all" and window.start == window.end:
        return "no valid sessions"
    first, last = window.local_dates()
    return str(first) if first == last else f"{first}{sep}{last}"


def site_line(site: str, location: str | None, sep: str = " (") -> str:
    """ "Demo Site (Pasadena, CA)" or "Demo Site, Pasadena, CA"."""
    if not location:
        return site
    return f"{site}{sep}{location})" if sep == " (" else f"{site}{sep}{location}"


def band_ranges() -> dict[str, str]:
    """The performance bands with their currents: HIGH >= 16 A, MED 8-15.9 A, LOW < 8 A."""
    return {
        d.HIGH: f">= {d.HIGH_AMPS:g} A",
        d.MED: f"{d.MED_AMPS:g}-{d.HIGH_AMPS - 0.1:g} A",
        d.LOW: f"< {d.MED_AMPS:g} A",
    }


def trend_value(metric: str, value: float | None) -> str:
    """A trend figure as shown: sessions, kWh, or a percentage; n/a when there is none."""
    if value is None:
        return "n/a"
    if metric == "sessions":
        return f"{value:,.0f}"
    if metric == "kwh":
        return f"{value:,.0f} kWh"
    return pct(value)


def trend_change(metric: str, change: float | None) -> str:
    """The change with its arrow: "▲ 2.1 pts", "▼ 48 kWh", "no change"; empty when unknown."""
    if change is None:
        return ""
    if change == 0:
        return "no change"
    arrow = "▲" if change > 0 else "▼"
    if metric == "sessions":
        return f"{arrow} {abs(change):,.0f}"
    if metric == "kwh":
        return f"{arrow} {abs(change):,.0f} kWh"
    return f"{arrow} {abs(change):.1f} pts"


def where_to_look(item: Attention) -> str:
    """Where to look for an item that needs attention: the section or the command that shows
    it."""
    kind, subject, places = item.kind, item.subject, item.places
    if kind == "sync":
        if subject == "missing":
            return "the next run fetches this date range again; see the warning above"
        return "run without --offline to fetch the rest"
    if kind == "station":
        return "check the charger and its cable; the STATIONS table has its figures"
    if kind == "site":
        return (
            "check what its chargers share (supply, network, signs); its own report: "
            + site_command(subject)
        )
    if kind == "driver":
        return f"may need support or education; their sessions: seshis --user {subject}"
    if kind == "day":
        return f"that day's sessions: seshis --empty --micro --start {subject} --end {subject}"
    if kind == "health":

        def listed(who: str) -> str:
            return ", ".join(
                f"{c.name or 'the unclaimed sessions'} ({c.count} of {c.sessions})"
                for c in item.contributors
                if c.kind == who
            )

        stations, drivers = listed("station"), listed("driver")
        if not (stations or drivers):
            return "spread over the site: no station or driver stands out"
        parts = ([f"most at {stations}"] if stations else []) + (
            [f"among drivers: {drivers}"] if drivers else []
        )
        return "; ".join(parts)
    signs = "drivers plug in without scanning the QR code; check the signs"
    if places:
        return signs + " at " + ", ".join(f"{name} ({share:.0f}%)" for name, share in places)
    return signs


def since(onset: Onset) -> str:
    """Since when a station or site fails: "failing since 2026-11-20: 81% of sessions empty or
    micro, 6% before", or that the problem spans the whole window."""
    if onset.day is None:
        return f"failing throughout the window ({onset.share_pct:.0f}% empty or micro)"
    before = "" if onset.before_pct is None else f", {onset.before_pct:.0f}% before"
    return (
        f"failing since {onset.day.isoformat()}: {onset.share_pct:.0f}% of sessions empty or "
        f"micro{before}"
    )


def since_short(onset: Onset) -> str:
    """ "since 2026-11-20 (81%, 6% before)", or "throughout the window": for one-line output."""
    if onset.day is None:
        return "throughout the window"
    before = "" if onset.before_pct is None else f", {onset.before_pct:.0f}% before"
    return f"since {onset.day.isoformat()} ({onset.share_pct:.0f}%{before})"


def recovered(item: Recovery, with_site: bool = False) -> str:
    """ "station DEMO-17 recovered: 6% of 40 sessions empty or micro, 81% in the previous
    window"."""
    at = f" at {item.site}" if with_site and item.site and item.kind == "station" else ""
    return (
        f"{item.kind} {item.subject}{at} recovered: {item.share_pct:.0f}% of "
        f"{plural(item.sessions, 'session')} empty or micro, {item.before_pct:.0f}% in the "
        "previous window"
    )


def state(value: str | None) -> str:
    """ " (new)", " (continuing)", or nothing when there was no previous window."""
    return f" ({value})" if value else ""


def site_command(name: str) -> str:
    """The command that reports one site of a network."""
    quoted = f'"{name}"' if any(c in name for c in " &'()$;|<>*?!") else name
    return f"seshis --all --site {quoted}"


def renamed(a: str, b: str, why: str) -> str:
    """Two site names that look like one site renamed, and what to do about it."""
    return (
        f"The sites {a!r} and {b!r} look like one site renamed ({why}); if they are, give one "
        "as an alias of the other in the config and the report shows one site."
    )
