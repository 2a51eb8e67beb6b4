"""The DuckDB database: the one place sessions live once loaded.

`Store` holds the connection and the queries of the `sessions` view: every query of the data
runs through one of its methods or the analysis package. `InputStore` merges the inputs of one
run (files, the demo) into that view, in memory; the on-disk store of the live APIs is
`syncs.LiveStore`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from . import dates
from .definitions import PROBLEM_SQL, guarded_sql
from .errors import DataError, SeshisError

# (name, SQL type) of the normalized session schema, in order.
SCHEMA: tuple[tuple[str, str], ...] = (
    ("session_id", "VARCHAR"),
    ("site", "VARCHAR"),
    ("acn", "VARCHAR"),
    ("account", "VARCHAR"),
    ("station_id", "VARCHAR"),
    ("space", "VARCHAR"),
    ("user_id", "VARCHAR"),
    ("start", "TIMESTAMPTZ"),
    ("end", "TIMESTAMPTZ"),
    ("done_charging", "TIMESTAMPTZ"),
    ("kwh", "DOUBLE"),
    ("timezone", "VARCHAR"),
    ("status", "VARCHAR"),
    ("evse_type", "VARCHAR"),
    ("authorization_source", "VARCHAR"),
    ("vehicle", "VARCHAR"),
    ("cost", "DOUBLE"),
    ("origin", "VARCHAR"),
    # the row as the source gave it (JSON text), for the output without an analysis flag: kept
    # for every API row, and for files only when that output is asked for (it costs a parse)
    ("raw", "VARCHAR"),
)
COLUMNS = tuple(name for name, _ in SCHEMA)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # timestamps in exports: UTC, ISO 8601
# bytes DuckDB may hold in memory (or half the RAM) before it spills to its scratch folder:
# 30M Parquet sessions in 840 MB and 7.8 s with it, 1.8 GB and 10 s with 4 GB
MEMORY_LIMIT = 768 << 20
# DuckDB never fetches an extension: remote files are read through fsspec filesystems
# (sources.objects), and a name it would autoload for (s3://, https://) fails instead
OFFLINE: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: object) -> str:
    """An SQL literal for a string or None."""
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


def window_sql(window: dates.DateRange) -> str:
    """The window as an SQL condition on start. A window of all the data spans every valid
    start by construction, so it needs no condition (and Parquet no filter)."""
    if window.kind == "all":
        return "TRUE"
    return (
        f"start >= {lit(window.start.isoformat())}::TIMESTAMPTZ "
        f"AND start < {lit(window.end.isoformat())}::TIMESTAMPTZ"
    )


@dataclass
class Store:
    """A DuckDB connection with a `sessions` view in the normalized schema, plus `problem`
    (NULL for a valid row), and every query the analysis runs on it. In `_execute`, Ctrl-C
    during a query becomes the KeyboardInterrupt it was, and DuckDB's errors one sentence naming
    what could not be read (`_unreadable`); only seshis's own SQL mistakes escape.

    Two kinds fill it: `InputStore`, the files or the demo of one run, in memory; and
    `syncs.LiveStore`, the on-disk store of the sessions fetched from the live APIs."""

    con: duckdb.DuckDBPyConnection
    duplicates: int = 0  # rows merged into another of the same session_id

    def __post_init__(self) -> None:
        _OPEN.add(self.con)

    def _execute(self, sql: str, params: Any = None, fetch: Callable | None = None) -> Any:
        """Run one statement (and fetch its result); DuckDB's errors become what they mean."""
        with self._meaning():
            with self._writing():
                cursor = self.con.execute(sql, params)
            return fetch(cursor) if fetch else cursor

    def _writing(self) -> contextlib.AbstractContextManager:
        """The context a statement runs in (the on-disk store keeps its files private)."""
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def _meaning(self) -> Iterator[None]:
        try:
            yield
        except (duckdb.Error, RuntimeError) as exc:  # RuntimeError: Ctrl-C, see _failure
            failure = self._failure(exc)
            if failure is exc:
                raise
            raise failure from exc

    def _failure(self, exc: Exception) -> BaseException:
        # Ctrl-C: InterruptException, or a RuntimeError when DuckDB itself saw the signal
        if isinstance(exc, duckdb.InterruptException) or str(exc) == "Query interrupted":
            return KeyboardInterrupt()
        if isinstance(exc, _SQL_MISTAKES) or not isinstance(exc, duckdb.Error):
            return exc
        return self._unreadable(exc)

    def _unreadable(self, exc: duckdb.Error) -> SeshisError:
        """What a DuckDB error reading the data means, in one sentence."""
        return DataError(f"The session data could not be read ({first_line(exc)}).")

    # --- reading ------------------------------------------------------------------------------

    def run(self, sql: str, params: Any = None) -> None:
        """A statement without a result (bookkeeping updates)."""
        self._execute(sql, params)

    def value(self, sql: str, params: Any = None) -> Any:
        """The first column of the first row of a query (None when it returns no row)."""
        row = self._execute(sql, params, lambda c: c.fetchone())
        if row is None:
            return None
        first, *_rest = row
        return first

    def row(self, sql: str, params: Any = None) -> tuple | None:
        return self._execute(sql, params, lambda c: c.fetchone())

    def one(self, sql: str, params: Any = None) -> tuple:
        """The row of a query that always answers one (aggregates without GROUP BY)."""
        row = self.row(sql, params)
        if row is None:
            raise RuntimeError(f"no row from a query that always answers one: {sql[:80]}")
        return row

    def rows(self, sql: str, params: Any = None) -> list[tuple]:
        return self._execute(sql, params, lambda c: c.fetchall())

    def batches(self, sql: str, size: int = 10_000) -> Iterator[tuple[list[str], list[tuple]]]:
        """(column names, rows) of a query a batch at a time: at most `size` rows in Python."""
        result = self._execute(sql)
        columns = [name for name, *_rest in result.description]
        while True:
            with self._meaning():
                rows = result.fetchmany(size)
            if not rows:
                return
            yield columns, rows

    def describe(self, sql: str) -> list[tuple[str, str]]:
        """(column, type) of a query's result, without running it."""
        return [(name, str(kind)) for name, kind, *_rest in self.rows(f"DESCRIBE {sql}")]

    def count(self, relation: str) -> int:
        return int(self.value(f"SELECT count(*) FROM {relation}"))

    def span(self) -> tuple[datetime, datetime] | None:
        """First and last start of the valid sessions (None: none). Parquet answers from its
        statistics; only when an extreme row is invalid does this scan every row."""
        first, last = self.one("SELECT min(start), max(start) FROM sessions")
        if first is None:
            return None
        valid = self.row(
            "SELECT bool_or(start = $f AND problem IS NULL), "
            "bool_or(start = $l AND problem IS NULL) FROM sessions WHERE start = $f OR start = $l",
            {"f": first, "l": last},
        )
        first_valid, last_valid = valid or (False, False)
        if not (first_valid and last_valid):
            first, last = self.one(
                "SELECT min(start), max(start) FROM sessions WHERE problem IS NULL"
            )
            if first is None:
                return None
        return first, last.replace(microsecond=0) + timedelta(seconds=1)

    def identity(self, sample: int = 100_000) -> tuple[str | None, str | None]:
        """The most common site name and time zone among the first rows of the data."""
        row = self.row(
            "SELECT mode(site), mode(timezone) FROM "
            "(SELECT site, timezone FROM sessions WHERE site IS NOT NULL OR timezone IS NOT NULL "
            f"LIMIT {int(sample)})"
        )
        if row is None:
            return None, None
        site, zone = row
        return site, zone

    # --- writing exports ----------------------------------------------------------------------

    def copy_csv(self, sql: str, path: Path, guard_formulas: bool = True) -> int:
        """Stream the rows of `sql` to a CSV file (a header, timestamps in UTC ISO 8601); with
        `guard_formulas` a text cell a spreadsheet would run as a formula, or that starts with
        a quote (so reading it back is exact), gets a leading quote. Returns the row count."""
        cells = ", ".join(
            f"{guarded_sql(q(name))} AS {q(name)}"
            if guard_formulas and kind == "VARCHAR"
            else q(name)
            for name, kind in self.describe(sql)
        )
        copy = (
            f"COPY (SELECT {cells} FROM ({sql})) TO {lit(str(path))} "
            f"(FORMAT csv, HEADER true, TIMESTAMPFORMAT '{TIME_FORMAT}')"
        )
        return self._execute(copy, fetch=_written)

    def copy_lines(self, sql: str, path: Path) -> int:
        """Write the one text column of `sql` to a file, a line per row as it is (no quoting:
        the separators are characters JSON text never holds). Returns the row count."""
        copy = (
            f"COPY ({sql}) TO {lit(str(path))} "
            "(FORMAT csv, HEADER false, DELIMITER chr(1), QUOTE chr(2), ESCAPE chr(2))"
        )
        return self._execute(copy, fetch=_written)

    def copy_parquet(self, sql: str, path: Path) -> int:
        """Stream the rows of `sql` to a Parquet file, typed as the query types them. Returns
        the row count."""
        copy = f"COPY ({sql}) TO {lit(str(path))} (FORMAT parquet, COMPRESSION zstd)"
        return self._execute(copy, fetch=_written)

    def copy_json(self, sql: str, path: Path) -> None:
        """Stream the rows of `sql` to a file as one JSON array."""
        self.run(
            f"COPY ({sql}) TO {lit(str(path))} "
            f"(FORMAT json, ARRAY true, TIMESTAMPFORMAT '{TIME_FORMAT}')"
        )

    def close(self) -> None:
        self.con.close()


@dataclass
class InputStore(Store):
    """The sessions of one run's inputs (session files, or the demo site), in memory: each
    input `add`s a relation of normalized rows, and `finalize` merges them into the `sessions`
    view, one row per session_id. Large Parquet inputs stay views over the file, so ten million
    rows never become a copy."""

    inputs: list[str] = field(default_factory=list)  # what each relation added came from
    _lazy: list[str] = field(default_factory=list)  # inputs read only when queried (Parquet)
    _scratch: tempfile.TemporaryDirectory | None = None

    @classmethod
    def create(cls) -> InputStore:
        """An in-memory store of bounded memory, spilling to its scratch folder beyond."""
        con = duckdb.connect(":memory:", config=OFFLINE)
        con.execute("SET TimeZone = 'UTC'")
        store = cls(con)
        sysconf = getattr(os, "sysconf", lambda name: MEMORY_LIMIT)  # POSIX; elsewhere a guess
        limit = min(MEMORY_LIMIT, sysconf("SC_PHYS_PAGES") * sysconf("SC_PAGE_SIZE") // 2)
        con.execute(f"SET temp_directory = {lit(str(store.scratch()))}")
        con.execute(f"SET memory_limit = '{limit >> 20}MB'")
        return store

    def _unreadable(self, exc: duckdb.Error) -> SeshisError:
        if self._lazy:  # an input read lazily
            files = ", ".join(self._lazy)
            return DataError(f"{files} could not be read ({first_line(exc)}); it may be damaged.")
        return super()._unreadable(exc)

    def add(
        self, select_sql: str, origin: str, *, materialize: bool, problem_sql: str = PROBLEM_SQL
    ) -> str:
        """Add the rows of `select_sql` (normalized columns plus _raw_start/_raw_end/_raw_kwh).
        JSON and CSV are materialized (parsed once); Parquet stays a view over the file, read
        only when queried (so its errors surface later, naming it)."""
        index = len(self.inputs)
        name = f"src_{index}"
        wrapped = normalized_select(select_sql, problem_sql, index)
        kind = "TABLE" if materialize else "VIEW"
        try:
            self.run(f"CREATE {kind} {name} AS {wrapped}")
        except DataError as exc:
            detail = first_line(exc.__cause__) if exc.__cause__ else str(exc)
            raise DataError(f"{origin}: the data could not be read ({detail}).") from exc
        self.inputs.append(origin)
        if not materialize:
            self._lazy.append(origin)
        return name

    def register_filesystem(self, filesystem: Any) -> None:
        """Let DuckDB read the names of an fsspec filesystem (s3://, https://) through it."""
        self.con.register_filesystem(filesystem)

    def rename_origin(self, index: int, old: str, new: str) -> None:
        """Name the rows of input `index` (a table) by `new` where they named `old`: an object
        read from a local copy is named by its URL."""
        self.run(f"UPDATE src_{index} SET origin = replace(origin, {lit(old)}, {lit(new)})")
        self.inputs[index] = self.inputs[index].replace(old, new)

    def discard(self) -> None:
        """Take back the table of the last `add` (its reader reads the file again otherwise)."""
        self.run(f"DROP TABLE src_{len(self.inputs) - 1}")
        self.inputs.pop()

    def finalize(self) -> None:
        """Merge every input into `sessions`, keeping one row per session_id: duplicates are
        found on a 64-bit hash first (cheap integer grouping), then confirmed on the ids
        themselves; the first valid row of the earliest input wins. (A distinct count of the
        hashes, tried instead, cost as much.)"""
        union = " UNION ALL ".join(f"SELECT * FROM src_{i}" for i in range(len(self.inputs)))
        none = ", ".join(f"NULL::{t} AS {q(n)}" for n, t in SCHEMA)
        none = f"SELECT {none}, NULL::VARCHAR AS problem, 0 AS _src WHERE false"
        self.run(f"CREATE VIEW all_rows AS {union or none}")
        self.run(
            "CREATE TABLE dup_hashes AS SELECT hash(session_id) AS h FROM all_rows "
            "WHERE session_id <> '' GROUP BY h HAVING count(*) > 1"
        )
        merged = 0
        if self.count("dup_hashes"):
            self.run(
                "CREATE TABLE dup_ids AS SELECT session_id, count(*) AS n FROM all_rows "
                "WHERE session_id <> '' AND hash(session_id) IN (SELECT h FROM dup_hashes) "
                "GROUP BY session_id HAVING count(*) > 1"
            )
            merged = self.value("SELECT coalesce(sum(n - 1), 0) FROM dup_ids")
        self.duplicates = int(merged or 0)
        if self.duplicates == 0:
            self.run("CREATE VIEW sessions AS SELECT * FROM all_rows")
            return
        self.run(
            "CREATE TABLE dup_rows AS SELECT DISTINCT ON (session_id) * FROM all_rows "
            "WHERE session_id IN (SELECT session_id FROM dup_ids) "
            "ORDER BY session_id, problem IS NOT NULL, _src"
        )
        self.run(
            "CREATE VIEW sessions AS SELECT * FROM all_rows "
            "WHERE session_id IS NULL OR session_id NOT IN (SELECT session_id FROM dup_ids) "
            "UNION ALL SELECT * FROM dup_rows"
        )

    def scratch(self) -> Path:
        """A temporary folder as long-lived as the store (copies of inputs, spilled data)."""
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="seshis-")
        return Path(self._scratch.name)

    def scratch_file(self, suffix: str) -> Path:
        """A file in the scratch folder named for the next input (a copy or link of a file)."""
        return self.scratch() / f"{len(self.inputs)}{suffix}"

    def close(self) -> None:
        super().close()
        if self._scratch is not None:
            self._scratch.cleanup()


def normalized_select(select_sql: str, problem_sql: str = PROBLEM_SQL, index: int = 0) -> str:
    """Rows of `select_sql` cast to the schema, with their problem (NULL when valid)."""
    return (
        f"SELECT {', '.join(_normalized(c, t) for c, t in SCHEMA)}, "
        f"{problem_sql} AS problem, {index} AS _src FROM ({select_sql})"
    )


def _normalized(column: str, sql_type: str) -> str:
    """A column cast to its schema type; user_id trimmed, with NULL for none (unclaimed)."""
    if column == "user_id":
        return "NULLIF(trim(user_id::VARCHAR), '') AS user_id"
    return f"{q(column)}::{sql_type} AS {q(column)}"


def _written(cursor: duckdb.DuckDBPyConnection) -> int:
    """The rows a COPY wrote."""
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def first_line(exc: BaseException) -> str:
    """The first line of a DuckDB error, without its "Invalid Input Error: " prefix."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    _head, sep, rest = text.partition(" Error: ")
    return rest if sep else text


# Every open connection, so that Ctrl-C and SIGTERM can stop a long query at once.
_OPEN: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


def interrupt_all() -> None:
    """Interrupt the queries running on every open connection (from a signal watcher)."""
    for con in list(_OPEN):
        with contextlib.suppress(duckdb.Error):
            con.interrupt()


# DuckDB errors that are mistakes in seshis's own SQL, not problems of the data: left as they are.
_SQL_MISTAKES = (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException)
