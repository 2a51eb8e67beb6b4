"""The statement as CSV: the detail lines only, and beside a file, `<name>_totals.csv` with the
subtotals per driver, site and month and the totals (never mixed into the lines). UTF-8 with a
byte-order mark for Excel, formula-like cells guarded, each file moved into place atomically;
money as written on the statement (rounded once per line)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ...analysis import Report
from ...analysis.statement import Amounts, Statement
from ...definitions import guarded
from ..common.atomic import atomic_file
from . import who

LINE_COLUMNS = (
    "month",
    "site",
    "driver",
    "group",
    "ids",
    "mapped",
    "unclaimed",
)
AMOUNT_COLUMNS = (
    "sessions",
    "kwh",
    "hours_plugged_in",
    "hours_charging",
    "idle_hours_charged",
    "energy_cost",
    "idle_fee",
    "cost",
    "currency",
)
TOTAL_COLUMNS = ("level", "name", "group", *AMOUNT_COLUMNS)


@dataclass(frozen=True)
class Written:
    path: Path | None  # None: a stream
    lines: int
    totals_path: Path | None = None


def render(report: Report, out: Path | IO[str], *, statement: Statement) -> Written:
    """The lines to `out` (a file, or a stream: the lines alone); beside a file, the totals."""
    st = statement
    if not isinstance(out, Path):
        _write(out, LINE_COLUMNS + AMOUNT_COLUMNS, _lines(st))
        return Written(None, len(st.lines))
    with atomic_file(out) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        _write(fh, LINE_COLUMNS + AMOUNT_COLUMNS, _lines(st))
    totals = out.with_name(out.stem + "_totals.csv")
    with atomic_file(totals) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        _write(fh, TOTAL_COLUMNS, _totals(st))
    return Written(out, len(st.lines), totals)


def _write(fh: IO[str], columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    writer = csv.writer(fh)
    writer.writerow(columns)
    writer.writerows([None if v == "" else guarded(v) for v in row] for row in rows)


def _amounts(a: Amounts) -> list[Any]:
    return [
        a.sessions,
        f"{a.kwh:.3f}",
        f"{a.plugged_h:.3f}",
        f"{a.charging_h:.3f}",
        f"{a.idle_h:.3f}",
        "" if a.energy_cost is None else str(a.energy_cost),
        "" if a.idle_fee is None else str(a.idle_fee),
        "" if a.cost is None else str(a.cost),
        a.currency or "",
    ]


def _lines(st: Statement) -> list[list[Any]]:
    rows = []
    for x in st.lines:
        w = x.who
        rows.append(
            [
                f"{x.month:%Y-%m}",
                x.site,
                w.driver or "" if st.has_drivers and not w.unclaimed else "",
                w.group or "",
                " ".join(w.ids),
                ("yes" if w.mapped else "no") if st.people and not w.unclaimed else "",
                "yes" if w.unclaimed and st.has_drivers else "no",
                *_amounts(x.amounts),
            ]
        )
    return rows


def _totals(st: Statement) -> list[list[Any]]:
    rows = [
        ["driver", who(s.who, st), s.who.group if s.who else "", *_amounts(s.amounts)]
        for s in st.drivers
    ]
    rows += [["site", s.name, "", *_amounts(s.amounts)] for s in st.sites]
    rows += [["month", s.name, "", *_amounts(s.amounts)] for s in st.months]
    rows += [["total", "", "", *_amounts(t.amounts)] for t in st.totals]
    return rows
