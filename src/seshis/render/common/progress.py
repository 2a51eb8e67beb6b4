"""The progress bar on stderr while sessions are fetched; nothing when stderr is not a terminal."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console

Update = Callable[[int, int, int | None], None]


class FetchProgress:
    """`with FetchProgress(err, "PowerFlex") as update: update(pages, sessions, total)`."""

    def __init__(self, err: Console, name: str) -> None:
        self.err, self.name, self.bar = err, name, None

    def __enter__(self) -> Update | None:
        if not self.err.is_terminal:
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn(f"Fetching from {self.name}"),
            BarColumn(),
            TextColumn("{task.fields[pages]} pages · {task.completed:.0f} sessions"),
            TextColumn("· {task.fields[rate]} sessions/s"),
            TimeElapsedColumn(),
            console=self.err,
            transient=True,
        )
        self.bar.start()
        task_id = self.bar.add_task("fetch", total=None, pages=0, rate="…")

        def update(pages: int, rows: int, total: int | None) -> None:
            elapsed = self.bar.tasks[0].elapsed
            rate = f"{rows / elapsed:.0f}" if elapsed else "…"
            self.bar.update(task_id, completed=rows, total=total, pages=pages, rate=rate)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()
