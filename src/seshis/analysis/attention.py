"""What needs a site manager's attention first: stations that fail or stay silent, drivers who
need help, unclaimed sessions that breach their target or rise, days with a spike of failures,
and a live sync that did not complete. Each finding says what, how much and where to look.

Drivers and days are tested like the stations (analysis/stats.py): a one-sided Fisher test
against the rest, Holm-corrected, so a driver with 1 failed session of 2 is not an alarm.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from ..syncs import SyncStatus
from .onset import Onset
from .stations import ALPHA, StationStats
from .stats import holm_fisher
from .summary import Counts, Summary
from .trends import Trend

MIN_DRIVER_SESSIONS = 5  # fewer sessions cannot tell a driver who struggles
MIN_DAY_SESSIONS = 10
UNCLAIMED_RISE = 5.0  # percentage points more than the previous window
WHERE = 3  # stations named where unclaimed sessions happen most
T = TypeVar("T")


@dataclass(frozen=True)
class Attention:
    """One thing that needs attention. Where to look is worded by each output from `kind` and
    `subject` (render/common/wording.py), since it names commands and sections."""

    kind: str  # sync | site | station | driver | unclaimed | day
    subject: str  # the site, the station, the driver's email, "unclaimed", the date; for a
    # sync, "missing" (the next run fetches again) or "offline" (the store lacks part of it)
    text: str  # what, and how much
    places: tuple[tuple[str, float], ...] = ()  # unclaimed: the stations with the most, and
    # their unclaimed share (%)
    site: str | None = None  # the site it stands at, in a network of sites
    since: Onset | None = None  # a failing station or site: since when
    contributors: tuple[Contribution, ...] = ()  # a missed target: where it comes from
    state: str | None = None  # new | continuing (against the previous window); None: not known


@dataclass(frozen=True)
class Contribution:
    """A station or driver (None: the unclaimed sessions) behind a missed target: `count` of
    its `sessions` move the share off its target."""

    kind: str  # station | driver
    name: str | None
    count: int
    sessions: int


@dataclass(frozen=True)
class Recovery:
    """A station or site that needed attention in the previous window and no longer does."""

    kind: str  # station | site
    subject: str
    site: str | None  # the station's site, in a network of sites
    share_pct: float  # empty + micro now
    before_pct: float  # and in the previous window
    sessions: int  # now


def _share(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.0f}%" if whole else "0%"


def _failed(c: Counts) -> str:
    return (
        f"{c.problems} of {c.sessions} sessions empty or micro ({_share(c.problems, c.sessions)})"
    )


def drivers_to_help(
    counted: Summary, alpha: float = ALPHA, whole: str = "site"
) -> tuple[tuple[str, str], ...]:
    """Claimed drivers whose share of empty and micro sessions is significantly above the rest
    of the `whole`'s sessions (the site's, or a network's): (email, why), worst first."""
    claimed = [u for u in counted.users if u.user is not None]
    t = counted.totals
    adjusted = holm_fisher(
        [(u.counts.problems, u.counts.sessions) for u in claimed],
        MIN_DRIVER_SESSIONS,
        population=(t.problems, t.sessions),
    )
    found = [
        (p, -u.counts.pct(u.counts.problems), u.user or "", f"{why}; rest of the {whole} {rest}")
        for u, p, why, rest in above_rest(claimed, [u.counts for u in claimed], adjusted, t, alpha)
    ]
    return tuple((user, why) for _, _, user, why in sorted(found))


def spike_days(counted: Summary, alpha: float = ALPHA) -> tuple[tuple[str, str], ...]:
    """Days whose share of empty and micro sessions is significantly above the rest of the
    window: (date, why)."""
    days = counted.daily
    adjusted = holm_fisher([(d.counts.problems, d.counts.sessions) for d in days], MIN_DAY_SESSIONS)
    return tuple(
        (day.day.isoformat(), f"{why}; rest of the window {rest}")
        for day, _p, why, rest in above_rest(
            days, [d.counts for d in days], adjusted, counted.totals, alpha
        )
    )


def above_rest(
    items: Sequence[T],
    counts: Sequence[Counts],
    adjusted: Sequence[float | None],
    totals: Counts,
    alpha: float,
) -> Iterator[tuple[T, float, str, str]]:
    """(item, p, what failed, the rest's share) of the items whose share of empty and micro
    sessions is significantly above the rest of the sessions."""
    for item, c, p in zip(items, counts, adjusted, strict=True):
        rest_n, rest_k = totals.sessions - c.sessions, totals.problems - c.problems
        if p is None or p >= alpha or not rest_n or c.pct(c.problems) <= 100 * rest_k / rest_n:
            continue
        yield item, p, _failed(c), _share(rest_k, rest_n)


def needs_attention(
    counted: Summary,
    stations: tuple[StationStats, ...],
    trends: tuple[Trend, ...],
    sync: SyncStatus | None,
    helped: tuple[tuple[str, str], ...],
    *,
    sites: Sequence[tuple[str, str]] = (),
    site_names: dict[str, str] | None = None,
    site: str | None = None,
    from_sites: Sequence[Attention] | None = None,
    days: bool = True,
    absent: Sequence[tuple[str | None, str, str]] = (),
) -> tuple[Attention, ...]:
    """Every finding, most pressing first: an incomplete sync (the figures may be short),
    failing sites (name, why) of a network, failing and silent stations, unclaimed sessions,
    drivers who need help, spike days. The scope of one site of a network (`site`) tags its
    items with it; a network's scope takes its sites' items (`from_sites`) in place of its
    stations' and its sites', then adds its own."""
    out: list[Attention] = []
    if sync is not None and sync.problem:
        out.append(Attention("sync", "missing" if sync.missing else "offline", sync.problem))
    if from_sites is not None:
        out += from_sites
    else:
        for name, why in sites:
            out.append(Attention("site", name, f"site {name}: {why}", site=name))
        names = site_names or {}
        for s in stations:
            if s.suspect:
                place = f" ({s.space})" if s.space else ""
                at = None if s.site is None else names.get(s.site, s.site)
                text = f"station {s.label}{place}: {s.suspect}"
                out.append(Attention("station", s.label, text, site=at))
        for at, label, why in absent:  # (site name, station, why): no session now
            out.append(Attention("station", label, f"station {label}: {why}", site=at))
    if site is None:  # a site's missed targets are marked in the SITES table, not items
        out += _targets(counted, stations)
    out += [replace(a, site=site) for a in _unclaimed(counted, stations, trends)]
    for user, why in helped:
        out.append(Attention("driver", user, f"{user}: {why}"))
    if days:
        for day, why in spike_days(counted):
            out.append(Attention("day", day, f"{day}: {why}"))
    return tuple(out)


TARGET_NAMES = {"empty": "empty sessions", "micro": "microsessions", "normal": "normal sessions"}


def _targets(counted: Summary, stations: tuple[StationStats, ...]) -> list[Attention]:
    """A health target that is not met (empty, micro, normal; unclaimed has its own item): how
    far from the target, and the stations and drivers that contribute most."""
    out = []
    for h in counted.health:
        if h.ok is not False or h.value_pct is None or h.metric not in TARGET_NAMES:
            continue
        gap = abs(h.value_pct - h.threshold_pct)
        how = "over" if h.comparison == "<" else "under"
        side = "below" if h.comparison == "<" else "above"
        off = f"{gap:.1f} points {how}" if round(gap, 1) else f"at the limit; it must stay {side}"
        text = (
            f"{TARGET_NAMES[h.metric]} {h.value_pct:.1f}% (target {h.comparison} "
            f"{h.threshold_pct:g}%): {off}"
        )

        def part(c: Counts | StationStats, metric: str = h.metric) -> int:
            """The sessions that move it off its target."""
            return c.problems if metric == "normal" else int(getattr(c, metric))

        most = sorted(
            (Contribution("station", s.label, part(s), s.sessions) for s in stations if part(s)),
            key=lambda c: (-c.count, str(c.name)),
        )[:WHERE]
        most += sorted(
            (
                Contribution("driver", u.user, part(u.counts), u.counts.sessions)
                for u in counted.users
                if part(u.counts)
            ),
            key=lambda c: (-c.count, str(c.name)),
        )[:WHERE]
        out.append(Attention("health", h.metric, text, contributors=tuple(most)))
    return out


def _unclaimed(
    counted: Summary, stations: tuple[StationStats, ...], trends: tuple[Trend, ...]
) -> list[Attention]:
    check = next((h for h in counted.health if h.metric == "unclaimed"), None)
    trend = next((t for t in trends if t.metric == "unclaimed"), None)
    if check is None or check.value_pct is None:
        return []
    breached = check.ok is False
    rose = trend is not None and trend.change is not None and trend.change >= UNCLAIMED_RISE
    if not (breached or rose):
        return []
    how = f"unclaimed sessions {check.value_pct:.1f}%"
    if breached:
        how += f" (target < {check.threshold_pct:g}%)"
    if rose and trend is not None:
        how += f", up from {trend.previous:.1f}% in the previous window"
    busiest = sorted(
        (s for s in stations if s.sessions >= MIN_DRIVER_SESSIONS and s.unclaimed),
        key=lambda s: (-s.pct(s.unclaimed), s.label),
    )[:WHERE]
    places = tuple((s.label, s.pct(s.unclaimed)) for s in busiest)
    return [Attention("unclaimed", "unclaimed", how, places)]
