"""The live sources as a library: credentials, the on-disk store, a sync of the window (and of
the window before it, for the trends), and the Dataset the report is built from. Its options,
`LiveOptions`, are the live settings, each declared once with the others (seshis.settings).

A run syncs one site or several (several --acn, several ACN-Data sites, a portfolio's
[[sites]]): one sync per site into the same store, each over the window in its own zone; the
Dataset is their union, each session's `site` its site's name, `Dataset.sites` their names
and zones."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .. import CHECKOUT, dates, portfolio
from ..dataset import Dataset, Site
from ..errors import AuthError, DataError, SourceError, UsageError
from ..settings import Settings
from ..syncs import DamagedStore, LiveStore, SyncStatus, set_aside
from . import acndata, ocpi, powerflex
from .http import CommandTransport, Credentials, Fetcher, HttpxTransport
from .remote import Api, sync

AUTH_SCRIPT = "curl_device_manager.sh"
API_NAMES = {"powerflex": "PowerFlex", "acndata": "ACN-Data", "ocpi": "OCPI"}

Progress = Callable[[int, int, int | None], None]  # pages, sessions, the API's total
Client = powerflex.PowerFlexApi | acndata.AcnDataApi | ocpi.OcpiApi


def _default(name: str) -> Any:
    """The default a setting is declared with (seshis.settings): each is written once."""
    return Settings.__dataclass_fields__[name].default


@dataclass(frozen=True)
class LiveOptions:
    """Which API, which site, and how to fetch from it: the settings of the same names (with
    their declared defaults; a test holds the types equal), then how a run waits, which no
    flag sets."""

    api: str = _default("api")
    site: tuple[str, ...] = _default("site")
    acn: tuple[str, ...] = _default("acn")
    account: tuple[str, ...] = _default("account")
    sites: tuple[portfolio.SiteEntry, ...] = _default("sites")
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
    # asked whether to move a damaged store aside and fetch again (None: never asked)
    confirm: Callable[[str], bool] | None = None

    def __post_init__(self) -> None:
        """One site, ACN or account may be given as text (site="caltech")."""
        for name in ("site", "acn", "account"):
            if isinstance(getattr(self, name), str):
                object.__setattr__(self, name, (getattr(self, name),))


@dataclass(frozen=True)
class LiveSite:
    """A site a run syncs: its API client, its name (None: from its data) and its time zone
    (None: the run's)."""

    api: Client
    name: str | None = None
    timezone: str | None = None


WAITING = ("backoff", "sleep", "lock_wait", "notice", "confirm")  # no setting declares these


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


def live_sites(options: LiveOptions) -> tuple[LiveSite, ...]:
    """The sites a run syncs: the portfolio's of this API (only the --site one, when given),
    else the flags': each --acn with its --account, each ACN-Data --site (default caltech);
    OCPI: the endpoint (its sites are its locations, named by the data)."""
    if options.api == "ocpi":
        return (LiveSite(api_for(options)),)
    listed = tuple(e for e in options.sites if (e.acn if options.api == "powerflex" else e.site))
    if listed:
        if options.site:  # one site to report: only it is fetched
            chosen = portfolio.named(listed, options.site[0])
            if not chosen:
                names = ", ".join(e.name or e.acn or e.site or "" for e in listed)
                raise DataError(
                    f"No site is named {options.site[0]!r} in the config's [[sites]]. "
                    f"Its sites: {names}."
                )
            listed = chosen
        return tuple(
            LiveSite(api_for(options, e.acn, e.account or options.account[0], e.site), e.name,
                     e.timezone)
            for e in listed
        )  # fmt: skip
    if options.api == "acndata":
        wanted = dict.fromkeys(s.lower() for s in options.site or ("caltech",))
        return tuple(LiveSite(api_for(options, site=s)) for s in wanted)
    return tuple(LiveSite(api_for(options, a, b)) for a, b in acn_accounts(options))


def acn_accounts(options: LiveOptions) -> tuple[tuple[str, str], ...]:
    """Each --acn with its account: ACN:ACCOUNT, else the --account in the same position (one
    --account serves every ACN)."""
    accounts = options.account
    if len(accounts) > 1 and len(accounts) != len(options.acn):
        raise UsageError(
            f"{len(options.acn)} --acn and {len(accounts)} --account: give one --account for "
            "every ACN, one per --acn in the same order, or --acn ACN:ACCOUNT."
        )
    pairs = []
    for i, given in enumerate(options.acn):
        acn, _, account = given.partition(":")
        pairs.append((acn.strip(), account.strip() or accounts[min(i, len(accounts) - 1)]))
    return tuple(dict.fromkeys(pairs))


def api_for(
    options: LiveOptions,
    acn: str | None = None,
    account: str | None = None,
    site: str | None = None,
) -> Client:
    """The client of the API for one site (default: the first --acn/--account or --site)."""
    if options.api == "ocpi":
        if not options.api_url:
            raise UsageError(
                "--api ocpi needs --api-url: the CPO's CDRs (or Sessions) endpoint, e.g. "
                "https://cpo.example.com/ocpi/cpo/2.2.1/cdrs"
            )
        return ocpi.OcpiApi(options.api_url, options.ocpi_version)
    if options.api == "acndata":
        first = options.site[0].lower() if options.site else "caltech"
        return acndata.AcnDataApi(options.api_url or acndata.DEFAULT_URL, site or first)
    first_acn, first_account = acn_accounts(options)[0]
    return powerflex.PowerFlexApi(
        options.api_url or powerflex.DEFAULT_URL,
        acn or first_acn,
        account or first_account,
        anonymize=options.anonymize,
        include_active=options.include_active,
    )


def timezone_for(options: LiveOptions, sites: tuple[LiveSite, ...] = ()) -> str:
    """The window is needed before any row arrives: the option, else the zone the sites'
    entries share, else the zone of the ACN-Data sites (California), else the machine's."""
    if options.timezone:
        return options.timezone
    zones = {s.timezone for s in sites}
    if len(zones) == 1 and None not in zones:
        return zones.pop() or ""
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
    """Bring the store up to date for the window (and the one before it) of each site and
    return the store's sessions of the window with the window itself."""
    sites = live_sites(options)
    tz = timezone_for(options, sites)
    window = dates.window(kind, tz, now, start, end)
    creds = None if options.offline else credentials(options)
    path = Path(options.store_path or default_store_path()).expanduser()

    def attempt() -> Dataset:
        store = LiveStore.open(
            path, wait=options.lock_wait, sleep=options.sleep, notice=options.notice
        )
        try:
            return _load(store, sites, creds, options, window, now, progress, log)
        except BaseException:
            store.close()  # release the store at once: another run may be waiting for it
            raise

    try:
        return attempt(), window
    except DamagedStore as exc:
        if options.offline:
            raise  # the store is all an offline run has: the one-sentence error
        if not (options.refresh or _confirmed(options, exc)):
            raise SourceError(
                f"The store {path} cannot be read ({exc.detail}); it is a cache of the API: run "
                "with --refresh to move it aside and fetch again, or give another --store."
            ) from exc
        moved = set_aside(path, now)
        if options.notice is not None:
            options.notice(
                f"The store {path} was damaged ({exc.detail}); moved it to {moved}, fetching again."
            )
    return attempt(), window


def _confirmed(options: LiveOptions, damaged: DamagedStore) -> bool:
    """Whether the user says to move a damaged store aside (asked only on a terminal)."""
    return options.confirm is not None and options.confirm(
        f"The store {damaged.path} cannot be read ({damaged.detail}). It is a cache of the "
        "API: move it aside and fetch again? (y/N): "
    )


def _load(
    store: LiveStore,
    sites: tuple[LiveSite, ...],
    creds: Credentials | None,
    options: LiveOptions,
    window: dates.DateRange,
    now: datetime,
    progress: Progress | None,
    log: Callable[[str], None] | None,
) -> Dataset:
    statuses: list[SyncStatus] = []
    windows = [dates.rezoned(window, site.timezone or window.timezone) for site in sites]
    for site, own in zip(sites, windows, strict=True):
        if creds is None:
            status = store.offline_status(site.api.key, now, own.start, own.end)
        else:
            after = _after(progress, statuses)
            status = _sync(store, site.api, creds, options, own, now, after, log)
        statuses.append(status)
    status = SyncStatus.combined(statuses)
    if len(sites) == 1:  # the site's sessions as their data names them
        api = sites[0].api
        store.show({api.key: None}, window)
        found, _zone = store.identity()
        name, location = api.site_name(found)
        if isinstance(api, ocpi.OcpiApi):  # a CPO's locations are its sites
            several = store.value("SELECT count(DISTINCT site) FROM sessions")
            if several > 1:
                name, location = api.name, None  # the report says how many sites
        return Dataset(store, sites[0].name or name, location, window.timezone, None, sync=status)
    named = _named(store, sites, window.timezone)
    covering = dates.DateRange(
        min(w.start for w in windows), max(w.end for w in windows), window.timezone, "custom"
    )
    store.show({site.api.key: one.key for site, one in zip(sites, named, strict=True)}, covering)
    title = API_NAMES[options.api]  # the report says how many sites
    return Dataset(store, title, None, window.timezone, None, sync=status, sites=named)


def _named(store: LiveStore, sites: tuple[LiveSite, ...], zone: str) -> tuple[Site, ...]:
    """Each site as the report names it: its entry's name, else its data's (an ACN-Data site's
    own name), else the API's ("ACN 0021"); a name two sites share gets the API's too."""
    out: list[Site] = []
    for site in sites:
        found, location = site.api.site_name(store.site_of(site.api.key))
        name = site.name or found
        label = site.api.site_name(None)[0]
        taken = {s.key.casefold() for s in out}
        if name.casefold() in taken:
            name = f"{name} ({label})"
        while name.casefold() in taken:
            name = f"{name} #{len(out) + 1}"
        out.append(Site(name, name, location, site.timezone or zone))
    return tuple(out)


def _after(progress: Progress | None, before: list[SyncStatus]) -> Progress | None:
    """The progress of one site's sync, counted after the sites synced before it (one bar)."""
    if progress is None or not before:
        return progress
    pages, rows = sum(s.pages for s in before), sum(s.rows for s in before)
    return lambda p, n, total: progress(
        pages + p, rows + n, None if total is None else rows + total
    )


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
