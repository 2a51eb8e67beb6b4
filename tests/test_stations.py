"""Stations, idle time, --check and trends."""

from __future__ import annotations

import csv
import json
import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from conftest import run_cli
from helpers import T0, brute_tail, report_of

from seshis.analysis import Options
from seshis.analysis.stations import StationStats, fisher_greater, judge
from seshis.dates import window

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
WINDOW = window("custom", "UTC", T0, T0.date(), T0.date() + timedelta(days=1))


# --- the test behind SUSPECT --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "successes", "population"),
    [(14, 20, 30, 300), (3, 20, 30, 300), (0, 5, 2, 10), (5, 5, 5, 10), (2, 10, 40, 50)],
)
def test_fisher_tail_matches_the_exact_sum(k, n, successes, population):
    assert fisher_greater(k, n, successes, population) == pytest.approx(
        brute_tail(k, n, successes, population), rel=1e-9, abs=1e-15
    )


def station(sid: str, sessions: int, problems: int, kwh: float = 10.0) -> StationStats:
    return StationStats(sid, None, sessions, problems, 0, 0, kwh, None, None, None, 0.0, 0.0)


def test_stations_that_behave_alike_raise_few_alarms():
    """Every station fails at the same 15 %: over 400 sites of 40 stations, the share of sites
    with any alarm stays near the test's 1 % level (Holm keeps it per site, not per station)."""
    alarms = 0
    for seed in range(400):
        rng = random.Random(seed)
        stats = []
        for i in range(40):
            n = rng.randint(20, 120)
            stats.append(station(f"S{i}", n, sum(rng.random() < 0.15 for _ in range(n))))
        alarms += any(s.suspect for s in judge(stats))
    assert alarms / 400 <= 0.02


def test_a_failing_station_is_flagged_with_the_reason():
    stats = [station(f"S{i}", 50, 5) for i in range(20)] + [station("BAD", 20, 14)]
    judged = {s.station_id: s for s in judge(stats)}
    assert judged["BAD"].suspect == "14 of 20 sessions empty (70%); rest of the site 10%"
    assert not any(s.suspect for sid, s in judged.items() if sid != "BAD")


def test_few_sessions_are_not_an_alarm_but_no_energy_always_is():
    stats = [station(f"S{i}", 50, 5) for i in range(20)]
    stats += [station("ONE", 1, 1, kwh=5.0), station("DEAD", 3, 3, kwh=0.0)]
    judged = {s.station_id: s for s in judge(stats)}
    assert judged["ONE"].suspect is None  # 1 of 1 empty: too few to tell
    assert judged["DEAD"].suspect == "delivered no energy in 3 sessions"


def test_the_demo_flags_its_failing_station_and_no_other():
    for kind in ("week", "month"):
        doc = run_cli(
            "--stations", "--json", "--demo", "--no-input", "--range", kind, now=NOW
        ).json()
        flagged = [s["station_id"] for s in doc["stations"] if s["suspect"]]
        assert flagged == ["DEMO-17"], kind
        assert len(doc["stations"]) == 40


# --- idle time and utilization --------------------------------------------------------------


def test_the_median_current_is_exact_from_the_counts_of_each_current():
    """The median of the normal sessions' currents (rounded to 0.1 A, as the bands use them),
    for odd and even counts, repeated values and a station of one session, against Python's."""
    rng = random.Random(7)
    rows, expected = [], {}
    for station, count in (("ODD", 7), ("EVEN", 10), ("ONE", 1), ("TIES", 6)):
        tenths = [rng.randint(80, 320) for _ in range(count)]
        if station == "TIES":
            tenths = [100, 100, 100, 250, 250, 300]
        expected[station] = statistics.median(t / 10 for t in tenths)
        for i, t in enumerate(tenths):  # one hour at t/10 A and 208 V: t * 0.0208 kWh
            start = T0 + timedelta(hours=2 * i)
            rows.append((f"{station}-{i}", "u@x.com", start, 3600, t * 0.0208, station))
        rows.append((f"{station}-e", "u@x.com", T0 + timedelta(hours=30), 600, 0.0, station))
    report = report_of(rows, window("custom", "UTC", T0, T0.date(), T0.date() + timedelta(days=2)))
    got = {s.station_id: s.median_current for s in report.stations}
    assert got == pytest.approx(expected, abs=1e-9)


def test_idle_and_utilization_against_hand_computed_sessions():
    rows = [
        # station A: 4 h plugged in, done after 1 h -> 1 h charging, 3 h idle
        ("a1", "u@x.com", T0, 4 * 3600, 6.0, "A", 3600),
        # station A: 2 h plugged in, done after the unplug (as ACN-Data does) -> 2 h charging
        ("a2", "u@x.com", T0 + timedelta(hours=5), 2 * 3600, 6.0, "A", 3 * 3600),
        # station B: no done-charging time
        ("b1", "v@x.com", T0, 12 * 3600, 0.0, "B"),
    ]
    stats = {s.station_id: s for s in report_of(rows, WINDOW).stations}
    a, b = stats["A"], stats["B"]
    assert a.charging_h == pytest.approx(3.0) and a.idle_h == pytest.approx(3.0)
    assert a.occupied_h == pytest.approx(6.0)
    hours = (WINDOW.end - WINDOW.start).total_seconds() / 3600  # 48 h
    assert a.utilization_pct == pytest.approx(100 * 6 / hours)
    assert b.charging_h is None and b.idle_h is None
    assert b.utilization_pct == pytest.approx(100 * 12 / hours)
    assert b.suspect is None  # one empty session is no alarm on its own


def test_active_current_bands_over_charging_time():
    # 6 kWh in 4 h plugged in = 7.2 A (LOW); over the 1 h of charging = 28.8 A (HIGH)
    rows = [("a1", "u@x.com", T0, 4 * 3600, 6.0, "A", 3600)]
    plug = report_of(rows, WINDOW)
    active = report_of(rows, WINDOW, Options(active_current=True))
    assert (plug.totals.low, plug.totals.high) == (1, 0)
    assert (active.totals.low, active.totals.high) == (0, 1)


# --- --check --------------------------------------------------------------------------------


def write_week(path, sessions: list[tuple[str, datetime, float, str]]) -> str:
    rows = [
        {
            "session_id": sid,
            "user": "u@x.com",
            "created_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "updated_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "session_kwh": kwh,
            "pfid": st,
        }
        for sid, start, kwh, st in sessions
    ]
    path.write_text(json.dumps(rows))
    return str(path)


def two_weeks(tmp_path, empty_before: int, empty_after: int) -> str:
    """Two weeks of 20 sessions a week on four stations; the second week has more empties."""
    first = datetime(2026, 3, 2, 16, tzinfo=UTC)
    rows = []
    for week, empties in ((0, empty_before), (1, empty_after)):
        for i in range(20):
            start = first + timedelta(days=7 * week + i % 7, hours=i // 7)
            rows.append((f"w{week}-{i}", start, 0.0 if i < empties else 12.0, f"S{i % 4}"))
    return write_week(tmp_path / "weeks.json", rows)


def test_check_passes_with_exit_0(tmp_path):
    path = two_weeks(tmp_path, 1, 1)
    r = run_cli("--check", "--no-input", "--tz", "UTC", "--source", path, "--max-unclaimed", "50")
    assert r.code == 0, r.out + r.err
    assert r.out.count("OK ") == 4 and "BREACH" not in r.out


def test_check_breach_exits_3_with_one_line_per_finding(tmp_path):
    path = two_weeks(tmp_path, 1, 8)
    r = run_cli("--check", "--no-input", "--tz", "UTC", "--source", path)
    assert r.code == 3
    assert "BREACH empty 22.5% (target < 20%)" in r.out  # 9 of 40
    lines = [line for line in r.out.splitlines() if line.startswith(("OK", "BREACH"))]
    assert len(lines) == 4  # 4 metrics; no station is significantly worse than the rest


def test_check_json_to_a_file_keeps_the_exit_status(tmp_path):
    path = two_weeks(tmp_path, 1, 8)
    target = tmp_path / "check.json"
    r = run_cli("--check", "--json", "--no-input", "--tz", "UTC", "--source", path, "--output",
                str(target))  # fmt: skip
    assert r.code == 3 and str(target) in r.out
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["check"]["ok"] is False  # 9 of 40 empty: the empty target breached


def test_check_thresholds_from_flags_and_config(tmp_path):
    path = two_weeks(tmp_path, 1, 8)
    assert run_cli("--check", "--no-input", "--source", path, "--max-empty", "25").code == 0
    config = tmp_path / "c.toml"
    config.write_text("[health]\nempty_max = 25\n")
    assert run_cli("--check", "--no-input", "--source", path, "--config", str(config)).code == 0
    config.write_text("[health]\nempty_max = 10\n")
    assert run_cli("--check", "--no-input", "--source", path, "--config", str(config)).code == 3


def test_check_json_and_the_other_exit_codes(tmp_path):
    path = two_weeks(tmp_path, 1, 8)
    r = run_cli("--check", "--json", "--no-input", "--source", path)
    assert r.code == 3
    doc = json.loads(r.out)
    assert doc["check"]["ok"] is False
    assert [f["name"] for f in doc["check"]["findings"] if not f["ok"]] == ["empty"]
    assert run_cli("--check", "--csv", "--demo", "--no-input").code == 2
    assert run_cli("--check", "--no-input", "--source", str(tmp_path / "none.json")).code == 1


def test_check_flags_a_suspect_station(tmp_path):
    first = datetime(2026, 3, 2, 16, tzinfo=UTC)
    rows = []
    for st in range(5):
        empties = 28 if st == 1 else 4  # S1: 70 % empty; the rest: 10 %
        for i in range(40):
            start = first + timedelta(hours=40 * st + i)
            rows.append((f"s{st}-{i}", start, 0.0 if i < empties else 8.0, f"S{st}"))
    path = write_week(tmp_path / "s.json", rows)
    r = run_cli("--check", "--no-input", "--tz", "UTC", "--source", path)
    assert r.code == 3
    assert "BREACH S1: 28 of 40 sessions empty (70%); rest of the site 10%" in r.out
    assert not any(f"BREACH S{i}:" in r.out for i in (0, 2, 3, 4))


# --- trends ---------------------------------------------------------------------------------


def test_trends_for_a_known_change(tmp_path):
    path = two_weeks(tmp_path, 2, 6)
    args = ("--all", "--json", "--no-input", "--tz", "UTC", "--source", path)
    doc = run_cli(*args, "--start", "2026-03-09", "--end", "2026-03-15").json()
    p = doc["previous"]
    assert p["range"]["start"].startswith("2026-03-02T00:00:00")
    assert p["sessions"] == 20 and doc["totals"]["sessions"] == 20
    assert p["empty_pct"] == 10.0  # 2 of 20 the week before
    assert p["change"]["empty_pct"] == 20.0  # 6 of 20 now: 30 %
    assert p["change"]["sessions"] == 0
    assert p["change"]["kwh"] == pytest.approx((14 - 18) * 12.0)
    text = run_cli(*args[:1], *args[3:], "--start", "2026-03-09", "--end", "2026-03-15").out
    assert "TRENDS" in text and "Empty sessions" in text and "▲ 20.0 pts" in text


def test_all_data_has_no_previous_window(tmp_path):
    doc = run_cli("--all", "--json", "--no-input", "--source", two_weeks(tmp_path, 1, 1)).json()
    assert doc["previous"] is None


# --- exports --------------------------------------------------------------------------------


def test_stations_csv_is_a_second_file(tmp_path):
    target = tmp_path / "x.csv"
    r = run_cli(
        "--stations",
        "--csv",
        "--demo",
        "--no-input",
        "--range",
        "week",
        "--output",
        str(target),
        now=NOW,
    )
    assert r.code == 0, r.err
    # --stations alone exports every session, and the stations beside them
    sessions = run_cli("--all", "--json", "--demo", "--no-input", "--range", "week", now=NOW).json()
    assert f"📊 {sessions['totals']['sessions']} sessions exported" in r.out
    stations = tmp_path / "x_stations.csv"
    assert "40 stations exported to" in r.out
    rows = list(csv.DictReader(stations.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 40
    assert rows[0]["station_id"] == "DEMO-17" and rows[0]["suspect"]


def test_pdf_has_the_stations_section(tmp_path):
    from pypdf import PdfReader

    target = tmp_path / "r.pdf"
    run_cli(
        "--stations",
        "--pdf",
        "--demo",
        "--no-input",
        "--range",
        "month",
        "--output",
        str(target),
        now=NOW,
    )
    text = "\n".join(page.extract_text() for page in PdfReader(str(target)).pages)
    assert "Stations" in text and "SUSPECT DEMO-17" in text


@pytest.mark.parametrize(
    ("k", "n", "successes", "population"),
    [(900, 2000, 5000, 12000), (800, 2000, 5000, 12000), (1, 3000, 2, 9000), (2, 3000, 2, 9000)],
)
def test_fisher_tail_on_big_stations(k, n, successes, population):
    assert fisher_greater(k, n, successes, population) == pytest.approx(
        brute_tail(k, n, successes, population), rel=1e-9, abs=1e-15
    )


def test_one_empty_session_is_no_alarm_on_its_own(tmp_path):
    first = datetime(2026, 3, 2, 16, tzinfo=UTC)
    rows = [(f"s{i}", first + timedelta(hours=i), 8.0, f"S{i % 4}") for i in range(40)]
    rows.append(("lone", first + timedelta(hours=50), 0.0, "LONE"))
    path = write_week(tmp_path / "s.json", rows)
    r = run_cli("--check", "--no-input", "--tz", "UTC", "--source", path, "--max-empty", "50")
    assert r.code == 0, r.out
    assert "LONE" not in r.out  # one empty session is never an alarm on its own


def test_today_is_compared_with_the_same_hours_yesterday():
    doc = run_cli("--all", "--json", "--demo", "--no-input", now=NOW).json()
    assert doc["range"]["start"].startswith("2026-11-26T00:00:00-08:00")
    assert doc["previous"]["range"]["start"].startswith("2026-11-25T00:00:00-08:00")
    assert doc["previous"]["range"]["end"].startswith("2026-11-25T20:00:00+00:00")
