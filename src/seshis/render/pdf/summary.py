"""The PDF's first page: the header with the logo, what needs attention, the site health against
its targets and the totals (each with the previous window's figure and the change, red when
worse), or one driver's figures against the site's; then the charts."""

from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ... import definitions as d
from ...analysis import Report, Trend
from ..common.wording import (
    HEALTH_NAMES,
    band_ranges,
    duration,
    pct,
    recovered,
    since,
    span,
    state,
    threshold,
    trend_change,
    trend_value,
    where_to_look,
)
from .outline import Heading
from .styles import BODY, GREEN, H1, H2, ORANGE, RED, SMALL, TITLE, WIDTH, esc, hexcode, table_style


def header(report: Report, logo: Path | None) -> list[Flowable]:
    r = report
    zone = ZoneInfo(r.window.timezone)
    generated = r.generated.astimezone(zone)
    lines = [
        Paragraph("EV Charging Session Report", TITLE),
        Paragraph(f"<b>{esc(r.site)}</b>" + (f", {esc(r.location)}" if r.location else ""), H2),
    ]
    if r.options.user is not None:
        lines.append(Paragraph(f"Driver report: <b>{esc(driver_name(r))}</b>", H2))
    lines += [
        Paragraph(f"{r.window.title}: {span(r.window, ' to ')} ({r.window.timezone})", BODY),
        Paragraph(f"Generated {generated:%Y-%m-%d %H:%M %Z} by seshis", SMALL),
    ]
    if r.sync is not None and r.sync.warning and r.sync.note:
        lines.append(Paragraph(f"<font color='#c62828'><b>{esc(r.sync.note)}</b></font>", BODY))
    return beside_logo(lines, _logo(logo), WIDTH, 2.2 * inch)


def beside_logo(
    lines: list[Flowable], image: Image | None, width: float, room: float
) -> list[Flowable]:
    """A page's header lines with the logo at their right (`room` wide), or the lines alone."""
    if image is None:
        return lines
    table = Table([[lines, image]], colWidths=[width - room, room])
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


def driver_name(r: Report) -> str:
    """The driver of a one-driver report as the data spells the email."""
    driver = next((u for u in r.users if u.user is not None), None)
    return driver.user or "" if driver else str(r.options.user)


def attention(r: Report) -> list[Flowable]:
    """What needs attention, most pressing first: what, how much, where to look; red for
    stations and the sync, amber for the rest."""
    story: list[Flowable] = [Heading("Needs attention", H1)]
    if not r.attention and not r.network.recovered:
        ok = "Nothing stands out: no station, driver or day fails more than the rest."
        return [*story, Paragraph(f"<font color='{hexcode(GREEN)}'>{ok}</font>", BODY)]
    rows, style = (
        [],
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (1, 0), (1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )
    items = (
        sorted(r.attention, key=lambda a: a.site is not None) if r.several_sites else r.attention
    )
    for i, item in enumerate(items):
        colour = RED if item.kind in ("station", "sync", "site") else ORANGE
        at = f"{esc(item.site)}: " if item.site and item.kind != "site" else ""
        when = f"<br/>{esc(since(item.since))}" if item.since is not None else ""
        rows.append(
            [
                "",
                Paragraph(
                    f"<font color='{hexcode(colour)}'><b>{at}{esc(item.text)}"
                    f"{esc(state(item.state))}</b></font>{when}<br/>"
                    f"Where to look: {esc(where_to_look(item))}",
                    BODY,
                ),
            ]
        )
        style.add("BACKGROUND", (0, i), (0, i), colour)
    for back in r.network.recovered:
        rows.append(
            [
                "",
                Paragraph(
                    f"<font color='{hexcode(GREEN)}'>{esc(recovered(back, True))}</font>", BODY
                ),
            ]
        )
        style.add("BACKGROUND", (0, len(rows) - 1), (0, len(rows) - 1), GREEN)
    table = Table(rows, colWidths=[4, WIDTH - 4], hAlign="LEFT")
    table.setStyle(style)
    return [*story, table]


def summary_page(report: Report, charts: dict[str, bytes]) -> list[Flowable]:
    """The site's summary, or one driver's, then the charts."""
    if report.options.user is None:
        return [*site_summary(report), Spacer(1, 8), *_charts(charts)]
    rest = dict(charts)
    mix = rest.pop(DRIVER_MIX, None)
    return [*driver_summary(report, mix), Spacer(1, 4), *_charts(rest, heading=False)]


def site_summary(report: Report) -> list[Flowable]:
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
        if h.metric == "unclaimed" and not r.drivers:
            health.append([name, "n/a", target, "no driver data", *was])
            continue
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

    thr = threshold(r.threshold_kwh)
    bands = band_ranges()
    blank = ["", ""] if trend else []
    avg = t.average_duration_s
    totals = [
        ["Totals", "Sessions", "Share", *extra],
        ["All sessions", str(t.sessions), "", *(_was(trend.get("sessions")) if trend else [])],
        ["Empty (0 kWh)", str(t.empty), pct(t.pct(t.empty)), *blank],
        [f"Micro (< {thr} kWh)", str(t.micro), pct(t.pct(t.micro)), *blank],
        [f"Normal (>= {thr} kWh)", str(t.normal), pct(t.pct(t.normal)), *blank],
        [f"  HIGH ({bands[d.HIGH]})", str(t.high), pct(t.band_pct(t.high)), *blank],
        [f"  MED ({bands[d.MED]})", str(t.med), pct(t.band_pct(t.med)), *blank],
        [f"  LOW ({bands[d.LOW]})", str(t.low), pct(t.band_pct(t.low)), *blank],
        [
            "Unclaimed (no QR scan)",
            "n/a" if r.unclaimed is None else str(r.unclaimed.sessions),
            "" if r.unclaimed is None else pct(t.pct(r.unclaimed.sessions)),
            *blank,
        ],
        [
            "Users",
            "no driver data" if r.distinct_users is None else str(r.distinct_users),
            "",
            *blank,
        ],
        ["Energy delivered", f"{t.kwh:,.0f} kWh", "", *(_was(trend.get("kwh")) if trend else [])],
        ["Average duration", duration(avg) if avg else "n/a", "", *blank],
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
    story: list[Flowable] = [
        CondPageBreak(2.5 * inch),
        Heading("Summary", H1),
        _side_by_side(left, right),
    ]
    if trend and r.previous is not None:
        story.append(
            Paragraph(
                "Before: the previous window of the same length, "
                f"{span(r.previous.window, ' to ')}.",
                SMALL,
            )
        )
    return story


DRIVER_MIX = "driver_mix"  # the chart of the driver against the site, beside their figures


def driver_summary(report: Report, mix: bytes | None = None) -> list[Flowable]:
    """One driver's figures beside the whole site's (a driver report), and the chart of the
    same beside them."""
    r = report
    driver = next((u for u in r.users if u.user is not None), None)
    if driver is None:
        return [Heading("Driver summary", H1), Paragraph("No sessions in this date range.", BODY)]
    c, t = driver.counts, r.totals
    thr = threshold(r.threshold_kwh)
    bands = band_ranges()
    rows = [
        ["", "Driver", "Share", "Whole site", "Share"],
        ["Sessions", str(c.sessions), "", str(t.sessions), ""],
    ]
    for name, part in (
        ("Empty (0 kWh)", "empty"),
        (f"Micro (< {thr} kWh)", "micro"),
        (f"Normal (>= {thr} kWh)", "normal"),
    ):
        a, b = getattr(c, part), getattr(t, part)
        rows.append([name, str(a), pct(c.pct(a)), str(b), pct(t.pct(b))])
    for band, part in ((d.HIGH, "high"), (d.MED, "med"), (d.LOW, "low")):
        a, b = getattr(c, part), getattr(t, part)
        rows.append(
            [f"  {band} ({bands[band]})", str(a), pct(c.band_pct(a)), str(b), pct(t.band_pct(b))]
        )
    mine_avg, site_avg = c.average_duration_s, t.average_duration_s
    zone = ZoneInfo(r.window.timezone)
    rows += [
        ["Energy delivered", f"{c.kwh:,.1f} kWh", "", f"{t.kwh:,.0f} kWh", ""],
        [
            "Average duration",
            duration(mine_avg) if mine_avg else "n/a",
            "",
            duration(site_avg) if site_avg else "n/a",
            "",
        ],
        [
            "Last session",
            f"{driver.last.astimezone(zone):%Y-%m-%d %H:%M}" if driver.last else "",
            "",
            "",
            "",
        ],
    ]
    table = Table(rows, colWidths=[w * inch for w in (1.7, 1.2, 0.7, 1.0, 0.7)], hAlign="LEFT")
    style = table_style()
    for row, colour in ((5, GREEN), (6, ORANGE), (7, RED)):
        style.add("TEXTCOLOR", (0, row), (-1, row), colour)
    table.setStyle(style)
    left: list[Flowable] = [table]
    why = next((a for a in r.attention if a.kind == "driver" and a.subject == driver.user), None)
    if why is not None:
        left.append(
            Paragraph(
                f"<font color='{hexcode(ORANGE)}'><b>Needs attention: {esc(why.text)}</b>"
                f"</font><br/>{esc(where_to_look(why))}",
                BODY,
            )
        )
    if mix is None:
        return [Heading("Driver summary", H1), *left]
    width = WIDTH - 5.6 * inch
    return [
        Heading("Driver summary", H1),
        _side_by_side(left, _image(mix, width), (5.6 * inch, width)),
    ]


def _side_by_side(
    left: Flowable | list[Flowable],
    right: Flowable | list[Flowable],
    widths: tuple[float, float] = (WIDTH / 2, WIDTH / 2),
) -> Table:
    side = Table([[left, right]], colWidths=list(widths), hAlign="LEFT")
    side.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return side


def _was(tr: Trend | None) -> list[str]:
    """The previous window's figure and the change, as shown."""
    if tr is None:
        return ["", ""]
    return [trend_value(tr.metric, tr.previous), trend_change(tr.metric, tr.change)]


def _mark_change(style: TableStyle, column: int, row: int, tr: Trend | None) -> None:
    if tr is not None and tr.worse is not None:
        style.add("TEXTCOLOR", (column, row), (column, row), RED if tr.worse else GREEN)


CHART_WIDTH = 3.95 * inch  # three rows of two charts fill one page


def _charts(charts: dict[str, bytes], heading: bool = True) -> list[Flowable]:
    """The charts two to a row, each keeping its proportions, under their heading: the six of
    --all on one page."""
    images = [_image(png, CHART_WIDTH) for png in charts.values()]
    if not images:
        return []
    out: list[Flowable] = []
    for i in range(0, len(images), 2):
        row = images[i : i + 2]
        table = Table([row], colWidths=[WIDTH / 2] * len(row), hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        out += [table, Spacer(1, 6)]
    if not heading:
        return [CondPageBreak(images[0].drawHeight + 8), *out]
    return [CondPageBreak(images[0].drawHeight + 40), Heading("Charts", H1), *out]


def _image(png: bytes, width: float) -> Image:
    """A PNG at `width`, its proportions kept."""
    w, h = ImageReader(io.BytesIO(png)).getSize()
    return Image(io.BytesIO(png), width=width, height=width * h / w)
