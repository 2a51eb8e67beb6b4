"""Networks of sites: each site's figures in its own zone, sites tested against the rest of the
network, stations within their own site, since when a problem started, what recovered, renamed
sites, one site of a network, and the outputs that show them. Expectations come from plain
Python over the rows (and, for the real samples, the independent model of test_networks)."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from conftest import run_cli, shared_file
from rich.console import Console
from test_networks import DUNDEE, PERTH, merged, read_csv, scotland_row

from seshis.analysis import Options, build_report
from seshis.analysis.sites import sites_of
from seshis.analysis.summary import site_days
from seshis.dataset import Dataset
from seshis.dates import DateRange, window
from seshis.errors import DataError
from seshis.render import check, jsonout, terminal
from seshis.store import InputStore, lit

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
LA, LONDON = "America/Los_Angeles", "Europe/London"


def network(rows: list[tuple], tz: str = LA) -> Dataset:
    """rows: (session_id, site, zone, user, start, hours, kwh, station)."""
    values = []
    for sid, site, zone, user, start, hours, kwh, station in rows:
        end = start + timedelta(hours=hours)
        values.append(
            f"({lit(sid)}, {lit(site)}, {lit(zone)}, {lit(user)}, "
            f"{lit(start.isoformat())}::TIMESTAMPTZ, {lit(end.isoformat())}::TIMESTAMPTZ, "
            f"{float(kwh)!r}, {lit(station)})"
        )
    store = InputStore.create()
    store.add(
        "SELECT sid AS session_id, site, NULL AS acn, NULL AS account, station AS station_id, "
        'NULL AS space, usr AS user_id, st AS start, en AS "end", NULL::TIMESTAMPTZ AS '
        "done_charging, k AS kwh, zone AS timezone, NULL AS status, NULL AS evse_type, "
        "NULL AS authorization_source, NULL AS vehicle, NULL AS cost, 'test' AS origin, "
        "NULL AS raw, st AS _raw_start, en AS _raw_end, k AS _raw_kwh "
        f"FROM (VALUES {', '.join(values)}) v(sid, site, zone, usr, st, en, k, station)",
        "test",
        materialize=True,
    )
    store.finalize()
    return Dataset(store, "Test Network", None, tz, store.span())


def days_of(
    site: str,
    zone: str,
    first: date,
    days: int,
    per_day: int,
    fail_from: int = 99,
    fail_every: int = 0,
    station: str = "S-1",
    prefix: str = "",
) -> list[tuple]:
    """`per_day` sessions a day at 10:00 + 30 min each, local; from day `fail_from` on,
    every one fails (0 kWh); before, every `fail_every`-th one is micro (0.5 kWh)."""
    out = []
    tz = ZoneInfo(zone)
    for d in range(days):
        for k in range(per_day):
            start = datetime(first.year, first.month, first.day, 10, tzinfo=tz) + timedelta(
                days=d, minutes=30 * k
            )
            n = d * per_day + k
            failed = d >= fail_from
            kwh = 0.0 if failed else (0.5 if fail_every and n % fail_every == 0 else 7.0)
            sid = f"{prefix}{site}-{station}-{n}"
            out.append((sid, site, zone, f"u{n % 7}@x.com", start.astimezone(UTC), 1, kwh, station))
    return out


def custom(first: date, last: date, tz: str = LA) -> DateRange:
    return window("custom", tz, NOW, first, last)


def text_of(report, brief: bool = True) -> str:
    buffer = io.StringIO()
    terminal.render(report, Console(file=buffer, width=100, color_system=None), brief=brief)
    return buffer.getvalue()


# --- the real samples: each site's figures -----------------------------------------------------


def model_by_site(*names: str) -> dict[str, dict]:
    """Each site's sessions, empty, micro, normal and kWh, from the independent model of the
    samples (test_networks), keyed by the export's own Site column."""
    rows, sites = [], []
    for name, with_ids in ((PERTH, False), (DUNDEE, True)):
        if name not in names:
            continue
        for raw in read_csv(shared_file(name)):
            row = scotland_row(raw, with_ids)
            rows.append(row)
            sites.append((row.key, raw["Site"].strip()))
    kept, _ = merged(rows)
    site_of = dict(sites)  # a merged key keeps its site
    out: dict[str, dict] = {}
    for row in kept:
        if row.problem is not None:
            continue
        figures = out.setdefault(
            site_of[row.key],
            {"sessions": 0, "empty": 0, "micro": 0, "normal": 0, "kwh": Decimal(0)},
        )
        figures["sessions"] += 1
        figures[row.category] += 1
        figures["kwh"] += row.kwh or Decimal(0)
    return out


def test_each_site_of_two_council_exports_has_the_figures_counted_from_its_rows():
    r = run_cli(
        "--all",
        "--json",
        "--no-input",
        "--source",
        str(shared_file(PERTH)),
        str(shared_file(DUNDEE)),
    )
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    want = model_by_site(PERTH, DUNDEE)
    got = {s["name"]: s["totals"] for s in doc["sites"]}
    assert set(got) == set(want) and len(want) > 10
    for name, figures in want.items():
        t = got[name]
        assert (t["sessions"], t["empty"], t["micro"], t["normal"]) == (
            figures["sessions"],
            figures["empty"],
            figures["micro"],
            figures["normal"],
        ), name
        assert t["kwh"] == pytest.approx(float(figures["kwh"]), abs=0.0006), name
    # the network's totals are today's totals, the sum of its sites'
    assert doc["totals"]["sessions"] == sum(f["sessions"] for f in want.values())
    assert doc["totals"]["sessions"] == sum(s["totals"]["sessions"] for s in doc["sites"])
    # without drivers in Perth's export, no site says how many drivers it has
    assert all(s["totals"]["users"] is None for s in doc["sites"])


def test_a_single_site_has_a_sites_list_of_one_with_the_report_totals():
    r = run_cli("--all", "--json", "--demo", "--range", "week", "--no-input")
    doc = json.loads(r.out)
    assert [s["name"] for s in doc["sites"]] == ["Demo Site"]
    assert doc["sites"][0]["totals"] == {k: v for k, v in doc["totals"].items() if k != "invalid"}


# --- sites and stations judged where they stand ------------------------------------------------


def test_a_site_where_every_station_fails_is_one_site_problem_not_n_stations():
    first = date(2026, 6, 1)
    rows = []
    for s in range(8):  # every station of the bad site fails one session in two
        rows += days_of("Bad Yard", LA, first, 10, 2, fail_every=2, station=f"B-{s}")
    for s in range(8):  # the good site: one in twenty is micro
        rows += days_of("Good Yard", LA, first, 10, 2, fail_every=20, station=f"G-{s}")
    report = build_report(network(rows), custom(first, date(2026, 6, 10)), Options(), NOW)
    kinds = Counter((a.kind, a.site) for a in report.attention)
    assert kinds[("site", "Bad Yard")] == 1
    assert not [a for a in report.attention if a.kind == "station"]  # none stands out at home
    site = next(a for a in report.attention if a.kind == "site")
    # 80 of 160 sessions failed at Bad Yard; at Good Yard 8 of 160 (n % 20 == 0)
    assert site.text == (
        "site Bad Yard: 80 of 160 sessions empty or micro (50%); rest of the network 5%"
    )
    assert report.sites[0].name == "Bad Yard"  # worst first


def test_a_station_is_tested_against_the_rest_of_its_own_site():
    first = date(2026, 6, 1)
    rows = []
    for s in range(6):  # site A: most stations fail a third of the time; A-9 every time
        rows += days_of("Site A", LA, first, 10, 2, fail_every=3, station=f"A-{s}")
    rows += days_of("Site A", LA, first, 10, 2, fail_from=0, station="A-9")
    for s in range(6):  # site B: healthy, but B-9 fails a third of the time
        rows += days_of("Site B", LA, first, 10, 2, fail_every=50, station=f"B-{s}")
    rows += days_of("Site B", LA, first, 10, 2, fail_every=3, station="B-9")
    report = build_report(network(rows), custom(first, date(2026, 6, 10)), Options(), NOW)
    suspects = {(s.site, s.station_id) for s in report.stations if s.suspect}
    # B-9 (34%) stands out at its healthy site; A-0..A-5 (34%) do not stand out at theirs
    assert ("Site B", "B-9") in suspects and ("Site A", "A-9") in suspects
    assert not any(site == "Site A" and sid != "A-9" for site, sid in suspects)
    b9 = next(s for s in report.stations if s.station_id == "B-9")
    rest = [r for r in rows if r[1] == "Site B" and r[7] != "B-9"]
    share = 100 * sum(r[6] < 1 for r in rest) / len(rest)  # the first session of each station
    assert b9.suspect.endswith(f"rest of the site {share:.0f}%") and len(rest) == 120


def test_equal_station_ids_at_two_sites_stay_two_stations():
    first = date(2026, 6, 1)
    rows = days_of("North", LA, first, 3, 2, station="CP-1") + days_of(
        "South", LA, first, 3, 4, station="CP-1"
    )
    report = build_report(network(rows), custom(first, date(2026, 6, 3)), Options(), NOW)
    assert sorted((s.site, s.sessions) for s in report.stations) == [("North", 6), ("South", 12)]


# --- since when, and did the repair hold -------------------------------------------------------


def test_since_when_is_the_first_day_of_the_failures():
    first = date(2026, 6, 1)
    rows = []
    for s in range(6):
        rows += days_of("Yard", LA, first, 14, 2, fail_every=20, station=f"Y-{s}")
    rows += days_of("Yard", LA, first, 14, 3, fail_from=9, fail_every=20, station="Y-9")
    report = build_report(network(rows), custom(first, date(2026, 6, 14)), Options(), NOW)
    item = next(a for a in report.attention if a.subject == "Y-9")
    assert item.since is not None and item.since.day == date(2026, 6, 10)  # day 9 from the 1st
    assert item.since.share_pct == 100.0  # 15 of 15 from the 10th on
    before = [r for r in rows if r[7] == "Y-9" and r[4] < datetime(2026, 6, 10, 7, tzinfo=UTC)]
    failed = sum(r[6] < 1 for r in before)
    assert item.since.before_pct == pytest.approx(100 * failed / len(before))
    assert "failing since 2026-06-10: 100% of sessions empty or micro" in text_of(report)


def test_a_problem_of_the_whole_window_says_so():
    first = date(2026, 6, 1)
    rows = []
    for s in range(6):
        rows += days_of("Yard", LA, first, 7, 2, fail_every=20, station=f"Y-{s}")
    rows += days_of("Yard", LA, first, 7, 3, fail_from=0, station="Y-9")
    report = build_report(network(rows), custom(first, date(2026, 6, 7)), Options(), NOW)
    item = next(a for a in report.attention if a.subject == "Y-9")
    assert item.since is not None and item.since.day is None and item.since.share_pct == 100.0
    assert "failing throughout the window (100% empty or micro)" in text_of(report)


def test_a_repair_that_held_is_recovered_and_check_tells_new_continuing_recovered():
    first = date(2026, 6, 1)  # two windows of 10 days: June 1-10 and 11-20
    rows = []
    for s in range(6):
        rows += days_of("Yard", LA, first, 20, 2, fail_every=25, station=f"Y-{s}")
    rows += days_of("Yard", LA, first, 20, 3, fail_from=0, station="Y-7")  # dead throughout
    fixed = days_of("Yard", LA, first, 20, 3, fail_from=99, station="Y-8")
    rows += [
        r if r[4] >= datetime(2026, 6, 11, 7, tzinfo=UTC) else (*r[:6], 0.0, r[7]) for r in fixed
    ]
    rows += days_of("Yard", LA, first, 20, 3, fail_from=10, station="Y-9")  # fails from the 11th
    report = build_report(
        network(rows), custom(date(2026, 6, 11), date(2026, 6, 20)), Options(), NOW
    )
    states = {a.subject: a.state for a in report.attention if a.kind == "station"}
    assert states == {"Y-7": "continuing", "Y-9": "new"}
    (back,) = report.network.recovered
    assert (back.subject, back.share_pct, back.before_pct, back.sessions) == ("Y-8", 0, 100, 30)
    buffer = io.StringIO()
    check.render(report, Console(file=buffer, width=200, color_system=None))
    lines = buffer.getvalue().splitlines()
    assert any(line.startswith("BREACH [continuing] Y-7") for line in lines)
    assert any(line.startswith("BREACH [new] Y-9") for line in lines)
    assert (
        "OK     [recovered] station Y-8 recovered: 0% of 30 sessions empty or micro, 100% "
        "in the previous window" in lines
    )
    doc = jsonout.to_dict(report)
    assert doc["recovered"] == [
        {
            "kind": "station",
            "subject": "Y-8",
            "site": None,
            "share_pct": 0.0,
            "before_pct": 100.0,
            "sessions": 30,
        }
    ]


# --- zones, one site, renamed sites ------------------------------------------------------------


def test_each_site_counts_its_days_in_its_own_zone():
    # 23:30 local on June 1 at both: June 2 in UTC for Los Angeles, June 1 for London
    la = datetime(2026, 6, 1, 23, 30, tzinfo=ZoneInfo(LA)).astimezone(UTC)
    uk = datetime(2026, 6, 1, 23, 30, tzinfo=ZoneInfo(LONDON)).astimezone(UTC)
    rows = [
        ("a", "West", LA, "u@x.com", la, 0.25, 5.0, "W-1"),
        ("b", "East", LONDON, "u@x.com", uk, 0.25, 5.0, "E-1"),
    ]
    data = network(rows)
    report = build_report(data, None, Options(), NOW)
    by = {s.name: s for s in report.sites}
    assert by["West"].window.timezone == LA and by["East"].window.timezone == LONDON
    # each session on its site's day and hour: both on June 1 at 23:00
    assert [(d.day, d.counts.sessions) for d in report.daily] == [(date(2026, 6, 1), 2)]
    assert report.hourly[23].sessions == 2
    sites = sites_of(data, report.window)
    days = site_days(data.store, sites, Options(), ["West", "East"])
    assert {k: [d.day for d in v] for k, v in days.items()} == {
        "West": [date(2026, 6, 1)],
        "East": [date(2026, 6, 1)],
    }
    assert "(each site in its own time zone)" in text_of(report)


def test_a_custom_range_is_each_sites_own_days():
    # June 2 local: 07:00 UTC on June 2 for Los Angeles, 23:00 UTC on June 1 for London
    la = datetime(2026, 6, 2, 0, 30, tzinfo=ZoneInfo(LA)).astimezone(UTC)
    uk = datetime(2026, 6, 2, 0, 30, tzinfo=ZoneInfo(LONDON)).astimezone(UTC)
    rows = [
        ("a", "West", LA, "u@x.com", la, 0.25, 5.0, "W-1"),
        ("b", "East", LONDON, "u@x.com", uk, 0.25, 5.0, "E-1"),
        ("c", "East", LONDON, "u@x.com", uk - timedelta(hours=1), 0.25, 5.0, "E-1"),  # June 1
    ]
    june2 = custom(date(2026, 6, 2), date(2026, 6, 2))
    report = build_report(network(rows), june2, Options(), NOW)
    assert {s.name: s.totals.sessions for s in report.sites} == {"West": 1, "East": 1}


def test_one_site_of_a_network_by_name_and_an_unknown_one():
    first = date(2026, 6, 1)
    rows = days_of("North Car Park", LA, first, 2, 2) + days_of("South", LA, first, 2, 3)
    data = network(rows)
    one = build_report(data, None, Options(site="north CAR park"), NOW)
    assert one.site == "North Car Park" and one.sites[0].name == "North Car Park"
    assert one.totals.sessions == 4 and len(one.sites) == 1
    with pytest.raises(DataError) as err:
        build_report(data, None, Options(site="Nort"), NOW)
    assert str(err.value) == (
        "No site is named 'Nort' in this data. Its sites: North Car Park, South."
    )


def test_renamed_sites_are_noted_and_aliases_merge_them():
    first = date(2026, 6, 1)
    rows = (
        days_of("Canal Street Car Park", LONDON, first, 2, 2, station="C-1")
        + days_of(
            "Canal Street Car Park 3rd floor, Perth", LONDON, first, 2, 2, station="C-2", prefix="x"
        )
        + days_of("canal street  car park, Perth", LONDON, first, 2, 1, station="C-3")
        + days_of("Depot", LONDON, first, 2, 1, station="D-1")
        + days_of("Depot 2", LONDON, first, 2, 1, station="D-1", prefix="y")
        + days_of("Depot", LONDON, first, 2, 1, station="D-2", prefix="z")
        + days_of("Depot 2", LONDON, first, 2, 1, station="D-2", prefix="w")
    )
    data = network(rows, tz=LONDON)
    report = build_report(data, None, Options(), NOW)
    assert set(report.quality.renamed) == {
        (
            "Canal Street Car Park",
            "canal street  car park, Perth",
            "names that differ only in case, spacing or the town",
        ),
        ("Depot", "Depot 2", "the same stations"),
    }
    merged_report = build_report(
        data,
        None,
        Options(
            site_aliases=(
                ("canal street  car park, Perth", "Canal Street Car Park"),
                ("Depot 2", "Depot"),
            )
        ),
    )
    by = {s.name: s.totals.sessions for s in merged_report.sites}
    assert by == {
        "Canal Street Car Park": 6,
        "Canal Street Car Park 3rd floor, Perth": 4,
        "Depot": 8,
    }
    assert merged_report.quality.renamed == ()


# --- the network in the outputs ----------------------------------------------------------------


def test_attention_grouped_by_site_fits_a_few_lines_a_site():
    first = date(2026, 6, 1)
    rows = []
    for s in range(8):
        rows += days_of("Busy", LA, first, 10, 2, fail_every=40, station=f"B-{s}")
    for s in range(5):  # five dead stations at one site: three shown, "… and 2 more"
        rows += days_of("Busy", LA, first, 10, 2, fail_from=0, station=f"X-{s}")
    rows += days_of("Quiet", LA, first, 10, 2, fail_every=40, station="Q-1")
    report = build_report(network(rows), custom(first, date(2026, 6, 10)), Options(), NOW)
    text = text_of(report)
    assert "    📍 Busy: 6 items" in text  # the site itself and five stations
    assert "… and 3 more at this site (seshis --all --site Busy)" in text
    assert "🏢 SITES (2)" in text
    table = text.split("🏢 SITES (2)")[1].splitlines()
    assert table[1].split()[0] == "Sess" and table[1].split()[-1] == "Site"
    assert (table[2].split()[0], table[2].split()[-1]) == ("260", "Busy")
    assert (table[3].split()[0], table[3].split()[-1]) == ("20", "Quiet")


def test_the_demo_network_names_the_failing_site_since_when_and_the_repair():
    r = run_cli(
        "--all",
        "--json",
        "--demo-network",
        "--range",
        "week",
        "--no-input",
        now=datetime(2026, 12, 7, 19, 0, tzinfo=UTC),
    )
    doc = json.loads(r.out)
    assert {s["name"]: s["timezone"] for s in doc["sites"]} == {
        "Demo Site": LA,
        "Harbor Garage": LA,
        "Lakeside Depot": "America/Chicago",
        "Riverside Park": LONDON,
    }
    site = next(a for a in doc["attention"] if a["kind"] == "site")
    assert site["subject"] == "Lakeside Depot" and site["state"] == "new"
    assert site["since"]["date"] == "2026-12-03"  # the last five local days fail
    demo17 = next(a for a in doc["attention"] if a["subject"] == "DEMO-17")
    assert demo17["site"] == "Demo Site" and demo17["state"] == "continuing"
    assert [(x["subject"], x["site"]) for x in doc["recovered"]] == [("HG-05", "Harbor Garage")]
