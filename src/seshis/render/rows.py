"""Without an analysis flag: the selected sessions as one JSON list, as seshis.py
printed them: each row as its source gave it, with the source's own field names."""

from __future__ import annotations

from typing import IO

from ..analysis import Report
from .common.exporter import Sessions


def render(report: Report, out: IO[str], *, sessions: Sessions) -> None:
    """The `sessions` of the report's window, one JSON list of the rows as given."""
    sessions.write_raw_json(out)
    out.write("\n")
