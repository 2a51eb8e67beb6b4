"""Stations: per-station figures, idle time and utilization, and the suspect ones.

A station is suspect when its share of empty + micro sessions is significantly above the rest
of the site: a one-sided Fisher exact test (the hypergeometric tail) for each station with at
least MIN_SESSIONS sessions, Holm-corrected over the stations so that a site where every
station behaves alike raises an alarm in at most 1 % of windows. A station that delivered no
energy at all is always called out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from .. import definitions as d
from ..store import Store, lit
from .options import Options
from .sites import Sites
from .stats import fisher_greater, holm_fisher

__all__ = ["ALPHA", "MIN_SESSIONS", "StationStats", "fisher_greater", "judge", "station_stats"]

ALPHA = 0.01
MIN_SESSIONS = 10
MIN_SILENT = 3  # a station silent for this many sessions is a breach for --check


@dataclass(frozen=True)
class StationStats:
    station_id: str | None
    space: str | None
    sessions: int
    empty: int
    micro: int
    unclaimed: int | None  # None: the data does not say who charged
    kwh: float
    median_current: float | None  # of normal sessions, A
    charging_h: float | None  # None when the data has no done-charging times
    idle_h: float | None
    occupied_h: float
    utilization_pct: float  # hours occupied over hours in the window
    duration_s: float = 0.0  # plugged-in time of all its sessions
    p_value: float | None = None  # Holm-adjusted; None when not tested
    suspect: str | None = None  # why, in words; None when the station looks fine
    site: str | None = None  # the site's key when the report has several sites
    rest_pct: float | None = None  # empty + micro share of the rest of its site

    @property
    def alarm(self) -> bool:
        """Whether --check counts this station as a breach: suspect on the test (of the window
        or of its recent history), or dead for at least MIN_SILENT sessions (one empty session
        is never an alarm on its own)."""
        return self.suspect is not None

    @property
    def label(self) -> str:
        return str(self.station_id) if self.station_id else "(no station)"

    @property
    def problems(self) -> int:
        return self.empty + self.micro

    def pct(self, part: int | None) -> float:
        return 100.0 * part / self.sessions if self.sessions and part else 0.0

    @property
    def average_duration_s(self) -> float | None:
        return self.duration_s / self.sessions if self.sessions else None

    def record(self) -> dict[str, Any]:
        """The station as one flat record, rounded for reading: a JSON object, a CSV row."""

        def rounded(value: float | None, digits: int) -> float | None:
            return None if value is None else round(value, digits)

        site = {} if self.site is None else {"site": self.site}
        return {
            **site,
            "station_id": self.station_id,
            "space": self.space,
            "sessions": self.sessions,
            "empty": self.empty,
            "micro": self.micro,
            "unclaimed": self.unclaimed,
            "empty_pct": round(self.pct(self.empty), 2),
            "micro_pct": round(self.pct(self.micro), 2),
            "unclaimed_pct": None if self.unclaimed is None else round(self.pct(self.unclaimed), 2),
            "kwh": round(self.kwh, 3),
            "median_current": rounded(self.median_current, 2),
            "charging_h": rounded(self.charging_h, 2),
            "idle_h": rounded(self.idle_h, 2),
            "occupied_h": round(self.occupied_h, 2),
            "utilization_pct": round(self.utilization_pct, 2),
            "average_duration_h": rounded(
                None if self.average_duration_s is None else self.average_duration_s / 3600, 3
            ),
            "p_value": None if self.p_value is None else float(f"{self.p_value:.3g}"),
            "suspect": self.suspect is not None,
            "reason": self.suspect,
        }


# The keys of StationStats.record(), in order: the header of the stations CSV.
RECORD_COLUMNS = tuple(StationStats(None, None, 0, 0, 0, 0, 0.0, None, None, None, 0, 0).record())


class _StationRow(NamedTuple):
    """One row of the grouped station query."""

    site: str
    station_id: str | None
    space: str | None
    sessions: int
    empty: int
    micro: int
    unclaimed: int
    kwh: float
    median_current: float | None
    charging_h: float | None
    idle_h: float | None
    occupied_h: float | None
    first_start: datetime
    last_end: datetime
    duration_s: float | None


def station_stats(
    store: Store, sites: Sites, options: Options, alpha: float = ALPHA, drivers: bool = True
) -> tuple[StationStats, ...]:
    """Every station in the window (one grouped query over only the columns it needs), keyed
    by site and station, each tested against the rest of its own site, worst first."""
    code = d.class_sql(options.threshold_kwh, options.voltage, options.active_current)
    amps = d.amps_sql(options.voltage, options.active_current)
    window = sites.window
    lo, hi = lit(window.start.isoformat()), lit(window.end.isoformat())
    # plugged-in hours inside the window; all the data: whole sessions, from first plug-in
    # to last unplug
    occupied = (
        f"{d.DURATION_SQL} / 3600.0"
        if window.kind == "all"
        else f'greatest(epoch_us(least("end", {hi}::TIMESTAMPTZ)) '
        f"- epoch_us(greatest(start, {lo}::TIMESTAMPTZ)), 0) / 3.6e9"
    )
    rows = [
        _StationRow(*r)
        for r in store.rows(
            f"""
            SELECT site, station_id, min(space), count(*),
                count(*) FILTER (cls = 0), count(*) FILTER (cls = 1),
                count(*) FILTER (unclaimed), coalesce(sum(kwh), 0),
                median(amps) FILTER (cls >= 2),
                sum(charging_s) / 3600.0, sum(idle_s) / 3600.0, sum(occupied_h),
                min(start), max("end"), sum({d.DURATION_SQL})
            FROM (
                SELECT {sites.key_sql()} AS site, station_id, space, kwh, start, "end",
                    {code} AS cls, {amps} AS amps,
                    {d.UNCLAIMED_SQL} AS unclaimed, {d.CHARGING_SQL} AS charging_s,
                    {d.IDLE_SQL} AS idle_s, {occupied} AS occupied_h
                FROM {sites.relation()} WHERE problem IS NULL AND {sites.in_window_sql()}
            )
            GROUP BY site, station_id
            """
        )
    ]
    span = (window.start, window.end)
    if window.kind == "all" and rows:
        span = (min(r.first_start for r in rows), max(r.last_end for r in rows))
    hours = max((span[1] - span[0]).total_seconds() / 3600.0, 1e-9)
    by_site: dict[str, list[StationStats]] = {}
    for r in rows:
        by_site.setdefault(r.site, []).append(
            StationStats(
                station_id=r.station_id,
                space=r.space,
                sessions=int(r.sessions),
                empty=int(r.empty),
                micro=int(r.micro),
                unclaimed=int(r.unclaimed) if drivers else None,
                kwh=float(r.kwh),
                median_current=None if r.median_current is None else float(r.median_current),
                charging_h=None if r.charging_h is None else float(r.charging_h),
                idle_h=None if r.idle_h is None else float(r.idle_h),
                occupied_h=float(r.occupied_h or 0),
                utilization_pct=100.0 * float(r.occupied_h or 0) / hours,
                duration_s=float(r.duration_s or 0),
                site=r.site if sites.several else None,
            )
        )
    judged = [s for stats in by_site.values() for s in judge(stats, alpha)]
    return tuple(sorted(judged, key=worst_first))


def worst_first(s: StationStats) -> tuple[bool, float, float, str, str]:
    return (
        s.suspect is None,
        s.p_value if s.p_value is not None else 2.0,
        -s.pct(s.problems),
        str(s.station_id),
        s.site or "",
    )


def judge(stats: list[StationStats], alpha: float = ALPHA) -> list[StationStats]:
    """Mark the suspect stations (Holm over one-sided Fisher tests) and the silent ones."""
    total = sum(s.sessions for s in stats)
    problems = sum(s.problems for s in stats)
    adjusted = holm_fisher([(s.problems, s.sessions) for s in stats], MIN_SESSIONS)
    out = []
    for i, s in enumerate(stats):
        p = adjusted[i]
        rest_n, rest_k = total - s.sessions, problems - s.problems
        rest = 100.0 * rest_k / rest_n if rest_n else 0.0
        reason = None
        if s.sessions >= MIN_SILENT and s.kwh == 0:  # one empty session is no alarm
            reason = f"delivered no energy in {s.sessions} sessions"
        elif p is not None and p < alpha and s.pct(s.problems) > rest:
            reason = f"{_what(s)}; rest of the site {rest:.0f}%"
        out.append(replace(s, p_value=p, suspect=reason, rest_pct=rest if rest_n else None))
    return out


def _what(s: StationStats) -> str:
    """ "56 of 67 sessions empty or micro (84%: 44 empty, 12 micro)", or just empty or micro."""
    share = f"{s.pct(s.problems):.0f}%"
    if s.empty and s.micro:
        detail = f"({share}: {s.empty} empty, {s.micro} micro)"
        return f"{s.problems} of {s.sessions} sessions empty or micro {detail}"
    kind = "empty" if s.empty else "micro"
    return f"{s.problems} of {s.sessions} sessions {kind} ({share})"


def station_days(
    store: Store, sites: Sites, options: Options, stations: Sequence[StationStats]
) -> dict[tuple[str | None, str | None], list[tuple[date, int, int]]]:
    """(local day, empty + micro, sessions) of some stations, by (site, station), day order:
    one grouped query over those stations' sessions, for their change points."""
    if not stations:
        return {}
    code = d.class_sql(options.threshold_kwh, options.voltage, options.active_current)
    ids = ", ".join(lit(s.station_id) for s in stations if s.station_id is not None)
    chosen = f"station_id IN ({ids})" if ids else "FALSE"
    if any(s.station_id is None for s in stations):
        chosen = f"({chosen} OR station_id IS NULL)"
    if sites.several:  # equal ids stand at other sites too: only these sites' rows
        keys = ", ".join(lit(k) for k in sorted({s.site or "" for s in stations}))
        chosen += f" AND {sites.key} IN ({keys})"
    wanted = {(s.site, s.station_id) for s in stations}
    out: dict[tuple[str | None, str | None], list[tuple[date, int, int]]] = {}
    for site, station, day, failed, n in store.rows(
        f"""
        SELECT site, station_id, day, count(*) FILTER (cls <= 1), count(*)
        FROM (
            SELECT {sites.key_sql()} AS site, station_id, {code} AS cls,
                {sites.local("start")}::DATE AS day
            FROM {sites.relation()}
            WHERE problem IS NULL AND {sites.in_window_sql()} AND {chosen}
        )
        GROUP BY ALL ORDER BY site, station_id, day
        """
    ):
        key = (site if sites.several else None, station)
        if key in wanted:
            out.setdefault(key, []).append((day, int(failed), int(n)))
    return out
