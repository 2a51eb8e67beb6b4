"""The live sources as a library: credentials, the on-disk store, a sync of the window (and of
the window before it, for the trends), and the Dataset the report is built from. Its options,
`LiveOptions`, are the live settings, each declared once with the others (seshis.settings)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .. import CHECKOUT, dates
from ..dataset import Dataset
from ..errors import AuthError, UsageError
from ..settings import Settings
from ..syncs import LiveStore, SyncStatus
from . import acndata, ocpi, powerflex
from .http import CommandTransport, Credentials, Fetcher, HttpxTransport
from .remote import Api, sync

AUTH_SCRIPT = "curl_device_manager.sh"
API_NAMES = {"powerflex": "PowerFlex", "acndata": "ACN-Data", "ocpi": "OCPI"}

Progress = Callable[[int, int, int | None], None]  # pages, sessions, the API's total


def _default(name: str) -> Any:
    """The default a setting is declared with (seshis.settings): each is written once."""
    return Settings.__dataclass_fields__[name].default


@dataclass(frozen=True)
class LiveOptions:
    """Which API, which site, and how to fetch from it: the settings of the same names (with
    their declared defaults; a test holds the types equal), then how a run waits, which no
    flag sets."""

    api: str = _default("api")
    site: str = _default("site")
    acn: str = _default("acn")
    account: str = _default("account")
    api_url: str | None = _default("api_url")
    auth_command: str | None = _default("auth_command")
    page_size: int | None = _default("page_size")
    concurrency: int = _default("concurrency")
    timeout: float = _default("timeout")
    retries: int = _default("retries")
    store_path: str | None = _default("store_path")
    refresh: bool = _default("refresh")
    offline: bool = _default("offline")
    overlap_days: float = _default("overlap_days")
    anonymize: bool = _default("anonymize")
    include_active: bool = _default("include_active")
    ocpi_version: str = _default("ocpi_version")
    timezone: str | None = _default("timezone")
    backoff: float = 0.5  # seconds before the first retry (doubling, with jitter)
    sleep: Callable[[float], None] = time.sleep  # how to wait between attempts
    lock_wait: float = 300.0  # seconds to wait for another run holding the store
    notice: Callable[[str], None] | None = None  # told when this run waits for another


WAITING = ("backoff", "sleep", "lock_wait", "notice")  # the options no setting declares


def default_store_path() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("seshis") / "sessions.duckdb"


def credentials(options: LiveOptions) -> Credentials:
    """A token from the environment, else the auth command; never printed anywhere."""
    if options.api == "ocpi":
        token = _token("SESHIS_TOKEN", "OCPI_TOKEN")
        if not token:
            raise AuthError(
                "No OCPI token: set SESHIS_TOKEN (or OCPI_TOKEN) to the token the CPO gave you "
                "(Credentials token C)."
            )
        # OCPI 2.2 sends the token base64-encoded; 2.1.1 as it is
        return Credentials(token=token, scheme="Token", encode=options.ocpi_version != "2.1.1")
    if options.api == "acndata":
        token = _token("SESHIS_TOKEN", "ACN_API_TOKEN")
        if not token:
            raise AuthError(
                "No ACN-Data token: set SESHIS_TOKEN (or ACN_API_TOKEN) to your ACN-Data API token."
            )
        return Credentials(token=token, basic=True)
    token = _token("SESHIS_TOKEN", "EDF_JWT")
    if token:
        return Credentials(token=token)
    command = options.auth_command or shutil.which(AUTH_SCRIPT)
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


def api_for(options: LiveOptions) -> powerflex.PowerFlexApi | acndata.AcnDataApi | ocpi.OcpiApi:
    if options.api == "ocpi":
        if not options.api_url:
            raise UsageError(
                "--api ocpi needs --api-url: the CPO's CDRs (or Sessions) endpoint, e.g. "
                "https://cpo.example.com/ocpi/cpo/2.2.1/cdrs"
            )
        return ocpi.OcpiApi(options.api_url, options.ocpi_version)
    if options.api == "acndata":
        return acndata.AcnDataApi(options.api_url or acndata.DEFAULT_URL, options.site)
    return powerflex.PowerFlexApi(
        options.api_url or powerflex.DEFAULT_URL,
        options.acn,
        options.account,
        anonymize=options.anonymize,
        include_active=options.include_active,
    )


def timezone_for(options: LiveOptions) -> str:
    """The window is needed before any row arrives: the option, else the zone of the ACN-Data
    sites (California), else the machine's."""
    if options.timezone:
        return options.timezone
    return "America/Los_Angeles" if options.api == "acndata" else dates.system_timezone()


def load(
    options: LiveOptions,
    kind: str,
    now: datetime,
    start: dates.date | None = None,
    end: dates.date | None = None,
    *,
    progress: Progress | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[Dataset, dates.DateRange]:
    """Bring the store up to date for the window (and the one before it) and return the
    store's sessions of the window with the window itself."""
    api = api_for(options)
    tz = timezone_for(options)
    window = dates.window(kind, tz, now, start, end)
    creds = None if options.offline else credentials(options)
    store = LiveStore.open(
        Path(options.store_path or default_store_path()).expanduser(),
        wait=options.lock_wait,
        sleep=options.sleep,
        notice=options.notice,
    )
    try:
        return _load(store, api, creds, options, window, now, progress, log), window
    except BaseException:
        store.close()  # release the store at once: another run may be waiting for it
        raise


def _load(
    store: LiveStore,
    api: Api,
    creds: Credentials | None,
    options: LiveOptions,
    window: dates.DateRange,
    now: datetime,
    progress: Progress | None,
    log: Callable[[str], None] | None,
) -> Dataset:
    if creds is None:
        status = store.offline_status(api.key, now, window.start, window.end)
    else:
        status = _sync(store, api, creds, options, window, now, progress, log)
    store.show(api.key, window)
    site, _zone = store.identity()
    name, location = api.site_name(site)
    return Dataset(store, name, location, window.timezone, span=None, sync=status)


def _sync(
    store: LiveStore,
    api: Api,
    creds: Credentials,
    options: LiveOptions,
    window: dates.DateRange,
    now: datetime,
    progress: Progress | None,
    log: Callable[[str], None] | None,
) -> SyncStatus:
    transport = (
        CommandTransport(creds.command, options.timeout)
        if creds.command
        else HttpxTransport(creds, options.timeout, options.concurrency)
    )
    fetcher = Fetcher(
        transport,
        creds,
        attempts=options.retries,
        backoff=options.backoff,
        sleep=options.sleep,
        log=log,
    )
    size = options.page_size or api.default_page_size
    try:
        return sync(
            store,
            api,
            fetcher,
            dates.previous_window(window).start,  # and the window before: the trends
            window.end,
            page_size=size,
            concurrency=options.concurrency,
            overlap=timedelta(days=options.overlap_days),
            refresh=options.refresh,
            now=now,
            progress=progress,
        )
    finally:
        transport.close()
