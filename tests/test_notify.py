"""--check --notify: what is new, continuing and recovered reaches a loopback webhook (json://,
and a Slack-style payload through it) and a local SMTP server (mailto://), once per problem;
a target that fails keeps its items for the next run; no URL or password shows anywhere.

The site: twelve stations, three sessions each a day (days 1-4 of December 2026, UTC). A
station that delivers nothing in its three sessions is silent: a --check breach.
"""

from __future__ import annotations

import email
import json
import socket
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from conftest import run_cli
from pytest_httpserver import HTTPServer
from werkzeug import Response

from seshis.notify.changes import Changes, Item, Told
from seshis.notify.message import MORE, Fit, message

STATIONS = [f"ST-{n:02d}" for n in range(1, 13)]
PASSWORD = "s3cret-pw"
TOKEN = "T0KEN-B0T-XYZ"
# which stations are silent each day: day 1 ST-01 breaks, day 2 the same, day 3 ST-02 too,
# day 4 ST-01 is repaired
SILENT = {1: {"ST-01"}, 2: {"ST-01"}, 3: {"ST-01", "ST-02"}, 4: {"ST-02"}}


def day(n: int) -> datetime:
    return datetime(2026, 12, n, 22, 0, tzinfo=UTC)


def sessions(silent: dict[int, set[str]] = SILENT) -> list[dict]:
    rows = []
    for n, broken in silent.items():
        for i, station in enumerate(STATIONS):
            for k in range(3):
                start = datetime(2026, 12, n, 7 + 4 * k, i, tzinfo=UTC)
                rows.append(
                    {
                        "sessionID": f"s-{n}-{station}-{k}",
                        "siteID": "0002",
                        "stationID": station,
                        "spaceID": f"P-{i:02d}",
                        "userID": f"driver{i}-{k}@example.com",
                        "connectionTime": start.strftime("%a, %d %b %Y %H:%M:%S GMT"),
                        "disconnectTime": (start + timedelta(hours=3)).strftime(
                            "%a, %d %b %Y %H:%M:%S GMT"
                        ),
                        "doneChargingTime": None,
                        "kWhDelivered": 0 if station in broken else 12.5,
                        "timezone": "UTC",
                    }
                )
    return rows


@pytest.fixture
def site(tmp_path):
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps(sessions()), encoding="utf-8")
    return path


@pytest.fixture
def hook(httpserver: HTTPServer):
    """The loopback webhook: what it received, and `fail` to make it answer HTTP 500."""
    received: list[dict] = []
    state = {"fail": False}

    def handle(request):
        if state["fail"]:
            return Response("down for maintenance", status=500)
        received.append(json.loads(request.get_data()))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handle)
    httpserver.expect_request("/services/T0/B0/XX", method="POST").respond_with_handler(handle)
    url = f"json://seshis:{PASSWORD}@127.0.0.1:{httpserver.port}/hook?token={TOKEN}"
    return url, received, state


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """A local SMTP server that wants a login (no TLS on loopback): the mails it accepted."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    class Inbox:
        def __init__(self) -> None:
            self.mails: list[email.message.EmailMessage] = []

        async def handle_DATA(self, server, session, envelope):
            self.mails.append(email.message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    def login(server, session, envelope, mechanism, auth):
        return AuthResult(success=(auth.login, auth.password) == (b"ops", PASSWORD.encode()))

    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=login, auth_require_tls=False
    )
    controller.start()
    url = f"mailto://ops:{PASSWORD}@127.0.0.1:{port}?to=team@example.com&from=seshis@example.com"
    yield url, inbox.mails
    controller.stop()


def check(site, store, *targets, now=None, more=()):
    now = now or day(1)
    args = ["--check", "--source", str(site), "--range", "today", "--tz", "UTC", "--no-input"]
    args += ["--store", str(store), *more]
    for url in targets:
        args += ["--notify", url]
    return run_cli(*args, now=now)


def text_of(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def assert_secret_free(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text and TOKEN not in text and "127.0.0.1:" not in text


# --- the cron sequence ----------------------------------------------------------------------


def test_a_cron_sequence_delivers_each_change_once(site, tmp_path, hook, smtp):
    """Day 1 a station breaks, day 2 it is still broken, day 3 a second one breaks, day 4 the
    first is repaired: three messages to each target, each with the one change of its day."""
    url, received, _ = hook
    mailto, mails = smtp
    store = tmp_path / "state.duckdb"

    one = check(site, store, url, mailto, now=day(1))
    assert one.code == 3, one.err
    assert "BREACH [new] ST-01" in one.out
    assert len(received) == 1 and len(mails) == 1
    first = received[0]["message"]
    assert "New:" in first and "station ST-01 (P-00): delivered no energy in 3 sessions" in first
    assert "check the charger and its cable" in first  # where to look
    assert "Summary: 1 new, 0 recovered" in first and "36 sessions" in first
    assert "2026-12-01 (UTC)" in first
    assert received[0]["title"] == "⚠️ Caltech: station ST-01 needs attention"
    assert "ST-01" in mails[0]["Subject"] and "ST-01" in text_of(mails[0])
    assert mails[0]["To"] == "team@example.com"

    two = check(site, store, url, mailto, now=day(2))
    assert two.code == 3 and "BREACH [continuing] ST-01" in two.out
    assert len(received) == 1 and len(mails) == 1  # nothing changed: nothing sent
    assert two.err.count("Nothing new for target") == 2

    three = check(site, store, url, mailto, now=day(3))
    assert three.code == 3
    assert len(received) == 2 and len(mails) == 2
    new = received[1]["message"]
    assert "ST-02" in new and "ST-01" not in new  # only the new item
    assert "Summary: 1 new, 0 recovered, 1 continuing" in new
    assert "ST-02" in text_of(mails[1]) and "ST-01" not in text_of(mails[1])

    four = check(site, store, url, mailto, now=day(4))
    assert four.code == 3  # ST-02 still fails
    assert len(received) == 3 and len(mails) == 3
    back = received[2]["message"]
    assert "Recovered:" in back and "station ST-01 recovered: 0% of 3 sessions" in back
    assert "ST-02" not in back and "New:" not in back
    assert received[2]["title"] == "⚠️ Caltech: station ST-01 recovered"  # ST-02 still fails
    assert "ST-01 recovered" in text_of(mails[2])
    assert_secret_free(*(r.out + r.err for r in (one, two, three, four)))
    assert_secret_free(*(json.dumps(r) for r in received))


def test_a_reminder_of_what_continues_every_n_days(site, tmp_path, hook):
    url, received, _ = hook
    store = tmp_path / "state.duckdb"
    every = ("--notify-every", "2")
    runs = [check(site, store, url, now=day(n), more=every) for n in (1, 2, 3)]
    assert [r.code for r in runs] == [3, 3, 3]
    assert "Sent 1 new, 1 reminded to target 1" in runs[2].err
    assert len(received) == 2  # day 1, then day 3: ST-02 new and ST-01 two days on
    third = received[1]["message"]
    assert "New:\n- station ST-02" in third
    assert "Still open (a reminder):\n- station ST-01" in third


# --- failures -------------------------------------------------------------------------------


def test_a_target_that_fails_keeps_its_items_for_the_next_run(site, tmp_path, hook):
    url, received, state = hook
    store = tmp_path / "state.duckdb"
    state["fail"] = True
    failed = check(site, store, url, now=day(1))
    assert failed.code == 4  # not 3: cron can tell "could not deliver" from "breach delivered"
    lines = [line for line in failed.err.splitlines() if "Could not deliver" in line]
    assert len(lines) == 1 and "target 1 (json://… #" in lines[0]
    assert lines[0].endswith("the next run sends it again.")
    assert "500" in lines[0] or "Internal Server Error" in lines[0]
    assert_secret_free(failed.out, failed.err)

    state["fail"] = False
    again = check(site, store, url, now=day(2))
    assert again.code == 3
    assert len(received) == 1 and "New:\n- station ST-01" in received[0]["message"]


def test_a_refused_target_fails_fast_and_the_other_target_still_gets_its_message(
    site, tmp_path, hook
):
    url, received, _ = hook
    store = tmp_path / "state.duckdb"
    refused = f"json://seshis:{PASSWORD}@127.0.0.1:{free_port()}/hook"
    started = datetime.now()
    done = check(site, store, refused, url, now=day(1))
    assert (datetime.now() - started).total_seconds() < 30
    assert done.code == 4
    assert "Could not deliver to target 1 (json://… #" in done.err
    assert "Sent 1 new to target 2 (json://… #" in done.err
    assert len(received) == 1
    assert_secret_free(done.out, done.err)
    # the next run: target 1 is told (once it listens again it would be); target 2 is not
    # told again
    later = check(site, store, refused, url, now=day(2))
    assert later.code == 4 and len(received) == 1 and "Nothing new for target 2" in later.err


def test_a_failed_recovery_is_announced_by_the_next_run(site, tmp_path, hook):
    url, received, state = hook
    store = tmp_path / "state.duckdb"
    check(site, store, url, now=day(3))  # ST-01 and ST-02
    state["fail"] = True
    assert check(site, store, url, now=day(4)).code == 4  # ST-01 recovered: not delivered
    state["fail"] = False
    assert check(site, store, url, now=day(4)).code == 3
    assert "ST-01 recovered" in received[-1]["message"] and len(received) == 2


# --- services -------------------------------------------------------------------------------


def test_a_slack_style_webhook_gets_markdown_text(site, tmp_path, hook):
    """Slack's own plugin posts to Slack's servers; the same kind of payload ({"text": ...},
    Markdown) goes to the loopback receiver through json:// with its keys mapped."""
    _url, received, _ = hook
    port = _url.split("@127.0.0.1:")[1].split("/")[0]
    slack = (
        f"json://127.0.0.1:{port}/services/T0/B0/XX?format=markdown"
        "&:message=text&:title&:version&:type&:attachments"
    )
    done = check(site, tmp_path / "state.duckdb", slack, now=day(1))
    assert done.code == 3
    assert list(received[0]) == ["text"]
    text = received[0]["text"]
    assert text.startswith("**seshis check: Caltech (Pasadena, CA)**, 2026-12-01 (UTC)")
    assert "**New**" in text
    assert "\n- station ST-01 (P-00): delivered no energy in 3 sessions" in text
    assert "`seshis` " not in text


def test_the_pdf_report_is_attached_where_the_service_takes_files(site, tmp_path, hook):
    url, received, _ = hook
    done = check(site, tmp_path / "state.duckdb", url, more=("--notify-attach", "pdf"))
    assert done.code == 3, done.err
    (attached,) = received[0]["attachments"]
    assert attached["filename"].endswith(".pdf") and attached["base64"].startswith("JVBER")


def test_notify_test_sends_one_message_and_records_nothing(site, tmp_path, hook, smtp):
    url, received, _ = hook
    mailto, mails = smtp
    done = run_cli("--notify-test", "--notify", url, "--notify", mailto)
    assert done.code == 0, done.err
    assert "Sent a test message to target 1" in done.err
    assert "Sent a test message to target 2" in done.err
    assert received[0]["title"] == "seshis: test message" and len(mails) == 1
    assert_secret_free(done.out, done.err)
    after = check(site, tmp_path / "state.duckdb", url, now=day(1))
    assert after.code == 3 and "ST-01" in received[1]["message"]
    refused = run_cli("--notify-test", "--notify", f"json://127.0.0.1:{free_port()}/x")
    assert refused.code == 4 and "Could not deliver to target 1" in refused.err


def test_targets_from_the_config(site, tmp_path, hook):
    url, received, _ = hook
    config = tmp_path / "config.toml"
    config.write_text(f'notify = ["{url}"]\nnotify_every = 3\n', encoding="utf-8")
    done = check(site, tmp_path / "state.duckdb", now=day(1), more=("--config", str(config)))
    assert done.code == 3 and len(received) == 1
    debug = check(
        site, tmp_path / "state.duckdb", now=day(1), more=("--config", str(config), "--debug")
    )
    assert "setting notify = ('json://… #" in debug.err
    assert_secret_free(debug.out, debug.err)
    plain = run_cli("--source", str(site), "--all", "--no-input", "--config", str(config))
    assert plain.code == 0 and len(received) == 1  # without --check: no delivery


# --- secrets --------------------------------------------------------------------------------


def test_no_url_or_password_in_any_output_or_in_the_store(site, tmp_path, hook, smtp):
    url, _received, _ = hook
    mailto, _mails = smtp
    store = tmp_path / "state.duckdb"
    outputs = [
        check(site, store, url, mailto, now=day(1), more=("--debug",)),
        check(site, store, url, mailto, now=day(3), more=("--json",)),
    ]
    assert outputs[1].json()["check"]["ok"] is False
    assert_secret_free(*(r.out + r.err for r in outputs))
    raw = store.read_bytes()
    assert PASSWORD.encode() not in raw and TOKEN.encode() not in raw and b"json://" not in raw
    import duckdb

    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute("SELECT target, kind, site, subject FROM notified").fetchall()
    assert {(kind, subject) for _, kind, _, subject in rows} == {
        ("station", "ST-01"),
        ("station", "ST-02"),
    }
    assert all(len(target) == 64 for target, *_ in rows)  # a fingerprint, never the URL


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--demo", "--notify", "json://127.0.0.1:9/x"), "--notify sends what --check finds"),
        (("--demo", "--all", "--notify-every", "3"), "go with --check --notify"),
        (("--notify-test",), "--notify-test needs a target"),
        (("--demo", "--check", "--notify", "nosuch://tok3n/x"), "not a URL Apprise can use"),
    ],
)
def test_usage_errors(args, message, tmp_path):
    done = run_cli(*args, "--no-input", "--store", str(tmp_path / "s.duckdb"))
    assert done.code == 2 and message in done.err
    assert "tok3n" not in done.err


# --- the message ----------------------------------------------------------------------------


def items(n: int) -> tuple[Item, ...]:
    return tuple(
        Item("driver", None, f"driver{k}@example.com", f"driver{k}@example.com: " + "x" * 80)
        for k in range(n)
    )


def test_a_long_message_says_how_many_more_rather_than_being_cut(site):
    from seshis import build_report, load_files

    report = build_report(load_files([site]))
    many = items(40)
    for fit in (Fit(False, 1000, 250), Fit(True, 2000, 0), Fit(False, 160, 0)):
        sent = message(report, Changes(many, (), (), many), fit)
        title_room = len(sent.title) + 2 if fit.title == 0 else 0
        assert len(sent.body) + title_room <= fit.body
        if fit.body >= 1000:
            shown = sent.body.count("\n- ")
            assert 0 < shown < 40 and MORE.format(40 - shown) in sent.body
    whole = message(report, Changes(many, (), (), many), Fit())
    assert whole.body.count("\n- ") == 40 and "more" not in whole.body


def test_a_recovery_without_figures_says_what_was_told(site):
    from seshis import build_report, load_files
    from seshis.notify.changes import Recovered

    report = build_report(load_files([site]))
    told = Told(("driver", "", "a@x.com"), "a@x.com: 5 of 6 sessions empty", day(1), day(1))
    sent = message(report, Changes((), (), (Recovered(told),), ()), Fit())
    assert "driver a@x.com: no longer needs attention (was: a@x.com: 5 of 6" in sent.body
    assert sent.title.startswith("✅")


def test_a_network_names_each_problem_at_its_site_and_matches_its_recovery():
    """The demo network: a failing site, a station at its site, a health target and a spike
    day are the problems; a station told before and now in the report's recoveries is
    announced with its figures at its site."""
    from seshis.analysis import Options, build_report
    from seshis.notify.changes import changes, problems
    from seshis.sources import load_demo

    now = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
    data = load_demo(now, None, network=True)
    report = build_report(data, data.window("week", now), Options(stations=True, trends=True), now)
    found = problems(report)
    assert [i.key for i in found] == [
        ("health", "", "micro"),
        ("site", "Lakeside Depot", "Lakeside Depot"),
        ("station", "Demo Site", "DEMO-17"),
        ("day", "", "2026-11-26"),
    ]
    before = {
        key: Told(key, "was failing", now - timedelta(days=2), now - timedelta(days=2))
        for key in [("station", "Harbor Garage", "HG-05"), ("day", "", "2026-11-18")]
    }
    told = changes(report, found, before, now, every=7)
    assert len(told.new) == 4 and told.gone == (("day", "", "2026-11-18"),)
    (back,) = told.recovered
    assert back.recovery is not None and back.recovery.subject == "HG-05"
    sent = message(report, told, Fit())
    assert "station DEMO-17 at Demo Site (P-117)" in sent.body
    assert "station HG-05 at Harbor Garage recovered" in sent.body
    assert "each site in its own time zone" in sent.body
    assert sent.title == "⚠️ Demo Network: 4 new problems, 1 recovered"
