"""The PDF's first page: the header with the logo, the site health against its targets, the
totals (each with the previous window's figure and the change, red when worse), the charts."""

from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, Spacer, Table, TableStyle

from ... import definitions as d
from ...analysis import Report, Trend
from ...analysis.summary import Counts
from ..common.wording import (
    HEALTH_NAMES,
    band_ranges,
    pct,
    span,
    threshold,
    trend_change,
    trend_value,
)
from .styles import BODY, GREEN, H1, H2, ORANGE, RED, SMALL, TITLE, WIDTH, esc, table_style


def header(report: Report, logo: Path | None) -> list:
    r = report
    zone = ZoneInfo(r.window.timezone)
    generated = r.generated.astimezone(zone)
    lines = [
        Paragraph("EV Charging Session Report", TITLE),
        Paragraph(f"<b>{esc(r.site)}</b>" + (f", {esc(r.location)}" if r.location else ""), H2),
        Paragraph(f"{r.window.title}: {span(r.window, ' to ')} ({r.window.timezone})", BODY),
        Paragraph(f"Generated {generated:%Y-%m-%d %H:%M %Z} by seshis", SMALL),
    ]
    if r.sync is not None and r.sync.warning and r.sync.note:
        lines.append(Paragraph(f"<font color='#c62828'><b>{esc(r.sync.note)}</b></font>", BODY))
    image = _logo(logo)
    if image is None:
        return lines
    table = Table([[lines, image]], colWidths=[WIDTH - 2.2 * inch, 2.2 * inch])
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


def summary_page(report: Report, charts: dict[str, bytes]) -> list:
    r = report
    t = r.totals
    trend = {tr.metric: tr for tr in r.trends}
    extra = ["Before", "Change"] if trend else []
    health = [["Site health", "Value", "Target", "Status", *extra]]
    style = table_style()
    for row, h in enumerate(r.health, start=1):
        name = HEALTH_NAMES[h.metric]
        target = f"{h.comparison} {h.threshold_pct:g}%"
        was = _was(trend.get(h.metric)) if trend else []
        _mark_change(style, 5, row, trend.get(h.metric))
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
    thr = threshold(r.threshold_kwh)
    bands = band_ranges()
    blank = ["", ""] if trend else []
    totals = [
        ["Totals", "Sessions", "Share", *extra],
        ["All sessions", str(t.sessions), "", *(_was(trend.get("sessions")) if trend else [])],
        ["Empty (0 kWh)", str(t.empty), pct(t.pct(t.empty)), *blank],
        [f"Micro (< {thr} kWh)", str(t.micro), pct(t.pct(t.micro)), *blank],
        [f"Normal (>= {thr} kWh)", str(t.normal), pct(t.pct(t.normal)), *blank],
        [f"  HIGH ({bands[d.HIGH]})", str(t.high), pct(n.pct(t.high)), *blank],
        [f"  MED ({bands[d.MED]})", str(t.med), pct(n.pct(t.med)), *blank],
        [f"  LOW ({bands[d.LOW]})", str(t.low), pct(n.pct(t.low)), *blank],
        [
            "Unclaimed (no QR scan)",
            str(r.unclaimed.sessions),
            pct(t.pct(r.unclaimed.sessions)),
            *blank,
        ],
        ["Users", str(r.distinct_users), "", *blank],
        ["Energy delivered", f"{t.kwh:,.0f} kWh", "", *(_was(trend.get("kwh")) if trend else [])],
    ]
    if r.quality.invalid or r.quality.duplicates:
        totals.append(["Invalid rows (not analysed)", str(r.quality.invalid), "", *blank])
        totals.append(["Duplicate rows merged", str(r.quality.duplicates), "", *blank])
    widths = [1.6, 0.85, 0.6] + ([0.85, 0.85] if trend else [])
    right = Table(totals, colWidths=[w * inch for w in widths])
    tstyle = table_style()
    for row, colour in ((5, GREEN), (6, ORANGE), (7, RED)):
        tstyle.add("TEXTCOLOR", (0, row), (2, row), colour)
    right.setStyle(tstyle)
    side = Table([[left, right]], colWidths=[WIDTH / 2, WIDTH / 2])
    side.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    story: list = [Paragraph("Summary", H1), side]
    if trend and r.previous is not None:
        story.append(
            Paragraph(
                "Before: the previous window of the same length, "
                f"{span(r.previous.window, ' to ')}.",
                SMALL,
            )
        )
    return [*story, Spacer(1, 8), *_charts(charts)]


def _was(tr: Trend | None) -> list[str]:
    """The previous window's figure and the change, as shown."""
    if tr is None:
        return ["", ""]
    return [trend_value(tr.metric, tr.previous), trend_change(tr.metric, tr.change)]


def _mark_change(style: TableStyle, column: int, row: int, tr: Trend | None) -> None:
    if tr is not None and tr.worse is not None:
        style.add("TEXTCOLOR", (column, row), (column, row), RED if tr.worse else GREEN)


def _charts(charts: dict[str, bytes]) -> list:
    """The charts two to a row, each keeping its proportions."""
    images = []
    for png in charts.values():
        reader = ImageReader(io.BytesIO(png))
        w, h = reader.getSize()
        width = WIDTH / 2 - 28
        images.append(Image(io.BytesIO(png), width=width, height=width * h / w))
    out = []
    for i in range(0, len(images), 2):
        row = images[i : i + 2]
        table = Table([row], colWidths=[WIDTH / 2] * len(row))
        table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        out += [table, Spacer(1, 6)]
    return out
