"""Attention that never cries wolf: a short window is judged with the stations' recent history,
one empty session is never an alarm, a silent station is one normally used that now is not,
and every output says the same about each station."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import run_cli
from helpers import report_of

from seshis.analysis import Options
from seshis.dates import window

LA = "America/Los_Angeles"


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 7, 15, 0, tzinfo=UTC),  # 07:00 in Los Angeles: the day just begun
        datetime(2026, 12, 9, 23, 0, tzinfo=UTC),  # 15:00
        datetime(2026, 11, 26, 20, 0, tzinfo=UTC),
        datetime(2026, 12, 12, 21, 0, tzinfo=UTC),  # a Saturday
    ],
)
def test_the_demo_today_names_demo_17_and_no_station_on_one_session(now):
    doc = run_cli("--all", "--json", "--demo", "--no-input", now=now).json()
    stations = [a for a in doc["attention"] if a["kind"] == "station"]
    assert [a["subject"] for a in stations] == ["DEMO-17"]
    text = stations[0]["text"]
    assert "in the last 30 days" in text  # its history speaks, whatever today holds
    check = run_cli("--check", "--demo", "--no-input", now=now)
    named = [line for line in check.out.splitlines() if "DEMO-" in line]
    assert len(named) == 1 and named[0].startswith("BREACH") and "DEMO-17" in named[0]
    terminal = run_cli("--all", "--demo", "--no-input", "--no-pager", now=now).out
    attention = terminal.split("🏥 SITE HEALTH")[0]
    assert attention.count("station DEMO-") == 1 and "station DEMO-17" in attention


def sessions(station: str, first: datetime, days: int, per_day: int, kwh: float) -> list[tuple]:
    return [
        (f"{station}-{d}-{k}", "u@x.com", first + timedelta(days=d, hours=k), 3600, kwh, station)
        for d in range(days)
        for k in range(per_day)
    ]


FIRST = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 08:00 in Los Angeles


def test_a_station_failing_for_weeks_is_named_on_its_one_session_today():
    rows = []
    for s in range(5):
        rows += sessions(f"OK-{s}", FIRST, 30, 2, 8.0)
    bad = sessions("BAD", FIRST, 29, 2, 0.0)  # 58 empty sessions in 29 days
    rows += [*bad, ("bad-today", "u@x.com", FIRST + timedelta(days=29), 3600, 0.0, "BAD")]
    now = FIRST + timedelta(days=29, hours=4)
    today = window("today", LA, now)
    r = report_of(rows, today, Options(), site="Yard")
    (item,) = [a for a in r.attention if a.kind == "station"]
    in_history = [x for x in rows if x[5] == "BAD" and x[2] >= now - timedelta(days=30)]
    assert len(in_history) == 59
    assert item.text == (
        f"station BAD: 1 of 1 session empty or micro today; 59 of {len(in_history)} in the "
        "last 30 days (100%); rest of the site 0%"
    )
    assert [f.name for f in r.findings if f.kind == "station" and not f.ok] == ["BAD"]


def test_a_repaired_station_is_not_named_on_its_history():
    rows = []
    for s in range(5):
        rows += sessions(f"OK-{s}", FIRST, 30, 2, 8.0)
    rows += sessions("FIXED", FIRST, 29, 2, 0.0)
    rows.append(("fixed-today", "u@x.com", FIRST + timedelta(days=29), 3600, 9.0, "FIXED"))
    today = window("today", LA, FIRST + timedelta(days=29, hours=4))
    r = report_of(rows, today, Options(), site="Yard")
    assert not [a for a in r.attention if a.kind == "station"]


def test_one_empty_session_of_a_healthy_station_is_no_alarm():
    rows = []
    for s in range(5):
        rows += sessions(f"OK-{s}", FIRST, 30, 2, 8.0)
    rows.append(("once", "u@x.com", FIRST + timedelta(days=29), 3600, 0.0, "OK-1"))
    today = window("today", LA, FIRST + timedelta(days=29, hours=4))
    r = report_of(rows, today, Options(), site="Yard")
    assert not [a for a in r.attention if a.kind == "station"]
    assert all(f.ok for f in r.findings if f.kind == "station")


def test_a_silent_station_is_one_normally_used_that_now_is_not():
    rows = []
    for s in range(5):
        rows += sessions(f"OK-{s}", FIRST, 30, 4, 8.0)
    rows += sessions("QUIET", FIRST, 23, 4, 8.0)  # 4 a day, then nothing for a week
    week = window("week", LA, FIRST + timedelta(days=30))
    r = report_of(rows, week, Options(), site="Yard")
    (item,) = [a for a in r.attention if a.kind == "station"]
    history = [x for x in rows if x[5] == "QUIET" and x[2] >= week.end - timedelta(days=30)]
    expected = len(history) * 7 / 30
    assert item.text == (
        f"station QUIET: silent: no session in this window, about {expected:.0f} expected "
        f"({len(history)} in the last 30 days)"
    )
    # a station used rarely is not silent for want of a session this week
    rare = [r0 for r0 in rows if r0[5] != "QUIET"] + sessions("RARE", FIRST, 3, 1, 8.0)
    r = report_of(rare, week, Options(), site="Yard")
    assert not [a for a in r.attention if a.kind == "station"]
    assert date(2026, 3, 1) < week.end.date()
