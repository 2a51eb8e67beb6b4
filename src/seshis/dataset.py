"""A Dataset: sessions loaded into a store, with what is known about their site."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from . import dates

if TYPE_CHECKING:
    from .store import Store


@dataclass(frozen=True)
class Site:
    """A site of the data: the sessions whose `site` column holds `key` ("" for none), shown as
    `name`, their days and hours in `timezone`."""

    key: str
    name: str
    location: str | None
    timezone: str


@dataclass(frozen=True)
class Dataset:
    """Sessions loaded into a store, with what is known about their site: what a report is
    built from. `span` is the first and last start of the valid sessions (None: none)."""

    store: Store
    site: str
    location: str | None
    timezone: str
    span: tuple[datetime, datetime] | None
    details: tuple[str, ...] = ()  # what each input held, for --debug
    sync: Any = None  # syncs.SyncStatus of a live source
    drivers: bool = True  # whether the data says who charged (without, there is no unclaimed)
    sites: tuple[Site, ...] = ()  # named by the source; () when the data names them
    zone_given: bool = False  # `timezone` was given by the user: every site's days are in it

    def window(
        self,
        kind: str = "all",
        now: datetime | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> dates.DateRange:
        """A date range of this data: Today, Last week, Last month, Custom, or all the data
        (its real span; an empty window at `now` when there is no valid session)."""
        if kind != "all":
            if now is None:
                raise ValueError("a relative date range needs `now`")
            return dates.window(kind, self.timezone, now, start, end)
        if self.span is None:
            at = now or datetime.now(UTC)
            return dates.DateRange(at, at, self.timezone, "all")
        return dates.DateRange(self.span[0], self.span[1], self.timezone, "all")
