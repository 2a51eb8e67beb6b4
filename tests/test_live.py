"""The live APIs against a real HTTP server on loopback (tests/fakeapi.py), and the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from conftest import DATA, ROOT, run_cli
from fakeapi import T0, TOKEN, FakeApi, powerflex_rows, start_server
from helpers import fake_totals

WINDOW = ("--start", "2026-10-31", "--end", "2026-11-20", "--tz", "UTC")


@pytest.fixture
def fake(server):
    api = FakeApi(rows=powerflex_rows(1234))
    api.install(server)
    return api


@pytest.fixture
def token(monkeypatch):
    monkeypatch.setenv("SESHIS_TOKEN", TOKEN)


def expected(rows: list[dict]) -> dict:
    """Independent counts of the fake rows, those `totals` compares."""
    return {k: v for k, v in fake_totals(rows).items() if k != "users"}


def live_args(server, tmp_path) -> list[str]:
    """The flags of a live run against the fake server, with a store in tmp_path."""
    return [
        "--all",
        "--json",
        "--no-input",
        "--api-url",
        server.url_for("/").rstrip("/"),
        "--store",
        str(tmp_path / "store.duckdb"),
        *WINDOW,
    ]


def live(server, tmp_path, *args: str, **kw):
    return run_cli(*live_args(server, tmp_path), *args, **kw)


def stored(tmp_path) -> tuple[int, int]:
    """(rows, distinct ids) in the store file."""
    con = duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT count(*), count(DISTINCT session_id) FROM stored_sessions"
        ).fetchone()
    finally:
        con.close()


def totals(doc: dict) -> dict:
    return {k: doc["totals"][k] for k in ("sessions", "empty", "micro", "normal", "unclaimed")}


# --- every page ----------------------------------------------------------------------------


def test_powerflex_every_page_concurrently(server, fake, token, tmp_path):
    fake.every_page_delay = 0.05
    r = live(server, tmp_path, "--page-size", "100", "--concurrency", "4")
    assert r.code == 0, r.err
    doc = r.json()
    assert totals(doc) == expected(fake.rows)
    assert doc["sync"]["requests"] == 13 and doc["sync"]["pages"] == 13
    assert doc["sync"]["api_total"] == 1234 and doc["sync"]["mismatch"] is False
    assert fake.max_in_flight > 1  # pages 2-13 were fetched at the same time
    assert stored(tmp_path) == (1234, 1234)
    assert doc["site"] == "Fake Garage"


def test_powerflex_without_total_pages_until_a_short_page(server, fake, token, tmp_path):
    fake.bare_list = True
    r = live(server, tmp_path, "--page-size", "500")
    assert r.code == 0, r.err
    assert totals(r.json()) == expected(fake.rows)
    assert len(fake.requests) == 4  # 500 + 500 + 234, then an empty page confirms the end
    assert fake.max_in_flight == 1


def test_acndata_follows_next_links(server, fake, token, tmp_path):
    fake.hide_total = True
    r = live(server, tmp_path, "--api", "acndata", "--site", "caltech", "--page-size", "250")
    assert r.code == 0, r.err
    assert totals(r.json()) == expected(fake.rows)
    assert len(fake.requests) == 6  # 5 pages, then an empty page confirms the end
    assert all(p.startswith("/api/v1/sessions/caltech") for p in fake.requests)


def test_acndata_with_total_fetches_concurrently(server, fake, token, tmp_path):
    fake.every_page_delay = 0.05
    r = live(server, tmp_path, "--api", "acndata", "--page-size", "100")
    assert r.code == 0, r.err
    assert totals(r.json()) == expected(fake.rows)
    assert fake.max_in_flight > 1
    assert stored(tmp_path) == (1234, 1234)


def test_duplicates_across_pages_are_stored_once(server, fake, token, tmp_path):
    fake.repeat_across_pages = True
    r = live(server, tmp_path, "--page-size", "100", "--concurrency", "1")
    doc = r.json()
    assert totals(doc) == expected(fake.rows)
    assert doc["sync"]["duplicates"] == 12  # pages 2-13 each repeat one row
    assert stored(tmp_path) == (1234, 1234)


def test_a_total_that_cannot_be_met_is_an_incomplete_sync(server, fake, token, tmp_path):
    fake.total_offset = 7  # the API claims 7 sessions it never sends
    r = live(server, tmp_path, "--page-size", "500")
    assert r.code == 0
    doc = r.json()
    assert doc["sync"]["mismatch"] is True
    assert doc["sync"]["complete"] is False and doc["sync"]["missing"] == 7
    assert "up to 7 sessions the API reported could not be fetched" in r.err
    assert totals(doc) == expected(fake.rows)


def test_empty_window(server, fake, token, tmp_path):
    r = run_cli(
        "--all",
        "--no-input",
        "--api-url",
        server.url_for("/").rstrip("/"),
        "--store",
        str(tmp_path / "s.duckdb"),
        "--start",
        "2020-01-01",
        "--end",
        "2020-01-02",
    )
    assert r.code == 0
    assert "No sessions in this date range" in r.out


# --- failures --------------------------------------------------------------------------------


def test_429_with_retry_after_is_honoured(server, fake, token, tmp_path):
    fake.rate_limited = 2
    r = live(server, tmp_path, "--page-size", "500")
    assert r.code == 0, r.err
    assert r.waits == [1.0, 1.0]  # two waits of Retry-After: 1
    assert totals(r.json()) == expected(fake.rows)
    assert len(fake.requests) == 3 + 2


def test_a_burst_of_500s_then_success(server, fake, token, tmp_path):
    fake.errors_500 = 3
    r = live(server, tmp_path, "--page-size", "500", "--concurrency", "1")
    assert r.code == 0, r.err
    # exponential back-off with jitter: 0.5-1 s, then 1-2 s, then 2-4 s
    assert len(r.waits) == 3
    assert all(lo <= w <= 2 * lo for w, lo in zip(r.waits, (0.5, 1.0, 2.0), strict=True))
    assert totals(r.json()) == expected(fake.rows)
    assert len(fake.requests) == 3 + 3


def test_giving_up_says_what_failed_and_what_was_kept(server, fake, token, tmp_path):
    fake.errors_500 = 100
    r = live(server, tmp_path, "--retries", "2")
    assert r.code == 1
    assert "Gave up on http://127.0.0.1" in r.err and "after 2 attempts: HTTP 500" in r.err
    assert "nothing was fetched" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_read_timeout_then_the_next_run_completes(server, fake, token, tmp_path):
    fake.slow_page, fake.delay = 2, 1.0
    args = ("--page-size", "500", "--concurrency", "1", "--timeout", "0.3", "--retries", "2")
    r = live(server, tmp_path, *args)
    assert r.code == 1
    assert "timed out" in r.err
    assert "500 sessions in 1 pages were fetched and kept" in r.err
    assert stored(tmp_path) == (500, 500)
    fake.slow_page = None
    again = live(server, tmp_path, *args)
    assert again.code == 0, again.err
    assert totals(again.json()) == expected(fake.rows)
    assert stored(tmp_path) == (1234, 1234)


def test_truncated_json_names_the_url(server, fake, token, tmp_path):
    fake.truncate_page = 2
    r = live(server, tmp_path, "--page-size", "500", "--concurrency", "1")
    assert r.code == 1
    assert "/v1/public/sessions/acn/0021?" in r.err and "page=2" in r.err
    assert "malformed or truncated JSON" in r.err


def test_expired_token(server, fake, token, tmp_path):
    fake.expired = True
    r = live(server, tmp_path)
    assert r.code == 1
    assert 'the token has expired ("Jwt is expired")' in r.err
    assert TOKEN not in r.err


def test_rejected_token(server, fake, monkeypatch, tmp_path):
    monkeypatch.setenv("EDF_JWT", "not-the-token")
    r = live(server, tmp_path)
    assert r.code == 1 and "the token was rejected" in r.err


def test_token_never_appears_in_debug_output(server, fake, token, tmp_path):
    fake.errors_500 = 1
    r = live(server, tmp_path, "--debug", "--page-size", "500")
    assert r.code == 0
    assert "🔧 GET http://127.0.0.1" in r.err and "-> 200" in r.err and " ms" in r.err
    everything = r.out + r.err + (tmp_path / "store.duckdb").read_bytes().decode("latin-1")
    assert TOKEN not in everything


def test_auth_command_wrapper(server, fake, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_CURL_TOKEN", TOKEN)
    wrapper = str(DATA / "curl_device_manager.sh")
    r = live(server, tmp_path, "--auth-command", wrapper, "--page-size", "500")
    assert r.code == 0, r.err
    assert totals(r.json()) == expected(fake.rows)


def test_a_429_through_the_auth_command_is_retried(server, fake, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_CURL_TOKEN", TOKEN)
    fake.rate_limited = 1
    wrapper = str(DATA / "curl_device_manager.sh")
    r = live(server, tmp_path, "--auth-command", wrapper, "--page-size", "500")
    assert r.code == 0, r.err
    assert len(fake.requests) == 4


def test_no_acndata_token(server, fake, tmp_path):
    r = live(server, tmp_path, "--api", "acndata")
    assert r.code == 1 and "No ACN-Data token" in r.err


# --- the store -------------------------------------------------------------------------------


def test_second_run_fetches_only_the_overlap(server, fake, token, tmp_path):
    # A window ending now: the second run refetches the last day only.
    fake.rows = powerflex_rows(2000, start=T0)
    args = ("--range", "month", "--tz", "UTC", "--page-size", "100")
    base = ("--all", "--json", "--no-input", "--api-url", server.url_for("/").rstrip("/"))
    store = ("--store", str(tmp_path / "store.duckdb"))
    first = run_cli(*base, *store, *args)
    assert first.code == 0, first.err
    n = len(fake.requests)
    second = run_cli(*base, *store, *args)
    assert second.code == 0
    assert len(fake.requests) - n <= 2
    assert totals(second.json()) == totals(first.json())
    assert second.json()["sync"]["requests"] <= 2


def test_offline_answers_from_the_store_and_says_how_fresh(server, fake, token, tmp_path):
    assert live(server, tmp_path, "--page-size", "500").code == 0
    n = len(fake.requests)
    r = live(server, tmp_path, "--offline")
    assert r.code == 0
    assert len(fake.requests) == n
    assert totals(r.json()) == expected(fake.rows)
    assert "answering from the store alone, last synced" in r.err


def test_offline_with_an_empty_store(server, tmp_path):
    r = live(server, tmp_path, "--offline")
    assert r.code == 1 and "holds no sessions for powerflex:0021:16@http://127.0.0.1" in r.err


# --- a damaged store ---------------------------------------------------------------------------

DAMAGE = {  # what a store's file may become, and how
    "truncated": lambda data: data[:8192],
    "overwritten": lambda data: b"not a database\n" * 1000,
    "checksum": lambda data: data[:12288] + b"\xa5" * 4096 + data[12288 + 4096 :],
}
MOVED = "store.duckdb.damaged-20261126-200000"  # run_cli's now: 2026-11-26 20:00 UTC


def damaged_store(server, fake, tmp_path, how: str) -> bytes:
    """A store a first run filled, then damaged; its bytes. The fake's log starts afresh."""
    assert live(server, tmp_path, "--page-size", "500").code == 0
    path = tmp_path / "store.duckdb"
    Path(f"{path}.wal").unlink(missing_ok=True)
    data = DAMAGE[how](path.read_bytes())
    path.write_bytes(data)
    fake.requests.clear()
    return data


@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_a_damaged_store_is_moved_aside_and_fetched_again_with_refresh(
    server, fake, token, tmp_path, how
):
    data = damaged_store(server, fake, tmp_path, how)
    r = live(server, tmp_path, "--page-size", "500", "--refresh")
    assert r.code == 0, r.err
    moved = tmp_path / MOVED
    assert f"moved it to {moved}, fetching again" in r.err
    assert moved.read_bytes() == data  # kept as it was, for whoever wants to look
    assert totals(r.json()) == expected(fake.rows)
    pages = -(-len(fake.rows) // 500)  # every session again, 500 a page: 3 pages
    assert r.json()["sync"]["requests"] == len(fake.requests) == pages == 3
    assert stored(tmp_path) == (1234, 1234)


def test_a_damaged_store_without_refresh_says_how_to_rebuild_it(server, fake, token, tmp_path):
    data = damaged_store(server, fake, tmp_path, "truncated")
    path = tmp_path / "store.duckdb"
    for args in ((), ("--offline",)):
        r = live(server, tmp_path, *args)
        assert r.code == 1, r.err
        assert len(r.err.strip().splitlines()) == 1 and str(path) in r.err
        assert "Unexpected" not in r.err
        hint = "move it away or give another --store" if args else "run with --refresh to move"
        assert hint in r.err, r.err
        assert path.read_bytes() == data and not (tmp_path / MOVED).exists()
    assert fake.requests == []


@pytest.mark.parametrize(
    ("tty", "answer", "asked", "rebuilt"),
    [
        pytest.param(True, "y\n", True, True, id="yes"),
        pytest.param(True, "n\n", True, False, id="no"),
        # piped: never asked, and a "y" left in the pipe is never taken for an answer
        pytest.param(False, "\n" * 30 + "y\n", False, False, id="piped"),
    ],
)
def test_a_damaged_store_is_rebuilt_when_the_user_says_so_at_a_terminal(
    server, fake, token, tmp_path, tty, answer, asked, rebuilt
):
    data = damaged_store(server, fake, tmp_path, "overwritten")
    args = [a for a in live_args(server, tmp_path) if a != "--no-input"]
    r = run_cli(*args, "--acn", "0021", "--account", "16", stdin=answer, tty=tty)
    question = "It is a cache of the API: move it aside and fetch again? (y/N): "
    assert (question in r.err) is asked
    assert (r.code, (tmp_path / MOVED).exists()) == ((0, True) if rebuilt else (1, False)), r.err
    if rebuilt:
        assert totals(r.json()) == expected(fake.rows)
    else:
        assert (tmp_path / "store.duckdb").read_bytes() == data
        assert "run with --refresh to move it aside" in r.err


def test_refresh_refetches_the_window(server, fake, token, tmp_path):
    live(server, tmp_path, "--page-size", "500")
    n = len(fake.requests)
    assert live(server, tmp_path, "--page-size", "500").json()["sync"]["requests"] == 0
    r = live(server, tmp_path, "--page-size", "500", "--refresh")
    assert r.json()["sync"]["requests"] == 3
    assert len(fake.requests) == n + 3
    assert stored(tmp_path) == (1234, 1234)


def test_a_killed_sync_is_completed_by_the_next_run(server, fake, token, tmp_path):
    fake.every_page_delay = 0.08
    args = [
        sys.executable,
        "-m",
        "seshis",
        *live_args(server, tmp_path),
        "--page-size",
        "20",
        "--concurrency",
        "1",
    ]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 20
    # pages are upserted 20 at a time: wait for the first batch, stop before the 62nd page
    while len(fake.requests) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # a crash in the middle of the sync
    proc.wait()
    partial = stored(tmp_path)
    assert 0 < partial[0] < 1234 and partial[0] == partial[1]
    fake.every_page_delay = 0
    done = live(server, tmp_path, "--page-size", "500")
    assert done.code == 0, done.err
    assert totals(done.json()) == expected(fake.rows)
    assert stored(tmp_path) == (1234, 1234)


# --- configuration ---------------------------------------------------------------------------


def test_config_file_gives_defaults_and_flags_override(server, fake, token, tmp_path):
    config = tmp_path / "seshis.toml"
    config.write_text(
        'acn = "0042"\naccount = "7"\npage_size = 500\nthreshold = 0.5\n[health]\nempty_max = 5\n'
    )
    r = live(server, tmp_path, "--config", str(config), "--debug")
    assert r.code == 0, r.err
    assert all("/acn/0042?acc=7" in p for p in fake.requests)
    assert f"setting acn = ('0042',) (config {config})" in r.err
    assert "setting threshold_kwh = 0.5" in r.err
    doc = r.json()
    assert doc["threshold_kwh"] == 0.5
    assert next(h for h in doc["health"] if h["metric"] == "empty")["threshold_pct"] == 5
    flagged = live(server, tmp_path, "--config", str(config), "--acn", "0099", "--debug")
    assert "setting acn = ('0099',) (flag)" in flagged.err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("acn = [", "is not valid TOML"),
        ("colour = 'blue'", "unknown setting 'colour'"),
        ("voltage = 'high'", "'voltage' has the wrong type"),
        ("page_size = -5", "'page_size' must be at least 1"),
        ("[health]\nempty_max = 150", "empty_max' must be a percentage from 0 to 100"),
        ("sites = 5", "'sites' must be an array of tables"),
        ('[[sites]]\nname = "A"\nacn = "1"\nsite = "jpl"', "entry 1 has both an acn"),
        ('[[sites]]\nname = "A"\ncolour = "red"', "entry 1 has an unknown key 'colour'"),
        ('[[sites]]\nacn = "1"\ntimezone = "Mars/Olympus"', "must be an IANA time zone"),
        ('[[sites]]\nname = "A"\nacn = "1"\n[[sites]]\nname = "a"\nacn = "2"', "twice"),
    ],
)
def test_bad_config_files(tmp_path, text, message):
    config = tmp_path / "c.toml"
    config.write_text(text)
    r = run_cli("--all", "--demo", "--no-input", "--config", str(config))
    assert r.code == 2 and message in r.err


def test_default_config_file_is_read(monkeypatch, tmp_path):
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "seshis"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text("voltage = 240\n")
    doc = run_cli("--all", "--json", "--demo", "--no-input").json()
    assert doc["voltage"] == 240.0


def test_powerflex_prompts_acn_and_account(server, fake, token, tmp_path):
    r = run_cli(
        "--empty",
        "--api-url",
        server.url_for("/").rstrip("/"),
        "--store",
        str(tmp_path / "s.duckdb"),
        *WINDOW,
        stdin="0055\n\n",
        tty=True,
    )
    assert "Enter ACN (default: 0021): " in r.err and "Enter account (default: 16): " in r.err
    assert all("/acn/0055?acc=16" in p for p in fake.requests)


def test_advanced_prompts_every_api_option(server, fake, token, tmp_path):
    url = server.url_for("/").rstrip("/")
    answers = f"\n\n\ny\n\nASC\n{url}\n500\n\nUTC\n"
    r = run_cli(
        "--empty",
        "--advanced",
        "--store",
        str(tmp_path / "s.duckdb"),
        "--start",
        "2026-10-31",
        "--end",
        "2026-11-20",
        stdin=answers,
        tty=True,
    )
    assert r.code == 0, r.err
    questions = [
        "Enter ACN (default: 0021): ",
        "Enter account (default: 16): ",
        "Anonymize users? (y/N): ",
        "Include active sessions? (y/N): ",
        "Sort by (default: session_start_time): ",
        "Sort order (ASC/DESC) (default: DESC): ",
        "Enter API URL (default: built-in): ",
        "Enter page size (default: built-in): ",
        "Enter voltage for average current (default: 208.0): ",
        "Enter site time zone (default: from the data): ",
    ]
    positions = [r.err.index(q) for q in questions]
    assert positions == sorted(positions)
    assert fake.requests
    assert all("includeActive=true" in p and "sortOrder=ASC" in p for p in fake.requests)
    assert all("limit=500" in p and "anonymize=false" in p for p in fake.requests)


# --- what a review found ---------------------------------------------------------------------


def test_a_server_that_caps_the_page_size_is_paged_by_its_total(server, fake, token, tmp_path):
    fake.cap = 100  # asked for 500, sends 100, says total_count 1234
    r = live(server, tmp_path, "--page-size", "500")
    assert r.code == 0, r.err
    assert totals(r.json()) == expected(fake.rows)
    assert r.json()["sync"]["mismatch"] is False


def test_a_capped_server_without_a_total_is_probed(server, fake, token, tmp_path):
    fake.cap, fake.bare_list = 100, True
    r = live(server, tmp_path, "--page-size", "500")
    assert totals(r.json()) == expected(fake.rows)


def test_another_api_url_is_another_source_in_the_store(server, fake, token, tmp_path):
    assert live(server, tmp_path, "--page-size", "500").json()["totals"]["sessions"] == 1234
    other = start_server()
    try:
        FakeApi(rows=powerflex_rows(300)).install(other)
        r = run_cli(
            "--all",
            "--json",
            "--no-input",
            "--api-url",
            other.url_for("/").rstrip("/"),
            "--store",
            str(tmp_path / "store.duckdb"),
            *WINDOW,
        )
        assert r.json()["totals"]["sessions"] == 300
        assert r.json()["sync"]["requests"] >= 1
    finally:
        other.clear()
        other.stop()


def test_rows_without_an_id_do_not_pile_up(server, fake, token, tmp_path):
    fake.rows[3]["session_id"] = None
    fake.rows[7]["session_id"] = ""
    for _ in range(3):
        doc = live(server, tmp_path, "--page-size", "500", "--refresh").json()
        assert doc["totals"]["invalid"] == 2
        assert doc["totals"]["sessions"] == 1232


def test_offline_for_a_date_range_never_fetched(server, fake, token, tmp_path):
    live(server, tmp_path, "--page-size", "500")
    r = run_cli(
        "--all",
        "--json",
        "--no-input",
        "--offline",
        "--store",
        str(tmp_path / "store.duckdb"),
        "--api-url",
        server.url_for("/").rstrip("/"),
        "--start",
        "2025-01-01",
        "--end",
        "2025-01-31",
        "--tz",
        "UTC",
    )
    assert r.code == 1 and "has never fetched this date range" in r.err


@pytest.mark.parametrize(
    ("value", "message"),
    [("tok\nen", "holds characters a token cannot have"), ("t\u00f6k\u00e9n", "cannot have")],
)
def test_a_token_no_header_can_carry(server, fake, tmp_path, monkeypatch, value, message):
    monkeypatch.setenv("SESHIS_TOKEN", value)
    r = live(server, tmp_path)
    assert r.code == 1 and message in r.err and len(fake.requests) == 0


def test_a_token_with_blanks_around_it(server, fake, tmp_path, monkeypatch):
    monkeypatch.setenv("SESHIS_TOKEN", f"  {TOKEN}\n")
    assert live(server, tmp_path, "--page-size", "500").code == 0


def test_an_html_page_instead_of_json(server, fake, token, tmp_path):
    fake.html = True
    r = live(server, tmp_path)
    assert r.code == 1 and "something that is not JSON (an HTML page?)" in r.err


def test_auth_command_with_its_own_arguments(server, fake, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_CURL_TOKEN", TOKEN)
    wrapper = f"{sys.executable} {DATA / 'curl_device_manager.sh'}"
    r = live(server, tmp_path, "--auth-command", wrapper, "--page-size", "500")
    assert r.code == 0, r.err


def test_config_account_may_be_a_number(server, fake, token, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("account = 7\nacn = 42\n")
    assert live(server, tmp_path, "--config", str(config), "--page-size", "500").code == 0
    assert all("/acn/42?acc=7" in p for p in fake.requests)


def test_a_second_run_waits_for_the_first_and_says_so(server, fake, token, tmp_path):
    """Another process holds the store: this run says it waits, polls (the waits are recorded,
    not slept, so here it gives up at once) and ends with one sentence, exit 1."""
    store = tmp_path / "store.duckdb"
    duckdb.connect(str(store)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(store)!r}); "
         "print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        r = live(server, tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert r.code == 1
    assert f"The store {store} is in use by another seshis run; waiting up to 300 s" in r.err
    assert "wait for it to finish, or give another --store" in r.err
    assert sum(r.waits) >= 300  # it waited (in recorded time) as long as it said


# --- several sites in one run ----------------------------------------------------------------


def other_site(rows: list[dict], prefix: str, site: str, empty_every: int) -> list[dict]:
    """The fake rows as another site's: other ids, another name, every `empty_every`th empty."""
    return [
        {**r, "session_id": f"{prefix}-{i}", "site": site}
        | ({"session_kwh": 0.0} if i % empty_every == 0 else {})
        for i, r in enumerate(rows)
    ]


def by_hand(rows: list[dict]) -> dict:
    """Sessions, empty, micro, normal and kWh of fake rows, counted here (threshold 1 kWh)."""
    kwh = [r["session_kwh"] for r in rows]
    return {
        "sessions": len(kwh),
        "empty": sum(k == 0 for k in kwh),
        "micro": sum(0 < k < 1 for k in kwh),
        "normal": sum(k >= 1 for k in kwh),
        "kwh": round(sum(kwh), 3),
    }


def counted(doc: dict) -> dict:
    return {k: doc["totals"][k] for k in ("sessions", "empty", "micro", "normal", "kwh")}


@pytest.fixture
def two_acns(fake):
    """ACN 0021: 300 sessions of "Fake Garage"; ACN 0035: 200 of "Harbour Lot", every third
    empty."""
    fake.by_site = {
        "0021": powerflex_rows(300),
        "0035": other_site(powerflex_rows(200, T0 + timedelta(minutes=5)), "h", "Harbour Lot", 3),
    }
    return fake.by_site


def test_several_acns_are_one_run_with_each_site_counted(server, fake, two_acns, token, tmp_path):
    acns = ("--acn", "0021", "--acn", "0035:9", "--account", "16", "--page-size", "100")
    r = live(server, tmp_path, *acns)
    assert r.code == 0, r.err
    doc = r.json()
    both = two_acns["0021"] + two_acns["0035"]
    assert counted(doc) == by_hand(both) == {
        "sessions": 500, "empty": 110, "micro": 43, "normal": 347, "kwh": 5791.28,
    }  # fmt: skip
    # 0021: every 10th empty, every 10th (+5) micro at 0.4 kWh, the rest 16.64 kWh: 30, 30,
    # 240; 0035 also empties every 3rd: 67 + 20 - 7 empty, 20 - 7 micro, the rest normal
    assert doc["site"] == "PowerFlex" and len(doc["sites"]) == 2
    assert doc["sync"]["complete"] is True and doc["sync"]["rows"] == 500
    assert doc["sync"]["api_total"] == 500
    assert {p.split("&")[0] for p in fake.requests} == {
        "/v1/public/sessions/acn/0021?acc=16",
        "/v1/public/sessions/acn/0035?acc=9",
    }
    # each site alone, by its name in any case: the same store, the same counts as by hand
    for name, rows in (("fake garage", two_acns["0021"]), ("HARBOUR LOT", two_acns["0035"])):
        one = live(server, tmp_path, *acns, "--site", name)
        assert one.code == 0, one.err
        assert counted(one.json()) == by_hand(rows)
    assert by_hand(two_acns["0035"]) == {
        "sessions": 200, "empty": 80, "micro": 13, "normal": 107, "kwh": 1785.68,
    }  # fmt: skip


def test_a_site_no_acn_holds_is_an_error_listing_the_sites(server, fake, two_acns, token, tmp_path):
    r = live(server, tmp_path, "--acn", "0021", "--acn", "0035", "--site", "Harbor Lot")
    assert r.code == 1
    assert "No site is named 'Harbor Lot'" in r.err and "Did you mean 'Harbour Lot'?" in r.err
    assert "Its sites: Fake Garage, Harbour Lot." in r.err


def test_acns_and_accounts_that_do_not_pair_are_a_usage_error(server, fake, token, tmp_path):
    args = ("--acn", "1", "--acn", "2", "--acn", "3", "--account", "7", "--account", "8")
    r = live(server, tmp_path, *args)
    assert r.code == 2 and "3 --acn and 2 --account" in r.err
    assert not fake.requests


def test_one_site_incomplete_makes_the_run_incomplete(server, fake, two_acns, token, tmp_path):
    fake.site_total_offset = {"0035": 4}  # 0035 claims 4 sessions it never sends; 0021 is whole
    r = live(server, tmp_path, "--acn", "0021", "--acn", "0035", "--page-size", "100")
    doc = r.json()
    assert doc["sync"]["complete"] is False and doc["sync"]["missing"] == 4
    assert doc["sync"]["rows"] == 500 and doc["sync"]["api_total"] == 504
    assert "up to 4 sessions the API reported could not be fetched" in r.err
    assert counted(doc) == by_hand(two_acns["0021"] + two_acns["0035"])


def test_several_acndata_sites(server, fake, token, tmp_path):
    fake.by_site = {
        "caltech": powerflex_rows(120),
        "jpl": other_site(powerflex_rows(80, T0 + timedelta(hours=1)), "j", "JPL", 4),
    }
    r = live(server, tmp_path, "--api", "acndata", "--site", "caltech", "--site", "JPL")
    assert r.code == 0, r.err
    doc = r.json()
    assert counted(doc) == by_hand(fake.by_site["caltech"] + fake.by_site["jpl"])
    assert doc["site"] == "ACN-Data" and len(doc["sites"]) == 2
    assert {p.split("?")[0] for p in fake.requests} == {
        "/api/v1/sessions/caltech",
        "/api/v1/sessions/jpl",
    }
    jpl = live(server, tmp_path, "--api", "acndata", "--site", "jpl")
    assert jpl.json()["site"] == "JPL" and jpl.json()["location"] == "Pasadena, CA"
    assert counted(jpl.json()) == by_hand(fake.by_site["jpl"]) == {
        "sessions": 80, "empty": 24, "micro": 8, "normal": 48, "kwh": 801.92,
    }  # fmt: skip  # every 4th or 10th empty: 20 + 8 - 4; micro the 8 odd i % 10 == 5
    wrong = live(server, tmp_path, "--api", "acndata", "--site", "mars")
    assert wrong.code == 2 and "the ACN-Data sites are caltech, jpl, office001" in wrong.err


PORTFOLIO = """
[[sites]]
name = "Downtown"
acn = "0021"
account = 16
timezone = "America/New_York"
aliases = ["Fake Garage"]

[[sites]]
name = "Harbour"
acn = "0035"
timezone = "Asia/Tokyo"
"""


def local_days(rows: list[dict], zone: str) -> dict[str, int]:
    """Sessions per local day of start in a zone, counted here."""
    days: dict[str, int] = {}
    for r in rows:
        start = datetime.fromtimestamp(r["session_start_time"] / 1000, ZoneInfo(zone))
        days[start.date().isoformat()] = days.get(start.date().isoformat(), 0) + 1
    return days


def test_a_portfolio_is_one_command_each_site_in_its_own_zone(
    server, fake, two_acns, token, tmp_path
):
    config = tmp_path / "sites.toml"
    config.write_text(PORTFOLIO)
    store = str(tmp_path / "store.duckdb")
    r = run_cli(
        *("--all", "--json", "--no-input", "--config", str(config), "--store", store),
        *("--api-url", server.url_for("/").rstrip("/"), "--start", "2026-10-31"),
        *("--end", "2026-11-20", "--tz", "UTC"),
    )
    assert r.code == 0, r.err
    both = two_acns["0021"] + two_acns["0035"]
    assert counted(r.json()) == by_hand(both)
    assert {p.split("&")[0] for p in fake.requests} == {
        "/v1/public/sessions/acn/0021?acc=16",
        "/v1/public/sessions/acn/0035?acc=16",  # the run's --account (default 16)
    }
    # the library's report: each site named by the portfolio, its days in its own zone
    from seshis.analysis import Options, build_report
    from seshis.analysis.sites import sites_of
    from seshis.analysis.summary import site_days
    from seshis.portfolio import parse
    from seshis.sources.live import LiveOptions, load

    entries = parse(tomllib.loads(PORTFOLIO)["sites"])
    options = LiveOptions(
        sites=entries, api_url=server.url_for("/").rstrip("/"), store_path=store, offline=True
    )
    now = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
    data, window = load(options, "custom", now, date(2026, 10, 31), date(2026, 11, 20))
    try:
        assert [(s.name, s.timezone) for s in data.sites] == [
            ("Downtown", "America/New_York"),
            ("Harbour", "Asia/Tokyo"),
        ]
        report = build_report(data, window, now=now)
        scopes = {s.name: s for s in report.sites}
        sites = sites_of(data, window)
        daily = site_days(data.store, sites, Options(), [s.key for s in data.sites])
        for name, rows, zone in (
            ("Downtown", two_acns["0021"], "America/New_York"),
            ("Harbour", two_acns["0035"], "Asia/Tokyo"),
        ):
            days = {d.day.isoformat(): d.counts.sessions for d in daily[name]}
            assert days == local_days(rows, zone)
            assert scopes[name].window.timezone == zone
            assert scopes[name].totals.sessions == len(rows)
    finally:
        data.store.close()
    # 0021's 300 sessions from 2026-11-01 00:00 UTC, one every 10 minutes: 20:00 the evening
    # before in New York (EDT), 09:00 in Tokyo
    assert local_days(two_acns["0021"], "America/New_York") == {
        "2026-10-31": 24, "2026-11-01": 150, "2026-11-02": 126,
    }  # fmt: skip


def test_a_portfolio_fetches_only_the_site_asked_for(server, fake, two_acns, token, tmp_path):
    config = tmp_path / "sites.toml"
    config.write_text(PORTFOLIO)
    r = live(server, tmp_path, "--config", str(config), "--site", "harbour")
    assert r.code == 0, r.err
    assert counted(r.json()) == by_hand(two_acns["0035"])
    assert r.json()["site"] == "Harbour"
    assert all("/acn/0035?" in p for p in fake.requests)
    missing = live(server, tmp_path, "--config", str(config), "--site", "Uptown")
    assert missing.code == 1
    assert "No site is named 'Uptown' in the config's [[sites]]" in missing.err
    assert "Its sites: Downtown, Harbour." in missing.err


def test_a_portfolio_asks_for_no_acn(server, fake, two_acns, token, tmp_path):
    config = tmp_path / "sites.toml"
    config.write_text(PORTFOLIO)
    r = live(server, tmp_path, "--config", str(config), "--site", "Downtown", tty=True)
    assert r.code == 0, r.err
    assert "Enter ACN" not in r.err and "Enter account" not in r.err


def test_several_sites_offline_answer_from_the_store(server, fake, two_acns, token, tmp_path):
    acns = ("--acn", "0021", "--acn", "0035")
    assert live(server, tmp_path, *acns).code == 0
    fake.requests.clear()
    r = live(server, tmp_path, *acns, "--offline")
    assert r.code == 0, r.err
    assert counted(r.json()) == by_hand(two_acns["0021"] + two_acns["0035"])
    assert r.json()["sync"]["offline"] is True and r.json()["sync"]["complete"] is True
    assert not fake.requests
