"""The PDF's outline (bookmarks): headings that register themselves where they are drawn, and
the numbered canvas that writes them with the page numbers once every page is known."""

from __future__ import annotations

import re
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Paragraph

from .styles import MARGIN, MUTED, PAGE, RULE, WIDTH, fit


class Heading(Paragraph):
    """A heading that is also an entry of the outline, at `level` (0: a section; 1: a part of
    the section above, such as one driver)."""

    def __init__(
        self, text: str, style: ParagraphStyle, outline: str | None = None, level: int = 0
    ) -> None:
        super().__init__(text, style)
        self.outline = outline or _plain(text)
        self.level = level

    def drawOn(self, canvas: pdfcanvas.Canvas, x: float, y: float, _sW: float = 0) -> None:
        mark = getattr(canvas, "outline_mark", None)
        if mark is not None:
            mark(self.outline, self.level, y + self.height)
        super().drawOn(canvas, x, y, _sW)


def _plain(markup: str) -> str:
    """The text of a paragraph's markup, as an outline shows it."""
    text = re.sub(r"<[^>]+>", "", markup)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def numbered(footer: str, counted: list[int]) -> type[pdfcanvas.Canvas]:
    """A canvas that writes "Page X of Y" and the outline once every page is known: pages are
    kept until the end, then written in order (an outline entry needs its page's number, and
    reportlab numbers a page only when it is written)."""

    class NumberedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:  # as reportlab's Canvas takes
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []  # each page's state: the canvas's attributes
            self._marks: list[tuple[str, int, float]] = []

        def outline_mark(self, title: str, level: int, top: float) -> None:
            self._marks.append((title, level, top))

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()
            self._marks = []

        def save(self) -> None:
            total = len(self._pages)
            counted.append(total)
            entries = 0
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
                for title, level, top in state["_marks"]:
                    key = f"outline{entries}"
                    entries += 1
                    self.bookmarkPage(key, fit="XYZ", top=top)
                    self.addOutlineEntry(title, key, level)
                super().showPage()
            if entries:
                self.showOutline()
            super().save()

    return NumberedCanvas
