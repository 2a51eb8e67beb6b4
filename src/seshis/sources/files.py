"""Session files: ACN-Data JSON (API pages, web download, bare list), PowerFlex JSON ({"rows"} or
a list), CSV exports of either (and seshis's own), and Parquet. The shape is detected from the
content, never the file name, and DuckDB reads the file itself."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import SourceError
from ..store import COLUMNS, Store, first_line, lit, q
from . import mapping

MAX_JSON_OBJECT = 2**31 - 1  # one ACN download is a single JSON object of any size


@dataclass(frozen=True)
class FileInfo:
    """What was detected in one file, for --debug."""

    path: str
    format: str  # JSON | CSV | Parquet
    flavour: str  # ACN-Data | PowerFlex | seshis
    rows: int
    rejected: int


def load_files(store: Store, paths: list[str]) -> list[FileInfo]:
    """Add every file to the store; one unreadable file stops the run with its name."""
    return [load_file(store, Path(p)) for p in paths]


def load_file(store: Store, path: Path) -> FileInfo:
    head = read_head(path)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PAR1"):
        return _load_parquet(store, path)
    if not body:
        raise SourceError(f"{path} is empty; give a file of charging sessions.")
    if body[:1] in (b"{", b"["):
        return _load_json(store, path)
    if b"\x00" in head:
        raise SourceError(
            f"{path} is not a session file seshis can read (expected JSON, CSV or Parquet)."
        )
    return _load_csv(store, path, head)


def read_head(path: Path, size: int = 4096) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except FileNotFoundError:
        raise SourceError(f"{path} does not exist; check the path given to --source.") from None
    except IsADirectoryError:
        raise SourceError(f"{path} is a folder; give the session files inside it.") from None
    except OSError as exc:
        raise SourceError(f"{path} cannot be read ({exc.strerror}).") from None


def _load_json(store: Store, path: Path) -> FileInfo:
    reader = (
        f"read_json_objects({lit(str(path))}, format='auto', maximum_object_size={MAX_JSON_OBJECT})"
    )
    try:
        first = store.con.execute(
            f"SELECT json_type(json), json_keys(json) FROM {reader} LIMIT 1"
        ).fetchone()
    except duckdb.Error as exc:
        raise SourceError(
            f"{path} is not valid JSON ({first_line(exc)}); check that the file is complete."
        ) from exc
    if first is None:
        raise SourceError(f"{path} holds no sessions (an empty JSON list).")
    kind, keys = first[0], set(first[1] or [])
    if kind == "OBJECT" and "_items" in keys:
        rows = f"SELECT unnest(json->'$._items[*]') AS j FROM {reader}"
        name, fields = "ACN-Data", mapping.ACNDATA
    elif kind == "OBJECT" and "rows" in keys:
        rows = f"SELECT unnest(json->'$.rows[*]') AS j FROM {reader}"
        name, fields = "PowerFlex", mapping.POWERFLEX
    else:
        found = mapping.flavour(keys) if kind == "OBJECT" else None
        if found is None:
            raise SourceError(
                f"{path} is JSON but holds neither ACN-Data sessions (sessionID) nor PowerFlex "
                'sessions (session_id, or a {"rows": [...]} object).'
            )
        name, fields = found
        rows = f"SELECT json AS j FROM {reader}"
    select = mapping.select_list(
        fields,
        ref=lambda n: f"(j->>{lit('$.' + _json_key(n))})",
        type_of=lambda n: "TEXT",
        origin=lit(str(path)),
    )
    table = store.add(f"SELECT {select} FROM ({rows})", str(path), materialize=True)
    return FileInfo(str(path), "JSON", name, _count(store, table), 0)


def _json_key(name: str) -> str:
    return f'"{name}"' if not name.isidentifier() else name


def _load_csv(store: Store, path: Path, head: bytes) -> FileInfo:
    """Read with a dialect taken from the header line, so a malformed line further down is
    rejected (and counted) instead of confusing DuckDB's sniffer."""
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    delim = max(",;\t|", key=first.count)
    columns = next(csv.reader([first.rstrip("\r")], delimiter=delim), [])
    if len(columns) != len(set(columns)):
        raise SourceError(f"{path} has repeated column names in its header line.")
    spec = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in columns) + "}"
    n = len(store.sources)
    reader = (
        f"read_csv({lit(str(path))}, auto_detect=false, header=true, delim={lit(delim)}, "
        f"quote='\"', escape='\"', columns={spec}, store_rejects=true, "
        f"rejects_table='rejects_{n}', rejects_scan='rejects_scan_{n}')"
    )
    found = mapping.flavour(set(columns))
    if found is None:
        raise SourceError(
            f"{path} is not a session file seshis can read: expected JSON, Parquet, or CSV with "
            "a sessionID (ACN-Data) or session_id (PowerFlex) column."
        )
    name, fields = found
    present = set(columns)
    select = mapping.select_list(
        fields,
        ref=lambda n: q(n) if n in present else None,
        type_of=lambda n: "TEXT",
        origin=lit(str(path)),
    )
    table = store.add(f"SELECT {select} FROM {reader}", str(path), materialize=True)
    rejected = _add_rejected_lines(store, path, f"rejects_{n}")
    return FileInfo(str(path), "CSV", name, _count(store, table), rejected)


def _add_rejected_lines(store: Store, path: Path, rejects: str) -> int:
    """CSV lines DuckDB could not split into the header's columns become invalid rows."""
    n = store.con.execute(f"SELECT count(*) FROM {rejects}").fetchone()[0]
    if n:
        nulls = ", ".join(f"NULL AS {q(c)}" for c in COLUMNS if c != "origin")
        select = (
            f"SELECT {nulls}, {lit(str(path) + ':')} || line AS origin, NULL AS _raw_start, "
            f"NULL AS _raw_end, NULL AS _raw_kwh, error_message FROM {rejects}"
        )
        store.add(
            select,
            f"{path} (malformed lines)",
            materialize=True,
            problem_sql="'malformed CSV line: ' || error_message",
        )
    return int(n)


def _load_parquet(store: Store, path: Path) -> FileInfo:
    reader = f"read_parquet({lit(str(path))})"
    try:
        described = store.con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except duckdb.Error as exc:
        raise SourceError(f"{path} could not be read as Parquet ({first_line(exc)}).") from exc
    types = {r[0]: str(r[1]) for r in described}
    found = mapping.flavour(set(types))
    if found is None:
        raise SourceError(
            f"{path} is Parquet without session columns: expected session_id and kwh, or "
            "PowerFlex or ACN-Data field names."
        )
    name, fields = found
    select = mapping.select_list(
        fields,
        ref=lambda n: q(n) if n in types else None,
        type_of=lambda n: types.get(n, "VARCHAR"),
        origin=lit(str(path)),
    )
    store.add(f"SELECT {select} FROM {reader}", str(path), materialize=False)
    rows = store.con.execute(
        f"SELECT sum(num_rows) FROM parquet_file_metadata({lit(str(path))})"
    ).fetchone()
    return FileInfo(str(path), "Parquet", name, int(rows[0] or 0), 0)


def _count(store: Store, table: str) -> int:
    return int(store.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
