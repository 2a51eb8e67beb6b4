"""The report layer: one Report from hand-made sessions, checked against counts computed here in
plain Python (classes, users, local days and hours, trends, findings, stations, listings and the
sessions an export selects)."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import dataset, export_of, report_of

from seshis.analysis import Listings, Options, build_report
from seshis.analysis.stations import RECORD_COLUMNS
from seshis.dates import window
from seshis.definitions import UNCLAIMED_LABEL, HealthThresholds
from seshis.errors import DataError

LA = "America/Los_Angeles"
ZONE = ZoneInfo(LA)
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
H = 3600


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def days(first: int, last: int):
    """The custom window of local days 2026-03-first to 2026-03-last in Los Angeles."""
    return window("custom", LA, NOW, date(2026, 3, first), date(2026, 3, last))


# 2026-03-02..04 in Los Angeles is PST (UTC-8): local midnight is 08:00Z. At 208 V, 8.32 kWh in
# 2 h is 20 A (HIGH), 4.16 kWh in 2 h 10 A (MED), 2.08 kWh in 2 h 5 A (LOW).
ROWS = [
    ("s1", "alice@x.com", utc(2, 16), 2 * H, 8.32, "ST-A"),  # 03-02 08:00 local
    ("s2", "alice@x.com", utc(2, 20), 1 * H, 0.0, "ST-B"),
    ("s3", "Bob@x.com", utc(3, 7, 59), 2 * H, 4.16, "ST-A"),  # 03-02 23:59 local
    ("s4", "Bob@x.com", utc(3, 8), 2 * H, 2.08, "ST-B"),  # 03-03 00:00 local
    ("s5", None, utc(3, 18), 600, 0.5, "ST-B"),
    ("s6", None, utc(4, 17), 300, 0.0, "ST-B"),
    ("s7", "carol@x.com", utc(4, 18), 2 * H, 8.32, "ST-A"),
    ("s8", "carol@x.com", utc(5, 7, 30), 1 * H, 4.16, "ST-A"),  # 03-04 23:30 local
    ("x1", "alice@x.com", utc(5, 8, 30), 1 * H, 0.0, "ST-A"),  # 03-05 00:30: after
    ("x2", "dave@x.com", utc(2, 7), 1 * H, 5.0, "ST-A"),  # 03-01 23:00: before
]
WINDOW = days(2, 4)


def classify(kwh: float, seconds: float, threshold: float = 1.0) -> str:
    """The class of DESIGN.md, in plain Python: EMPTY, MICRO or NORMAL-<band>."""
    if kwh == 0:
        return "EMPTY"
    if kwh < threshold:
        return "MICRO"
    amps = round(kwh * 1000 / (seconds / 3600 * 208), 1)
    return "NORMAL-" + ("HIGH" if amps >= 16 else "MED" if amps >= 8 else "LOW")


def inside(rows: list[tuple], first: int, last: int) -> list[tuple]:
    lo = datetime(2026, 3, first, tzinfo=ZONE)
    hi = datetime(2026, 3, last, tzinfo=ZONE) + timedelta(days=1)
    return [r for r in rows if lo <= r[2] < hi]


def tally(rows: list[tuple]) -> dict[str, int]:
    """Sessions by class, as plain counts."""
    classes = Counter(classify(r[4], r[3]) for r in rows)
    return {
        "sessions": len(rows),
        "empty": classes["EMPTY"],
        "micro": classes["MICRO"],
        "normal": len(rows) - classes["EMPTY"] - classes["MICRO"],
        "high": classes["NORMAL-HIGH"],
        "med": classes["NORMAL-MED"],
        "low": classes["NORMAL-LOW"],
    }


def counts(c) -> dict[str, int]:
    return {
        k: getattr(c, k) for k in ("sessions", "empty", "micro", "normal", "high", "med", "low")
    }


@pytest.fixture(scope="module")
def report():
    return report_of(ROWS, WINDOW)


# --- totals, users, days and hours ----------------------------------------------------------


def test_totals(report):
    mine = inside(ROWS, 2, 4)
    assert counts(report.totals) == tally(mine)
    assert counts(report.totals) == {
        "sessions": 8,
        "empty": 2,
        "micro": 1,
        "normal": 5,
        "high": 3,
        "med": 1,
        "low": 1,
    }
    assert report.totals.kwh == pytest.approx(sum(r[4] for r in mine))
    assert counts(report.unclaimed) == tally([r for r in mine if r[1] is None])
    assert report.distinct_users == len({r[1] for r in mine if r[1]}) == 3
    assert report.has_sessions


def test_users_by_email_case_insensitively_with_the_unclaimed_group_last(report):
    mine = inside(ROWS, 2, 4)
    claimed = sorted({r[1] for r in mine if r[1]}, key=str.lower)
    assert [u.user for u in report.users] == [*claimed, None]
    assert claimed == ["alice@x.com", "Bob@x.com", "carol@x.com"]  # dave is outside the window
    for u in report.users:
        assert counts(u.counts) == tally([r for r in mine if r[1] == u.user]), u.user


def test_daily_counts_are_by_local_day(report):
    """s3 starts at 07:59Z on the 3rd, which is 23:59 on the 2nd in Los Angeles; s4 at local
    midnight belongs to the 3rd; s8 (07:30Z on the 5th) to the 4th."""
    mine = inside(ROWS, 2, 4)
    by_day: dict[date, list[tuple]] = {}
    for r in mine:
        by_day.setdefault(r[2].astimezone(ZONE).date(), []).append(r)
    assert [d.day for d in report.daily] == sorted(by_day)
    for d in report.daily:
        assert counts(d.counts) == tally(by_day[d.day]), d.day
    assert [d.counts.sessions for d in report.daily] == [3, 2, 3]  # by UTC day: 2, 3, 2, 1


def test_hourly_counts_are_by_local_hour_of_start(report):
    mine = inside(ROWS, 2, 4)
    hours = Counter(r[2].astimezone(ZONE).hour for r in mine)
    assert len(report.hourly) == 24
    assert [c.sessions for c in report.hourly] == [hours[h] for h in range(24)]
    assert report.hourly[23].sessions == 2  # s3 and s8


def test_health_values_are_percent_of_the_window(report):
    t = tally(inside(ROWS, 2, 4))
    unclaimed = sum(1 for r in inside(ROWS, 2, 4) if r[1] is None)
    expected = {
        "empty": 100 * t["empty"] / t["sessions"],
        "micro": 100 * t["micro"] / t["sessions"],
        "normal": 100 * t["normal"] / t["sessions"],
        "unclaimed": 100 * unclaimed / t["sessions"],
    }
    assert {h.metric: h.value_pct for h in report.health} == pytest.approx(expected)
    assert [(h.metric, h.ok) for h in report.health] == [
        ("empty", False),  # 25 % against < 20 %
        ("micro", False),  # 12.5 % against < 5 %
        ("normal", False),  # 62.5 % against > 75 %
        ("unclaimed", True),  # 25 % against < 30 %
    ]


def test_threshold_moves_sessions_between_micro_and_normal():
    """At 2.5 kWh, s4 (2.08 kWh) becomes micro; s5 stays micro."""
    r = report_of(ROWS, WINDOW, Options(threshold_kwh=2.5))
    mine = inside(ROWS, 2, 4)
    assert r.totals.micro == sum(1 for row in mine if classify(row[4], row[3], 2.5) == "MICRO")
    assert r.totals.micro == 2


# --- trends -------------------------------------------------------------------------------

# Around the three days before WINDOW (02-27..03-01 local): with x2 of ROWS, 5 sessions in them.
BEFORE = [
    ("p1", None, utc(1, 18), 600, 0.0),
    ("p2", None, utc(1, 19), 2 * H, 8.32),
    ("p3", "erin@x.com", utc(2, 1), 2 * H, 4.16),  # 03-01 17:00 local
    ("p4", "erin@x.com", datetime(2026, 2, 27, 9, tzinfo=UTC), 2 * H, 2.08),  # 02-27 01:00
    ("p5", "erin@x.com", datetime(2026, 2, 27, 7, tzinfo=UTC), 2 * H, 2.08),  # 02-26: outside
]


def shown(part: int, whole: int) -> float:
    return round(100 * part / whole, 1)


def test_trends_against_the_window_before():
    r = report_of(ROWS + BEFORE, WINDOW)
    assert r.previous is not None
    assert r.previous.window.start == datetime(2026, 2, 27, tzinfo=ZONE)
    assert r.previous.window.end == datetime(2026, 3, 2, tzinfo=ZONE)
    now_rows = inside(ROWS + BEFORE, 2, 4)
    lo, hi = datetime(2026, 2, 27, tzinfo=ZONE), datetime(2026, 3, 2, tzinfo=ZONE)
    was_rows = [row for row in ROWS + BEFORE if lo <= row[2] < hi]
    assert sorted(row[0] for row in was_rows) == ["p1", "p2", "p3", "p4", "x2"]
    now, was = tally(now_rows), tally(was_rows)
    n, m = now["sessions"], was["sessions"]
    now_u = sum(row[1] is None for row in now_rows)
    was_u = sum(row[1] is None for row in was_rows)
    expected = {
        "sessions": (now["sessions"], was["sessions"]),
        "kwh": (
            round(sum(row[4] for row in now_rows)),
            round(sum(row[4] for row in was_rows)),
        ),
        "empty": (shown(now["empty"], n), shown(was["empty"], m)),
        "micro": (shown(now["micro"], n), shown(was["micro"], m)),
        "normal": (shown(now["normal"], n), shown(was["normal"], m)),
        "unclaimed": (shown(now_u, n), shown(was_u, m)),
    }
    assert [t.metric for t in r.trends] == list(expected)
    for t in r.trends:
        value, previous = expected[t.metric]
        assert (t.value, t.previous) == (value, previous), t.metric
        decimals = 0 if t.metric in ("sessions", "kwh") else 1
        assert t.change == round(value - previous, decimals), t.metric
    by = {t.metric: t for t in r.trends}
    # 8 vs 5 sessions; empty 25 % vs 20 % (p1 only), unclaimed 25 % vs 40 %
    assert (by["sessions"].change, by["empty"].change, by["unclaimed"].change) == (3, 5.0, -15.0)
    assert (by["empty"].worse, by["unclaimed"].worse) == (True, False)
    assert by["sessions"].worse is None and by["kwh"].worse is None  # neutral metrics
    # normal: 62.5 % vs 80 % (x2, p2, p3, p4): fewer normal sessions is worse
    assert by["normal"].change == -17.5 and by["normal"].worse is True


def test_trend_change_is_the_difference_of_the_values_as_shown():
    """Now 5 empty of 28 (17.857 %, shown 17.9 %), before 7 of 39 (17.949 %, shown 17.9 %): the
    change shown is 0.0 and not bad news, although the raw values differ."""
    now = [
        (f"n{i}", "u@x.com", utc(3, 16) + timedelta(minutes=10 * i), H, 0.0 if i < 5 else 4.16)
        for i in range(28)
    ]
    was = [
        (f"w{i}", "u@x.com", utc(2, 16) + timedelta(minutes=10 * i), H, 0.0 if i < 7 else 4.16)
        for i in range(39)
    ]
    r = report_of(now + was, days(3, 3))
    empty = next(t for t in r.trends if t.metric == "empty")
    assert 100 * 5 / 28 != 100 * 7 / 39
    assert (empty.value, empty.previous) == (17.9, 17.9)
    assert empty.change == 0.0 and empty.worse is None


def test_trend_change_of_rounded_values_can_differ_from_the_rounded_difference():
    """Now 1 empty of 3 (33.3 % shown), before 2 of 3 (66.7 % shown): the change is -33.4, the
    difference of what is shown, not round(-33.33, 1) = -33.3. Energy: 10.4 kWh vs 9.6 kWh are
    both shown as 10 kWh, so no change."""
    now = [
        ("n0", "u@x.com", utc(3, 16), H, 0.0),
        ("n1", "u@x.com", utc(3, 17), H, 5.2),
        ("n2", "u@x.com", utc(3, 18), H, 5.2),
    ]
    was = [
        ("w0", "u@x.com", utc(2, 16), H, 0.0),
        ("w1", "u@x.com", utc(2, 17), H, 0.0),
        ("w2", "u@x.com", utc(2, 18), H, 9.6),
    ]
    by = {t.metric: t for t in report_of(now + was, days(3, 3)).trends}
    assert (by["empty"].value, by["empty"].previous, by["empty"].change) == (33.3, 66.7, -33.4)
    assert by["empty"].worse is False
    assert (by["kwh"].value, by["kwh"].previous, by["kwh"].change) == (10, 10, 0)


def test_no_trends_when_not_asked_or_over_all_the_data():
    r = report_of(ROWS + BEFORE, WINDOW, Options(trends=False))
    assert r.previous is None and r.trends == ()
    everything = build_report(dataset(ROWS + BEFORE), now=NOW)
    assert everything.window.kind == "all" and everything.totals.sessions == len(ROWS + BEFORE)
    assert everything.previous is None and everything.trends == ()


# --- findings -----------------------------------------------------------------------------


def test_findings_and_passed(report):
    """Default targets: empty 2/8, micro 1/8 and normal 5/8 breach; unclaimed 2/8 holds."""
    assert [(f.kind, f.name, f.ok, f.text) for f in report.findings] == [
        ("health", "empty", False, "empty 25.0% (target < 20%)"),
        ("health", "micro", False, "micro 12.5% (target < 5%)"),
        ("health", "normal", False, "normal 62.5% (target > 75%)"),
        ("health", "unclaimed", True, "unclaimed 25.0% (target < 30%)"),
    ]
    assert report.passed is False
    lenient = HealthThresholds(empty_max=30, micro_max=15, normal_min=60, unclaimed_max=30)
    ok = report_of(ROWS, WINDOW, Options(health=lenient))
    assert [f.ok for f in ok.findings] == [True] * 4 and ok.passed is True


def test_a_silent_station_fails_the_check_from_three_sessions():
    """Health targets all met (empty 5 of 11 = 45 %), but ST-DEAD gave nothing 3 times."""
    dead = [(f"d{i}", "z@x.com", utc(3, 16 + i), H, 0.0, "ST-DEAD") for i in range(3)]
    lenient = HealthThresholds(empty_max=50, micro_max=15, normal_min=40, unclaimed_max=30)
    r = report_of(ROWS + dead, WINDOW, Options(health=lenient))
    assert [f.ok for f in r.findings if f.kind == "health"] == [True] * 4
    stations = [(f.name, f.ok, f.text) for f in r.findings if f.kind == "station"]
    assert stations == [("ST-DEAD", False, "ST-DEAD: delivered no energy in 3 sessions")]
    assert r.passed is False
    one = report_of([*ROWS, dead[0]], WINDOW, Options(health=lenient))
    assert [f for f in one.findings if f.kind == "station"] == []  # never an alarm alone
    assert not [a for a in one.attention if a.kind == "station"]
    assert one.passed is True


def test_an_empty_window_passes_with_nothing_to_check():
    r = report_of(ROWS, days(20, 21))
    assert not r.has_sessions and r.totals.sessions == 0
    assert [f.text for f in r.findings] == [
        f"{m}: no sessions to check" for m in ("empty", "micro", "normal", "unclaimed")
    ]
    assert r.passed is True and r.users == () and r.daily == ()


# --- stations -----------------------------------------------------------------------------


def test_station_records(report):
    """ST-A: s1, s3, s7, s8, all normal (20, 10, 20, 20 A); s8 runs 30 min past the window's
    end, so 2 + 2 + 2 + 0.5 h occupied of 72. ST-B: s2 empty, s4 LOW 5 A, s5 micro, s6 empty;
    1 + 2 + 1/6 + 1/12 h occupied."""
    records = {s.station_id: s.record() for s in report.stations}
    assert list(records["ST-A"]) == list(RECORD_COLUMNS)
    assert list(RECORD_COLUMNS) == [
        "station_id",
        "space",
        "sessions",
        "empty",
        "micro",
        "unclaimed",
        "empty_pct",
        "micro_pct",
        "unclaimed_pct",
        "kwh",
        "median_current",
        "charging_h",
        "idle_h",
        "occupied_h",
        "utilization_pct",
        "average_duration_h",
        "p_value",
        "suspect",
        "reason",
    ]
    assert records["ST-A"] == {
        "station_id": "ST-A",
        "space": None,
        "sessions": 4,
        "empty": 0,
        "micro": 0,
        "unclaimed": 0,
        "empty_pct": 0.0,
        "micro_pct": 0.0,
        "unclaimed_pct": 0.0,
        "kwh": 24.96,
        "median_current": 20.0,
        "charging_h": None,
        "idle_h": None,
        "occupied_h": 6.5,
        "utilization_pct": round(100 * 6.5 / 72, 2),
        "average_duration_h": (2 + 2 + 2 + 1) / 4,  # plugged in, whole sessions
        "p_value": None,
        "suspect": False,
        "reason": None,
    }
    b = records["ST-B"]
    assert (b["sessions"], b["empty"], b["micro"], b["unclaimed"]) == (4, 2, 1, 2)
    assert (b["empty_pct"], b["micro_pct"], b["unclaimed_pct"]) == (50.0, 25.0, 50.0)
    assert b["kwh"] == 2.58 and b["median_current"] == 5.0
    assert b["occupied_h"] == round(1 + 2 + 1 / 6 + 1 / 12, 2)
    assert b["utilization_pct"] == round(100 * (1 + 2 + 1 / 6 + 1 / 12) / 72, 2)
    assert b["average_duration_h"] == round((3600 + 7200 + 600 + 300) / 4 / 3600, 3)
    # neither is suspect: worst share of empty + micro first (ST-B 75 %, ST-A 0 %)
    assert [s.station_id for s in report.stations] == ["ST-B", "ST-A"]


# --- listings -----------------------------------------------------------------------------

# u: five sessions, oldest first HIGH, MED, EMPTY, MICRO, LOW; v: MICRO then EMPTY.
LISTED = [
    ("u1", "u@x.com", utc(3, 16), 2 * H, 8.32),
    ("u2", "u@x.com", utc(3, 17), 2 * H, 4.16),
    ("u3", "u@x.com", utc(3, 18), H, 0.0),
    ("u4", "u@x.com", utc(3, 19), H, 0.4),
    ("u5", "u@x.com", utc(3, 20), 2 * H, 2.08),
    ("v1", "v@x.com", utc(3, 21), H, 0.3),
    ("v2", "v@x.com", utc(3, 22), H, 0.0),
]


def lines(cap: int | None, worst_first: bool) -> dict[str | None, tuple]:
    r = report_of(LISTED, days(3, 3), Options(listings=Listings(cap=cap, worst_first=worst_first)))
    return {
        item.user: (item.total, [(line.number, line.label) for line in item.lines])
        for item in r.listings
    }


def test_listings_show_the_most_recent_sessions_in_their_order():
    """Capped at 2: u's two latest (u4, u5), numbered as the 4th and 5th of its 5 sessions."""
    assert lines(2, False) == {
        "u@x.com": (5, [(4, "MICRO"), (5, "NORMAL-LOW")]),
        "v@x.com": (2, [(1, "MICRO"), (2, "EMPTY")]),
    }
    every = lines(None, False)["u@x.com"]
    assert every == (
        5,
        [(1, "NORMAL-HIGH"), (2, "NORMAL-MED"), (3, "EMPTY"), (4, "MICRO"), (5, "NORMAL-LOW")],
    )


def test_worst_first_ties_go_to_the_newest():
    """Two empty sessions and a cap of 1: the newer one is shown."""
    rows = [
        ("a", "w@x.com", utc(3, 16), H, 0.0),
        ("b", "w@x.com", utc(3, 18), H, 0.0),
        ("c", "w@x.com", utc(3, 20), 2 * H, 8.32),
    ]
    r = report_of(rows, days(3, 3), Options(listings=Listings(cap=1, worst_first=True)))
    assert [line.session_id for line in r.listings[0].lines] == ["b"]


def test_worst_first_listings_show_the_worst_of_a_long_list():
    """Over the cap: empty, micro, low, medium, high; within the cap: oldest first."""
    assert lines(3, True) == {
        "u@x.com": (5, [(3, "EMPTY"), (4, "MICRO"), (5, "NORMAL-LOW")]),
        "v@x.com": (2, [(1, "MICRO"), (2, "EMPTY")]),
    }


def test_listing_lines_show_local_times(report):
    first = report.listings[0]
    assert first.user == "alice@x.com"
    line = first.lines[0]
    assert (line.start, line.end) == ("2026-03-02 08:00:00", "2026-03-02 10:00:00")
    assert (line.session_id, line.station_id, line.duration_s, line.kwh) == (
        "s1",
        "ST-A",
        7200,
        8.32,
    )
    assert line.avg_current == 20.0
    assert [item.user for item in report.listings] == [
        "alice@x.com",
        "Bob@x.com",
        "carol@x.com",
        None,
    ]


# --- one driver -------------------------------------------------------------------------------


def test_one_user_case_insensitively(tmp_path: Path):
    """The user's own counts, then the unclaimed group; the export holds only the user's."""
    r = report_of(ROWS, WINDOW, Options(user="BOB@X.COM"))
    assert [u.user for u in r.users] == ["Bob@x.com", None]
    bob = [row for row in inside(ROWS, 2, 4) if row[1] == "Bob@x.com"]
    assert counts(r.users[0].counts) == tally(bob)
    assert [item.user for item in r.listings] == ["Bob@x.com", None]
    out = tmp_path / "bob.csv"
    assert export_of(ROWS, WINDOW, Options(user="BOB@X.COM")).write_csv(out) == len(bob) == 2
    read = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [row["session_id"] for row in read] == ["s3", "s4"]


@pytest.mark.parametrize(
    ("user", "hint"),
    [
        ("bob@x.co", "; closest known: Bob@x.com"),
        ("nobody-at-all", "; run --user without an email to list every user"),
    ],
)
def test_an_unknown_user_names_the_closest_ones(user, hint):
    with pytest.raises(DataError) as err:
        report_of(ROWS, WINDOW, Options(user=user))
    message = str(err.value)
    assert message.startswith(f"User '{user}' not found in this date range{hint}")


# --- the sessions an export selects -----------------------------------------------------------


def test_export_of_empty_sessions_only(tmp_path: Path):
    mine = inside(ROWS, 2, 4)
    empties = sorted(
        (row for row in mine if classify(row[4], row[3]) == "EMPTY"), key=lambda x: x[2]
    )
    out = tmp_path / "empty.csv"
    assert export_of(ROWS, WINDOW, categories=("EMPTY",)).write_csv(out) == len(empties) == 2
    read = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [row["session_id"] for row in read] == [row[0] for row in empties]
    assert {row["category"] for row in read} == {"EMPTY"}
    assert {row["label"] for row in read} == {"[EMPTY]"}
    by_id = {row["session_id"]: row for row in read}
    assert by_id["s2"]["user_id"] == "alice@x.com"
    assert by_id["s6"]["user_id"] == UNCLAIMED_LABEL
    assert by_id["s2"]["start_local"] == "2026-03-02 12:00:00"  # 20:00Z in PST
    assert by_id["s2"]["start"] == "2026-03-02T20:00:00Z"
    both = export_of(ROWS, WINDOW, categories=("EMPTY", "MICRO"))
    assert both.write_csv(tmp_path / "both.csv") == 3
    # by default the export holds every session of the window
    assert export_of(ROWS, WINDOW).write_csv(tmp_path / "all.csv") == len(mine)
