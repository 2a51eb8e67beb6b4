"""The test behind every "stands out" of a report: a one-sided Fisher exact test of a group
(a station, a driver, a day) against the rest, Holm-corrected over the groups tested, so that
where every group behaves alike an alarm is raised in at most ALPHA of reports."""

from __future__ import annotations

import math
from collections.abc import Sequence


def holm_fisher(
    groups: Sequence[tuple[int, int]], min_n: int, population: tuple[int, int] | None = None
) -> list[float | None]:
    """For groups of (problems, sessions): each group's Holm-adjusted p-value of having more
    problems than the rest would give by chance; None for a group too small to test (fewer
    than `min_n` sessions) or that is everything. The population is the groups together,
    or (problems, sessions) of a whole the groups are part of."""
    problems, total = population or (sum(k for k, _ in groups), sum(n for _, n in groups))
    tested = sorted(
        (fisher_greater(k, n, problems, total), i)
        for i, (k, n) in enumerate(groups)
        if n >= min_n and total > n
    )
    adjusted: list[float | None] = [None] * len(groups)
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (len(tested) - rank) * p))  # Holm, monotone
        adjusted[i] = running
    return adjusted


def fisher_greater(k: int, n: int, successes: int, population: int) -> float:
    """One-sided Fisher exact test: P(X >= k) for X hypergeometric (population, successes, n),
    the chance that a station with n sessions gets k or more of the site's problem sessions
    if problems fell on stations at random.

    The terms are summed from k away from the mode with the ratio of neighbouring terms, and
    the sum stops once they no longer change it, so a station of 25,000 sessions costs a few
    hundred steps, not 25,000."""
    lo, hi = max(0, n - (population - successes)), min(n, successes)
    if k <= lo:
        return 1.0
    if k > hi:
        return 0.0
    mean = n * successes / population
    if k > mean:  # the upper tail, falling away from k
        return min(1.0, _tail(k, hi, 1, n, successes, population))
    # the upper tail is large: one minus the lower tail, falling away from k - 1
    return max(0.0, 1.0 - _tail(k - 1, lo, -1, n, successes, population))


def _tail(start: int, stop: int, step: int, n: int, big_k: int, big_n: int) -> float:
    """The sum of hypergeometric terms from `start` towards `stop`, each from its neighbour."""
    term = math.exp(
        _lchoose(big_k, start) + _lchoose(big_n - big_k, n - start) - _lchoose(big_n, n)
    )
    total, i = term, start
    while i != stop and term > total * 1e-17:
        if step > 0:
            term *= (big_k - i) * (n - i) / ((i + 1) * (big_n - big_k - n + i + 1))
        else:
            term *= i * (big_n - big_k - n + i) / ((big_k - i + 1) * (n - i + 1))
        i += step
        total += term
    return total


def _lchoose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
