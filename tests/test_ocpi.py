"""OCPI pulled live: CDRs and Sessions, versions 2.2.1 and 2.1.1, against a loopback server that
speaks the specification's transport (offset/limit, X-Limit, X-Total-Count, Link, Token
authorization, the response envelope and its status codes). The sessions are the fake's
(tests/fakeapi.py), so the expected counts are known exactly."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from conftest import DATA, run_cli
from fakeapi import TOKEN, FakeApi, powerflex_rows
from helpers import fake_totals

WINDOW = ("--start", "2026-10-31", "--end", "2026-11-20", "--tz", "UTC")
N = 700


@pytest.fixture
def fake(server):
    api = FakeApi(rows=powerflex_rows(N))
    api.install(server)
    return api


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("SESHIS_TOKEN", TOKEN)


expected = fake_totals


def ocpi(server, tmp_path, endpoint: str, *more: str):
    return run_cli(
        *("--all", "--json", "--no-input", "--api", "ocpi"),
        *("--api-url", server.url_for(f"/ocpi/cpo/{endpoint}")),
        *("--store", str(tmp_path / "s.duckdb"), *WINDOW, *more),
    )


def totals(doc: dict) -> dict:
    t = doc["totals"]
    return {k: t[k] for k in ("sessions", "empty", "micro", "normal", "unclaimed", "users")}


@pytest.mark.parametrize(
    ("endpoint", "version"),
    [
        ("2.2.1/cdrs", "2.2.1"),
        ("2.2.1/sessions", "2.2.1"),
        ("2.1.1/cdrs", "2.1.1"),
        ("2.1.1/sessions", "2.1.1"),
    ],
)
def test_cdrs_and_sessions_of_both_versions(server, fake, tmp_path, endpoint, version):
    r = ocpi(server, tmp_path, endpoint, "--ocpi-version", version)
    assert r.code == 0, r.err
    doc = r.json()
    assert totals(doc) == expected(fake.rows)
    assert doc["sync"]["complete"] is True and doc["sync"]["missing"] == 0
    # the station is the EVSE uid, its connector the space
    stations = {s["station_id"]: s for s in doc["stations"]}
    assert set(stations) == {r["pfid"] for r in fake.rows}
    assert {s["space"] for s in doc["stations"]} == {"1"}


def test_the_token_is_sent_as_ocpi_asks(server, fake, tmp_path):
    """2.2.x: `Token <base64(token)>`; the fake refuses anything else (and 2.1.1 the plain
    token): a run that stores every session proves the header."""
    r = ocpi(server, tmp_path, "2.2.1/cdrs")
    assert r.code == 0, r.err
    wrong = ocpi(server, tmp_path, "2.1.1/cdrs", "--ocpi-version", "2.2.1", "--refresh")
    assert wrong.code == 1 and "Invalid or missing token" in wrong.err
    assert base64.b64encode(TOKEN.encode()).decode() not in wrong.err + r.err


def test_pages_step_by_the_servers_limit(server, fake, tmp_path):
    fake.ocpi_limit = 40  # asked for 100 a page, the server sends at most 40 (X-Limit)
    r = ocpi(server, tmp_path, "2.2.1/cdrs", "--page-size", "100")
    assert r.code == 0, r.err
    assert totals(r.json()) == expected(fake.rows)
    offsets = [int(p.split("offset=")[1].split("&")[0]) for p in fake.requests if "offset=" in p]
    assert sorted(set(offsets))[:3] == [0, 40, 80]


def test_an_ocpi_error_in_a_200_body_is_one_sentence(server, fake, tmp_path):
    fake.ocpi_status = 3001
    r = ocpi(server, tmp_path, "2.2.1/cdrs")
    assert r.code == 1
    assert "OCPI status 3001 (Unable to use the client's API)" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_a_missing_token_and_a_missing_url(server, fake, tmp_path, monkeypatch):
    monkeypatch.delenv("SESHIS_TOKEN")
    r = ocpi(server, tmp_path, "2.2.1/cdrs")
    assert r.code == 1 and "No OCPI token" in r.err
    monkeypatch.setenv("SESHIS_TOKEN", TOKEN)
    r = run_cli("--all", "--no-input", "--api", "ocpi", "--range", "week")
    assert r.code == 2 and "--api ocpi needs --api-url" in r.err


def test_the_window_asked_reaches_past_its_end(server, fake, tmp_path):
    """date_from/date_to filter on last_updated: a session that started in the window and was
    written after it is still fetched."""
    r = ocpi(server, tmp_path, "2.2.1/cdrs")
    assert r.code == 0, r.err
    first = next(p for p in fake.requests if "date_to=" in p)
    assert "date_from=2026-10-10T00%3A00%3A00Z" in first  # with the previous window, for trends
    assert "date_to=2026-11-29T00%3A00%3A00Z" in first  # 2026-11-21, plus eight days


def test_date_from_is_the_previous_windows_start_and_date_to_eight_days_past_the_end(
    server, fake, tmp_path
):
    """Issue 18: README, help and requests agree. A CDR's last_updated is never before its
    session's start, so asking from the first start wanted loses nothing: the previous
    window's (the trends compare with it), never 8 days before; a CDR is written up to 8 days
    after a session that starts by the window's end (7 days long, a day to write it)."""
    from urllib.parse import parse_qs, urlsplit

    now = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # run_cli's clock
    week = timedelta(days=7)  # Last week: 7 x 24 h back from now
    previous_start = now - week - week
    r = run_cli(
        *("--all", "--json", "--no-input", "--api", "ocpi", "--range", "week", "--tz", "UTC"),
        *("--api-url", server.url_for("/ocpi/cpo/2.2.1/cdrs"), "--store", str(tmp_path / "s")),
    )
    assert r.code == 0, r.err
    asked = [parse_qs(urlsplit(p).query) for p in fake.requests]
    windows = {(q["date_from"][0], q["date_to"][0]) for q in asked if "offset" in q}
    iso = "%Y-%m-%dT%H:%M:%SZ"
    assert windows == {(previous_start.strftime(iso), (now + timedelta(days=8)).strftime(iso))}
    assert windows == {("2026-11-12T20:00:00Z", "2026-12-04T20:00:00Z")}


def test_a_second_run_fetches_only_the_overlap(server, fake, tmp_path):
    assert ocpi(server, tmp_path, "2.2.1/cdrs").code == 0
    before = len(fake.requests)
    again = ocpi(server, tmp_path, "2.2.1/cdrs")
    assert again.code == 0 and totals(again.json()) == expected(fake.rows)
    assert len(fake.requests) - before < before  # only the part not yet covered


def test_beyond_the_total_the_servers_link_is_followed(server, fake, tmp_path):
    """Without X-Total-Count every page after the first is the one the Link header names
    (here carrying a query of the server's own)."""
    fake.hide_total = True
    fake.ocpi_link_extra = {"cursor": "from-link"}
    r = ocpi(server, tmp_path, "2.2.1/cdrs")
    assert r.code == 0, r.err
    assert totals(r.json()) == expected(fake.rows)
    followed = [p for p in fake.requests if "cursor=from-link" in p]
    assert fake.links > 10 and len(followed) == fake.links  # every Link, once


def test_a_link_to_another_host_is_not_followed(server, fake, tmp_path):
    """The token goes with every request: a Link elsewhere is ignored, the offsets go on."""
    fake.hide_total = True
    fake.ocpi_link_host = "http://elsewhere.invalid"
    r = ocpi(server, tmp_path, "2.2.1/cdrs")
    assert r.code == 0, r.err
    assert totals(r.json()) == expected(fake.rows)


# --- a CPO's locations are its sites ------------------------------------------------------------

SEVERAL = DATA / "ocpi-cdrs-several-locations.json"


def by_location(aliases: dict[str, str] | None = None) -> dict[str, dict]:
    """Sessions, empty, micro, normal and kWh per location of the file, counted here: the
    location's name, else its id (threshold 1 kWh)."""
    out: dict[str, dict] = {}
    for cdr in json.loads(SEVERAL.read_text())["data"]:
        where = cdr["cdr_location"]
        site = where.get("name") or where["id"]
        site = (aliases or {}).get(site, site)
        kwh = cdr["total_energy"]
        c = out.setdefault(site, {"sessions": 0, "empty": 0, "micro": 0, "normal": 0, "kwh": 0})
        c["sessions"] += 1
        c["empty" if kwh == 0 else "micro" if kwh < 1 else "normal"] += 1
        c["kwh"] += kwh
    return {site: c | {"kwh": round(c["kwh"], 6)} for site, c in out.items()}


def counts(t) -> dict:
    return {k: getattr(t, k) for k in ("sessions", "empty", "micro", "normal")} | {
        "kwh": round(t.kwh, 6)
    }


def test_a_file_of_several_locations_is_one_site_each():
    from seshis.analysis import build_report
    from seshis.sources import load_files

    data = load_files([SEVERAL])
    try:
        report = build_report(data)
        assert {s.name: counts(s.totals) for s in report.sites} == by_location()
    finally:
        data.store.close()
    # no name: its id; CDRs 2, 6, ... 34 hold 12.5, 0.9 and 1.0 kWh (1.0 is normal) 3 times
    north = by_location()["LOC-NORTH"]
    assert north == {"sessions": 9, "empty": 0, "micro": 3, "normal": 6, "kwh": 43.2}


def test_site_reports_one_location_in_any_case():
    r = run_cli("--source", str(SEVERAL), "--all", "--json", "--no-input", "--site", "MILL street")
    assert r.code == 0, r.err
    t = r.json()["totals"]
    mill = by_location()["Mill Street"]
    assert {k: t[k] for k in mill} == mill | {"kwh": round(mill["kwh"], 3)}


def test_an_unknown_site_lists_the_sites():
    r = run_cli("--source", str(SEVERAL), "--all", "--no-input", "--site", "Harbor Garage")
    assert r.code == 1
    assert "No site is named 'Harbor Garage' in this data. Did you mean 'Harbour Garage'?" in r.err
    assert "Its sites: Harbour Garage, Harbour Garage (old sign), LOC-NORTH, Mill Street." in r.err
    two = run_cli("--source", str(SEVERAL), "--all", "--no-input", "--site", "a", "--site", "b")
    assert two.code == 2 and "--site reports one site at a time" in two.err


def test_config_aliases_merge_a_renamed_location(tmp_path):
    from seshis.analysis import Options, build_report
    from seshis.sources import load_files

    config = tmp_path / "sites.toml"
    config.write_text(
        '[[sites]]\nname = "Harbour Garage"\naliases = ["Harbour Garage (old sign)"]\n'
    )
    merged = by_location({"Harbour Garage (old sign)": "Harbour Garage"})
    r = run_cli(
        *("--source", str(SEVERAL), "--all", "--json", "--no-input", "--config", str(config)),
        *("--site", "harbour garage"),
    )
    assert r.code == 0, r.err
    t = r.json()["totals"]
    # CDRs i % 4 == 0 hold 0, 0, 15.75 kWh and i % 4 == 1 hold 0.4, 22.0, 0 (3 times each)
    assert (t["sessions"], t["empty"], t["micro"], t["normal"]) == (18, 9, 3, 6)
    assert {k: t[k] for k in ("sessions", "empty", "micro", "normal")} == {
        k: merged["Harbour Garage"][k] for k in ("sessions", "empty", "micro", "normal")
    }
    data = load_files([SEVERAL])
    try:
        aliases = (("Harbour Garage (old sign)", "Harbour Garage"),)
        report = build_report(data, options=Options(site_aliases=aliases))
        assert {s.name: counts(s.totals) for s in report.sites} == merged
        assert len(report.sites) == 3
    finally:
        data.store.close()
