"""Charts of a summary as PNG images: daily rates, daily sessions, top users, performance, hours.

`chart_data` holds the plotted numbers as plain data (tests compare them with the analysis);
`figure` draws them. matplotlib is imported here only, through its object-oriented API on an
Agg canvas: no pyplot, so no GUI backend and no global list of figures to close or leak.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from matplotlib import dates as mdates
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .. import definitions as d
from ..analysis import Counts, SiteSummary
from ..errors import ExportError, UsageError

NAMES = ("daily_rates", "daily_sessions", "top_users", "performance", "hourly")
STATIONS = "stations"  # drawn when the summary carries the stations
STATION_BARS = 25  # the stations with the largest empty + micro share
SIZE = (10.0, 5.6)  # inches
NO_SESSIONS = "No sessions in this date range"
EMAIL_WIDTH = 30  # longer emails are cut with an ellipsis
SHORT_DAYS = 10  # up to this many days: a labelled tick and a value label per day
LONG_DAYS = 45  # beyond this many days: a 7-day average over the daily rates
BAR_DAYS = 120  # beyond this many days: stacked steps instead of one bar a day

# The seed's colours (green, orange, red) as matplotlib's tab10 shades.
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

    def values(self, key: str) -> tuple[float | None, ...]:
        """The values of the series with this key (KeyError if none)."""
        return {s.key: s.values for s in self.series}[key]


def chart_data(summary: SiteSummary, top: int = 10) -> dict[str, ChartData]:
    """Every chart's numbers, by name, in NAMES order."""
    return {name: _BUILDERS[name](summary, top) for name in names_for(summary)}


def names_for(summary: SiteSummary) -> tuple[str, ...]:
    """The charts this summary can draw: NAMES, and the stations when it has them."""
    return (*NAMES, STATIONS) if summary.stations else NAMES


def figure(summary: SiteSummary, name: str, top: int = 10) -> Figure:
    """One chart, titled, with the site and date range as subtitle. The figure belongs to no
    pyplot state: drop it when done, nothing needs closing."""
    if name not in _BUILDERS:
        raise UsageError(f"Unknown chart '{name}'; choose one of {', '.join(NAMES)}.")
    data = _BUILDERS[name](summary, top)
    fig = Figure(figsize=SIZE, layout="constrained", facecolor="white")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(rect=(0.0, 0.0, 1.0, 0.875), h_pad=0.06, w_pad=0.08)
    fig.text(0.012, 0.975, data.title, fontsize=15, fontweight="bold", color=INK, va="top")
    fig.text(0.012, 0.915, _subtitle(summary), fontsize=10, color=MUTED, va="top")
    ax = fig.add_subplot()
    _style(ax, data)
    if data.note:
        _message(ax, data.note)
    else:
        _DRAW[name](ax, data)
    return fig


def png_bytes(summary: SiteSummary, name: str, dpi: int = 150, top: int = 10) -> bytes:
    """One chart as PNG bytes, for the PDF report."""
    buffer = io.BytesIO()
    figure(summary, name, top).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def save_all(
    summary: SiteSummary, folder: Path, stamp: str, dpi: int = 100, top: int = 10
) -> list[Path]:
    """Write `{stamp}_{name}.png` for every chart into `folder`; returns the paths in NAMES
    order. Each file is written beside its final name and moved into place, so a reader never
    sees half a PNG."""
    folder = Path(folder)
    paths = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in names_for(summary):
            path = folder / f"{stamp}_{name}.png"
            _write(figure(summary, name, top), path, dpi)
            paths.append(path)
    except OSError as exc:
        raise ExportError(
            f"Cannot write the charts in {folder} ({exc.strerror}); choose another folder."
        ) from exc
    return paths


def _write(fig: Figure, path: Path, dpi: int) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("xb") as out:
            fig.savefig(out, format="png", dpi=dpi)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# --- the numbers ---------------------------------------------------------------------------


def _threshold(summary: SiteSummary) -> str:
    return f"{summary.threshold_kwh:g}"


def _category_series(summary: SiteSummary, counts: Sequence[Counts]) -> tuple[Series, ...]:
    thr = _threshold(summary)
    parts = (
        (d.EMPTY, "Empty (0 kWh)", "empty"),
        (d.MICRO, f"Micro (< {thr} kWh)", "micro"),
        (d.NORMAL, f"Normal (≥ {thr} kWh)", "normal"),
    )
    return tuple(
        Series(key, label, tuple(getattr(c, field) for c in counts), COLOURS[key])
        for key, label, field in parts
    )


def _days(summary: SiteSummary) -> tuple[tuple[date, ...], tuple[Counts, ...]]:
    """Every local day of the window, days without sessions included."""
    by_day = {day.day: day.counts for day in summary.daily}
    if not by_day:
        return (), ()
    first, last = summary.window.local_dates()
    first, last = min(first, *by_day), max(last, *by_day)
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    return days, tuple(by_day.get(day, Counts()) for day in days)


def _note(summary: SiteSummary) -> str:
    return "" if summary.totals.sessions else NO_SESSIONS


def _rates(counts: Sequence[Counts], part: str, days: int = 1) -> tuple[float | None, ...]:
    """Percent of sessions in `part` over the `days` days ending at each day (None: no
    sessions in them)."""
    rates = []
    for i in range(len(counts)):
        span = counts[max(0, i - days + 1) : i + 1]
        total = sum(c.sessions for c in span)
        rates.append(100.0 * sum(getattr(c, part) for c in span) / total if total else None)
    return tuple(rates)


def _daily_rates(summary: SiteSummary, top: int) -> ChartData:
    days, counts = _days(summary)
    thr = _threshold(summary)
    limits = {h.metric: h.threshold_pct for h in summary.health}
    names = ((d.EMPTY, "empty", "Empty (0 kWh)"), (d.MICRO, "micro", f"Micro (< {thr} kWh)"))
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
    return ChartData(
        name="daily_rates",
        title="Empty sessions and microsessions per day",
        x=days,
        x_labels=tuple(day.isoformat() for day in days),
        series=tuple(series),
        x_label="Date",
        y_label="% of sessions",
        targets=(
            (f"Empty target (< {limits['empty']:g}%)", limits["empty"], COLOURS[d.EMPTY]),
            (f"Micro target (< {limits['micro']:g}%)", limits["micro"], COLOURS[d.MICRO]),
        ),
        note=_note(summary),
    )


def _daily_sessions(summary: SiteSummary, top: int) -> ChartData:
    days, counts = _days(summary)
    return ChartData(
        name="daily_sessions",
        title="Sessions per day by category",
        x=days,
        x_labels=tuple(day.isoformat() for day in days),
        series=_category_series(summary, counts),
        x_label="Date",
        y_label="Sessions",
        note=_note(summary),
    )


def shorten(text: str, width: int = EMAIL_WIDTH) -> str:
    """The text cut to `width` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _top_users(summary: SiteSummary, top: int) -> ChartData:
    claimed = [u for u in summary.users if u.user is not None]
    chosen = sorted(claimed, key=lambda u: (-u.counts.sessions, u.user.lower(), u.user))[:top]
    chosen += [u for u in summary.users if u.user is None]
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
        series=_category_series(summary, [u.counts for u in chosen]),
        x_label="Sessions",
        y_label="User",
        note=_note(summary),
    )


def _performance(summary: SiteSummary, top: int) -> ChartData:
    t = summary.totals
    normal = Counts(sessions=t.normal)
    high, med = f"{d.HIGH_AMPS:g}", f"{d.MED_AMPS:g}"
    below_high = f"{d.HIGH_AMPS - 0.1:g}"
    note = _note(summary) or ("" if t.normal else "No normal sessions in this date range")
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
                (normal.pct(t.high), normal.pct(t.med), normal.pct(t.low)),
                MUTED,
            ),
        ),
        x_label=f"Average current at {summary.voltage:g} V",
        y_label="Sessions",
        note=note,
    )


def _hourly(summary: SiteSummary, top: int) -> ChartData:
    return ChartData(
        name="hourly",
        title="Sessions by hour of start",
        x=tuple(range(24)),
        x_labels=tuple(f"{h:02d}" for h in range(24)),
        series=_category_series(summary, summary.hourly),
        x_label=f"Hour of day ({summary.window.timezone})",
        y_label="Sessions",
        note=_note(summary),
    )


_BUILDERS: dict[str, Callable[[SiteSummary, int], ChartData]] = {
    "stations": lambda summary, top: _stations(summary, top),
    "daily_rates": _daily_rates,
    "daily_sessions": _daily_sessions,
    "top_users": _top_users,
    "performance": _performance,
    "hourly": _hourly,
}


# --- the drawing ---------------------------------------------------------------------------


def _subtitle(summary: SiteSummary) -> str:
    site = shorten(summary.site + (f" ({summary.location})" if summary.location else ""), 48)
    w = summary.window
    if w.kind == "all" and not summary.totals.sessions:
        span = "no valid sessions"
    else:
        first, last = w.local_dates()
        span = str(first) if first == last else f"{first} to {last}"
    return " · ".join(p for p in (site, f"{w.title}: {span} ({w.timezone})") if p)


def _style(ax: Axes, data: ChartData) -> None:
    ax.set_xlabel(data.x_label, color=INK, fontsize=10.5, labelpad=6)
    ax.set_ylabel(data.y_label, color=INK, fontsize=10.5, labelpad=6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#999999")
    ax.tick_params(colors="#444444", labelsize=9, length=3)
    ax.grid(axis="x" if data.name == "top_users" else "y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def _message(ax: Axes, text: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.text(
        0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=13, color=MUTED
    )


def _legend(ax: Axes) -> None:
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=9.5,
        handlelength=1.6,
        borderaxespad=0.0,
    )


def _array(values: Sequence[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _stack(
    ax: Axes, positions: np.ndarray, series: Sequence[Series], width: float, horizontal: bool
) -> list:
    """Stacked bars, first series at the base; returns the bar containers."""
    base = np.zeros(len(positions))
    containers = []
    for s in series:
        values = np.nan_to_num(_array(s.values))
        draw = ax.barh if horizontal else ax.bar
        extent = {"height": width, "left": base} if horizontal else {"width": width, "bottom": base}
        containers.append(
            draw(positions, values, color=s.colour, label=s.label, linewidth=0, **extent)
        )
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


def _date_axis(ax: Axes, days: Sequence[date]) -> np.ndarray:
    """Day positions: a labelled tick per day for a few days (shown at least a week wide, so
    one day is not one huge bar), matplotlib's concise dates for more."""
    positions = mdates.date2num(np.array(days, dtype="datetime64[D]"))
    pad = 0.7 + max(0.0, (7 - len(days)) / 2)
    ax.set_xlim(positions[0] - pad, positions[-1] + pad)
    if len(days) <= SHORT_DAYS:
        ax.set_xticks(positions, [f"{day:%a}\n{day:%b} {day.day}" for day in days])
    else:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return positions


def _draw_daily_rates(ax: Axes, data: ChartData) -> None:
    positions = _date_axis(ax, data.x)
    averaged = any(s.key.endswith("_7D") for s in data.series)
    top = 0.0
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
        top = max(top, np.nanmax(values, initial=0.0))
        if len(positions) <= SHORT_DAYS:
            _point_labels(ax, positions, values, s.colour)
    for label, y, colour in data.targets:
        ax.axhline(y, color=colour, linestyle="--", linewidth=1.1, alpha=0.6, label=label)
        top = max(top, y)
    ax.set_ylim(0, min(top * 1.15, 100) if top < 100 else 104)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    _legend(ax)


def _point_labels(ax: Axes, positions: np.ndarray, values: np.ndarray, colour: str) -> None:
    """Each value written above its point, or below it where the line dips, on a white halo."""
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    for i, (x, y) in enumerate(zip(positions, values, strict=True)):
        if np.isnan(y):
            continue
        around = [values[j] for j in (i - 1, i + 1) if 0 <= j < len(values)]
        around = [v for v in around if not np.isnan(v)]
        below = bool(around) and all(v > y for v in around)
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
    positions = _date_axis(ax, data.x)
    if len(positions) > BAR_DAYS:
        _stack_areas(ax, positions, data.series)
    else:
        bars = _stack(ax, positions, data.series, 0.8, horizontal=False)
        if len(positions) <= SHORT_DAYS:
            ax.bar_label(bars[-1], labels=_totals(data), padding=3, fontsize=9, color=INK)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.margins(y=0.08)
    ax.set_ylim(bottom=0)
    _legend(ax)


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
    _legend(ax)


def _draw_performance(ax: Axes, data: ChartData) -> None:
    counts, shares = data.series
    positions = np.arange(len(data.x))
    bars = ax.bar(
        positions,
        _array(counts.values),
        width=0.55,
        color=[COLOURS[band] for band in data.x],
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
    _legend(ax)


def _stations(summary: SiteSummary, top: int) -> ChartData:
    """Empty and micro share per station, the worst STATION_BARS; suspects marked."""
    chosen = sorted(summary.stations, key=lambda s: (-s.pct(s.problems), str(s.station_id)))
    chosen = chosen[:STATION_BARS]
    t = summary.totals
    labels = tuple(shorten(s.label, 18) + ("  SUSPECT" if s.suspect else "") for s in chosen)
    return ChartData(
        name=STATIONS,
        title=(
            "Empty and micro sessions per station"
            if len(summary.stations) <= STATION_BARS
            else f"The {STATION_BARS} of {len(summary.stations)} stations with most failures"
        ),
        x=tuple(s.station_id for s in chosen),
        x_labels=labels,
        series=(
            Series(
                d.EMPTY, "Empty (0 kWh)", tuple(s.pct(s.empty) for s in chosen), COLOURS[d.EMPTY]
            ),
            Series(
                d.MICRO,
                f"Micro (< {_threshold(summary)} kWh)",
                tuple(s.pct(s.micro) for s in chosen),
                COLOURS[d.MICRO],
            ),
        ),
        x_label="% of the station's sessions",
        y_label="Station",
        targets=(("Site: empty + micro", t.pct(t.empty + t.micro), MUTED),),
        note=_note(summary),
    )


def _draw_stations(ax: Axes, data: ChartData) -> None:
    positions = np.arange(len(data.x))
    bars = _stack(ax, positions, data.series, 0.7, horizontal=True)
    totals = [
        f"{sum(v or 0 for v in values):.0f}%"
        for values in zip(*(s.values for s in data.series), strict=True)
    ]
    ax.bar_label(bars[-1], labels=totals, padding=4, fontsize=8, color=INK)
    ax.set_yticks(positions, data.x_labels, fontsize=8)
    for label in ax.get_yticklabels():
        if label.get_text().endswith("SUSPECT"):
            label.set_color(COLOURS[d.EMPTY])
            label.set_fontweight("bold")
    for name, value, colour in data.targets:
        ax.axvline(value, color=colour, linestyle="--", linewidth=1, label=f"{name} ({value:.0f}%)")
    ax.set_ylim(len(positions) - 0.4, -0.6)
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.margins(x=0.08)
    _legend(ax)


_DRAW: dict[str, Callable[[Axes, ChartData], None]] = {
    "stations": _draw_stations,
    "daily_rates": _draw_daily_rates,
    "daily_sessions": _draw_daily_sessions,
    "top_users": _draw_top_users,
    "performance": _draw_performance,
    "hourly": _draw_hourly,
}


def show(paths: Sequence[Path]) -> None:
    """Open the saved charts in windows when a GUI toolkit is there; otherwise the files are
    the result and nothing else happens."""
    try:
        import matplotlib.pyplot as plt

        plt.switch_backend("TkAgg")
    except (ImportError, RuntimeError, ValueError):
        return
    for path in paths:
        fig = plt.figure(figsize=(10, 5.6))
        fig.figimage(plt.imread(str(path)), resize=True)
    plt.show()
