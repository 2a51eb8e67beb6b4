"""Reading session files with DuckDB. A file is recognised from its content, never its name:
Parquet, JSON (ACN-Data API pages, web download, bare list; PowerFlex {"rows"} or a list; one
per line; its layout told by `jsonlayout` from its head), or CSV (exports of either, seshis's
own, and other networks' through profiles).

Every row is accounted for: for a file that can be parsed at all, sessions + invalid rows +
duplicates = the rows of the file (the elements of its JSON list or its JSON lines, the records
of its CSV, the rows of its Parquet). A file that cannot be parsed is one sentence naming it.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, SourceError
from ..store import COLUMNS, InputStore, first_line, lit, q
from . import csvlines, mapping, profiles
from .jsonlayout import HEAD, NO_SESSIONS, JsonLayout, json_layout
from .mapping import ID_KEYS, LIST_KEYS

# Bytes of one JSON value DuckDB reads at once (it reserves twice as much): its default, and
# for a file with a larger value, the file's size, up to what DuckDB can take.
JSON_OBJECT = 1 << 24
MAX_JSON_OBJECT = 2**31 - 1
BOM = b"\xef\xbb\xbf"
CSV_LINE_LIMIT = csvlines.CSV_LINE_LIMIT  # bytes of one CSV line (DuckDB's max_line_size)
_READS = itertools.count()  # names the rejects tables of each CSV read


# --- what a file is ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileInfo:
    """What was detected in one file, for --debug."""

    path: str
    format: str  # JSON | CSV | Parquet
    flavour: str  # ACN-Data | PowerFlex | seshis
    rows: int
    rejected: int
    drivers: bool = True  # whether the rows say who charged (no driver column: no unclaimed)

    def describe(self) -> str:
        rejected = f", {self.rejected} malformed lines" if self.rejected else ""
        return f"file {self.path}: {self.format}, {self.flavour} fields, {self.rows} rows{rejected}"


def load(
    store: InputStore,
    path: Path,
    profile: profiles.Profile | None = None,
    *,
    raw: bool = False,
    fits_only: bool = False,
) -> FileInfo:
    """One file into the store; `profile` reads a CSV of another network (with `fits_only`,
    only a CSV that has its columns, or that seshis does not recognise by itself); with `raw`,
    each row is also kept as the file gave it (the `raw` column)."""
    head = read_head(path, HEAD)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PAR1"):
        return load_parquet(store, path, raw=raw)
    if not body:
        raise SourceError(f"{path} is empty; give a file of charging sessions.")
    if body[:1] in (b"{", b"["):
        return load_json(store, path, json_layout(path, head), raw=raw)
    if b"\x00" in head:
        raise SourceError(
            f"{path} is not a session file seshis can read (expected JSON, CSV or Parquet)."
        )
    return load_csv(store, path, head, profile, raw=raw, fits_only=fits_only)


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


def _literal(store: InputStore, path: Path, skip_bom: bool = False) -> str:
    """A name DuckDB reads as this one file: it expands * ? [ as patterns, so such a name gets
    a link in the store's scratch folder; a JSON byte-order mark gets a copy without it."""
    if skip_bom:
        return _copy(store, path, len(BOM), None)
    if any(c in str(path) for c in "*?[{"):
        link = store.scratch_file(path.suffix)
        link.symlink_to(path.resolve())
        return str(link)
    return str(path)


def _copy(store: InputStore, path: Path, start: int, end: int | None) -> str:
    """Bytes start..end of a file, copied into the store's scratch folder."""
    copy = store.scratch_file(".json")
    with path.open("rb") as src, copy.open("wb") as dst:
        src.seek(start)
        left = -1 if end is None else end - start
        while left and (chunk := src.read(1 << 20 if left < 0 else min(1 << 20, left))):
            dst.write(chunk)
            left -= len(chunk) if left > 0 else 0
    return str(copy)


def _select(select: str, source: str, *, raw: bool, row: str = "to_json(_r)") -> str:
    """The normalized rows of `source`; with `raw`, with each row as the file gave it (`row`,
    an expression of the whole row, as JSON text)."""
    if not raw:
        return f"SELECT {select} FROM {source}"
    return (
        "SELECT * EXCLUDE (_row) REPLACE (json(_row)::VARCHAR AS raw) "  # on one line
        f"FROM (SELECT {select}, {row} AS _row FROM {source} AS _r)"
    )


def _detail(exc: BaseException) -> str:
    """The first line of the DuckDB error at the root of `exc`."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return first_line(exc)


# --- JSON -------------------------------------------------------------------------------------
#
# read_json with a schema of only the fields seshis maps parses each value once and keeps
# nothing else (a 50 MB note or a deeply nested userInputs costs its parse, not gigabytes).
# An envelope is cut down to its list, so a very large one reads as fast as a bare list.


def load_json(store: InputStore, path: Path, layout: JsonLayout, *, raw: bool) -> FileInfo:
    if layout.kind == "envelope" and layout.span is not None:
        literal = _copy(store, path, *layout.span)
        try:
            return _read_list(store, path, literal, layout.keys, "array", layout.listed, raw)
        except SourceError:
            pass  # a wrong cut: DuckDB reads the whole file instead
    elif layout.kind in ("list", "lines"):
        literal = _literal(store, path, skip_bom=layout.bom)
        fmt = "array" if layout.kind == "list" else "auto"
        return _read_list(store, path, literal, layout.keys, fmt, None, raw)
    literal = _literal(store, path, skip_bom=layout.bom)
    return _read_unclear(store, path, literal, layout.kind != "unclear list", raw)


def _read_list(
    store: InputStore,
    path: Path,
    literal: str,
    keys: frozenset[str],
    fmt: str,
    listed: str | None,
    raw: bool,
) -> FileInfo:
    """Session objects, a list of them or one per line, read with a schema of the mapped
    fields; a value that is no object (a number in the list) or an object DuckDB cannot map
    (a duplicate key) sends the file to a slower reader that makes it an invalid row."""
    found = mapping.flavour(set(keys)) or (LIST_KEYS[listed] if listed else None)
    if found is None:
        raise SourceError(
            f"{path} is JSON but holds no sessions seshis knows: ACN-Data (sessionID), "
            'PowerFlex (session_id, or a {"rows": [...]} object) or OCPI CDRs and Sessions.'
        )
    name, fields = found.name, found.fields
    wanted = sorted(_tops(fields) & keys) or sorted(_tops(fields))
    columns = "{" + ", ".join(f"{lit(n)}: 'VARCHAR'" for n in wanted) + "}"
    for size in () if raw else (JSON_OBJECT, _largest(literal)):
        reader = (
            f"read_json({lit(literal)}, format='{fmt}', records=true, columns={columns}, "
            f"maximum_object_size={size})"
        )
        try:
            table = _add_json(store, path, fields, wanted, f"SELECT * FROM {reader}", q, raw=raw)
            return FileInfo(str(path), "JSON", name, store.count(table), 0)
        except DataError as exc:
            if "transform error" in str(exc):
                break
            if "maximum_object_size" not in str(exc) or size == _largest(literal):
                raise _json_error(path, literal, exc) from exc
    spec = json.dumps({n: "VARCHAR" for n in wanted})
    rows = f"SELECT json_transform(json, {lit(spec)}) AS j, json FROM {_objects(literal, fmt)}"
    j = lambda n: f"j[{lit(n)}]"  # noqa: E731
    table = _add_json(store, path, fields, wanted, rows, j, literal, raw=raw, row="json")
    return FileInfo(str(path), "JSON", name, store.count(table), 0)


def _tops(fields: dict) -> set[str]:
    """The top-level fields a mapping reads ("cdr_token" for "cdr_token.uid")."""
    return {mapping.top(n) for f in fields.values() for n in f.names}


def _objects(literal: str, fmt: str = "auto") -> str:
    size = f"maximum_object_size={_largest(literal)}"
    return f"read_json_objects({lit(literal)}, format='{fmt}', {size})"


def _largest(literal: str) -> int:
    """The largest JSON value a file can hold: itself."""
    return min(MAX_JSON_OBJECT, max(JSON_OBJECT, Path(literal).stat().st_size + 1))


def _add_json(
    store: InputStore,
    path: Path,
    fields: dict[str, mapping.Field],
    wanted: list[str],
    rows_sql: str,
    ref: Callable[[str], str],
    literal: str | None = None,
    *,
    raw: bool,
    row: str = "NULL",
) -> str:
    """The mapped rows, from JSON (`row`: the column of `rows_sql` holding each whole object);
    with `literal`, a DuckDB error is one sentence about it."""
    select = mapping.select_list(
        fields,
        ref=lambda n: mapping.nested(n, ref(mapping.top(n))) if mapping.top(n) in wanted else None,
        type_of=lambda n: "TEXT",
        origin=lit(str(path)),
    )
    try:
        sql = _select(select, f"({rows_sql})", raw=raw, row=row)
        return store.add(sql, str(path), materialize=True)
    except DataError as exc:
        if literal is None:
            raise
        raise _json_error(path, literal, exc) from exc


def _json_error(path: Path, literal: str, exc: Exception) -> SourceError:
    detail = _detail(exc).replace(literal, str(path))
    return SourceError(f"{path} is not valid JSON ({detail}); check that the file is complete.")


def _read_unclear(
    store: InputStore, path: Path, literal: str, envelope: bool, raw: bool
) -> FileInfo:
    """What the head could not tell (a first value larger than the head, an envelope it
    could not cut): DuckDB reads the first values, and then the whole file."""
    try:
        types = ", ".join(f"json_type(json, {lit('$.' + k)})" for k in LIST_KEYS)
        first = store.rows(f"SELECT json_keys(json), {types} FROM {_objects(literal)} LIMIT 100")
    except DataError as exc:
        raise _json_error(path, literal, exc) from exc
    # the first value: its keys, and the JSON type under each of LIST_KEYS
    first_keys, *list_types = first[0] if first else (None,)
    keys = set(first_keys or [])
    listed = next((k for k in LIST_KEYS if k in keys), None)
    if not first:
        raise SourceError(NO_SESSIONS.format(path))
    if envelope and listed and not ID_KEYS & keys and len(first) == 1:
        if dict(zip(LIST_KEYS, list_types, strict=True))[listed] != "ARRAY":
            raise SourceError(NO_SESSIONS.format(path))
        name, fields = LIST_KEYS[listed].name, LIST_KEYS[listed].fields
        wanted = sorted(_tops(fields))
        spec = json.dumps({n: "VARCHAR" for n in wanted})
        each = f"SELECT unnest(json->{lit('$.' + listed + '[*]')}) AS json FROM {_objects(literal)}"
        rows = f"SELECT json_transform(json, {lit(spec)}) AS j, json FROM ({each})"
        j = lambda n: f"j[{lit(n)}]"  # noqa: E731
        table = _add_json(store, path, fields, wanted, rows, j, literal, raw=raw, row="json")
        if not store.count(table):
            raise SourceError(NO_SESSIONS.format(path))
        return FileInfo(str(path), "JSON", name, store.count(table), 0)
    if envelope and listed and not ID_KEYS & keys:
        raise SourceError(
            f"{path} holds several JSON documents of pages; give one page, or one list of "
            "sessions, per file."
        )
    found = frozenset(k for row_keys, *_types in first for k in (row_keys or []))
    return _read_list(store, path, literal, found, "auto", None, raw)


# --- CSV --------------------------------------------------------------------------------------


def load_csv(
    store: InputStore,
    path: Path,
    head: bytes,
    profile: profiles.Profile | None,
    *,
    raw: bool,
    fits_only: bool = False,
) -> FileInfo:
    """Read with a dialect taken from the header line, so a malformed line further down is
    rejected (and counted) instead of confusing DuckDB's sniffer. When the rows read and the
    lines rejected do not add up to the lines of the file (an unterminated quote that
    swallowed the lines after it, a line too long to read, a blank line or a bare carriage
    return), the file is read again line by line, where one bad line costs only itself."""
    detected, records, trailing = csvlines.scan(path)
    literal = _literal(store, path)
    text = head[len(BOM) if head.startswith(BOM) else 0 :]
    first = re.split(rb"\r?\n" if b"\n" in text else rb"\r", text, maxsplit=1)[0]
    if b"\r" in first:
        raise SourceError(
            f"{path} has a carriage return inside its header line; save it with one kind of "
            "line ending."
        )
    encoding, delim, columns = _header(path, first, detected, profile)
    if fits_only and profile is not None and not profiles.fits(profile, columns):
        own = _header(path, first, detected, None)  # as if no profile were given
        if mapping.flavour(set(own[2])) or profiles.recognise(own[2]):
            profile, (encoding, delim, columns) = None, own
    fmt = _format(path, columns, profile)
    dialect = (delim, columns, fmt)
    if records == 0:
        raise SourceError(NO_SESSIONS.format(path))  # a header alone, as `[]` in JSON
    if records is not None:
        before = len(store.inputs)
        try:
            tables, rejected = _read_csv(store, path, literal, encoding, dialect, raw)
            read = store.count(tables[0]) + rejected
            if read == records or (
                read < records and read == records - csvlines.inner_empty(path, trailing)
            ):
                return _csv_info(store, path, fmt, tables[0], rejected)
        except DataError:
            pass  # DuckDB could not split the file at all
        while len(store.inputs) > before:
            store.discard()
    tables, rejected = _read_lines(store, path, encoding, dialect, raw)
    if not store.count(tables[0]) + rejected:
        raise SourceError(NO_SESSIONS.format(path))
    return _csv_info(store, path, fmt, tables[0], rejected)


def _header(
    path: Path, first: bytes, encoding: str, profile: profiles.Profile | None
) -> tuple[str, str, list[str]]:
    """The encoding, delimiter and column names of a CSV's header line, read as `profile`
    says (its encoding and delimiter), or as detected."""
    if profile is not None and profile.encoding:
        encoding = profile.encoding
    header = first.decode(encoding, "replace")
    delim = (profile.delimiter if profile else None) or max(",;\t|", key=header.count)
    named = next(csv.reader([header], delimiter=delim), [])
    # blank trailing headers (spreadsheet exports) get names of their own; a repeated name
    # cannot be told apart
    columns = [c.strip() or f"_column_{i + 1}" for i, c in enumerate(named)]
    if len(columns) != len(set(columns)):
        raise SourceError(f"{path} has repeated column names in its header line.")
    return encoding, delim, columns


def _csv_info(
    store: InputStore, path: Path, fmt: mapping.CsvFormat, table: str, rejected: int
) -> FileInfo:
    """What was read, once the format has checked that it could read the file."""
    rows = store.count(table)
    fmt.check_read(store, path, table)
    return FileInfo(str(path), "CSV", fmt.name, rows, rejected, drivers=fmt.drivers)


def _read_csv(
    store: InputStore, path: Path, literal: str, encoding: str, dialect: tuple, raw: bool
) -> tuple[list[str], int]:
    """The tables of the rows DuckDB reads and of the lines it rejects (one invalid row per
    line, however many of its fields failed), and how many lines it rejected."""
    delim, columns, fmt = dialect
    n = next(_READS)
    select = fmt.csv_select(columns, lit(str(path)))
    spec = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in columns) + "}"
    reader = (
        f"read_csv({lit(literal)}, auto_detect=false, header=true, delim={lit(delim)}, "
        f"encoding={lit(encoding)}, quote='\"', escape='\"', columns={spec}, "
        f"max_line_size={CSV_LINE_LIMIT}, store_rejects=true, "
        f"rejects_table='rejects_{n}', rejects_scan='rejects_scan_{n}')"
    )
    rows, row = fmt.csv_rows(reader, columns)
    sql = _select(select, rows, raw=raw, row=row)
    tables = [store.add(sql, str(path), materialize=True)]
    rejected = store.count(f"(SELECT DISTINCT file_id, line FROM rejects_{n})")
    if rejected:
        lines = f"SELECT line, min(error_message) AS why FROM rejects_{n} GROUP BY file_id, line"
        tables.append(_add_malformed(store, path, lines))
    return tables, rejected


def _add_malformed(store: InputStore, path: Path, lines_sql: str) -> str:
    """One invalid row for each (line, why) of `lines_sql`, named by the file and line."""
    nulls = ", ".join(f"NULL AS {q(c)}" for c in COLUMNS if c != "origin")
    rows = (
        f"SELECT {nulls}, {lit(str(path) + ':')} || line AS origin, NULL AS _raw_start, "
        f"NULL AS _raw_end, NULL AS _raw_kwh, why FROM ({lines_sql})"
    )
    return store.add(
        rows,
        f"{path} (malformed lines)",
        materialize=True,
        problem_sql="'malformed CSV line: ' || why",
    )


def _read_lines(
    store: InputStore, path: Path, encoding: str, dialect: tuple, raw: bool
) -> tuple[list[str], int]:
    """The line-by-line reader: Python splits the file into records (a quoted field may span
    lines only when the record it closes has the header's columns), writes the good ones to
    a clean copy that DuckDB reads, and each bad line becomes one invalid row."""
    delim, columns, fmt = dialect
    clean = store.scratch_file(".csv")
    bad = store.scratch_file("-bad.csv")
    records = malformed = 0
    with (
        clean.open("w", encoding="utf-8", newline="") as good_out,
        bad.open("w", encoding="utf-8", newline="") as bad_out,
    ):
        good, wrong = csv.writer(good_out, lineterminator="\n"), csv.writer(bad_out)
        good.writerow(columns)
        for number, fields in csvlines.records(path, encoding, delim, len(columns)):
            records += 1
            if isinstance(fields, str):
                wrong.writerow([number, fields])
                malformed += 1
            else:
                good.writerow(fields)
    tables, rejected = _read_csv(store, path, str(clean), "utf-8", (",", columns, fmt), raw)
    if malformed:
        lines = (
            f"SELECT * FROM read_csv({lit(str(bad))}, header=false, auto_detect=false, "
            "columns={'line': 'BIGINT', 'why': 'VARCHAR'})"
        )
        tables.append(_add_malformed(store, path, lines))
    if store.count(tables[0]) + rejected + malformed != records:
        raise SourceError(f"{path} could not be read line by line; check its quotes.")
    return tables, rejected + malformed


def _format(path: Path, columns: list[str], profile: profiles.Profile | None) -> mapping.CsvFormat:
    """How to read a CSV: the profile given, seshis's own flavours (ACN-Data, PowerFlex,
    seshis), or a built-in profile recognised from the headers."""
    if profile is not None:
        profiles.check_columns(profile, columns, path)
        return profile
    found: mapping.CsvFormat | None = mapping.flavour(set(columns)) or profiles.recognise(columns)
    if found is None:
        known = ", ".join(p.name for p in profiles.builtin())
        raise SourceError(
            f"{path} is not a session file seshis recognises: expected JSON, Parquet, or CSV "
            "of ACN-Data (sessionID), PowerFlex (session_id) or a known network "
            f"({known}); for another export, write a profile and give --profile."
        )
    return found


# --- Parquet ----------------------------------------------------------------------------------


def load_parquet(store: InputStore, path: Path, *, raw: bool) -> FileInfo:
    """A view over the file. When its times are typed, the file's statistics say once whether
    they lie in range, and the view does not check ten million rows on every query. A file
    that fails to read is one sentence naming it, now or when a query reads it."""
    literal = _literal(store, path)
    reader = f"read_parquet({lit(literal)})"
    try:
        types = dict(store.describe(f"SELECT * FROM {reader}"))
        rows = store.value(f"SELECT sum(num_rows) FROM parquet_file_metadata({lit(literal)})")
        found = mapping.flavour(set(types))
        times = [
            n
            for c in ("start", "end", "done_charging")
            if found and c in found.fields
            for n in found.fields[c].names
            if n in types
        ]
        checked = all(types[n].startswith("TIMESTAMP") or types[n] == "DATE" for n in times)
        checked = checked and store.value(
            f"SELECT {_extremes_in_range(times, types)} FROM {reader}"
        )
    except DataError as exc:
        raise SourceError(f"{path} could not be read as Parquet ({_detail(exc)}).") from exc
    if found is None:
        raise SourceError(
            f"{path} is Parquet without session columns: expected session_id and kwh, or "
            "PowerFlex or ACN-Data field names."
        )
    if not rows:
        raise SourceError(NO_SESSIONS.format(path))
    select = mapping.select_list(
        found.fields,
        ref=lambda n: q(n) if n in types else None,
        type_of=lambda n: types.get(n, "VARCHAR"),
        origin=lit(str(path)),
        times_checked=bool(checked),
    )
    store.add(_select(select, reader, raw=raw), str(path), materialize=False)
    return FileInfo(str(path), "Parquet", found.name, int(rows or 0), 0)


def _extremes_in_range(times: list[str], types: dict[str, str]) -> str:
    """SQL that is true when the least and greatest value of each time column (whatever its
    type: a time with a zone or none, in any unit, a date) are NULL or within the times a
    session can have; ±infinity, or a date no timestamp can hold, is not."""
    checks = []
    for name in times:
        for extreme in (f"min({q(name)})", f"max({q(name)})"):
            t = mapping.time_sql(extreme, types[name])
            checks.append(f"({extreme} IS NULL OR {mapping.in_range(t)} IS NOT NULL)")
    return " AND ".join(checks) or "TRUE"
