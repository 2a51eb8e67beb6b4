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
