"""The PDF's sections after the summary: empty and micro sessions by day, where they happen and
(with --printsessions, or --empty/--micro alone) every one of them; the combined summary; the
stations."""

from __future__ import annotations

import math

from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table, TableStyle

from ... import definitions as d
from ...analysis import Report
from ...analysis.stations import ALPHA, MIN_SESSIONS
from ..common.wording import duration, kwh, pct, threshold
from .outline import Heading
from .styles import (
    BODY,
    H1,
    H2,
    H3,
    RED,
    SMALL,
    TINT,
    WIDTH,
    Cell,
    Mark,
    cell,
    esc,
    long_table,
    table_style,
)

DAILY_ROWS = 30  # rows of a daily table that fit a page under its heading


def category(r: Report, which: str) -> list[Flowable]:
    t = r.totals
    thr = threshold(r.threshold_kwh)
    if which == "empty":
        title, name, part = "Empty sessions", "Empty sessions (0 kWh)", t.empty
    else:
        title, name, part = "Microsessions", f"Microsessions (&lt; {thr} kWh)", t.micro
    limit = next(h.threshold_pct for h in r.health if h.metric == which)
    rows, red = [], []
    for i, day in enumerate(r.daily):
        n = day.counts.empty if which == "empty" else day.counts.micro
        rows.append([str(day.day), str(n), str(day.counts.sessions), pct(day.counts.pct(n))])
        if day.counts.sessions and day.counts.pct(n) >= limit:
            red.append(i)
    tall = min(len(rows), DAILY_ROWS) + 1
    story: list[Flowable] = [
        CondPageBreak(1.2 * inch + tall * 13.5),  # the heading stays with its table
        Spacer(1, 10),
        Heading(title, H1),
        Paragraph(f"{name}: <b>{part}</b> of {t.sessions} ({pct(t.pct(part))})", BODY),
        Spacer(1, 6),
    ]
    where = _where(r, which)
    if rows:
        header = ["Date", which.capitalize(), "Total", "Share"]
        story.append(
            Paragraph("Daily breakdown (red: days that miss the site health target)", SMALL)
        )
        blocks = _blocks(header, rows, red)
        if where and len(blocks) <= 2:  # the daily table and where they happen side by side
            story += [_row([*blocks, where], [DAY_BLOCK] * len(blocks) + [None]), Spacer(1, 8)]
            where = []
        else:
            story += [
                x for i in range(0, len(blocks), 3) for x in (_row(blocks[i : i + 3]), Spacer(1, 8))
            ]
    if where:
        story += [CondPageBreak(1.5 * inch), *where, Spacer(1, 8)]
    return story + every_session(r, which)


DAY_WIDTHS = (0.85, 0.6, 0.6, 0.6)
DAY_BLOCK = sum(DAY_WIDTHS) * inch + 12


def _blocks(header: list[str], rows: list[list[str]], red: list[int]) -> list[Table]:
    """A long daily table as blocks of at most DAILY_ROWS rows, to stand side by side."""
    per = math.ceil(len(rows) / math.ceil(len(rows) / DAILY_ROWS))  # balanced columns
    blocks = []
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        table = Table([header, *part], colWidths=[w * inch for w in DAY_WIDTHS])
        style = table_style()
        for i in red:
            if start <= i < start + per:
                style.add("TEXTCOLOR", (1, i - start + 1), (-1, i - start + 1), RED)
        table.setStyle(style)
        blocks.append(table)
    return blocks


def _row(cells: list[Flowable | list[Flowable]], widths: list[float | None] | None = None) -> Table:
    """Flowables side by side, top-aligned; a width of None takes what is left."""
    widths = widths or [DAY_BLOCK] * len(cells)
    rest = WIDTH - sum(w for w in widths if w is not None)
    outer = Table([cells], colWidths=[rest if w is None else w for w in widths], hAlign="LEFT")
    outer.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return outer


def _where(r: Report, which: str) -> list[Flowable]:
    """The stations and the drivers with the most sessions of the category, one under the
    other."""
    where = next((x for x in r.where if x.category == which), None)
    if where is None or not (where.stations or where.drivers):
        return []
    word = "empty sessions" if which == "empty" else "microsessions"
    out: list[Flowable] = [
        Paragraph(f"Where the {word} happen: the stations and drivers with the most", H3)
    ]
    for title, places in (("Station", where.stations), ("Driver", where.drivers)):
        if not places:
            continue
        rows = [[title, which.capitalize(), "Sessions", "Share"]]
        italic = []
        for i, p in enumerate(places, start=1):
            rows.append([cell(p.name or "Unclaimed", 40), str(p.count), str(p.sessions)])
            rows[-1].append(f"{p.pct:.0f}%")
            if p.name is None:
                italic.append(i)
        table = Table(rows, colWidths=[w * inch for w in (2.5, 0.6, 0.7, 0.55)], hAlign="LEFT")
        style = table_style()
        for i in italic:
            style.add("FONTNAME", (0, i), (0, i), "Helvetica-Oblique")
        table.setStyle(style)
        out += [table, Spacer(1, 6)]
    return out


EVERY_COLUMNS = (
    ("#", 0.45),
    ("Start", 1.3),
    ("Station / space", 1.5),
    ("Driver", 2.6),
    ("Duration", 0.7),
    ("kWh", 0.6),
    ("Session ID", 2.85),
)


def every_session(r: Report, which: str) -> list[Flowable]:
    """Every session of the category (--printsessions; --empty/--micro alone): time, station,
    driver, duration, energy; oldest first."""
    lines = dict(r.category_lines).get(which)
    if not lines:
        return []
    word = "empty session" if which == "empty" else "microsession"
    rows: list[list[Cell]] = []
    marks: list[list[Mark]] = []
    for line in lines:
        place = " / ".join(p for p in (line.station_id, line.space) if p)
        rows.append(
            [
                str(line.number),
                line.start,
                cell(place, 22),
                cell(line.user or "Unclaimed", 36),
                duration(line.duration_s),
                kwh(line.kwh, r.threshold_kwh).replace(" kWh", ""),
                cell(line.session_id, 40),
            ]
        )
        marks.append([("BACKGROUND", 0, -1, TINT[d.LABEL_COLOURS[line.label]])])
        if line.user is None:
            marks[-1].append(("FONTNAME", 3, 3, "Helvetica-Oblique"))
    return [
        CondPageBreak(1.5 * inch),
        Heading(f"Every {word} ({len(lines):,}), oldest first", H2, level=1),
        *long_table(
            [name for name, _ in EVERY_COLUMNS],
            rows,
            [w * inch for _, w in EVERY_COLUMNS],
            marks,
        ),
        Spacer(1, 8),
    ]


def combined(r: Report) -> list[Flowable]:
    t = r.totals
    thr = threshold(r.threshold_kwh)
    rows = [
        ["Combined summary", "Sessions", "Share"],
        ["Total sessions", str(t.sessions), ""],
        ["Empty sessions (0 kWh)", str(t.empty), pct(t.pct(t.empty))],
        [f"Microsessions (< {thr} kWh)", str(t.micro), pct(t.pct(t.micro))],
        ["Problem sessions (empty + micro)", str(t.problems), pct(t.pct(t.problems))],
        [f"Normal sessions (>= {thr} kWh)", str(t.normal), pct(t.pct(t.normal))],
    ]
    table = Table(rows, colWidths=[2.8 * inch, 1.0 * inch, 0.9 * inch])
    table.setStyle(table_style())
    table.hAlign = "LEFT"
    return [
        CondPageBreak(2 * inch),
        Spacer(1, 10),
        Heading(f"Combined summary: {esc(r.site)}", H1, "Combined summary"),
        table,
    ]


STATION_COLUMNS = (
    ("Station", 1.3),
    ("Space", 0.9),
    ("Sessions", 0.7),
    ("Empty", 0.6),
    ("Micro", 0.6),
    ("Unclaimed", 0.75),
    ("kWh", 0.8),
    ("Median A", 0.75),
    ("Avg duration", 0.9),
    ("Charging h", 0.85),
    ("Idle h", 0.65),
    ("Utilization", 0.8),
)


def stations(r: Report) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(2.5 * inch), Spacer(1, 10), Heading("Stations", H1)]
    if not r.stations:
        return [*story, Paragraph("No stations in this date range.", BODY)]
    suspects = [st for st in r.stations if st.suspect]
    story.append(
        Paragraph(
            "Suspect stations (red) have a share of empty and micro sessions significantly "
            f"above the rest of the site (one-sided Fisher exact test, Holm-corrected, p &lt; "
            f"{ALPHA:g}, at least {MIN_SESSIONS} sessions), or delivered no energy at all. "
            "Avg duration: plugged-in time per session. "
            "Utilization: hours plugged in over the hours of the window.",
            SMALL,
        )
    )
    for st in suspects:
        story.append(
            Paragraph(
                f"<font color='#c62828'><b>SUSPECT {esc(st.label)}</b></font>: "
                f"{esc(st.suspect or '')}",
                BODY,
            )
        )
    if not suspects:
        story.append(Paragraph("No station stands out from the rest of the site.", BODY))
    rows: list[list[Cell]] = []
    marks: list[list[Mark]] = []
    for st in r.stations:
        avg = st.average_duration_s
        rows.append(
            [
                cell(st.label, 18),
                cell(str(st.space or ""), 12),
                str(st.sessions),
                pct(st.pct(st.empty)),
                pct(st.pct(st.micro)),
                "" if st.unclaimed is None else pct(st.pct(st.unclaimed)),
                f"{st.kwh:,.1f}",
                "" if st.median_current is None else f"{st.median_current:.1f}",
                duration(avg) if avg else "",
                "" if st.charging_h is None else f"{st.charging_h:,.1f}",
                "" if st.idle_h is None else f"{st.idle_h:,.1f}",
                pct(st.utilization_pct),
            ]
        )
        red = [("TEXTCOLOR", 0, -1, RED), ("FONTNAME", 0, -1, "Helvetica-Bold")]
        marks.append(red if st.suspect else [])
    header = [name for name, _ in STATION_COLUMNS]
    widths = [w * inch for _, w in STATION_COLUMNS]
    return [*story, Spacer(1, 6), *long_table(header, rows, widths, marks)]
