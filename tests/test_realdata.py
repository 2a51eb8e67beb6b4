"""The CLI on real ACN-Data files, checked against counts worked out here from DESIGN.md.

The expected numbers come from the standard library only (json, csv, datetime, zoneinfo,
decimal), never from seshis, so a mistake in the tool cannot hide in its own expectations.
The files live in ../shared/data beside the project; the tests skip when it is absent.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from conftest import run_cli, shared_file

JSON_FILE = "acn-caltech-2020-api-pages.json"
CSV_FILE = "acn-caltech-2021.csv"
FILES = (JSON_FILE, CSV_FILE)

SITE_TZ = "America/Los_Angeles"
LA = ZoneInfo(SITE_TZ)
RFC1123 = "%a, %d %b %Y %H:%M:%S GMT"
THRESHOLD_KWH = 1.0
VOLTAGE = 208.0
HIGH_AMPS = Decimal("16")
MED_AMPS = Decimal("8")
# Rounded amps that round-half-up and round-half-even could disagree on at a band edge.
BAND_TIES = (Decimal("15.95"), Decimal("7.95"))
HEALTH_METRICS = ("empty", "micro", "normal", "unclaimed")


# --- the independent computation -------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    session_id: str
    user: str | None  # None: unclaimed
    start: datetime  # aware, UTC
    end: datetime
    kwh: float

    @property
    def category(self) -> str:
        if self.kwh == 0:
            return "empty"
        return "micro" if self.kwh < THRESHOLD_KWH else "normal"

    @property
    def raw_amps(self) -> float:
        hours = (self.end - self.start).total_seconds() / 3600.0
        return self.kwh * 1000.0 / (hours * VOLTAGE)

    @property
    def amps(self) -> Decimal:
        """Average current rounded to 0.1 A, half away from zero (amps are never negative)."""
        return Decimal(self.raw_amps).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def band(self) -> str | None:
        if self.category != "normal":
            return None
        if self.amps >= HIGH_AMPS:
            return "HIGH"
        return "MED" if self.amps >= MED_AMPS else "LOW"

    @property
    def local_day(self) -> date:
        return self.start.astimezone(LA).date()


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, RFC1123).replace(tzinfo=UTC)


def session_from(item: dict) -> Session:
    """One ACN-Data item, from the JSON API (typed values) or the CSV export (strings)."""
    user = item["userID"]
    return Session(
        session_id=str(item["sessionID"]),
        user=None if user is None or str(user).strip() == "" else str(user),
        start=parse_time(item["connectionTime"]),
        end=parse_time(item["disconnectTime"]),
        kwh=float(item["kWhDelivered"]),
    )


@cache
def sessions_of(name: str) -> tuple[Session, ...]:
    path = shared_file(name)
    if path.suffix == ".json":
        with path.open(encoding="utf-8") as fh:
            items = json.load(fh)["_items"]
    else:
        with path.open(encoding="utf-8", newline="") as fh:
            items = list(csv.DictReader(fh))
    return tuple(session_from(item) for item in items)


def merged(*names: str) -> list[Session]:
    """Every session of the files, one per session id (the first seen wins)."""
    by_id: dict[str, Session] = {}
    for name in names:
        for s in sessions_of(name):
            by_id.setdefault(s.session_id, s)
    return list(by_id.values())


def split(sessions: Sequence[Session]) -> dict[str, int]:
    counts = Counter(s.category for s in sessions)
    return {
        "sessions": len(sessions),
        "empty": counts["empty"],
        "micro": counts["micro"],
        "normal": counts["normal"],
    }


def unclaimed(sessions: Sequence[Session]) -> list[Session]:
    return [s for s in sessions if s.user is None]


def expected_totals(sessions: Sequence[Session]) -> dict[str, int]:
    return {
        **split(sessions),
        "unclaimed": len(unclaimed(sessions)),
        "users": len({s.user for s in sessions if s.user is not None}),
        "invalid": 0,
    }


def expected_performance(sessions: Sequence[Session]) -> dict[str, int]:
    bands = Counter(s.band for s in sessions if s.band is not None)
    return {band: bands[band] for band in ("HIGH", "MED", "LOW")}


def expected_daily(sessions: Sequence[Session]) -> list[dict]:
    by_day: dict[date, list[Session]] = {}
    for s in sessions:
        by_day.setdefault(s.local_day, []).append(s)
    return [{"date": day.isoformat(), **split(by_day[day])} for day in sorted(by_day)]


def expected_users(sessions: Sequence[Session]) -> dict[str, dict]:
    by_user: dict[str, list[Session]] = {}
    for s in sessions:
        if s.user is not None:
            by_user.setdefault(s.user, []).append(s)
    result = {}
    for user, own in by_user.items():
        counts = split(own)
        pct = round(100.0 * counts["normal"] / counts["sessions"], 1)
        result[user] = {"user": user, **counts, "normal_pct": pct}
    return result


USER_KEYS = ("user", "sessions", "empty", "micro", "normal", "normal_pct")


def users_of(doc: dict) -> dict[str, dict]:
    """The JSON's drivers, with the keys the independent count covers."""
    return {u["user"]: {k: u[k] for k in USER_KEYS} for u in doc["users"]}


def expected_health(sessions: Sequence[Session]) -> dict[str, float]:
    n = len(sessions)
    parts = {**split(sessions), "unclaimed": len(unclaimed(sessions))}
    return {metric: round(100.0 * parts[metric] / n, 2) for metric in HEALTH_METRICS}


def in_local_days(sessions: Sequence[Session], first: date, last: date) -> list[Session]:
    return [s for s in sessions if first <= s.local_day <= last]


# --- running the tool ------------------------------------------------------------------------


def run_json(*args: str) -> dict:
    result = run_cli("--all", "--json", "--no-input", *args)
    assert result.code == 0, result.err
    return result.json()


def run_on(*names: str, extra: tuple[str, ...] = ()) -> dict:
    paths = [str(shared_file(name)) for name in names]
    return run_json("--source", *paths, *extra)


def health_values(doc: dict) -> dict[str, float | None]:
    return {h["metric"]: h["value_pct"] for h in doc["health"]}


def assert_matches(doc: dict, sessions: Sequence[Session]) -> None:
    """Every figure of the JSON document that the brief pins down, against `sessions`."""
    totals = {key: doc["totals"][key] for key in expected_totals(sessions)}
    assert totals == expected_totals(sessions)
    assert doc["performance"] == expected_performance(sessions)
    assert doc["unclaimed"] == split(unclaimed(sessions))
    assert doc["daily"] == expected_daily(sessions)
    assert health_values(doc) == expected_health(sessions)
    assert doc["range"]["timezone"] == SITE_TZ


# --- the independent computation is sane -----------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_independent_counts_agree_with_the_readme(name: str) -> None:
    sessions = sessions_of(name)
    assert len(sessions) == {JSON_FILE: 2466, CSV_FILE: 3038}[name]
    assert len({s.session_id for s in sessions}) == len(sessions)
    # The public set drops sessions under about 0.5 kWh: no empty sessions at all.
    assert split(sessions)["empty"] == 0
    assert all(s.kwh > 0 for s in sessions)
    # Most unclaimed sessions are microsessions.
    lost = unclaimed(sessions)
    assert lost
    assert split(lost)["micro"] > len(lost) / 2
    # Every session lasts a while, so the average current is defined.
    assert all(s.end > s.start for s in sessions)
    # No rounded current sits on a band edge tie, so the rounding rule cannot change a band.
    assert not [
        s
        for s in sessions
        if any(abs(Decimal(s.raw_amps) - t) < Decimal("1e-9") for t in BAND_TIES)
    ]


def test_the_two_files_do_not_overlap() -> None:
    ids = [{s.session_id for s in sessions_of(name)} for name in FILES]
    assert not ids[0] & ids[1]


# --- one file --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_all_json_matches_independent_counts(name: str) -> None:
    sessions = sessions_of(name)
    doc = run_on(name)
    assert_matches(doc, sessions)
    assert doc["range"]["kind"] == "all"
    assert doc["threshold_kwh"] == THRESHOLD_KWH
    assert doc["voltage"] == VOLTAGE
    assert doc["data_quality"]["invalid"] == 0
    assert doc["data_quality"]["duplicates"] == 0


@pytest.mark.parametrize("name", FILES)
def test_users_are_claimed_users_with_their_counts(name: str) -> None:
    sessions = sessions_of(name)
    expected = expected_users(sessions)
    doc = run_on(name)
    users = doc["users"]
    assert all(u["user"] for u in users)
    got = users_of(doc)
    assert len(got) == len(users)
    # A few users first, for a readable failure: the busiest, and one with a single session.
    busiest = max(expected.values(), key=lambda u: (u["sessions"], u["user"]))
    single = min(expected.values(), key=lambda u: (u["sessions"], u["user"]))
    assert single["sessions"] == 1
    for user in (busiest["user"], single["user"]):
        assert got.get(user) == expected[user]
    assert got == expected


@pytest.mark.parametrize("name", FILES)
def test_user_ids_keep_their_leading_zeros(name: str) -> None:
    users = {u["user"] for u in run_on(name)["users"]}
    expected = {s.user for s in sessions_of(name) if s.user is not None}
    assert any(user.startswith("0") for user in expected)
    assert users == expected


# --- several sources -------------------------------------------------------------------------


def test_both_files_give_the_sum() -> None:
    doc = run_on(*FILES)
    singles = [expected_totals(sessions_of(name)) for name in FILES]
    for key in ("sessions", "empty", "micro", "normal", "unclaimed"):
        assert doc["totals"][key] == sum(t[key] for t in singles)
    assert_matches(doc, merged(*FILES))
    assert users_of(doc) == expected_users(merged(*FILES))
    assert doc["data_quality"]["duplicates"] == 0


@pytest.mark.parametrize("name", FILES)
def test_the_same_file_twice_counts_once(name: str) -> None:
    once = run_on(name)
    twice = run_on(name, name)
    assert twice["totals"] == once["totals"]
    assert twice["performance"] == once["performance"]
    assert twice["unclaimed"] == once["unclaimed"]
    assert twice["daily"] == once["daily"]
    assert twice["users"] == once["users"]
    assert_matches(twice, sessions_of(name))
    assert twice["data_quality"]["invalid"] == 0


# --- a custom range --------------------------------------------------------------------------

MARCH = {
    JSON_FILE: (date(2020, 3, 1), date(2020, 3, 31)),
    CSV_FILE: (date(2021, 3, 1), date(2021, 3, 31)),
}
# Windows whose edges have evening sessions that start on the next day in UTC.
EDGY = {
    JSON_FILE: (date(2020, 2, 2), date(2020, 2, 8)),
    CSV_FILE: (date(2021, 3, 1), date(2021, 3, 31)),
}


def run_custom(name: str, first: date, last: date, explicit: bool = True) -> dict:
    flags = ("--start", first.isoformat(), "--end", last.isoformat())
    if explicit:
        flags = ("--range", "custom", *flags)
    return run_on(name, extra=flags)


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("explicit", [True, False], ids=["range-custom", "start-end-only"])
def test_custom_range_counts_local_start_dates_end_day_included(name: str, explicit: bool) -> None:
    first, last = MARCH[name]
    doc = run_custom(name, first, last, explicit)
    inside = in_local_days(sessions_of(name), first, last)
    assert inside
    # Sessions on the first and the last day are in the data, so both edges are exercised.
    assert {first, last} <= {s.local_day for s in inside}
    assert_matches(doc, inside)
    assert users_of(doc) == expected_users(inside)
    assert doc["range"]["kind"] == "custom"
    assert doc["range"]["start"] == datetime.combine(first, time(), LA).isoformat()
    assert doc["range"]["end"] == datetime.combine(last + timedelta(days=1), time(), LA).isoformat()


@pytest.mark.parametrize("name", FILES)
def test_custom_range_edges_are_local_midnights(name: str) -> None:
    first, last = EDGY[name]
    sessions = sessions_of(name)
    inside = in_local_days(sessions, first, last)
    by_utc_date = [s for s in sessions if first <= s.start.date() <= last]
    # The data really has sessions that a UTC-dated window would get wrong.
    assert {s.session_id for s in by_utc_date} != {s.session_id for s in inside}
    assert_matches(run_custom(name, first, last), inside)


# --- text mode -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_user_report_lists_unclaimed_after_every_user(name: str) -> None:
    result = run_cli("--user", "--no-input", "--source", str(shared_file(name)))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    users = len({s.user for s in sessions_of(name) if s.user is not None})
    assert f"Total unique users: {users}" in result.out
    user_lines = [i for i, line in enumerate(lines) if line.startswith("User: ")]
    unclaimed_lines = [i for i, line in enumerate(lines) if "🔓 UNCLAIMED SESSIONS" in line]
    assert len(user_lines) == users
    assert len(unclaimed_lines) == 1
    assert all(i < unclaimed_lines[0] for i in user_lines)
