"""The outputs of the command line: for each, what it needs of the report, the renderer to
call and what to print around it (where an export went, the charts saved, the exit status of
--check). The report's Options are built from what the output needs and the flags."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO

from rich.console import Console

from . import CHECKOUT, portfolio
from . import definitions as d
from .analysis import Listings, Options, Report, Sections
from .analysis.statement import Statement, Terms
from .errors import ExportError, UsageError
from .render import terminal
from .render.common.exporter import Sessions
from .settings import ALL_USERS, Settings
from .status import ExitStatus


@dataclass(frozen=True)
class Run:
    """What a renderer of the command line needs: the report, the settings, the streams, and
    for an export the selected sessions."""

    report: Report
    settings: Settings
    out: Console
    err: Console
    stdout: IO[str]
    now: datetime
    sessions: Sessions | None = None
    statement: Statement | None = None  # with --statement
    shown: Callable[[Path], str] | None = None  # the name a written file goes by (an object's)

    def where(self, path: Path | None) -> str:
        """Where a file written for the output ends up, as the user named it."""
        return self.shown(path) if self.shown is not None and path is not None else str(path)


@dataclass(frozen=True)
class Needs:
    """What an output needs of the report besides the sections the flags ask for."""

    trends: bool = False  # the previous window's figures
    stations: bool = False  # the stations' figures, for attention, even without --stations
    lines: str | None = None  # session lines per driver: "recent" (the most recent ones),
    # "worst" (a printed report's worst ones); None: none
    cap: int = 20  # session lines per driver
    sessions: bool = False  # the selected sessions, streamed to the renderer
    source_rows: bool = False  # each session as its source gave it (loading keeps them)
    carries_sync_warning: bool = False  # the output itself warns of an incomplete sync


def _text(r: Run) -> ExitStatus:
    from .render.common.pager import paged

    brief = r.settings.all and not r.settings.printsessions  # the short form of each part
    paged(lambda out: _report_and_statement(r, out, brief), r.out, r.settings.pager)
    return ExitStatus.OK


def _report_and_statement(r: Run, out: Console, brief: bool) -> int:
    """The report the analysis flags ask for, then the statement (--statement alone: the
    statement only)."""
    lines = 0
    if r.statement is None or _other_analysis(r.settings):
        lines = terminal.render(r.report, out, brief=brief, debug=r.settings.debug)
    if r.statement is not None:
        from .render.statement import terminal as statement_terminal

        if lines:
            out.print()
        lines += statement_terminal.render(r.report, out, r.statement)
    return lines


def _other_analysis(settings: Settings) -> bool:
    return bool(settings.empty or settings.micro or settings.user or settings.all)


def _check(r: Run) -> ExitStatus:
    from .render import check

    check.render(r.report, r.out)
    return _checked(r)


def _checked(r: Run) -> ExitStatus:
    """--check's exit status: 3 when a finding breaches; with --notify, what changed is
    delivered, and 4 when a target could not be reached."""
    status = ExitStatus.OK
    if r.settings.check and not r.report.passed:
        status = ExitStatus.CHECK_FAILED
    if r.settings.check and r.settings.notify:
        return _notified(r) or status
    return status


def _notified(r: Run) -> ExitStatus | None:
    """--notify: what changed since each target was last told, recorded in the store (the
    live APIs' store; for files and the demo the same file, created now)."""
    import tempfile
    from functools import partial

    from . import notify
    from .sources.live import default_store_path
    from .syncs import LiveStore

    s = r.settings
    store = LiveStore.open(Path(s.store_path or default_store_path()).expanduser())
    try:
        with tempfile.TemporaryDirectory(prefix="seshis-") as folder:
            attach = partial(_attachment, r, Path(folder)) if s.notify_attach else None
            outcomes = notify.deliver(r.report, s.notify, store, r.now, s.notify_every, attach)
    finally:
        store.close()
    return _told(r.err, outcomes)


def notify_test(settings: Settings, err: Console) -> ExitStatus:
    """--notify-test: one test message to each target."""
    from . import notify

    if not settings.notify:
        raise UsageError("--notify-test needs a target: --notify URL, or notify in the config.")
    return _told(err, notify.try_targets(settings.notify, settings.notify_every)) or ExitStatus.OK


def _told(err: Console, outcomes: tuple) -> ExitStatus | None:
    from .notify import said

    for outcome in outcomes:
        err.print(said(outcome), markup=False, soft_wrap=True)
    failed = any(o.problem is not None for o in outcomes)
    return ExitStatus.NOT_DELIVERED if failed else None


def _attachment(r: Run, folder: Path) -> Path:
    """The report attached to a --notify message (--notify-attach pdf | html)."""
    path = folder / f"seshis-check-{_stamp(r.now)}.{r.settings.notify_attach}"
    if r.settings.notify_attach == "pdf":
        from .render import pdf

        pdf.render(r.report, path, logo=_logo(r.settings, r.err))
        return path
    from .render import html

    assert r.sessions is not None  # needs(): the page's Needs when it is attached
    return html.render(r.report, path, sessions=r.sessions).path


def _json(r: Run) -> ExitStatus:
    """The JSON document (with --check, its findings and exit status) on stdout or a file."""
    from .render import jsonout
    from .render.common.atomic import atomic_file

    if r.settings.output_path in (None, STDOUT):
        jsonout.render(r.report, r.stdout, statement=r.statement)
        return _checked(r)
    path = _export_path(r, ".json")
    with atomic_file(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        jsonout.render(r.report, fh, statement=r.statement)
    r.out.print(f"📄 The JSON report is in {r.where(path)}", markup=False, soft_wrap=True)
    return _checked(r)


def _sessions(r: Run) -> ExitStatus:
    from .render import rows

    assert r.sessions is not None  # Needs(sessions=True)
    rows.render(r.report, r.stdout, sessions=r.sessions)
    return ExitStatus.OK


def _csv(r: Run) -> ExitStatus:
    from .render import csv

    assert r.sessions is not None  # Needs(sessions=True)
    if r.settings.output_path == STDOUT:
        written = csv.render(r.report, r.stdout, sessions=r.sessions)
        terminal.exported(r.err, written.sessions, "standard output")
        if r.report.sections.stations:
            terminal.note(r.err, "The stations table goes to a file; give --output a file.", True)
        return ExitStatus.OK
    written = csv.render(
        r.report, _export_path(r, ".csv"), sessions=r.sessions, stations=r.report.sections.stations
    )
    terminal.exported(r.out, written.sessions, r.where(written.path))
    if written.stations_path:
        where = r.where(written.stations_path)
        terminal.exported(r.out, written.stations, where, what="station")
    return ExitStatus.OK


def _xlsx(r: Run) -> ExitStatus:
    from .render import xlsx

    assert r.sessions is not None  # Needs(sessions=True)
    written = xlsx.render(r.report, _export_path(r, ".xlsx"), sessions=r.sessions)
    terminal.exported(r.out, written.sessions, r.where(written.path))
    return ExitStatus.OK


def _parquet(r: Run) -> ExitStatus:
    from .render import parquet

    assert r.sessions is not None  # Needs(sessions=True)
    written = parquet.render(r.report, _export_path(r, ".parquet"), sessions=r.sessions)
    terminal.exported(r.out, written.sessions, r.where(written.path))
    return ExitStatus.OK


def _pdf(r: Run) -> ExitStatus:
    from .render import pdf
    from .render.common.wording import plural

    path = _export_path(r, ".pdf")
    pages = pdf.render(r.report, path, logo=_logo(r.settings, r.err))
    terminal.exported(r.out, pdf.covered(r.report), r.where(path))
    held = ", ".join(pdf.contents(r.report))
    r.out.print(f"📄 {plural(pages, 'page')}: {held}", markup=False, soft_wrap=True)
    return ExitStatus.OK


def _html(r: Run) -> ExitStatus:
    from .render import html

    assert r.sessions is not None  # Needs(sessions=True)
    written = html.render(r.report, _export_path(r, ".html"), sessions=r.sessions)
    terminal.exported(r.out, written.sessions, r.where(written.path))
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
    terminal.charts_saved(r.out, [r.where(p) for p in paths])
    if _display_available() and r.shown is None:
        charts.show(paths)
    return ExitStatus.OK


def _statement_csv(r: Run) -> ExitStatus:
    from .render.statement import csv

    assert r.statement is not None  # --statement
    if r.settings.output_path == STDOUT:
        csv.render(r.report, r.stdout, statement=r.statement)
        return ExitStatus.OK
    written = csv.render(r.report, _export_path(r, ".csv"), statement=r.statement)
    r.out.print(
        f"🧾 The statement ({written.lines:,} lines) is in {r.where(written.path)}", markup=False
    )
    r.out.print(f"🧾 Its subtotals and totals are in {r.where(written.totals_path)}", markup=False)
    return ExitStatus.OK


def _statement_xlsx(r: Run) -> ExitStatus:
    from .render.statement import xlsx

    assert r.statement is not None  # --statement
    path = _export_path(r, ".xlsx")
    sheets = xlsx.render(r.report, path, statement=r.statement)
    r.out.print(f"🧾 The statement is in {r.where(path)} ({', '.join(sheets)})", markup=False)
    return ExitStatus.OK


def _statement_pdf(r: Run) -> ExitStatus:
    from .render.common.wording import plural
    from .render.statement import pdf

    assert r.statement is not None  # --statement
    path = _export_path(r, ".pdf")
    pages = pdf.render(r.report, path, statement=r.statement, logo=_logo(r.settings, r.err))
    drivers = len(pdf.driver_pages(r.statement))
    r.out.print(
        f"🧾 The statement is in {r.where(path)}: {plural(pages, 'page')}, the operator's "
        "summary and "
        f"{plural(drivers, 'driver page')}",
        markup=False,
        soft_wrap=True,
    )
    return ExitStatus.OK


SESSION_CAP = 20  # session lines per driver in the terminal
COMPACT_CAP = 10  # and with --all, for the drivers who need help and the unclaimed sessions
PDF_ROWS_PER_USER = 40  # and in the PDF: the worst ones

TEXT = Needs(lines="recent", cap=SESSION_CAP, carries_sync_warning=True)
# each output: what it needs, and the function that renders it
OUTPUTS: dict[str, tuple[Needs, Callable[[Run], ExitStatus]]] = {
    "text": (TEXT, _text),
    "check": (Needs(trends=True, stations=True), _check),
    "json": (Needs(trends=True, stations=True), _json),
    "sessions": (Needs(sessions=True, source_rows=True), _sessions),
    "csv": (Needs(sessions=True), _csv),
    "xlsx": (Needs(sessions=True), _xlsx),
    "parquet": (Needs(sessions=True), _parquet),
    "pdf": (Needs(trends=True, stations=True, lines="worst", cap=PDF_ROWS_PER_USER), _pdf),
    "html": (Needs(trends=True, stations=True, sessions=True), _html),
    "graph": (replace(TEXT, trends=True, stations=True), _graph),  # the text report too
}


# --statement's outputs (the terminal and JSON as without it, the statement added)
STATEMENTS: dict[str, tuple[Needs, Callable[[Run], ExitStatus]]] = {
    "text": OUTPUTS["text"],
    "json": OUTPUTS["json"],
    "csv": (Needs(), _statement_csv),
    "xlsx": (Needs(), _statement_xlsx),
    "pdf": (Needs(), _statement_pdf),
}


def deliver(r: Run, write: Callable[[Run], ExitStatus]) -> ExitStatus:
    """Render the output; an --output in object storage (s3://) is written to a local folder,
    each file is uploaded once complete (an object appears whole or not at all), and only
    then are the renderer's lines shown, naming the objects."""
    import io
    import tempfile

    from .sources import objects

    given = r.settings.output_path
    if given is None or not objects.is_remote(given):
        return write(r)
    with tempfile.TemporaryDirectory(prefix="seshis-") as folder:
        staged = objects.Staged(given, Path(folder), folder=r.settings.output == "graph")
        said = io.StringIO()
        out = Console(file=said, width=r.out.width, color_system=None, soft_wrap=True)
        settings = replace(r.settings, output_path=staged.local)
        status = write(replace(r, settings=settings, out=out, shown=staged.url_of))
        staged.upload(objects.Storage(r.settings.s3_endpoint, r.settings.timeout))
    r.out.file.write(said.getvalue())
    return status


def chosen(settings: Settings) -> tuple[Needs, Callable[[Run], ExitStatus]]:
    """What the output needs of the report, and the function that renders it."""
    return (STATEMENTS if settings.statement else OUTPUTS)[settings.output]


def needs(settings: Settings) -> Needs:
    """What the output needs; with --check --notify-attach, what the attached report needs."""
    if settings.check and settings.notify and settings.notify_attach:
        return OUTPUTS[settings.notify_attach][0]
    return chosen(settings)[0]


def statement_terms(settings: Settings) -> Terms:
    """What a statement is built with: the config's tariff, the drivers file, the rows and
    what makes energy suspect."""
    from . import people

    path = settings.drivers_file
    return Terms(
        tariff=settings.tariff,
        people=people.load(Path(path).expanduser()) if path else None,
        by=settings.statement_by,
        include_suspect=settings.include_suspect_energy,
        max_kw=settings.max_kw,
        max_session_kwh=settings.max_session_kwh,
    )


def report_options(settings: Settings) -> Options:
    """The report's Options: the sections the flags ask for, built as the output needs them."""
    need = needs(settings)
    everything = settings.all
    one = settings.user not in (None, ALL_USERS)
    listed = _categories(settings) if settings.user is not None and not everything else None
    alone = settings.user is None and not everything  # --empty and/or --micro
    lines = None
    if need.lines is not None:
        cap: int | None = COMPACT_CAP if everything and need.lines == "recent" else need.cap
        if settings.printsessions or (settings.output == "graph" and one):
            cap = None  # every session (--user EMAIL --graph plots each one)
        lines = Listings(
            drivers="needing_help" if everything and not settings.printsessions else "all",
            cap=cap,
            worst_first=need.lines == "worst",
            # every empty (micro) session with --printsessions, and in a printed --empty
            every_session=settings.printsessions or (need.lines == "worst" and alone),
            categories=listed,
        )
    return Options(
        threshold_kwh=settings.threshold_kwh,
        voltage=settings.voltage,
        health=settings.health,
        user=settings.user if one else None,
        active_current=settings.active_current,
        sections=Sections(
            empty=settings.empty or everything,
            micro=settings.micro or everything,
            users=everything or settings.user is not None,
            health=everything,
            stations=settings.stations or everything,
        ),
        stations=need.stations or everything or settings.empty or settings.micro,
        trends=need.trends or everything,
        listings=lines,
        site=portfolio.report_site(settings),
        site_aliases=portfolio.site_aliases(settings),
    )


def export_categories(settings: Settings) -> tuple[str, ...] | None:
    """--empty/--micro alone export just those sessions; --all and --user every one."""
    if settings.all or settings.user is not None:
        return None
    return _categories(settings)


def _categories(settings: Settings) -> tuple[str, ...] | None:
    """The categories --empty and/or --micro ask for (None: neither, so every one)."""
    chosen = tuple(c for c, on in ((d.EMPTY, settings.empty), (d.MICRO, settings.micro)) if on)
    return chosen or None


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
    """--logo, else pf.jpg in the current folder or next to seshis.py, as seshis.py did."""
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
    """A window can open: a display is set, and this is not a CI run."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and not (
        os.environ.get("CI")
    )
