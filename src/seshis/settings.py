"""Everything the CLI decided, in one frozen object the library runs from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .definitions import DEFAULT_THRESHOLD_KWH, DEFAULT_VOLTAGE, HealthThresholds

ALL_USERS = "*"  # --user without an email


@dataclass(frozen=True)
class Settings:
    # where the sessions come from
    source: str  # demo | files | api
    paths: tuple[str, ...] = ()
    acn: str = "0021"
    account: str = "16"
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
    user: str | None = None  # ALL_USERS, an email, or None
    all: bool = False
    output: str = "text"  # text | json | csv | sessions
    output_path: str | None = None
    printsessions: bool = False
    session_cap: int = 20
    debug: bool = False

    @property
    def analysis(self) -> bool:
        return self.empty or self.micro or self.user is not None or self.all
