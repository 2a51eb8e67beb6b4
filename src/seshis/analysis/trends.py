"""Trends: each key figure of the report now and in the window of the same length before, as
shown (rounded), with the change between the shown values."""

from __future__ import annotations

from dataclasses import dataclass

from . import summary
from .summary import Previous

# The trend metrics in the order every output shows them: (key, decimals shown). Percentages
# are shown to 0.1 point, energy to the kWh.
TREND_METRICS = (
    ("sessions", 0),
    ("kwh", 0),
    ("empty", 1),
    ("micro", 1),
    ("normal", 1),
    ("unclaimed", 1),
)
WORSE_WHEN_UP = {"empty": True, "micro": True, "unclaimed": True, "normal": False}


@dataclass(frozen=True)
class Trend:
    """One key figure now and in the previous window, as shown (rounded), and the change
    between the shown values, so "14.8% was 14.8%" never reads as a change."""

    metric: str  # sessions | kwh | empty | micro | normal | unclaimed (the last four in %)
    value: float | None
    previous: float | None
    decimals: int

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return _round(self.value - self.previous, self.decimals)

    @property
    def worse(self) -> bool | None:
        """Whether the change is bad news (more failures, fewer normal sessions); None when
        it is neutral or there is no change."""
        if not self.change or self.metric not in WORSE_WHEN_UP:
            return None
        return (self.change > 0) == WORSE_WHEN_UP[self.metric]


def trends(
    counted: summary.Summary, before: Previous | None, drivers: bool = True
) -> tuple[Trend, ...]:
    """Each key figure now and before, rounded as shown."""
    if before is None:
        return ()
    now_pct = {h.metric: h.value_pct for h in counted.health}
    out = []
    value: float | None
    was: float | None
    for metric, decimals in TREND_METRICS:
        if metric == "unclaimed" and not drivers:
            continue  # without drivers there is no unclaimed share, now or before
        if metric == "sessions":
            value, was = float(counted.totals.sessions), float(before.totals.sessions)
        elif metric == "kwh":
            value, was = counted.totals.kwh, before.totals.kwh
        else:
            value, was = now_pct.get(metric), before.pct(metric)
        out.append(Trend(metric, _round(value, decimals), _round(was, decimals), decimals))
    return tuple(out)


def _round(value: float | None, decimals: int) -> float | None:
    """Rounded as shown; whole numbers as int."""
    if value is None:
        return None
    return round(value) if decimals == 0 else round(value, decimals)
