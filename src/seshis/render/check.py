"""--check as text: one line per health target, failing site and suspect station, OK or
BREACH; an item found in the previous window too says so ([new], [continuing]), and what
recovered since then is an OK line of its own ([recovered])."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from ..analysis import Report
from .common.wording import plural, since_short, span


def render(report: Report, out: Console) -> None:
    w = report.window
    name, zone = report.site, w.timezone
    if report.several_sites:
        name += f" ({plural(len(report.sites), 'site')})"
        if len({s.window.timezone for s in report.sites}) > 1:
            zone = "each site in its own time zone"
    out.print(f"seshis check: {escape(name)}, {span(w)} ({zone})", soft_wrap=True)
    onsets = {(a.kind, a.site, a.subject): a.since for a in report.attention}
    for f in report.findings:
        mark = "[green]OK    [/green]" if f.ok else "[red]BREACH[/red]"
        state = f" [{f.state}]" if f.state else ""
        at = f" at {f.site}" if f.site and f.kind == "station" and report.several_sites else ""
        text = f.text if f.kind != "station" else f"{f.name}{at}{f.text[len(f.name) :]}"
        onset = onsets.get((f.kind, f.site, f.name))
        when = f"; failing {since_short(onset)}" if onset is not None and not f.ok else ""
        out.print(f"{mark}{escape(state)} {escape(text + when)}", soft_wrap=True)
