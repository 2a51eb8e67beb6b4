"""A drop-in for the PowerFlex tool's users, run as they run it: their curl wrapper on PATH
(one that accepts only the arguments that tool passed), answers piped on stdin in its prompts'
order, and their reading habits (--user with --empty, energy never rounded across a
definition)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import DATA, ROOT, run_cli
from fakeapi import T0, TOKEN, FakeApi, powerflex_rows

WRAPPER = DATA / "curl_device_manager.sh"


@pytest.fixture
def fake(server):
    api = FakeApi(rows=powerflex_rows(600))
    api.install(server)
    return api


def url(server) -> str:
    return server.url_for("/").rstrip("/")


def queries(fake: FakeApi) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(p).query) for p in fake.requests]


def on_path(monkeypatch, tmp_path, script: Path | str, name: str = "curl_device_manager.sh"):
    """Put a wrapper on PATH under the name the PowerFlex tool's users give it."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    target = folder / name
    target.write_text(script.read_text() if isinstance(script, Path) else script)
    target.chmod(target.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return target


# --- 1. their curl_device_manager.sh ------------------------------------------------------------


def test_the_strict_wrapper_on_path_fetches_every_session(server, fake, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_CURL_TOKEN", TOKEN)
    on_path(monkeypatch, tmp_path, WRAPPER)
    r = run_cli(
        *("--all", "--json", "--no-input", "--api-url", url(server)),
        *("--store", str(tmp_path / "s.duckdb"), "--start", "2026-10-31", "--end", "2026-11-20"),
        *("--tz", "UTC", "--page-size", "250"),
    )
    assert r.code == 0, r.err
    assert r.json()["totals"]["sessions"] == 600
    assert r.json()["sync"]["complete"] is True


@pytest.mark.parametrize(
    ("knob", "message"),
    [
        ("expired", 'the token has expired ("Jwt is expired")'),
        ("html", "something that is not JSON (an HTML page?)"),
    ],
)
def test_wrapper_failures_told_from_the_body(server, fake, monkeypatch, tmp_path, knob, message):
    monkeypatch.setenv("FAKE_CURL_TOKEN", TOKEN)
    setattr(fake, knob, True)
    on_path(monkeypatch, tmp_path, WRAPPER)
    r = run_cli(
        *("--all", "--no-input", "--api-url", url(server), "--retries", "1"),
        *("--store", str(tmp_path / "s.duckdb"), "--range", "week"),
    )
    assert r.code == 1 and message in r.err
    assert len(r.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("#!/bin/sh\nexit 7\n", "could not connect (exit 7)"),  # curl: failed to connect
        ("#!/bin/sh\nexit 0\n", "the auth command printed nothing"),
        ("#!/bin/sh\necho '<html><h1>502 Bad Gateway</h1></html>'\n", "HTTP 502"),
        ("#!/bin/sh\nexit 3\n", "failed (exit 3)"),  # curl: malformed URL: not retried
    ],
)
def test_wrapper_failures_told_from_the_exit_status(tmp_path, monkeypatch, script, message):
    wrapper = on_path(monkeypatch, tmp_path, script)
    r = run_cli(
        *("--all", "--no-input", "--retries", "2", "--store", str(tmp_path / "s.duckdb")),
        "--range",
        "week",
    )
    assert r.code == 1 and message in r.err, r.err
    assert "Traceback" not in r.err and len(r.err.strip().splitlines()) == 1
    assert wrapper.exists()


def test_a_stuck_wrapper_is_stopped_at_the_timeout(tmp_path, monkeypatch):
    on_path(monkeypatch, tmp_path, "#!/bin/sh\nsleep 30 &\nwait\n")  # its own child sleeps too
    started = time.monotonic()
    r = run_cli(
        *("--all", "--no-input", "--retries", "1", "--timeout", "1"),
        *("--store", str(tmp_path / "s.duckdb"), "--range", "week"),
    )
    assert r.code == 1 and "timed out" in r.err
    assert time.monotonic() - started < 5


# --- 2. answers piped on stdin -----------------------------------------------------------------


def test_piped_answers_in_the_original_order(server, fake, tmp_path, monkeypatch):
    monkeypatch.setenv("SESHIS_TOKEN", TOKEN)
    # ACN, account, limit, page, range 3 (last month), as `printf '0055\n7\n\n\n3\n' | ...`
    r = run_cli(
        "--all", "--json", "--api-url", url(server), "--store", str(tmp_path / "s.duckdb"),
        stdin="0055\n7\n\n\n3\n",
    )  # fmt: skip
    assert r.code == 0, r.err
    assert all("/acn/0055" in p for p in fake.requests)
    assert all(q["acc"] == ["7"] for q in queries(fake))
    assert r.json()["range"]["kind"] == "month"


def test_piped_answers_with_micro_and_advanced(server, fake, tmp_path, monkeypatch):
    monkeypatch.setenv("SESHIS_TOKEN", TOKEN)
    answers = "0021\n16\n0.5\nfalse\ntrue\n\nASC\n250\n2\n4\n2026-10-31\n2026-11-20\n"
    r = run_cli(
        "--micro", "--advanced", "--json", "--api-url", url(server),
        "--store", str(tmp_path / "s.duckdb"), "--tz", "UTC", stdin=answers,
    )  # fmt: skip
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["threshold_kwh"] == 0.5
    assert doc["range"]["kind"] == "custom"
    assert doc["range"]["start"].startswith("2026-10-31") and doc["range"]["end"].startswith(
        "2026-11-21"
    )
    q = queries(fake)
    assert all(x["includeActive"] == ["true"] and x["anonymize"] == ["false"] for x in q)
    assert all(x["limit"] in (["250"], ["1"]) for x in q)  # the limit is the page size
    assert doc["totals"]["sessions"] == 600  # and every page was fetched, not page 2 alone


@pytest.mark.parametrize("stdin", ["", "\n" * 50], ids=["end-of-input", "yes-empty"])
def test_the_end_of_piped_input_means_the_defaults(stdin):
    r = run_cli("--all", "--json", "--demo", stdin=stdin)
    assert r.code == 0, r.err
    assert r.json()["range"]["kind"] == "today"  # the default of the range question


def test_no_input_never_reads_stdin():
    r = run_cli("--all", "--json", "--demo", "--no-input", stdin="3\n")
    assert r.json()["range"]["kind"] == "today"
    piped = run_cli("--all", "--json", "--demo", stdin="3\n")
    assert piped.json()["range"]["kind"] == "month"


def test_a_piped_answer_that_cannot_be_used_names_the_question():
    r = run_cli("--micro", "--demo", stdin="lots\n")
    assert r.code == 2
    assert "The piped answer 'lots' to \"Enter microsession threshold" in r.err


def test_an_open_pipe_nobody_writes_to_never_hangs():
    proc = subprocess.Popen(
        [sys.executable, "-m", "seshis", "--empty", "--demo"],
        cwd=ROOT,
        stdin=subprocess.PIPE,  # open, and never written to nor closed
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = proc.communicate(timeout=20)
    finally:
        proc.stdin.close()
    assert proc.returncode == 0, err
    assert b"Today:" in out


# --- 3. their reading habits -------------------------------------------------------------------


def write_sessions(path: Path, sessions: list[tuple[str, str | None, float, int]]) -> str:
    """PowerFlex rows: (id, user, kWh, minutes plugged in), an hour apart from T0."""
    rows = []
    for i, (sid, user, kwh, minutes) in enumerate(sessions):
        start = T0 + timedelta(hours=i)
        rows.append(
            {
                "session_id": sid,
                "user": user,
                "created_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "updated_at": (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "session_kwh": kwh,
            }
        )
    path.write_text(json.dumps(rows))
    return str(path)


HABITS = [
    ("e1", "ann@x.com", 0.0, 10),
    ("m1", "ann@x.com", 0.999, 30),
    ("n1", "ann@x.com", 29.021, 240),
    ("n2", "ann@x.com", 8.5, 120),
    ("e2", None, 0.0, 5),
    ("n3", None, 12.0, 180),
]


@pytest.mark.parametrize(
    ("flags", "heading", "listed"),
    [
        (("--empty", "--micro"), "User Session Summary with empty + micro sessions:", {"e1", "m1"}),
        (("--empty",), "User Session Summary with empty sessions:", {"e1"}),
        (("--micro",), "User Session Summary with micro sessions:", {"m1"}),
    ],
)
def test_user_with_empty_or_micro_lists_only_those_sessions(tmp_path, flags, heading, listed):
    path = write_sessions(tmp_path / "s.json", HABITS)
    r = run_cli("--user", "ann@x.com", *flags, "--no-input", "--tz", "UTC", "--source", path)
    assert r.code == 0, r.err
    assert f"👥 {heading}" in r.out
    shown = {line.split(" / ")[-1].split()[0] for line in r.out.splitlines() if "START:" in line}
    unclaimed = {"e2"} if "--empty" in flags else set()
    assert shown == listed | unclaimed
    assert "Total sessions: 4" in r.out  # the driver's counts still cover every session


def test_energy_keeps_three_decimals_and_never_crosses_the_threshold(tmp_path):
    path = write_sessions(tmp_path / "s.json", HABITS)
    r = run_cli("--user", "ann@x.com", "--no-input", "--tz", "UTC", "--source", path)
    lines = {
        line.split(" / ")[-1].split()[0]: line for line in r.out.splitlines() if "START:" in line
    }
    assert "/ 0.999 kWh / m1 [MICRO]" in lines["m1"]
    assert "/ 29.021 kWh / n1 [NORMAL-" in lines["n1"]
    assert "/ 8.5 kWh / n2 [NORMAL-" in lines["n2"]
    assert "/ 0 kWh / e1 [EMPTY]" in lines["e1"]


def test_just_under_the_threshold_is_never_shown_at_it(tmp_path):
    path = write_sessions(tmp_path / "s.json", [("m9", "bo@x.com", 0.9996, 30)])
    r = run_cli("--user", "--no-input", "--tz", "UTC", "--source", path)
    assert "/ 0.999 kWh / m9 [MICRO]" in r.out


# --- 5. without an analysis flag: the API's rows as it gave them -------------------------------


def test_no_analysis_flag_prints_the_api_rows_as_it_gave_them(server, fake, tmp_path, monkeypatch):
    """The PowerFlex tool printed the API's rows; so does seshis, from its store, also on a later
    run that reads the store alone."""
    store = str(tmp_path / "s.duckdb")
    args = ("--no-input", "--api-url", url(server), "--store", store, "--tz", "UTC")
    window = ("--start", "2026-11-01", "--end", "2026-11-01")  # T0's day: the first 144 rows
    monkeypatch.setenv("SESHIS_TOKEN", TOKEN)
    first = run_cli(*args, *window)
    assert first.code == 0, first.err
    given = {row["session_id"]: row for row in fake.rows}
    rows = json.loads(first.out)
    expected = sorted(  # newest first, as the API's default order gave them
        (r for r in fake.rows if r["created_at"].startswith("2026-11-01")),
        key=lambda r: r["created_at"],
        reverse=True,
    )
    assert rows == expected and len(rows) == 144
    assert rows[-1]["user"] is None and rows[-1] == given["pf-0000000"]  # null stays null
    again = run_cli(*args, *window, "--offline")
    assert json.loads(again.out) == expected
    oldest = run_cli(*args, *window, "--offline", "--sort-order", "ASC")
    assert json.loads(oldest.out) == expected[::-1]
    by_energy = json.loads(run_cli(*args, *window, "--offline", "--sort-by", "session_kwh").out)
    kwh = [(row["session_kwh"], row["session_id"]) for row in by_energy]
    assert kwh == sorted(kwh, reverse=True) and len(kwh) == 144
