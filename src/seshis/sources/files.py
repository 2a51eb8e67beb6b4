"""Session files: ACN-Data JSON (API pages, web download, bare list), PowerFlex JSON ({"rows"} or
a list), CSV exports of either (and seshis's own), and Parquet. The shape is detected from the
content, never the file name, and DuckDB reads the file itself."""

from __future__ import annotations

import codecs
import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..definitions import UNCLAIMED_LABEL
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

    def describe(self) -> str:
        rejected = f", {self.rejected} malformed lines" if self.rejected else ""
        return f"file {self.path}: {self.format}, {self.flavour} fields, {self.rows} rows{rejected}"


def load_file(store: Store, path: Path) -> FileInfo:
    head = read_head(path)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PAR1"):
        return _load_parquet(store, path, _literal(store, path))
    if not body:
        raise SourceError(f"{path} is empty; give a file of charging sessions.")
    if body[:1] in (b"{", b"["):
        return _load_json(store, path, _literal(store, path, skip_bom=head.startswith(BOM)))
    if b"\x00" in head:
        raise SourceError(
            f"{path} is not a session file seshis can read (expected JSON, CSV or Parquet)."
        )
    return _load_csv(store, path, head, _literal(store, path))


BOM = b"\xef\xbb\xbf"


def _literal(store: Store, path: Path, skip_bom: bool = False) -> str:
    """A name DuckDB reads as this one file: it expands * ? [ as patterns, so such a name gets
    a link in the store's scratch folder; a JSON byte-order mark gets a copy without it."""
    if skip_bom:
        copy = store.scratch() / f"{len(store.sources)}.json"
        with path.open("rb") as src, copy.open("wb") as dst:
            src.read(len(BOM))
            shutil.copyfileobj(src, dst)
        return str(copy)
    if any(c in str(path) for c in "*?[{"):
        link = store.scratch() / f"{len(store.sources)}{path.suffix}"
        link.symlink_to(path.resolve())
        return str(link)
    return str(path)


def _encoding(path: Path) -> str:
    """utf-8, or latin-1 for the exports of older spreadsheet tools (checked in 1 MB chunks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


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


def _load_json(store: Store, path: Path, literal: str) -> FileInfo:
    reader = (
        f"read_json_objects({lit(literal)}, format='auto', maximum_object_size={MAX_JSON_OBJECT})"
    )
    try:
        first = store.row(f"SELECT json_type(json), json_keys(json) FROM {reader} LIMIT 1")
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
    return FileInfo(str(path), "JSON", name, store.count(table), 0)


def _json_key(name: str) -> str:
    return f'"{name}"' if not name.isidentifier() else name


def _load_csv(store: Store, path: Path, head: bytes, literal: str) -> FileInfo:
    """Read with a dialect taken from the header line, so a malformed line further down is
    rejected (and counted) instead of confusing DuckDB's sniffer."""
    encoding = _encoding(path)
    first = head.lstrip(BOM).split(b"\n", 1)[0].decode(encoding, "replace")
    delim = max(",;\t|", key=first.count)
    columns = next(csv.reader([first.rstrip("\r")], delimiter=delim), [])
    if len(columns) != len(set(columns)):
        raise SourceError(f"{path} has repeated column names in its header line.")
    spec = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in columns) + "}"
    n = len(store.sources)
    reader = (
        f"read_csv({lit(literal)}, auto_detect=false, header=true, delim={lit(delim)}, "
        f"encoding={lit(encoding)}, "
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

    def ref(n: str) -> str | None:
        if n not in present:
            return None
        if name != "seshis":
            return q(n)
        # undo the export's guard against spreadsheet formulas, and its unclaimed label
        unguarded = f"regexp_replace({q(n)}, '^''([=+@\\-])', '\\1')"
        return f"NULLIF({unguarded}, {lit(UNCLAIMED_LABEL)})" if n == "user_id" else unguarded

    select = mapping.select_list(
        fields,
        ref=ref,
        type_of=lambda n: "TEXT",
        origin=lit(str(path)),
    )
    table = store.add(f"SELECT {select} FROM {reader}", str(path), materialize=True)
    rejected = _add_rejected_lines(store, path, f"rejects_{n}")
    return FileInfo(str(path), "CSV", name, store.count(table), rejected)


def _add_rejected_lines(store: Store, path: Path, rejects: str) -> int:
    """CSV lines DuckDB could not split into the header's columns become invalid rows."""
    n = store.count(rejects)
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


def _load_parquet(store: Store, path: Path, literal: str) -> FileInfo:
    reader = f"read_parquet({lit(literal)})"
    try:
        described = store.describe(f"SELECT * FROM {reader}")
    except duckdb.Error as exc:
        raise SourceError(f"{path} could not be read as Parquet ({first_line(exc)}).") from exc
    types = dict(described)
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
    rows = store.value(f"SELECT sum(num_rows) FROM parquet_file_metadata({lit(literal)})")
    return FileInfo(str(path), "Parquet", name, int(rows or 0), 0)
