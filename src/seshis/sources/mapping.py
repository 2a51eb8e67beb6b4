"""Column mappings from each origin's field names to the normalized schema, as SQL.

Shared by every source: files of any format, and API pages, map fields the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..store import COLUMNS, q

RFC1123 = "%a, %d %b %Y %H:%M:%S GMT"


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
    if name != "origin"
}


def flavour(columns: set[str]) -> tuple[str, dict[str, Field]] | None:
    """Which origin a set of field names comes from, or None."""
    if "sessionID" in columns:
        return "ACN-Data", ACNDATA
    if "session_id" in columns and ("session_kwh" in columns or "created_at" in columns):
        return "PowerFlex", POWERFLEX
    if "session_id" in columns and "kwh" in columns:
        return "seshis", NORMALIZED
    return None


def time_sql(ref: str, sql_type: str = "VARCHAR") -> str:
    """TIMESTAMPTZ from a column: ISO 8601, RFC 1123 ("Wed, 01 Jan 2020 02:12:11 GMT"), or epoch
    seconds/milliseconds. The connection's time zone is UTC, so naive times are read as UTC."""
    t = sql_type.upper()
    if t.startswith("TIMESTAMP WITH TIME ZONE") or t == "TIMESTAMPTZ":
        return ref
    if t.startswith("TIMESTAMP") or t == "DATE":
        return f"{ref}::TIMESTAMPTZ"
    if t in ("BIGINT", "INTEGER", "HUGEINT", "UBIGINT", "DOUBLE", "FLOAT", "DECIMAL"):
        return (
            f"CASE WHEN {ref} > 100000000000 THEN to_timestamp({ref} / 1000.0) "
            f"ELSE to_timestamp({ref}) END"
        )
    s = f"trim({ref}::VARCHAR)"
    return (
        f"COALESCE(TRY_CAST({s} AS TIMESTAMPTZ), "
        f"try_strptime({s}, '{RFC1123}')::TIMESTAMPTZ, "
        f"CASE WHEN regexp_full_match({s}, '[0-9]{{9,11}}') THEN to_timestamp({s}::BIGINT) "
        f"WHEN regexp_full_match({s}, '[0-9]{{12,14}}') "
        f"THEN to_timestamp({s}::BIGINT / 1000.0) END)"
    )


def number_sql(ref: str, sql_type: str = "VARCHAR") -> str:
    if sql_type.upper() in ("DOUBLE", "FLOAT", "BIGINT", "INTEGER") or sql_type.upper().startswith(
        "DECIMAL"
    ):
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
) -> str:
    """The normalized select list plus _raw_start/_raw_end/_raw_kwh for validation.

    `ref(name)` gives the SQL reference to a source field, or None when the source lacks it;
    `overrides` gives SQL for columns that come from elsewhere (the request, a flag).
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
        build = builders[spec.kind]
        exprs = [build(r, t) for r, t in refs]
        expr = exprs[0] if len(exprs) == 1 else f"COALESCE({', '.join(exprs)})"
        parts.append(f"{expr} AS {q(column)}")
        if column in ("start", "end", "kwh"):
            raw[column] = refs[0][0]
    for column in ("start", "end", "kwh"):
        r = raw.get(column)
        parts.append(f"{r if r else 'NULL'} AS _raw_{column}")
    return ", ".join(parts)
