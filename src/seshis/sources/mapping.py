"""Column mappings from each origin's field names to the normalized schema, as SQL.

Shared by every source: files of any format, and API pages, map fields the same way. A
`Flavour` names one of the built-in mappings; it reads a CSV through the same small interface
(`CsvFormat`) as a mapping profile of another network (`profiles.Profile`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..definitions import UNCLAIMED_LABEL
from ..store import COLUMNS, Store, lit, q

RFC1123 = "%a, %d %b %Y %H:%M:%S GMT"
# Column types read as numbers (Parquet); any other type (a list, a struct, text) is read
# through its text, so a list of kWh is a non-numeric kWh, never a failed cast.
NUMERIC_TYPE = re.compile(
    r"(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT"
    r"|FLOAT|REAL|DOUBLE|DECIMAL(\(\d+, ?\d+\))?)",
    re.IGNORECASE,
)
EPOCH_LIMIT_S = 10**12  # beyond this many seconds from 1970 DuckDB cannot make a time at all
# The times a session can have. A time outside (infinity, a BC date, the year 10000, an epoch
# in microseconds) is NULL, so its row is invalid (the store says "start time out of range"
# when the text is a time) and no later query meets it: kept, it would break the time zone
# conversions, the durations and the charts of every report.
VALID_TIMES = ("1990-01-01 00:00:00+00", "2100-01-01 00:00:00+00")


@dataclass(frozen=True)
class Field:
    """A normalized column taken from the first of `names` the source has."""

    kind: str  # text | time | number
    names: tuple[str, ...]


def text(*names: str) -> Field:
    return Field("text", names)


def time(*names: str) -> Field:
    return Field("time", names)


def number(*names: str) -> Field:
    return Field("number", names)


ACNDATA: dict[str, Field] = {
    "session_id": text("sessionID"),
    "site": text("siteID"),
    "acn": text("siteID"),
    "account": text("clusterID"),
    "station_id": text("stationID"),
    "space": text("spaceID"),
    "user_id": text("userID"),
    "start": time("connectionTime"),
    "end": time("disconnectTime"),
    "done_charging": time("doneChargingTime"),
    "kwh": number("kWhDelivered"),
    "timezone": text("timezone"),
}

POWERFLEX: dict[str, Field] = {
    "session_id": text("session_id"),
    "site": text("site", "site_name"),
    "acn": text("acn"),
    "account": text("account", "acc"),
    "station_id": text("pfid", "station_id"),
    "space": text("parking_space", "space"),
    "user_id": text("user", "user_id", "email"),
    "start": time("created_at", "session_start_time"),
    "end": time("updated_at", "session_end_time"),
    "kwh": number("session_kwh"),
    "timezone": text("timezone"),
    "status": text("status"),
    "evse_type": text("evse_type"),
    "authorization_source": text("authorization_source"),
    "vehicle": text("vehicle"),
    "cost": number("cost_actual", "cost"),
}

# OCPI fields by JSON path, for CDRs and Sessions of 2.2.1 and 2.1.1: the first path present
# wins. The driver is the token's uid (2.2.1) or auth_id (2.1.1), its contract id when there is
# no uid; the station is the EVSE, the space its connector.
OCPI: dict[str, Field] = {
    "session_id": text("id"),
    # the site: the location's name when given, else its id (2.2.1 Sessions: location_id)
    "site": text(
        "cdr_location.name", "location.name", "cdr_location.id", "location.id", "location_id"
    ),
    "station_id": text("cdr_location.evse_uid", "evse_uid", "location.evses[0].uid"),
    "space": text(
        "cdr_location.connector_id", "connector_id", "location.evses[0].connectors[0].id"
    ),
    "user_id": text("cdr_token.uid", "auth_id", "cdr_token.contract_id"),
    "start": time("start_date_time", "start_datetime"),
    "end": time("end_date_time", "stop_date_time", "end_datetime"),
    "kwh": number("total_energy", "kwh"),
    "status": text("status"),
    "authorization_source": text("auth_method"),
    "cost": number("total_cost.excl_vat", "total_cost"),
    # done charging: the end less the hours parked without charging
    "done_charging": Field(
        "end less hours", ("end_date_time", "stop_date_time", "end_datetime", "total_parking_time")
    ),
}

# seshis's own schema (its Parquet, and its CSV export read back).
NORMALIZED: dict[str, Field] = {
    name: (
        time(name)
        if name in ("start", "end", "done_charging")
        else number(name)
        if name in ("kwh", "cost")
        else text(name)
    )
    for name in COLUMNS
    if name not in ("origin", "raw")
}


class CsvFormat(Protocol):
    """How a CSV's columns become sessions: a built-in `Flavour` or a `profiles.Profile`."""

    @property
    def name(self) -> str: ...

    @property
    def drivers(self) -> bool:
        """Whether the rows say who charged: without, there is no "unclaimed"."""
        ...

    def csv_select(self, columns: list[str], origin: str) -> str:
        """The normalized select list of a CSV whose columns are all read as text."""
        ...

    def csv_rows(self, reader: str, columns: list[str]) -> tuple[str, str]:
        """The rows the select list reads from `reader`, and the SQL of one row as the file
        gave it (JSON text)."""
        ...

    def check_read(self, store: Store, path: Path, table: str) -> None:
        """Raise when the rows read show the format itself is wrong for the file."""
        ...


@dataclass(frozen=True)
class Flavour:
    """A built-in mapping with its name: ACN-Data, PowerFlex, OCPI, or seshis's own."""

    name: str
    fields: dict[str, Field]
    drivers: bool = True

    def csv_select(self, columns: list[str], origin: str) -> str:
        own = self.fields is NORMALIZED

        def ref(name: str) -> str | None:
            if name not in columns:
                return None
            if not own:
                return q(name)
            # undo the export's guard (exactly one leading quote) and its unclaimed label
            value = f"CASE WHEN starts_with({q(name)}, '''') THEN {q(name)}[2:] ELSE {q(name)} END"
            return f"NULLIF({value}, {lit(UNCLAIMED_LABEL)})" if name == "user_id" else value

        return select_list(
            self.fields,
            ref=ref,
            type_of=lambda name: "VARCHAR" if own else "TEXT",  # seshis's own text is exact
            origin=origin,
        )

    def csv_rows(self, reader: str, columns: list[str]) -> tuple[str, str]:
        return reader, "to_json(_r)"

    def check_read(self, store: Store, path: Path, table: str) -> None:
        """Nothing to check: a value of a built-in format that does not parse is an invalid row."""


ACNDATA_FLAVOUR = Flavour("ACN-Data", ACNDATA)
POWERFLEX_FLAVOUR = Flavour("PowerFlex", POWERFLEX)
OCPI_FLAVOUR = Flavour("OCPI", OCPI)
SESHIS_FLAVOUR = Flavour("seshis", NORMALIZED)

# How JSON holds sessions: the list of an envelope ({"_items": [...]} of ACN-Data, {"rows":
# [...]} of PowerFlex, a saved OCPI response {"data": [...], "status_code": 1000, ...}), and
# the fields that make an object a session rather than an envelope.
LIST_KEYS: dict[str, Flavour] = {
    "_items": ACNDATA_FLAVOUR,
    "rows": POWERFLEX_FLAVOUR,
    "data": OCPI_FLAVOUR,
}
ID_KEYS = frozenset({"sessionID", "session_id"})


def flavour(columns: set[str]) -> Flavour | None:
    """Which origin a set of field names comes from, or None."""
    if "sessionID" in columns:
        return ACNDATA_FLAVOUR
    if "session_id" in columns and ("session_kwh" in columns or "created_at" in columns):
        return POWERFLEX_FLAVOUR
    if "session_id" in columns and "kwh" in columns:
        return SESHIS_FLAVOUR
    if "id" in columns and columns & OCPI_STARTS and columns & {"total_energy", "kwh"}:
        return OCPI_FLAVOUR
    return None


OCPI_STARTS = frozenset({"start_date_time", "start_datetime"})


def top(name: str) -> str:
    """The top-level field of a path ("cdr_token.uid" is in "cdr_token")."""
    return re.split(r"[.\[]", name, maxsplit=1)[0]


def nested(name: str, ref: str) -> str:
    """A path's value from its top-level field's JSON text (`ref`); the field itself when the
    name is no path."""
    if name == top(name):
        return ref
    rest = name[len(top(name)) :]
    return f"json_extract_string({ref}, {lit('$' + rest)})"


def end_less_hours(ends: list[str], hours: str) -> str:
    """A time less a number of hours (OCPI's end less total_parking_time): NULL when they are
    negative or longer than a month."""
    end = in_range(ends[0] if len(ends) == 1 else f"COALESCE({', '.join(ends)})")
    h = number_sql(hours)
    return (
        f"CASE WHEN {h} BETWEEN 0 AND 744 "
        f"THEN {end} - to_microseconds(CAST({h} * 3600000000 AS BIGINT)) END"
    )


def time_sql(ref: str, sql_type: str = "VARCHAR") -> str:
    """TIMESTAMPTZ from a column: ISO 8601, RFC 1123 ("Wed, 01 Jan 2020 02:12:11 GMT"), or epoch
    seconds/milliseconds. The connection's time zone is UTC, so naive times are read as UTC.

    Never fails on a value: text that is no time, or a number too far from 1970 for DuckDB to
    convert, is NULL."""
    t = sql_type.upper()
    if t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return ref
    if t.startswith("TIMESTAMP") or t == "DATE":
        # any unit, zone or none; a date beyond the years a timestamp holds is NULL
        return f"TRY_CAST({ref} AS TIMESTAMPTZ)"
    if NUMERIC_TYPE.fullmatch(t):
        seconds = f"(CASE WHEN {ref} > 100000000000 THEN {ref} / 1000.0 ELSE {ref}::DOUBLE END)"
        return (
            f"CASE WHEN {ref} IS NULL THEN NULL "
            f"WHEN abs({seconds}) < {EPOCH_LIMIT_S} THEN to_timestamp({seconds}) END"
        )
    s = f"trim({ref}::VARCHAR)"
    return (
        f"COALESCE(TRY_CAST({s} AS TIMESTAMPTZ), "
        f"try_strptime({s}, '{RFC1123}')::TIMESTAMPTZ, "
        f"CASE WHEN regexp_full_match({s}, '[0-9]{{9,11}}') THEN to_timestamp({s}::BIGINT) "
        f"WHEN regexp_full_match({s}, '[0-9]{{12,14}}') "
        f"THEN to_timestamp({s}::BIGINT / 1000.0) END)"
    )


def in_range(expr: str) -> str:
    """A time, NULL when outside VALID_TIMES. (DuckDB computes `expr` once.)"""
    lo, hi = (f"TIMESTAMPTZ '{t}'" for t in VALID_TIMES)
    return f"CASE WHEN {expr} >= {lo} AND {expr} < {hi} THEN {expr} END"


def number_sql(ref: str, sql_type: str = "VARCHAR") -> str:
    """DOUBLE from a column: numeric types as they are, anything else through its text (NULL
    when it is no number)."""
    if NUMERIC_TYPE.fullmatch(sql_type):
        return f"{ref}::DOUBLE"
    return f"TRY_CAST(trim({ref}::VARCHAR) AS DOUBLE)"


def text_sql(ref: str, sql_type: str = "VARCHAR") -> str:
    """Text from hand-edited files (JSON and CSV, typed TEXT here) is trimmed, with NULL for
    blank; typed columns (Parquet) are taken as written, which keeps ten million ids cheap."""
    if sql_type.upper() == "TEXT":
        return f"NULLIF(trim({ref}), '')"
    return f"{ref}::VARCHAR"


def select_list(
    mapping: dict[str, Field],
    ref: Callable[[str], str | None],
    type_of: Callable[[str], str],
    origin: str,
    overrides: dict[str, str] | None = None,
    times_checked: bool = False,
) -> str:
    """The normalized select list plus _raw_start/_raw_end/_raw_kwh for validation.

    `ref(name)` gives the SQL reference to a source field, or None when the source lacks it;
    `overrides` gives SQL for columns that come from elsewhere (the request, a flag);
    `times_checked`: the times are known to be in range (a Parquet file's statistics).
    """
    builders = {"text": text_sql, "time": time_sql, "number": number_sql}
    parts: list[str] = []
    raw: dict[str, str] = {}
    for column in COLUMNS:
        if overrides and column in overrides:
            parts.append(f"{overrides[column]} AS {q(column)}")
            continue
        if column == "origin":
            parts.append(f"{origin} AS origin")
            continue
        spec = mapping.get(column)
        refs = [(r, type_of(n)) for n in (spec.names if spec else ()) if (r := ref(n)) is not None]
        if not spec or not refs:
            parts.append(f"NULL AS {q(column)}")
            continue
        if spec.kind == "end less hours":
            hours = ref(spec.names[-1])
            ends = [time_sql(r, t) for r, t in refs if r != hours]
            expr = end_less_hours(ends, hours) if ends and hours else "NULL"
            parts.append(f"{expr} AS {q(column)}")
            continue
        build = builders[spec.kind]
        exprs = [build(r, t) for r, t in refs]
        expr = exprs[0] if len(exprs) == 1 else f"COALESCE({', '.join(exprs)})"
        if spec.kind == "time" and not times_checked:
            expr = in_range(expr)
        parts.append(f"{expr} AS {q(column)}")
        if column in ("start", "end", "kwh"):
            raw[column] = refs[0][0]
    for column in ("start", "end", "kwh"):
        r = raw.get(column)
        parts.append(f"{r if r else 'NULL'} AS _raw_{column}")
    return ", ".join(parts)
