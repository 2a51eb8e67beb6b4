"""The statement as a workbook (XlsxWriter): a Summary sheet (the window, the tariff, the
rounding rule, the subtotals per driver, site and month and the totals), a sheet per month of
its detail lines, and the sessions of suspect energy. Typed cells: ids and names as text (never
a formula), kWh and hours as numbers, money as numbers in the currency's format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...analysis import Report
from ...analysis.statement import Amounts, Statement, Subtotal
from ..common.atomic import atomic_file
from ..common.wording import site_line, span
from . import BY_NAMES, left_out, rounding, tariff_lines, who, why

AMOUNTS = ("Sessions", "kWh", "Hours plugged in", "Hours charging", "Idle hours charged",
           "Energy", "Idle fee", "Cost", "Currency")  # fmt: skip


def render(report: Report, out: Path, *, statement: Statement) -> tuple[str, ...]:
    """Write the workbook atomically; returns the names of its sheets."""
    import xlsxwriter

    st = statement
    with atomic_file(out) as tmp:
        book = xlsxwriter.Workbook(
            str(tmp),
            {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        try:
            styles = _styles(book, st)
            names = ["Summary"]
            _summary(book.add_worksheet("Summary"), report, st, styles)
            for month in st.month_list:
                name = f"{month:%Y-%m}"
                _month(book.add_worksheet(name), st, month, styles)
                names.append(name)
            if st.suspect:
                _suspect(book.add_worksheet("Suspect energy"), st, styles)
                names.append("Suspect energy")
        finally:
            book.close()
    return tuple(names)


def _styles(book: Any, st: Statement) -> dict[str, Any]:
    places = max((_places(t.amounts) for t in st.totals), default=2)
    money = "#,##0" + ("." + "0" * places if places else "")
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True}),
        "head": book.add_format({"bold": True, "bg_color": "#243b53", "font_color": "#ffffff"}),
        "text": book.add_format({"num_format": "@"}),
        "kwh": book.add_format({"num_format": "#,##0.000"}),
        "hours": book.add_format({"num_format": "#,##0.00"}),
        "money": book.add_format({"num_format": money}),
        "total_money": book.add_format({"num_format": money, "bold": True, "top": 1}),
        "total": book.add_format({"bold": True, "top": 1}),
        "muted": book.add_format({"font_color": "#616e7c"}),
    }


def _places(a: Amounts) -> int:
    if a.energy_cost is None:
        return 2
    exponent = a.energy_cost.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _head(sheet: Any, row: int, columns: tuple[str, ...], styles: dict[str, Any]) -> None:
    for c, name in enumerate(columns):
        sheet.write_string(row, c, name, styles["head"])


def _amounts(
    sheet: Any, row: int, col: int, a: Amounts, styles: dict[str, Any], total: bool = False
) -> None:
    sheet.write_number(row, col, a.sessions, styles["total"] if total else None)
    sheet.write_number(row, col + 1, round(a.kwh, 3), styles["kwh"])
    for i, value in enumerate((a.plugged_h, a.charging_h, a.idle_h), start=2):
        sheet.write_number(row, col + i, round(value, 2), styles["hours"])
    for i, amount in enumerate((a.energy_cost, a.idle_fee, a.cost), start=5):
        if amount is not None:
            sheet.write_number(
                row, col + i, float(amount), styles["total_money" if total else "money"]
            )
    if a.currency:
        sheet.write_string(row, col + 8, a.currency, styles["text"])


def _summary(sheet: Any, r: Report, st: Statement, styles: dict[str, Any]) -> None:
    sheet.write_string(
        0, 0, "Energy statement — " + site_line(r.site, r.location, ", "), styles["title"]
    )
    zones = sorted({zone for _, zone in st.site_zones})
    rows = [
        f"{st.window.title}: {span(st.window, ' to ')} ({', '.join(zones)})",
        f"A line per {BY_NAMES[st.by]}, site and calendar month (each site's local time).",
        *(f"Tariff: {line}" for line in tariff_lines(st.tariff)[:1]),
        *(f"        {line}" for line in tariff_lines(st.tariff)[1:]),
        rounding(st),
        "kWh and hours are split at the boundaries of months, prices and dates by each "
        "session's charging time, at constant power.",
    ]
    if st.people:
        rows.append(f"Who is who: {st.people}")
    if st.suspect:
        rows.append(left_out(st))
    for i, text in enumerate(rows, start=1):
        sheet.write_string(i, 0, text, styles["muted"])
    row = len(rows) + 2
    first = {"group": "Group", "tag": "Driver id / tag"}.get(st.by, "Driver")
    for title, key, items in (
        (f"Per {BY_NAMES[st.by]}", first, st.drivers),
        ("Per site", "Site", st.sites),
        ("Per month", "Month", st.months),
    ):
        sheet.write_string(row, 0, title, styles["bold"])
        _head(sheet, row + 1, (key, *AMOUNTS), styles)
        row += 2
        for s in items:
            name = who(s.who, st) if s.who else s.name or ""
            sheet.write_string(row, 0, name, styles["text"])
            _amounts(sheet, row, 1, s.amounts, styles)
            row += 1
        row += 1
    _head(sheet, row, ("Total", *AMOUNTS), styles)
    for t in st.totals or (Subtotal(None, Amounts()),):
        row += 1
        sheet.write_string(row, 0, "Total", styles["total"])
        _amounts(sheet, row, 1, t.amounts, styles, total=True)
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, 9, 14)


def _month(sheet: Any, st: Statement, month: Any, styles: dict[str, Any]) -> None:
    columns = ("Site", "Driver", "Group", "Ids", *AMOUNTS)
    _head(sheet, 0, columns, styles)
    lines = st.of_month(month)
    for row, x in enumerate(lines, start=1):
        w = x.who
        texts = (x.site, who(w, st), w.group or "", " ".join(w.ids))
        for c, text in enumerate(texts):
            sheet.write_string(row, c, text, styles["text"])
        _amounts(sheet, row, 4, x.amounts, styles)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(lines), 1), len(columns) - 1)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 3, 18)
    sheet.set_column(4, len(columns) - 1, 13)


def _suspect(sheet: Any, st: Statement, styles: dict[str, Any]) -> None:
    columns = ("Start (local)", "Site", "Station", "Driver", "Session id", "kWh",
               "Hours plugged in", "Average kW", "Why", "In the statement")  # fmt: skip
    _head(sheet, 0, columns, styles)
    for row, s in enumerate(st.suspect, start=1):
        sheet.write_string(row, 0, f"{s.start:%Y-%m-%d %H:%M}", styles["text"])
        for c, text in enumerate((s.site, s.station, s.name or s.driver, s.session_id), start=1):
            sheet.write_string(row, c, text or "", styles["text"])
        sheet.write_number(row, 5, round(s.kwh, 3), styles["kwh"])
        sheet.write_number(row, 6, round(s.plugged_h, 2), styles["hours"])
        if s.kw is not None:
            sheet.write_number(row, 7, round(s.kw, 1), styles["hours"])
        sheet.write_string(row, 8, why(s), styles["text"])
        sheet.write_string(row, 9, "yes" if st.included else "no", styles["text"])
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 7, 16)
    sheet.set_column(8, 8, 90)
