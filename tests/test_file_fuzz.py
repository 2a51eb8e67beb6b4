"""Mutated real files never crash seshis, and every row of a file it reads is accounted for.

Each example takes a real session file (tests/data, and the first rows of the shared ACN-Data
CSV when it is there), mutates it (cuts it, deletes or repeats a line, inserts a quote, a
carriage return or a NUL, or puts a nasty value into a field), and runs the CLI on it. The
promises: exit 0 or 1, never 2; never "Unexpected error"; and when it exits 0, sessions +
invalid rows + duplicates = the rows Python's json or csv module counts in the same bytes.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from functools import cache

from conftest import DATA, SHARED_DATA, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NASTY = [
    "infinity",
    "-infinity",
    "0001-01-01 BC",
    "99999-01-01",
    1e300,
    float("nan"),
    "",
    "x" * 1_000_000,
    "[" * 400 + "]" * 400,
    {"deep": [[[{"a": [1, {"b": None}]}]]]},
    "Z",
    "posixrules",
    "'=x",
    '"',
]
IDS = ("session_id", "sessionID")


@cache
def seeds() -> dict[str, bytes]:
    """The files mutated: every shape seshis reads from text."""
    out = {p.name: p.read_bytes() for p in sorted(DATA.glob("*")) if p.suffix in (".json", ".csv")}
    out.pop("truncated.json")
    out.pop("not_sessions.json", None)
    rows = json.loads((DATA / "powerflex_list.json").read_text())
    out["lines.json"] = "".join(json.dumps(r) + "\n" for r in rows).encode()
    shared = SHARED_DATA / "acn-caltech-2021.csv"
    if shared.exists():
        with shared.open("rb") as fh:
            out["acn-2021-head.csv"] = b"".join(fh.readline() for _ in range(51))
    return out


def replace_value(name: str, data: bytes, pick: int, value) -> bytes:
    """`value` in place of one field of one row (the pick-th), written back in the file's
    own format; the file unchanged when it has no such field."""
    if name.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        cells = [(r, c) for r in range(1, len(rows)) for c in range(len(rows[r]))]
        if not cells:
            return data
        r, c = cells[pick % len(cells)]
        rows[r][c] = value if isinstance(value, str) else json.dumps(value)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue().encode("utf-8")
    if name == "lines.json":
        docs = [json.loads(line) for line in data.decode().splitlines()]
        items = docs
    else:
        docs = json.loads(data)
        items = (
            docs
            if isinstance(docs, list)
            else next(docs[k] for k in ("_items", "rows", "data") if k in docs)
        )
    fields = [(i, k) for i, item in enumerate(items) for k in item]
    i, k = fields[pick % len(fields)]
    items[i][k] = value
    if name == "lines.json":
        return "".join(json.dumps(d) + "\n" for d in docs).encode()
    return json.dumps(docs).encode()


@st.composite
def mutated(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(seeds())))
    data = seeds()[name]
    kind = draw(st.sampled_from(["cut", "delete", "repeat", "insert", "value", "value"]))
    lines = data.splitlines(keepends=True)
    if kind == "cut":
        return name, data[: draw(st.integers(1, len(data)))]
    if kind in ("delete", "repeat"):
        i = draw(st.integers(0, len(lines) - 1))
        return name, b"".join(
            lines[:i] + ([] if kind == "delete" else [lines[i]] * 2) + lines[i + 1 :]
        )
    if kind == "insert":
        at = draw(st.integers(0, len(data)))
        return name, data[:at] + draw(st.sampled_from([b'"', b"\r", b"\x00"])) + data[at:]
    value = draw(st.sampled_from(NASTY))
    return name, replace_value(name, data, draw(st.integers(0, 10_000)), value)


def decoded(data: bytes) -> str:
    """The text as seshis reads it: UTF-8, else Latin-1; without a byte-order mark."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.removeprefix("\ufeff")


def values(text: str) -> list:
    """The JSON values of a text, one after another (a document, or one per line)."""
    decode, out, i = json.JSONDecoder().raw_decode, [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        value, i = decode(text, i)
        out.append(value)
    return out


def json_rows(data: bytes) -> int | None:
    """The rows of a JSON file as Python counts them: the elements of its list, of its
    envelope's list, or its values one per line; None when Python cannot parse it. DuckDB
    also takes a comma before a closing brace, so the count does too."""
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    text = re.sub(r",(\s*})", r"\1", text)
    try:
        docs = values(text)
    except (ValueError, RecursionError):
        return None
    if len(docs) != 1:
        return len(docs)  # one value per line (or any whitespace)
    doc = docs[0]
    if isinstance(doc, list):
        return len(doc)
    if isinstance(doc, dict) and not set(IDS) & doc.keys():
        for key in ("_items", "rows", "data"):  # ACN-Data, PowerFlex, OCPI
            if key in doc:
                return len(doc[key]) if isinstance(doc[key], list) else 0
    return 1


def csv_rows(data: bytes) -> int | None:
    """The records after the header as Python's csv module reads them (blank lines are no
    records); None when it cannot parse the file."""
    text = decoded(data)
    first = text.split("\n", 1)[0]
    delim = max(",;\t|", key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True))
    except csv.Error:
        return None
    return len([r for r in rows[1:] if r])


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_a_mutated_file_is_read_or_refused_in_one_sentence(tmp_path_factory, case):
    name, data = case
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    r = run_cli("--all", "--json", "--no-input", "--tz", "UTC", "--source", str(path))
    assert r.code in (0, 1), r.err
    assert "Unexpected error" not in r.err and "Traceback" not in r.err, r.err
    if r.code == 1:
        assert len(r.err.strip().splitlines()) == 1, r.err
        return
    doc = r.json()
    got = doc["totals"]["sessions"] + doc["totals"]["invalid"] + doc["data_quality"]["duplicates"]
    expected = json_rows(data) if _is_json(data) else csv_rows(data)
    if _is_json(data):
        assert expected is not None, "seshis read a JSON file Python cannot parse"
    if expected is not None:
        assert got == expected


def _is_json(data: bytes) -> bool:
    return data.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1] in (b"{", b"[")


def test_the_seeds_are_read_whole(tmp_path):
    """Without a mutation every seed is read, and the test's counts agree with seshis's."""
    for name, data in seeds().items():
        path = tmp_path / name
        path.write_bytes(data)
        r = run_cli("--all", "--json", "--no-input", "--tz", "UTC", "--source", str(path))
        assert r.code == 0, r.err
        doc = r.json()
        got = (
            doc["totals"]["sessions"] + doc["totals"]["invalid"] + doc["data_quality"]["duplicates"]
        )
        assert got == (json_rows(data) if _is_json(data) else csv_rows(data)), name


# --- Parquet times of every type --------------------------------------------------------------
#
# Each time column gets a type Parquet and DuckDB hold, each row a value of it: a good time, or
# one seshis must count as an invalid row (±infinity, NULL, before 1990, after 2100). A row is
# a session exactly when its start and end are good (good ends follow every good start).

GOOD = {"start": "2025-01-02 09:00:00", "end": "2025-01-03 00:00:00", "done": "2025-01-02 20:00:00"}
BAD = {"inf": "infinity", "-inf": "-infinity", "early": "1969-12-31 00:00:00", "late": "2150-06-01"}
TIME_TYPES = [
    "TIMESTAMPTZ",
    "TIMESTAMP",
    "TIMESTAMP_NS",
    "TIMESTAMP_MS",
    "TIMESTAMP_S",
    "DATE",
    "epoch s",
    "epoch ms",
    "epoch double",
    "VARCHAR",
    "TIME",
]
TIME_NAMES = {  # the start, end and done-charging fields of each shape seshis reads in Parquet
    "seshis": ("session_id", "start", "end", "done_charging", "kwh"),
    "ACN-Data": (
        "sessionID",
        "connectionTime",
        "disconnectTime",
        "doneChargingTime",
        "kWhDelivered",
    ),
    "PowerFlex": ("session_id", "created_at", "updated_at", None, "session_kwh"),
}


def time_value(kind: str, sql_type: str, good: str) -> str:
    """The SQL of one value of a time column."""
    if kind == "null":
        return f"NULL::{_storage(sql_type)}"
    text = good if kind == "good" else BAD[kind]
    if sql_type.startswith("epoch"):
        seconds = {"inf": 2**62, "-inf": -(2**62)}.get(kind)
        epoch = f"epoch(TIMESTAMPTZ '{text}')" if seconds is None else str(seconds)
        if sql_type == "epoch ms":
            return f"({epoch})::HUGEINT * 1000" if seconds is None else f"{seconds}::HUGEINT"
        if sql_type == "epoch double":
            inf = {"inf": "'inf'", "-inf": "'-inf'"}.get(kind)
            return f"{inf}::DOUBLE" if inf else f"({epoch})::DOUBLE"
        return f"({epoch})::BIGINT"
    if sql_type == "TIME":
        return f"coalesce(TRY_CAST(TRY_CAST({lit(text)} AS TIMESTAMP) AS TIME), TIME '00:00')"
    return f"{lit(text)}::{sql_type}"


def _storage(sql_type: str) -> str:
    return {"epoch s": "BIGINT", "epoch ms": "HUGEINT", "epoch double": "DOUBLE"}.get(
        sql_type, sql_type
    )


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@st.composite
def parquet_times(draw) -> tuple[str, list[str], int]:
    """(shape, the SQL of each row, the sessions among them)."""
    shape = draw(st.sampled_from(sorted(TIME_NAMES)))
    id_name, *time_names, kwh_name = TIME_NAMES[shape]
    # Parquet's own time types twice as often as text and numbers: it is their mixes that broke
    typed = st.sampled_from(
        [t for t in TIME_TYPES for _ in range(2 if t[:4] in ("TIME", "DATE") else 1)]
    )
    types = [draw(typed) for _ in time_names]
    kinds = st.sampled_from(["good", "good", "good", "null", *BAD])
    rows, sessions = [], 0
    for i in range(draw(st.integers(2, 8))):
        values, good = [f"'s{i}' AS {id_name}"], []
        for name, sql_type, role in zip(time_names, types, ("start", "end", "done"), strict=True):
            if name is None:
                continue
            kind = draw(kinds)
            good.append(kind == "good" and sql_type != "TIME")
            values.append(f'{time_value(kind, sql_type, GOOD[role])} AS "{name}"')
        values.append(f"8.0 AS {kwh_name}")
        rows.append("SELECT " + ", ".join(values))
        sessions += good[0] and good[1]
    return shape, rows, sessions


@settings(max_examples=30, deadline=None, derandomize=True)
@given(parquet_times())
def test_parquet_times_of_every_type_are_read_or_invalid_rows(tmp_path_factory, case):
    import duckdb

    _shape, rows, sessions = case
    path = tmp_path_factory.mktemp("parquet") / "times.parquet"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"COPY ({' UNION ALL '.join(rows)}) TO {lit(str(path))} (FORMAT parquet)")
    con.close()
    r = run_cli("--all", "--json", "--no-input", "--tz", "UTC", "--source", str(path))
    assert r.code == 0, r.err
    totals = r.json()["totals"]
    assert (totals["sessions"], totals["invalid"]) == (sessions, len(rows) - sessions)
