"""Lines of the terminal report: styled through rich on a terminal, plain and fast when piped;
and tables of whole cells that split rather than cut when the screen is narrow."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text


class Lines:
    """Writes lines: styled through rich on a terminal, plain and fast when piped."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.plain = not console.is_terminal
        self.width = console.width
        # 16 colours have no orange: MED and MICRO are yellow there, as seshis.py's \\033[93m
        self.orange = "yellow" if console.color_system == "standard" else "dark_orange"
        self.count = 0

    def colour(self, name: str | None) -> str | None:
        return self.orange if name == "dark_orange" else name

    def __call__(self, *parts: str | tuple[str, str | None]) -> None:
        """One line from parts, each text or (text, style)."""
        self.count += 1
        if self.plain:
            text = "".join(p if isinstance(p, str) else p[0] for p in parts)
            self.console.file.write(text + "\n")
            return
        line = Text()
        for p in parts:
            if isinstance(p, str):
                line.append(p)
            else:
                line.append(p[0], style=self.colour(p[1]))
        self.console.print(line, soft_wrap=True, highlight=False)

    def blank(self) -> None:
        self("")

    def title(self, text: str) -> None:
        self.blank()
        self((text, "bold"))


def table(
    w: Lines,
    columns: tuple[tuple[str, str], ...],
    rows: list[tuple[list[str], str | None]],
    keep: int = 1,
    free_last: bool = False,
) -> None:
    """A table of whole cells: when it is wider than the screen, the columns after the first
    `keep` go on as a second table below, never cut; with `free_last`, a last column of text
    (a name) may run past the screen's edge rather than start a table of its own."""
    widths = [
        max(len(name), *(len(cells[i]) for cells, _ in rows)) for i, (name, _) in enumerate(columns)
    ]
    groups: list[list[int]] = [[]]
    used = 4
    for i, width in enumerate(widths):
        last = free_last and i == len(widths) - 1
        if used + width + 1 > w.width and i >= keep and len(groups[-1]) > keep and not last:
            groups.append(list(range(keep)))
            used = 4 + sum(widths[j] + 1 for j in range(keep))
        groups[-1].append(i)
        used += width + 1
    for number, group in enumerate(groups):
        if number:
            w.blank()

        def cell(text: str, i: int) -> str:
            return f"{text:{columns[i][1]}{widths[i]}}"

        w(("    " + " ".join(cell(columns[i][0], i) for i in group).rstrip(), "bold"))
        for cells, style in rows:
            w(("    " + " ".join(cell(cells[i], i) for i in group).rstrip(), style))
