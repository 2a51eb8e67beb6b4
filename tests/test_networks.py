"""Other networks' exports (issue 10): the real samples of ../shared/data/networks, fixtures
written from each format's documented headers, OCPI files, and user mapping profiles.

Every expected figure is worked out here with the standard library (csv, json, datetime,
zoneinfo, decimal) from the files themselves and the formats' documented facts (README of
../shared/data/networks and issue 10), never taken from seshis's own output.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from conftest import DATA, ROOT, run_cli, shared_file
from fakeapi import ocpi_objects, powerflex_rows

from seshis.sources import load_files

NETWORKS = DATA / "networks"
BUILTIN_PROFILES = ROOT / "src" / "seshis" / "sources" / "profiles"
PERTH = "networks/chargeplace-scotland-perth-2017-sample.csv"
DUNDEE = "networks/chargeplace-scotland-dundee-2018-sample.csv"
BOULDER = "networks/chargepoint-boulder-sample.csv"

UK = ZoneInfo("Europe/London")
OSLO = ZoneInfo("Europe/Oslo")
CHICAGO = ZoneInfo("America/Chicago")
THRESHOLD = Decimal("1.0")  # kWh: micro below, normal at or above
MAX_KWH = Decimal(1000)
LONG = timedelta(days=7)
# ChargePoint's zone labels are fixed offsets from UTC (US standard and daylight time).
LABELS = {"PST": -8, "PDT": -7, "MST": -7, "MDT": -6, "CST": -6, "CDT": -5, "EST": -5, "EDT": -4}
# Half a unit of the last decimal the JSON keeps for kWh.
KWH_ROUNDING = 0.0005 + 1e-9


# --- the independent model -------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of an export as the documentation reads it; the texts tell a missing value
    from one that does not parse."""

    key: object  # the session id, or the row's content when the export has none
    start_text: str
    end_text: str
    kwh_text: str
    start: datetime | None  # aware, in UTC
    end: datetime | None
    kwh: Decimal | None
    user: str | None = None  # None: unclaimed
    status: str | None = None  # OCPI Sessions

    @property
    def problem(self) -> str | None:
        """Why the row is invalid, in the order and words of the documented definitions."""
        if self.status is not None and self.status != "COMPLETED":
            return "session not completed"
        times = (("start", self.start_text, self.start), ("end", self.end_text, self.end))
        for what, text, value in times:
            if not text.strip():
                return f"missing {what} time"
            if value is None:
                return f"unparseable {what} time"
        if not self.kwh_text.strip():
            return "missing kWh"
        if self.kwh is None:
            return "non-numeric kWh"
        if self.kwh < 0:
            return "negative kWh"
        if self.kwh > MAX_KWH:
            return "implausible kWh (over 1000)"
        assert self.start is not None and self.end is not None
        if self.end < self.start:
            return "end before start"
        if self.end == self.start and self.kwh > 0:
            return "energy delivered in zero time"
        return None

    @property
    def category(self) -> str:
        assert self.kwh is not None
        if self.kwh == 0:
            return "empty"
        return "micro" if self.kwh < THRESHOLD else "normal"


def merged(rows: Iterable[Row]) -> tuple[list[Row], int]:
    """One row per key (a valid one when there is one, else the first), and the rows merged."""
    kept: dict[object, Row] = {}
    n = 0
    for row in rows:
        n += 1
        first = kept.get(row.key)
        if first is None or (first.problem and not row.problem):
            kept[row.key] = row
    return list(kept.values()), n - len(kept)


def expected(rows: Iterable[Row], drivers: bool = True) -> dict:
    """The JSON's totals and data_quality for these rows."""
    kept, duplicates = merged(rows)
    valid = [r for r in kept if r.problem is None]
    problems = Counter(r.problem for r in kept if r.problem)
    classes = Counter(r.category for r in valid)
    users = {r.user for r in valid if r.user is not None}
    return {
        "totals": {
            "sessions": len(valid),
            "empty": classes["empty"],
            "micro": classes["micro"],
            "normal": classes["normal"],
            "unclaimed": sum(r.user is None for r in valid) if drivers else None,
            "users": len(users) if drivers else None,
            "invalid": sum(problems.values()),
            "kwh": sum((r.kwh for r in valid if r.kwh is not None), Decimal(0)),
        },
        "data_quality": {
            "invalid": sum(problems.values()),
            "duplicates": duplicates,
            "problems": dict(problems),
            "long_sessions": sum(r.end - r.start > LONG for r in valid if r.end and r.start),
        },
    }


def assert_figures(doc: dict, want: dict) -> None:
    totals = dict(want["totals"])
    kwh = totals.pop("kwh")
    got = {k: doc["totals"][k] for k in totals}
    assert got == totals
    assert doc["totals"]["kwh"] == pytest.approx(float(kwh), abs=KWH_ROUNDING)
    quality = doc["data_quality"]
    assert {k: quality[k] for k in want["data_quality"]} == want["data_quality"]
    unclaimed = next(h for h in doc["health"] if h["metric"] == "unclaimed")
    if totals["unclaimed"] is None:
        assert (unclaimed["value_pct"], unclaimed["ok"]) == (None, None)
    elif totals["sessions"]:
        pct = 100 * totals["unclaimed"] / totals["sessions"]
        assert unclaimed["value_pct"] == pytest.approx(pct, abs=0.005)


def decimal_or_none(text: str, comma: bool = False) -> Decimal | None:
    text = text.strip()
    if comma:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def user_of(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None


def local(naive: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A local time as UTC (aware times of one zone compare and subtract on the wall clock in
    Python, so every time of the model is UTC)."""
    return naive.replace(tzinfo=zone).astimezone(UTC) if naive else None


def strptime_or_none(text: str, *patterns: str) -> datetime | None:
    for pattern in patterns:
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    return None


def read_csv(path: Path, delimiter: str = ",", encoding: str = "utf-8-sig") -> list[dict]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def write_csv(path: Path, header: Sequence[str], rows: Iterable[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- running the tool ------------------------------------------------------------------------


@dataclass
class Run:
    doc: dict
    err: str


def report(*paths: Path, more: Sequence[str] = ()) -> Run:
    """The JSON report of these files, with --debug's account of what each file was read as."""
    args = ("--source", *map(str, paths), "--all", "--json", "--no-input", "--debug", *more)
    result = run_cli(*args)
    assert result.code == 0, result.err[-2000:]
    return Run(result.json(), result.err)


def read_as(run: Run, path: Path) -> str:
    """The format --debug says the file was read as."""
    line = next(x for x in run.err.splitlines() if f"file {path}:" in x)
    return line.split(": ", 1)[1]


def builtin_name(stem: str) -> str:
    """A built-in profile's name, read from its TOML file."""
    return tomllib.loads((BUILTIN_PROFILES / f"{stem}.toml").read_text("utf-8"))["profile"]["name"]


def sessions_table(paths: Sequence[Path], profile: Path | None = None) -> list[tuple]:
    """(session_id, start, end, done_charging, problem) of every row, via the library."""
    data = load_files(paths, "UTC", profile)
    try:
        return data.store.rows(
            'SELECT session_id, start, "end", done_charging, problem FROM sessions '
            "ORDER BY session_id"
        )
    finally:
        data.store.close()


# --- the real samples ------------------------------------------------------------------------


def scotland_time(day: str, clock: str) -> datetime | None:
    """ChargePlace Scotland: the date part of `2017-08-31T00:00:00` or `06/09/2018`, plus
    `HH:MM`, in UK local time."""
    day, clock = day.strip(), clock.strip()
    try:
        d = (
            datetime.strptime(day, "%d/%m/%Y").date()
            if "/" in day
            else date.fromisoformat(day[:10])
        )
        t = time.fromisoformat(clock)
    except ValueError:
        return None
    return local(datetime.combine(d, t), UK)


def content(r: dict, row_number: str | None = None) -> tuple:
    """What tells a session of an export without ids (issue 18): every field of the row but
    its row number (Perth's `_id`, Boulder's `ObjectId`)."""
    return tuple((k, v) for k, v in r.items() if k != row_number)


def scotland_row(r: dict, with_ids: bool) -> Row:
    start_text = f"{r['Start Date']} {r['Start Time']}".strip()
    end_text = f"{r['End Date']} {r['End Time']}".strip()
    return Row(
        key=r["Charging event"] if with_ids else content(r, "_id"),
        start_text=start_text,
        end_text=end_text,
        kwh_text=r["Total kWh"],
        start=scotland_time(r["Start Date"], r["Start Time"]),
        end=scotland_time(r["End Date"], r["End Time"]),
        kwh=decimal_or_none(r["Total kWh"]),
        user=user_of(r["User ID"]) if with_ids else None,
    )


def boulder_time(text: str) -> datetime | None:
    """`2018/01/12 15:54:00+00`: UTC."""
    text = text.strip()
    if not text.endswith("+00"):
        return None
    naive = strptime_or_none(text[:-3], "%Y/%m/%d %H:%M:%S")
    return naive.replace(tzinfo=UTC) if naive else None


def boulder_row(r: dict) -> Row:
    return Row(
        key=content(r, "ObjectId"),
        start_text=r["Start_Date___Time"],
        end_text=r["End_Date___Time"],
        kwh_text=r["Energy__kWh_"],
        start=boulder_time(r["Start_Date___Time"]),
        end=boulder_time(r["End_Date___Time"]),
        kwh=decimal_or_none(r["Energy__kWh_"]),
    )


SAMPLES: dict[str, tuple[Callable[[dict], Row], bool, str]] = {
    PERTH: (lambda r: scotland_row(r, False), False, "chargeplace-scotland-anonymous"),
    DUNDEE: (lambda r: scotland_row(r, True), True, "chargeplace-scotland"),
    BOULDER: (boulder_row, False, "chargepoint-opendata"),
}


def sample_rows(name: str) -> list[Row]:
    parse, _drivers, _profile = SAMPLES[name]
    return [parse(r) for r in read_csv(shared_file(name))]


@pytest.mark.parametrize("name", list(SAMPLES))
def test_a_real_sample_gives_the_figures_counted_from_its_rows(name: str) -> None:
    _parse, drivers, profile = SAMPLES[name]
    rows = sample_rows(name)
    path = shared_file(name)
    run = report(path)
    assert read_as(run, path).startswith(f"CSV, {builtin_name(profile)} fields")
    assert_figures(run.doc, expected(rows, drivers))


def test_the_independent_reading_of_the_samples_is_sane() -> None:
    # every row of the samples reads as a time and an energy; the documented facts hold
    for name in SAMPLES:
        rows = sample_rows(name)
        assert rows
        assert all(r.start and r.end and r.kwh is not None for r in rows), name
    dundee = sample_rows(DUNDEE)
    assert len({r.key for r in dundee}) == len(dundee)  # `Charging event` is an id
    assert any(r.user and not r.user.isdigit() for r in dundee)  # ids like 603522H
    perth = read_csv(shared_file(PERTH))
    assert [r["_id"] for r in perth[:3]] == ["1", "2", "3"]  # a row number


def test_the_uk_times_are_local_and_the_boulder_times_utc() -> None:
    # Dundee's first row: 6 Sep 2018 23:55 in UK summer time is 22:55 UTC
    table = {r[0]: r for r in sessions_table([shared_file(DUNDEE)])}
    dundee = read_csv(shared_file(DUNDEE))
    first = dundee[0]
    start = scotland_time(first["Start Date"], first["Start Time"])
    assert start == datetime(2018, 9, 6, 22, 55, tzinfo=UTC)
    assert table[first["Charging event"]][1] == start
    assert table[first["Charging event"]][2] == scotland_time(first["End Date"], first["End Time"])
    boulder = read_csv(shared_file(BOULDER))
    got = sorted((r[1], r[2]) for r in sessions_table([shared_file(BOULDER)]))
    want = sorted(
        (boulder_time(r["Start_Date___Time"]), boulder_time(r["End_Date___Time"])) for r in boulder
    )
    assert got == want


def test_boulder_done_charging_is_start_plus_charging_time() -> None:
    rows = read_csv(shared_file(BOULDER))

    def hms(text: str) -> timedelta:
        h, m, s = (int(x) for x in text.split(":"))
        return timedelta(hours=h, minutes=m, seconds=s)

    want = []
    for r in rows:
        start, end = boulder_time(r["Start_Date___Time"]), boulder_time(r["End_Date___Time"])
        assert start is not None
        want.append((start, end, start + hms(r["Charging_Time__hh_mm_ss_"])))
    want.sort()
    got = sorted((r[1], r[2], r[3]) for r in sessions_table([shared_file(BOULDER)]))
    assert got == want


def perth_quirks(rows: list[dict]) -> None:
    """What whole council files hold (README of the samples): a session still running (no
    end, no energy), a day/month swap of a spreadsheet round trip on a start (it then ends
    before it starts) and on an end (it then ends a month later), negative energy."""
    rows[0].update({"End Date": "", "End Time": "", "Total kWh": ""})
    rows[1].update({"Start Date": "2017-11-08T00:00:00", "End Date": "2017-08-11T00:00:00"})
    rows[2].update({"Start Date": "2017-08-09T00:00:00", "End Date": "2017-09-08T00:00:00"})
    rows[3]["Total kWh"] = "-0.4"


def dundee_quirks(rows: list[dict]) -> None:
    """The same in Dundee's day-first dates, and a session nobody claimed."""
    rows[0].update({"End Date": "", "End Time": "", "Total kWh": ""})
    rows[1]["End Date"] = "09/06/2018"  # 9 June: before its start on 6 September
    rows[2].update({"Start Date": "09/06/2018", "End Date": "09/07/2018"})  # a month
    rows[3]["Total kWh"] = "-0.4"
    rows[4]["User ID"] = ""


@pytest.mark.parametrize(("name", "spoil"), [(PERTH, perth_quirks), (DUNDEE, dundee_quirks)])
def test_the_quirks_of_whole_council_files_are_reported(
    tmp_path: Path, name: str, spoil: Callable[[list[dict]], None]
) -> None:
    with shared_file(name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or ()), list(reader)[:20]
    spoil(rows)
    path = write_csv(tmp_path / "council.csv", header, rows)
    parse, drivers, _profile = SAMPLES[name]
    want = expected([parse(r) for r in read_csv(path)], drivers)
    assert want["data_quality"]["problems"] == {
        "missing end time": 1,
        "end before start": 1,
        "negative kWh": 1,
    }
    assert want["data_quality"]["long_sessions"] == 1
    assert_figures(report(path).doc, want)


def renumbered(rows: Sequence[dict]) -> list[dict]:
    """Rows as the council writes a file of them: `_id` numbers the rows from 1."""
    return [{**r, "_id": str(i)} for i, r in enumerate(rows, 1)]


def test_perth_files_whose_row_numbers_restart_never_merge(tmp_path: Path) -> None:
    path = shared_file(PERTH)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or ()), list(reader)
    spans = {"first": (0, 100), "next": (100, 200), "overlap": (50, 150)}
    files = {
        name: write_csv(tmp_path / f"perth-{name}.csv", header, renumbered(rows[lo:hi]))
        for name, (lo, hi) in spans.items()
    }
    # the _id values of the files repeat, the rows do not
    ids = [{r["_id"] for r in read_csv(f)} for f in files.values()]
    assert ids[0] == ids[1] == ids[2]
    parse = SAMPLES[PERTH][0]
    two = [parse(r) for r in rows[:200]]
    want = expected(two, drivers=False)
    assert want["totals"]["sessions"] + want["totals"]["invalid"] == 200  # all distinct
    run = report(files["first"], files["next"])
    assert_figures(run.doc, want)
    assert run.doc["totals"]["sessions"] + run.doc["totals"]["invalid"] == 200
    # an export that overlaps both, numbered its own way: its sessions are the same ones
    three = [parse(r) for r in rows[:200] + rows[50:150]]
    want = expected(three, drivers=False)
    assert want["data_quality"]["duplicates"] == 100
    assert_figures(report(*files.values()).doc, want)


def test_the_same_perth_file_given_twice_counts_once(tmp_path: Path) -> None:
    path = shared_file(PERTH)
    rows = sample_rows(PERTH)
    want = expected(rows + rows, drivers=False)
    assert want["data_quality"]["duplicates"] == len(rows)
    assert_figures(report(path, path).doc, want)
    # a copy under another name is the same sessions too
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes())
    assert_figures(report(path, copy).doc, want)


def seconds_later(hms: str) -> str:
    """`0:02:00` one second later: `0:02:01`."""
    h, m, sec = (int(x) for x in hms.split(":"))
    total = h * 3600 + m * 60 + sec + 1
    return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"


def test_boulder_rows_alike_but_for_their_duration_are_two_sessions(tmp_path: Path) -> None:
    """Issue 18: a full Boulder export holds pairs of rows with the same station, start, end
    and energy but a total duration one second apart, on consecutive ObjectIds: two records,
    never one session and a duplicate. Two downloads that overlap (each numbering its rows
    from 1) still merge every row they share, the pairs included."""
    path = shared_file(BOULDER)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or ()), list(reader)
    duration = "Total_Duration__hh_mm_ss_"
    export = []
    for i, r in enumerate(rows):
        export.append(r)
        if i % 10 == 0:  # 10 pairs
            export.append({**r, duration: seconds_later(r[duration])})
    numbered = [{**r, "ObjectId": str(i)} for i, r in enumerate(export, 1)]
    whole = write_csv(tmp_path / "boulder.csv", header, numbered)
    want = expected([boulder_row(r) for r in read_csv(whole)], drivers=False)
    assert want["data_quality"]["duplicates"] == 0
    assert want["totals"]["sessions"] + want["totals"]["invalid"] == len(rows) + 10 == 110
    assert_figures(report(whole).doc, want)
    # two downloads of that export: rows 1-70 and 41-110, each numbered from 1
    first = write_csv(tmp_path / "first.csv", header, renumber(export[:70], "ObjectId"))
    second = write_csv(tmp_path / "second.csv", header, renumber(export[40:], "ObjectId"))
    both = [boulder_row(r) for r in read_csv(first) + read_csv(second)]
    want = expected(both, drivers=False)
    assert want["data_quality"]["duplicates"] == 30  # rows 41-70
    assert want["totals"]["sessions"] + want["totals"]["invalid"] == 110
    assert_figures(report(first, second).doc, want)


def renumber(rows: Sequence[dict], column: str) -> list[dict]:
    return [{**r, column: str(i)} for i, r in enumerate(rows, 1)]


# --- spec-derived fixtures of the formats without a sample -----------------------------------


def chargepoint_time(text: str, label: str) -> datetime | None:
    """`1/31/2020 17:09`, local time of the station, offset by its zone label."""
    naive = strptime_or_none(text, "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")
    if naive is None or label.strip() not in LABELS:
        return None
    offset = timezone(timedelta(hours=LABELS[label.strip()]))
    return naive.replace(tzinfo=offset).astimezone(UTC)


def chargepoint_rows(path: Path) -> list[Row]:
    return [
        Row(
            key=r["Plug In Event Id"],
            start_text=r["Start Date"],
            end_text=r["End Date"],
            kwh_text=r["Energy (kWh)"],
            start=chargepoint_time(r["Start Date"], r["Start Time Zone"]),
            end=chargepoint_time(r["End Date"], r["End Time Zone"]),
            kwh=decimal_or_none(r["Energy (kWh)"]),
            user=user_of(r["User ID"]),
        )
        for r in read_csv(path)
    ]


def steve_time(text: str) -> datetime | None:
    """SteVe's timestamps: UTC."""
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=UTC)
    except ValueError:
        return None


def steve_rows(path: Path) -> list[Row]:
    rows = []
    for r in read_csv(path):
        start, stop = decimal_or_none(r["start_value"]), decimal_or_none(r["stop_value"])
        blank = not r["start_value"].strip() or not r["stop_value"].strip()
        rows.append(
            Row(
                key=r["transaction_pk"],
                start_text=r["start_timestamp"],
                end_text=r["stop_timestamp"],
                kwh_text="" if blank else "meters",  # missing when a meter is
                start=steve_time(r["start_timestamp"]),
                end=steve_time(r["stop_timestamp"]),
                kwh=(stop - start) / 1000 if start is not None and stop is not None else None,
                user=user_of(r["id_tag"]),
            )
        )
    return rows


def emobility_time(day: str, clock: str, zone: str) -> datetime | None:
    """Open e-Mobility: `YYYY-MM-DD` and `HH:mm:ss` in the zone of the row."""
    try:
        naive = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
        return local(naive, ZoneInfo(zone))
    except (ValueError, ZoneInfoNotFoundError):
        return None


def emobility_rows(path: Path) -> list[Row]:
    return [
        Row(
            key=r["id"],
            start_text=f"{r['startDate']} {r['startTime']}".strip(),
            end_text=f"{r['endDate']} {r['endTime']}".strip(),
            kwh_text=r["totalConsumptionkWh"],
            start=emobility_time(r["startDate"], r["startTime"], r["timezone"]),
            end=emobility_time(r["endDate"], r["endTime"], r["timezone"]),
            kwh=decimal_or_none(r["totalConsumptionkWh"]),
            user=user_of(r["userID"]),
        )
        for r in read_csv(path)
    ]


def ocpp_core_rows(path: Path) -> list[Row]:
    """OCPP.Core: `;`, ISO-8859-1, times as it stores them (UTC), decimal commas."""
    return [
        Row(
            key=r["Transaction ID"],
            start_text=r["Start"],
            end_text=r["Stop"],
            kwh_text=r["Energy (kWh)"],
            start=steve_time(r["Start"]),
            end=steve_time(r["Stop"]),
            kwh=decimal_or_none(r["Energy (kWh)"], comma=True),
            user=user_of(r["Start-Tag ID"]),
        )
        for r in read_csv(path, ";", "iso-8859-1")
    ]


FIXTURES: dict[str, tuple[Callable[[Path], list[Row]], str]] = {
    "chargepoint-session-details.csv": (chargepoint_rows, "chargepoint"),
    "steve-transactions.csv": (steve_rows, "steve"),
    "exported-sessions.csv": (emobility_rows, "open-e-mobility"),
    "ocpp-core-transactions.csv": (ocpp_core_rows, "ocpp-core"),
}


@pytest.mark.parametrize("name", list(FIXTURES))
def test_a_network_export_is_recognised_and_counted(name: str) -> None:
    parse, profile = FIXTURES[name]
    path = NETWORKS / name
    rows = parse(path)
    assert 8 <= len(rows) <= 20
    run = report(path)
    assert read_as(run, path).startswith(f"CSV, {builtin_name(profile)} fields")
    assert_figures(run.doc, expected(rows))


@pytest.mark.parametrize("name", list(FIXTURES))
def test_each_fixture_has_the_cases_the_formats_meet(name: str) -> None:
    """The fixtures hold what they are for: an unclaimed session, an empty and a micro one, a
    session still running, and a row that cannot be right."""
    rows = FIXTURES[name][0](NETWORKS / name)
    valid = [r for r in rows if r.problem is None]
    assert any(r.user is None for r in valid)
    assert {"empty", "micro", "normal"} <= {r.category for r in valid}
    problems = {r.problem for r in rows}
    assert "missing end time" in problems
    assert problems & {"negative kWh", "end before start"}


def test_the_terminal_header_names_the_zone_of_the_data() -> None:
    # Open e-Mobility's rows name their zone; the report is in it.
    result = run_cli("--source", str(NETWORKS / "exported-sessions.csv"), "--all", "--no-input")
    assert result.code == 0, result.err
    assert "(Europe/Paris)" in result.out.splitlines()[1]


def test_without_a_driver_column_the_terminal_says_so() -> None:
    result = run_cli("--source", str(shared_file(BOULDER)), "--all", "--no-input")
    assert result.code == 0, result.err
    assert "no driver data" in result.out
    unclaimed = [x for x in result.out.splitlines() if "Unclaimed sessions" in x]
    assert unclaimed and "%" not in unclaimed[0]


def test_chargepoint_zone_labels_give_the_offset_of_each_time() -> None:
    path = NETWORKS / "chargepoint-session-details.csv"
    rows = {r.key: r for r in chargepoint_rows(path)}
    # across the switch to daylight saving time: 1:30 PST to 3:30 PDT is one hour
    assert rows["80005"].end - rows["80005"].start == timedelta(hours=1)  # type: ignore[operator]
    got = {r[0]: (r[1], r[2]) for r in sessions_table([path])}
    for key in ("80001", "80005", "80009", "80011", "80012"):
        assert got[key] == (rows[key].start, rows[key].end), key


def test_steve_energy_is_the_meter_difference_in_wh() -> None:
    path = NETWORKS / "steve-transactions.csv"
    rows = {r.key: r for r in steve_rows(path)}
    assert rows["1"].kwh == Decimal("12.345")
    assert rows["10"].category == "micro" and rows["11"].category == "normal"  # 999 / 1000 Wh
    assert rows["9"].problem is None and rows["9"].category == "empty"  # no time, no energy
    data = load_files([path], "UTC")
    try:
        kwh = dict(data.store.rows("SELECT session_id, kwh FROM sessions"))
    finally:
        data.store.close()
    for key, row in rows.items():
        if row.kwh is not None:
            assert kwh[key] == pytest.approx(float(row.kwh), abs=1e-9), key


def test_open_e_mobility_times_are_local_to_the_row_and_idle_time_ends_charging() -> None:
    path = NETWORKS / "exported-sessions.csv"
    source = {r["id"]: r for r in read_csv(path)}
    rows = {r.key: r for r in emobility_rows(path)}
    # 23:00 on 30 March to 04:00 on 31 March in Paris: four hours, over the clock change
    assert rows["1004"].end - rows["1004"].start == timedelta(hours=4)  # type: ignore[operator]
    for key, start, end, done, problem in sessions_table([path]):
        row = rows[key]
        if problem is None:
            assert (start, end) == (row.start, row.end), key
            idle = Decimal(source[key]["totalInactivityMins"])
            assert done == row.end - timedelta(minutes=float(idle)), key  # type: ignore[operator]


def test_open_e_mobility_rows_without_a_zone_are_utc(tmp_path: Path) -> None:
    """The exporter writes `N/A (UTC by default)` for a transaction without a zone, and its
    times in UTC then."""
    fixture = NETWORKS / "exported-sessions.csv"
    text = fixture.read_text(encoding="utf-8")
    extra = (
        "1011,SAP-Mougins-03,1,SAP Labs France,Mougins,Parking P3,5ce249a2372f0b1c8caf9298,"
        '"Roux, Paul",EBF8A1C8,V-1011,Badge Paul,N/A (UTC by default),2024-04-05,08:00:00,'
        "2024-04-05,10:00:00,9.5,120,0,2.38,EUR"
    )
    path = tmp_path / "exported-sessions.csv"
    path.write_text(text.rstrip("\r\n") + "\r\n" + extra, encoding="utf-8", newline="")
    rows = emobility_rows(fixture)
    utc = datetime(2024, 4, 5, 8, tzinfo=UTC)
    end = utc + timedelta(hours=2)
    paul = Row("1011", "x", "x", "9.5", utc, end, Decimal("9.5"), "5ce249a2372f0b1c8caf9298")
    result = run_cli("--source", str(path), "--all", "--json", "--no-input")
    assert result.code == 0, result.err
    assert_figures(result.json(), expected([*rows, paul]))


def test_ocpp_core_is_read_as_latin_1_with_its_names() -> None:
    path = NETWORKS / "ocpp-core-transactions.csv"
    raw = path.read_bytes()
    assert "Müller".encode("iso-8859-1") in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = ocpp_core_rows(path)
    assert any(r.kwh == Decimal("18.45") for r in rows)
    data = load_files([path], "UTC")
    try:
        got = dict(data.store.rows("SELECT session_id, kwh FROM sessions WHERE problem IS NULL"))
    finally:
        data.store.close()
    want = {r.key: float(r.kwh) for r in rows if r.problem is None and r.kwh is not None}
    assert got == pytest.approx(want, abs=1e-9)


# --- OCPI files --------------------------------------------------------------------------------

OCPI_N = 30
STAMP = "2026-11-26T12:00:00Z"


def ocpi_rows(objects: Sequence[dict], version: str) -> list[Row]:
    rows = []
    for o in objects:
        start_text = o.get("start_date_time") or o.get("start_datetime") or ""
        end_text = o.get("end_date_time") or o.get("stop_date_time") or o.get("end_datetime") or ""
        energy = o.get("total_energy", o.get("kwh"))
        if version == "2.2.1":
            token = o["cdr_token"]
            user = token.get("uid") or token.get("contract_id") or None
        else:
            user = o.get("auth_id") or None
        rows.append(
            Row(
                key=o["id"],
                start_text=start_text,
                end_text=end_text,
                kwh_text="" if energy is None else str(energy),
                start=datetime.fromisoformat(start_text) if start_text else None,
                end=datetime.fromisoformat(end_text) if end_text else None,
                kwh=None if energy is None else Decimal(str(energy)),
                user=user,
                status=o.get("status"),
            )
        )
    return rows


def write_ocpi(path: Path, objects: list[dict], layout: str) -> Path:
    if layout == "list":
        path.write_text(json.dumps(objects, indent=1), encoding="utf-8")
    elif layout == "envelope":
        doc = {"data": objects, "status_code": 1000, "status_message": "Success"}
        path.write_text(json.dumps(doc | {"timestamp": STAMP}), encoding="utf-8")
    elif layout == "envelope, status first":
        doc = {"status_code": 1000, "status_message": "Success", "timestamp": STAMP}
        path.write_text(json.dumps(doc | {"data": objects}), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    return path


def ocpi_objects_with_an_active_session(version: str, kind: str) -> list[dict]:
    objects = ocpi_objects(powerflex_rows(OCPI_N), version, kind)
    if version == "2.2.1":
        # a token with a contract but no uid: the contract is the driver
        objects[1]["cdr_token"] |= {"uid": "", "contract_id": "NL-ABC-C00000001-X"}
    if kind == "sessions":
        # a session still charging: ACTIVE, and no end yet
        objects[3]["status"] = "ACTIVE"
        for key in ("end_date_time", "end_datetime"):
            objects[3].pop(key, None)
    return objects


VERSIONS_KINDS = [(v, k) for v in ("2.2.1", "2.1.1") for k in ("cdrs", "sessions")]
LAYOUTS = ["list", "envelope", "envelope, status first", "ndjson"]
# each version and kind in two layouts, each layout twice (all sixteen cost a second)
OCPI_CASES = [
    (*VERSIONS_KINDS[i], LAYOUTS[(i + shift) % len(LAYOUTS)])
    for shift in (0, 2)
    for i in range(len(VERSIONS_KINDS))
]


@pytest.mark.parametrize(("version", "kind", "layout"), OCPI_CASES)
def test_an_ocpi_file_gives_the_figures_of_its_objects(
    tmp_path: Path, version: str, kind: str, layout: str
) -> None:
    objects = ocpi_objects_with_an_active_session(version, kind)
    rows = ocpi_rows(objects, version)
    path = write_ocpi(tmp_path / f"{kind}.json", objects, layout)
    run = report(path)
    assert read_as(run, path).startswith("JSON, OCPI fields")
    want = expected(rows)
    assert_figures(run.doc, want)
    if kind == "sessions":
        assert want["data_quality"]["problems"] == {"session not completed": 1}
    else:
        assert want["data_quality"]["invalid"] == 0


def test_the_ocpi_expectations_are_not_trivial() -> None:
    rows = ocpi_rows(ocpi_objects(powerflex_rows(OCPI_N), "2.2.1", "cdrs"), "2.2.1")
    totals = expected(rows)["totals"]
    assert totals["unclaimed"] and totals["empty"] and totals["micro"] and totals["users"] > 1


@pytest.mark.parametrize(("version", "kind"), VERSIONS_KINDS)
def test_ocpi_done_charging_is_the_end_less_the_parking_time(
    tmp_path: Path, version: str, kind: str
) -> None:
    objects = ocpi_objects_with_an_active_session(version, kind)
    path = write_ocpi(tmp_path / "o.json", objects, "list")
    by_id = {o["id"]: o for o in objects}
    table = sessions_table([path])
    assert len(table) == len(objects)
    for session_id, start, end, done, problem in table:
        row = ocpi_rows([by_id[session_id]], version)[0]
        assert start == row.start
        assert (problem and problem.split(":")[0]) == row.problem
        if row.problem:
            continue
        assert end == row.end
        parked = by_id[session_id].get("total_parking_time")
        if parked is None:
            assert done is None
        else:
            assert parked == 1.0  # hours, in the fixtures
            assert done == end - timedelta(hours=1)


# --- user mapping profiles -------------------------------------------------------------------

MY_NETWORK = NETWORKS / "my-network.csv"
MY_PROFILE = NETWORKS / "my-network.toml"
DEPOT = NETWORKS / "depot-chargers.csv"
DEPOT_PROFILE = NETWORKS / "depot-chargers.toml"


def my_network_rows(path: Path, with_ids: bool = True, row_number: str | None = None) -> list[Row]:
    """The profile of issue 10 read by hand: `;`, decimal commas, Wh, `%d.%m.%Y %H:%M` in
    Europe/Oslo; without ids, a row is told by all its fields but `row_number`."""
    rows = []
    for r in read_csv(path, ";"):
        wh = decimal_or_none(r["Energy"], comma=True)
        rows.append(
            Row(
                key=r["Transaction"] if with_ids else content(r, row_number),
                start_text=r["Start"],
                end_text=r["End"],
                kwh_text=r["Energy"],
                start=local(strptime_or_none(r["Start"], "%d.%m.%Y %H:%M"), OSLO),
                end=local(strptime_or_none(r["End"], "%d.%m.%Y %H:%M"), OSLO),
                kwh=wh / 1000 if wh is not None else None,
                user=user_of(r["Card"]),
            )
        )
    return rows


def profile_text(drop: Iterable[str] = (), **changes: str) -> str:
    """The issue's profile, less some keys, with some values changed."""
    lines = []
    for line in MY_PROFILE.read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        if key in drop:
            continue
        if key in changes:
            line = f"{key} = {json.dumps(changes[key])}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def run_profile(source: Path, profile: Path):
    return run_cli(
        "--source", str(source), "--profile", str(profile), "--all", "--json", "--no-input"
    )


def test_the_issue_profile_reads_its_export() -> None:
    rows = my_network_rows(MY_NETWORK)
    valid = [r for r in rows if r.problem is None]
    assert {r.category for r in valid} == {"empty", "micro", "normal"}
    assert any(r.user is None for r in valid)
    # 22:00 on 30 March to 06:00 on 31 March in Oslo: seven hours, over the clock change
    t004 = next(r for r in rows if r.key == "T-004")
    assert t004.end - t004.start == timedelta(hours=7)  # type: ignore[operator]
    run = report(MY_NETWORK, more=("--profile", str(MY_PROFILE)))
    assert read_as(run, MY_NETWORK).startswith("CSV, My network fields")
    assert_figures(run.doc, expected(rows))


def test_the_issue_profile_keeps_local_times_of_oslo() -> None:
    rows = {r.key: r for r in my_network_rows(MY_NETWORK)}
    table = sessions_table([MY_NETWORK], MY_PROFILE)
    for session_id, start, end, _done, problem in table:
        if problem is None:
            assert (start, end) == (rows[session_id].start, rows[session_id].end)


def test_without_a_session_id_only_rows_alike_in_every_field_count_once(tmp_path: Path) -> None:
    """Issue 18: without a session id, two rows are one session only when every field but a
    row number is the same; the transaction column, unmapped, is then a field like any other,
    and named as the row number it is no part of the content."""
    lines = MY_NETWORK.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    t001 = body[0].split(";")
    near = [
        # T-001 again under another transaction number
        ";".join(["T-901", *t001[1:]]),
        # distinct sessions, each one field away from T-001: never merged
        ";".join(["T-902", t001[1], "2", *t001[3:]]),
        ";".join(["T-903", *t001[1:6], "14231", t001[7]]),
        ";".join(["T-904", *t001[1:4], "01.03.2024 07:56", *t001[5:]]),
        ";".join(["T-905", t001[1], t001[2], "KORT-0043", *t001[4:]]),
    ]
    path = tmp_path / "export.csv"
    path.write_text("\n".join([header, *body, body[1], *near]) + "\n", encoding="utf-8")
    no_id = tmp_path / "no-id.toml"
    no_id.write_text(profile_text(drop=["session_id"]), encoding="utf-8")
    rows = my_network_rows(path, with_ids=False)
    want = expected(rows)
    assert want["data_quality"]["duplicates"] == 1  # body[1], given twice
    assert_figures(report(path, more=("--profile", str(no_id))).doc, want)
    # and the same file twice: every row merges with its copy
    twice = expected(rows + rows)
    assert twice["data_quality"]["duplicates"] == len(rows) + 1
    assert_figures(report(path, path, more=("--profile", str(no_id))).doc, twice)
    # the transaction column as a row number: T-901 is T-001 again
    numbered = tmp_path / "numbered.toml"
    text = profile_text(drop=["session_id"]).replace(
        "[columns]", '[columns]\nrow_number = "Transaction"'
    )
    numbered.write_text(text, encoding="utf-8")
    rows = my_network_rows(path, with_ids=False, row_number="Transaction")
    want = expected(rows)
    assert want["data_quality"]["duplicates"] == 2  # body[1] and T-901
    assert_figures(report(path, more=("--profile", str(numbered))).doc, want)


def depot_rows(path: Path) -> list[Row]:
    """The README's second profile: dates `%m/%d/%Y`, times with or without seconds, in
    America/Chicago; meters in Wh; no driver, no id."""
    rows = []
    for r in read_csv(path):
        start_text = f"{r['Date started']} {r['Time started']}".strip()
        end_text = f"{r['Date ended']} {r['Time ended']}".strip()
        patterns = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")
        a, b = decimal_or_none(r["Meter start"]), decimal_or_none(r["Meter stop"])
        blank = not r["Meter start"].strip() or not r["Meter stop"].strip()
        rows.append(
            Row(
                key=tuple(r.values()),
                start_text=start_text,
                end_text=end_text,
                kwh_text="" if blank else "meters",  # missing when a meter is
                start=local(strptime_or_none(start_text, *patterns), CHICAGO),
                end=local(strptime_or_none(end_text, *patterns), CHICAGO),
                kwh=(b - a) / 1000 if a is not None and b is not None else None,
            )
        )
    return rows


def test_the_readme_second_profile_reads_a_depot_export() -> None:
    rows = depot_rows(DEPOT)
    want = expected(rows, drivers=False)
    assert want["data_quality"]["duplicates"] == 1
    assert want["data_quality"]["long_sessions"] == 1
    run = report(DEPOT, more=("--profile", str(DEPOT_PROFILE)))
    assert read_as(run, DEPOT).startswith("CSV, Depot chargers fields")
    assert_figures(run.doc, want)


def test_a_profile_that_is_not_toml_is_a_usage_error(tmp_path: Path) -> None:
    profile = tmp_path / "broken.toml"
    profile.write_text('[profile]\nname = "My network\n', encoding="utf-8")
    result = run_profile(MY_NETWORK, profile)
    assert result.code == 2
    assert str(profile) in result.err


@pytest.mark.parametrize(
    ("table", "key"), [("profile", "separator"), ("columns", "driver"), ("extra", "x")]
)
def test_a_profile_with_an_unknown_key_is_a_usage_error(
    tmp_path: Path, table: str, key: str
) -> None:
    text = MY_PROFILE.read_text(encoding="utf-8")
    text = text.replace(f"[{table}]", f'[{table}]\n{key} = ";"') if table != "extra" else text
    if table == "extra":
        text += '\n[extra]\nx = ";"\n'
    profile = tmp_path / "unknown.toml"
    profile.write_text(text, encoding="utf-8")
    result = run_profile(MY_NETWORK, profile)
    assert result.code == 2, result.err
    assert str(profile) in result.err
    assert (key if table != "extra" else "extra") in result.err


@pytest.mark.parametrize(
    "text",
    ['columns = "x"\n', "profile = 3\n", '[profile]\nname = "x"\n[match]\ncolumns = [1]\n'],
    ids=["columns-not-a-table", "profile-not-a-table", "match-not-headers"],
)
def test_a_profile_of_the_wrong_shape_is_a_usage_error(tmp_path: Path, text: str) -> None:
    profile = tmp_path / "shape.toml"
    profile.write_text(text, encoding="utf-8")
    result = run_profile(MY_NETWORK, profile)
    assert result.code == 2 and str(profile) in result.err, result.err
    assert "Unexpected" not in result.err


def test_without_drivers_a_dated_window_has_no_unclaimed_figure_anywhere() -> None:
    """The previous window's unclaimed share and --check's unclaimed line, too."""
    args = ("--source", str(DEPOT), "--profile", str(DEPOT_PROFILE), "--no-input")
    window = ("--start", "2024-03-01", "--end", "2024-03-31")
    doc = run_cli(*args, *window, "--all", "--json")
    assert doc.code == 0, doc.err
    previous = doc.json()["previous"]
    assert previous["unclaimed_pct"] is None and previous["change"]["unclaimed_pct"] is None
    check = run_cli(*args, *window, "--check")
    assert "OK     unclaimed: no driver data" in check.out.splitlines()


def test_a_profile_naming_a_missing_column_names_the_profile_and_the_column(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "wrong-column.toml"
    profile.write_text(profile_text(user="Kortnummer"), encoding="utf-8")
    result = run_profile(MY_NETWORK, profile)
    assert result.code == 1, result.err
    assert "My network" in result.err
    assert "Kortnummer" in result.err
    assert not result.out


def test_a_value_the_time_format_cannot_read_is_an_error_with_an_example(tmp_path: Path) -> None:
    profile = tmp_path / "wrong-format.toml"
    profile.write_text(profile_text(time_format="%Y-%m-%d %H:%M"), encoding="utf-8")
    result = run_profile(MY_NETWORK, profile)
    assert result.code == 1, result.err
    assert "My network" in result.err
    first = read_csv(MY_NETWORK, ";")
    assert any(r["Start"] in result.err for r in first)


def test_the_time_format_error_names_the_files_column(tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text(
        MY_NETWORK.read_text(encoding="utf-8").replace(";Start;", ";Start Time;", 1),
        encoding="utf-8",
    )
    profile = tmp_path / "wrong-format.toml"
    profile.write_text(
        profile_text(time_format="%Y-%m-%d %H:%M", start="Start Time"), encoding="utf-8"
    )
    result = run_profile(source, profile)
    assert result.code == 1, result.err
    assert "Start Time" in result.err


def energies_with_commas_and_a_running_session(tmp_path: Path) -> Path:
    """Rows of the export whose every energy has a decimal comma, and one still running."""
    lines = MY_NETWORK.read_text(encoding="utf-8").splitlines()
    rows = [x for x in lines[1:] if "," in x.split(";")[6] or not x.split(";")[6]]
    assert sum(not x.split(";")[6] for x in rows) == 1 and len(rows) > 2
    path = tmp_path / "export.csv"
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    return path


def test_a_decimal_the_profile_cannot_read_is_an_error_with_an_example(tmp_path: Path) -> None:
    source = energies_with_commas_and_a_running_session(tmp_path)
    lines = source.read_text(encoding="utf-8").splitlines()
    source.write_text("\n".join(x for x in lines if x.split(";")[6] != "") + "\n", "utf-8")
    profile = tmp_path / "point.toml"
    profile.write_text(profile_text(decimal="."), encoding="utf-8")
    result = run_profile(source, profile)
    assert result.code == 1, result.err
    assert "My network" in result.err and "energy" in result.err
    assert any(x.split(";")[6] in result.err for x in lines[1:])


def test_a_running_session_does_not_hide_a_decimal_the_profile_cannot_read(
    tmp_path: Path,
) -> None:
    source = energies_with_commas_and_a_running_session(tmp_path)
    profile = tmp_path / "point.toml"
    profile.write_text(profile_text(decimal="."), encoding="utf-8")
    result = run_profile(source, profile)
    assert result.code == 1, result.err
    assert "My network" in result.err and "energy" in result.err


def test_a_profile_in_the_config_file_works_like_the_flag(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"profile = {json.dumps(str(MY_PROFILE))}\n", encoding="utf-8")
    result = run_cli(
        "--config", str(config), "--source", str(MY_NETWORK), "--all", "--json", "--no-input"
    )
    assert result.code == 0, result.err
    assert_figures(result.json(), expected(my_network_rows(MY_NETWORK)))


def test_a_profile_in_the_config_file_reads_only_the_files_that_fit_it(tmp_path: Path) -> None:
    """Issue 18: the config's profile applied to every CSV, so a file seshis recognises by
    itself (ACN-Data's, Dundee's) failed for lacking the profile's columns; now it reads the
    exports that have its columns, and those nothing else recognises."""
    config = tmp_path / "config.toml"
    config.write_text(f"profile = {json.dumps(str(MY_PROFILE))}\n", encoding="utf-8")
    dundee = shared_file(DUNDEE)
    args = ("--config", str(config), "--all", "--json", "--no-input", "--debug")
    result = run_cli(*args, "--source", str(MY_NETWORK), str(dundee))
    assert result.code == 0, result.err
    rows = my_network_rows(MY_NETWORK) + sample_rows(DUNDEE)
    assert_figures(result.json(), expected(rows))
    run = Run(result.json(), result.err)
    assert read_as(run, MY_NETWORK).startswith("CSV, My network fields")
    assert read_as(run, dundee).startswith("CSV, ChargePlace Scotland fields")
    # a file nothing recognises is read with the profile, which says what it lacks
    other = write_csv(tmp_path / "other.csv", ["Charger", "Start"], [{"Charger": "C1"}])
    result = run_cli(*args[:-1], "--source", str(other))  # without --debug's traceback
    assert result.code == 1
    assert "reads [columns] session_id from 'Transaction', which" in result.err
    assert str(other) in result.err


def test_an_empty_profile_flag_turns_the_configured_one_off(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"profile = {json.dumps(str(MY_PROFILE))}\n", encoding="utf-8")
    args = ("--config", str(config), "--all", "--json", "--no-input", "--profile", "")
    result = run_cli(*args, "--source", str(MY_NETWORK))
    assert result.code == 1  # not recognised without its profile
    assert "is not a session file seshis recognises" in result.err
    dundee = shared_file(DUNDEE)
    result = run_cli(*args, "--source", str(dundee))
    assert result.code == 0, result.err
    assert_figures(result.json(), expected(sample_rows(DUNDEE)))


def test_a_profile_flag_reads_every_csv(tmp_path: Path) -> None:
    """Given on the command line, the profile is what the user says the files are: a file
    without its columns is an error naming the column, even one seshis would recognise."""
    result = run_profile(DATA / "acn.csv", MY_PROFILE)
    assert result.code == 1
    assert "reads [columns] session_id from 'Transaction', which" in result.err


def test_without_a_profile_an_unknown_export_is_not_guessed() -> None:
    result = run_cli("--source", str(MY_NETWORK), "--all", "--json", "--no-input")
    assert result.code == 1
    assert "--profile" in result.err


# --- the built-in profiles -------------------------------------------------------------------


def test_profiles_lists_every_built_in_profile() -> None:
    names = [
        tomllib.loads(p.read_text("utf-8"))["profile"]["name"]
        for p in sorted(BUILTIN_PROFILES.glob("*.toml"))
    ]
    assert len(names) >= 7
    result = run_cli("--profiles")
    assert result.code == 0, result.err
    for name in names:
        assert name in result.out, name


# --- without an analysis flag: the rows as the export wrote them ------------------------------


@pytest.mark.parametrize("name", ["exported-sessions.csv", "ocpp-core-transactions.csv"])
def test_no_analysis_flag_prints_the_export_rows_as_written(name: str) -> None:
    """Every valid row, with the export's own headers and text (a blank field is null)."""
    path = NETWORKS / name
    encoding = "iso-8859-1" if "ocpp" in name else "utf-8"
    delimiter = ";" if "ocpp" in name else ","
    with path.open(encoding=encoding, newline="") as fh:
        written = [
            {k: (v if v != "" else None) for k, v in row.items()}
            for row in csv.DictReader(fh, delimiter=delimiter)
        ]
    result = run_cli("--source", str(path), "--no-input")
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    assert printed and all(row in written for row in printed)
    assert set(printed[0]) == set(written[0])  # the export's headers, nothing of seshis's


# --- the site of each session ----------------------------------------------------------------


def test_the_boulder_sites_are_the_stations_addresses() -> None:
    from seshis.analysis import build_report

    path = shared_file(BOULDER)
    rows = read_csv(path)
    by_address = Counter(r["Address"].strip() for r in rows if boulder_row(r).kwh is not None)
    data = load_files([path])
    try:
        report = build_report(data)
        assert {s.name: s.totals.sessions for s in report.sites} == dict(by_address)
        assert "Boulder" not in {s.name for s in report.sites}  # the city holds every site
    finally:
        data.store.close()


def test_a_built_in_export_without_its_site_column_is_read_without_a_site(tmp_path) -> None:
    rows = read_csv(shared_file(BOULDER))[:5]
    header = [h for h in rows[0] if h != "Address"]
    path = write_csv(tmp_path / "no-address.csv", header, rows)
    r = run_cli("--source", str(path), "--all", "--json", "--no-input")
    assert r.code == 0, r.err
    assert r.json()["totals"]["sessions"] == 5


PROFILE_WITH_ALIASES = """
[profile]
name = "Depot export"
timezone = "Europe/London"

[columns]
session_id = "Id"
start = "Start"
end = "End"
energy = "kWh"
site = "Depot"

[sites]
aliases = { "Leith Depot (old)" = "Leith Depot" }
"""


def test_profile_aliases_report_a_renamed_site_as_one(tmp_path) -> None:
    depots = ["Leith Depot", "Leith Depot (old)", "Granton"]
    rows = [
        {
            "Id": f"S{i}",
            "Start": f"2026-03-0{1 + i % 5}T09:00:00Z",
            "End": f"2026-03-0{1 + i % 5}T11:00:00Z",
            "kWh": ["0", "0.5", "8"][i % 3],
            "Depot": depots[i % 4 % 3],
        }
        for i in range(20)
    ]
    path = write_csv(tmp_path / "depots.csv", ["Id", "Start", "End", "kWh", "Depot"], rows)
    profile = tmp_path / "depot.toml"
    profile.write_text(PROFILE_WITH_ALIASES)
    leith = [r for r in rows if r["Depot"].startswith("Leith")]
    r = run_cli(
        *("--source", str(path), "--profile", str(profile), "--all", "--json", "--no-input"),
        *("--site", "leith depot"),
    )
    assert r.code == 0, r.err
    t = r.json()["totals"]
    assert (
        (t["sessions"], t["empty"], t["micro"], t["normal"])
        == (
            len(leith),
            sum(x["kWh"] == "0" for x in leith),
            sum(x["kWh"] == "0.5" for x in leith),
            sum(x["kWh"] == "8" for x in leith),
        )
        == (15, 5, 6, 4)
    )  # every i but i % 4 == 2 (2, 6, 10, 14, 18): of 7, 7, 6 by i % 3
    old = run_cli(
        *("--source", str(path), "--profile", str(profile), "--all", "--json", "--no-input"),
        *("--site", "Leith Depot (old)"),
    )
    assert old.code == 1 and "Its sites: Granton, Leith Depot." in old.err
