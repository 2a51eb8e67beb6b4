"""The spreadsheet export (--xlsx): a real .xlsx (XlsxWriter) with typed cells, so ids keep
their leading zeros (text), times are dates and figures are numbers; the label column coloured
as in the PDF; sheets of drivers, stations and days; a frozen header row and filters on each.
Written row by row in constant memory, atomically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..analysis import Report
from .common.atomic import atomic_file
from .common.colours import label_colours
from .common.exporter import Sessions

MAX_ROWS = 1_048_576  # a worksheet's rows, the header included
TEXT = {"session_id", "site", "acn", "account", "station_id", "space", "user_id", "timezone"}
TIMES = {"start", "end", "done_charging"}  # UTC
LOCAL = {"start_local", "end_local"}
FILLS = label_colours()  # each label's row tint and text colour, as in the PDF

# How a column's cells are written: (sheet, row, column, value). XlsxWriter has no type hints,
# so its worksheet is Any; a value is whatever a session's row holds.
Writer = Callable[[Any, int, int, Any], None]


@dataclass(frozen=True)
class Written:
    path: Path
    sessions: int


def render(report: Report, out: Path, *, sessions: Sessions) -> Written:
    """Write the workbook of the report and its selected `sessions` to `out`; returns how many
    sessions it holds."""
    import xlsxwriter

    with atomic_file(out) as tmp:
        book = xlsxwriter.Workbook(
            str(tmp),
            {  # every string is text: never a formula, a number or a link
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "remove_timezone": True,
            },
        )
        try:
            styles = _styles(book)
            count = _sessions(book, sessions, styles)
            if report.several_sites:
                _sites(book, report, styles)
            _drivers(book, report, styles)
            _stations(book, report, styles)
            _daily(book, report, styles)
        finally:
            book.close()
    return Written(out, count)


def _styles(book: Any) -> dict[str, Any]:
    styles = {
        "head": book.add_format({"bold": True, "bg_color": "#243b53", "font_color": "#ffffff"}),
        "time": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "day": book.add_format({"num_format": "yyyy-mm-dd"}),
        "text": book.add_format({"num_format": "@"}),
        "pct": book.add_format({"num_format": "0.0"}),
    }
    for label, (fill, ink) in FILLS.items():
        styles[label] = book.add_format({"bg_color": fill, "font_color": ink, "bold": True})
    return styles


def _sheet(book: Any, name: str, columns: list[str], styles: dict[str, Any]) -> Any:
    sheet = book.add_worksheet(name)
    sheet.freeze_panes(1, 0)
    for c, column in enumerate(columns):
        sheet.write_string(0, c, column, styles["head"])
        sheet.set_column(c, c, max(10, min(len(column) + 2, 40)))
    return sheet


SAMPLED = 1000  # rows a column's width is measured on
WIDEST = 60  # characters: a longer value wraps to the column's edge rather than widen it


def _shown_width(value: object) -> int:
    """Characters a cell's value takes as the workbook shows it (a date-time 19, a number as
    written)."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19  # yyyy-mm-dd hh:mm:ss
    if isinstance(value, float):
        return len(f"{value:.3f}".rstrip("0").rstrip("."))
    return len(str(value))


def _fit(sheet: Any, columns: list[str], widths: list[int]) -> None:
    """Each column as wide as its header and the values sampled, as spreadsheet users expect
    (no #### for a date-time, no cut e-mail)."""
    for c, column in enumerate(columns):
        sheet.set_column(c, c, min(max(len(column), widths[c], 6) + 2, WIDEST))


def _finish(sheet: Any, rows: int, columns: int) -> None:
    sheet.autofilter(0, 0, max(rows, 1), columns - 1)


def _sessions(book: Any, sessions: Sessions, styles: dict[str, Any]) -> int:
    """The sessions, a sheet of at most MAX_ROWS - 1 each ("Sessions", "Sessions 2", ...)."""
    total, part, sheet, row, columns = 0, 0, None, 0, []
    writers: list[Writer] = []
    widths: list[int] = []
    for names, rows in sessions.batches():
        if sheet is None:
            columns = names
            writers = [_writer(name, styles) for name in names]
            widths = [0] * len(names)
        for values in rows:
            if total < SAMPLED:
                widths = [max(w, _shown_width(v)) for w, v in zip(widths, values, strict=True)]
            if sheet is None or row >= MAX_ROWS - 1:
                if sheet is not None:
                    _label_colours(sheet, row, columns, styles)
                    _finish(sheet, row, len(columns))
                    _fit(sheet, columns, widths)
                part += 1
                sheet = _sheet(
                    book, "Sessions" if part == 1 else f"Sessions {part}", columns, styles
                )
                row = 0
            row += 1
            for c, value in enumerate(values):
                writers[c](sheet, row, c, value)
            total += 1
    if sheet is None:
        names = sessions.columns()
        sheet, columns = _sheet(book, "Sessions", names, styles), names
        widths = [0] * len(names)
    _label_colours(sheet, row, columns, styles)
    _finish(sheet, row, len(columns))
    _fit(sheet, columns, widths)
    return total


def _writer(name: str, styles: dict[str, Any]) -> Writer:
    """How a column's cells are written: text stays text, times become dates."""
    if name in TEXT:

        def text(sheet: Any, r: int, c: int, v: Any) -> None:
            if v is None:
                sheet.write_blank(r, c, None)
            else:
                sheet.write_string(r, c, str(v), styles["text"])

        return text
    if name in TIMES:

        def utc(sheet: Any, r: int, c: int, v: Any) -> None:
            if v is None:
                sheet.write_blank(r, c, None)
            else:
                sheet.write_datetime(r, c, v.astimezone(UTC).replace(tzinfo=None), styles["time"])

        return utc
    if name in LOCAL:

        def local(sheet: Any, r: int, c: int, v: Any) -> None:
            if v is None:
                sheet.write_blank(r, c, None)
            else:
                sheet.write_datetime(r, c, datetime.fromisoformat(v), styles["time"])

        return local

    def plain(sheet: Any, r: int, c: int, v: Any) -> None:
        sheet.write(r, c, v)

    return plain


def _label_colours(sheet: Any, rows: int, columns: list[str], styles: dict[str, Any]) -> None:
    """The label column tinted like the PDF's rows (one conditional format per label)."""
    if "label" not in columns or not rows:
        return
    c = columns.index("label")
    for label in FILLS:
        sheet.conditional_format(
            1,
            c,
            rows,
            c,
            {"type": "cell", "criteria": "==", "value": f'"{label}"', "format": styles[label]},
        )


def _sites(book: Any, report: Report, styles: dict[str, Any]) -> None:
    """A network's sites, worst first: the figures of the SITES table, typed."""
    columns = ["site", "location", "time zone", "sessions", "stations", "drivers", "kWh",
               "empty %", "micro %", "normal %", "unclaimed %", "attention",
               "empty + micro % change"]  # fmt: skip
    sheet = _sheet(book, "Sites", columns, styles)
    for row, s in enumerate(report.sites, start=1):
        t = s.totals
        for c, text in enumerate((s.name, s.location, s.window.timezone)):
            if text is not None:
                sheet.write_string(row, c, text, styles["text"])
        sheet.write_number(row, 3, t.sessions)
        sheet.write_number(row, 4, len(s.stations))
        sheet.write(row, 5, s.distinct_users)
        sheet.write_number(row, 6, round(t.kwh, 3))
        shares = (t.empty, t.micro, t.normal, None if s.unclaimed is None else s.unclaimed.sessions)
        for c, part in enumerate(shares, start=7):
            if part is not None and t.sessions:
                sheet.write_number(row, c, round(t.pct(part), 1), styles["pct"])
        sheet.write_number(row, 11, len(s.attention))
        was = s.previous
        if was is not None and was.totals.sessions and t.sessions:
            change = t.pct(t.problems) - was.totals.pct(was.totals.problems)
            sheet.write_number(row, 12, round(change, 1), styles["pct"])
    _finish(sheet, len(report.sites), len(columns))


def _drivers(book: Any, report: Report, styles: dict[str, Any]) -> None:
    columns = ["driver", "sessions", "empty", "micro", "normal", "normal %", "kWh",
               "average hours", "last session", "needs help"]  # fmt: skip
    sheet = _sheet(book, "Drivers", columns, styles)
    row = 0
    for u in report.users:
        c = u.counts
        row += 1
        sheet.write_string(
            row, 0, u.user if u.user is not None else "🔓 UNCLAIMED SESSIONS", styles["text"]
        )
        for i, v in enumerate((c.sessions, c.empty, c.micro, c.normal), start=1):
            sheet.write_number(row, i, v)
        sheet.write_number(row, 5, round(c.normal_pct, 1), styles["pct"])
        sheet.write_number(row, 6, round(c.kwh, 3))
        avg = c.average_duration_s
        sheet.write(row, 7, None if avg is None else round(avg / 3600, 3))
        if u.last is not None:
            sheet.write_datetime(
                row, 8, u.last.astimezone(UTC).replace(tzinfo=None), styles["time"]
            )
        sheet.write_boolean(row, 9, u.user in report.needing_help)
    _finish(sheet, row, len(columns))


def _stations(book: Any, report: Report, styles: dict[str, Any]) -> None:
    from ..analysis.stations import RECORD_COLUMNS

    records = [st.record() for st in report.stations]
    columns = list(records[0]) if records else list(RECORD_COLUMNS)  # with "site" in a network
    sheet = _sheet(book, "Stations", columns, styles)
    for row, record in enumerate(records, start=1):
        for c, (name, value) in enumerate(record.items()):
            if name in ("site", "station_id", "space") and value is not None:
                sheet.write_string(row, c, str(value), styles["text"])
            else:
                sheet.write(row, c, value)
    _finish(sheet, len(report.stations), len(columns))


def _daily(book: Any, report: Report, styles: dict[str, Any]) -> None:
    columns = ["date", "sessions", "empty", "micro", "normal", "empty %", "micro %", "kWh"]
    sheet = _sheet(book, "Daily", columns, styles)
    for row, day in enumerate(report.daily, start=1):
        c = day.counts
        sheet.write_datetime(
            row, 0, datetime(day.day.year, day.day.month, day.day.day), styles["day"]
        )
        for i, v in enumerate((c.sessions, c.empty, c.micro, c.normal), start=1):
            sheet.write_number(row, i, v)
        sheet.write_number(row, 5, round(c.pct(c.empty), 1), styles["pct"])
        sheet.write_number(row, 6, round(c.pct(c.micro), 1), styles["pct"])
        sheet.write_number(row, 7, round(c.kwh, 3))
    _finish(sheet, len(report.daily), len(columns))
