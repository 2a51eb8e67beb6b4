"""Private data and secrets, and exports that never destroy anything: a password in the API URL
and the auth command's arguments are never shown or stored, --output never overwrites an
input or replaces a FIFO, '-' is standard output, and killed exports leave nothing behind."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time

import duckdb
import pytest
from conftest import DATA, ROOT, run_cli
from fakeapi import TOKEN, FakeApi, powerflex_rows, start_server

PF = str(DATA / "powerflex_rows.json")
LA = ("--tz", "America/Los_Angeles")
SECRET = "hunter2-secret"


@pytest.fixture(scope="module")
def server():
    srv = start_server()
    # the user and password of the URL reach the server as HTTP Basic credentials
    FakeApi(rows=powerflex_rows(300), basic_users={"ops"}).install(srv)
    yield srv
    srv.stop()


def with_password(server) -> str:
    """The fake's URL with a user and password in it."""
    return server.url_for("/").rstrip("/").replace("http://", f"http://ops:{SECRET}@")


def test_a_password_in_the_api_url_is_never_shown_nor_stored(server, tmp_path, monkeypatch):
    monkeypatch.setenv("SESHIS_TOKEN", TOKEN)
    store = tmp_path / "s.duckdb"
    r = run_cli(
        *("--all", "--json", "--no-input", "--debug", "--api-url", with_password(server)),
        *("--store", str(store), "--start", "2026-10-31", "--end", "2026-11-20", "--tz", "UTC"),
    )
    assert r.code == 0, r.err
    assert SECRET not in r.out and SECRET not in r.err
    assert "http://***@127.0.0.1" in r.json()["sync"]["source"]
    con = duckdb.connect(str(store), read_only=True)
    try:
        sources = con.execute(
            "SELECT DISTINCT source FROM stored_sessions UNION SELECT source FROM syncs"
        ).fetchall()
    finally:
        con.close()
    assert sources and all(SECRET not in s for (s,) in sources)


def test_a_password_in_the_api_url_is_not_in_error_messages(tmp_path, monkeypatch):
    monkeypatch.setenv("SESHIS_TOKEN", TOKEN)
    srv = start_server()
    try:
        FakeApi(rows=powerflex_rows(10), html=True, basic_users={"ops"}).install(srv)
        r = run_cli(
            *("--all", "--no-input", "--retries", "1", "--api-url", with_password(srv)),
            *("--store", str(tmp_path / "s.duckdb"), "--range", "week"),
        )
    finally:
        srv.stop()
    assert r.code == 1 and "HTML" in r.err
    assert SECRET not in r.err and "***@127.0.0.1" in r.err


def test_the_arguments_of_the_auth_command_are_never_shown(tmp_path):
    r = run_cli(
        *("--all", "--json", "--demo", "--no-input", "--debug"),
        *("--auth-command", f"/opt/pf/wrapper.sh --token {SECRET}"),
    )
    assert r.code == 0, r.err
    assert SECRET not in r.err
    assert "setting auth_command = '/opt/pf/wrapper.sh (2 arguments hidden)'" in r.err


# --- exports that destroy nothing -----------------------------------------------------------


def test_output_naming_a_source_file_is_refused(tmp_path):
    source = tmp_path / "sessions.json"
    source.write_bytes((DATA / "powerflex_rows.json").read_bytes())
    before = source.read_bytes()
    r = run_cli("--all", "--csv", "--no-input", "--source", str(source), "--output", str(source))
    assert r.code == 2 and "one of the --source files" in r.err
    assert source.read_bytes() == before


def test_a_fifo_given_as_output_is_written_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    r = run_cli("--all", "--csv", "--no-input", *LA, "--source", PF, "--output", str(fifo))
    reader.join(timeout=10)
    assert r.code == 0, r.err
    assert fifo.is_fifo()  # still the FIFO, not a regular file put in its place
    rows = list(csv.DictReader(io.StringIO(received[0].decode("utf-8-sig"))))
    assert len(rows) == 7  # the seven valid sessions of the file (see test_cli.py)


def test_dash_is_standard_output_for_csv_and_json(tmp_path):
    r = run_cli("--all", "--csv", "--no-input", *LA, "--source", PF, "--output", "-")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert len(rows) == 7 and not r.out.startswith("\ufeff")
    assert "7 sessions exported to standard output" in r.err
    j = run_cli("--all", "--json", "--no-input", *LA, "--source", PF, "--output", "-")
    assert j.json()["totals"]["sessions"] == 7


def test_json_to_a_file(tmp_path):
    target = tmp_path / "report.json"
    r = run_cli("--all", "--json", "--no-input", *LA, "--source", PF, "--output", str(target))
    assert r.code == 0, r.err
    assert json.loads(target.read_text())["totals"]["sessions"] == 7
    assert str(target) in r.out


def test_a_later_export_removes_what_a_killed_one_left(tmp_path):
    dead = tmp_path / ".seshis-999999-abc.csv"  # no process has this id
    dead.write_text("half an export")
    dead_folder = tmp_path / ".seshis-999998-xyz"
    dead_folder.mkdir()
    (dead_folder / "sessions.csv").write_text("half")
    alive = tmp_path / f".seshis-{os.getppid()}-busy.csv"  # a running process: kept
    alive.write_text("another run's export in progress")
    r = run_cli("--all", "--csv", "--no-input", *LA, "--source", PF, "--output", str(tmp_path))
    assert r.code == 0, r.err
    assert not dead.exists() and not dead_folder.exists()
    assert alive.exists()
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".seshis-"))
    assert len(names) == 2 and names[0].endswith(".csv")  # the export and its stations file


@pytest.fixture(scope="module")
def big_parquet(tmp_path_factory):
    """Two million sessions: an export of them takes seconds, time enough to interrupt it."""
    path = tmp_path_factory.mktemp("big") / "big.parquet"
    duckdb.sql(
        "COPY (SELECT 'S' || i AS session_id, 'ST-' || (i % 40) AS station_id, "
        "'u' || (i % 500) || '@x.com' AS user_id, "
        "TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i * 30) AS start, "
        "TIMESTAMPTZ '2024-01-01 02:00:00+00' + to_seconds(i * 30) AS \"end\", "
        f"(i % 50) * 0.7 AS kwh FROM range(2000000) t(i)) TO '{path}' (FORMAT parquet)"
    )
    return path


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_during_an_export_stops_it_and_leaves_nothing(big_parquet, tmp_path, name, code):
    out = tmp_path / "out"
    out.mkdir()
    flags = ["--all", "--csv", "--no-input", "--source", str(big_parquet), "--output", f"{out}/"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "seshis", *flags],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not any(out.iterdir()) and time.monotonic() < deadline:  # the export has begun
        time.sleep(0.05)
    time.sleep(0.3)
    sent = time.monotonic()
    proc.send_signal(getattr(signal, name))
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert time.monotonic() - sent < 3  # at once, not when the query would have ended
    assert list(out.iterdir()) == []  # no half export, no hidden temporary file
    assert "Traceback" not in err


def test_a_signal_of_an_earlier_run_is_forgotten():
    """After a SIGTERM, a later run in the same process is not taken for one."""
    from seshis import interrupts

    interrupts.received.append(15)
    with interrupts.handled(lambda: None):
        assert interrupts.received == []
