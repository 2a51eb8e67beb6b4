"""The spreadsheet export, read back with openpyxl: typed cells (ids as text with their leading
zeros, times as dates, figures as numbers), the label column coloured, sheets of drivers,
stations and days, frozen header rows and filters; the same rules as --csv."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest
from conftest import DATA, run_cli

ACN = str(DATA / "acn.csv")  # seven sessions, hand-counted in tests/test_cli.py
LA = ("--tz", "America/Los_Angeles")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("x") / "acn.xlsx"
    r = run_cli("--all", "--xlsx", "--no-input", *LA, "--source", ACN, "--output", str(path))
    assert r.code == 0, r.err
    assert r.out.startswith(f"📊 7 sessions exported to {path}")
    return openpyxl.load_workbook(path)


def test_the_sheets_with_frozen_headers_and_filters(book):
    assert book.sheetnames == ["Sessions", "Drivers", "Stations", "Daily"]
    for sheet in book:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:")


def test_sessions_are_typed_cells(book):
    sheet = book["Sessions"]
    head = [c.value for c in sheet[1]]
    rows = [
        dict(zip(head, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert len(rows) == 7
    one = next(r for r in rows if r["session_id"] == "pf-1")
    assert one["acn"] == "0002" and one["account"] == "0039"  # text: leading zeros kept
    assert isinstance(one["start"], datetime) and one["start"] == datetime(2025, 9, 7, 15, 0)
    assert one["start_local"] == datetime(2025, 9, 7, 8, 0)  # Los Angeles, PDT
    assert one["kwh"] == 16.64 and one["duration_h"] == 4  # a number (15:00 to 19:00 UTC)
    assert isinstance(one["duration_h"], int | float)
    assert one["label"] == "[NORMAL-HIGH]"
    assert sum(r["user_id"] == "🔓 UNCLAIMED SESSIONS" for r in rows) == 2
    cell = next(c for c in sheet[1] if c.value == "acn")
    assert sheet.cell(row=2, column=cell.column).data_type == "s"


def test_the_label_column_is_coloured(book):
    rules = book["Sessions"].conditional_formatting
    colours = {}
    for rng in rules:
        for rule in rng.rules:
            colours[rule.formula[0].strip('"')] = rule.dxf.fill.bgColor.rgb
    assert set(colours) == {"[NORMAL-HIGH]", "[NORMAL-MED]", "[MICRO]", "[NORMAL-LOW]", "[EMPTY]"}
    assert colours["[EMPTY]"].endswith("FDECEA") and colours["[NORMAL-HIGH]"].endswith("E6F4EA")


def test_drivers_stations_and_days(book):
    drivers = {r[0]: r for r in book["Drivers"].iter_rows(min_row=2, values_only=True)}
    assert set(drivers) == {"a@x.com", "b@x.com", "=cmd@x.com", "🔓 UNCLAIMED SESSIONS"}
    assert drivers["a@x.com"][1:5] == (2, 1, 0, 1)  # pf-1 HIGH, pf-2 EMPTY
    cells = [row[0] for row in book["Drivers"].iter_rows(min_row=2)]
    formula_like = next(c for c in cells if c.value == "=cmd@x.com")
    assert formula_like.data_type == "s"  # text, never a formula Excel would run
    stations = [r[0] for r in book["Stations"].iter_rows(min_row=2, values_only=True)]
    assert sorted(stations) == ["ST-01", "ST-02", "ST-03", "ST-04"]
    days = [r[:2] for r in book["Daily"].iter_rows(min_row=2, values_only=True)]
    assert days == [(datetime(2025, 9, 7), 2), (datetime(2025, 9, 8), 4), (datetime(2025, 9, 9), 1)]


def test_the_same_rules_as_csv(tmp_path):
    assert run_cli("--xlsx", "--no-input", "--source", ACN).code == 2  # needs an analysis flag
    both = run_cli("--all", "--xlsx", "--csv", "--no-input", "--source", ACN)
    assert both.code == 2 and "one export at a time" in both.err.lower()
    empty = tmp_path / "e.xlsx"
    r = run_cli("--empty", "--xlsx", "--no-input", *LA, "--source", ACN, "--output", str(empty))
    assert r.code == 0 and r.out.startswith("📊 2 sessions exported")  # pf-2 and pf-5
    labels = [
        row[-1]
        for row in openpyxl.load_workbook(empty)["Sessions"].iter_rows(min_row=2, values_only=True)
    ]
    assert labels == ["[EMPTY]", "[EMPTY]"]


def test_columns_are_as_wide_as_their_content(book):
    """Date-times (19 characters) and e-mails are never #### or cut: each column as wide as
    its header and its longest value (of the rows sampled), within 60."""
    sheet = book["Sessions"]
    widths: dict[int, float] = {}
    for dim in sheet.column_dimensions.values():  # a dimension may cover several columns
        for c in range(dim.min, dim.max + 1):
            widths[c] = dim.width
    header = [cell.value for cell in sheet[1]]
    for c, name in enumerate(header, start=1):
        values = [row[c - 1] for row in sheet.iter_rows(min_row=2, values_only=True)]
        longest = max(
            (19 if isinstance(v, datetime) else len(str(v)) for v in values if v is not None),
            default=0,
        )
        if isinstance(values[0], float):
            continue  # numbers are shown as Excel formats them
        assert widths[c] >= min(max(len(name), longest), 60), name
    assert widths[header.index("start") + 1] >= 19
