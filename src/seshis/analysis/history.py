"""A short window judged with its recent history, so attention never cries wolf and never
misses a station that fails every day.

On a window shorter than HISTORY_DAYS (Today, a week, a few days), a station with too few
sessions in the window to be tested is also tested on the last HISTORY_DAYS days up to the
window's end, with the same exact test within its site: a station that fails there is named
even when today it had one session ("1 of 1 today; 54 of 67 in the last 30 days"), unless the
window shows it repaired (its share now no higher than the rest of its site). A station
normally used that has no session now is silent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from ..dates import DateRange
from .sites import Sites
from .stations import MIN_SESSIONS, StationStats

HISTORY_DAYS = 30
SILENT_EXPECTED = 5.0  # sessions a station would have had at its usual rate: none is silent
# (the chance of no session at all, at that rate, is under 1 %)


def history_of(sites: Sites) -> Sites | None:
    """The last HISTORY_DAYS days up to the end of each site's window; None when the window is
    all the data or at least that long."""
    w = sites.window
    if w.kind == "all" or w.end - w.start >= timedelta(days=HISTORY_DAYS):
        return None

    def back(x: DateRange) -> DateRange:
        return DateRange(x.end - timedelta(days=HISTORY_DAYS), x.end, x.timezone, "custom")

    return replace(sites, windows=tuple(back(x) for x in sites.windows), window=back(w))


@dataclass(frozen=True)
class Absent:
    """A station with no session in the window: silent when normally used, or failing in its
    history (named on a day it has not been used yet)."""

    site: str | None  # its site's key, in a network
    label: str
    space: str | None
    why: str


def judged(
    now: tuple[StationStats, ...],
    history: tuple[StationStats, ...],
    window: DateRange,
) -> tuple[tuple[StationStats, ...], tuple[Absent, ...]]:
    """The window's stations with what their history adds (a suspect the window alone could
    not tell), and the stations without a session now that need attention."""
    then = {(s.site, s.label): s for s in history}
    when = "today" if window.kind == "today" else "in this window"
    out = []
    for s in now:
        h = then.get((s.site, s.label))
        # the window alone decides when it has enough sessions to test, or shows a repair
        few = s.sessions < MIN_SESSIONS
        repaired = s.rest_pct is not None and s.pct(s.problems) <= s.rest_pct
        if s.suspect is None and few and h is not None and h.suspect is not None and not repaired:
            noun = "session" if s.sessions == 1 else "sessions"
            why = (
                f"{s.problems} of {s.sessions} {noun} empty or micro {when}; {h.problems} of "
                f"{h.sessions} in the last {HISTORY_DAYS} days ({h.pct(h.problems):.0f}%)"
            )
            if h.rest_pct is not None:
                why += f"; rest of the site {h.rest_pct:.0f}%"
            s = replace(s, suspect=why, p_value=h.p_value)
        out.append(s)
    seen = {(s.site, s.label) for s in now}
    share = (window.end - window.start) / timedelta(days=HISTORY_DAYS)
    absent = []
    for h in history:
        if (h.site, h.label) in seen:
            continue
        usual = f"{h.sessions} in the last {HISTORY_DAYS} days"
        if h.suspect is not None:
            why = f"no session {when}; {h.problems} of {usual} empty or micro "
            why += f"({h.pct(h.problems):.0f}%)"
        elif h.sessions * share >= SILENT_EXPECTED:
            why = f"silent: no session {when}, about {h.sessions * share:.0f} expected ({usual})"
        else:
            continue
        absent.append(Absent(h.site, h.label, h.space, why))
    return tuple(out), tuple(absent)
