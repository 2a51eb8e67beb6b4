"""The DuckDB database: the one place sessions live once loaded.

Sources add relations in the normalized schema (DESIGN.md); `finalize` merges them into the
`sessions` view, one row per session_id, with a `problem` column that is NULL for valid rows.
Large Parquet inputs stay views over the file, so ten million rows never become a copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from .errors import DataError

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
)
COLUMNS = tuple(name for name, _ in SCHEMA)


def q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: object) -> str:
    """An SQL literal for a string or None."""
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


# Why a row cannot be analysed; NULL for a valid row. Needs the _raw_* text columns.
PROBLEM_SQL = """CASE
    WHEN session_id IS NULL OR session_id = '' THEN 'missing session id'
    WHEN start IS NULL AND nullif(trim(_raw_start::VARCHAR), '') IS NULL THEN 'missing start time'
    WHEN start IS NULL THEN 'unparseable start time: ' || _raw_start::VARCHAR
    WHEN "end" IS NULL AND nullif(trim(_raw_end::VARCHAR), '') IS NULL THEN 'missing end time'
    WHEN "end" IS NULL THEN 'unparseable end time: ' || _raw_end::VARCHAR
    WHEN kwh IS NULL AND nullif(trim(_raw_kwh::VARCHAR), '') IS NULL THEN 'missing kWh'
    WHEN kwh IS NULL OR isnan(kwh) OR isinf(kwh) THEN 'non-numeric kWh: ' || _raw_kwh::VARCHAR
    WHEN kwh < 0 THEN 'negative kWh: ' || _raw_kwh::VARCHAR
    WHEN "end" < start THEN 'end before start'
    WHEN "end" = start AND kwh > 0 THEN 'energy delivered in zero time'
END"""


@dataclass
class Store:
    """A DuckDB connection holding the `sessions` of one run."""

    con: duckdb.DuckDBPyConnection
    sources: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    duplicates: int = 0

    @classmethod
    def memory(cls) -> Store:
        con = duckdb.connect(":memory:")
        con.execute("SET TimeZone = 'UTC'")
        return cls(con)

    def add(
        self, select_sql: str, origin: str, *, materialize: bool, problem_sql: str = PROBLEM_SQL
    ) -> str:
        """Add the rows of `select_sql` (normalized columns plus _raw_start/_raw_end/_raw_kwh).

        JSON and CSV are materialized (parsed once); Parquet stays a view over the file.
        """
        name = f"src_{len(self.sources)}"
        index = len(self.sources)
        wrapped = (
            f"SELECT {', '.join(_normalized(c, t) for c, t in SCHEMA)}, "
            f"{problem_sql} AS problem, "
            f"{index} AS _src FROM ({select_sql})"
        )
        kind = "TABLE" if materialize else "VIEW"
        try:
            self.con.execute(f"CREATE {kind} {name} AS {wrapped}")
        except duckdb.Error as exc:
            raise DataError(f"{origin}: the data could not be read ({first_line(exc)}).") from exc
        self.sources.append(origin)
        return name

    def finalize(self) -> None:
        """Merge every source into `sessions`, keeping one row per session_id.

        Duplicates are found on a 64-bit hash first (cheap integer grouping), then confirmed
        on the ids themselves; the first valid row of the earliest source wins.
        """
        if not self.sources:
            union = ", ".join(f"NULL::{t} AS {q(n)}" for n, t in SCHEMA)
            self.con.execute(
                f"CREATE VIEW all_rows AS SELECT {union}, NULL::VARCHAR AS problem, "
                "0 AS _src WHERE false"
            )
        else:
            union = " UNION ALL ".join(f"SELECT * FROM src_{i}" for i in range(len(self.sources)))
            self.con.execute(f"CREATE VIEW all_rows AS {union}")
        try:
            self.con.execute(
                "CREATE TABLE dup_hashes AS SELECT hash(session_id) AS h FROM all_rows "
                "WHERE session_id IS NOT NULL GROUP BY h HAVING count(*) > 1"
            )
            if self.con.execute("SELECT count(*) FROM dup_hashes").fetchone()[0]:
                self.con.execute(
                    "CREATE TABLE dup_ids AS SELECT session_id, count(*) AS n FROM all_rows "
                    "WHERE hash(session_id) IN (SELECT h FROM dup_hashes) "
                    "GROUP BY session_id HAVING count(*) > 1"
                )
                row = self.con.execute(
                    "SELECT count(*), coalesce(sum(n - 1), 0) FROM dup_ids"
                ).fetchone()
            else:
                row = (0, 0)
        except duckdb.Error as exc:
            raise DataError(f"The session data could not be read ({first_line(exc)}).") from exc
        self.duplicates = int(row[1]) if row else 0
        if self.duplicates == 0:
            self.con.execute("CREATE VIEW sessions AS SELECT * FROM all_rows")
            return
        self.con.execute(
            "CREATE TABLE dup_rows AS SELECT DISTINCT ON (session_id) * FROM all_rows "
            "WHERE session_id IN (SELECT session_id FROM dup_ids) "
            "ORDER BY session_id, problem IS NOT NULL, _src"
        )
        self.con.execute(
            "CREATE VIEW sessions AS SELECT * FROM all_rows "
            "WHERE session_id IS NULL OR session_id NOT IN (SELECT session_id FROM dup_ids) "
            "UNION ALL SELECT * FROM dup_rows"
        )

    def close(self) -> None:
        self.con.close()


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
