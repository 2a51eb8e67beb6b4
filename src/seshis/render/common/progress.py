"""The progress bar on stderr while sessions are fetched; nothing when stderr is not a terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress

Update = Callable[[int, int, int | None], None]


class FetchProgress:
    """`with FetchProgress(err, "PowerFlex") as update: update(pages, sessions, total)`."""

    def __init__(self, err: Console, name: str) -> None:
        self.err, self.name = err, name
        self.bar: Progress | None = None

    def __enter__(self) -> Update | None:
        if not self.err.is_terminal:
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(
            TextColumn(f"Fetching from {self.name}"),
            BarColumn(),
            TextColumn("{task.fields[pages]} pages · {task.completed:.0f} sessions"),
            TextColumn("· {task.fields[rate]} sessions/s"),
            TimeElapsedColumn(),
            console=self.err,
            transient=True,
        )
        self.bar = bar
        bar.start()
        task_id = bar.add_task("fetch", total=None, pages=0, rate="…")

        def update(pages: int, rows: int, total: int | None) -> None:
            elapsed = bar.tasks[0].elapsed
            rate = f"{rows / elapsed:.0f}" if elapsed else "…"
            bar.update(task_id, completed=rows, total=total, pages=pages, rate=rate)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()
