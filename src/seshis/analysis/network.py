"""The network's view: sites compared with the rest of the network, since when each failing
station or site fails, whether what failed in the previous window still does (new, continuing,
recovered).

Sites are tested like stations (analysis/stats.py): a one-sided Fisher test of a site's empty
and micro sessions against the rest of the network, Holm-corrected over the sites. Stations
are tested within their own site, so a site where every station fails stands out here, as one
site, not as N stations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .attention import Attention, Recovery, above_rest
from .onset import Onset, onset
from .stations import ALPHA, MIN_SESSIONS, StationStats
from .stats import holm_fisher
from .summary import Counts, DayStats


@dataclass(frozen=True)
class SiteVerdict:
    """A site that stands out from the rest of the network, and why."""

    name: str
    p_value: float
    why: str  # "169 of 527 sessions empty or micro (32%); rest of the network 7%"


def suspect_sites(
    named: Sequence[tuple[str, Counts]], alpha: float = ALPHA
) -> dict[str, SiteVerdict]:
    """The sites whose share of empty and micro sessions is significantly above the rest of
    the network, by name."""
    if len(named) < 2:
        return {}
    counts = [c for _, c in named]
    totals = sum(counts, Counts())
    adjusted = holm_fisher([(c.problems, c.sessions) for c in counts], MIN_SESSIONS)
    return {
        name: SiteVerdict(name, p, f"{why}; rest of the network {rest}")
        for (name, _c), p, why, rest in above_rest(named, counts, adjusted, totals, alpha)
    }


def site_onset(daily: Sequence[DayStats]) -> Onset:
    return onset([(d.day, d.counts.problems, d.counts.sessions) for d in daily])


@dataclass(frozen=True)
class Before:
    """What needed attention in the previous window: suspect stations by (site name, label)
    with their empty + micro share, suspect sites by name with theirs."""

    stations: dict[tuple[str | None, str], float]
    sites: dict[str, float]


Where = tuple[str, str | None, str]  # (kind, site name, subject): one station or site


def before(
    stations: Iterable[StationStats],
    sites: Sequence[tuple[str, Counts]],
    site_names: dict[str, str],
) -> Before:
    verdicts = suspect_sites(sites)
    shares = dict(sites)
    return Before(
        {(_site(s, site_names), s.label): s.pct(s.problems) for s in stations if s.alarm},
        {name: shares[name].pct(shares[name].problems) for name in verdicts},
    )


def _site(s: StationStats, site_names: dict[str, str]) -> str | None:
    return None if s.site is None else site_names.get(s.site, s.site)


def annotate(
    items: Sequence[Attention], onsets: dict[Where, Onset], was: Before | None
) -> tuple[Attention, ...]:
    """Each station and site item with since when, and whether it is new or continues from
    the previous window (None when there was no previous window)."""
    out = []
    for item in items:
        if item.kind in ("station", "site"):
            site = item.site if item.kind == "station" else item.subject
            if was is None:
                state = None
            elif item.kind == "station":
                state = "continuing" if (site, item.subject) in was.stations else "new"
            else:
                state = "continuing" if item.subject in was.sites else "new"
            since = onsets.get((item.kind, site, item.subject))
            item = replace(item, site=site, since=since, state=state)
        out.append(item)
    return tuple(out)


def recovered(
    was: Before | None,
    stations: Sequence[StationStats],
    sites: Sequence[tuple[str, Counts]],
    site_names: dict[str, str],
    suspect_now: set[Where],
) -> tuple[Recovery, ...]:
    """The stations and sites that needed attention in the previous window and do not now,
    with their share now and then (one without a session now is not called recovered:
    nothing shows it works)."""
    if was is None:
        return ()
    now = {(_site(s, site_names), s.label): s for s in stations}
    out = []
    for (site, label), then in sorted(was.stations.items(), key=lambda kv: str(kv[0])):
        st = now.get((site, label))
        if st is None or not st.sessions or ("station", site, label) in suspect_now:
            continue
        out.append(Recovery("station", label, site, st.pct(st.problems), then, st.sessions))
    counts = dict(sites)
    for name, then in sorted(was.sites.items()):
        c = counts.get(name)
        if c is None or not c.sessions or ("site", name, name) in suspect_now:
            continue
        out.append(Recovery("site", name, name, c.pct(c.problems), then, c.sessions))
    return tuple(out)
