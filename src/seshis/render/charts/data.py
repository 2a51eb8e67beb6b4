"""The numbers each chart plots, as plain data (tests compare them with the report): daily
rates, daily sessions, top users, performance bands, hours of start, stations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ... import definitions as d
from ...analysis import Report
from ...analysis.report import Counts
from ..common.wording import threshold

NAMES = ("daily_rates", "daily_sessions", "top_users", "performance", "hourly")
STATIONS = "stations"  # drawn when the report carries the stations
STATION_BARS = 25  # the stations with the largest empty + micro share
SIZE = (10.0, 5.6)  # inches
NO_SESSIONS = "No sessions in this date range"
NO_DRIVERS = "These sessions do not say who charged"
EMAIL_WIDTH = 30  # longer emails are cut with an ellipsis
SHORT_DAYS = 10  # up to this many days: a labelled tick and a value label per day
LONG_DAYS = 45  # beyond this many days: a 7-day average over the daily rates
BAR_DAYS = 120  # beyond this many days: stacked steps instead of one bar a day

# seshis.py's colours (green, orange, red) as matplotlib's tab10 shades.
COLOURS = {
    d.EMPTY: "#d62728",
    d.MICRO: "#ff7f0e",
    d.NORMAL: "#2ca02c",
    d.HIGH: "#2ca02c",
    d.MED: "#ff7f0e",
    d.LOW: "#d62728",
}
INK, MUTED, GRID = "#222222", "#666666", "#e6e6e6"


@dataclass(frozen=True)
class Series:
    """One plotted series: `key` is a category or band (EMPTY, HIGH ...), `label` its legend."""

    key: str
    label: str
    values: tuple[float | None, ...]  # None: nothing to plot (a rate on a day without sessions)
    colour: str


@dataclass(frozen=True)
class ChartData:
    """The numbers one chart plots, one value per x in each series."""

    name: str
    title: str
    x: tuple[date | int | str | None, ...]  # days, hours, users (None: unclaimed), or bands
    x_labels: tuple[str, ...]
    series: tuple[Series, ...]
    x_label: str
    y_label: str
    targets: tuple[tuple[str, float, str], ...] = ()  # reference lines: label, y, colour
    note: str = ""  # shown instead of the data when there is nothing to plot
    partial: tuple[str, ...] = ()  # per day: "" or how much of it the window covers
    x_range: tuple[datetime, datetime] | None = None  # the x axis's extent, when not the data's

    def values(self, key: str) -> tuple[float | None, ...]:
        """The values of the series with this key (KeyError if none)."""
        return {s.key: s.values for s in self.series}[key]


def _threshold(report: Report) -> str:
    return threshold(report.threshold_kwh)  # as the terminal and the PDF write it


def _category_series(report: Report, counts: Sequence[Counts]) -> tuple[Series, ...]:
    thr = _threshold(report)
    parts = (
        (d.EMPTY, "Empty (0 kWh)", "empty"),
        (d.MICRO, f"Micro (< {thr} kWh)", "micro"),
        (d.NORMAL, f"Normal (≥ {thr} kWh)", "normal"),
    )
    return tuple(
        Series(key, label, tuple(getattr(c, field) for c in counts), COLOURS[key])
        for key, label, field in parts
    )


def _days(report: Report) -> tuple[tuple[date, ...], tuple[Counts, ...], tuple[str, ...]]:
    """Every local day of the window with days without sessions, and per day "" or the part of
    it the window covers ("from 15:00"). A first or last day the window only partly covers is
    dropped when it has no session (never an empty bar for the hours before the window)."""
    by_day = {day.day: day.counts for day in report.daily}
    if not by_day:
        return (), (), ()
    first, last = report.window.local_dates()
    first, last = min(first, *by_day), max(last, *by_day)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    notes = dict(_partial_days(report))
    while len(days) > 1 and days[0] in notes and days[0] not in by_day:
        days.pop(0)
    while len(days) > 1 and days[-1] in notes and days[-1] not in by_day:
        days.pop()
    return (
        tuple(days),
        tuple(by_day.get(day, Counts()) for day in days),
        tuple(notes.get(day, "") for day in days),
    )


def _partial_days(report: Report) -> list[tuple[date, str]]:
    """The first and last local day of a window that starts or ends within them, with the
    hours it covers; the window of all the data has none (it is the data's own span)."""
    w = report.window
    if w.kind == "all" or w.end <= w.start:
        return []
    zone = ZoneInfo(w.timezone)
    start, end = w.start.astimezone(zone), w.end.astimezone(zone)
    first, last = w.local_dates()
    starts_late = start.time() != time(0)
    ends_early = end.time() != time(0)  # `end` is exclusive: midnight ends the day before
    if first == last:
        if not (starts_late or ends_early):
            return []
        until = "24:00" if end.date() > first else f"{end:%H:%M}"
        return [(first, f"{start:%H:%M}–{until}")]
    out = []
    if starts_late:
        out.append((first, f"from {start:%H:%M}"))
    if ends_early:
        out.append((last, f"until {end:%H:%M}"))
    return out


def _note(report: Report) -> str:
    return "" if report.totals.sessions else NO_SESSIONS


def _rates(counts: Sequence[Counts], part: str, days: int = 1) -> tuple[float | None, ...]:
    """Percent of sessions in `part` over the `days` days ending at each day (None: no
    sessions in them)."""
    rates = []
    for i in range(len(counts)):
        span = counts[max(0, i - days + 1) : i + 1]
        total = sum(c.sessions for c in span)
        rates.append(100.0 * sum(getattr(c, part) for c in span) / total if total else None)
    return tuple(rates)


def categories(report: Report) -> tuple[tuple[str, str, str], ...]:
    """(key, Counts field, label) of the categories the flags asked for: --empty, --micro, or
    both (with --all, or neither)."""
    thr = _threshold(report)
    both = ((d.EMPTY, "empty", "Empty (0 kWh)"), (d.MICRO, "micro", f"Micro (< {thr} kWh)"))
    sec = report.sections
    if sec.empty == sec.micro:
        return both
    return both[:1] if sec.empty else both[1:]


def _daily_rates(report: Report, top: int) -> ChartData:
    days, counts, partial = _days(report)
    limits = {h.metric: h.threshold_pct for h in report.health}
    names = categories(report)
    series = [Series(key, label, _rates(counts, part), COLOURS[key]) for key, part, label in names]
    if len(days) > LONG_DAYS:
        series += [
            Series(
                f"{key}_7D",
                f"{label.split()[0]}, 7-day average",
                _rates(counts, part, 7),
                COLOURS[key],
            )
            for key, part, label in names
        ]
    what = " and ".join(
        {"empty": "Empty sessions", "micro": "microsessions"}[part] for _, part, _ in names
    )
    return ChartData(
        name="daily_rates",
        title=f"{what[0].upper()}{what[1:]} per day",
        x=days,
        x_labels=tuple(day.isoformat() for day in days),
        series=tuple(series),
        x_label="Date",
        y_label="% of sessions",
        targets=tuple(
            (f"{label.split()[0]} target (< {limits[part]:g}%)", limits[part], COLOURS[key])
            for key, part, label in names
        ),
        note=_note(report),
        partial=partial,
    )


def _daily_sessions(report: Report, top: int) -> ChartData:
    days, counts, partial = _days(report)
    return ChartData(
        name="daily_sessions",
        title="Sessions per day by category",
        x=days,
        x_labels=tuple(day.isoformat() for day in days),
        series=_category_series(report, counts),
        x_label="Date",
        y_label="Sessions",
        note=_note(report),
        partial=partial,
    )


def shorten(text: str, width: int = EMAIL_WIDTH) -> str:
    """The text cut to `width` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _top_users(report: Report, top: int) -> ChartData:
    claimed = [u for u in report.users if u.user is not None]
    by_sessions = sorted(
        claimed, key=lambda u: (-u.counts.sessions, (u.user or "").lower(), u.user)
    )
    chosen = by_sessions[:top]
    chosen += [u for u in report.users if u.user is None]
    title = (
        "Sessions per user"
        if len(claimed) <= top
        else f"Top {top} of {len(claimed)} users by sessions"
    )
    return ChartData(
        name="top_users",
        title=title,
        x=tuple(u.user for u in chosen),
        x_labels=tuple("Unclaimed" if u.user is None else shorten(u.user) for u in chosen),
        series=_category_series(report, [u.counts for u in chosen]),
        x_label="Sessions",
        y_label="User",
        note=_note(report) or ("" if chosen else NO_DRIVERS),
    )


def _performance(report: Report, top: int) -> ChartData:
    t = report.totals
    high, med = f"{d.HIGH_AMPS:g}", f"{d.MED_AMPS:g}"
    below_high = f"{d.HIGH_AMPS - 0.1:g}"
    note = _note(report) or ("" if t.normal else "No normal sessions in this date range")
    return ChartData(
        name="performance",
        title="Charging performance of normal sessions",
        x=d.BANDS,
        x_labels=(
            f"HIGH\n≥ {high} A",
            f"MED\n{med}–{below_high} A",
            f"LOW\n< {med} A",
        ),
        series=(
            Series(d.NORMAL, "Sessions", (t.high, t.med, t.low), COLOURS[d.NORMAL]),
            Series(
                "PCT",
                "% of normal sessions",
                (t.band_pct(t.high), t.band_pct(t.med), t.band_pct(t.low)),
                MUTED,
            ),
        ),
        x_label=f"Average current at {report.voltage:g} V",
        y_label="Sessions",
        note=note,
    )


def _hourly(report: Report, top: int) -> ChartData:
    return ChartData(
        name="hourly",
        title="Sessions by hour of start",
        x=tuple(range(24)),
        x_labels=tuple(f"{h:02d}" for h in range(24)),
        series=_category_series(report, report.hourly),
        x_label=f"Hour of day ({report.window.timezone})",
        y_label="Sessions",
        note=_note(report),
    )


BUILDERS: dict[str, Callable[[Report, int], ChartData]] = {
    "stations": lambda report, top: _stations(report, top),
    "daily_rates": _daily_rates,
    "daily_sessions": _daily_sessions,
    "top_users": _top_users,
    "performance": _performance,
    "hourly": _hourly,
}


def _stations(report: Report, top: int) -> ChartData:
    """Empty and micro share per station, the worst STATION_BARS; suspects marked."""
    chosen = sorted(report.stations, key=lambda s: (-s.pct(s.problems), str(s.station_id)))
    chosen = chosen[:STATION_BARS]
    t = report.totals
    labels = tuple(shorten(s.label, 18) + ("  SUSPECT" if s.suspect else "") for s in chosen)
    return ChartData(
        name=STATIONS,
        title=(
            "Empty and micro sessions per station"
            if len(report.stations) <= STATION_BARS
            else f"The {STATION_BARS} of {len(report.stations)} stations with most failures"
        ),
        x=tuple(s.station_id for s in chosen),
        x_labels=labels,
        series=(
            Series(
                d.EMPTY, "Empty (0 kWh)", tuple(s.pct(s.empty) for s in chosen), COLOURS[d.EMPTY]
            ),
            Series(
                d.MICRO,
                f"Micro (< {_threshold(report)} kWh)",
                tuple(s.pct(s.micro) for s in chosen),
                COLOURS[d.MICRO],
            ),
        ),
        x_label="% of the station's sessions",
        y_label="Station",
        targets=(("Site: empty + micro", t.pct(t.empty + t.micro), MUTED),),
        note=_note(report),
    )
