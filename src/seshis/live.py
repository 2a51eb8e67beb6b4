"""The live sources end to end: credentials, the on-disk store, a sync of the window, and
the `sessions` view the analyses read (the same analyses as for files)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from . import analysis, dates
from .errors import AuthError
from .render.progress import FetchProgress
from .settings import CHECKOUT, Settings
from .sources import acndata, powerflex
from .sources.http import CommandTransport, Credentials, Fetcher, HttpxTransport
from .sources.remote import SyncReport, freshness, sync
from .store import Store

AUTH_SCRIPT = "curl_device_manager.sh"


@dataclass
class LiveResult:
    store: Store
    window: dates.DateRange
    key: str
    report: SyncReport | None  # None when --offline
    note: str | None  # what to tell the user about freshness or totals


def default_store_path() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("seshis") / "sessions.duckdb"


def credentials(settings: Settings) -> Credentials:
    """A token from the environment, else the auth command; never printed anywhere."""
    if settings.api == "acndata":
        token = _token("SESHIS_TOKEN", "ACN_API_TOKEN")
        if not token:
            raise AuthError(
                "No ACN-Data token: set SESHIS_TOKEN (or ACN_API_TOKEN) to your ACN-Data API token."
            )
        return Credentials(token=token, basic=True)
    token = _token("SESHIS_TOKEN", "EDF_JWT")
    if token:
        return Credentials(token=token)
    command = settings.auth_command or shutil.which(AUTH_SCRIPT)
    if command is None and (CHECKOUT / AUTH_SCRIPT).is_file():
        command = str(CHECKOUT / AUTH_SCRIPT)
    if command is None:
        raise AuthError(
            "No PowerFlex credentials: set SESHIS_TOKEN (or EDF_JWT) to your API token, or "
            f"put {AUTH_SCRIPT} on PATH or next to seshis.py (or give --auth-command)."
        )
    return Credentials(command=command)


def _token(*names: str) -> str | None:
    """The first token set in the environment, without surrounding blanks; one that no HTTP
    header can carry is a credentials error, not a retried connection failure."""
    for name in names:
        token = os.environ.get(name, "").strip()
        if token:
            if not token.isascii() or not token.isprintable():
                raise AuthError(
                    f"The token in {name} holds characters a token cannot have (a line break, "
                    "or letters outside ASCII); copy it again."
                )
            return token
    return None


def api_for(settings: Settings) -> powerflex.PowerFlexApi | acndata.AcnDataApi:
    if settings.api == "acndata":
        return acndata.AcnDataApi(settings.api_url or acndata.DEFAULT_URL, settings.site)
    return powerflex.PowerFlexApi(
        settings.api_url or powerflex.DEFAULT_URL,
        settings.acn,
        settings.account,
        anonymize=settings.anonymize,
        include_active=settings.include_active,
        sort_by=settings.sort_by,
        sort_order=settings.sort_order,
    )


def timezone_for(settings: Settings) -> str:
    """The window is needed before any row arrives: the flag or config, else the zone of the
    ACN-Data sites (California), else the machine's."""
    if settings.timezone:
        return settings.timezone
    return "America/Los_Angeles" if settings.api == "acndata" else dates.system_timezone()


def load(settings: Settings, now, err: Console, log: Callable[[str], None] | None) -> LiveResult:
    api = api_for(settings)
    tz = timezone_for(settings)
    dates.zone(tz)
    kind = settings.range_kind or "today"
    window = dates.window(kind, tz, now, settings.start, settings.end)
    creds = None if settings.offline else credentials(settings)
    store = Store.open(Path(settings.store_path or default_store_path()).expanduser())
    report: SyncReport | None = None
    if creds is None:
        note = freshness(store, api.key, now, window.start, window.end)
    else:
        transport = (
            CommandTransport(creds.command, settings.timeout)
            if creds.command
            else HttpxTransport(creds, settings.timeout, settings.concurrency)
        )
        fetcher = Fetcher(transport, creds, attempts=settings.retries, log=log)
        size = settings.page_size or (
            acndata.DEFAULT_PAGE_SIZE if settings.api == "acndata" else powerflex.DEFAULT_PAGE_SIZE
        )
        try:
            with FetchProgress(err, api.name) as progress:
                report = sync(
                    store,
                    api,
                    fetcher,
                    analysis.previous_window(window).start,  # and the one before: trends
                    window.end,
                    page_size=size,
                    concurrency=settings.concurrency,
                    overlap=timedelta(days=settings.overlap_days),
                    refresh=settings.refresh,
                    now=now,
                    progress=progress,
                )
        finally:
            transport.close()
        note = _mismatch(report)
    store.use_source(api.key, analysis.window_sql(window))
    return LiveResult(store, window, api.key, report, note)


def _mismatch(report: SyncReport) -> str | None:
    if not report.mismatch:
        return None
    merged = f" after merging {report.duplicates} duplicates" if report.duplicates else ""
    return (
        f"The API said it had {report.api_total} sessions but {report.rows} arrived{merged}; "
        "rerun with --refresh if the site was busy."
    )
