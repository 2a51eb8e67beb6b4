"""Every file shape seshis knows (ACN-Data, PowerFlex, OCPI, seshis's own; JSON, CSV, Parquet),
detected from content, gives the same sessions."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import DATA, run_cli

from seshis.sources.files import read_head
from seshis.sources.jsonlayout import json_layout
from seshis.store import lit

# Hand-counted from the rows written into tests/data (see test_cli.py for the list).
VALID = {"sessions": 7, "empty": 2, "micro": 1, "normal": 4, "unclaimed": 2, "users": 3}


def totals(*paths: str) -> dict:
    r = run_cli("--json", "--no-input", "--tz", "America/Los_Angeles", "--source", *paths)
    assert r.code == 0, r.err
    return r.json()


@pytest.mark.parametrize(
    ("name", "invalid"),
    [
        ("powerflex_rows.json", 2),
        ("powerflex_list.json", 2),
        ("powerflex.csv", 2),
        ("acn_download.json", 0),
        ("acn_list.json", 0),
        ("acn.csv", 0),
    ],
)
def test_each_shape_reads_the_same_sessions(name, invalid):
    doc = totals(str(DATA / name))
    assert {k: doc["totals"][k] for k in VALID} == VALID
    assert doc["totals"]["invalid"] == invalid
    assert doc["performance"] == {"HIGH": 1, "MED": 2, "LOW": 1}
    assert doc["unclaimed"] == {"sessions": 2, "empty": 1, "micro": 1, "normal": 0}


def test_shape_comes_from_content_not_the_name(tmp_path):
    for src, dst in (("powerflex.csv", "sessions.json"), ("acn_download.json", "export.csv")):
        shutil.copy(DATA / src, tmp_path / dst)
        assert totals(str(tmp_path / dst))["totals"]["sessions"] == 7


def test_parquet_in_the_normalized_and_powerflex_schemas(tmp_path):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    norm = tmp_path / "norm.parquet"
    con.execute(
        f"""COPY (SELECT session_id, user_id, start::TIMESTAMPTZ AS start,
            "end"::TIMESTAMPTZ AS "end", kwh FROM (VALUES
            ('n1', 'u@x.com', '2025-01-02 16:00:00+00', '2025-01-02 18:00:00+00', 8.32),
            ('n2', NULL, '2025-01-02 19:00:00+00', '2025-01-02 19:10:00+00', 0.0),
            ('n3', 'v@x.com', '2025-01-03 19:00:00+00', '2025-01-03 18:00:00+00', 3.0)
        ) v(session_id, user_id, start, "end", kwh)) TO '{norm}' (FORMAT parquet)"""
    )
    doc = totals(str(norm))
    assert doc["totals"]["sessions"] == 2
    assert doc["totals"]["invalid"] == 1  # n3 ends before it starts
    assert doc["performance"] == {"HIGH": 1, "MED": 0, "LOW": 0}  # 8.32 kWh in 2 h = 20 A
    pf = tmp_path / "pf.parquet"
    con.execute(
        f"""COPY (SELECT * FROM read_json('{DATA / "powerflex_list.json"}',
            columns={{session_id: 'VARCHAR', user: 'VARCHAR', created_at: 'VARCHAR',
                     updated_at: 'VARCHAR', session_start_time: 'BIGINT',
                     session_end_time: 'BIGINT', session_kwh: 'VARCHAR', site: 'VARCHAR'}}))
            TO '{pf}' (FORMAT parquet)"""
    )
    doc = totals(str(pf))
    assert {k: doc["totals"][k] for k in VALID} == VALID


def test_files_are_merged_and_duplicates_count_once():
    one = totals(str(DATA / "powerflex_list.json"))
    both = totals(str(DATA / "powerflex_list.json"), str(DATA / "acn_download.json"))
    assert both["totals"]["sessions"] == one["totals"]["sessions"] == 7
    assert both["data_quality"]["duplicates"] == 7
    # powerflex_rows.json holds pf-3 twice.
    assert totals(str(DATA / "powerflex_rows.json"))["data_quality"]["duplicates"] == 1


def test_malformed_csv_lines_are_counted_not_dropped(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "session_id,created_at,updated_at,session_kwh\n"
        "ok,2025-01-01T10:00:00Z,2025-01-01T11:00:00Z,5\n"
        "extra,2025-01-01T10:00:00Z,2025-01-01T11:00:00Z,5,6\n"
        "neg,2025-01-01T10:00:00Z,2025-01-01T11:00:00Z,-1\n"
        "when,yesterday,2025-01-01T11:00:00Z,1\n"
    )
    doc = totals(str(path))
    assert doc["totals"]["sessions"] == 1
    assert doc["totals"]["invalid"] == 3
    assert set(doc["data_quality"]["problems"]) == {
        "malformed CSV line",
        "negative kWh",
        "unparseable start time",
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("", "is empty"),
        ('{"rows": [{"session_id": "a", "session_kwh": ', "is not valid JSON"),
        ('{"hello": "world"}', "holds no sessions seshis knows"),
        ("name,age\nbob,3\n", "is not a session file seshis recognises"),
        ("[]", "holds no sessions"),
    ],
)
def test_unreadable_files_name_the_file_and_exit_1(tmp_path, content, message):
    path = tmp_path / "input.dat"
    if content is not None:
        path.write_text(content)
    r = run_cli("--all", "--no-input", "--source", str(path))
    assert r.code == 1
    assert str(path) in r.err and message in r.err
    assert "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_truncated_json_file():
    r = run_cli("--all", "--no-input", "--source", str(DATA / "truncated.json"))
    assert r.code == 1 and "truncated.json is not valid JSON" in r.err


def test_a_folder_is_not_a_file(tmp_path):
    r = run_cli("--all", "--no-input", "--source", str(tmp_path))
    assert r.code == 1 and "is a folder" in r.err


def test_a_byte_order_mark_before_json(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / "powerflex_list.json").read_bytes())
    assert totals(str(path))["totals"]["sessions"] == 7


def test_a_latin1_csv_is_read_not_dropped(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(
        b"session_id,user,created_at,updated_at,session_kwh\n"
        b"x1,jos\xe9@x.com,2025-01-01T10:00:00Z,2025-01-01T11:00:00Z,5\n"
    )
    doc = totals(str(path))
    assert doc["totals"]["sessions"] == 1 and doc["totals"]["invalid"] == 0
    assert doc["users"][0]["user"] == "jos\u00e9@x.com"


def test_a_name_with_pattern_characters_is_one_file(tmp_path):
    shutil.copy(DATA / "powerflex.csv", tmp_path / "a*b.csv")
    shutil.copy(DATA / "acn.csv", tmp_path / "ab.csv")
    doc = totals(str(tmp_path / "a*b.csv"))
    assert doc["totals"]["sessions"] == 7 and doc["data_quality"]["duplicates"] == 0


def test_implausible_energy_is_an_invalid_row(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(
        "session_id,created_at,updated_at,session_kwh\n"
        "ok,2025-01-01T10:00:00Z,2025-01-01T11:00:00Z,5\n"
        "huge,2025-01-01T10:00:00Z,2025-01-01T11:00:00Z,1e308\n"
    )
    doc = totals(str(path))
    assert doc["totals"]["sessions"] == 1
    assert doc["data_quality"]["problems"] == {"implausible kWh (over 1000)": 1}


# --- every row accounted for: one test per promise a fuzzed file broke ------------------------
#
# The rule: for a file that can be parsed at all, sessions + invalid rows + duplicates = the
# rows of the file, counted here with Python's json and csv; a file that cannot be parsed is
# one sentence naming it (exit 1); never "Unexpected error".

CORPUS = DATA / "corpus"
T0, T1 = "2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z"
HEADER = "session_id,created_at,updated_at,session_kwh\n"


def accounted(doc: dict) -> int:
    return doc["totals"]["sessions"] + doc["totals"]["invalid"] + doc["data_quality"]["duplicates"]


def run_file(path, *more: str):
    """The report of one file, with the site's zone given unless the test is about it."""
    return run_cli("--all", "--json", "--no-input", *more, "--source", str(path))


def one_sentence_error(r, path, message: str) -> None:
    assert r.code == 1, r.out
    assert str(path) in r.err and message in r.err, r.err
    assert "Unexpected error" not in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


def pf_session(sid: str, **fields) -> dict:
    return {"session_id": sid, "created_at": T0, "updated_at": T1, "session_kwh": 5, **fields}


def test_a_json_list_cut_right_after_a_comma_is_not_valid_json():
    """DuckDB took `[{...},{...},` for a complete list and dropped the rest of the file."""
    path = CORPUS / "json_cut_after_comma.json"
    one_sentence_error(run_file(path), path, "is not valid JSON")


def test_a_session_with_a_field_named_rows_or_items_is_still_a_session():
    path = CORPUS / "json_session_has_rows_and_items.json"
    elements = json.loads(path.read_text())
    r = run_file(path, "--tz", "UTC")
    assert r.code == 0, r.err
    assert r.json()["totals"]["sessions"] == len(elements) == 4


def test_one_session_object_with_a_rows_list_is_one_session_not_an_envelope():
    r = run_file(CORPUS / "json_one_session_with_rows.json", "--tz", "UTC")
    assert r.code == 0, r.err
    assert r.json()["totals"]["sessions"] == 1


@pytest.mark.parametrize(
    "name",
    [
        "json_rows_null.json",
        "json_rows_number.json",
        "json_rows_empty.json",
        "json_empty_list.json",
    ],
)
def test_a_file_without_a_list_of_sessions_is_one_sentence_whatever_its_shape(name):
    """{"rows": null}, {"rows": 5} and {"rows": []} were an empty report, [] an error."""
    path = CORPUS / name
    one_sentence_error(run_file(path), path, "holds no sessions")


def test_values_that_are_not_objects_are_invalid_rows():
    path = CORPUS / "json_not_objects.json"
    elements = json.loads(path.read_text())
    objects = [e for e in elements if isinstance(e, dict)]
    doc = run_file(path, "--tz", "UTC").json()
    assert doc["totals"]["sessions"] == len(objects) == 2
    assert doc["totals"]["invalid"] == len(elements) - len(objects) == 4


def test_pages_one_per_line_are_one_sentence():
    path = CORPUS / "ndjson_two_pages.json"
    one_sentence_error(run_file(path), path, "several JSON documents")


def test_a_large_envelope_is_read_whole(tmp_path):
    """An ACN-Data download larger than the head seshis reads to recognise it: its list is cut
    out and read like a bare list; what follows the list (_links, _meta) is left alone."""
    items = [
        {
            "sessionID": f"big-{i}",
            "connectionTime": "Wed, 01 Jan 2020 02:12:11 GMT",
            "disconnectTime": "Wed, 01 Jan 2020 04:12:11 GMT",
            "kWhDelivered": 3.5,
            "userInputs": [{"note": "]]]" * 20}],
        }
        for i in range(3000)
    ]
    doc = {
        "_meta": {"site": "caltech", "note": "[]"},
        "_items": items,
        "_links": {"next": {"href": "sessions?where=a[0]&page=2"}},
        "tail": [[1], "]"],
    }
    path = tmp_path / "download.json"
    path.write_text(json.dumps(doc, indent=1))
    assert path.stat().st_size > 1 << 16
    layout = json_layout(path, read_head(path, 1 << 16))
    start, end = layout.span  # the list alone is read, as fast as a bare list
    assert json.loads(path.read_bytes()[start:end]) == items
    r = run_file(path, "--tz", "UTC")
    assert r.code == 0, r.err
    assert r.json()["totals"]["sessions"] == len(items)


def test_an_unterminated_quote_costs_only_its_own_line():
    """It swallowed every line after it (up to the next quote character)."""
    for name, sessions in (
        ("csv_unterminated_quote.csv", 4),  # u3 is the bad line
        ("csv_unterminated_quote_closed_later.csv", 3),  # q2 and q4 open quotes that never close
    ):
        path = CORPUS / name
        lines = path.read_text().splitlines()[1:]
        doc = run_file(path, "--tz", "UTC").json()
        assert doc["totals"]["sessions"] == sessions
        assert accounted(doc) == len(lines)
        assert doc["data_quality"]["problems"] == {"malformed CSV line": len(lines) - sessions}


def test_one_malformed_line_is_one_invalid_row():
    """A short line of a 93-column file counted as 92 invalid rows (one per missing field)."""
    path = CORPUS / "csv_93_columns_one_bad_line.csv"
    with path.open(newline="") as fh:
        header, *records = list(csv.reader(fh))
    good = [r for r in records if len(r) == len(header) == 93]
    doc = run_file(path, "--tz", "UTC").json()
    assert doc["totals"]["sessions"] == len(good) == 3
    assert doc["totals"]["invalid"] == len(records) - len(good) == 2


def test_a_line_too_long_to_read_is_an_invalid_row(tmp_path):
    """A line over DuckDB's buffer (about 32 MB) vanished without a trace."""
    path = tmp_path / "long.csv"
    with path.open("w") as fh:
        fh.write(HEADER + f"a,{T0},{T1},5\n")
        fh.write(f"b,{T0},{T1},{'7' * 33_000_000}\n")
        fh.write(f"c,{T0},{T1},5\n")
    doc = run_file(path, "--tz", "UTC").json()
    assert (doc["totals"]["sessions"], doc["totals"]["invalid"]) == (2, 1)


def test_a_bare_carriage_return_in_the_header_is_one_sentence():
    path = CORPUS / "csv_header_bare_cr.csv"
    one_sentence_error(run_file(path), path, "carriage return inside its header line")


def test_blank_lines_quoted_newlines_and_crlf_are_counted_as_csv_counts_them():
    for name in (
        "csv_blank_lines_and_quoted_newline.csv",
        "csv_bare_cr_in_a_line.csv",
        "csv_crlf.csv",
    ):
        path = CORPUS / name
        with path.open(newline="") as fh:
            records = [r for r in list(csv.reader(fh))[1:] if r]
        r = run_file(path, "--tz", "UTC")
        assert r.code == 0, r.err
        assert accounted(r.json()) == len(records), name


BAD_TIMES = [
    "infinity",
    "-infinity",
    "0001-01-01 BC",
    "10000-01-01",
    "99999-01-01T00:00:00Z",
    "1e300",
    "NaN",
    "99999999999999",  # epoch milliseconds of the year 5138
    "1969-12-31T23:00:00Z",
]


@pytest.mark.parametrize("output", ["--json", "terminal", "--csv", "--pdf", "--graph"])
def test_a_time_out_of_range_makes_its_row_invalid_and_never_aborts_a_report(tmp_path, output):
    """One `infinity`, BC date or year 99999 aborted the whole report (exit 1, Unexpected)."""
    path = CORPUS / "csv_times_out_of_range.csv"
    args = ["--all", "--no-input", "--tz", "America/Los_Angeles", "--source", str(path)]
    if output in ("--csv", "--pdf", "--graph"):
        args += [output, "--output", f"{tmp_path}/" if output == "--graph" else str(tmp_path / "x")]
    elif output == "--json":
        args.append(output)
    r = run_cli(*args)
    assert r.code == 0, r.err
    if output == "--json":
        doc = r.json()
        assert doc["totals"]["sessions"] == 2  # ok1 and ok2
        assert doc["totals"]["invalid"] == 2 * len(BAD_TIMES)
        problems = doc["data_quality"]["problems"]
        # parseable times outside 1990-2100: infinity, -infinity, 10000, 99999, 1969
        assert problems["start time out of range"] == problems["end time out of range"] == 5
        assert problems["unparseable start time"] == problems["unparseable end time"] == 4


def test_parquet_with_an_epoch_out_of_range_or_a_list_of_kwh_has_invalid_rows(tmp_path):
    con = duckdb.connect()
    epoch, listed = tmp_path / "epoch.parquet", tmp_path / "list.parquet"
    con.execute(
        "COPY (SELECT 's' || i AS session_id, CASE WHEN i = 2 THEN 99999999999999999 "
        "ELSE 1735725600000 END AS session_start_time, 1735729200000 AS session_end_time, "
        f"5.0 AS session_kwh FROM range(3) t(i)) TO '{epoch}' (FORMAT parquet)"
    )
    con.execute(
        f"COPY (SELECT 's' || i AS session_id, '{T0}' AS created_at, '{T1}' AS updated_at, "
        f"[5.0, 1.0] AS session_kwh FROM range(3) t(i)) TO '{listed}' (FORMAT parquet)"
    )
    doc = run_file(epoch, "--tz", "UTC").json()
    assert (doc["totals"]["sessions"], doc["totals"]["invalid"]) == (2, 1)
    doc = run_file(listed, "--tz", "UTC").json()
    assert (doc["totals"]["sessions"], doc["totals"]["invalid"]) == (0, 3)
    assert doc["data_quality"]["problems"] == {"non-numeric kWh": 3}


def test_a_damaged_parquet_file_is_one_sentence_naming_it(tmp_path):
    good = tmp_path / "good.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT 's' || i AS session_id, '{T0}' AS created_at, '{T1}' AS updated_at, "
        f"i % 7 AS session_kwh FROM range(20000) t(i)) TO '{good}' (FORMAT parquet)"
    )
    data = good.read_bytes()
    for at in (200, len(data) // 2, len(data) - 400):
        bad = tmp_path / f"bad{at}.parquet"
        bad.write_bytes(data[:at] + b"\x41" * 1500 + data[at + 1500 :])
        r = run_file(bad, "--tz", "UTC")
        one_sentence_error(r, bad, "")


@pytest.mark.parametrize(
    ("name", "zone"),
    [
        ("json_timezone_Z.json", "Z"),
        ("json_timezone_GMT+5.json", "GMT+5"),
        ("json_timezone_posixrules.json", "posixrules"),
    ],
)
def test_a_time_zone_in_the_data_seshis_does_not_know_is_a_data_error(name, zone):
    """It exited 2, the code of a usage error; the value is data, so: exit 1, naming it."""
    path = CORPUS / name
    r = run_file(path)
    one_sentence_error(r, path, f"gives the time zone '{zone}'")
    assert "--tz" in r.err
    assert run_file(path, "--tz", "Europe/Paris").code == 0


def test_a_known_zone_in_the_data_wins_over_unknown_ones():
    doc = run_file(CORPUS / "json_timezone_mixed.json").json()
    assert doc["range"]["timezone"] == "Europe/Paris"


def _peak_mb(tmp_path, path) -> float:
    """The peak memory of a whole seshis run, in a child of its own."""
    probe = (
        "import resource, subprocess, sys; "
        "subprocess.run([sys.executable, '-m', 'seshis', '--all', '--json', '--no-input', "
        "'--tz', 'UTC', '--source', sys.argv[1]], stdout=subprocess.DEVNULL, check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True
    )
    return int(out.stdout) / 1024


def test_a_huge_field_takes_bounded_memory(tmp_path):
    """6 MB of nested JSON in one field took 2.1 GB, a 50 MB string 1.6 GB."""
    head = json.dumps([pf_session("a"), pf_session("b")])[:-1]
    nested = tmp_path / "nested.json"
    nested.write_text(
        head + ', {"session_id": "c", "deep": ' + "[" * 3_000_000 + "]" * 3_000_000 + "}]"
    )
    string = tmp_path / "string.json"
    string.write_text(json.dumps([pf_session("a"), pf_session("b", note="x" * 50_000_000)]))
    assert _peak_mb(tmp_path, nested) < 600
    assert _peak_mb(tmp_path, string) < 600


TRICKY = [
    "'=x",
    "=SUM(A1)",
    "'",
    "''",
    "'hello",
    "+49 30",
    "-2",
    "@cmd",
    "\tTAB",
    "a,b",
    'say "hi"',
    "two\nlines",
    " padded ",
    "ü€😀",
    "plain",
]


def test_seshis_csv_reads_back_every_value_exactly(tmp_path):
    """A genuine leading quote was stripped on the way back (`'=x` came back as `=x`)."""
    from seshis.sources import load_files
    from seshis.store import InputStore

    store = InputStore.create()
    values = ", ".join(f"('t{i}', {lit(v)}, {lit(v)})" for i, v in enumerate(TRICKY))
    store.add(
        f"SELECT sid AS session_id, v AS site, NULL AS acn, NULL AS account, w AS station_id, "
        f"NULL AS space, NULL AS user_id, '{T0}'::TIMESTAMPTZ AS start, "
        f"'{T1}'::TIMESTAMPTZ AS \"end\", NULL AS done_charging, 1.0 AS kwh, "
        "'UTC' AS timezone, NULL AS status, NULL AS evse_type, NULL AS authorization_source, "
        "NULL AS vehicle, NULL AS cost, 'x' AS origin, NULL AS raw, NULL AS _raw_start, "
        "NULL AS _raw_end, "
        f"NULL AS _raw_kwh FROM (VALUES {values}) v(sid, v, w)",
        "tricky",
        materialize=True,
    )
    store.finalize()
    out = tmp_path / "export.csv"
    store.copy_csv('SELECT session_id, site, station_id, start, "end", kwh FROM sessions', out)
    back = load_files([out]).store
    read = {
        r[0]: (r[1], r[2]) for r in back.rows("SELECT session_id, site, station_id FROM sessions")
    }
    assert read == {f"t{i}": (v, v) for i, v in enumerate(TRICKY)}


def test_every_shape_accounts_for_every_row(tmp_path):
    """sessions + invalid + duplicates = the rows of the file, for each shape seshis reads."""
    lists = {
        "acn_download.json": lambda d: len(d["_items"]),
        "acn_list.json": len,
        "powerflex_list.json": len,
        "powerflex_rows.json": lambda d: len(d["rows"]),
    }
    for name, count in lists.items():
        doc = run_file(DATA / name, "--tz", "UTC").json()
        assert accounted(doc) == count(json.loads((DATA / name).read_text())), name
    ndjson = tmp_path / "lines.json"
    rows = json.loads((DATA / "powerflex_list.json").read_text())
    ndjson.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert accounted(run_file(ndjson, "--tz", "UTC").json()) == len(rows)
    for name in ("acn.csv", "powerflex.csv"):
        with (DATA / name).open(newline="") as fh:
            records = [r for r in list(csv.reader(fh))[1:] if r]
        assert accounted(run_file(DATA / name, "--tz", "UTC").json()) == len(records), name
    exported = tmp_path / "export.csv"
    r = run_cli(
        "--all",
        "--csv",
        "--output",
        str(exported),
        "--no-input",
        "--tz",
        "UTC",
        "--source",
        str(DATA / "powerflex_rows.json"),
    )
    assert r.code == 0, r.err
    with exported.open(encoding="utf-8-sig", newline="") as fh:
        records = [r for r in list(csv.reader(fh))[1:] if r]
    assert accounted(run_file(exported, "--tz", "UTC").json()) == len(records)
    parquet = tmp_path / "rows.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_json('{DATA / 'powerflex_list.json'}', columns={{"
        "session_id: 'VARCHAR', created_at: 'VARCHAR', updated_at: 'VARCHAR', "
        f"session_kwh: 'VARCHAR'}})) TO '{parquet}' (FORMAT parquet)"
    )
    assert accounted(run_file(parquet, "--tz", "UTC").json()) == len(rows)


# The fixed corpus: each file of tests/data/corpus with its exit code, and, when it is read,
# its sessions, invalid rows and duplicates, all counted by hand from the file itself (the
# files are a few lines each); or the words its one-sentence error must contain.
CORPUS_EXPECTED = {
    "csv_93_columns_one_bad_line.csv": (0, 3, 2, 0),  # w2 too short, w4 three fields too many
    "csv_bare_cr_in_a_line.csv": (0, 2, 2, 0),  # k2 split by its CR into two short lines
    "csv_blank_lines_and_quoted_newline.csv": (0, 4, 0, 0),  # "b\n3" is one id; blanks skipped
    "csv_crlf.csv": (0, 2, 1, 0),  # f3 has two fields
    "csv_header_bare_cr.csv": (1, "carriage return inside its header line"),
    "csv_times_out_of_range.csv": (0, 2, 18, 0),  # 9 bad starts, 9 bad ends
    "csv_unterminated_quote.csv": (0, 4, 1, 0),  # u3
    "csv_unterminated_quote_closed_later.csv": (0, 3, 2, 0),  # q2, q4
    "json_cut_after_comma.json": (1, "is not valid JSON"),
    "json_empty_list.json": (1, "holds no sessions"),
    "json_not_objects.json": (0, 2, 4, 0),  # 5, null, "x", [1]
    "json_one_session_with_rows.json": (0, 1, 0, 0),
    "json_rows_empty.json": (1, "holds no sessions"),
    "json_rows_null.json": (1, "holds no sessions"),
    "json_rows_number.json": (1, "holds no sessions"),
    "json_session_has_rows_and_items.json": (0, 4, 0, 0),
    "json_timezone_GMT+5.json": (1, "gives the time zone 'GMT+5'"),
    "json_timezone_Z.json": (1, "gives the time zone 'Z'"),
    "json_timezone_mixed.json": (0, 3, 0, 0),
    "json_timezone_posixrules.json": (1, "gives the time zone 'posixrules'"),
    "ndjson_two_pages.json": (1, "several JSON documents"),
    # Parquet times of every type (tests/data/make_parquet_corpus.py wrote them; each row's
    # values are listed there); a time is valid from 1990 to 2100, ±infinity never
    "parquet_acn_done_charging_infinity.parquet": (0, 4, 0, 0),  # done charging is optional
    "parquet_dates.parquet": (0, 2, 5, 0),  # d3-d5 ends out of range, d6 zero time, d7 no end
    "parquet_end_timestamp_infinity.parquet": (0, 2, 5, 0),  # a3-a7: ±inf, NULL, 1969, 2100
    "parquet_end_timestamp_ns.parquet": (0, 2, 4, 0),  # b3-b6: inf, NULL, 1970, 2262
    "parquet_epoch_integers.parquet": (0, 2, 5, 0),  # e3 1970, e4 e7 too far, e5 1969, e6 NULL
    "parquet_int96.parquet": (0, 2, 1, 0),  # g3 starts in 1950
    "parquet_ms_beyond_duckdb.parquet": (1, "could not be read as Parquet"),  # year 146 million
    "parquet_ns_with_and_without_zone.parquet": (0, 2, 2, 0),  # f3 starts at inf, f4 NULL
    "parquet_powerflex_mixed_times.parquet": (0, 2, 2, 0),  # h2 from epoch ms; h3 inf, h4 none
    "parquet_time_of_day_null_and_list.parquet": (0, 0, 2, 0),  # no start is an instant
    "parquet_times_ms_and_s.parquet": (0, 2, 3, 0),  # c2 no start, c3 1900, c4 2150
}


def test_the_corpus_lists_every_file():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(CORPUS_EXPECTED)


@pytest.mark.parametrize(("name", "expected"), sorted(CORPUS_EXPECTED.items()))
def test_corpus(name, expected):
    path = CORPUS / name
    r = run_file(path)
    if expected[0] == 1:
        one_sentence_error(r, path, expected[1])
        return
    assert r.code == 0, r.err
    doc = r.json()
    got = (doc["totals"]["sessions"], doc["totals"]["invalid"], doc["data_quality"]["duplicates"])
    assert got == expected[1:]


def test_empty_lines_inside_a_csv_keep_the_fast_reader(tmp_path, monkeypatch):
    """DuckDB skips empty lines; counted as such, they do not send the file to the
    line-by-line reader, and every row is still accounted for."""
    from seshis.sources import files

    lines = (DATA / "acn.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "gaps.csv"
    path.write_text("\n".join([lines[0], lines[1], "", "", *lines[2:], "", ""]), encoding="utf-8")

    def no_line_reader(*args, **kwargs):
        raise AssertionError("the line-by-line reader was used")

    monkeypatch.setattr(files, "_read_lines", no_line_reader)
    r = run_cli("--all", "--json", "--no-input", "--source", str(path))
    assert r.code == 0, r.err
    totals = r.json()["totals"]
    assert totals["sessions"] + totals["invalid"] == len(lines) - 1
