"""Every input shape seshis reads, `seshis --all --json` against one typed DuckDB read of the file.

From one deterministic synthetic session set (bench_analysis.GENERATE: 15 % unclaimed, 10 % empty,
5 % micro, 400 stations, 5000 drivers, two years), files of each shape with the real field names
and value formats are written to bench/out/inputs/ (cached while the file exists):

  acn-items   ACN-Data web download {"_meta": {...}, "_items": [...]}
  acn-list    ACN-Data items as a bare JSON list
  ndjson      ACN-Data items, one per line
  powerflex   PowerFlex {"rows": [...]}
  acn-csv     ACN-Data CSV export (times RFC 1123, userInputs as JSON text, NULL empty)
  ocpi        OCPI 2.2.1 CDRs as a bare JSON list
  parquet     seshis's normalized schema (bench_analysis.parquet_file), at the --parquet sizes

Then, each in a fresh process (peak RSS from wait4 of that child alone): (a) the whole process
`seshis --all --json --no-input --source FILE`, checking totals.sessions against the rows
written; (b) the DuckDB reference: one typed parse of the file (read_json / read_csv with an
explicit schema of the fields seshis maps, times typed by the reader; an envelope read as one
JSON value, columns {'_items': 'STRUCT(...)[]'}, records=true, then unnest) into a table, then
the same kind of figures (sessions by category, distinct drivers, per station, per day), checked
against seshis's totals. Parquet is queried in place (read_parquet of those columns, no copy).
Targets: a file within 3x of the reference; Parquet at most 1.0x and under 1 GB. Last, the
median of 10 runs of `seshis --help`.

Run: .venv/bin/python bench/bench_inputs.py [--rows 1000000] [--repeat 1] [--only SHAPE ...]
     [--parquet 10000000 30000000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_analysis import GENERATE, OUT, SESHIS, SPAN_S, parquet_file, run_once

INPUTS = OUT / "inputs"
RFC1123 = "%a, %d %b %Y %H:%M:%S GMT"
ISO_MS = "%Y-%m-%dT%H:%M:%S.000Z"
ISO = "%Y-%m-%dT%H:%M:%SZ"
ZONE = "America/Los_Angeles"
MICRO_KWH = 1.0  # seshis's default micro threshold

# The GENERATE rows with what the shapes derive from them: the row number, the driver's and
# the station's numbers, and what an ACN-Data driver typed into the app.
_BASE = """
SELECT *,
    substr(session_id, 2)::BIGINT AS i,
    regexp_extract(user_id, '[0-9]+') AS unum,
    substr(station_id, 4) AS snum,
    (10 + hash(session_id, 'mr') % 240)::INTEGER AS miles,
    (250 + hash(session_id, 'wpm') % 150)::INTEGER AS whpm,
    (30 + hash(session_id, 'ma') % 700)::INTEGER AS minutes
FROM ({generate})
"""

# The ACN-Data item fields in the order the API gives them; `inputs` is the userInputs value.
_ACN = """
SELECT '6003931bf9af8b' || format('{{:010x}}', i) AS _id,
    '0039' AS clusterID,
    strftime(start, '{rfc}') AS connectionTime,
    strftime("end", '{rfc}') AS disconnectTime,
    strftime(done_charging, '{rfc}') AS doneChargingTime,
    round(kwh, 3) AS kWhDelivered,
    '2_39_' || snum || '_1_' || strftime(start, '%Y-%m-%d %H:%M:%S') || '.'
        || lpad((i % 1000000)::VARCHAR, 6, '0') AS sessionID,
    '0002' AS siteID,
    'CA-' || substr(space, 2) AS spaceID,
    '2-39-' || snum || '-1' AS stationID,
    timezone,
    lpad(unum, 9, '0') AS userID,
    {inputs} AS userInputs
FROM base
"""

# userInputs as JSON (a list of one object) and as the CSV export's text of it.
_INPUTS_JSON = """CASE WHEN user_id IS NOT NULL THEN [{{
    'userID': unum::INTEGER, 'milesRequested': miles, 'WhPerMile': whpm,
    'minutesAvailable': minutes,
    'modifiedAt': strftime(start + INTERVAL 15 SECOND, '{rfc}'),
    'paymentRequired': true,
    'requestedDeparture': strftime(start + to_minutes(minutes), '{rfc}'),
    'kWhRequested': round(miles * whpm / 1000.0, 2)}}] END"""
_INPUTS_CSV = """CASE WHEN user_id IS NOT NULL THEN format(
    '[{{{{"userID": {{}}, "milesRequested": {{}}, "WhPerMile": {{}}, "minutesAvailable": {{}}, '
    || '"modifiedAt": "{{}}", "paymentRequired": true, "requestedDeparture": "{{}}", '
    || '"kWhRequested": {{}}}}}}]',
    unum::INTEGER, miles, whpm, minutes, strftime(start + INTERVAL 15 SECOND, '{rfc}'),
    strftime(start + to_minutes(minutes), '{rfc}'), round(miles * whpm / 1000.0, 2)) END"""

_POWERFLEX = f"""
SELECT session_id, site, acn, account, station_id AS pfid, space AS parking_space,
    user_id AS "user",
    strftime(start, '{ISO_MS}') AS created_at,
    strftime("end", '{ISO_MS}') AS updated_at,
    epoch_ms(start) AS session_start_time,
    kwh AS session_kwh,
    'COMPLETED' AS status
FROM base
"""

# OCPI 2.2.1 CDRs as tests/fakeapi.py shapes them; an unclaimed session has an empty token.
_OCPI = f"""
SELECT session_id AS id,
    strftime("end" + INTERVAL 30 MINUTE, '{ISO}') AS last_updated,
    strftime(start, '{ISO}') AS start_date_time,
    strftime("end", '{ISO}') AS end_date_time,
    {{'country_code': 'NL', 'party_id': 'ABC', 'type': 'RFID', 'uid': coalesce(user_id, ''),
      'contract_id': CASE WHEN user_id IS NULL THEN ''
          ELSE 'NL-ABC-' || upper(split_part(user_id, '@', 1)) END}} AS cdr_token,
    'WHITELIST' AS auth_method,
    {{'id': 'LOC1', 'name': site, 'evse_uid': station_id, 'connector_id': '1'}} AS cdr_location,
    'EUR' AS currency,
    {{'excl_vat': round(kwh * 0.3, 2), 'incl_vat': round(kwh * 0.33, 2)}} AS total_cost,
    round(kwh, 3) AS total_energy,
    round((epoch("end") - epoch(start)) / 3600, 6) AS total_time,
    round(CASE WHEN done_charging IS NULL THEN 0
        ELSE (epoch("end") - epoch(done_charging)) / 3600 END, 6) AS total_parking_time
FROM base
"""

# shape: (file name, what it is)
SHAPES: dict[str, tuple[str, str]] = {
    "acn-items": ("acn-items.json", 'ACN-Data web download {"_meta","_items"}'),
    "acn-list": ("acn-list.json", "ACN-Data bare JSON list"),
    "ndjson": ("acn.ndjson", "ACN-Data items, NDJSON"),
    "powerflex": ("powerflex-rows.json", 'PowerFlex {"rows"}'),
    "acn-csv": ("acn.csv", "ACN-Data CSV"),
    "ocpi": ("ocpi-cdrs.json", "OCPI 2.2.1 CDRs, bare list"),
}


def _path(shape: str, n: int) -> Path:
    return INPUTS / f"{n}-{SHAPES[shape][0]}"


def input_file(shape: str, n: int) -> Path:
    """The cached file of a shape, made in a child process so this one stays small (a child
    inherits its parent's peak RSS at fork)."""
    path = _path(shape, n)
    if not path.exists():
        subprocess.run([sys.executable, __file__, "--make", shape, str(n)], check=True)
    return path


def _wrap(src: Path, dst: Path, prefix: str, suffix: str) -> None:
    """dst = prefix + the text of src (a JSON list) + suffix, streamed."""
    with src.open("rb") as inp, dst.open("wb") as out:
        out.write(prefix.encode())
        shutil.copyfileobj(inp, out, 1 << 20)
        out.write(suffix.encode())


def make(shape: str, n: int) -> None:
    """Write the file of a shape with `n` sessions (DuckDB COPY, envelopes wrapped by streaming)."""
    import duckdb

    path = _path(shape, n)
    if path.exists():
        return
    INPUTS.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    base = _BASE.format(generate=GENERATE.format(n=n, span=SPAN_S))
    acn_json = _ACN.format(rfc=RFC1123, inputs=_INPUTS_JSON.format(rfc=RFC1123))
    acn_csv = _ACN.format(rfc=RFC1123, inputs=_INPUTS_CSV.format(rfc=RFC1123))

    def copy(select: str, to: Path, options: str) -> None:
        con.execute(f"COPY (WITH base AS ({base}) {select}) TO '{to}' ({options})")

    if shape == "acn-items":
        listed = input_file("acn-list", n)
        lo = datetime(2023, 1, 1, tzinfo=UTC)
        hi = lo + timedelta(seconds=SPAN_S + 86400)
        meta = {
            "end": hi.strftime(RFC1123),
            "min_kWh": None,
            "site": "caltech",
            "start": lo.strftime(RFC1123),
        }
        _wrap(listed, tmp, '{"_meta": ' + json.dumps(meta) + ', "_items": ', "}\n")
    elif shape == "acn-list":
        copy(acn_json, tmp, "FORMAT json, ARRAY true")
    elif shape == "ndjson":
        copy(acn_json, tmp, "FORMAT json")
    elif shape == "powerflex":
        rows = path.with_suffix(".rows.tmp")
        copy(_POWERFLEX, rows, "FORMAT json, ARRAY true")
        _wrap(rows, tmp, '{"rows": ', "}\n")
        rows.unlink()
    elif shape == "acn-csv":
        copy(acn_csv, tmp, "FORMAT csv, HEADER true")
    elif shape == "ocpi":
        copy(_OCPI, tmp, "FORMAT json, ARRAY true")
    con.close()
    tmp.replace(path)
    size = path.stat().st_size / 1e6
    print(f"wrote {path} ({n:,} rows, {size:.0f} MB) in {time.perf_counter() - t0:.1f} s")


# --- the DuckDB reference -----------------------------------------------------------------------
#
# One typed parse of the file (only the fields seshis maps, times typed by the reader) into a
# table of the normalized columns, then the figures an analysis needs.

_ACN_TYPES = {
    "clusterID": "VARCHAR",
    "connectionTime": "TIMESTAMP",
    "disconnectTime": "TIMESTAMP",
    "doneChargingTime": "TIMESTAMP",
    "kWhDelivered": "DOUBLE",
    "sessionID": "VARCHAR",
    "siteID": "VARCHAR",
    "spaceID": "VARCHAR",
    "stationID": "VARCHAR",
    "timezone": "VARCHAR",
    "userID": "VARCHAR",
}
_ACN_AS = """sessionID AS session_id, siteID AS site, clusterID AS account,
    stationID AS station_id, spaceID AS space, userID AS user_id,
    timezone('UTC', connectionTime) AS start, timezone('UTC', disconnectTime) AS "end",
    timezone('UTC', doneChargingTime) AS done_charging, kWhDelivered AS kwh, timezone"""
_PF_TYPES = {
    "session_id": "VARCHAR",
    "site": "VARCHAR",
    "acn": "VARCHAR",
    "account": "VARCHAR",
    "pfid": "VARCHAR",
    "parking_space": "VARCHAR",
    "user": "VARCHAR",
    "created_at": "TIMESTAMPTZ",
    "updated_at": "TIMESTAMPTZ",
    "session_kwh": "DOUBLE",
    "status": "VARCHAR",
}
_PF_AS = """session_id, site, account, pfid AS station_id, parking_space AS space,
    "user" AS user_id, created_at AS start, updated_at AS "end",
    NULL::TIMESTAMPTZ AS done_charging, session_kwh AS kwh, 'America/Los_Angeles' AS timezone"""
_OCPI_TYPES = {
    "id": "VARCHAR",
    "start_date_time": "TIMESTAMPTZ",
    "end_date_time": "TIMESTAMPTZ",
    "cdr_token": "STRUCT(uid VARCHAR, contract_id VARCHAR)",
    "auth_method": "VARCHAR",
    "cdr_location": "STRUCT(name VARCHAR, evse_uid VARCHAR, connector_id VARCHAR)",
    "total_cost": "STRUCT(excl_vat DOUBLE)",
    "total_energy": "DOUBLE",
    "total_parking_time": "DOUBLE",
}
_OCPI_AS = """id AS session_id, cdr_location.name AS site, NULL AS account,
    cdr_location.evse_uid AS station_id, cdr_location.connector_id AS space,
    nullif(cdr_token.uid, '') AS user_id, start_date_time AS start, end_date_time AS "end",
    end_date_time - to_microseconds((total_parking_time * 3600e6)::BIGINT) AS done_charging,
    total_energy AS kwh, 'UTC' AS timezone"""
_PARQUET_AS = """session_id, site, account, station_id, space, user_id, start, "end",
    done_charging, kwh, timezone"""
# The distinct drivers in a query of their own: with other aggregates in one ungrouped query,
# DuckDB 2.0 holds ~45 MB per million rows for count(DISTINCT) (1.3 GB at 30M rows), alone ~0.
_FIGURES = [
    f"""SELECT count(*), count(*) FILTER (kwh = 0), count(*) FILTER (kwh > 0 AND kwh < {MICRO_KWH}),
        count(*) FILTER (kwh >= {MICRO_KWH}), count(*) FILTER (user_id IS NULL),
        sum(kwh), avg(epoch("end") - epoch(start)) FROM t""",
    "SELECT count(DISTINCT user_id) FROM t",
    """SELECT station_id, count(*), count(*) FILTER (kwh = 0), sum(kwh), count(DISTINCT user_id),
        max(start) FROM t GROUP BY station_id""",
    f"""SELECT (start AT TIME ZONE '{ZONE}')::DATE AS day, count(*), sum(kwh),
        count(*) FILTER (kwh = 0) FROM t GROUP BY day""",
]


def _columns(types: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"


def _struct(types: dict[str, str]) -> str:
    return "STRUCT(" + ", ".join(f'"{k}" {v}' for k, v in types.items()) + ")"


def reference_sql(shape: str, path: Path) -> str:
    """The typed read of a file as the normalized columns."""
    size = max(path.stat().st_size + 1, 1 << 24)  # the envelopes are one JSON value
    rfc = f"timestampformat = '{RFC1123}'"
    envelope = f"format = 'unstructured', records = true, maximum_object_size = {size}"
    if shape == "acn-items":
        items = _struct(_ACN_TYPES) + "[]"
        read = f"read_json('{path}', columns = {{'_items': '{items}'}}, {envelope}, {rfc})"
        return f"SELECT {_ACN_AS} FROM (SELECT unnest(_items, recursive := true) FROM {read})"
    if shape in ("acn-list", "ndjson"):
        fmt = "array" if shape == "acn-list" else "newline_delimited"
        cols = _columns(_ACN_TYPES)
        read = f"read_json('{path}', format = '{fmt}', records = true, columns = {cols}, {rfc})"
        return f"SELECT {_ACN_AS} FROM {read}"
    if shape == "powerflex":
        rows = _struct(_PF_TYPES) + "[]"
        read = f"read_json('{path}', columns = {{'rows': '{rows}'}}, {envelope})"
        return f"SELECT {_PF_AS} FROM (SELECT unnest(rows, recursive := true) FROM {read})"
    if shape == "acn-csv":
        types = {"_id": "VARCHAR"} | _ACN_TYPES | {"userInputs": "VARCHAR"}
        cols = _columns(types)
        read = f"read_csv('{path}', header = true, columns = {cols}, {rfc})"
        return f"SELECT {_ACN_AS} FROM {read}"
    if shape == "ocpi":
        cols = _columns(_OCPI_TYPES)
        read = f"read_json('{path}', format = 'array', records = true, columns = {cols})"
        return f"SELECT {_OCPI_AS} FROM {read}"
    if shape == "parquet":
        return f"SELECT {_PARQUET_AS} FROM read_parquet('{path}')"
    raise ValueError(shape)


def reference(shape: str, path: Path) -> None:
    """Run in a fresh process: the typed read into a table, then the figures; print the
    in-process seconds and the sessions read, as JSON."""
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # Parquet is typed already: the queries read it in place (a table copy of 10M rows costs
    # 1.5x the time and 3x the memory); any other file is parsed once into a table.
    kind = "VIEW" if shape == "parquet" else "TABLE"
    con.execute(f"CREATE {kind} t AS {reference_sql(shape, path)}")
    read = time.perf_counter() - t0 if kind == "TABLE" else None
    figures = [con.execute(sql).fetchall() for sql in _FIGURES]
    totals = figures[0][0][:5] + figures[1][0]
    secs = time.perf_counter() - t0
    keys = ("sessions", "empty", "micro", "normal", "unclaimed", "users")
    print(json.dumps({"seconds": secs, "read": read} | dict(zip(keys, totals, strict=False))))


# --- the runs -------------------------------------------------------------------------------------


def _runs(args: list[str], repeat: int) -> tuple[float, int, list[str]] | str:
    """(median wall seconds, largest peak RSS, stdout of each run), or why it failed."""
    walls, peaks, outs = [], [], []
    for _ in range(repeat):
        try:
            wall, peak, stdout = run_once(args)
        except SystemExit as exc:  # run_once exits on a failed run
            return str(exc).splitlines()[0]
        walls.append(wall)
        peaks.append(peak)
        outs.append(stdout)
    return statistics.median(walls), max(peaks), outs


def bench(shape: str, n: int, path: Path, repeat: int) -> dict:
    """seshis and the reference on one file; warnings where a count is not `n`."""
    row: dict = {"shape": shape, "rows": n, "mb": path.stat().st_size / 1e6}
    seshis = [str(SESHIS), "--all", "--json", "--no-input", "--source", str(path)]
    ours = _runs(seshis, repeat)
    if isinstance(ours, str):
        row["warn"] = [f"seshis failed: {ours}"]
        ours = (float("nan"), 0, [""])
    else:
        got = json.loads(ours[2][0])["totals"]["sessions"]
        row["warn"] = [] if got == n else [f"seshis totals.sessions is {got:,}, not {n:,}"]
    theirs = _runs([sys.executable, __file__, "--reference", shape, str(path)], repeat)
    if isinstance(theirs, str):
        row["warn"].append(f"DuckDB reference failed: {theirs}")
        theirs = (float("nan"), 0, ['{"sessions": 0, "read": null}'])
    children = [json.loads(out) for out in theirs[2]]
    child = children[0]
    if child["sessions"] != n:
        row["warn"].append(f"DuckDB reference read {child['sessions']:,} sessions, not {n:,}")
    elif ours[2][0]:  # the same figures both ways
        mine = json.loads(ours[2][0])["totals"]
        differ = [f"{k} {mine[k]:,} vs {v:,}" for k, v in child.items() if mine.get(k, v) != v]
        row["warn"] += [f"seshis and DuckDB differ: {', '.join(differ)}"] if differ else []
    row |= {"ours": ours[0], "ours_mb": ours[1] / 1e6, "duck": theirs[0]}
    row |= {"duck_mb": theirs[1] / 1e6, "duck_read": None}
    if child["read"] is not None:
        row["duck_read"] = statistics.median(c["read"] for c in children)
    return row


def _line(r: dict) -> tuple[str, list[str]]:
    """The table's line of a result, and its flags."""
    ratio = r["ours"] / r["duck"]
    limit = 1.0 if r["shape"] == "parquet" else 3.0
    read = "-" if r["duck_read"] is None else f"{r['duck_read']:.2f}"
    flags = [f"over {limit:g}x"] if not ratio <= limit else []
    if r["shape"] == "parquet" and not r["ours_mb"] < 1000:
        flags.append("over 1 GB")
    text = (
        f"{r['shape']:<10}{r['rows']:>12,}{r['mb']:>9.0f}{r['ours']:>10.2f}{r['ours_mb']:>10.0f}"
        f"{r['duck']:>10.2f}{r['duck_mb']:>10.0f}{read:>9}{ratio:>7.1f}x  " + ", ".join(flags)
    ).rstrip()
    return text, flags


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", nargs="+", choices=[*SHAPES, "parquet"], metavar="SHAPE")
    parser.add_argument("--parquet", type=int, nargs="*", default=[10_000_000], metavar="N")
    parser.add_argument("--make", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--reference", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make(args.make[0], int(args.make[1]))
        return 0
    if args.reference:
        reference(args.reference[0], Path(args.reference[1]))
        return 0
    shapes = args.only or [*SHAPES, "parquet"]
    cases = [(s, args.rows, input_file(s, args.rows)) for s in SHAPES if s in shapes]
    if "parquet" in shapes:
        cases += [("parquet", n, parquet_file(n)) for n in args.parquet]
    print(
        f"\n{len(cases)} files, {args.repeat} run(s) each, median wall s of the whole process, "
        "peak MB its max RSS;\nduckdb: one typed parse into a table, then the figures "
        "('read s': its parse alone, in-process;\nParquet: the queries read the file in place)"
    )
    print(
        f"{'shape':<10}{'rows':>12}{'file MB':>9}{'seshis s':>10}{'seshis MB':>10}"
        f"{'duckdb s':>10}{'duckdb MB':>10}{'read s':>9}{'ratio':>8}"
    )
    missed, warnings = 0, []
    for shape, n, path in cases:
        r = bench(shape, n, path, args.repeat)
        line, flags = _line(r)
        missed += bool(flags)
        print(line, flush=True)
        warnings += [f"WARNING {shape} {n:,}: {w}" for w in r["warn"]]
    for w in warnings:
        print(w)
    helps = sorted(run_once([str(SESHIS), "--help"])[0] for _ in range(10))
    print(f"seshis --help: median {statistics.median(helps):.3f} s of 10 runs (target < 0.1 s)")
    return 1 if missed or warnings else 0


if __name__ == "__main__":
    sys.exit(main())
