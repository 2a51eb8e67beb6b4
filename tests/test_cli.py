"""The CLI end to end, in-process: flags, rules, prompts, outputs and exit codes.

tests/data holds nine PowerFlex rows (plus one duplicate), hand-counted:
  pf-1 a@x.com 4 h 16.64 kWh = 20 A HIGH      pf-2 a@x.com 0 kWh EMPTY
  pf-3 b@x.com 2 h 4.16 kWh = 10 A MED        pf-4 unclaimed 0.3 kWh MICRO
  pf-5 unclaimed ("") 0 kWh EMPTY             pf-6 b@x.com 4 h 4.16 kWh = 5 A LOW (epoch ms)
  pf-7 =cmd@x.com 1 h 2.08 kWh = 10 A MED     pf-8 kWh "abc" INVALID, a row without id INVALID
Local days (America/Los_Angeles): 09-07 pf-1 pf-2; 09-08 pf-3..pf-6; 09-09 pf-7.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import DATA, ROOT, run_cli

PF = str(DATA / "powerflex_rows.json")
LA = ("--tz", "America/Los_Angeles")
ANSI = re.compile(r"\x1b\[")


def pf(*args: str, **kw):
    return run_cli(*args, "--no-input", *LA, "--source", PF, **kw)


# --- the seed's flag rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--csv"], "--csv/--pdf requires at least one analysis flag"),
        (["--pdf"], "--csv/--pdf requires at least one analysis flag"),
        (["--all", "--csv", "--pdf"], "Can't use --csv and --pdf together"),
        (["--all", "--csv", "--graph"], "Can't use exports (--csv, --pdf) with --graph"),
        (["--all", "--pdf", "--graph"], "Can't use exports (--csv, --pdf) with --graph"),
        (["--all", "-pdf"], "unrecognized arguments: -pdf"),
        (["--demo", "--source", "x.json"], "Use either --demo or --source"),
        (["--all", "--threshold", "0"], "--threshold must be a number of kWh above 0"),
        (["--all", "--voltage", "-5"], "--voltage must be a number of volts above 0"),
        (["--all", "--range", "yesterday"], "Unknown --range 'yesterday'"),
        (["--all", "--range", "week", "--start", "2025-01-01"], "--start and --end go with"),
        (["--all", "--demo", "--start", "2025-02-30", "--end", "2025-03-01"], "not a real date"),
        (["--all", "--demo", "--start", "2025-03-02", "--end", "2025-03-01"], "is before"),
        (["--all", "--demo", "--tz", "Mars/Olympus"], "--tz must be an IANA time zone"),
        (["--all", "--json", "--csv"], "--json prints the analysis"),
        (["--all", "--demo", "--threshold", "inf"], "--threshold must be a number of kWh above 0"),
        (["--all", "--demo", "--voltage", "nan"], "--voltage must be a number of volts above 0"),
        (["--all", "--demo", "--start", "2026-01-01", "--end", "9999-12-31"], "out of range"),
        (["--all", "--demo", "--start", "0001-01-01", "--end", "0001-01-01"], "out of range"),
        (["--all", "--demo", "--timeout", "0"], "--timeout must be a number of seconds above 0"),
        (["--all", "--demo", "--output", "x.csv"], "--output says where --csv"),
        (["--all", "--demo", "--pdf", "--output", "-"], "--output - (standard output) is for"),
    ],
)
def test_usage_errors_exit_2_with_the_seed_message(args, message):
    r = run_cli(*args, "--no-input")
    assert r.code == 2
    assert message in r.err
    assert "Traceback" not in r.err


def test_single_dash_gets_the_double_dash_hint():
    r = run_cli("--all", "-pdf")
    assert "Use double dashes: --pdf not -pdf" in r.err


def test_api_without_credentials_names_both_ways(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    r = run_cli("--all", "--no-input")
    assert r.code == 1
    assert "SESHIS_TOKEN" in r.err and "curl_device_manager.sh" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_debug_shows_the_traceback_on_errors():
    with pytest.raises(Exception, match="does not exist"):
        run_cli("--all", "--debug", "--no-input", "--source", "/nonexistent.json")


# --- analyses ---------------------------------------------------------------------------------


def test_empty_daily_breakdown_in_the_seed_format():
    r = pf("--empty")
    assert r.code == 0, r.err
    assert "Empty sessions (0 kWh): 2 (28.6%)" in r.out
    assert "- 2025-09-07: 1 empty / 2 total (50.0%)" in r.out
    assert "- 2025-09-08: 1 empty / 4 total (25.0%)" in r.out
    assert "- 2025-09-09: 0 empty / 1 total (0.0%)" in r.out
    assert "COMBINED SUMMARY" not in r.out


def test_micro_with_threshold_flag():
    r = pf("--micro", "--threshold", "2.5")
    # 0.3 (pf-4) and 2.08 (pf-7) are under 2.5 kWh
    assert "Microsessions (< 2.5 kWh): 2 (28.6%)" in r.out
    assert "- 2025-09-09: 1 micro / 1 total (100.0%)" in r.out


def test_empty_and_micro_add_the_combined_summary_with_the_site():
    r = pf("--empty", "--micro")
    assert "COMBINED SUMMARY — Test Garage" in r.out
    assert "Problem sessions (empty + micro): 3 (42.9%)" in r.out
    assert "Normal sessions (>= 1.0 kWh): 4 (57.1%)" in r.out


def test_user_summary_lists_users_then_unclaimed_last():
    r = pf("--user")
    out = r.out
    assert "📊 Total unique users: 3" in out
    assert "User: a@x.com (50.0% normal sessions)" in out
    assert "User: b@x.com (100.0% normal sessions)" in out
    assert out.index("User: b@x.com") < out.index("🔓 UNCLAIMED SESSIONS (0.0% normal sessions)")
    assert out.rindex("User: ") < out.index("🔓 UNCLAIMED SESSIONS")
    assert "plugged in without scanning the QR code first" in out
    assert (
        "Session 1: START: 2025-09-07 08:00:00 / END: 2025-09-07 12:00:00 / DURATION: 4.0h / "
        "16.64 kWh / pf-1 [NORMAL-HIGH]"
    ) in out
    assert "DURATION: 5.0m / 0.3 kWh / pf-4 [MICRO]" in out
    assert "DURATION: 1.0m / 0 kWh / pf-5 [EMPTY]" in out
    assert "pf-6 [NORMAL-LOW]" in out and "pf-3 [NORMAL-MED]" in out


def test_one_user_by_email_case_insensitive():
    r = pf("--user", "B@X.com")
    assert r.code == 0
    assert "User: b@x.com" in r.out and "a@x.com" not in r.out
    # the unclaimed sessions close every user analysis, as the seed promises
    assert r.out.index("User: b@x.com") < r.out.index("🔓 UNCLAIMED SESSIONS")
    assert "pf-4 [MICRO]" in r.out


def test_unknown_user_names_the_closest_emails():
    r = pf("--user", "a@x.co")
    assert r.code == 1
    assert "User 'a@x.co' not found" in r.err and "a@x.com" in r.err


def test_all_has_every_section_and_the_health_block():
    r = pf("--all")
    for heading in (
        "EMPTY SESSIONS ANALYSIS",
        "MICROSESSION ANALYSIS",
        "COMBINED SUMMARY",
        "SITE HEALTH",
        "User Session Summary",
    ):
        assert heading in r.out
    assert "❌ Empty sessions" in r.out and "28.6%" in r.out  # 2 of 7, target < 20 %
    assert "❌ Microsessions" in r.out  # 1 of 7 = 14.3 %, target < 5 %
    assert "❌ Normal sessions" in r.out  # 57.1 %, target > 75 %
    assert "✅ Unclaimed sessions" in r.out  # 2 of 7 = 28.6 %, under 30 %
    assert "2 invalid rows were not analysed" in r.out
    assert "1 duplicate row merged" in r.out


def test_listing_is_capped_and_printsessions_shows_all():
    now = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
    capped = run_cli("--user", "--demo", "--no-input", "--range", "month", now=now)
    assert "earlier (use --printsessions)" in capped.out
    assert "Session 1:" not in capped.out.split("🔓 UNCLAIMED")[1]  # the most recent 20 shown
    full = run_cli("--user", "--demo", "--no-input", "--range", "month", "--printsessions", now=now)
    assert "earlier (use --printsessions)" not in full.out
    assert "Session 1:" in full.out.split("🔓 UNCLAIMED")[1]


# --- outputs ----------------------------------------------------------------------------------


def test_no_analysis_flag_prints_the_sessions_as_the_source_gave_them():
    """As the original did: the rows with their own field names and values (a null user stays
    null, no label in its place), newest first (--sort-by/--sort-order: the original's
    session_start_time, DESC)."""
    r = pf()
    rows = json.loads(r.out)
    given = {row["session_id"]: row for row in json.loads(Path(PF).read_text("utf-8"))["rows"]}
    assert sorted(row["session_id"] for row in rows) == [f"pf-{i}" for i in range(1, 8)]
    assert all(row == given[row["session_id"]] for row in rows)

    def start(row: dict) -> datetime:  # created_at, else session_start_time (epoch ms)
        if row.get("created_at"):
            return datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
        return datetime.fromtimestamp(row["session_start_time"] / 1000, UTC)

    assert rows == sorted(rows, key=start, reverse=True) and given["pf-4"]["user"] is None
    assert r.out.startswith("[\n\t{") and r.out.count("\n") == len(rows) + 2  # one per line


def test_json_document_has_the_documented_keys():
    doc = pf("--all", "--json").json()
    assert set(doc) >= {
        "range",
        "threshold_kwh",
        "voltage",
        "totals",
        "performance",
        "unclaimed",
        "users",
        "daily",
        "health",
    }
    assert doc["range"]["timezone"] == "America/Los_Angeles"
    assert doc["totals"] == {
        "sessions": 7,
        "empty": 2,
        "micro": 1,
        "normal": 4,
        "unclaimed": 2,
        "users": 3,
        "invalid": 2,
        "kwh": pytest.approx(16.64 + 4.16 + 0.3 + 4.16 + 2.08),
        # 4 h + 1 h + 2 h + 5 min + 1 min + 4 h + 1 h plugged in, over 7 sessions
        "average_duration_h": round((10 + 2 + 6 / 60) / 7, 3),
    }
    assert doc["daily"] == [
        {"date": "2025-09-07", "sessions": 2, "empty": 1, "micro": 0, "normal": 1},
        {"date": "2025-09-08", "sessions": 4, "empty": 1, "micro": 1, "normal": 2},
        {"date": "2025-09-09", "sessions": 1, "empty": 0, "micro": 0, "normal": 1},
    ]
    assert doc["users"][0] == {
        "user": "=cmd@x.com",
        "sessions": 1,
        "empty": 0,
        "micro": 0,
        "normal": 1,
        "normal_pct": 100.0,
        "kwh": 2.08,
        "average_duration_h": 1.0,  # 16:00 to 17:00 UTC
        "last_session": "2025-09-09T16:00:00+00:00",
        "needs_help": False,
    }
    unclaimed = next(h for h in doc["health"] if h["metric"] == "unclaimed")
    assert unclaimed == {
        "metric": "unclaimed",
        "value_pct": 28.57,
        "threshold_pct": 30.0,
        "comparison": "<",
        "ok": True,
    }


def test_csv_export(tmp_path):
    target = tmp_path / "out.csv"
    r = pf("--all", "--csv", "--output", str(target))
    assert r.code == 0
    assert r.out.splitlines()[0] == f"📊 7 sessions exported to {target}"
    # --all also writes the stations table beside it
    assert r.out.splitlines()[1] == f"📊 4 stations exported to {tmp_path / 'out_stations.csv'}"
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == 7
    by_id = {row["session_id"]: row for row in rows}
    assert by_id["pf-4"]["user_id"] == "🔓 UNCLAIMED SESSIONS"
    assert by_id["pf-7"]["user_id"] == "'=cmd@x.com"
    assert by_id["pf-1"]["label"] == "[NORMAL-HIGH]"
    assert by_id["pf-1"]["avg_current"] == "20.0"
    assert by_id["pf-1"]["duration_h"] == "4.0"
    assert by_id["pf-1"]["start_local"] == "2025-09-07 08:00:00"
    assert by_id["pf-1"]["start"] == "2025-09-07T15:00:00Z"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out_stations.csv"]


def test_csv_of_empty_sessions_only_and_default_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = pf("--empty", "--csv")
    files = list(tmp_path.glob("*.csv"))
    assert len(files) == 1 and re.fullmatch(r"\d{4}_\d{2}_\d{2}_\d{6}\.csv", files[0].name)
    assert "📊 2 sessions exported" in r.out
    rows = list(csv.DictReader(files[0].read_text(encoding="utf-8-sig").splitlines()))
    assert {row["session_id"] for row in rows} == {"pf-2", "pf-5"}


def test_csv_export_reads_back_as_a_source(tmp_path):
    target = tmp_path / "back.csv"
    pf("--all", "--csv", "--output", str(target))
    doc = run_cli("--json", "--no-input", *LA, "--source", str(target)).json()
    assert doc["totals"]["sessions"] == 7
    assert doc["performance"] == {"HIGH": 1, "MED": 2, "LOW": 1}
    # the unclaimed label and the formula guard are undone on the way back in
    assert doc["totals"]["unclaimed"] == 2 and doc["totals"]["users"] == 3
    assert "=cmd@x.com" in {u["user"] for u in doc["users"]}


def test_csv_into_a_new_folder_given_with_a_slash(tmp_path):
    r = pf("--empty", "--csv", "--output", f"{tmp_path}/exports/")
    assert r.code == 0, r.err
    files = list((tmp_path / "exports").glob("*.csv"))
    assert len(files) == 1 and files[0].name[:4].isdigit()


def test_user_email_with_spaces_around():
    r = pf("--user", "  b@x.com ")
    assert r.code == 0 and "User: b@x.com" in r.out


def test_csv_into_a_missing_folder_is_one_sentence(tmp_path):
    r = pf("--all", "--csv", "--output", str(tmp_path / "no" / "such" / "x.csv"))
    assert r.code == 1 and "Cannot write" in r.err


def test_debug_lists_settings_timings_and_invalid_rows():
    r = pf("--all", "--debug")
    assert "🔧 setting threshold_kwh = 1.0" in r.err
    assert "🔧 time load:" in r.err
    assert "🔧 invalid row pf-8" in r.err and "non-numeric kWh: abc" in r.err
    assert "🔧 invalid row (no id)" in r.err and "missing session id" in r.err


def test_colour_only_when_asked():
    assert not ANSI.search(pf("--all").out)
    assert ANSI.search(pf("--all", color=True).out)


# --- prompts ----------------------------------------------------------------------------------


def test_micro_prompt_asks_again_on_bad_input():
    r = run_cli(*LA, "--micro", "--source", PF, stdin="abc\n-1\n2.5\n", tty=True)
    assert r.err.count("Enter microsession threshold (kWh, e.g., 1.0): ") == 3
    assert "Microsessions (< 2.5 kWh): 2" in r.out


def test_nothing_prompts_without_a_terminal_or_with_no_input():
    for kw in ({"tty": False}, {"tty": True}):
        args = ["--micro", *LA, "--source", PF] + (["--no-input"] if kw["tty"] else [])
        r = run_cli(*args, **kw)
        assert "Enter microsession" not in r.out + r.err
        assert "Microsessions (< 1.0 kWh): 1" in r.out


def test_demo_prompts_the_date_range_menu():
    r = run_cli("--empty", "--demo", stdin="3\n", tty=True)
    assert r.out.startswith("🔌 SESHIS")  # questions go to stderr: stdout stays the report
    assert "Date range options:\n1. Today\n2. Last week\n3. Last month\n4. Custom" in r.err
    assert "Choose date range (1-4, default: 1): " in r.err
    assert "📅 Last month: 2026-10-27 → 2026-11-26 (America/Los_Angeles)" in r.out


def test_a_wrong_date_at_the_prompt_asks_again():
    r = run_cli("--empty", "--demo", stdin="4\n2026-02-30\n2026-11-02\n2026-11-03\n", tty=True)
    assert r.code == 0
    assert r.err.count("Enter start date (YYYY-MM-DD): ") == 2
    assert "Please enter a real date as YYYY-MM-DD" in r.err


def test_demo_custom_range_through_prompts():
    r = run_cli("--empty", "--demo", stdin="9\n4\n2026-11-02\n2026-11-03\n", tty=True)
    assert "Please enter 1, 2, 3 or 4." in r.err
    assert "📅 Custom: 2026-11-02 → 2026-11-03" in r.out
    days = re.findall(r"^- (\d{4}-\d{2}-\d{2}):", r.out, re.M)
    assert days == ["2026-11-02", "2026-11-03"]


def test_demo_default_range_is_today_with_data():
    r = run_cli("--all", "--json", "--demo", "--no-input")
    doc = r.json()
    assert doc["range"]["start"].startswith("2026-11-26T00:00:00-08:00")
    assert doc["totals"]["sessions"] > 0


def test_advanced_prompts_voltage_and_time_zone():
    r = run_cli(
        "--user", "b@x.com", "--advanced", "--source", PF, stdin="240\nAmerica/New_York\n", tty=True
    )
    assert "Enter voltage" in r.err and "Enter site time zone" in r.err
    # 4.16 kWh over 2 h at 240 V = 8.7 A (still MED); times shown in New York
    assert "START: 2025-09-08 12:00:00" in r.out


# --- entry points -----------------------------------------------------------------------------


def test_help_and_entry_points():
    for cmd in (
        [sys.executable, str(ROOT / "seshis.py"), "--help"],
        [sys.executable, "-m", "seshis", "--help"],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
        assert done.returncode == 0, done.stderr
        assert "--printsessions" in done.stdout


def test_range_accepts_menu_numbers_and_api_flags_are_accepted():
    by_name = run_cli("--all", "--json", "--demo", "--no-input", "--range", "week").json()
    by_number = run_cli(
        "--all",
        "--json",
        "--demo",
        "--no-input",
        "--range",
        "2",
        "--acn",
        "0021",
        "--account",
        "16",
    ).json()
    assert by_name["range"] == by_number["range"]
    assert by_name["range"]["kind"] == "week"
    assert by_name["totals"] == by_number["totals"]


def test_version():
    done = subprocess.run(
        [sys.executable, "-m", "seshis", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("seshis ")


def _pty_run(*args: str, env_extra: dict[str, str]) -> bytes:
    """Run seshis with stdout on a pseudo-terminal, as a user's shell would."""
    import os
    import pty

    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="100", **env_extra)
    env.pop("NO_COLOR", None) if "NO_COLOR" not in env_extra else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "seshis", *args], stdout=slave, stderr=subprocess.DEVNULL, env=env
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    return b"".join(chunks)


def test_colour_on_a_terminal_unless_no_color():
    args = ("--empty", "--user", "--demo", "--no-input", "--range", "week", "--no-pager")
    colour = re.compile(rb"\x1b\[(?:[0-9;]*;)?3[0-8]")  # a foreground colour; bold may stay
    assert colour.search(_pty_run(*args, env_extra={}))
    assert not colour.search(_pty_run(*args, env_extra={"NO_COLOR": "1"}))


def test_a_closed_pipe_ends_quietly():
    proc = subprocess.Popen(
        [sys.executable, "-m", "seshis", "--all", "--demo", "--no-input", "--range", "month"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait() == 0
    assert b"Traceback" not in err


def test_help_path_imports_no_heavy_library():
    code = (
        "import sys, seshis, seshis.cli; "
        "print(sorted(m for m in ('duckdb', 'rich', 'matplotlib', 'reportlab', 'httpx') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_graph_saves_every_chart_and_lists_them(tmp_path):
    r = pf("--empty", "--micro", "--graph", "--output", str(tmp_path / "charts"))
    assert r.code == 0, r.err
    report, saved = r.out.split("📈 ")
    assert "EMPTY SESSIONS ANALYSIS" in report and "MICROSESSION ANALYSIS" in report
    listed = [line.strip() for line in saved.splitlines()[1:]]
    # the seed's weekly trend: the daily empty and micro rates, and sessions per day
    assert saved.startswith("2 charts saved:")
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == sorted(
        Path(p).name for p in listed
    )
    for path in listed:
        assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_graph_without_an_analysis_flag_draws_everything(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_cli("--graph", "--demo", "--no-input", "--range", "week")
    assert r.code == 0, r.err
    assert len(list(tmp_path.glob("*_daily_rates.png"))) == 1
    assert len(list(tmp_path.glob("*.png"))) == 6
    assert len(list(tmp_path.glob("*_stations.png"))) == 1
