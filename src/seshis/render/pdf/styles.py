"""The PDF's page, colours, paragraph styles and table pieces (reportlab)."""

from __future__ import annotations

from typing import TypeAlias

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from ..common.colours import INK as INK_OF
from ..common.colours import TINT as TINT_OF

PAGE = landscape(letter)
MARGIN = 0.5 * inch
WIDTH = PAGE[0] - 2 * MARGIN

GREEN = colors.HexColor(INK_OF["green"])
ORANGE = colors.HexColor(INK_OF["dark_orange"])
RED = colors.HexColor(INK_OF["red"])
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
HEAD_BG = colors.HexColor("#243b53")
ZEBRA = colors.HexColor("#f5f7fa")
LABEL_INK = {"green": GREEN, "dark_orange": ORANGE, "red": RED}
TINT = {hue: colors.HexColor(tint) for hue, tint in TINT_OF.items()}

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("title", _styles["Title"], fontSize=22, leading=26, alignment=TA_LEFT)
H1 = ParagraphStyle("h1", _styles["Heading1"], fontSize=15, leading=19, textColor=INK)
H2 = ParagraphStyle("h2", _styles["Heading2"], fontSize=12, leading=15, textColor=INK)
H3 = ParagraphStyle("h3", _styles["Heading3"], fontSize=10, leading=13, textColor=INK)
BODY = ParagraphStyle("body", _styles["BodyText"], fontSize=9.5, leading=12, textColor=INK)
SMALL = ParagraphStyle("small", BODY, fontSize=8, leading=10, textColor=MUTED)
CELL = ParagraphStyle("cell", BODY, fontSize=7.5, leading=9, wordWrap="CJK")
CELL_HEAD = ParagraphStyle("cellhead", CELL, textColor=colors.white, fontName="Helvetica-Bold")


def table_style(header_font: bool = True) -> TableStyle:
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


ONE_TABLE = 1500  # rows: one table up to here (no header in the middle of a page)
CHUNK = 80  # rows per table of a long listing: reportlab splits each cheaply across pages

# A table's cell: plain text, or a flowable such as a wrapping paragraph (reportlab has no type
# hints: to mypy a Flowable is Any, and so is a cell that may hold one).
Cell: TypeAlias = str | Flowable
# A style command of one row: command, first column, last column, value.
Mark: TypeAlias = tuple[str, int, int, object]


def long_table(
    header: list[str] | list[Flowable],
    rows: list[list[Cell]],
    widths: list[float],
    marks: list[list[Mark]] | None = None,
    header_font: bool = True,
) -> list[Table]:
    """A table of any length: one table, its header repeated on each page it runs onto; past
    ONE_TABLE rows (reportlab splits a long table slowly), tables of CHUNK rows each with the
    header. `marks[i]`: style commands (command, first column, last column, value) of row i."""
    out = []
    size = len(rows) if len(rows) <= ONE_TABLE else CHUNK
    for start in range(0, len(rows), max(size, 1)):
        part = rows[start : start + size]
        style = table_style(header_font)
        for i in range(len(part)):
            for command, first, last, value in marks[start + i] if marks else ():
                style.add(command, (first, i + 1), (last, i + 1), value)
        table = Table([header, *part], colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(style)
        out.append(table)
    return out


def fit(text: str, width: float, size: float, font: str = "Helvetica") -> str:
    """The text, cut with an ellipsis to fit `width` points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def cell(text: str, fits: int) -> str | Paragraph:
    """Plain text when it fits the column (fast); a wrapping paragraph when it does not."""
    return text if len(text) <= fits else Paragraph(esc(text), CELL)


def hexcode(colour: colors.Color) -> str:
    """ "#c62828": a colour as paragraph markup names it."""
    code: str = colour.hexval()  # "0xc62828"
    return "#" + code[2:]


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
