"""Parquet export: the CSV's columns, typed (times as timestamps, ids as text, kWh as doubles,
an unclaimed session's user empty), written by the store and moved into place atomically.
seshis reads it back as a source with the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..analysis import Report
from .common.atomic import atomic_file
from .common.exporter import Sessions


@dataclass(frozen=True)
class Written:
    path: Path
    sessions: int


def render(report: Report, out: Path, *, sessions: Sessions) -> Written:
    """Write the selected `sessions` to the Parquet file `out`."""
    with atomic_file(out) as tmp:
        count = sessions.write_parquet(tmp)
    return Written(out, count)
