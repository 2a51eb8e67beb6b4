"""The PDF's sections after the summary: empty and micro sessions by day, the combined
summary, the stations, and the sessions of each driver with the unclaimed ones last."""

from __future__ import annotations

import math

from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle

from ... import definitions as d
from ...analysis import Report
from ...analysis.listings import Listing
from ...analysis.stations import ALPHA, MIN_SESSIONS
from ...analysis.summary import UserStats
from ..common.wording import band_ranges, duration, kwh, pct, plural, threshold
from .styles import (
    BODY,
    CELL_HEAD,
    H1,
    H2,
    LABEL_INK,
    RED,
    SMALL,
    TINT,
    cell,
    esc,
    table_style,
)

DAILY_ROWS = 30  # rows of a daily table that fit a page under its heading


def category(r: Report, which: str) -> list:
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
    story: list = [
        CondPageBreak(1.2 * inch + tall * 13.5),  # the heading stays with its table
        Spacer(1, 10),
        Paragraph(title, H1),
        Paragraph(f"{name}: <b>{part}</b> of {t.sessions} ({pct(t.pct(part))})", BODY),
        Spacer(1, 6),
    ]
    if rows:
        header = ["Date", which.capitalize(), "Total", "Share"]
        story += [
            Paragraph("Daily breakdown (red: days that miss the site health target)", SMALL),
            *_columns(header, rows, red),
        ]
    return story


def _columns(header: list[str], rows: list[list[str]], red: list[int]) -> list:
    """A long daily table as up to three tables side by side, so a year fits a few pages."""
    widths = [1.0 * inch, 0.7 * inch, 0.7 * inch, 0.7 * inch]
    per = math.ceil(len(rows) / math.ceil(len(rows) / DAILY_ROWS))  # balanced columns
    blocks = []
    for start in range(0, len(rows), per):
        table = Table([header, *rows[start : start + per]], colWidths=widths)
        style = table_style()
        for i in red:
            if start <= i < start + per:
                style.add("TEXTCOLOR", (1, i - start + 1), (-1, i - start + 1), RED)
        table.setStyle(style)
        blocks.append(table)
    out = []
    for start in range(0, len(blocks), 3):
        group = blocks[start : start + 3]
        outer = Table([group], colWidths=[3.3 * inch] * len(group), hAlign="LEFT")
        outer.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        )
        out += [outer, Spacer(1, 8)]
    return out


def combined(r: Report) -> list:
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
        Paragraph(f"Combined summary: {esc(r.site)}", H1),
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
    ("Charging h", 0.85),
    ("Idle h", 0.7),
    ("Utilization", 0.85),
)


def stations(r: Report) -> list:
    story: list = [CondPageBreak(2.5 * inch), Spacer(1, 10), Paragraph("Stations", H1)]
    if not r.stations:
        return [*story, Paragraph("No stations in this date range.", BODY)]
    suspects = [st for st in r.stations if st.suspect]
    story.append(
        Paragraph(
            "Suspect stations (red) have a share of empty and micro sessions significantly "
            f"above the rest of the site (one-sided Fisher exact test, Holm-corrected, p &lt; "
            f"{ALPHA:g}, at least {MIN_SESSIONS} sessions), or delivered no energy at all. "
            "Utilization: hours plugged in over the hours of the window.",
            SMALL,
        )
    )
    for st in suspects:
        story.append(
            Paragraph(
                f"<font color='#c62828'><b>SUSPECT {esc(st.label)}</b></font>: {esc(st.suspect)}",
                BODY,
            )
        )
    if not suspects:
        story.append(Paragraph("No station stands out from the rest of the site.", BODY))
    rows = [[name for name, _ in STATION_COLUMNS]]
    for st in r.stations:
        rows.append(
            [
                cell(st.label, 18),
                cell(str(st.space or ""), 12),
                str(st.sessions),
                pct(st.pct(st.empty)),
                pct(st.pct(st.micro)),
                pct(st.pct(st.unclaimed)),
                f"{st.kwh:,.1f}",
                "" if st.median_current is None else f"{st.median_current:.1f}",
                "" if st.charging_h is None else f"{st.charging_h:,.1f}",
                "" if st.idle_h is None else f"{st.idle_h:,.1f}",
                pct(st.utilization_pct),
            ]
        )
    table = Table(rows, colWidths=[w * inch for _, w in STATION_COLUMNS], repeatRows=1)
    style = table_style()
    for i, st in enumerate(r.stations, start=1):
        if st.suspect:
            style.add("TEXTCOLOR", (0, i), (-1, i), RED)
            style.add("FONTNAME", (0, i), (-1, i), "Helvetica-Bold")
    table.setStyle(style)
    table.hAlign = "LEFT"
    return [*story, Spacer(1, 6), table]


SESSION_COLUMNS = (
    ("#", 0.35),
    ("Start", 1.25),
    ("End", 1.25),
    ("Duration", 0.7),
    ("kWh", 0.65),
    ("Avg A", 0.55),
    ("Label", 1.05),
    ("Station / space", 1.3),
    ("Session ID", 2.9),
)


def users(r: Report) -> list:
    by_user = {item.user: item for item in r.listings}
    claimed = [u for u in r.users if u.user is not None]
    bands = band_ranges()
    story: list = [CondPageBreak(2 * inch), Spacer(1, 10), Paragraph("Sessions by user", H1)]
    story.append(
        Paragraph(
            f"{plural(len(claimed), 'user')}. Rows are coloured by performance: green HIGH "
            f"({esc(bands[d.HIGH])}), orange MED ({bands[d.MED]}) and MICRO, red LOW and EMPTY.",
            SMALL,
        )
    )
    for stats in r.users:
        story += _user(stats, by_user.get(stats.user), r.threshold_kwh)
    return story


def _user(stats: UserStats, listing: Listing | None, thr_kwh: float) -> list:
    c = stats.counts
    thr = threshold(thr_kwh)
    if stats.user is None:
        head = f"Unclaimed sessions ({pct(c.normal_pct)} normal sessions)"
    else:
        head = f"User: {esc(stats.user)} ({pct(c.normal_pct)} normal sessions)"
    parts = [plural(c.sessions, "session")]
    for name, n in (
        ("empty (0 kWh)", c.empty),
        (f"micro (&lt; {thr} kWh)", c.micro),
        (f"normal (&gt;= {thr} kWh)", c.normal),
    ):
        if n:
            parts.append(f"{n} {name} ({pct(c.pct(n))})")
    block: list = [Paragraph(head, H2)]
    if stats.user is None:
        block.append(Paragraph(d.UNCLAIMED_EXPLANATION + ".", BODY))
    block.append(Paragraph(" &middot; ".join(parts), BODY))
    if listing is None or not listing.lines:
        return [CondPageBreak(1.2 * inch), KeepTogether(block), Spacer(1, 8)]
    shown = len(listing.lines)
    if listing.total > shown:
        block.append(
            Paragraph(
                f"Showing the {shown} worst of {listing.total} sessions, worst first; the other "
                f"{listing.total - shown} are in the CSV export (seshis --all --csv).",
                SMALL,
            )
        )
    rows = [[Paragraph(name, CELL_HEAD) for name, _ in SESSION_COLUMNS]]
    style = table_style(header_font=False)
    for row, line in enumerate(listing.lines, start=1):
        colour = d.LABEL_COLOURS[line.label]
        place = " / ".join(p for p in (line.station_id, line.space) if p)
        rows.append(
            [
                str(line.number),
                line.start,
                line.end,
                duration(line.duration_s),
                kwh(line.kwh, thr_kwh).replace(" kWh", ""),
                "" if line.avg_current is None else f"{line.avg_current:.1f}",
                line.label,
                cell(place, 18),
                cell(line.session_id, 42),
            ]
        )
        style.add("BACKGROUND", (0, row), (-1, row), TINT[colour])
        style.add("TEXTCOLOR", (6, row), (6, row), LABEL_INK[colour])
        style.add("FONTNAME", (6, row), (6, row), "Helvetica-Bold")
    table = Table(rows, colWidths=[w * inch for _, w in SESSION_COLUMNS], repeatRows=1)
    table.setStyle(style)
    return [CondPageBreak(1.3 * inch), KeepTogether([*block, Spacer(1, 4)]), table, Spacer(1, 10)]
