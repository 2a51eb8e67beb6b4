"""The PDF report a site manager forwards: landscape letter, a summary page with the site
health and the charts, then the sections the analysis flags asked for (reportlab)."""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    CondPageBreak,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .. import definitions as d
from ..analysis import Counts, Listing, SiteSummary, UserStats
from ..errors import ExportError
from .terminal import HEALTH_NAMES, Sections, duration, kwh, pct, threshold, trend_rows

PAGE = landscape(letter)
MARGIN = 0.5 * inch
WIDTH = PAGE[0] - 2 * MARGIN

GREEN = colors.HexColor("#1a7f37")
ORANGE = colors.HexColor("#d9730d")
RED = colors.HexColor("#c62828")
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
HEAD_BG = colors.HexColor("#243b53")
ZEBRA = colors.HexColor("#f5f7fa")
LABEL_INK = {"green": GREEN, "dark_orange": ORANGE, "red": RED}
TINT = {
    "green": colors.HexColor("#e6f4ea"),
    "dark_orange": colors.HexColor("#fdf0e3"),
    "red": colors.HexColor("#fdecea"),
}

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("title", _styles["Title"], fontSize=22, leading=26, alignment=TA_LEFT)
H1 = ParagraphStyle("h1", _styles["Heading1"], fontSize=15, leading=19, textColor=INK)
H2 = ParagraphStyle("h2", _styles["Heading2"], fontSize=12, leading=15, textColor=INK)
BODY = ParagraphStyle("body", _styles["BodyText"], fontSize=9.5, leading=12, textColor=INK)
SMALL = ParagraphStyle("small", BODY, fontSize=8, leading=10, textColor=MUTED)
CELL = ParagraphStyle("cell", BODY, fontSize=7.5, leading=9, wordWrap="CJK")
CELL_HEAD = ParagraphStyle("cellhead", CELL, textColor=colors.white, fontName="Helvetica-Bold")


@dataclass(frozen=True)
class PdfReport:
    """Everything the PDF shows; `charts` are PNG bytes by chart name."""

    summary: SiteSummary
    listings: tuple[Listing, ...]
    sections: Sections
    generated: datetime
    charts: dict[str, bytes]
    logo: Path | None = None
    row_limit: int = 40


def write(report: PdfReport, path: Path) -> int:
    """Write the report atomically; returns the number of pages."""
    target = path.resolve()
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".seshis-", suffix=".pdf")
        with os.fdopen(fd, "wb") as fh:
            pages = _build(report, fh)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is for sharing
        os.replace(tmp, target)
    except OSError as exc:
        raise ExportError(
            f"Cannot write {path} ({exc.strerror}); choose another --output."
        ) from exc
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
    return pages


def _build(report: PdfReport, stream: io.IOBase) -> int:
    s = report.summary
    site = s.site + (f", {s.location}" if s.location else "")
    counted: list[int] = []
    doc = SimpleDocTemplate(
        stream,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=0.6 * inch,
        title="EV Charging Session Report",
        author="seshis",
        subject=f"{site}: {_span(s)}",
    )
    doc.build(
        _story(report),
        canvasmaker=_numbered(f"{site}  |  {_span(s)}", counted),
    )
    return counted[0] if counted else 0


# --- the story --------------------------------------------------------------------------------


def _story(report: PdfReport) -> list:
    s = report.summary
    story: list = [*_header(report), Spacer(1, 10)]
    story += _summary_page(report)
    sec = report.sections
    if sec.empty:
        story += _category_section(s, "empty")
    if sec.micro:
        story += _category_section(s, "micro")
    if sec.empty and sec.micro:
        story += _combined(s)
    if sec.stations:
        story += _stations(s)
    if sec.users:
        by_user = {item.user: item for item in report.listings}
        claimed = [u for u in s.users if u.user is not None]
        story += [CondPageBreak(2 * inch), Spacer(1, 10), Paragraph("Sessions by user", H1)]
        story.append(
            Paragraph(
                f"{len(claimed)} users. Rows are coloured by performance: green HIGH "
                f"(&gt;= {d.HIGH_AMPS:g} A), orange MED ({d.MED_AMPS:g}-{d.HIGH_AMPS - 0.1:g} A) "
                "and MICRO, red LOW and EMPTY.",
                SMALL,
            )
        )
        for stats in s.users:
            story += _user_section(stats, by_user.get(stats.user), s.threshold_kwh, report)
    return story


def _header(report: PdfReport) -> list:
    s = report.summary
    lines = [
        Paragraph("EV Charging Session Report", TITLE),
        Paragraph(f"<b>{_esc(s.site)}</b>" + (f", {_esc(s.location)}" if s.location else ""), H2),
        Paragraph(f"{s.window.title}: {_span(s)} ({s.window.timezone})", BODY),
        Paragraph(f"Generated {report.generated:%Y-%m-%d %H:%M %Z} by seshis", SMALL),
    ]
    logo = _logo(report.logo)
    if logo is None:
        return lines
    table = Table([[lines, logo]], colWidths=[WIDTH - 2.2 * inch, 2.2 * inch])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [table]


def logo_ok(path: Path) -> str | None:
    """None when the file is an image reportlab can place, else what is wrong with it."""
    try:
        width, height = ImageReader(str(path)).getSize()
    except OSError:
        return "cannot be read"
    except Exception:  # reportlab raises plain exceptions for files that are not images
        return "is not an image (use JPEG or PNG)"
    return None if width and height else "has no size"


def _logo(path: Path | None) -> Image | None:
    """The logo at most 2 x 0.9 inches, its proportions kept."""
    if path is None:
        return None
    width, height = ImageReader(str(path)).getSize()
    scale = min(2.0 * inch / width, 0.9 * inch / height)
    return Image(str(path), width=width * scale, height=height * scale)


def _summary_page(report: PdfReport) -> list:
    """Health against its targets and the totals, each with the previous window's figure and
    the change (red when worse), then the charts."""
    s = report.summary
    t = s.totals
    trend = {name: (before, change) for name, _, before, change in trend_rows(s)}
    extra = ["Before", "Change"] if trend else []
    health = [["Site health", "Value", "Target", "Status", *extra]]
    style = _table_style()
    for row, h in enumerate(s.health, start=1):
        name = HEALTH_NAMES[h.metric]
        target = f"{h.comparison} {h.threshold_pct:g}%"
        was = list(trend.get(name, ("", ""))) if trend else []
        _mark_change(style, 5, row, name, was)
        if h.ok is None:
            health.append([name, "n/a", target, "no sessions", *was])
            continue
        health.append([name, pct(h.value_pct or 0), target, "MET" if h.ok else "NOT MET", *was])
        shade = GREEN if h.ok else RED
        style.add("TEXTCOLOR", (3, row), (3, row), colors.white)
        style.add("BACKGROUND", (3, row), (3, row), shade)
        style.add("TEXTCOLOR", (1, row), (1, row), shade)
        style.add("FONTNAME", (1, row), (3, row), "Helvetica-Bold")
    widths = [1.35, 0.6, 0.6, 0.75] + ([0.65, 0.8] if trend else [])
    left = Table(health, colWidths=[w * inch for w in widths])
    left.setStyle(style)

    n = Counts(sessions=t.normal)
    thr = threshold(s.threshold_kwh)
    tstyle = _table_style()
    sessions_was = list(trend.get("Sessions", ("", ""))) if trend else []
    energy_was = list(trend.get("Energy delivered", ("", ""))) if trend else []
    blank = ["", ""] if trend else []
    totals = [
        ["Totals", "Sessions", "Share", *extra],
        ["All sessions", str(t.sessions), "", *sessions_was],
        ["Empty (0 kWh)", str(t.empty), pct(t.pct(t.empty)), *blank],
        [f"Micro (< {thr} kWh)", str(t.micro), pct(t.pct(t.micro)), *blank],
        [f"Normal (>= {thr} kWh)", str(t.normal), pct(t.pct(t.normal)), *blank],
        [f"  HIGH (>= {d.HIGH_AMPS:g} A)", str(t.high), pct(n.pct(t.high)), *blank],
        [f"  MED ({d.MED_AMPS:g}-{d.HIGH_AMPS - 0.1:g} A)", str(t.med), pct(n.pct(t.med)), *blank],
        [f"  LOW (< {d.MED_AMPS:g} A)", str(t.low), pct(n.pct(t.low)), *blank],
        [
            "Unclaimed (no QR scan)",
            str(s.unclaimed.sessions),
            pct(t.pct(s.unclaimed.sessions)),
            *blank,
        ],
        ["Users", str(s.distinct_users), "", *blank],
        ["Energy delivered", f"{t.kwh:,.0f} kWh", "", *energy_was],
    ]
    if s.quality.invalid or s.quality.duplicates:
        totals.append(["Invalid rows (not analysed)", str(s.quality.invalid), "", *blank])
        totals.append(["Duplicate rows merged", str(s.quality.duplicates), "", *blank])
    widths = [1.6, 0.85, 0.6] + ([0.85, 0.85] if trend else [])
    right = Table(totals, colWidths=[w * inch for w in widths])
    for row, colour in ((5, GREEN), (6, ORANGE), (7, RED)):
        tstyle.add("TEXTCOLOR", (0, row), (2, row), colour)
    right.setStyle(tstyle)
    side = Table([[left, right]], colWidths=[WIDTH / 2, WIDTH / 2])
    side.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story: list = [Paragraph("Summary", H1), side]
    if trend:
        first, last = s.previous.window.local_dates()
        story.append(
            Paragraph(f"Before: the previous window of the same length, {first} to {last}.", SMALL)
        )
    story += [Spacer(1, 8), *_charts(report.charts)]
    return story


def _mark_change(style: TableStyle, column: int, row: int, name: str, was: list[str]) -> None:
    worse = _worse(name, was[1]) if was else None
    if worse is not None:
        style.add("TEXTCOLOR", (column, row), (column, row), RED if worse else GREEN)


def _worse(name: str, change: str) -> bool | None:
    """Whether a change is bad news: more failures, fewer normal sessions; None if neutral."""
    if not change or change.startswith("="):
        return None
    up = change.startswith("▲")
    if name in ("Empty sessions", "Microsessions", "Unclaimed sessions"):
        return up
    if name == "Normal sessions":
        return not up
    return None


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


def _stations(s: SiteSummary) -> list:
    story: list = [CondPageBreak(2.5 * inch), Spacer(1, 10), Paragraph("Stations", H1)]
    if not s.stations:
        return [*story, Paragraph("No stations in this date range.", BODY)]
    suspects = [st for st in s.stations if st.suspect]
    story.append(
        Paragraph(
            "Suspect stations (red) have a share of empty and micro sessions significantly "
            "above the rest of the site (one-sided Fisher exact test, Holm-corrected, p &lt; "
            "0.01, at least 10 sessions), or delivered no energy at all. Utilization: hours "
            "plugged in over the hours of the window.",
            SMALL,
        )
    )
    for st in suspects:
        story.append(
            Paragraph(
                f"<font color='#c62828'><b>SUSPECT {_esc(st.label)}</b></font>: {_esc(st.suspect)}",
                BODY,
            )
        )
    if not suspects:
        story.append(Paragraph("No station stands out from the rest of the site.", BODY))
    rows = [[name for name, _ in STATION_COLUMNS]]
    for st in s.stations:
        rows.append(
            [
                _cell(st.label, 18),
                _cell(str(st.space or ""), 12),
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
    style = _table_style()
    for i, st in enumerate(s.stations, start=1):
        if st.suspect:
            style.add("TEXTCOLOR", (0, i), (-1, i), RED)
            style.add("FONTNAME", (0, i), (-1, i), "Helvetica-Bold")
    table.setStyle(style)
    table.hAlign = "LEFT"
    return [*story, Spacer(1, 6), table]


def _charts(charts: dict[str, bytes]) -> list:
    """The charts two to a row, each keeping its proportions."""
    images = []
    for png in charts.values():
        reader = ImageReader(io.BytesIO(png))
        w, h = reader.getSize()
        width = WIDTH / 2 - 28
        images.append(Image(io.BytesIO(png), width=width, height=width * h / w))
    rows = [images[i : i + 2] for i in range(0, len(images), 2)]
    out = []
    for row in rows:
        table = Table([row], colWidths=[WIDTH / 2] * len(row))
        table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        out += [table, Spacer(1, 6)]
    return out


def _category_section(s: SiteSummary, which: str) -> list:
    t = s.totals
    thr = threshold(s.threshold_kwh)
    if which == "empty":
        title, name, part = "Empty sessions", "Empty sessions (0 kWh)", t.empty
    else:
        title, name, part = "Microsessions", f"Microsessions (&lt; {thr} kWh)", t.micro
    rows = [["Date", which.capitalize(), "Total", "Share"]]
    for day in s.daily:
        n = day.counts.empty if which == "empty" else day.counts.micro
        rows.append([str(day.day), str(n), str(day.counts.sessions), pct(day.counts.pct(n))])
    tall = min(len(s.daily), DAILY_ROWS) + 1
    story: list = [
        CondPageBreak(1.2 * inch + tall * 13.5),  # the heading stays with its table
        Spacer(1, 10),
        Paragraph(title, H1),
        Paragraph(f"{name}: <b>{part}</b> of {t.sessions} ({pct(t.pct(part))})", BODY),
        Spacer(1, 6),
    ]
    if len(rows) > 1:
        limit = _limit(s, which)
        red = [
            i
            for i, row in enumerate(rows[1:])
            if int(row[2]) and 100 * int(row[1]) / int(row[2]) >= limit
        ]
        story += [
            Paragraph("Daily breakdown (red: days that miss the site health target)", SMALL),
            *_columns(rows[0], rows[1:], red),
        ]
    return story


DAILY_ROWS = 30  # rows of a daily table that fit a page under its heading


def _columns(header: list[str], rows: list[list[str]], red: list[int]) -> list:
    """A long daily table as up to three tables side by side, so a year fits a few pages."""
    widths = [1.0 * inch, 0.7 * inch, 0.7 * inch, 0.7 * inch]
    per = math.ceil(len(rows) / math.ceil(len(rows) / DAILY_ROWS))  # balanced columns
    blocks = []
    for start in range(0, len(rows), per):
        table = Table([header, *rows[start : start + per]], colWidths=widths)
        style = _table_style()
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


def _limit(s: SiteSummary, which: str) -> float:
    return next(h.threshold_pct for h in s.health if h.metric == which)


def _combined(s: SiteSummary) -> list:
    t = s.totals
    thr = threshold(s.threshold_kwh)
    problem = t.empty + t.micro
    rows = [
        ["Combined summary", "Sessions", "Share"],
        ["Total sessions", str(t.sessions), ""],
        ["Empty sessions (0 kWh)", str(t.empty), pct(t.pct(t.empty))],
        [f"Microsessions (< {thr} kWh)", str(t.micro), pct(t.pct(t.micro))],
        ["Problem sessions (empty + micro)", str(problem), pct(t.pct(problem))],
        [f"Normal sessions (>= {thr} kWh)", str(t.normal), pct(t.pct(t.normal))],
    ]
    table = Table(rows, colWidths=[2.8 * inch, 1.0 * inch, 0.9 * inch])
    table.setStyle(_table_style())
    table.hAlign = "LEFT"
    return [
        CondPageBreak(2 * inch),
        Spacer(1, 10),
        Paragraph(f"Combined summary: {_esc(s.site)}", H1),
        table,
    ]


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


def _user_section(
    stats: UserStats, listing: Listing | None, thr_kwh: float, report: PdfReport
) -> list:
    c = stats.counts
    thr = threshold(thr_kwh)
    if stats.user is None:
        head = f"Unclaimed sessions ({pct(c.normal_pct)} normal sessions)"
    else:
        head = f"User: {_esc(stats.user)} ({pct(c.normal_pct)} normal sessions)"
    parts = [f"{c.sessions} session{'' if c.sessions == 1 else 's'}"]
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
    style = _table_style(header_font=False)
    for row, line in enumerate(listing.lines, start=1):
        colour = d.LABEL_COLOURS[line.label]
        place = " / ".join(p for p in (line.station_id, line.space) if p)
        rows.append(
            [
                str(line.number),
                line.start,
                line.end,
                duration(line.duration_s),
                kwh(line.kwh).replace(" kWh", ""),
                "" if line.avg_current is None else f"{line.avg_current:.1f}",
                line.label,
                _cell(place, 18),
                _cell(line.session_id, 42),
            ]
        )
        style.add("BACKGROUND", (0, row), (-1, row), TINT[colour])
        style.add("TEXTCOLOR", (6, row), (6, row), LABEL_INK[colour])
        style.add("FONTNAME", (6, row), (6, row), "Helvetica-Bold")
    table = Table(rows, colWidths=[w * inch for _, w in SESSION_COLUMNS], repeatRows=1)
    table.setStyle(style)
    return [CondPageBreak(1.3 * inch), KeepTogether([*block, Spacer(1, 4)]), table, Spacer(1, 10)]


# --- pieces -----------------------------------------------------------------------------------


def _table_style(header_font: bool = True) -> TableStyle:
    style = TableStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("LEADING", (0, 0), (-1, -1), 10),
            ("TEXTCOLOR", (0, 1), (-1, -1), INK),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )
    if not header_font:
        style.add("FONTNAME", (0, 0), (-1, 0), "Helvetica")
    return style


def _span(s: SiteSummary) -> str:
    if s.window.kind == "all" and not s.totals.sessions:
        return "no valid sessions"
    first, last = s.window.local_dates()
    return str(first) if first == last else f"{first} to {last}"


def _fit(text: str, width: float, size: float, font: str = "Helvetica") -> str:
    """The text, cut with an ellipsis to fit `width` points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _cell(text: str, fits: int) -> str | Paragraph:
    """Plain text when it fits the column (fast); a wrapping paragraph when it does not."""
    return text if len(text) <= fits else Paragraph(_esc(text), CELL)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _numbered(footer: str, counted: list[int]) -> Callable:
    """A canvas that writes "Page X of Y" once every page is known (two passes over the pages)."""

    class NumberedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            counted.append(total)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 7.5)
                self.setFillColor(MUTED)
                self.drawString(MARGIN, 0.35 * inch, _fit(footer, WIDTH - 1.2 * inch, 7.5))
                self.drawRightString(
                    PAGE[0] - MARGIN, 0.35 * inch, f"Page {self._pageNumber} of {total}"
                )
                self.setStrokeColor(RULE)
                self.line(MARGIN, 0.48 * inch, PAGE[0] - MARGIN, 0.48 * inch)
                super().showPage()
            super().save()

    return NumberedCanvas
