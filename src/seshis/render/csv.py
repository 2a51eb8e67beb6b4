"""CSV export: UTF-8 with a byte-order mark (Excel opens it correctly), formula-like cells
neutralised, written by DuckDB and moved into place atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..errors import ExportError
from ..store import Store, lit, q

FORMULA_START = "=+-@\t\r"


def write(store: Store, sql: str, path: Path) -> int:
    """Write the rows of `sql` to `path`; returns how many were written."""
    described = store.con.execute(f"DESCRIBE {sql}").fetchall()
    cells = ", ".join(
        f"CASE WHEN left({q(name)}, 1) IN ({', '.join(lit(c) for c in FORMULA_START)}) "
        f"THEN '''' || {q(name)} ELSE {q(name)} END AS {q(name)}"
        if str(kind) == "VARCHAR"
        else q(name)
        for name, kind, *_ in described
    )
    target = path.resolve()
    try:
        with tempfile.TemporaryDirectory(prefix=".seshis-", dir=target.parent) as tmp:
            raw = Path(tmp) / "raw.csv"
            store.con.execute(
                f"COPY (SELECT {cells} FROM ({sql})) TO {lit(str(raw))} "
                "(FORMAT csv, HEADER true, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%SZ')"
            )
            final = Path(tmp) / "final.csv"
            with final.open("wb") as out, raw.open("rb") as src:
                out.write(b"\xef\xbb\xbf")
                shutil.copyfileobj(src, out)
            os.replace(final, target)
    except OSError as exc:
        raise ExportError(
            f"Cannot write {path} ({exc.strerror}); choose another --output."
        ) from exc
    return int(store.con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0])


STATION_COLUMNS = (
    "station_id",
    "space",
    "sessions",
    "empty",
    "micro",
    "unclaimed",
    "empty_pct",
    "micro_pct",
    "unclaimed_pct",
    "kwh",
    "median_current_a",
    "charging_h",
    "idle_h",
    "occupied_h",
    "utilization_pct",
    "p_value",
    "suspect",
)


def write_stations(store: Store, stations: tuple, path: Path) -> None:
    """The stations table as its own CSV (few rows: written from Python through DuckDB)."""
    rows = [
        (
            s.station_id,
            s.space,
            s.sessions,
            s.empty,
            s.micro,
            s.unclaimed,
            round(s.pct(s.empty), 2),
            round(s.pct(s.micro), 2),
            round(s.pct(s.unclaimed), 2),
            round(s.kwh, 3),
            None if s.median_current is None else round(s.median_current, 2),
            None if s.charging_h is None else round(s.charging_h, 2),
            None if s.idle_h is None else round(s.idle_h, 2),
            round(s.occupied_h, 2),
            round(s.utilization_pct, 2),
            None if s.p_value is None else float(f"{s.p_value:.3g}"),
            s.suspect,
        )
        for s in stations
    ]
    columns = ", ".join(f"{q(c)} {_type(c)}" for c in STATION_COLUMNS)
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE station_rows ({columns})")
    if rows:
        marks = ", ".join("?" for _ in STATION_COLUMNS)
        store.con.executemany(f"INSERT INTO station_rows VALUES ({marks})", rows)
    write(store, "SELECT * FROM station_rows", path)


def _type(column: str) -> str:
    if column in ("station_id", "space", "suspect"):
        return "VARCHAR"
    if column in ("sessions", "empty", "micro", "unclaimed"):
        return "BIGINT"
    return "DOUBLE"
