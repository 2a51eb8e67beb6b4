"""Since when: the first day of the run of failures that made a station (or a site) stand out.

A change point in its daily counts of empty and micro sessions: for each day that could start
the run, the one-sided Fisher test of the days from it on against the whole window; the day
with the smallest p-value, Bonferroni-corrected over the days tried, is the onset when that is
below ALPHA. Otherwise the problem spans the whole window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .stats import fisher_greater

ALPHA = 0.01
MIN_SIDE = 3  # sessions on each side of a change point


@dataclass(frozen=True)
class Onset:
    """Since when a station or site fails: `day` None when no change point is significant
    (the problem spans the whole window). Shares of empty + micro sessions in percent."""

    day: date | None
    share_pct: float  # from `day` on; the whole window's when `day` is None
    before_pct: float | None  # before `day`


def onset(days: Sequence[tuple[date, int, int]], alpha: float = ALPHA) -> Onset:
    """The onset of failures from (day, failed, sessions) per day, in day order."""
    failed = sum(k for _, k, _ in days)
    total = sum(n for _, _, n in days)
    whole = Onset(None, 100.0 * failed / total if total else 0.0, None)
    if total < 2 * MIN_SIDE or not failed:
        return whole
    best: tuple[float, int] | None = None
    tried = 0
    after_k, after_n = failed, total
    for i, (_day, k, n) in enumerate(days):
        if i:  # the days from i on, against the whole window
            if after_n < MIN_SIDE or total - after_n < MIN_SIDE:
                after_k, after_n = after_k - k, after_n - n
                continue
            tried += 1
            before_share = (failed - after_k) / (total - after_n)
            if after_k / after_n > before_share:
                p = fisher_greater(after_k, after_n, failed, total)
                if best is None or p < best[0]:
                    best = (p, i)
        after_k, after_n = after_k - k, after_n - n
    if best is None or min(1.0, best[0] * tried) >= alpha:
        return whole
    start = best[1]
    k_after = sum(k for _, k, _ in days[start:])
    n_after = sum(n for _, _, n in days[start:])
    return Onset(
        days[start][0],
        100.0 * k_after / n_after,
        100.0 * (failed - k_after) / (total - n_after),
    )
