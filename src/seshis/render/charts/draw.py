"""Drawing the charts with matplotlib's object-oriented API on an Agg canvas: no pyplot, so no
GUI backend and no global list of figures to close or leak."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import cast

import numpy as np
from matplotlib import dates as mdates
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.text import Annotation
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ... import definitions as d
from ...analysis import Report
from ..common.wording import site_line, span
from .data import BAR_DAYS, COLOURS, GRID, INK, MUTED, SHORT_DAYS, ChartData, Series, shorten

PARTIAL = "#ececec"  # the background of a day the window covers only in part


def subtitle(report: Report) -> str:
    site = shorten(site_line(report.site, report.location), 48)
    w = report.window
    return " · ".join(p for p in (site, f"{w.title}: {span(w, ' to ')} ({w.timezone})") if p)


def style(ax: Axes, data: ChartData) -> None:
    ax.set_xlabel(data.x_label, color=INK, fontsize=10.5, labelpad=6)
    ax.set_ylabel(data.y_label, color=INK, fontsize=10.5, labelpad=6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#999999")
    ax.tick_params(colors="#444444", labelsize=9, length=3)
    ax.grid(axis="x" if data.name == "top_users" else "y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def message(ax: Axes, text: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.text(
        0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=13, color=MUTED
    )


def legend(ax: Axes) -> None:
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=9.5,
        handlelength=1.6,
        borderaxespad=0.0,
    )


def date_numbers(times: np.ndarray) -> np.ndarray:
    """matplotlib's numbers (days) of an array of datetime64, as the x axis takes them: the
    one call of date2num for both chart modules."""
    # untyped call: matplotlib.dates has no type hints
    numbers: np.ndarray = mdates.date2num(times)  # type: ignore[no-untyped-call]
    return numbers


def concise_dates(ax: Axes, maxticks: int) -> None:
    """matplotlib's concise date ticks on the x axis, 4 to `maxticks` of them."""
    # untyped calls: matplotlib.dates has no type hints
    locator = mdates.AutoDateLocator(minticks=4, maxticks=maxticks)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _array(values: Sequence[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _stack(
    ax: Axes, positions: np.ndarray, series: Sequence[Series], width: float, horizontal: bool
) -> list[BarContainer]:
    """Stacked bars, first series at the base; returns the bar containers."""
    base = np.zeros(len(positions))
    containers = []
    for s in series:
        values = np.nan_to_num(_array(s.values))
        if horizontal:
            bars = ax.barh(
                positions,
                values,
                height=width,
                left=base,
                color=s.colour,
                label=s.label,
                linewidth=0,
            )
        else:
            bars = ax.bar(
                positions,
                values,
                width=width,
                bottom=base,
                color=s.colour,
                label=s.label,
                linewidth=0,
            )
        containers.append(bars)
        base = base + values
    return containers


def _stack_areas(ax: Axes, positions: np.ndarray, series: Sequence[Series]) -> None:
    """Stacked day steps: what contiguous bars look like, drawn at the cost of one shape per
    series however many days there are."""
    base = np.zeros(len(positions))
    for s in series:
        top = base + np.nan_to_num(_array(s.values))
        ax.fill_between(
            positions, base, top, step="mid", color=s.colour, label=s.label, linewidth=0
        )
        base = top


def _date_axis(ax: Axes, data: ChartData) -> np.ndarray:
    """Day positions: a labelled tick per day for a few days (shown at least a week wide, so
    one day is not one huge bar), matplotlib's concise dates for more. Days the window covers
    only in part are shaded and named in the legend."""
    days = cast(tuple[date, ...], data.x)  # the x of a daily chart are its days
    positions = date_numbers(np.array(days, dtype="datetime64[D]"))
    pad = 0.7 + max(0.0, (7 - len(days)) / 2)
    ax.set_xlim(positions[0] - pad, positions[-1] + pad)
    notes = data.partial or ("",) * len(days)
    if len(days) <= SHORT_DAYS:
        ax.set_xticks(
            positions,
            [
                f"{day:%a}\n{day:%b} {day.day}" + (f"\n({note})" if note else "")
                for day, note in zip(days, notes, strict=True)
            ],
        )
    else:
        concise_dates(ax, maxticks=10)
    marked = [(x, note) for x, note in zip(positions, notes, strict=True) if note]
    for i, (x, _) in enumerate(marked):
        label = None
        if not i:
            label = f"Partial day{'s' * (len(marked) > 1)}: " + ", ".join(n for _, n in marked)
        ax.axvspan(x - 0.5, x + 0.5, color=PARTIAL, linewidth=0, zorder=0, label=label)
    return positions


def _draw_daily_rates(ax: Axes, data: ChartData) -> None:
    positions = _date_axis(ax, data)
    averaged = any(s.key.endswith("_7D") for s in data.series)
    top = max(
        [np.nanmax(_array(s.values), initial=0.0) for s in data.series]
        + [y for _, y, _ in data.targets]
        + [0.0]
    )
    ceiling = min(top * 1.15, 100) if top < 100 else 104
    for s in data.series:
        values = _array(s.values)
        daily = not s.key.endswith("_7D")
        faded = averaged and daily
        ax.plot(
            positions,
            values,
            color=s.colour,
            label=s.label,
            linewidth=0.8 if faded else 2.0,
            alpha=0.4 if faded else 1.0,
            marker="o" if daily else None,
            markersize=2 if faded else 5,
            markeredgewidth=0,
            zorder=2 if faded else 3,
        )
        if len(positions) <= SHORT_DAYS:
            _point_labels(ax, positions, values, s.colour, 0.1 * ceiling)
    for label, y, colour in data.targets:
        ax.axhline(y, color=colour, linestyle="--", linewidth=1.1, alpha=0.6, label=label)
    ax.set_ylim(0, ceiling)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    legend(ax)


def _point_labels(
    ax: Axes, positions: np.ndarray, values: np.ndarray, colour: str, floor: float
) -> None:
    """Each value written above its point, or below it where the line dips (but never below
    `floor`, where it would fall on the dates), on a white halo."""
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    for i, (x, y) in enumerate(zip(positions, values, strict=True)):
        if np.isnan(y):
            continue
        around = [values[j] for j in (i - 1, i + 1) if 0 <= j < len(values)]
        around = [v for v in around if not np.isnan(v)]
        below = bool(around) and all(v > y for v in around) and y > floor
        ax.annotate(
            f"{y:.1f}%",
            (x, y),
            xytext=(0, -8 if below else 7),
            textcoords="offset points",
            ha="center",
            va="top" if below else "bottom",
            fontsize=8.5,
            color=colour,
            path_effects=halo,
            zorder=4,
        )


def _draw_daily_sessions(ax: Axes, data: ChartData) -> None:
    positions = _date_axis(ax, data)
    if len(positions) > BAR_DAYS:
        _stack_areas(ax, positions, data.series)
    else:
        bars = _stack(ax, positions, data.series, 0.8, horizontal=False)
        if len(positions) <= SHORT_DAYS:
            ax.bar_label(bars[-1], labels=_totals(data), padding=3, fontsize=9, color=INK)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.margins(y=0.08)
    ax.set_ylim(bottom=0)
    legend(ax)


def _totals(data: ChartData) -> list[str]:
    columns = zip(*(s.values for s in data.series), strict=True)
    return [f"{sum(v or 0 for v in values):g}" for values in columns]


def _draw_top_users(ax: Axes, data: ChartData) -> None:
    positions = np.arange(len(data.x))
    bars = _stack(ax, positions, data.series, 0.7, horizontal=True)
    ax.bar_label(bars[-1], labels=_totals(data), padding=4, fontsize=9, color=INK)
    ax.set_yticks(positions, data.x_labels)
    if data.x[-1] is None:
        ax.get_yticklabels()[-1].set_fontstyle("italic")
        if len(positions) > 1:
            ax.axhline(positions[-1] - 0.5, color="#bbbbbb", linewidth=0.8, linestyle=":")
    pad = 0.6 + max(0.0, (6 - len(positions)) / 2)  # a few users keep slim bars
    ax.set_ylim(len(positions) - 1 + pad, -pad)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.margins(x=0.08)
    legend(ax)


def _draw_performance(ax: Axes, data: ChartData) -> None:
    counts, shares = data.series
    positions = np.arange(len(data.x))
    bars = ax.bar(
        positions,
        _array(counts.values),
        width=0.55,
        color=[COLOURS[str(band)] for band in data.x],
        linewidth=0,
    )
    labels = [f"{n:g}  ({p:.1f}%)" for n, p in zip(counts.values, shares.values, strict=True)]
    ax.bar_label(bars, labels=labels, padding=4, fontsize=10, color=INK)
    ax.set_xticks(positions, data.x_labels)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.margins(y=0.12)


def _draw_hourly(ax: Axes, data: ChartData) -> None:
    positions = np.arange(24)
    _stack(ax, positions, data.series, 0.8, horizontal=False)
    ax.set_xticks(positions, data.x_labels)
    ax.set_xlim(-0.7, 23.7)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.margins(y=0.05)
    legend(ax)


def _draw_stations(ax: Axes, data: ChartData) -> None:
    positions = np.arange(len(data.x))
    _stack(ax, positions, data.series, 0.7, horizontal=True)
    totals = [
        sum(v or 0 for v in values) for values in zip(*(s.values for s in data.series), strict=True)
    ]
    ax.set_yticks(positions, data.x_labels, fontsize=8)
    for label in ax.get_yticklabels():
        if label.get_text().endswith("SUSPECT"):
            label.set_color(COLOURS[d.EMPTY])
            label.set_fontweight("bold")
    for name, value, colour in data.targets:
        ax.axvline(value, color=colour, linestyle="--", linewidth=1, label=f"{name} ({value:.0f}%)")
    ax.set_ylim(len(positions) - 0.4, -0.6)
    ax.set_xlim(0, max([*totals, *(v for _, v, _ in data.targets), 1.0]) * 1.18)
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    legend(ax)
    labels = [
        ax.annotate(
            f"{total:.0f}%",
            (total, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color=INK,
            in_layout=False,
        )
        for total, y in zip(totals, positions, strict=True)
    ]
    _clear_of_lines(ax, labels, [v for _, v, _ in data.targets])


def _clear_of_lines(ax: Axes, labels: list[Annotation], lines: list[float]) -> None:
    """Move each bar's label that a vertical reference line would cross to just right of the
    line. Measured once the figure is laid out; the labels take no part in the layout, so the
    measure holds when the figure is saved (at any dpi: the geometry scales as a whole)."""
    fig = ax.get_figure()
    # figure() draws every chart on a Figure of its own with an Agg canvas
    assert isinstance(fig, Figure) and isinstance(fig.canvas, FigureCanvasAgg)
    fig.draw_without_rendering()
    # untyped call: matplotlib's Agg backend has no type hints
    renderer = fig.canvas.get_renderer()  # type: ignore[no-untyped-call]
    to_points = 72.0 / fig.dpi
    for x in lines:
        line = ax.transData.transform((x, 0))[0]
        gap = 3.0 / to_points  # 3 points, in pixels
        for label in labels:
            box = label.get_window_extent(renderer)
            if box.x0 - gap < line < box.x1 + gap:
                dx, dy = label.xyann
                label.xyann = (dx + (line + gap - box.x0) * to_points, dy)


DRAW: dict[str, Callable[[Axes, ChartData], None]] = {
    "stations": _draw_stations,
    "daily_rates": _draw_daily_rates,
    "daily_sessions": _draw_daily_sessions,
    "top_users": _draw_top_users,
    "performance": _draw_performance,
    "hourly": _draw_hourly,
}
