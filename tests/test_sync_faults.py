"""The live sync against a misbehaving server (issue: nothing lost, nothing crashes).

Each test names the promise it holds: every session in the window is stored exactly once, or
the sync says it is incomplete (`sync.complete` false, how many may be missing) and the next
run completes it without --refresh. Both APIs are held to the same bar. The data is the fake's
(tests/fakeapi.py): one session every 10 minutes, so the expected counts are known exactly.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta

import duckdb
import pytest
from conftest import ROOT, run_cli
from fakeapi import T0, TOKEN, FakeApi, powerflex_rows

WINDOW = ("--start", "2026-10-31", "--end", "2026-11-20", "--tz", "UTC")
N = 1200  # sessions in the window
APIS = ("powerflex", "acndata")


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("SESHIS_TOKEN", TOKEN)


def fake_with(server, n: int = N, **knobs) -> FakeApi:
    api = FakeApi(rows=powerflex_rows(n), **knobs)
    api.install(server)
    return api


def args(server, tmp_path, api: str, *more: str) -> list[str]:
    return [
        "--all",
        "--json",
        "--no-input",
        "--api",
        api,
        "--api-url",
        server.url_for("/").rstrip("/"),
        "--store",
        str(tmp_path / "store.duckdb"),
        "--page-size",
        "100",
        *WINDOW,
        *more,
    ]


def run(server, tmp_path, api: str, *more: str):
    return run_cli(*args(server, tmp_path, api, *more))


def stored_ids(tmp_path) -> list[str]:
    con = duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT session_id FROM stored_sessions").fetchall()]
    finally:
        con.close()


def later(n: int, first: int) -> list[dict]:
    """n sessions that start after the fake's first `first` ones (still inside the window)."""
    rows = powerflex_rows(first + n)[first:]
    for r in rows:
        r["session_id"] = r["session_id"].replace("pf-", "new-")
    return rows


def assert_exactly(tmp_path, doc, ids: set[str]) -> None:
    """Every session stored exactly once, the report counting them all, the sync complete."""
    got = stored_ids(tmp_path)
    assert len(got) == len(set(got)) == len(ids)
    assert set(got) == ids
    assert doc["totals"]["sessions"] == len(ids)
    assert doc["sync"]["complete"] is True and doc["sync"]["missing"] == 0


# --- data changing underneath the paging ---------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_sessions_created_during_the_sync_are_all_fetched(server, tmp_path, api):
    fake = fake_with(server, arrive_after={1: later(7, N)})
    r = run(server, tmp_path, api)
    assert r.code == 0, r.err
    ids = {row["session_id"] for row in fake.rows}
    assert len(ids) == N + 7
    assert_exactly(tmp_path, r.json(), ids)


def test_a_server_that_ignores_the_order_and_answers_newest_first(server, tmp_path):
    """New sessions at the top push every row one place down: the reconciliation finds the
    shortfall and fetches the slice again."""
    fake = fake_with(server, arrive_after={1: later(7, N)}, newest_first=True)
    r = run(server, tmp_path, "powerflex")
    assert r.code == 0, r.err
    assert_exactly(tmp_path, r.json(), {row["session_id"] for row in fake.rows})


@pytest.mark.parametrize("api", APIS)
def test_a_session_completed_late_enters_the_middle_and_is_fetched(server, tmp_path, api):
    old = powerflex_rows(1, T0 + timedelta(days=2, minutes=5))[0]  # among the first pages
    old["session_id"] = "late-1"
    fake = fake_with(server, arrive_after={6: [old]})
    r = run(server, tmp_path, api)
    assert r.code == 0, r.err
    assert_exactly(tmp_path, r.json(), {row["session_id"] for row in fake.rows})


# --- short, empty and long pages -------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("fault", [{"short_once": {2: 60}}, {"empty_once": {2}}])
def test_a_short_or_empty_page_before_the_end_is_confirmed_not_believed(
    server, tmp_path, api, fault
):
    fake = fake_with(server, hide_total=True, bare_list=api == "powerflex", **fault)
    r = run(server, tmp_path, api)
    assert r.code == 0, r.err
    assert_exactly(tmp_path, r.json(), {row["session_id"] for row in fake.rows})


def test_a_page_short_on_every_try_without_a_total_is_an_incomplete_sync(server, tmp_path):
    fake = fake_with(server, bare_list=True, short_pages={3: 10})
    r = run(server, tmp_path, "powerflex")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["sync"]["complete"] is False and doc["sync"]["missing"] == 10
    assert "up to 10 sessions" in r.err and "may be short" in r.err
    assert len(set(stored_ids(tmp_path))) == N - 10
    # the next run fetches the window again without --refresh, and completes it
    fake.short_pages.clear()
    again = run(server, tmp_path, "powerflex")
    assert again.json()["sync"]["windows"], "the incomplete window was not fetched again"
    assert_exactly(tmp_path, again.json(), {row["session_id"] for row in fake.rows})


@pytest.mark.parametrize("api", APIS)
def test_rows_dropped_from_a_page_on_every_try_are_found_through_the_total(server, tmp_path, api):
    fake = fake_with(server, short_pages={2: 10})
    r = run(server, tmp_path, api)
    assert r.code == 0, r.err
    # the count requests locate the slice that lacks sessions; fetched again on its own, its
    # rows fall on a first page, which the server does not cut
    assert_exactly(tmp_path, r.json(), {row["session_id"] for row in fake.rows})


@pytest.mark.parametrize("api", APIS)
def test_a_page_longer_than_the_limit_loses_nothing(server, tmp_path, api):
    fake = fake_with(server, long_page=5)
    r = run(server, tmp_path, api)
    assert r.code == 0, r.err
    assert_exactly(tmp_path, r.json(), {row["session_id"] for row in fake.rows})


# --- totals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_a_total_that_changes_between_pages_loses_nothing(server, tmp_path, api):
    fake = fake_with(server, total_on_page={1: N - 150})  # page 1 says 150 fewer
    r = run(server, tmp_path, api)
    assert r.code == 0, r.err
    assert_exactly(tmp_path, r.json(), {row["session_id"] for row in fake.rows})
    assert "incomplete" not in r.err


@pytest.mark.parametrize("api", APIS)
def test_a_total_that_cannot_be_right_stops_with_one_sentence(server, tmp_path, api):
    fake = fake_with(server, n=300, fixed_total=10**8)
    started = time.monotonic()
    r = run(server, tmp_path, api)
    assert r.code == 1
    assert "100,000,000 sessions" in r.err and "cannot be right" in r.err
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err
    assert len(fake.requests) <= 2 and time.monotonic() - started < 5


def test_a_total_that_is_never_met_is_reported_and_bounded(server, tmp_path):
    fake = fake_with(server, total_offset=25)  # the API claims 25 sessions it never sends
    r = run(server, tmp_path, "powerflex")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["sync"]["complete"] is False and doc["sync"]["missing"] == 25
    assert doc["totals"]["sessions"] == N
    # a bounded search: the 12 pages, at most as many again, and the count requests
    assert len(fake.requests) <= 12 + 12 + 32 + 2 + 2


# --- a stuck server --------------------------------------------------------------------------


def test_timeout_bounds_a_whole_response_not_each_read(server, tmp_path):
    fake_with(server, trickle=0.05)  # about 20 bytes a second: minutes for a page
    started = time.monotonic()
    r = run(server, tmp_path, "powerflex", "--timeout", "1", "--retries", "2")
    elapsed = time.monotonic() - started
    assert r.code == 1 and "timed out" in r.err
    assert elapsed < 2 * (1 + 0.25) + 1.5  # two attempts of at most --timeout each


# --- what the outputs say --------------------------------------------------------------------


def incomplete_fake(server) -> FakeApi:
    return fake_with(server, bare_list=True, short_pages={3: 10})


def test_the_terminal_report_says_the_sync_is_incomplete(server, tmp_path):
    incomplete_fake(server)
    r = run_cli(*[a for a in args(server, tmp_path, "powerflex") if a != "--json"])
    assert r.code == 0, r.err
    assert "⚠️  The sync is incomplete: up to 10 sessions" in r.out.splitlines()[2]


def test_check_reports_an_incomplete_sync_as_a_finding(server, tmp_path):
    incomplete_fake(server)
    r = run_cli(*[a if a != "--all" else "--check" for a in args(server, tmp_path, "powerflex")])
    assert r.code == 3
    finding = r.json()["check"]["findings"][0]
    assert finding == {
        "kind": "sync",
        "name": "sync",
        "ok": False,
        "text": "sync incomplete: up to 10 sessions the API reported are missing",
        "state": None,
        "site": None,
    }


def test_the_pdf_says_the_sync_is_incomplete(server, tmp_path):
    from pypdf import PdfReader

    incomplete_fake(server)
    out = tmp_path / "r.pdf"
    flags = [a for a in args(server, tmp_path, "powerflex") if a != "--json"]
    r = run_cli(*flags, "--pdf", "--output", str(out))
    assert r.code == 0, r.err
    first = PdfReader(str(out)).pages[0].extract_text()
    assert "The sync is incomplete: up to 10 sessions" in " ".join(first.split())


# --- interruptions -----------------------------------------------------------------------------


def test_ctrl_c_during_a_sync_exits_130(server, tmp_path):
    fake_with(server, every_page_delay=0.2)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seshis",
            *args(server, tmp_path, "powerflex", "--concurrency", "1"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "Traceback" not in err


def test_an_incomplete_sync_is_worded_once_for_check_and_attention():
    from seshis.syncs import SyncStatus

    short = SyncStatus("s", "src", offline=False, complete=False, missing=10)
    partial = SyncStatus("s", "src", offline=True, complete=False)
    assert short.problem == "sync incomplete: up to 10 sessions the API reported are missing"
    assert partial.problem.startswith("the store does not hold the whole date range")
    assert "0 sessions" not in partial.problem
    assert SyncStatus("s", "src", offline=False).problem is None
