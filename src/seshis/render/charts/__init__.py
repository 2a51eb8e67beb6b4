"""The report's charts as PNG images: daily rates, daily sessions, top users, performance,
hours of start, and the stations; for one driver, their sessions and how they compare with the
site. Which ones follow the report's flags (`names_for`). `data` holds the plotted numbers,
`draw` draws them, `driver` does both for one driver; matplotlib is imported here only."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from ...analysis import Report
from ...errors import ExportError, UsageError
from ..common.atomic import atomic_file
from . import data as site
from . import draw, driver
from .data import (
    EMAIL_WIDTH,
    INK,
    MUTED,
    NAMES,
    NO_SESSIONS,
    SIZE,
    STATIONS,
    ChartData,
    Series,
    shorten,
)
from .draw import message, style, subtitle
from .driver import DRIVER_MIX, DRIVER_NAMES, DRIVER_SESSIONS

BUILDERS = {**site.BUILDERS, **driver.BUILDERS}
DRAW = {**draw.DRAW, **driver.DRAW}

__all__ = [
    "DRIVER_MIX",
    "DRIVER_NAMES",
    "DRIVER_SESSIONS",
    "EMAIL_WIDTH",
    "NAMES",
    "NO_SESSIONS",
    "ChartData",
    "Series",
    "chart_data",
    "figure",
    "names_for",
    "png_bytes",
    "render",
    "shorten",
    "show",
]


def render(report: Report, out: Path, *, stamp: str, dpi: int = 100) -> list[Path]:
    """Write `{stamp}_{name}.png` for every chart into the folder `out`; returns the paths in
    NAMES order. Each file is written beside its final name and moved into place, so a reader
    never sees half a PNG."""
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"Cannot write the charts in {folder} ({exc.strerror}); choose another folder."
        ) from exc
    if not folder.is_dir():
        raise ExportError(f"{folder} is a file; --output for --graph is a folder.")
    paths = []
    for name in names_for(report):
        path = folder / f"{stamp}_{name}.png"
        with atomic_file(path, "folder") as tmp:
            figure(report, name).savefig(tmp, format="png", dpi=dpi)
        paths.append(path)
    return paths


def chart_data(report: Report, top: int = 10) -> dict[str, ChartData]:
    """Every chart's numbers, by name, in NAMES order."""
    return {name: BUILDERS[name](report, top) for name in names_for(report)}


def names_for(report: Report) -> tuple[str, ...]:
    """The charts the report's flags ask for: one driver's (`--user EMAIL`); the daily empty and
    micro rates and sessions (`--empty`, `--micro`); the drivers and their performance (`--user`);
    the stations (`--stations`); every chart for `--all` or no analysis flag."""
    sec = report.sections
    if report.options.user is not None:
        return DRIVER_NAMES
    everything = sec.health or not (sec.empty or sec.micro or sec.users or sec.stations)
    asked = {
        "daily_rates": sec.empty or sec.micro,
        "daily_sessions": sec.empty or sec.micro,
        "top_users": sec.users,
        "performance": sec.users,
        "hourly": False,
    }
    names = NAMES if everything else tuple(n for n in NAMES if asked[n])
    if (everything and report.stations) or (sec.stations and not everything):
        names += (STATIONS,)
    return names


def figure(report: Report, name: str, top: int = 10) -> Figure:
    """One chart, titled, with the site and date range as subtitle. The figure belongs to no
    pyplot state: drop it when done, nothing needs closing."""
    if name not in BUILDERS:
        known = ", ".join((*NAMES, STATIONS, *DRIVER_NAMES))
        raise UsageError(f"Unknown chart '{name}'; choose one of {known}.")
    data = BUILDERS[name](report, top)
    layout = ConstrainedLayoutEngine(rect=(0.0, 0.0, 1.0, 0.875), h_pad=0.06, w_pad=0.08)
    fig = Figure(figsize=SIZE, layout=layout, facecolor="white")
    FigureCanvasAgg(fig)
    fig.text(0.012, 0.975, data.title, fontsize=15, fontweight="bold", color=INK, va="top")
    fig.text(0.012, 0.915, subtitle(report), fontsize=10, color=MUTED, va="top")
    ax = fig.add_subplot()
    style(ax, data)
    if data.note:
        message(ax, data.note)
    else:
        DRAW[name](ax, data)
    return fig


def png_bytes(report: Report, name: str, dpi: int = 150, top: int = 10) -> bytes:
    """One chart as PNG bytes, for the PDF report."""
    buffer = io.BytesIO()
    figure(report, name, top).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


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
