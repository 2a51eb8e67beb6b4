"""One run of seshis: load the source, pick the window, analyse, hand the result to a renderer."""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from rich.console import Console

from . import analysis, dates
from .errors import ExportError
from .render import terminal
from .render.debug import DebugLog
from .settings import ALL_USERS, CHECKOUT, Settings
from .sources import demo
from .sources.files import FileInfo, load_files
from .status import ExitStatus
from .store import Store

if TYPE_CHECKING:
    from .live import LiveResult


@dataclass
class Loaded:
    store: Store
    site: str
    location: str | None
    timezone: str
    files: list[FileInfo] = field(default_factory=list)


@dataclass
class Timer:
    """Wall time of each step, for --debug."""

    steps: list[tuple[str, float]] = field(default_factory=list)
    _t: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.steps.append((name, now - self._t))
        self._t = now


def load(settings: Settings, now: datetime, err: Console) -> Loaded:
    """Fill an in-memory store from the demo or the files."""
    store = Store.memory()
    files: list[FileInfo] = []
    busy = err.status("Reading session files…") if err.is_terminal else nullcontext()
    with busy:
        if settings.source == "demo":
            demo.load_demo(store, now)
        else:
            files = load_files(store, list(settings.paths))
        store.finalize()
    site, location, data_tz = analysis.site_identity(store)
    if settings.source == "demo":
        site, location = demo.SITE, demo.LOCATION
    tz = settings.timezone or data_tz or dates.system_timezone()
    dates.zone(tz)
    if site is None:
        site = Path(settings.paths[0]).stem if settings.paths else "Site"
    return Loaded(store, site, location, tz, files)


def resolve_window(settings: Settings, loaded: Loaded, now: datetime) -> dates.DateRange:
    kind = settings.range_kind or ("all" if settings.source == "files" else "today")
    if kind != "all":
        return dates.window(kind, loaded.timezone, now, settings.start, settings.end)
    # The analysis fills in the span of the data.
    return dates.DateRange(datetime.min.replace(tzinfo=UTC), now, loaded.timezone, "all")


def options(settings: Settings) -> analysis.Options:
    return analysis.Options(
        threshold_kwh=settings.threshold_kwh,
        voltage=settings.voltage,
        health=settings.health,
        user=None if settings.user in (None, ALL_USERS) else settings.user,
        active_current=settings.active_current,
    )


def export_categories(settings: Settings) -> tuple[str, ...] | None:
    """--empty/--micro alone export just those sessions; --all and --user export every one."""
    if settings.all or settings.user is not None or not (settings.empty or settings.micro):
        return None
    return tuple(c for c, on in (("EMPTY", settings.empty), ("MICRO", settings.micro)) if on)


def default_export_path(settings: Settings, now: datetime, suffix: str) -> Path:
    name = now.astimezone().strftime("%Y_%m_%d_%H%M%S") + suffix
    if settings.output_path is None:
        return Path(name)
    path = Path(settings.output_path).expanduser()
    if path.is_dir() or settings.output_path.endswith(("/", os.sep)):
        path.mkdir(parents=True, exist_ok=True)
        return path / name
    return path


def run(
    settings: Settings, out: Console, err: Console, stdout: IO[str], now: datetime
) -> ExitStatus:
    """Everything after the flags and prompts: returns the exit status."""
    timer = Timer()
    debug = DebugLog(err) if settings.debug else None
    extra: dict = {}
    if settings.source == "api":
        from . import live

        result = live.load(settings, now, err, debug)
        site, location, _ = analysis.site_identity(result.store)
        label = f"ACN {settings.acn}" if settings.api == "powerflex" else settings.site.title()
        loaded = Loaded(result.store, site or label, location, result.window.timezone)
        window = result.window
        extra["sync"] = _sync_info(result)
        if result.note:
            terminal.note(err, result.note, warning=result.report is not None)
    else:
        loaded = load(settings, now, err)
        window = resolve_window(settings, loaded, now)
    timer.lap("load")
    opts = options(settings)
    if debug:
        debug.settings(settings, loaded, window)

    if settings.output == "sessions":
        from .render import jsonout

        jsonout.write_sessions(loaded.store, analysis.sessions_sql(window, opts), stdout)
        timer.lap("export")
    elif settings.output == "csv":
        from .render import csv

        analysis.check_user(loaded.store, window, opts)  # before anything is written
        path = default_export_path(settings, now, ".csv")
        sql = analysis.sessions_sql(window, opts, export_categories(settings))
        count = csv.write(loaded.store, sql, path)
        terminal.exported(out, count, path)
        if settings.stations or settings.all:
            from .stations import station_stats

            counted = analysis.summarize(loaded.store, window, opts, loaded.site)
            stations = station_stats(loaded.store, counted.window, opts)
            spath = path.with_name(path.stem + "_stations.csv")
            csv.write_stations(loaded.store, stations, spath)
            terminal.exported(out, len(stations), spath, what="stations")
        timer.lap("export")
    else:
        summary = analysis.summarize(loaded.store, window, opts, loaded.site, loaded.location)
        summary = _extend(settings, loaded, opts, summary)
        timer.lap("analysis")
        if settings.check:
            from . import check

            found = check.findings(summary)
            if settings.output == "json":
                from .render import jsonout

                extra["check"] = jsonout.check(found)
                jsonout.write(summary, stdout, extra)
            else:
                terminal.check(summary, found, out)
            status = ExitStatus.OK if check.passed(found) else ExitStatus.CHECK_FAILED
            if debug:
                debug.timings(timer.steps)
            return status
        if settings.output == "pdf":
            path = default_export_path(settings, now, ".pdf")
            _write_pdf(settings, loaded, window, opts, summary, path, now, err)
            terminal.exported(out, summary.totals.sessions, path)
        elif settings.output == "graph":
            from .render import charts

            folder = _output_folder(settings)
            stamp = now.astimezone().strftime("%Y_%m_%d_%H%M%S")
            paths = charts.save_all(summary, folder, stamp)
            terminal.charts_saved(out, paths)
            if _display_available():
                charts.show(paths)
        elif settings.output == "json":
            from .render import jsonout

            jsonout.write(summary, stdout, extra)
        else:
            sections = _sections(settings)
            cap = None if settings.printsessions else settings.session_cap
            items = analysis.listings(loaded.store, window, opts, cap) if sections.users else ()
            terminal.show(summary, items, out, sections)
        timer.lap("render")
        if debug:
            debug.quality(summary)
    if debug:
        debug.timings(timer.steps)
    return ExitStatus.OK


def _sections(settings: Settings) -> terminal.Sections:
    users = settings.all or settings.user is not None
    return terminal.Sections(
        empty=settings.empty or settings.all,
        micro=settings.micro or settings.all,
        users=users,
        health=settings.all,
        stations=settings.stations or settings.all,
        debug=settings.debug,
    )


def _extend(settings: Settings, loaded: Loaded, opts, summary):
    """Add the stations and the previous window's figures where the output shows them."""
    from dataclasses import replace

    from .stations import station_stats

    wide = settings.all or settings.output in ("json", "pdf", "graph") or settings.check
    if settings.stations or wide:
        summary = replace(summary, stations=station_stats(loaded.store, summary.window, opts))
    if wide and summary.window.kind != "all":
        summary = replace(summary, previous=analysis.previous(loaded.store, summary.window, opts))
    return summary


PDF_ROWS_PER_USER = 40


def _write_pdf(settings, loaded, window, opts, summary, path: Path, now, err: Console) -> None:
    from .render import charts, pdf

    sections = _sections(settings)
    items = (
        analysis.listings(loaded.store, window, opts, PDF_ROWS_PER_USER, worst_first=True)
        if sections.users
        else ()
    )
    report = pdf.PdfReport(
        summary=summary,
        listings=items,
        sections=sections,
        generated=now.astimezone(),
        charts={name: charts.png_bytes(summary, name) for name in charts.names_for(summary)},
        logo=_logo(settings, err),
        row_limit=PDF_ROWS_PER_USER,
    )
    pdf.write(report, path)


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


def _output_folder(settings: Settings) -> Path:
    folder = Path(settings.output_path or ".").expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"Cannot create the folder {folder} ({exc.strerror}).") from exc
    if not folder.is_dir():
        raise ExportError(f"{folder} is a file; --output for --graph is a folder.")
    return folder


def _display_available() -> bool:
    """A window can open: a display is set, and this is not a test or CI run."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and not (
        os.environ.get("CI") or os.environ.get("PYTEST_CURRENT_TEST")
    )


def _sync_info(result: LiveResult) -> dict:
    """What the live sync did, for --json."""
    r = result.report
    info = {"store": str(result.store.path), "source": result.key, "offline": r is None}
    if r is not None:
        info |= {
            "requests": r.requests,
            "pages": r.pages,
            "rows": r.rows,
            "duplicates": r.duplicates,
            "api_total": r.api_total,
            "mismatch": r.mismatch,
            "windows": [[a.isoformat(), b.isoformat()] for a, b in r.fetched_windows],
        }
    info["note"] = result.note
    return info
