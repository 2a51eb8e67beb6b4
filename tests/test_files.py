"""Every file shape of DESIGN.md, detected from content, gives the same sessions."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import DATA, run_cli

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
        ('{"hello": "world"}', "holds neither ACN-Data sessions"),
        ("name,age\nbob,3\n", "is not a session file seshis can read"),
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
