"""The DuckDB database: the one place sessions live once loaded.

Sources add relations in the normalized schema (DESIGN.md); `finalize` merges them into the
`sessions` view, one row per session_id, with a `problem` column that is NULL for valid rows.
Large Parquet inputs stay views over the file, so ten million rows never become a copy.
Every query of the data runs through a method of this class or of the analysis package.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from . import dates
from .definitions import PROBLEM_SQL
from .errors import DataError, SourceError

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
FORMULA_START = "=+-@\t\r"  # a spreadsheet runs a cell starting with one of these
# A guarded cell starts with a quote, so a value that starts with one is guarded too: reading
# seshis's CSV back then strips exactly one leading quote and every value comes back as it was.
GUARDED_START = FORMULA_START + "'"
# bytes DuckDB may hold in memory (or half the RAM) before it spills to its scratch folder:
# 30M Parquet sessions in 840 MB and 7.8 s with it, 1.8 GB and 10 s with 4 GB
MEMORY_LIMIT = 768 << 20
WAIT_POLL_S = 0.5  # how often a second run checks whether the store is free
_IN_USE = "The store {} is in use by another seshis run"
_STORED = ("stored_sessions", "stored_invalid")  # the on-disk store's sessions, id-less rows


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
    """A DuckDB connection holding the `sessions` of one run. In `_execute`, Ctrl-C during a
    query becomes the KeyboardInterrupt it was, and DuckDB's errors one sentence naming the
    file (an input read lazily, or the on-disk store); only seshis's own SQL mistakes escape."""

    con: duckdb.DuckDBPyConnection
    sources: list[str] = field(default_factory=list)
    duplicates: int = 0
    path: Path | None = None
    _scratch: tempfile.TemporaryDirectory | None = None
    _lazy: list[str] = field(default_factory=list)  # inputs read only when queried (Parquet)

    @classmethod
    def memory(cls) -> Store:
        """An in-memory store of bounded memory, spilling to its scratch folder beyond."""
        con = duckdb.connect(":memory:")
        con.execute("SET TimeZone = 'UTC'")
        _OPEN.add(con)
        store = cls(con)
        sysconf = getattr(os, "sysconf", lambda name: MEMORY_LIMIT)  # POSIX; elsewhere a guess
        limit = min(MEMORY_LIMIT, sysconf("SC_PHYS_PAGES") * sysconf("SC_PAGE_SIZE") // 2)
        con.execute(f"SET temp_directory = {lit(str(store.scratch()))}")
        con.execute(f"SET memory_limit = '{limit >> 20}MB'")
        return store

    @classmethod
    def open(
        cls,
        path: Path,
        wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        notice: Callable[[str], None] | None = None,
    ) -> Store:
        """The on-disk cache of the live sources, created readable by its owner only (it holds
        drivers' e-mails). While another run holds it, this one waits up to `wait` seconds
        (telling `notice` once): overlapping cron runs queue instead of failing."""
        path, created = Path(path), not Path(path).parent.exists()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if created:
                os.chmod(path.parent, 0o700)
        except OSError as exc:
            raise SourceError(f"Cannot create the store {path} ({exc.strerror}).") from exc
        for attempt in itertools.count():
            try:
                with _owner_only():
                    con = duckdb.connect(str(path))
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise _unreadable_store(path, exc) from exc
                if attempt * WAIT_POLL_S >= wait:
                    raise SourceError(
                        f"{_IN_USE.format(path)}; wait for it to finish, or give another --store."
                    ) from exc
                if attempt == 0 and notice is not None:
                    notice(f"{_IN_USE.format(path)}; waiting up to {wait:g} s…")
                sleep(WAIT_POLL_S)
            except duckdb.Error as exc:
                raise _unreadable_store(path, exc) from exc
        _OPEN.add(con)
        _tighten(path)
        store, columns = cls(con, path=path), ", ".join(f"{q(c)} {t}" for c, t in SCHEMA)
        store.run(  # a damaged file fails here, as one sentence naming it
            f"SET TimeZone = 'UTC'; CREATE TABLE IF NOT EXISTS stored_sessions (source VARCHAR "
            f"NOT NULL, {columns}, problem VARCHAR, sync_id BIGINT, PRIMARY KEY (source, "
            f"session_id)); CREATE TABLE IF NOT EXISTS stored_invalid (source VARCHAR NOT NULL, "
            f"{columns}, problem VARCHAR, sync_id BIGINT, fingerprint VARCHAR); "
            + "; ".join(f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS raw VARCHAR" for t in _STORED)
        )  # (a store of an older seshis has no raw rows: its sessions show normalized)
        return store

    def _execute(self, sql: str, params: Any = None, fetch: Callable | None = None) -> Any:
        """Run one statement (and fetch its result); DuckDB's errors become what they mean."""
        with self._meaning():
            with _owner_only() if self.path else contextlib.nullcontext():  # the .wal too
                cursor = self.con.execute(sql, params)
            return fetch(cursor) if fetch else cursor

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
        if self.path is not None:
            return _unreadable_store(self.path, exc)
        if self._lazy:
            files = ", ".join(self._lazy)
            return DataError(f"{files} could not be read ({first_line(exc)}); it may be damaged.")
        return DataError(f"The session data could not be read ({first_line(exc)}).")

    # --- reading ------------------------------------------------------------------------------

    def run(self, sql: str, params: Any = None) -> None:
        """A statement without a result (bookkeeping updates)."""
        self._execute(sql, params)

    def value(self, sql: str, params: Any = None) -> Any:
        """The first column of the first row of a query (None when it returns no row)."""
        row = self._execute(sql, params, lambda c: c.fetchone())
        return row[0] if row else None

    def row(self, sql: str, params: Any = None) -> tuple | None:
        return self._execute(sql, params, lambda c: c.fetchone())

    def rows(self, sql: str, params: Any = None) -> list[tuple]:
        return self._execute(sql, params, lambda c: c.fetchall())

    def batches(self, sql: str, size: int = 10_000) -> Iterator[tuple[list[str], list[tuple]]]:
        """(column names, rows) of a query a batch at a time: at most `size` rows in Python."""
        result = self._execute(sql)
        columns = [c[0] for c in result.description]
        while True:
            with self._meaning():
                rows = result.fetchmany(size)
            if not rows:
                return
            yield columns, rows

    def describe(self, sql: str) -> list[tuple[str, str]]:
        """(column, type) of a query's result, without running it."""
        return [(r[0], str(r[1])) for r in self.rows(f"DESCRIBE {sql}")]

    def count(self, relation: str) -> int:
        return int(self.value(f"SELECT count(*) FROM {relation}"))

    def span(self) -> tuple[datetime, datetime] | None:
        """First and last start of the valid sessions (None: none). Parquet answers from its
        statistics; only when an extreme row is invalid does this scan every row."""
        first, last = self.row("SELECT min(start), max(start) FROM sessions")
        if first is None:
            return None
        valid = self.row(
            "SELECT bool_or(start = $f AND problem IS NULL), "
            "bool_or(start = $l AND problem IS NULL) FROM sessions WHERE start = $f OR start = $l",
            {"f": first, "l": last},
        )
        if not (valid and valid[0] and valid[1]):
            first, last = self.row(
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
        return (row[0], row[1]) if row else (None, None)

    # --- writing exports ----------------------------------------------------------------------

    def copy_csv(self, sql: str, path: Path, guard_formulas: bool = True) -> int:
        """Stream the rows of `sql` to a CSV file (a header, timestamps in UTC ISO 8601); with
        `guard_formulas` a text cell a spreadsheet would run as a formula, or that starts with
        a quote (so reading it back is exact), gets a leading quote. Returns the row count."""
        cells = ", ".join(
            f"CASE WHEN left({q(name)}, 1) IN ({', '.join(lit(c) for c in GUARDED_START)}) "
            f"THEN '''' || {q(name)} ELSE {q(name)} END AS {q(name)}"
            if guard_formulas and kind == "VARCHAR"
            else q(name)
            for name, kind in self.describe(sql)
        )
        copy = (
            f"COPY (SELECT {cells} FROM ({sql})) TO {lit(str(path))} "
            f"(FORMAT csv, HEADER true, TIMESTAMPFORMAT '{TIME_FORMAT}')"
        )
        return int(self._execute(copy, fetch=lambda c: c.fetchone()[0]))

    def copy_lines(self, sql: str, path: Path) -> int:
        """Write the one text column of `sql` to a file, a line per row as it is (no quoting:
        the separators are characters JSON text never holds). Returns the row count."""
        copy = (
            f"COPY ({sql}) TO {lit(str(path))} "
            "(FORMAT csv, HEADER false, DELIMITER chr(1), QUOTE chr(2), ESCAPE chr(2))"
        )
        return int(self._execute(copy, fetch=lambda c: c.fetchone()[0]))

    def copy_json(self, sql: str, path: Path) -> None:
        """Stream the rows of `sql` to a file as one JSON array."""
        self.run(
            f"COPY ({sql}) TO {lit(str(path))} "
            f"(FORMAT json, ARRAY true, TIMESTAMPFORMAT '{TIME_FORMAT}')"
        )

    # --- loading ------------------------------------------------------------------------------

    def ingest(
        self, source: str, select_sql: str, sync_id: int, params: dict | None = None
    ) -> None:
        """Upsert the normalized rows of API pages in one transaction; rows without an id
        go to stored_invalid."""
        wrapped = normalized_select(select_sql, PROBLEM_SQL)
        self.run("BEGIN TRANSACTION")
        try:
            self.run(f"CREATE OR REPLACE TEMP TABLE page AS {wrapped}", params)
            cols = ", ".join(q(c) for c in COLUMNS)
            self.run(
                f"INSERT OR REPLACE INTO stored_sessions BY NAME SELECT {lit(source)} AS source, "
                f"{cols}, problem, {int(sync_id)} AS sync_id FROM page "
                "WHERE session_id IS NOT NULL AND session_id <> '' "
                "QUALIFY row_number() OVER (PARTITION BY session_id) = 1"
            )
            # rows without an id have no key: a fingerprint keeps a refetch from adding them twice
            fingerprint = f"md5(concat_ws('|', {cols}, problem))"
            self.run(
                "INSERT INTO stored_invalid BY NAME SELECT DISTINCT ON (fp) * EXCLUDE (fp), "
                f"fp AS fingerprint FROM ("
                f"SELECT {lit(source)} AS source, {cols}, problem, {int(sync_id)} AS sync_id, "
                f"{fingerprint} AS fp FROM page WHERE session_id IS NULL OR session_id = '') "
                f"WHERE fp NOT IN (SELECT fingerprint FROM stored_invalid "
                f"WHERE source = {lit(source)})"
            )
            self.run("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error, RuntimeError):  # gone with the error
                self.con.execute("ROLLBACK")
            raise

    def stored_rows(self, sync_id: int) -> int:
        """Rows a sync left in the store (its sessions and its id-less rows)."""
        counts = (f"(SELECT count(*) FROM {t} WHERE sync_id = $s)" for t in _STORED)
        return int(self.value(f"SELECT {' + '.join(counts)}", {"s": sync_id}))

    def use_source(self, source: str, window: dates.DateRange) -> None:
        """Point the `sessions` view at one source of the on-disk store."""
        cols = ", ".join(q(c) for c in COLUMNS)
        self.run(
            f"CREATE OR REPLACE TEMP VIEW sessions AS "
            f"SELECT {cols}, problem, 0 AS _src FROM stored_sessions WHERE source = {lit(source)} "
            f"UNION ALL SELECT {cols}, problem, 0 AS _src FROM stored_invalid "
            f"WHERE source = {lit(source)} AND (start IS NULL OR ({window_sql(window)}))"
        )
        self.sources.append(source)

    def add(
        self, select_sql: str, origin: str, *, materialize: bool, problem_sql: str = PROBLEM_SQL
    ) -> str:
        """Add the rows of `select_sql` (normalized columns plus _raw_start/_raw_end/_raw_kwh).
        JSON and CSV are materialized (parsed once); Parquet stays a view over the file, read
        only when queried (so its errors surface later, naming it)."""
        name = f"src_{len(self.sources)}"
        index = len(self.sources)
        wrapped = normalized_select(select_sql, problem_sql, index)
        kind = "TABLE" if materialize else "VIEW"
        try:
            self.run(f"CREATE {kind} {name} AS {wrapped}")
        except DataError as exc:
            detail = first_line(exc.__cause__) if exc.__cause__ else str(exc)
            raise DataError(f"{origin}: the data could not be read ({detail}).") from exc
        self.sources.append(origin)
        if not materialize:
            self._lazy.append(origin)
        return name

    def discard(self) -> None:
        """Take back the table of the last `add` (its reader reads the file again otherwise)."""
        self.run(f"DROP TABLE src_{len(self.sources) - 1}")
        self.sources.pop()

    def finalize(self) -> None:
        """Merge every source into `sessions`, keeping one row per session_id: duplicates are
        found on a 64-bit hash first (cheap integer grouping), then confirmed on the ids
        themselves; the first valid row of the earliest source wins. (A distinct count of the
        hashes, tried instead, cost as much.)"""
        union = " UNION ALL ".join(f"SELECT * FROM src_{i}" for i in range(len(self.sources)))
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

    def close(self) -> None:
        self.con.close()
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


def _unreadable_store(path: Path, exc: BaseException) -> SourceError:
    return SourceError(
        f"The store {path} cannot be read ({first_line(exc)}); if it is truncated or damaged, "
        "move it away or give another --store."
    )


@contextlib.contextmanager
def _owner_only() -> Iterator[None]:
    """Files created meanwhile (the store, its .wal) are their owner's only, whatever the umask."""
    old = os.umask(0o077)
    os.umask(old | 0o077)
    try:
        yield
    finally:
        os.umask(old)


def _tighten(path: Path) -> None:
    """The store and its log become their owner's only, also where an older seshis made them."""
    for one in (path, Path(f"{path}.wal")):
        with contextlib.suppress(OSError):  # absent, or not ours to change
            os.chmod(one, stat.S_IMODE(one.stat().st_mode) & 0o700)
