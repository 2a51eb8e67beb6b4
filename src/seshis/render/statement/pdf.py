"""The statement as a PDF (reportlab, portrait letter): the operator's summary first (the
totals against the report's, per site, per month, per driver, the sessions of suspect energy,
the tariff and the rules), then one page per driver that the driver can hand to an employer:
whose statement, the period, a line per month and site, the total, the tariff and how the
money was rounded."""

from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
)

from ...analysis import Report
from ...analysis.statement import Amounts, Line, Statement, Subtotal
from ..common.atomic import atomic_file
from ..common.wording import plural, site_line, span
from ..pdf.styles import BODY, CELL, H1, H2, MUTED, RED, RULE, SMALL, TITLE, esc, fit, table_style
from ..pdf.summary import beside_logo
from . import (
    BY_NAMES,
    UNMAPPED_MARK,
    UNMAPPED_NOTE,
    energy,
    hours,
    left_out,
    money,
    rounding,
    tariff_lines,
    unmapped,
    who,
    why,
)

PAGE = letter
MARGIN = 0.6 * inch
WIDTH = PAGE[0] - 2 * MARGIN
# a line of a driver's page, and of the summary's tables: name, then the amounts
DRIVER_COLUMNS = (("Month", 0.7), ("Site", 1.6), ("Sessions", 0.65), ("kWh", 0.85),
                  ("Plugged in h", 0.8), ("Charging h", 0.75), ("Energy", 0.7),
                  ("Idle fee", 0.6), ("Cost", 0.65))  # fmt: skip
AMOUNT_COLUMNS = DRIVER_COLUMNS[2:]


def driver_pages(st: Statement) -> tuple[Subtotal, ...]:
    """Whom a page is for: every claimed driver (tag, group) of the statement."""
    if not st.has_drivers:
        return ()
    return tuple(s for s in st.drivers if s.who is not None and not s.who.unclaimed)


def render(report: Report, out: Path, *, statement: Statement, logo: Path | None = None) -> int:
    """Write the PDF atomically; returns its number of pages."""
    with atomic_file(out) as tmp, tmp.open("wb") as fh:
        return _build(report, statement, fh, logo)


def _build(r: Report, st: Statement, stream: io.IOBase, logo: Path | None) -> int:
    site = site_line(r.site, r.location, ", ")
    when = span(st.window, " to ")
    generated = r.generated.astimezone(ZoneInfo(st.window.timezone))
    footer = f"Energy statement · {site} · {when} · generated {generated:%Y-%m-%d} by seshis"
    pages: list[int] = []

    def page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN, 0.55 * inch, PAGE[0] - MARGIN, 0.55 * inch)
        canvas.drawString(MARGIN, 0.4 * inch, fit(footer, WIDTH - inch, 7.5))
        canvas.drawRightString(PAGE[0] - MARGIN, 0.4 * inch, f"Page {doc.page}")
        canvas.restoreState()
        pages.append(doc.page)

    doc = SimpleDocTemplate(
        stream,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=0.8 * inch,
        title="Energy statement",
        author="seshis",
        subject=f"{site}: {when}",
    )
    story = _summary(r, st, logo)
    for subtotal in driver_pages(st):
        story += [PageBreak(), *_driver(r, st, subtotal, logo)]
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return max(pages, default=0)


def _top(r: Report, st: Statement, title: str, logo: Path | None) -> list[Flowable]:
    """The title, the site and the period; the logo at the right."""
    zones = sorted({zone for _, zone in st.site_zones})
    lines: list[Flowable] = [
        Paragraph(esc(title), TITLE),
        Paragraph(f"<b>{esc(r.site)}</b>" + (f", {esc(r.location)}" if r.location else ""), H2),
        Paragraph(
            f"Period: {span(st.window, ' to ')} ({esc(', '.join(zones))}), by calendar month "
            "in each site's local time",
            BODY,
        ),
    ]
    if logo is None:
        return lines
    image = Image(str(logo))
    scale = min(1.6 * inch / image.imageWidth, 0.8 * inch / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    return beside_logo(lines, image, WIDTH, 1.7 * inch)


def _cells(a: Amounts, currency: bool) -> list[str]:
    return [
        f"{a.sessions:,}",
        energy(a.kwh),
        hours(a.plugged_h),
        hours(a.charging_h),
        money(a.energy_cost),
        money(a.idle_fee),
        money(a.cost, a.currency if currency else None),
    ]


def _amounts_table(
    st: Statement,
    first: tuple[tuple[str, float], ...],
    rows: list[tuple[list[str | Flowable], Amounts]],
    total: tuple[list[str], Amounts] | None = None,
) -> Table:
    """A table of names (the `first` columns) and amounts; a bold total row last."""
    columns = (*first, *AMOUNT_COLUMNS) if st.priced else (*first, *AMOUNT_COLUMNS[:4])
    scale = WIDTH / (inch * sum(w for _, w in columns))
    several = len(st.totals) > 1
    heads = [name for name, _ in columns]
    if st.priced and not several and st.totals:
        heads[-1] = f"Cost {st.totals[0].amounts.currency}"
    data: list[list[str | Flowable]] = [heads]
    for names, a in rows:
        data.append([*names, *_cells(a, several)[: len(columns) - len(first)]])
    if total is not None:
        names, a = total
        data.append([*names, *_cells(a, several)[: len(columns) - len(first)]])
    table = Table(data, colWidths=[w * inch * scale for _, w in columns], repeatRows=1)
    style = table_style()
    style.add("ALIGN", (len(first), 0), (-1, -1), "RIGHT")
    if total is not None:
        style.add("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold")
        style.add("LINEABOVE", (0, -1), (-1, -1), 0.8, MUTED)
    table.setStyle(style)
    return table


def _name(text: str, width_chars: int = 60) -> str | Flowable:
    return text if len(text) <= width_chars else Paragraph(esc(text), CELL)


def _driver(r: Report, st: Statement, subtotal: Subtotal, logo: Path | None) -> list[Flowable]:
    """One page: whose statement, a line per month and site, the total, the terms."""
    w = subtotal.who
    assert w is not None
    story = _top(r, st, "Charging statement", logo)
    name = who(w, st).removesuffix(UNMAPPED_MARK)  # the mark's note is the summary's
    story += [Spacer(1, 6), Paragraph(f"Statement for <b>{esc(name)}</b>", H1)]
    if w.ids and st.by != "group":
        label = "Driver id / tag" if len(w.ids) == 1 else "Driver ids / tags"
        story.append(Paragraph(f"{label}: {esc(', '.join(w.ids))}", BODY))
    story.append(Spacer(1, 8))
    lines: list[Line] = list(st.of_driver(w))
    rows: list[tuple[list[str | Flowable], Amounts]] = [
        ([f"{x.month:%Y-%m}", _name(x.site, 24)], x.amounts) for x in lines
    ]
    story.append(_amounts_table(st, DRIVER_COLUMNS[:2], rows, (["Total", ""], subtotal.amounts)))
    story += [Spacer(1, 10), *_terms(st)]
    mine = [s for s in st.suspect if s.driver is not None and s.driver in w.ids]
    if mine:
        state = "included above" if st.included else "not included above"
        story.append(Paragraph(f"<b>Sessions of suspect energy, {state}</b>", BODY))
        story += [
            Paragraph(f"{s.start:%Y-%m-%d %H:%M} · {esc(s.session_id)}: {esc(why(s))}", SMALL)
            for s in mine
        ]
    return [KeepTogether(story)]


def _terms(st: Statement) -> list[Flowable]:
    """The tariff, the rounding rule and how sessions are split, in small print."""
    out: list[Flowable] = []
    lines = tariff_lines(st.tariff)
    if lines:
        out.append(Paragraph("<b>Tariff</b>: " + "<br/>".join(esc(x) for x in lines), SMALL))
    out += [
        Paragraph(esc(rounding(st)), SMALL),
        Paragraph(
            "kWh and hours are split at the boundaries of months, prices and dates by each "
            "session's charging time, at constant power. Hours charging are the hours until the "
            "data says charging finished, else the hours plugged in.",
            SMALL,
        ),
        Spacer(1, 6),
    ]
    return out


def _summary(r: Report, st: Statement, logo: Path | None) -> list[Flowable]:
    """The operator's summary: totals, per site, per month, per driver, suspects, terms."""
    story = _top(r, st, "Energy statement: summary", logo)
    story.append(Spacer(1, 8))
    for t in st.totals or (Subtotal(None, Amounts()),):
        a = t.amounts
        cost = f" · <b>{esc(money(a.cost, a.currency))}</b>" if st.priced else ""
        story.append(
            Paragraph(
                f"Total: <b>{plural(a.sessions, 'session')}</b> · <b>{energy(a.kwh)} kWh</b> · "
                f"{hours(a.plugged_h)} h plugged in · {hours(a.charging_h)} h charging{cost}",
                BODY,
            )
        )
    if r.options.user is None:
        whole = st.total
        sessions = whole.sessions + st.excluded.sessions
        matches = (
            sessions == r.totals.sessions and abs(whole.kwh + st.excluded.kwh - r.totals.kwh) < 5e-4
        )
        left = st.excluded.sessions
        plus = f" plus {plural(left, 'suspect session')} left out" if left else ""
        verdict = ("equal" if plus else "equals") if matches else "differs from"
        colour = "" if matches else f" color='#{RED.hexval()[2:]}'"
        story.append(
            Paragraph(
                f"<font{colour}>The total{plus} {verdict} the report's "
                f"{plural(r.totals.sessions, 'session')} and {energy(r.totals.kwh)} kWh in "
                "this window.</font>",
                BODY,
            )
        )
    if st.people:
        story.append(Paragraph(f"Who is who: {esc(st.people)}", SMALL))
    story.append(Spacer(1, 8))
    total = (["Total"], st.totals[0].amounts) if len(st.totals) == 1 else None
    if len(st.sites) > 1:
        rows = [([_name(s.name or "")], s.amounts) for s in st.sites]
        story += [Paragraph("Per site", H2), _amounts_table(st, (("Site", 2.3),), rows, total)]
    if st.months:
        rows = [([s.name or ""], s.amounts) for s in st.months]
        story += [Paragraph("Per month", H2), _amounts_table(st, (("Month", 2.3),), rows, total)]
    if st.drivers:
        first = {"group": "Group", "tag": "Driver id / tag"}.get(st.by, "Driver")
        rows = [([_name(who(s.who, st), 40)], s.amounts) for s in st.drivers]
        story += [
            Paragraph(f"Per {BY_NAMES[st.by]}", H2),
            _amounts_table(st, ((first, 2.3),), rows, total),
        ]
        if unmapped(st):
            story.append(Paragraph(UNMAPPED_NOTE, SMALL))
    if st.suspect:
        story += [Paragraph(f"Suspect energy ({len(st.suspect)})", H2)]
        story.append(Paragraph(esc(left_out(st)), BODY))
        for s in st.suspect:
            driver = s.name or s.driver or "unclaimed"
            story.append(
                Paragraph(
                    f"{s.start:%Y-%m-%d %H:%M} · {esc(s.site)} · {esc(s.station or '(no station)')}"
                    f" · {esc(driver)} · {esc(s.session_id)}: {esc(why(s))}",
                    SMALL,
                )
            )
    story += [Spacer(1, 10), *_terms(st)]
    return story
