"""One run of seshis: load the sessions, build the report, hand it to the output's renderer."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from typing import IO

from rich.console import Console

from .analysis import build_report
from .dataset import Dataset
from .dates import DateRange
from .outputs import OUTPUTS, Run
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
) -> ExitStatus:
    """Everything after the flags and prompts: returns the exit status."""
    timer = Timer()
    debug = DebugLog(err) if settings.debug else None
    data, window = load(settings, now, err, debug, sleep)
    try:
        timer.lap("load")
        if debug:
            debug.settings(settings)
            debug.data(data, window)
        report = build_report(data, window, settings.report_options(), now)
        timer.lap("analysis")
        sync = report.sync
        carried = settings.output in ("text", "graph")  # the text report carries a warning
        if sync is not None and sync.note and not (sync.warning and carried):
            terminal.note(err, sync.note, warning=sync.warning)
        status = OUTPUTS[settings.output](Run(report, settings, out, err, stdout, now))
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
) -> tuple[Dataset, DateRange]:
    """The sessions of the demo, the files or a live API, and the window asked for."""
    kind, start, end = settings.range_kind, settings.start, settings.end
    if settings.source_kind == "api":
        from .sources import live  # httpx and tenacity only for the live APIs

        options = settings.live_options(sleep, lambda text: terminal.note(err, text, False))
        with FetchProgress(err, live.API_NAMES[options.api]) as progress:
            return live.load(options, kind or "today", now, start, end, progress=progress, log=log)
    doing = (
        "Building the demo site…"
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
            data = load_demo(now, settings.timezone)
        else:
            raw = settings.output == "sessions"  # printed as the files gave them
            data = load_files(settings.source, settings.timezone, settings.profile, raw)
    return data, data.window(kind or ("today" if settings.demo else "all"), now, start, end)
