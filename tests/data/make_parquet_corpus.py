"""Writes the Parquet files of tests/data/corpus: times of every type Parquet holds, with
±infinity, NULL and values out of range. Run once by hand with pyarrow installed (it is not a
dependency: DuckDB cannot write nanoseconds with a zone, INT96, or seconds and milliseconds as
such); the files are committed, and test_files.CORPUS_EXPECTED counts their rows by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

CORPUS = Path(__file__).parent / "corpus"
INF = 2**63 - 1  # DuckDB's +infinity: the largest int64 of any timestamp unit
NEG_INF = -(2**63 - 1)
DATE_INF, DATE_NEG_INF = 2**31 - 1, -(2**31 - 1)  # DuckDB's ±infinity of a date


def at(text: str, unit: str = "us") -> int:
    """A UTC time as an integer of `unit` since 1970."""
    seconds = int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())
    return seconds * {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]


def day(text: str) -> int:
    return (date.fromisoformat(text) - date(1970, 1, 1)).days


def write(name: str, columns: dict[str, pa.Array], **options: object) -> None:
    pq.write_table(pa.table(columns), CORPUS / name, **options)


def ids(prefix: str, n: int) -> pa.Array:
    return pa.array([f"{prefix}{i + 1}" for i in range(n)])


def main() -> None:
    us, us_tz = pa.timestamp("us"), pa.timestamp("us", tz="UTC")
    # issue 18: a naive `end` holding ±infinity beside a zoned `start`
    starts = ["2025-01-02 09:00", "2025-01-03 09:00", *["2025-01-02 09:00"] * 5]
    write(
        "parquet_end_timestamp_infinity.parquet",
        {
            "session_id": ids("a", 7),
            "start": pa.array([at(s) for s in starts], us_tz),
            "end": pa.array(
                [
                    at("2025-01-02 13:00"),
                    at("2025-01-03 13:00"),
                    INF,
                    NEG_INF,
                    None,
                    at("1969-12-31 00:00"),
                    at("2100-01-01 00:00"),
                ],
                us,
            ),
            "kwh": pa.array([8.0] * 7),
        },
    )
    # issue 18: an `end` in nanoseconds beside a zoned `start` in microseconds
    write(
        "parquet_end_timestamp_ns.parquet",
        {
            "session_id": ids("b", 6),
            "start": pa.array([at(s) for s in starts[:6]], us_tz),
            "end": pa.array(
                [
                    at("2025-01-02 13:00", "ns"),
                    at("2025-01-03 13:00", "ns"),
                    INF,
                    None,
                    0,
                    at("2262-04-11 00:00", "ns"),
                ],
                pa.timestamp("ns"),
            ),
            "kwh": pa.array([8.0] * 6),
        },
    )
    # milliseconds with a zone, seconds without (Parquet stores the seconds as milliseconds)
    write(
        "parquet_times_ms_and_s.parquet",
        {
            "session_id": ids("c", 5),
            "start": pa.array(
                [
                    at("2025-01-02 09:00", "ms"),
                    None,
                    at("2025-01-02 09:00", "ms"),
                    at("2150-01-01 00:00", "ms"),
                    at("2025-01-03 09:00", "ms"),
                ],
                pa.timestamp("ms", tz="UTC"),
            ),
            "end": pa.array(
                [
                    at("2025-01-02 13:00", "s"),
                    at("2025-01-02 13:00", "s"),
                    at("1900-01-01 00:00", "s"),
                    at("2150-01-01 04:00", "s"),
                    at("2025-01-03 13:00", "s"),
                ],
                pa.timestamp("s"),
            ),
            "kwh": pa.array([8.0] * 5),
        },
    )
    # dates: ±infinity, a year no timestamp holds, a day that starts and ends at midnight
    write(
        "parquet_dates.parquet",
        {
            "session_id": ids("d", 7),
            "start": pa.array(
                [day(d) for d in ["2025-01-02", "2025-01-05", *["2025-01-02"] * 3, "2025-01-07"]]
                + [day("2025-01-02")],
                pa.date32(),
            ),
            "end": pa.array(
                [
                    day("2025-01-03"),
                    day("2025-01-06"),
                    DATE_INF,
                    DATE_NEG_INF,
                    day("2025-01-01") + 5_000_000 * 365,
                    day("2025-01-07"),
                    None,
                ],
                pa.date32(),
            ),
            "kwh": pa.array([8.0] * 7),
        },
    )
    # epoch integers: seconds for the start, milliseconds for the end
    write(
        "parquet_epoch_integers.parquet",
        {
            "session_id": ids("e", 7),
            "start": pa.array(
                [
                    at("2025-01-02 09:00", "s"),
                    at("2025-01-03 09:00", "s"),
                    0,
                    at("2025-01-02 09:00", "s"),
                    at("2025-01-02 09:00", "s"),
                    None,
                    INF,
                ],
                pa.int64(),
            ),
            "end": pa.array(
                [
                    at("2025-01-02 13:00", "ms"),
                    at("2025-01-03 13:00", "ms"),
                    at("2025-01-02 13:00", "ms"),
                    2**62,
                    -1,
                    at("2025-01-02 13:00", "ms"),
                    at("2025-01-02 13:00", "ms"),
                ],
                pa.int64(),
            ),
            "kwh": pa.array([8.0] * 7),
        },
    )
    # nanoseconds with a zone (TIMESTAMPTZ_NS) and without, done charging at +infinity
    ns_tz, ns = pa.timestamp("ns", tz="UTC"), pa.timestamp("ns")
    write(
        "parquet_ns_with_and_without_zone.parquet",
        {
            "session_id": ids("f", 4),
            "start": pa.array(
                [at(s, "ns") for s in ["2025-01-02 09:00", "2025-01-03 09:00"]] + [INF, None], ns_tz
            ),
            "end": pa.array(
                [at(s, "ns") for s in ["2025-01-02 13:00", "2025-01-03 13:00"] * 2], ns
            ),
            "done_charging": pa.array([INF, at("2025-01-03 11:00", "ns"), None, None], ns_tz),
            "kwh": pa.array([8.0] * 4),
        },
    )
    # INT96, as Spark and Impala wrote times
    write(
        "parquet_int96.parquet",
        {
            "session_id": ids("g", 3),
            "start": pa.array(
                [at(s, "ns") for s in ["2025-01-02 09:00", "2025-01-03 09:00", "1950-01-01 00:00"]],
                ns,
            ),
            "end": pa.array(
                [at(s, "ns") for s in ["2025-01-02 13:00", "2025-01-03 13:00", "2025-01-02 13:00"]],
                ns,
            ),
            "kwh": pa.array([8.0] * 3),
        },
        use_deprecated_int96_timestamps=True,
    )
    # PowerFlex fields: created_at in nanoseconds, updated_at zoned, epoch ms to fall back on
    write(
        "parquet_powerflex_mixed_times.parquet",
        {
            "session_id": ids("h", 4),
            "created_at": pa.array([at("2025-01-02 09:00", "ns"), None, INF, None], ns),
            "updated_at": pa.array(
                [at("2025-01-02 13:00"), None, at("2025-01-02 13:00"), None], us_tz
            ),
            "session_start_time": pa.array(
                [None, at("2025-01-03 09:00", "ms"), None, None], pa.int64()
            ),
            "session_end_time": pa.array(
                [None, at("2025-01-03 13:00", "ms"), None, at("2025-01-02 13:00", "ms")], pa.int64()
            ),
            "session_kwh": pa.array([8.0] * 4),
        },
    )
    # ACN-Data fields: done charging naive, at ±infinity, NULL or a time (each row valid)
    write(
        "parquet_acn_done_charging_infinity.parquet",
        {
            "sessionID": ids("i", 4),
            "connectionTime": pa.array([at("2025-01-02 09:00")] * 4, us_tz),
            "disconnectTime": pa.array([at("2025-01-02 13:00")] * 4, us_tz),
            "doneChargingTime": pa.array([INF, NEG_INF, None, at("2025-01-02 11:00")], us),
            "kWhDelivered": pa.array([8.0] * 4),
        },
    )
    # times that are no instant: a time of day, a column of NULL type, a list of times
    write(
        "parquet_time_of_day_null_and_list.parquet",
        {
            "session_id": ids("j", 2),
            "start": pa.array([9 * 3600, None], pa.time32("s")),
            "end": pa.array([None, None], pa.null()),
            "done_charging": pa.array([[at("2025-01-02 11:00")], None], pa.list_(us)),
            "kwh": pa.array([8.0] * 2),
        },
    )
    # milliseconds beyond the years DuckDB's microseconds hold: DuckDB refuses the column
    write(
        "parquet_ms_beyond_duckdb.parquet",
        {
            "session_id": ids("k", 2),
            "start": pa.array([at("2025-01-02 09:00", "ms"), 2**62], pa.timestamp("ms")),
            "end": pa.array([at("2025-01-02 13:00", "ms")] * 2, pa.timestamp("ms")),
            "kwh": pa.array([8.0] * 2),
        },
    )


if __name__ == "__main__":
    main()
