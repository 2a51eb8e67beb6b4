"""The outputs of the command line: for each, the renderer to call and what to print around
it (where an export went, the charts saved, the exit status of --check)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from rich.console import Console

from . import CHECKOUT
from .analysis import Report
from .errors import ExportError
from .render import terminal
from .settings import Settings
from .status import ExitStatus


@dataclass(frozen=True)
class Run:
    """What a renderer of the command line needs: the report, the settings, the streams."""

    report: Report
    settings: Settings
    out: Console
    err: Console
    stdout: IO[str]
    now: datetime


def _text(r: Run) -> ExitStatus:
    from .render.common.pager import paged

    paged(
        lambda out: terminal.render(r.report, out, debug=r.settings.debug), r.out, r.settings.pager
    )
    return ExitStatus.OK


def _check(r: Run) -> ExitStatus:
    from .render import check

    check.render(r.report, r.out)
    return _checked(r)


def _checked(r: Run) -> ExitStatus:
    """--check's exit status: 3 when a finding breaches."""
    if r.settings.check and not r.report.passed:
        return ExitStatus.CHECK_FAILED
    return ExitStatus.OK


def _json(r: Run) -> ExitStatus:
    """The JSON document (with --check, its findings and exit status) on stdout or a file."""
    from .render import jsonout
    from .render.common.atomic import atomic_file

    if r.settings.output_path in (None, STDOUT):
        jsonout.render(r.report, r.stdout)
        return _checked(r)
    path = _export_path(r, ".json")
    with atomic_file(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        jsonout.render(r.report, fh)
    r.out.print(f"📄 The JSON report is in {path}", markup=False, soft_wrap=True)
    return _checked(r)


def _sessions(r: Run) -> ExitStatus:
    from .render import rows

    rows.render(r.report, r.stdout)
    return ExitStatus.OK


def _csv(r: Run) -> ExitStatus:
    from .render import csv

    if r.settings.output_path == STDOUT:
        written = csv.render(r.report, r.stdout)
        terminal.exported(r.err, written.sessions, "standard output")
        if r.report.sections.stations:
            terminal.note(r.err, "The stations table goes to a file; give --output a file.", True)
        return ExitStatus.OK
    written = csv.render(r.report, _export_path(r, ".csv"), stations=r.report.sections.stations)
    terminal.exported(r.out, written.sessions, written.path)
    if written.stations_path:
        terminal.exported(r.out, written.stations, written.stations_path, what="station")
    return ExitStatus.OK


def _xlsx(r: Run) -> ExitStatus:
    from .render import xlsx

    written = xlsx.render(r.report, _export_path(r, ".xlsx"))
    terminal.exported(r.out, written.sessions, written.path)
    return ExitStatus.OK


def _pdf(r: Run) -> ExitStatus:
    from .render import pdf
    from .render.common.wording import plural

    path = _export_path(r, ".pdf")
    pages = pdf.render(r.report, path, logo=_logo(r.settings, r.err))
    terminal.exported(r.out, pdf.covered(r.report), path)
    held = ", ".join(pdf.contents(r.report))
    r.out.print(f"📄 {plural(pages, 'page')}: {held}", markup=False, soft_wrap=True)
    return ExitStatus.OK


def _html(r: Run) -> ExitStatus:
    from .render import html

    written = html.render(r.report, _export_path(r, ".html"))
    terminal.exported(r.out, written.sessions, written.path)
    listed = (
        "" if written.shown == written.sessions else f"; the {written.shown:,} most recent listed"
    )
    size = (
        f"{written.size / 1_000_000:.1f} MB"
        if written.size >= 100_000
        else f"{written.size / 1000:.0f} kB"
    )
    r.out.print(
        f"📄 One web page ({size}), opens offline in any browser{listed}",
        markup=False,
        soft_wrap=True,
    )
    return ExitStatus.OK


def _graph(r: Run) -> ExitStatus:
    from .render import charts

    _text(r)  # the report, as without --graph; then the charts
    folder = Path(r.settings.output_path or ".").expanduser()
    paths = charts.render(r.report, folder, stamp=_stamp(r.now))
    terminal.charts_saved(r.out, paths)
    if _display_available():
        charts.show(paths)
    return ExitStatus.OK


OUTPUTS = {
    "text": _text,
    "check": _check,
    "json": _json,
    "sessions": _sessions,
    "csv": _csv,
    "xlsx": _xlsx,
    "pdf": _pdf,
    "html": _html,
    "graph": _graph,
}


STDOUT = "-"  # --output - : standard output (CSV and JSON)


def _stamp(now: datetime) -> str:
    return now.astimezone().strftime("%Y_%m_%d_%H%M%S")


def _export_path(r: Run, suffix: str) -> Path:
    name = _stamp(r.now) + suffix
    given = r.settings.output_path
    if given is None:
        return Path(name)
    path = Path(given).expanduser()
    if path.is_dir() or given.endswith(("/", os.sep)):
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"Cannot create the folder {path} ({exc.strerror}).") from exc
        return path / name
    return path


def _logo(settings: Settings, err: Console) -> Path | None:
    """--logo, else pf.jpg in the current folder or next to seshis.py, as the original did."""
    from .render.pdf import logo_ok

    if settings.logo:
        path = Path(settings.logo).expanduser()
        problem = logo_ok(path)
        if problem:
            raise ExportError(f"The logo {path} {problem}; give another --logo.")
        return path
    for path in (Path("pf.jpg"), CHECKOUT / "pf.jpg"):
        if path.is_file():
            problem = logo_ok(path)
            if problem is None:
                return path
            terminal.note(err, f"Skipping the logo {path}: it {problem}.", warning=True)
    return None


def _display_available() -> bool:
    """A window can open: a display is set, and this is not a test or CI run."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and not (
        os.environ.get("CI") or os.environ.get("PYTEST_CURRENT_TEST")
    )
