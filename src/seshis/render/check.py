"""--check as text: one line per health target and per suspect station, OK or BREACH."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from ..analysis import Report
from .common.wording import span


def render(report: Report, out: Console) -> None:
    w = report.window
    out.print(f"seshis check: {escape(report.site)}, {span(w)} ({w.timezone})")
    for f in report.findings:
        mark = "[green]OK    [/green]" if f.ok else "[red]BREACH[/red]"
        out.print(f"{mark} {escape(f.text)}", soft_wrap=True)
