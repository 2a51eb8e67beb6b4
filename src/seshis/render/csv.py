"""CSV export: UTF-8 with a byte-order mark (Excel opens it correctly), formula-like cells
neutralised, streamed by the store and moved into place atomically; the stations in a second
file beside it. To a stream (standard output: `--output -`), the sessions alone, without the
byte-order mark."""

from __future__ import annotations

import csv
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..analysis import Report
from ..analysis.stations import RECORD_COLUMNS
from ..definitions import guarded
from .common.atomic import atomic_file, scratch_prefix
from .common.exporter import Sessions

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Written:
    path: Path | None  # None: written to a stream
    sessions: int
    stations_path: Path | None = None
    stations: int = 0


def render(
    report: Report, out: Path | IO[str], *, sessions: Sessions, stations: bool = False
) -> Written:
    """Write the selected `sessions` to `out`, a file or a text stream (and, for a file, with
    `stations`, the report's stations table to `<name>_stations.csv`)."""
    if not isinstance(out, Path):
        with tempfile.TemporaryDirectory(prefix="seshis-") as folder:
            raw = Path(folder) / "sessions.csv"
            count = sessions.write_csv(raw)
            with raw.open(encoding="utf-8", newline="") as src:
                shutil.copyfileobj(src, out)
        return Written(None, count)
    with atomic_file(out) as tmp:
        beside = _scratch_beside(tmp)
        with tempfile.TemporaryDirectory(prefix=scratch_prefix(), dir=beside) as folder:
            raw = Path(folder) / "sessions.csv"
            count = sessions.write_csv(raw)
            with tmp.open("wb") as dst, raw.open("rb") as src:
                dst.write(BOM)
                shutil.copyfileobj(src, dst)
    if not stations:
        return Written(out, count)
    spath = out.with_name(out.stem + "_stations.csv")
    records = [st.record() for st in report.stations]
    with atomic_file(spath) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        columns = list(records[0]) if records else list(RECORD_COLUMNS)
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows({k: guarded(v) for k, v in rec.items()} for rec in records)
    return Written(out, count, spath, len(records))


def _scratch_beside(tmp: Path) -> str | None:
    """Beside the export (same disk, as big as the export needs), unless the target is a FIFO
    or a device being written in place."""
    return str(tmp.parent) if tmp.is_file() else None
