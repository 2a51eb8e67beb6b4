"""The PDF report a site manager forwards: landscape letter, a summary page with the site
health and the charts, then the sections the analysis flags asked for (reportlab)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from reportlab.lib.units import inch
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import SimpleDocTemplate, Spacer

from ...analysis import Report
from ..common.atomic import atomic_file
from ..common.wording import span
from . import sections
from .styles import MARGIN, MUTED, PAGE, RULE, WIDTH, fit
from .summary import header, logo_ok, summary_page

__all__ = ["logo_ok", "render"]


def render(
    report: Report,
    out: Path,
    *,
    logo: Path | None = None,
    charts: dict[str, bytes] | None = None,
) -> int:
    """Write the PDF atomically; returns its number of pages. `charts` are PNG bytes by
    name (default: every chart of the report, drawn here)."""
    if charts is None:
        from .. import charts as drawn

        charts = {name: drawn.png_bytes(report, name) for name in drawn.names_for(report)}
    with atomic_file(out) as tmp, tmp.open("wb") as fh:
        return _build(report, fh, logo, charts)


def _build(report: Report, stream: io.IOBase, logo: Path | None, charts: dict) -> int:
    r = report
    site = r.site + (f", {r.location}" if r.location else "")
    when = span(r.window, " to ")
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
        subject=f"{site}: {when}",
    )
    doc.build(_story(r, logo, charts), canvasmaker=_numbered(f"{site}  |  {when}", counted))
    return counted[0] if counted else 0


def _story(r: Report, logo: Path | None, charts: dict) -> list:
    story: list = [*header(r, logo), Spacer(1, 10), *summary_page(r, charts)]
    sec = r.sections
    if sec.empty:
        story += sections.category(r, "empty")
    if sec.micro:
        story += sections.category(r, "micro")
    if sec.empty and sec.micro:
        story += sections.combined(r)
    if sec.stations:
        story += sections.stations(r)
    if sec.users:
        story += sections.users(r)
    return story


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
                self.drawString(MARGIN, 0.35 * inch, fit(footer, WIDTH - 1.2 * inch, 7.5))
                self.drawRightString(
                    PAGE[0] - MARGIN, 0.35 * inch, f"Page {self._pageNumber} of {total}"
                )
                self.setStrokeColor(RULE)
                self.line(MARGIN, 0.48 * inch, PAGE[0] - MARGIN, 0.48 * inch)
                super().showPage()
            super().save()

    return NumberedCanvas
