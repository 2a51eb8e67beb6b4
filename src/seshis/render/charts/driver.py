"""One driver's charts (`--user EMAIL --graph`, and the PDF of a driver report): each of their
sessions over time, and how their sessions split into empty, micro and the performance bands
against the whole site and the unclaimed sessions. Drawn from what a driver's report holds:
their session lines and their counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ... import definitions as d
from ...analysis import Report
from ...analysis.listings import Listing
from ...analysis.summary import Counts, UserStats
from ..common.wording import plural, threshold
from .data import COLOURS, INK, MUTED, ChartData, Series, shorten
from .draw import concise_dates, date_numbers, legend

DRIVER_SESSIONS = "driver_sessions"
DRIVER_MIX = "driver_mix"
DRIVER_NAMES = (DRIVER_SESSIONS, DRIVER_MIX)
NO_LINES = "This report holds no session lines of the driver"

# Each label's colour and marker: the labels' colours, and shapes that tell EMPTY from LOW.
LABELS = (
    ("EMPTY", "Empty (0 kWh)", COLOURS[d.EMPTY], "X"),
    ("MICRO", "Micro", COLOURS[d.MICRO], "v"),
    ("NORMAL-LOW", "Normal, LOW current", COLOURS[d.LOW], "o"),
    ("NORMAL-MED", "Normal, MED current", COLOURS[d.MED], "o"),
    ("NORMAL-HIGH", "Normal, HIGH current", COLOURS[d.HIGH], "o"),
)
MARKERS = {key: marker for key, _, _, marker in LABELS}
DRIVER_COLOUR, SITE_COLOUR, UNCLAIMED_COLOUR = "#1f77b4", "#9e9e9e", "#9467bd"


def driver_of(report: Report) -> tuple[UserStats | None, Listing | None]:
    """The driver of a one-driver report and their session lines (None when not listed)."""
    driver = next((u for u in report.users if u.user is not None), None)
    if driver is None:
        return None, None
    return driver, next((x for x in report.listings if x.user == driver.user), None)


def _driver_sessions(report: Report, top: int) -> ChartData:
    driver, listing = driver_of(report)
    user = shorten(driver.user or "") if driver else ""
    lines = sorted(listing.lines, key=lambda x: (x.start, x.session_id)) if listing else []
    if listing is None or len(lines) == listing.total:
        title = f"Every session of {user}"
    else:
        title = f"The {len(lines)} worst of {listing.total} sessions of {user}"
    thr = threshold(report.threshold_kwh)
    return ChartData(
        name=DRIVER_SESSIONS,
        title=title,
        x=tuple(datetime.fromisoformat(x.start) for x in lines),
        x_labels=tuple(x.start for x in lines),
        series=tuple(
            Series(
                key,
                f"Micro (< {thr} kWh)" if key == "MICRO" else label,
                tuple(x.kwh if x.label == key else None for x in lines),
                colour,
            )
            for key, label, colour, _ in LABELS
        ),
        x_label=f"Start ({report.window.timezone})",
        y_label="kWh delivered",
        targets=((f"Micro threshold ({thr} kWh)", report.threshold_kwh, MUTED),),
        note="" if lines else NO_LINES,
        x_range=_local_window(report),
    )


def _local_window(report: Report) -> tuple[datetime, datetime]:
    """The window in local wall-clock time, as the session lines give their starts."""
    zone = ZoneInfo(report.window.timezone)
    w = report.window
    return (
        w.start.astimezone(zone).replace(tzinfo=None),
        w.end.astimezone(zone).replace(tzinfo=None),
    )


def _driver_mix(report: Report, top: int) -> ChartData:
    driver, _ = driver_of(report)
    thr = threshold(report.threshold_kwh)
    parts = (
        (d.EMPTY, "empty", "Empty"),
        (d.MICRO, "micro", f"Micro\n< {thr} kWh"),
        (d.LOW, "low", f"Normal LOW\n< {d.MED_AMPS:g} A"),
        (d.MED, "med", f"Normal MED\n{d.MED_AMPS:g}–{d.HIGH_AMPS - 0.1:g} A"),
        (d.HIGH, "high", f"Normal HIGH\n≥ {d.HIGH_AMPS:g} A"),
    )
    groups: list[tuple[str, str, Counts]] = []
    if driver is not None:
        groups.append((driver.user or "", shorten(driver.user or ""), driver.counts))
    groups.append(("SITE", "The whole site", report.totals))
    unclaimed = next((u for u in report.users if u.user is None), None)
    if unclaimed is not None:
        groups.append(("UNCLAIMED", "Unclaimed sessions", unclaimed.counts))
    colours = (DRIVER_COLOUR, SITE_COLOUR, UNCLAIMED_COLOUR)
    return ChartData(
        name=DRIVER_MIX,
        title=f"{shorten(driver.user or '') if driver else 'The driver'} against the site",
        x=tuple(key for key, _, _ in parts),
        x_labels=tuple(label for _, _, label in parts),
        series=tuple(
            Series(key, f"{label} ({plural(c.sessions, 'session')})", _shares(c, parts), colour)
            for (key, label, c), colour in zip(groups, colours, strict=False)
        ),
        x_label="",
        y_label="% of their sessions",
        note="" if driver is not None and driver.counts.sessions else NO_LINES,
    )


def _shares(c: Counts, parts: tuple[tuple[str, str, str], ...]) -> tuple[float, ...]:
    return tuple(c.pct(getattr(c, field)) for _, field, _ in parts)


def _draw_driver_sessions(ax: Axes, data: ChartData) -> None:
    times = date_numbers(np.array(data.x, dtype="datetime64[s]"))
    for s in data.series:
        values = np.array([np.nan if v is None else v for v in s.values], dtype=float)
        if np.all(np.isnan(values)):
            continue
        ax.scatter(
            times,
            values,
            color=s.colour,
            marker=MARKERS[s.key],
            s=46 if MARKERS[s.key] == "X" else 34,
            label=s.label,
            zorder=3,
            edgecolors="white",
            linewidths=0.5,
        )
        ax.vlines(times, 0, values, color=s.colour, linewidth=0.8, alpha=0.5, zorder=2)
    for label, y, colour in data.targets:
        ax.axhline(y, color=colour, linestyle="--", linewidth=1, label=label, zorder=1)
    concise_dates(ax, maxticks=9)
    first, last = times.min(), times.max()
    if data.x_range is not None:
        lo, hi = date_numbers(np.array(data.x_range, dtype="datetime64[s]"))
        first, last = min(first, lo), max(last, hi)
    pad = max((last - first) * 0.02, 0.25)
    ax.set_xlim(first - pad, last + pad)
    ax.set_ylim(bottom=-0.04 * max(ax.get_ylim()[1], 1.0))
    legend(ax)


def _draw_driver_mix(ax: Axes, data: ChartData) -> None:
    positions = np.arange(len(data.x))
    width = 0.8 / len(data.series)
    for i, s in enumerate(data.series):
        offset = (i - (len(data.series) - 1) / 2) * width
        bars = ax.bar(
            positions + offset,
            np.array(s.values, dtype=float),
            width * 0.92,
            color=s.colour,
            label=s.label,
            linewidth=0,
        )
        ax.bar_label(bars, labels=[f"{v:.0f}%" for v in s.values], padding=2, fontsize=8, color=INK)
    ax.set_xticks(positions, data.x_labels)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.margins(y=0.12)
    legend(ax)


BUILDERS: dict[str, Callable[[Report, int], ChartData]] = {
    DRIVER_SESSIONS: _driver_sessions,
    DRIVER_MIX: _driver_mix,
}
DRAW: dict[str, Callable[[Axes, ChartData], None]] = {
    DRIVER_SESSIONS: _draw_driver_sessions,
    DRIVER_MIX: _draw_driver_mix,
}
