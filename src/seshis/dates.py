"""Date ranges in the site's time zone (README: Definitions): Today, Last week, Last month,
Custom."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import UsageError

RANGES = {"1": "today", "2": "week", "3": "month", "4": "custom"}
RANGE_TITLES = {
    "today": "Today",
    "week": "Last week",
    "month": "Last month",
    "custom": "Custom",
    "all": "All data",
}


@dataclass(frozen=True)
class DateRange:
    """A half-open window [start, end) of session start times, in UTC, shown in `timezone`."""

    start: datetime
    end: datetime
    timezone: str
    kind: str

    @property
    def title(self) -> str:
        return RANGE_TITLES[self.kind]

    def local_dates(self) -> tuple[date, date]:
        """First and last local calendar day the window touches."""
        zone = ZoneInfo(self.timezone)
        last = (self.end - timedelta(microseconds=1)).astimezone(zone).date()
        return self.start.astimezone(zone).date(), max(last, self.start.astimezone(zone).date())


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"Unknown time zone '{name}'; use an IANA name such as America/Los_Angeles."
        ) from None


def system_timezone() -> str:
    """The machine's IANA zone name: $TZ, then /etc/localtime, else UTC."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and _valid(tz):
        return tz
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return "UTC"
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        if _valid(name):
            return name
    return "UTC"


def _valid(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2099, 12, 31)  # sources.mapping.VALID_TIMES


def parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"The {what} date '{text}' is not a real date in the form YYYY-MM-DD."
        ) from None


def window(
    kind: str,
    tz: str,
    now: datetime,
    start: date | None = None,
    end: date | None = None,
) -> DateRange:
    """The window for a range kind; custom takes start 00:00 to the end of the end date."""
    zi = zone(tz)
    local_now = now.astimezone(zi)
    if kind == "today":
        lo = datetime.combine(local_now.date(), time(), zi)
        return DateRange(lo, now, tz, kind)
    if kind in ("week", "month"):
        return DateRange(now - timedelta(days=7 if kind == "week" else 30), now, tz, kind)
    if kind == "custom":
        if start is None or end is None:
            raise UsageError("A custom range needs both --start and --end (YYYY-MM-DD).")
        if end < start:
            raise UsageError(f"The end date {end} is before the start date {start}.")
        if start < FIRST_DAY or end > LAST_DAY:  # no session outside these (the previous
            # window of a range in year 1 would not even be a date)
            raise UsageError(
                f"The dates {start} to {end} are out of range: sessions are read from "
                f"{FIRST_DAY} to {LAST_DAY}."
            )
        try:
            lo = datetime.combine(start, time(), zi)
            hi = datetime.combine(end + timedelta(days=1), time(), zi)
            lo.astimezone(UTC), hi.astimezone(UTC)
        except OverflowError:
            raise UsageError(f"The dates {start} to {end} are out of range.") from None
        return DateRange(lo, hi, tz, kind)
    raise UsageError(f"Unknown date range '{kind}'; use today, week, month or custom (1-4).")


dates_window = window  # for the functions below, whose windows are arguments named `window`


def rezoned(window: DateRange, tz: str) -> DateRange:
    """The same range in another time zone: Today and a custom range start at that zone's
    midnight; a week, a month and all the data are the same instants, shown in that zone."""
    if tz == window.timezone:
        return window
    if window.kind == "today":
        return dates_window("today", tz, window.end)
    if window.kind == "custom":
        first, last = window.local_dates()
        return dates_window("custom", tz, window.end, first, last)
    return replace(window, timezone=tz)


def previous_window(window: DateRange) -> DateRange:
    """The window of the same length just before; for Today, the same hours yesterday."""
    if window.kind == "today":
        day = timedelta(days=1)
        return replace(window, start=window.start - day, end=window.end - day)
    return replace(window, start=window.start - (window.end - window.start), end=window.start)


def reach(
    kind: str,
    now: datetime,
    start: date | None = None,
    end: date | None = None,
    history: timedelta = timedelta(days=30),
) -> tuple[datetime, datetime] | None:
    """The UTC instants a report of this range may read, whatever the site's time zone (known
    only once the data is read): the window, the previous window of the same length and the
    `history` a short window is judged with, a day wider on each side. None: all the data."""
    if kind == "all":
        return None
    w = window(kind, "UTC", now, start, end)
    day = timedelta(days=1)
    before = max(w.end - w.start, day)  # Today's previous window: the same hours yesterday
    return min(w.start - before, w.end - history) - day, w.end + day
