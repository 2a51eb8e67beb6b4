"""--check: the site health thresholds and the suspect stations as findings, for cron and
monitoring (exit 0 when all hold, 3 when any is breached)."""

from __future__ import annotations

from dataclasses import dataclass

from ..syncs import SyncStatus
from .stations import StationStats
from .summary import HealthCheck


@dataclass(frozen=True)
class Finding:
    kind: str  # health | station
    name: str
    ok: bool
    text: str


def findings(
    health: tuple[HealthCheck, ...],
    stations: tuple[StationStats, ...],
    sync: SyncStatus | None = None,
) -> tuple[Finding, ...]:
    """One finding for a live sync that did not reconcile (the figures may be short), one per
    health metric, then one per suspect or silent station."""
    out: list[Finding] = []
    if sync is not None and sync.problem:
        out.append(Finding("sync", "sync", False, sync.problem))
    for h in health:
        target = f"{h.comparison} {h.threshold_pct:g}%"
        if h.ok is None:
            why = h.reason or "no sessions to check"
            out.append(Finding("health", h.metric, True, f"{h.metric}: {why}"))
            continue
        text = f"{h.metric} {h.value_pct:.1f}% (target {target})"
        out.append(Finding("health", h.metric, bool(h.ok), text))
    for s in stations:
        if s.suspect:
            where = s.label + (f" ({s.space})" if s.space else "")
            note = "" if s.alarm else " (too few sessions to raise an alarm)"
            out.append(Finding("station", s.label, not s.alarm, f"{where}: {s.suspect}{note}"))
    return tuple(out)
