"""Everything the CLI decided, in one frozen object the library runs from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .definitions import DEFAULT_THRESHOLD_KWH, DEFAULT_VOLTAGE, HealthThresholds

ALL_USERS = "*"  # --user without an email
CHECKOUT = Path(__file__).resolve().parents[2]  # where seshis.py sits in a checkout
ACN_SITES = ("caltech", "jpl", "office001")  # the ACN-Data API's sites


@dataclass(frozen=True)
class Settings:
    # where the sessions come from
    source: str  # demo | files | api
    paths: tuple[str, ...] = ()
    api: str = "powerflex"  # powerflex | acndata
    site: str = "caltech"  # ACN-Data site
    acn: str = "0021"
    account: str = "16"
    api_url: str | None = None  # None: the API's public URL
    auth_command: str | None = None  # None: curl_device_manager.sh when found
    page_size: int | None = None  # None: the API's default
    concurrency: int = 4
    timeout: float = 30.0
    retries: int = 5
    store_path: str | None = None  # None: the user cache folder
    refresh: bool = False
    offline: bool = False
    overlap_days: float = 1.0
    anonymize: bool = False
    include_active: bool = False
    sort_by: str = "session_start_time"
    sort_order: str = "DESC"
    # which sessions
    range_kind: str | None = None  # today | week | month | custom | None (the source's default)
    start: date | None = None
    end: date | None = None
    timezone: str | None = None  # None: the data's zone, else the machine's
    # definitions
    threshold_kwh: float = DEFAULT_THRESHOLD_KWH
    voltage: float = DEFAULT_VOLTAGE
    health: HealthThresholds = field(default_factory=HealthThresholds)
    # what to do
    empty: bool = False
    micro: bool = False
    stations: bool = False
    check: bool = False
    active_current: bool = False
    user: str | None = None  # ALL_USERS, an email, or None
    all: bool = False
    output: str = "text"  # text | json | csv | pdf | graph | sessions
    logo: str | None = None  # --logo; None: pf.jpg in the current folder or the checkout
    output_path: str | None = None
    printsessions: bool = False
    session_cap: int = 20
    debug: bool = False
    config_path: str | None = None
    origins: tuple[tuple[str, str], ...] = ()  # where each setting came from, for --debug

    @property
    def analysis(self) -> bool:
        return self.empty or self.micro or self.user is not None or self.all or self.stations
