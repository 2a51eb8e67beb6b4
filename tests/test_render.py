"""Each renderer called directly with one Report (no CLI): the terminal against a golden file,
the JSON document, the CSV files, the session list and the --check lines.

The golden file tests/data/golden/terminal_all.txt is the terminal report of GOLDEN below at
width 100 without colour, checked line by line by hand against the counts in the comments.
To regenerate it after a deliberate change of the layout, run
    SESHIS_REGEN_GOLDEN=1 .venv/bin/python -m pytest -q -n 0 tests/test_render.py
and check the diff line by line before committing it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import DATA
from helpers import export_of, report_of
from rich.console import Console

from seshis.analysis import Options, Report, Sections
from seshis.analysis.stations import RECORD_COLUMNS
from seshis.dates import window
from seshis.definitions import UNCLAIMED_LABEL
from seshis.render import check, jsonout, rows, terminal
from seshis.render import csv as csv_render

LA = "America/Los_Angeles"
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
GOLDEN_FILE = DATA / "golden" / "terminal_all.txt"
H = 3600


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


# Local days 2026-03-02..04 in Los Angeles (PST, UTC-8). At 208 V: 8.32 kWh in 2 h = 20 A,
# 4.16 kWh in 2 h = 10 A, 3.12 kWh in 3 h = 5 A, 4.16 kWh in 1 h = 20 A, 12.48 kWh in 3 h = 20 A,
# 6.24 kWh in 2 h = 15 A. (session, user, start, seconds, kWh, station, done charging after s)
GOLDEN = [
    ("g01", "alice@x.com", utc(2, 16), 2 * H, 8.32, "ST-1", 1 * H),  # 03-02 08:00 HIGH
    ("g02", "alice@x.com", utc(2, 22), 1800, 0.0, "ST-2"),  # 03-02 14:00 EMPTY
    ("g03", "bob@x.com", utc(2, 18), 2 * H, 4.16, "ST-2"),  # 03-02 10:00 MED
    ("g03", "bob@x.com", utc(2, 18), 2 * H, 4.16, "ST-2"),  # the same row again: merged
    ("g04", None, utc(3, 7, 45), 600, 0.5, "ST-3"),  # 03-02 23:45 MICRO, unclaimed
    ("g05", "bob@x.com", utc(3, 17), 3 * H, 3.12, "ST-1"),  # 03-03 09:00 LOW
    ("g06", "carol@x.com", utc(3, 19), 1 * H, 4.16, "ST-3"),  # 03-03 11:00 HIGH
    ("g07", None, utc(3, 20), 300, 0.0, "ST-3"),  # 03-03 12:00 EMPTY, unclaimed
    ("g08", "alice@x.com", utc(4, 16, 30), 3 * H, 12.48, "ST-1", 2 * H),  # 03-04 08:30 HIGH
    ("g09", "carol@x.com", utc(4, 18), 2 * H, 6.24, "ST-2"),  # 03-04 10:00 MED
    ("g10", "bob@x.com", utc(5, 7, 50), 1 * H, 0.8, "ST-2"),  # 03-04 23:50 MICRO
    ("bad", "bob@x.com", utc(3, 18), 1 * H, -2.0, "ST-2"),  # invalid: negative kWh
    # the window before (02-27..03-01): 2 sessions, 1 empty and unclaimed, 8.32 kWh
    ("p1", "alice@x.com", utc(1, 17), 2 * H, 8.32, "ST-1"),
    ("p2", None, utc(1, 19), 600, 0.0, "ST-3"),
]
WINDOW = window("custom", LA, NOW, date(2026, 3, 2), date(2026, 3, 4))
IN_WINDOW = ["g01", "g02", "g03", "g04", "g05", "g06", "g07", "g08", "g09", "g10"]


@pytest.fixture(scope="module")
def report() -> Report:
    return report_of(GOLDEN, WINDOW, site="Golden Garage", location="Pasadena, CA")


def text_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=100, force_terminal=False, no_color=True), buffer


# --- terminal -------------------------------------------------------------------------------


def test_terminal_report_matches_the_golden_file(report):
    """Every section at width 100 without colour, as checked by hand (see the module doc)."""
    out, buffer = text_console()
    terminal.render(report, out)
    text = buffer.getvalue()
    if os.environ.get("SESHIS_REGEN_GOLDEN") == "1":
        GOLDEN_FILE.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN_FILE.write_text(text, encoding="utf-8")
    assert text == GOLDEN_FILE.read_text(encoding="utf-8")


def test_terminal_prints_only_the_sections_asked_for():
    """Without analysis sections only the header and the data quality notes remain."""
    none = Sections(empty=False, micro=False, users=False, health=False, stations=False)
    r = report_of(GOLDEN, WINDOW, Options(sections=none), site="Golden Garage")
    out, buffer = text_console()
    terminal.render(r, out, debug=True)
    text = buffer.getvalue()
    for title in ("EMPTY SESSIONS", "MICROSESSION", "COMBINED", "SITE HEALTH", "TRENDS"):
        assert title not in text
    assert "STATIONS" not in text and "User Session Summary" not in text
    assert text.startswith("🔌 SESHIS — Golden Garage\n📅 Custom: 2026-03-02 → 2026-03-04")
    # with --debug the rows are listed elsewhere, so no hint to run it
    assert "1 invalid row was not analysed" in text and "\n    negative kWh: 1\n" in text


def test_terminal_says_when_the_window_is_empty():
    r = report_of(GOLDEN, window("custom", LA, NOW, date(2026, 3, 20), date(2026, 3, 20)))
    out, buffer = text_console()
    terminal.render(r, out)
    text = buffer.getvalue()
    assert "No sessions in this date range." in text
    assert "📊 Total sessions: 0" in text and "No stations in this date range." in text
    assert "Daily breakdown" not in text


# --- JSON -----------------------------------------------------------------------------------


def test_json_has_the_documented_keys_and_values(report):
    buffer = io.StringIO()
    jsonout.render(report, buffer)
    doc = json.loads(buffer.getvalue())
    documented = {
        "site",
        "location",
        "range",
        "threshold_kwh",
        "voltage",
        "totals",
        "performance",
        "unclaimed",
        "users",
        "daily",
        "health",
        "data_quality",
    }
    assert documented <= set(doc)
    assert (doc["site"], doc["location"]) == ("Golden Garage", "Pasadena, CA")
    assert set(doc["range"]) == {"start", "end", "timezone", "kind"}
    assert doc["range"]["start"] == "2026-03-02T00:00:00-08:00"
    assert doc["range"]["end"] == "2026-03-05T00:00:00-08:00"
    assert (doc["range"]["timezone"], doc["range"]["kind"]) == (LA, "custom")
    assert (doc["threshold_kwh"], doc["voltage"]) == (1.0, 208.0)
    assert doc["totals"] == {
        "sessions": 10,
        "empty": 2,  # g02, g07
        "micro": 2,  # g04, g10
        "normal": 6,
        "unclaimed": 2,  # g04, g07
        "users": 3,
        "invalid": 1,
        "kwh": 39.78,  # 8.32 + 4.16 + 0.5 + 3.12 + 4.16 + 12.48 + 6.24 + 0.8
        # plugged in: 2 + 0.5 + 2 + 1/6 + 3 + 1 + 1/12 + 3 + 2 + 1 = 14.75 h over 10 sessions
        "average_duration_h": 1.475,
    }
    assert doc["performance"] == {"HIGH": 3, "MED": 2, "LOW": 1}
    assert doc["unclaimed"] == {"sessions": 2, "empty": 1, "micro": 1, "normal": 0}
    # kWh, average plugged-in hours and the latest start, from the sessions in GOLDEN
    assert doc["users"] == [
        {"user": "alice@x.com", "sessions": 3, "empty": 1, "micro": 0, "normal": 2,
         "normal_pct": 66.7, "kwh": 20.8, "average_duration_h": round(5.5 / 3, 3),
         "last_session": "2026-03-04T16:30:00+00:00", "needs_help": False},
        {"user": "bob@x.com", "sessions": 3, "empty": 0, "micro": 1, "normal": 2,
         "normal_pct": 66.7, "kwh": 8.08, "average_duration_h": 2.0,
         "last_session": "2026-03-05T07:50:00+00:00", "needs_help": False},
        {"user": "carol@x.com", "sessions": 2, "empty": 0, "micro": 0, "normal": 2,
         "normal_pct": 100.0, "kwh": 10.4, "average_duration_h": 1.5,
         "last_session": "2026-03-04T18:00:00+00:00", "needs_help": False},
    ]  # fmt: skip
    assert doc["daily"] == [
        {"date": "2026-03-02", "sessions": 4, "empty": 1, "micro": 1, "normal": 2},
        {"date": "2026-03-03", "sessions": 3, "empty": 1, "micro": 0, "normal": 2},
        {"date": "2026-03-04", "sessions": 3, "empty": 0, "micro": 1, "normal": 2},
    ]
    assert doc["health"] == [
        {"metric": "empty", "value_pct": 20.0, "threshold_pct": 20.0, "comparison": "<",
         "ok": False},
        {"metric": "micro", "value_pct": 20.0, "threshold_pct": 5.0, "comparison": "<",
         "ok": False},
        {"metric": "normal", "value_pct": 60.0, "threshold_pct": 75.0, "comparison": ">",
         "ok": False},
        {"metric": "unclaimed", "value_pct": 20.0, "threshold_pct": 30.0, "comparison": "<",
         "ok": True},
    ]  # fmt: skip
    assert doc["data_quality"] == {
        "invalid": 1,
        "duplicates": 1,
        "problems": {"negative kWh": 1},
        "long_sessions": 0,  # none plugged in over 7 days
        "renamed_sites": [],  # one site
    }
    assert [s["station_id"] for s in doc["stations"]] == ["ST-3", "ST-2", "ST-1"]
    assert doc["previous"]["sessions"] == 2 and doc["previous"]["empty_pct"] == 50.0
    assert doc["previous"]["change"]["empty_pct"] == -30.0
    assert doc["check"]["ok"] is False and "sync" not in doc


# --- CSV ------------------------------------------------------------------------------------

README_COLUMNS = (
    "session_id site acn account station_id space user_id start end done_charging kwh timezone "
    "status evse_type authorization_source vehicle cost origin start_local end_local duration_h "
    "avg_current category label"
).split()


def test_csv_has_a_bom_and_reads_back(report, tmp_path: Path):
    target = tmp_path / "out.csv"
    written = csv_render.render(report, target, sessions=export_of(GOLDEN, WINDOW))
    assert (written.path, written.sessions, written.stations_path) == (target, 10, None)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw[3:].startswith(b"\xef\xbb\xbf")
    read = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(read) == 10
    assert set(README_COLUMNS) <= set(read[0])
    assert [row["session_id"] for row in read] == [
        "g01", "g03", "g02", "g04", "g05", "g06", "g07", "g08", "g09", "g10",
    ]  # fmt: skip
    by_id = {row["session_id"]: row for row in read}
    assert by_id["g04"]["user_id"] == UNCLAIMED_LABEL
    assert (by_id["g04"]["start_local"], by_id["g04"]["category"]) == (
        "2026-03-02 23:45:00",
        "MICRO",
    )
    assert by_id["g05"]["label"] == "[NORMAL-LOW]" and float(by_id["g05"]["duration_h"]) == 3.0
    assert not list(tmp_path.glob(".seshis-*"))  # no temporary file left behind


def test_csv_with_stations_writes_a_second_file(report, tmp_path: Path):
    target = tmp_path / "out.csv"
    written = csv_render.render(report, target, sessions=export_of(GOLDEN, WINDOW), stations=True)
    spath = tmp_path / "out_stations.csv"
    assert (written.stations_path, written.stations) == (spath, 3)
    assert spath.read_bytes().startswith(b"\xef\xbb\xbf")
    with spath.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        read = list(reader)
        assert reader.fieldnames == list(RECORD_COLUMNS)
    assert [row["station_id"] for row in read] == ["ST-3", "ST-2", "ST-1"]
    st3 = read[0]
    assert (st3["sessions"], st3["empty"], st3["micro"], st3["unclaimed"]) == ("3", "1", "1", "2")
    assert st3["suspect"] == "False"


def test_csv_of_a_selection(tmp_path: Path):
    r = report_of(GOLDEN, WINDOW)
    chosen = export_of(GOLDEN, WINDOW, categories=("EMPTY", "MICRO"))
    written = csv_render.render(r, tmp_path / "x.csv", sessions=chosen)
    text = (tmp_path / "x.csv").read_text(encoding="utf-8-sig")
    ids = [row["session_id"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    assert written.sessions == 4 and ids == ["g02", "g04", "g07", "g10"]


# --- the session list -----------------------------------------------------------------------


def test_rows_prints_the_selected_sessions_as_one_json_list(report):
    buffer = io.StringIO()
    rows.render(report, buffer, sessions=export_of(GOLDEN, WINDOW))
    doc = json.loads(buffer.getvalue())
    assert isinstance(doc, list) and len(doc) == 10
    assert sorted(item["session_id"] for item in doc) == IN_WINDOW
    g08 = next(item for item in doc if item["session_id"] == "g08")
    # sessions whose source kept no row (these, the demo's) are their normalized fields
    assert (g08["kwh"], g08["station_id"], g08["user_id"]) == (12.48, "ST-1", "alice@x.com")
    assert "category" not in g08 and g08["start"] == "2026-03-04T16:30:00Z"
    assert g08["done_charging"] == "2026-03-04T18:30:00Z"
    empty = io.StringIO()
    rows.render(report, empty, sessions=export_of(GOLDEN, WINDOW, categories=("EMPTY",)))
    assert [item["session_id"] for item in json.loads(empty.getvalue())] == ["g02", "g07"]


def test_rows_of_one_user_leave_out_the_unclaimed():
    buffer = io.StringIO()
    one = Options(user="BOB@x.com")
    rows.render(report_of(GOLDEN, WINDOW, one), buffer, sessions=export_of(GOLDEN, WINDOW, one))
    ids = [item["session_id"] for item in json.loads(buffer.getvalue())]
    assert ids == ["g03", "g05", "g10"]


# --- --check --------------------------------------------------------------------------------


def test_check_prints_one_line_per_finding(report):
    out, buffer = text_console()
    check.render(report, out)
    lines = buffer.getvalue().splitlines()
    assert lines == [
        "seshis check: Golden Garage, 2026-03-02 → 2026-03-04 (America/Los_Angeles)",
        "BREACH empty 20.0% (target < 20%)",  # 2 of 10 is not under 20 %
        "BREACH micro 20.0% (target < 5%)",
        "BREACH normal 60.0% (target > 75%)",
        "OK     unclaimed 20.0% (target < 30%)",
    ]
    assert len(lines) - 1 == len(report.findings)


def test_check_lists_a_silent_station():
    dead = [
        (f"d{i}", "z@x.com", utc(3, 16) + timedelta(hours=i), H, 0.0, "ST-DEAD") for i in range(3)
    ]
    r = report_of(GOLDEN + dead, WINDOW, site="Golden Garage")
    out, buffer = text_console()
    check.render(r, out)
    lines = buffer.getvalue().splitlines()
    assert lines[-1] == (  # not in the previous window (new), and dead all this one
        "BREACH [new] ST-DEAD: delivered no energy in 3 sessions; failing throughout the window"
    )
    assert sum(line.startswith(("OK ", "BREACH ")) for line in lines) == 5


def test_json_lists_one_item_per_line_and_read_back_whole(report):
    doc = jsonout.to_dict(report)
    text = jsonout.dumps(doc)
    assert json.loads(text) == json.loads(json.dumps(doc))  # nothing lost or changed
    lines = text.splitlines()
    users = lines.index('  "users": [')
    assert json.loads(lines[users + 1].rstrip(",")) == doc["users"][0]  # one driver per line
