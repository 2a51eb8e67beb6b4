"""Reading speed of other networks' CSV exports: seshis's load against a plain DuckDB read_csv.

For each built-in format, a synthetic export of N rows (default 1,000,000) is written with the
format's own headers, date and number styles; then, each in a fresh process, the time to
(a) load it with seshis (`seshis.sources.load_files`: recognise the format, map, validate and
de-duplicate every row into the store) and (b) `CREATE TABLE t AS SELECT * FROM read_csv(file)`
in plain DuckDB. The target is seshis under 3x DuckDB.

Run: .venv/bin/python bench/bench_networks.py [--rows 1000000] [--repeat 3] [--only steve]
The files are cached in bench/out/networks/ and reused while their row count matches.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "networks"

# The rows, from hash(i, salt) so every run writes the same file: a start over two years, a
# duration of 10 min to 12 h, 10 % empty, 5 % micro, 15 % without a driver, 400 stations.
_ROWS = """
WITH r AS (
    SELECT i,
        TIMESTAMP '2023-01-01 08:00:00' + to_seconds(i * 63072000 // {n} + hash(i, 's') % 3600)
            AS st,
        to_seconds(600 + hash(i, 'd') % 43200) AS dur,
        (hash(i, 'k') % 1000) / 1000.0 AS u,
        (hash(i, 'e') % 1000000) / 1e6 AS e,
        hash(i, 'st') % 400 AS station,
        CASE WHEN (hash(i, 'w') % 100) < 15 THEN '' ELSE 'U' || (hash(i, 'who') % 5000) END AS who
    FROM range({n}) t(i)
)
SELECT *, st + dur AS en,
    CASE WHEN u < 0.10 THEN 0.0 WHEN u < 0.15 THEN round(0.01 + 0.98 * e, 3)
        ELSE round(1 + 59 * e, 3) END AS kwh
FROM r
"""

# name: (file name, delimiter, encoding, SELECT of the format's columns from the rows above)
FORMATS: dict[str, tuple[str, str, str, str]] = {
    "chargeplace-scotland": (
        "chargeplace.csv",
        ",",
        "utf-8",
        """SELECT i AS "Charging event", who AS "User ID", 'CP' || station AS "CP ID",
            1 + i % 2 AS "Connector", strftime(st, '%d/%m/%Y') AS "Start Date",
            strftime(st, '%H:%M') AS "Start Time", strftime(en, '%d/%m/%Y') AS "End Date",
            strftime(en, '%H:%M') AS "End Time", kwh AS "Total kWh", '0.00' AS "Cost",
            'Site ' || station % 20 AS "Site", 'Group' AS "Group", 'Model' AS "Model" """,
    ),
    "chargeplace-scotland-anonymous": (
        "perth.csv",
        ",",
        "utf-8",
        """SELECT i % 50000 AS "_id", 'CP' || station AS "CP ID", 1 + i % 2 AS "Connector",
            strftime(st, '%Y-%m-%dT00:00:00') AS "Start Date",
            strftime(st, '%H:%M') AS "Start Time",
            strftime(en, '%Y-%m-%dT00:00:00') AS "End Date", strftime(en, '%H:%M') AS "End Time",
            kwh AS "Total kWh", 'Site ' || station % 20 AS "Site", 'Model' AS "Model" """,
    ),
    "chargepoint-opendata": (
        "boulder.csv",
        ",",
        "utf-8",
        """SELECT 'BOULDER / ST' || station AS "Station_Name", '1 Main St' AS "Address",
            'Boulder' AS "City", strftime(st, '%Y/%m/%d %H:%M:%S+00') AS "Start_Date___Time",
            'MDT' AS "Start_Time_Zone", strftime(en, '%Y/%m/%d %H:%M:%S+00') AS "End_Date___Time",
            'MDT' AS "End_Time_Zone", '01:00:00' AS "Total_Duration__hh_mm_ss_",
            '00:50:00' AS "Charging_Time__hh_mm_ss_", kwh AS "Energy__kWh_",
            'Level 2' AS "Port_Type", i AS "ObjectId" """,
    ),
    "chargepoint": (
        "chargepoint.csv",
        ",",
        "utf-8",
        """SELECT 'ORG / ST' || station AS "Station Name", '00:00' AS "MAC Address",
            'Org' AS "Org Name", strftime(st, '%-m/%-d/%Y %H:%M') AS "Start Date",
            'PST' AS "Start Time Zone", strftime(en, '%-m/%-d/%Y %H:%M') AS "End Date",
            'PST' AS "End Time Zone", strftime(en, '%-m/%-d/%Y %H:%M')
                AS "Transaction Date (Pacific Time)",
            '01:00:00' AS "Total Duration (hh:mm:ss)", '00:50:00' AS "Charging Time (hh:mm:ss)",
            kwh AS "Energy (kWh)", 1.0 AS "GHG Savings (kg)",
            1.0 AS "Gasoline Savings (gallons)", 'Level 2' AS "Port Type",
            1 + i % 2 AS "Port Number", 'J1772' AS "Plug Type", '' AS "EVSE ID",
            '1 Main St' AS "Address 1", 'Palo Alto' AS "City", 'California' AS "State/Province",
            '94301' AS "Postal Code", 'United States' AS "Country", 37.4 AS "Latitude",
            -122.1 AS "Longitude", 'USD' AS "Currency", 0.0 AS "Fee",
            'Plug Out at Vehicle' AS "Ended By", i AS "Plug In Event Id",
            '94301' AS "Driver Postal Code", who AS "User ID", 'Santa Clara' AS "County",
            '1' AS "System S/N", 'CT4000' AS "Model Number" """,
    ),
    "steve": (
        "steve.csv",
        ",",
        "utf-8",
        """SELECT i AS transaction_pk, 'CB' || station AS charge_box_id, 1 + i % 2 AS connector_id,
            who AS id_tag, NULL AS user_pk, strftime(st, '%Y-%m-%d %H:%M:%S') AS start_timestamp,
            1000000 AS start_value, strftime(en, '%Y-%m-%d %H:%M:%S') AS stop_timestamp,
            1000000 + CAST(kwh * 1000 AS BIGINT) AS stop_value""",
    ),
    "open-e-mobility": (
        "exported-sessions.csv",
        ",",
        "utf-8",
        """SELECT i AS id, 'CS' || station AS chargingStationID, 1 + i % 2 AS connectorID,
            'Company' AS companyName, 'Site' AS siteName, 'Area' AS siteAreaName,
            who AS userID, who AS "user", 'TAG' || i AS tagID, 'V' || i AS visualTagID,
            '' AS tagDescription, 'Europe/Paris' AS timezone,
            strftime(st, '%Y-%m-%d') AS startDate, strftime(st, '%H:%M:%S') AS startTime,
            strftime(en, '%Y-%m-%d') AS endDate, strftime(en, '%H:%M:%S') AS endTime,
            kwh AS totalConsumptionkWh, 60 AS totalDurationMins, 5 AS totalInactivityMins,
            1.5 AS price, 'EUR' AS priceUnit""",
    ),
    "ocpp-core": (
        "ocpp-core.csv",
        ";",
        "latin-1",
        """SELECT i AS "Transaction ID", 'Station ' || station AS "Charging station",
            1 + i % 2 AS "Connector", who AS "Start-Tag ID", 'Müller' AS "Start-Tag",
            '' AS "Group", strftime(st, '%Y-%m-%d %H:%M:%S') AS "Start",
            1000.0 AS "Start-Meter", who AS "Stop-Tag ID", '' AS "Stop-Tag",
            strftime(en, '%Y-%m-%d %H:%M:%S') AS "Stop", 1000.0 + kwh AS "Stop-Meter",
            replace(kwh::VARCHAR, '.', ',') AS "Energy (kWh)" """,
    ),
}


def export(name: str, n: int) -> Path:
    """The cached export of `n` rows of a format, written by DuckDB."""
    import duckdb

    file, delim, encoding, select = FORMATS[name]
    path = OUT / f"{n}-{file}"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    con = duckdb.connect()
    sql = f"WITH rows AS ({_ROWS.format(n=n)}) {select} FROM rows"
    con.execute(f"COPY ({sql}) TO '{tmp}' (FORMAT csv, HEADER true, DELIMITER '{delim}')")
    con.close()
    if encoding != "utf-8":  # DuckDB writes UTF-8 only
        data = tmp.read_text(encoding="utf-8")
        tmp.write_bytes(data.encode(encoding))
    tmp.replace(path)
    return path


def _child(kind: str, path: str) -> None:
    """Run in a fresh process: load the file one way, print the seconds and the rows."""
    t0 = time.perf_counter()
    if kind == "duckdb":
        import duckdb

        con = duckdb.connect()
        latin = ", encoding = 'latin-1'" if "ocpp-core" in path else ""
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}'{latin})")
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    else:
        from seshis.sources import load_files

        data = load_files([path])
        rows = data.store.value("SELECT count(*) FROM sessions")
    print(f"{time.perf_counter() - t0:.3f} {rows}")


def timed(kind: str, path: Path) -> tuple[float, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), int(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=sorted(FORMATS))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    print(f"{'format':<32} {'rows':>9} {'MB':>6} {'duckdb s':>9} {'seshis s':>9} {'ratio':>6}")
    for name in args.only or FORMATS:
        path = export(name, args.rows)
        plain = statistics.median(timed("duckdb", path)[0] for _ in range(args.repeat))
        runs = [timed("seshis", path) for _ in range(args.repeat)]
        ours = statistics.median(t for t, _ in runs)
        size = path.stat().st_size / 1e6
        ratio = ours / plain
        flag = "" if ratio < 3 else "  over 3x"
        print(
            f"{name:<32} {runs[0][1]:>9,} {size:>6.0f} {plain:>9.2f} {ours:>9.2f} "
            f"{ratio:>5.1f}x{flag}",
            flush=True,
        )


if __name__ == "__main__":
    main()
