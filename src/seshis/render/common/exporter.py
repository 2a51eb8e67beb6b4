"""What an export renderer is handed besides the report: the selected sessions, streamed. The
app builds it (analysis.session_export); a renderer sees only this face of it, never a store,
a connection or SQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol


class Sessions(Protocol):
    """The sessions an export writes, every normalized field plus local times, duration,
    current, category and label, in the order of their start."""

    def columns(self) -> list[str]:
        """The names of the columns (an empty export's header)."""
        ...

    def write_csv(self, path: Path) -> int:
        """Write them as CSV, formula-like cells guarded; returns how many."""
        ...

    def write_parquet(self, path: Path) -> int:
        """Write them as Parquet, typed; returns how many."""
        ...

    def write_raw_json(self, out: IO[str]) -> None:
        """Write them as one JSON array of the rows as their source gave them."""
        ...

    def batches(self, size: int = 10_000) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
        """(column names, rows) a batch at a time."""
        ...
