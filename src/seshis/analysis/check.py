"""--check: the site health thresholds and the suspect stations as findings, for cron and
monitoring (exit 0 when all hold, 3 when any is breached)."""

from __future__ import annotations

from dataclasses import dataclass

from ..syncs import SyncStatus
from .attention import Attention, Recovery
from .stations import StationStats
from .summary import HealthCheck


@dataclass(frozen=True)
class Finding:
    kind: str  # sync | health | site | station | recovered
    name: str
    ok: bool
    text: str
    state: str | None = None  # a site or station: new | continuing; None: no previous window
    site: str | None = None  # a station's site, in a network of sites


def findings(
    health: tuple[HealthCheck, ...],
    stations: tuple[StationStats, ...],
    sync: SyncStatus | None = None,
    items: tuple[Attention, ...] = (),
    recovered: tuple[Recovery, ...] = (),
    site_names: dict[str, str] | None = None,
) -> tuple[Finding, ...]:
    """One finding for a live sync that did not reconcile (the figures may be short), one per
    health metric, one per failing site of a network (from the attention `items`), one per
    suspect or silent station, then one per station or site that recovered."""
    out: list[Finding] = []
    if sync is not None and sync.problem:
        out.append(Finding("sync", "sync", False, sync.problem))
    state = {(a.kind, a.site, a.subject): a.state for a in items}
    for h in health:
        target = f"{h.comparison} {h.threshold_pct:g}%"
        if h.ok is None:
            why = h.reason or "no sessions to check"
            out.append(Finding("health", h.metric, True, f"{h.metric}: {why}"))
            continue
        text = f"{h.metric} {h.value_pct:.1f}% (target {target})"
        out.append(Finding("health", h.metric, bool(h.ok), text))
    for a in items:
        if a.kind == "site":
            out.append(Finding("site", a.subject, False, a.text, a.state, a.subject))
    names = site_names or {}
    for s in stations:
        if s.suspect:
            site = site_of(s, names)
            where = s.label + (f" ({s.space})" if s.space else "")
            note = "" if s.alarm else " (too few sessions to raise an alarm)"
            text = f"{where}: {s.suspect}{note}"
            out.append(
                Finding(
                    "station",
                    s.label,
                    not s.alarm,
                    text,
                    state.get(("station", site, s.label)),
                    site,
                )
            )
    judged = {(site_of(s, names), s.label) for s in stations if s.suspect}
    for a in items:  # stations without a session now: silent, or failing in their history
        if a.kind == "station" and (a.site, a.subject) not in judged:
            text = a.text.removeprefix("station ")
            out.append(Finding("station", a.subject, False, text, a.state, a.site))
    for r in recovered:
        text = (
            f"{r.kind} {r.subject} recovered: {r.share_pct:.0f}% of {r.sessions} sessions "
            f"empty or micro, {r.before_pct:.0f}% in the previous window"
        )
        out.append(Finding("recovered", r.subject, True, text, "recovered", r.site))
    return tuple(out)


def site_of(s: StationStats, names: dict[str, str]) -> str | None:
    """A station's site by name, in a network (None for one site)."""
    return None if s.site is None else names.get(s.site, s.site)
