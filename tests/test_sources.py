"""The sources layer as a library (no CLI): files and the demo fill a store and describe their
site; the ACN-Data site names; the API clients' reading of one page document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import DATA

from seshis.analysis import build_report
from seshis.errors import ApiError
from seshis.sources import acndata, load_demo, load_files
from seshis.sources.acndata import AcnDataApi
from seshis.sources.powerflex import PowerFlexApi

SECOND = timedelta(seconds=1)


def utc(day: int, hour: int) -> datetime:
    return datetime(2025, 9, day, hour, tzinfo=UTC)


# --- files ---------------------------------------------------------------------------------


def test_an_acn_download_names_its_site_zone_and_span():
    """siteID 0002 is Caltech in Pasadena; the zone comes from the rows; the span runs from the
    first connectionTime (Sun 07 Sep 15:00 GMT) to just past the last (Tue 09 Sep 16:00 GMT)."""
    path = DATA / "acn_download.json"
    data = load_files([path])
    assert (data.site, data.location) == ("Caltech", "Pasadena, CA")
    assert data.timezone == "America/Los_Angeles"
    assert data.span == (utc(7, 15), utc(9, 16) + SECOND)
    assert data.details == (f"file {path}: JSON, ACN-Data fields, 7 rows",)
    assert data.store.count("sessions") == 7 and data.store.duplicates == 0
    assert data.sync is None


def test_a_powerflex_csv_keeps_its_site_and_takes_the_zone_given():
    """PowerFlex rows name their site and no zone; 9 rows, two of them invalid, all counted."""
    path = DATA / "powerflex.csv"
    data = load_files([str(path)], timezone="America/Chicago")
    assert (data.site, data.location, data.timezone) == ("Test Garage", None, "America/Chicago")
    assert data.details == (f"file {path}: CSV, PowerFlex fields, 9 rows",)
    assert data.span is not None and data.span[0] == utc(7, 15)
    assert data.store.count("sessions WHERE problem IS NOT NULL") == 2


def test_without_a_zone_in_the_data_the_machine_zone_is_used(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert load_files([DATA / "powerflex_list.json"]).timezone == "Asia/Tokyo"


def test_the_span_of_a_file_ends_at_its_last_valid_session():
    """The last valid start is pf-7 at 16:00Z; pf-8 (18:00Z, kWh "abc") and the row without
    an id (20:00Z) are invalid."""
    data = load_files([DATA / "powerflex_list.json"], timezone="UTC")
    assert data.span == (utc(7, 15), utc(9, 16) + SECOND)


def test_merged_files_describe_each_file_and_the_first_file_wins():
    """The same seven sessions in two files: the earliest file's rows are kept, so the site
    follows it; the later file only adds duplicates."""
    pf, acn = DATA / "powerflex_list.json", DATA / "acn_download.json"
    first_pf = load_files([pf, acn], timezone="UTC")
    assert first_pf.details == (
        f"file {pf}: JSON, PowerFlex fields, 9 rows",
        f"file {acn}: JSON, ACN-Data fields, 7 rows",
    )
    assert first_pf.store.duplicates == 7
    assert first_pf.store.count("sessions") == 9  # 7 merged + pf-8 + the row without id
    assert first_pf.site == "Test Garage"
    first_acn = load_files([acn, pf])
    # 7 Caltech rows against pf-8 and the id-less row of Test Garage: two sites, a network
    assert (first_acn.site, first_acn.timezone) == ("Network", "America/Los_Angeles")
    assert first_acn.store.duplicates == 7


# --- the demo --------------------------------------------------------------------------------

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)


def fingerprint(data) -> tuple:
    return data.store.row(
        "SELECT count(*), count(*) FILTER (kwh = 0), count(*) FILTER (user_id IS NULL), "
        "round(sum(kwh), 3), md5(string_agg(session_id, ',' ORDER BY session_id)) FROM sessions"
    )


def test_the_demo_is_the_same_for_the_same_now():
    one, two = load_demo(NOW), load_demo(NOW)
    assert fingerprint(one) == fingerprint(two)
    assert fingerprint(one)[0] > 1000  # 90 days of 40 stations
    assert fingerprint(load_demo(NOW + timedelta(days=1))) != fingerprint(one)


def test_every_demo_session_has_ended_by_now_and_today_has_some():
    data = load_demo(NOW)
    assert (data.site, data.location, data.timezone) == (
        "Demo Site",
        "Pasadena, CA",
        "America/Los_Angeles",
    )
    assert data.details == ("demo site",)
    last_end, invalid = data.store.row(
        'SELECT max("end"), count(*) FILTER (problem IS NOT NULL) FROM sessions'
    )
    assert last_end <= NOW and invalid == 0
    assert data.span is not None and data.span[1] <= NOW + SECOND
    midnight = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # 00:00 in Los Angeles (PST)
    assert data.store.count(f"sessions WHERE start >= '{midnight.isoformat()}'") > 0
    assert data.span[0] >= NOW - timedelta(days=91)


def test_the_demo_takes_another_zone():
    assert load_demo(NOW, timezone="Europe/Berlin").timezone == "Europe/Berlin"


# --- ACN-Data site names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site", "name"),
    [
        ("0001", ("JPL", "Pasadena, CA")),
        ("0002", ("Caltech", "Pasadena, CA")),
        ("0019", ("Office001", None)),
        ("Test Garage", ("Test Garage", None)),
        (None, (None, None)),
    ],
)
def test_site_name(site, name):
    assert acndata.site_name(site) == name


# --- reading one API page ----------------------------------------------------------------------

LO, HI = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC)
PF = PowerFlexApi("https://pf.example/", "0021", "16")


def query(url: str | None) -> dict[str, list[str]]:
    assert url is not None
    return parse_qs(urlsplit(url).query)


def test_powerflex_pages_are_asked_oldest_first_over_a_half_open_window():
    url = PF.page_url(LO, HI, 3, 2)
    assert url.startswith("https://pf.example/v1/public/sessions/acn/0021?")
    q = query(url)
    assert q["page"] == ["2"] and q["limit"] == ["3"] and q["acc"] == ["16"]
    assert q["sortBy"] == ["session_start_time"] and q["sortOrder"] == ["ASC"]
    # 2026-11-01T00:00Z is 1,793,491,200 s after the epoch; a week is 604,800 s, and the
    # window's end is excluded (one millisecond before it is the last one asked)
    assert q["date"] == ["gte:1793491200000", "lte:1794095999999"]


@pytest.mark.parametrize(
    ("doc", "count", "path", "total"),
    [
        ({"rows": [{}], "total_count": 7}, 1, "$.rows[*]", 7),
        ({"rows": [{}]}, 1, "$.rows[*]", None),
        ({"rows": []}, 0, "$.rows[*]", None),  # nothing at all
        ([{}, {}], 2, "$[*]", None),  # a bare list
        ({"rows": [{}], "total_count": "12"}, 1, "$.rows[*]", 12),
        ({"rows": [{}], "total_count": "many"}, 1, "$.rows[*]", None),
    ],
)
def test_powerflex_pages(doc, count, path, total):
    page = PF.parse(doc, "u")
    assert (page.count, page.path, page.total, page.next_url) == (count, path, total, None)


@pytest.mark.parametrize("doc", [{"data": []}, {"rows": "none"}, "rows", 3])
def test_powerflex_page_without_rows_is_an_api_error(doc):
    with pytest.raises(ApiError) as err:
        PF.parse(doc, "https://pf.example/x")
    assert str(err.value).startswith("https://pf.example/x answered with JSON that holds no")


ACN = AcnDataApi("https://acn.example", "caltech")


def test_acndata_page_with_a_next_link_and_a_total():
    doc = {
        "_items": [{}, {}],
        "_meta": {"page": 1, "max_results": 2, "total": 5},
        "_links": {"next": {"href": "sessions/caltech?page=2"}},
    }
    page = ACN.parse(doc, "u")
    assert (page.count, page.path, page.total) == (2, "$._items[*]", 5)
    assert page.next_url == "https://acn.example/api/v1/sessions/caltech?page=2"


@pytest.mark.parametrize(
    ("doc", "count", "total"),
    [
        ({"_items": [{}], "_meta": {"total": 5}, "_links": {}}, 1, 5),  # the last, short page
        ({"_items": [], "_meta": {"total": 0}}, 0, 0),
        ({"_items": [{}], "_meta": {"total": "5"}}, 1, None),  # a total that is not a number
        ({"_items": [{}], "_meta": None, "_links": {"next": None}}, 1, None),
    ],
)
def test_acndata_pages_without_a_next_link(doc, count, total):
    page = ACN.parse(doc, "u")
    assert (page.count, page.total, page.next_url) == (count, total, None)


@pytest.mark.parametrize("doc", [{"items": []}, [{}], {"_items": {"a": 1}}])
def test_acndata_page_without_items_is_an_api_error(doc):
    with pytest.raises(ApiError) as err:
        ACN.parse(doc, "https://acn.example/y")
    assert str(err.value) == (
        'https://acn.example/y answered with JSON that holds no sessions (no "_items" list).'
    )


def test_the_demo_arrivals_spread_over_the_day_as_a_real_sites():
    """Every local hour from 05:00 to 21:00 has arrivals in a month, none before 05:00 (the
    last arrival of a day may stay overnight, but nobody arrives in the small hours)."""
    data = load_demo(NOW)
    month = build_report(data, data.window("month", NOW), now=NOW)
    hours = [h.sessions for h in month.hourly]
    assert all(hours[h] > 0 for h in range(5, 22)), hours
    assert sum(hours[:5]) == 0 and sum(hours) == month.totals.sessions
