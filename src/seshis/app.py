"""One run of seshis: load the sessions, build the report, hand it to the output's renderer."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import IO

from rich.console import Console

from . import dates
from .analysis import build_report, session_export
from .analysis.statement import build_statement
from .dataset import Dataset
from .dates import DateRange
from .outputs import (
    Run,
    chosen,
    deliver,
    export_categories,
    needs,
    notify_test,
    report_options,
    statement_terms,
)
from .render import terminal
from .render.common.debug import DebugLog, Timer
from .render.common.progress import FetchProgress
from .settings import Settings
from .sources import load_demo, load_files
from .status import ExitStatus


def run(
    settings: Settings,
    out: Console,
    err: Console,
    stdout: IO[str],
    now: datetime,
    sleep: Callable[[float], None] | None = None,
    confirm: Callable[[str], bool] | None = None,
) -> ExitStatus:
    """Everything after the flags and prompts: returns the exit status. `confirm` asks a
    yes/no question during the run (None: nothing is asked)."""
    if settings.notify_test:
        return notify_test(settings, err)
    timer = Timer()
    debug = DebugLog(err) if settings.debug else None
    terms = statement_terms(settings) if settings.statement else None  # its files read first
    data, window = load(settings, now, err, debug, sleep, confirm)
    try:
        timer.lap("load")
        if debug:
            debug.settings(settings)
            debug.data(data, window)
        need, write = needs(settings), chosen(settings)[1]
        options = report_options(settings)
        report = build_report(data, window, options, now)
        statement = build_statement(data, window, options, terms) if terms else None
        timer.lap("analysis")
        sync = report.sync
        if sync is not None and sync.note and not (sync.warning and need.carries_sync_warning):
            terminal.note(err, sync.note, warning=sync.warning)
        sessions = (
            session_export(data, report, export_categories(settings), settings.rows_order)
            if need.sessions
            else None
        )
        status = deliver(Run(report, settings, out, err, stdout, now, sessions, statement), write)
        timer.lap("render")
    finally:
        data.store.close()  # releases the on-disk store at once for the next run
    if debug:
        debug.quality(report)
        debug.timings(timer.steps)
    return status


def load(
    settings: Settings,
    now: datetime,
    err: Console,
    log: Callable[[str], None] | None,
    sleep: Callable[[float], None] | None,
    confirm: Callable[[str], bool] | None = None,
) -> tuple[Dataset, DateRange]:
    """The sessions of the demo, the files or a live API, and the window asked for."""
    kind, start, end = settings.range_kind, settings.start, settings.end
    if settings.source_kind == "api":
        from .sources import live  # httpx and tenacity only for the live APIs

        bar = FetchProgress(err, live.API_NAMES[settings.api])

        def asked(question: str) -> bool:  # the progress bar stands aside for the question
            assert confirm is not None
            if bar.bar is not None:
                bar.bar.stop()
            try:
                return confirm(question)
            finally:
                if bar.bar is not None:
                    bar.bar.start()

        notice = lambda text: terminal.note(err, text, False)  # noqa: E731
        options = settings.live_options(sleep, notice, asked if confirm else None)
        with bar as progress:
            return live.load(options, kind or "today", now, start, end, progress=progress, log=log)
    doing = (
        ("Building the demo network…" if settings.demo_network else "Building the demo site…")
        if settings.demo
        else (
            f"Reading {len(settings.source)} session files…"
            if len(settings.source) > 1
            else f"Reading {settings.source[0]}…"
        )
    )
    busy = err.status(doing) if err.is_terminal else nullcontext()
    with busy:
        if settings.demo:
            data = load_demo(now, settings.timezone, network=settings.demo_network)
        else:
            data = _load_files(settings, now)
    return data, data.window(kind or ("today" if settings.demo else "all"), now, start, end)


def _load_files(settings: Settings, now: datetime) -> Dataset:
    """The --source files and objects; a partitioned lake's partitions outside what the
    report reads are never read."""
    from .analysis.history import HISTORY_DAYS
    from .sources.objects import Storage

    rows = needs(settings).source_rows  # the output prints them as the files gave them
    kind = settings.range_kind or "all"
    reach = dates.reach(kind, now, settings.start, settings.end, timedelta(days=HISTORY_DAYS))
    storage = Storage(settings.s3_endpoint, settings.timeout)
    return load_files(
        settings.source,
        settings.timezone,
        settings.profile or None,  # --profile '': none this run
        rows,
        profile_fits_only=settings.profile_from_config,
        window=reach,
        storage=storage,
    )
