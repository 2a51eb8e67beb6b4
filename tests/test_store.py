"""The store layer: merging sources, the problem of each invalid row, span and identity, window
conditions, streamed exports, and the sync bookkeeping beside an on-disk store."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from seshis import syncs
from seshis.dataset import Dataset
from seshis.dates import DateRange, window
from seshis.errors import SourceError
from seshis.store import InputStore, lit, window_sql
from seshis.syncs import DamagedStore, LiveStore, set_aside

T = datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)

# session_id, start, end and kWh as the text a file holds (None: the field is absent), plus
# optional user_id, site, time zone and station.
Raw = tuple


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def raw_select(rows: list[Raw], origin: str = "test") -> str:
    """The rows as a source gives them to InputStore.add: typed columns parsed from the text with
    TRY_CAST (NULL when unparseable), the text itself in _raw_start/_raw_end/_raw_kwh."""
    values = []
    for row in rows:
        sid, start, end, kwh, *rest = row
        user, site, tz, station = [*rest, None, None, None, None][:4]
        values.append(
            "(" + ", ".join(lit(v) for v in (sid, start, end, kwh, user, site, tz, station)) + ")"
        )
    return (
        "SELECT sid::VARCHAR AS session_id, site::VARCHAR AS site, NULL AS acn, NULL AS account, "
        "station::VARCHAR AS station_id, NULL AS space, usr::VARCHAR AS user_id, "
        "TRY_CAST(st AS TIMESTAMPTZ) AS start, "
        'TRY_CAST(en AS TIMESTAMPTZ) AS "end", NULL AS done_charging, '
        "TRY_CAST(k AS DOUBLE) AS kwh, tz::VARCHAR AS timezone, NULL AS status, NULL AS evse_type, "
        "NULL AS authorization_source, NULL AS vehicle, NULL AS cost, "
        f"{lit(origin)} AS origin, NULL AS raw, st::VARCHAR AS _raw_start, "
        "en::VARCHAR AS _raw_end, "
        "k::VARCHAR AS _raw_kwh "
        f"FROM (VALUES {', '.join(values)}) v(sid, st, en, k, usr, site, tz, station)"
    )


def store_of(*sources: list[Raw]) -> InputStore:
    """A finalized in-memory store with one source per list, added in order."""
    store = InputStore.create()
    for i, rows in enumerate(sources):
        store.add(raw_select(rows, origin=f"src{i}"), f"src{i}", materialize=True)
    store.finalize()
    return store


def valid(sid: str, start: datetime = T, kwh: str = "5", **kw: str | None) -> Raw:
    return (sid, iso(start), iso(start + H), kwh, kw.get("user"), kw.get("site"), kw.get("tz"))


# --- merging sources ------------------------------------------------------------------------


def test_duplicates_keep_the_first_valid_row_of_the_earliest_source():
    """d1: both valid, the first source wins. d2: the earliest copy is invalid, so the first
    valid one (second source) wins. d3: three copies. d5: every copy invalid, the earliest
    stays. Each merged row beyond the first counts once in `duplicates`."""
    a = [valid("d1", kwh="5"), valid("d2", kwh="-1"), valid("d3", kwh="1"), valid("u1")]
    a.append(valid("d5", kwh="abc"))
    b = [valid("d1", kwh="7"), valid("d2", kwh="3"), valid("d3", kwh="2"), valid("d5", kwh="-2")]
    c = [valid("d3", kwh="9"), valid("d4", kwh="abc")]
    store = store_of(a, b, c)
    assert store.duplicates == 1 + 1 + 2 + 1
    rows = {
        sid: (kwh, origin, problem)
        for sid, kwh, origin, problem in store.rows(
            "SELECT session_id, kwh, origin, problem FROM sessions"
        )
    }
    assert store.count("sessions") == 6 == len(rows)
    assert rows["d1"] == (5.0, "src0", None)
    assert rows["d2"] == (3.0, "src1", None)
    assert rows["d3"] == (1.0, "src0", None)
    assert rows["u1"] == (5.0, "src0", None)
    assert rows["d4"][1:] == ("src2", "non-numeric kWh: abc")
    assert rows["d5"][1:] == ("src0", "non-numeric kWh: abc")


def test_no_duplicates_keeps_every_row_and_rows_without_id_are_never_merged():
    """Two rows without an id are two invalid rows, not one session seen twice."""
    store = store_of([valid("a"), valid("b"), (None, iso(T), iso(T + H), "1")], [valid("c")])
    store2 = store_of([(None, iso(T), iso(T + H), "1"), (None, iso(T + H), iso(T + 2 * H), "2")])
    assert store.duplicates == 0 and store.count("sessions") == 4
    assert store2.duplicates == 0 and store2.count("sessions") == 2


def test_rows_with_an_empty_id_are_never_merged():
    store = store_of([("", iso(T), iso(T + H), "1"), ("", iso(T + H), iso(T + 2 * H), "2")])
    assert store.duplicates == 0
    assert store.count("sessions WHERE problem = 'missing session id'") == 2


def test_an_empty_store_has_an_empty_sessions_view():
    store = InputStore.create()
    store.finalize()
    assert store.count("sessions") == 0 and store.duplicates == 0
    assert store.span() is None
    assert store.identity() == (None, None)


# --- the problem of each invalid row ---------------------------------------------------------

T0, T1 = iso(T), iso(T + H)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (("", T0, T1, "1"), "missing session id"),
        ((None, T0, T1, "1"), "missing session id"),
        (("p", None, T1, "1"), "missing start time"),
        (("p", "  ", T1, "1"), "missing start time"),
        (("p", "yesterday", T1, "1"), "unparseable start time: yesterday"),
        (("p", T0, None, "1"), "missing end time"),
        (("p", T0, "soon", "1"), "unparseable end time: soon"),
        (("p", T0, T1, None), "missing kWh"),
        (("p", T0, T1, ""), "missing kWh"),
        (("p", T0, T1, "abc"), "non-numeric kWh: abc"),
        (("p", T0, T1, "nan"), "non-numeric kWh: nan"),
        (("p", T0, T1, "inf"), "non-numeric kWh: inf"),
        (("p", T0, T1, "-1.5"), "negative kWh: -1.5"),
        (("p", T0, T1, "1000.5"), "implausible kWh (over 1000): 1000.5"),
        (("p", T1, T0, "1"), "end before start"),
        (("p", T0, T0, "1"), "energy delivered in zero time"),
        (("p", T0, T0, "0"), None),  # plugged in and out at once, nothing delivered: valid
        (("p", T0, T1, "1000"), None),  # the plausible maximum itself
        (("p", T0, T1, "0"), None),
    ],
)
def test_each_invalid_row_rule(row, problem):
    """Each rule of PROBLEM_SQL gives its own wording; valid rows have no problem."""
    assert store_of([row]).value("SELECT problem FROM sessions") == problem


# --- span, identity and windows ----------------------------------------------------------------


def test_span_is_first_and_last_start_with_the_end_rounded_up_past_the_last():
    last = datetime(2025, 1, 3, 12, 30, 15, 250000, tzinfo=UTC)
    store = store_of([valid("a", start=T), valid("b", start=last), valid("c", start=T + H)])
    assert store.span() == (T, datetime(2025, 1, 3, 12, 30, 16, tzinfo=UTC))


def test_identity_is_the_most_common_site_and_time_zone():
    rows = [valid(f"a{i}", site="North", tz="Europe/Paris") for i in range(3)]
    rows += [valid(f"b{i}", site="South", tz="UTC") for i in range(2)]
    rows += [valid(f"c{i}") for i in range(4)]  # neither: left out, not a mode of NULLs
    assert store_of(rows).identity() == ("North", "Europe/Paris")


def test_window_sql_of_a_custom_window_is_half_open_in_the_site_zone():
    """2025-01-02 in Los Angeles is [08:00Z on the 2nd, 08:00Z on the 3rd)."""
    w = window("custom", "America/Los_Angeles", T, date(2025, 1, 2), date(2025, 1, 2))
    at = {
        "before": datetime(2025, 1, 2, 7, 59, 59, tzinfo=UTC),
        "first": datetime(2025, 1, 2, 8, 0, tzinfo=UTC),
        "last": datetime(2025, 1, 3, 7, 59, 59, tzinfo=UTC),
        "after": datetime(2025, 1, 3, 8, 0, tzinfo=UTC),
    }
    store = store_of([valid(name, start=when) for name, when in at.items()])
    inside = {r[0] for r in store.rows(f"SELECT session_id FROM sessions WHERE {window_sql(w)}")}
    assert inside == {"first", "last"}


def test_window_sql_of_all_the_data_selects_every_row():
    store = store_of([valid("a"), valid("b", start=T + 400 * H), ("x", None, T1, "1")])
    everything = DateRange(T, T + H, "UTC", "all")  # all: the window's bounds do not filter
    assert store.count(f"sessions WHERE {window_sql(everything)}") == 3


def test_dataset_window_all_is_the_real_span():
    last = datetime(2025, 2, 1, 9, 15, tzinfo=UTC)
    store = store_of([valid("a", start=T), valid("b", start=last)])
    data = Dataset(store, "S", None, "America/Los_Angeles", store.span())
    w = data.window("all")
    assert (w.start, w.end, w.kind) == (T, last + timedelta(seconds=1), "all")
    assert w.timezone == "America/Los_Angeles"
    assert w.local_dates() == (date(2025, 1, 1), date(2025, 2, 1))
    now = datetime(2025, 3, 1, 12, tzinfo=UTC)
    week = data.window("week", now)
    assert (week.start, week.end, week.kind) == (now - timedelta(days=7), now, "week")
    with pytest.raises(ValueError):
        data.window("week")


def test_an_empty_dataset_gives_an_empty_window_at_now():
    store = store_of()
    now = datetime(2025, 3, 1, 12, tzinfo=UTC)
    w = Dataset(store, "S", None, "UTC", store.span()).window("all", now)
    assert (w.start, w.end, w.kind) == (now, now, "all")


def test_a_dataset_of_only_invalid_rows_gives_an_empty_window_at_now():
    store = store_of([("x", T0, T1, "-3"), ("y", T1, T0, "2")])
    now = datetime(2025, 3, 1, 12, tzinfo=UTC)
    w = Dataset(store, "S", None, "UTC", store.span()).window("all", now)
    assert (w.start, w.end) == (now, now)


# --- exports ---------------------------------------------------------------------------------


def test_copy_csv_guards_formula_like_text_and_returns_the_row_count(tmp_path: Path):
    cells = {
        "f1": "=SUM(A1:A9)",
        "f2": "+49 30 1234",
        "f3": "-2+3",
        "f4": "@cmd",
        "f5": "a=b",
        "f6": "plain",
    }
    rows = [valid(sid, kwh="-1" if sid == "f3" else "2", user=text) for sid, text in cells.items()]
    rows.append(("f7", T0, T1, "2", "u@x.com", None, None, "\tTAB"))
    rows.append(valid("f8", user="'=x"))  # a genuine leading quote is guarded too
    store = store_of(rows)
    out = tmp_path / "x.csv"
    sql = "SELECT session_id, user_id, station_id, kwh, start FROM sessions ORDER BY session_id"
    assert store.copy_csv(sql, out) == 8
    read = {r["session_id"]: r for r in csv.DictReader(out.open(encoding="utf-8", newline=""))}
    assert len(read) == 8
    assert read["f1"]["user_id"] == "'=SUM(A1:A9)"
    assert read["f2"]["user_id"] == "'+49 30 1234"
    assert read["f3"]["user_id"] == "'-2+3"
    assert read["f4"]["user_id"] == "'@cmd"
    assert read["f5"]["user_id"] == "a=b" and read["f6"]["user_id"] == "plain"
    assert read["f7"]["station_id"] == "'\tTAB"
    assert read["f8"]["user_id"] == "''=x"
    assert read["f3"]["kwh"] == "-1.0"  # a number is never guarded
    assert read["f1"]["start"] == "2025-01-01T10:00:00Z"  # UTC, ISO 8601
    plain = tmp_path / "plain.csv"
    assert store.copy_csv(sql, plain, guard_formulas=False) == 8
    unguarded = {r["session_id"]: r for r in csv.DictReader(plain.open(newline=""))}
    assert unguarded["f1"]["user_id"] == "=SUM(A1:A9)"


def test_copy_csv_of_no_rows_writes_the_header_and_returns_zero(tmp_path: Path):
    store = store_of([valid("a")])
    out = tmp_path / "none.csv"
    assert store.copy_csv("SELECT session_id, kwh FROM sessions WHERE false", out) == 0
    assert out.read_text().splitlines() == ["session_id,kwh"]


def test_copy_json_writes_one_array(tmp_path: Path):
    store = store_of([valid("a", kwh="1.5", user="=x"), valid("b", start=T + H, kwh="0")])
    out = tmp_path / "x.json"
    store.copy_json("SELECT session_id, user_id, kwh, start FROM sessions ORDER BY start", out)
    doc = json.loads(out.read_text())
    assert doc == [
        {"session_id": "a", "user_id": "=x", "kwh": 1.5, "start": "2025-01-01T10:00:00Z"},
        {"session_id": "b", "user_id": None, "kwh": 0.0, "start": "2025-01-01T11:00:00Z"},
    ]


# --- syncs.plan: the gaps of a window --------------------------------------------------------


def at(hour: int) -> datetime:
    return T + hour * H


@pytest.mark.parametrize(
    ("covered", "lo", "hi", "gaps"),
    [
        ([], 0, 10, [(0, 10)]),  # nothing fetched yet
        ([(0, 10)], 0, 10, []),  # all of it
        ([(-5, 20)], 0, 10, []),  # a wider sync holds it
        ([(3, 5)], 0, 10, [(0, 3), (5, 10)]),  # a hole in the middle
        ([(6, 8), (1, 3)], 0, 10, [(0, 1), (3, 6), (8, 10)]),  # unsorted input
        ([(1, 4), (2, 6)], 0, 10, [(0, 1), (6, 10)]),  # overlapping syncs
        ([(0, 4), (4, 10)], 0, 10, []),  # touching syncs leave no gap
        ([(-3, 2)], 0, 10, [(2, 10)]),  # starts before the window
        ([(8, 15)], 0, 10, [(0, 8)]),  # ends after the window
        ([(-9, -1), (11, 20)], 0, 10, [(0, 10)]),  # outside the window altogether
        ([(10, 12)], 0, 10, [(0, 10)]),  # starts where the window ends
        ([(2, 3), (2, 3), (5, 6)], 0, 10, [(0, 2), (3, 5), (6, 10)]),  # the same sync twice
    ],
)
def test_plan_finds_the_uncovered_parts(covered, lo, hi, gaps):
    got = syncs.plan([(at(a), at(b)) for a, b in covered], at(lo), at(hi))
    assert got == [(at(a), at(b)) for a, b in gaps]


# --- the sync bookkeeping of an on-disk store ------------------------------------------------


@pytest.fixture
def disk(tmp_path: Path):
    store = LiveStore.open(tmp_path / "s.duckdb")
    store.prepare()
    yield store
    store.close()


def test_an_unfinished_sync_covers_nothing(disk: LiveStore):
    first = disk.begin_sync("pf", at(0), at(24), at(30))
    second = disk.begin_sync("pf", at(24), at(48), at(30))
    assert second > first
    assert disk.covered("pf", timedelta(0)) == []
    assert disk.last_sync("pf") is None


def test_a_finished_sync_covers_its_window_up_to_its_finish_less_the_overlap(disk: LiveStore):
    old = disk.begin_sync("pf", at(0), at(24), at(100))
    disk.finish_sync(old, at(101), rows=12, api_total=13, missing=0)
    # a window that reached the moment of the sync: only what had ended by then is settled
    recent = disk.begin_sync("pf", at(200), at(300), at(300))
    disk.finish_sync(recent, at(301), rows=4, api_total=None, missing=0)
    assert disk.row("SELECT rows, api_total, complete FROM syncs WHERE id = ?", [old]) == (
        12,
        13,
        True,
    )
    assert disk.covered("pf", timedelta(0)) == [(at(0), at(24)), (at(200), at(300))]
    # with a day of overlap the recent one is cut a day before it finished: 301 h - 24 h
    assert disk.covered("pf", timedelta(days=1)) == [(at(0), at(24)), (at(200), at(277))]
    # 80 h: the old sync is cut at 101 h - 80 h = 21 h, the recent one at 301 h - 80 h = 221 h
    assert disk.covered("pf", timedelta(hours=80)) == [(at(0), at(21)), (at(200), at(221))]
    # 110 h: both cuts fall before their window starts (-9 h, 191 h): nothing is settled
    assert disk.covered("pf", timedelta(hours=110)) == []
    assert disk.last_sync("pf") == at(301)


def test_sources_are_kept_apart_and_the_store_persists(tmp_path: Path):
    path = tmp_path / "s.duckdb"
    store = LiveStore.open(path)
    store.prepare()
    one = store.begin_sync("pf", at(0), at(10), at(50))
    store.finish_sync(one, at(51), rows=1, api_total=1, missing=0)
    store.begin_sync("acn", at(0), at(10), at(50))  # never finished
    store.close()
    again = LiveStore.open(path)
    again.prepare()  # a second time is harmless
    try:
        assert again.covered("pf", timedelta(0)) == [(at(0), at(10))]
        assert again.covered("acn", timedelta(0)) == []
        assert again.last_sync("acn") is None
        assert syncs.plan(again.covered("pf", timedelta(0)), at(0), at(20)) == [(at(10), at(20))]
    finally:
        again.close()


# --- a store that stays usable: interrupts, locks, privacy, damage, memory ---------------------


def test_ctrl_c_during_a_query_is_a_keyboard_interrupt_not_a_data_error():
    """A query stopped by Ctrl-C ended the run with exit 1 and "Query interrupted"."""
    store = InputStore.create()
    threading.Timer(0.3, store.con.interrupt).start()
    with pytest.raises(KeyboardInterrupt):
        store.value("SELECT sum(hash(i)) FROM range(100000000000) t(i)")


def test_an_in_memory_store_is_bounded_and_spills_to_its_scratch_folder():
    store = InputStore.create()
    assert store.value("SELECT current_setting('temp_directory')") == str(store.scratch())
    number, unit = store.value("SELECT current_setting('memory_limit')").split()
    assert float(number) * {"MiB": 1 / 1024, "GiB": 1.0}[unit] <= 4.0
    store.close()
    assert not store.scratch().exists()


HOLD = (
    "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
    "print('holding', flush=True); time.sleep(120)"
)


@pytest.fixture
def held(tmp_path: Path):
    """A store file held open by another process, as by another seshis run."""
    path = tmp_path / "held.duckdb"
    LiveStore.open(path).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"holding"
    yield path, holder
    holder.kill()
    holder.wait()


def test_a_second_run_waits_for_the_store_and_then_says_it_is_in_use(held):
    path, _holder = held
    slept: list[float] = []
    told: list[str] = []
    with pytest.raises(SourceError, match="is in use by another seshis run; wait for it"):
        LiveStore.open(path, wait=3, sleep=slept.append, notice=told.append)
    assert sum(slept) == pytest.approx(3)
    assert told == [f"The store {path} is in use by another seshis run; waiting up to 3 s…"]


def test_a_second_run_goes_on_when_the_first_lets_go(held):
    path, holder = held
    told: list[str] = []

    def sleep(seconds: float) -> None:
        holder.kill()  # the first run finishes while the second waits
        holder.wait()

    store = LiveStore.open(path, sleep=sleep, notice=told.append)
    store.prepare()
    store.close()
    assert len(told) == 1


def test_the_store_and_its_folder_are_private_whatever_the_umask(tmp_path: Path):
    old = os.umask(0)
    try:
        path = tmp_path / "cache" / "seshis" / "sessions.duckdb"
        store = LiveStore.open(path)
        store.prepare()
        store.begin_sync("pf", at(0), at(1), at(2))  # a write: the write-ahead log exists
        wal = Path(f"{path}.wal")
        assert wal.exists()
        modes = {p: stat.S_IMODE(p.stat().st_mode) for p in (path, wal, path.parent)}
        store.close()
        older = tmp_path / "older.duckdb"
        LiveStore.open(older).close()
        os.chmod(older, 0o644)  # made by an older seshis
        LiveStore.open(older).close()
    finally:
        os.umask(old)
    assert modes == {path: 0o600, wal: 0o600, path.parent: 0o700}
    assert stat.S_IMODE(older.stat().st_mode) == 0o600


def test_a_truncated_or_damaged_store_is_one_sentence_naming_it(tmp_path: Path):
    """At open or at first use, never an unexpected error: move it away, or another --store."""
    path = tmp_path / "s.duckdb"
    store = LiveStore.open(path)
    store.prepare()
    store.run(
        "INSERT INTO stored_sessions (source, session_id, kwh) "
        "SELECT 'pf', 's' || i, i FROM range(20000) t(i)"
    )
    store.close()
    data = path.read_bytes()
    block = 1 << 18
    variants = {"truncated": data[:8192], "empty": b""}
    for at in range(12288, len(data), block):
        variants[f"damaged at {at}"] = data[:at] + b"\xa5" * block + data[at + block :]
    failed = 0
    for name, content in variants.items():
        bad = tmp_path / f"{name.replace(' ', '-')}.duckdb"
        bad.write_bytes(content[: len(data)])
        try:
            damaged = LiveStore.open(bad)
            damaged.prepare()
            damaged.row("SELECT count(*), sum(kwh), max(session_id) FROM stored_sessions")
            damaged.close()
        except SourceError as exc:
            failed += 1
            assert str(bad) in str(exc) and "give another --store" in str(exc), name
            assert isinstance(exc, DamagedStore), name  # a run may move it aside (issue 18)
    assert failed >= 3  # truncated, empty, and the damaged catalog at least


def test_a_damaged_store_is_set_aside_beside_itself_with_its_log(tmp_path: Path):
    path = tmp_path / "s.duckdb"
    now = datetime(2026, 11, 26, 20, 0, 5, tzinfo=UTC)
    moved = []
    for content in (b"first", b"second"):  # twice in one second: the names differ
        path.write_bytes(content)
        Path(f"{path}.wal").write_bytes(content + b" log")
        moved.append(set_aside(path, now))
    assert [m.name for m in moved] == [
        "s.duckdb.damaged-20261126-200005",
        "s.duckdb.damaged-20261126-200005-2",
    ]
    assert [m.read_bytes() for m in moved] == [b"first", b"second"]
    assert Path(f"{moved[1]}.wal").read_bytes() == b"second log"
    assert not path.exists() and not Path(f"{path}.wal").exists()
