"""The PDF's network pages, when the report holds more than one site: the sites table (worst
first, shares that miss a health target in red), then each site with its figures and what
needs attention there, a bookmark each."""

from __future__ import annotations

from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from ...analysis import Report, Scope
from ..common.wording import plural, recovered, since, site_command, state, where_to_look
from .outline import Heading
from .styles import (
    BODY,
    GREEN,
    H1,
    H2,
    ORANGE,
    RED,
    SMALL,
    Cell,
    Mark,
    cell,
    esc,
    hexcode,
    long_table,
)

SITE_COLUMNS = (
    ("Site", 2.6),
    ("Sessions", 0.75),
    ("Stations", 0.7),
    ("Drivers", 0.7),
    ("kWh", 0.8),
    ("Empty", 0.65),
    ("Micro", 0.65),
    ("Normal", 0.65),
    ("Unclaimed", 0.8),
    ("Attention", 0.75),
    ("Δ E+M", 0.7),
)


def sites(r: Report) -> list[Flowable]:
    """The sites table and a block per site."""
    story: list[Flowable] = [
        CondPageBreak(2.5 * inch),
        Spacer(1, 10),
        Heading(f"Sites ({len(r.sites)})", H1),
        Paragraph(
            "Worst first. Shares in red miss their health target. Attention: the items that "
            "need attention at the site. Δ E+M: the change of the empty + micro share, in "
            "points, against the previous window. A site is tested against the rest of the "
            "network like a station against the rest of its site.",
            SMALL,
        ),
        Spacer(1, 4),
    ]
    rows: list[list[Cell]] = []
    marks: list[list[Mark]] = []
    for s in r.sites:
        t = s.totals
        missed = {h.metric for h in s.health if h.ok is False}
        columns = {"empty": 5, "micro": 6, "normal": 7, "unclaimed": 8}
        rows.append(
            [
                cell(s.name, 40),
                f"{t.sessions:,}",
                str(len(s.stations)) if s.stations else "",
                "n/a" if s.distinct_users is None else f"{s.distinct_users:,}",
                f"{t.kwh:,.0f}",
                _share(s, t.empty),
                _share(s, t.micro),
                _share(s, t.normal),
                "n/a" if s.unclaimed is None else _share(s, s.unclaimed.sessions),
                str(len(s.attention)) if s.attention else "",
                _change(s),
            ]
        )
        mark: list[Mark] = [("TEXTCOLOR", columns[m], columns[m], RED) for m in missed]
        if any(a.kind == "site" for a in s.attention):
            mark.append(("TEXTCOLOR", 0, 0, RED))
        marks.append(mark)
    header = [name for name, _ in SITE_COLUMNS]
    widths = [w * inch for _, w in SITE_COLUMNS]
    story += long_table(header, rows, widths, marks)
    for s in r.sites:
        story += _site(s)
    return story


def _share(s: Scope, part: int) -> str:
    return f"{s.totals.pct(part):.1f}%" if s.totals.sessions else ""


def _change(s: Scope) -> str:
    was = s.previous
    if was is None or not was.totals.sessions or not s.totals.sessions:
        return ""
    now, then = s.totals, was.totals
    return f"{now.pct(now.problems) - then.pct(then.problems):+.1f}"


def _site(s: Scope) -> list[Flowable]:
    """One site: a bookmark, its figures in a line, what needs attention there."""
    t = s.totals
    place = f", {s.location}" if s.location else ""
    drivers = "" if s.distinct_users is None else f" · {plural(s.distinct_users, 'driver')}"
    head: list[Flowable] = [
        Heading(f"{esc(s.name)}{esc(place)}", H2, outline=s.name, level=1),
        Paragraph(
            f"{plural(t.sessions, 'session')} · {t.kwh:,.0f} kWh{drivers} · "
            f"{t.pct(t.problems):.1f}% empty or micro · {esc(s.window.timezone)}",
            BODY,
        ),
    ]
    lines: list[Flowable] = []
    for item in s.attention:
        colour = RED if item.kind in ("station", "site") else ORANGE
        when = f"<br/>{esc(since(item.since))}" if item.since is not None else ""
        lines.append(
            Paragraph(
                f"<font color='{hexcode(colour)}'><b>{esc(item.text)}{esc(state(item.state))}"
                f"</b></font>{when}<br/>Where to look: {esc(where_to_look(item))}",
                BODY,
            )
        )
    for back in s.recovered:
        lines.append(
            Paragraph(f"<font color='{hexcode(GREEN)}'>{esc(recovered(back))}</font>", BODY)
        )
    if not lines:
        lines.append(Paragraph("Nothing needs attention here.", SMALL))
    else:
        lines.append(Paragraph(f"This site's own report: {esc(site_command(s.name))}", SMALL))
    return [KeepTogether([*head, *lines[:1]]), *lines[1:], Spacer(1, 6)]
