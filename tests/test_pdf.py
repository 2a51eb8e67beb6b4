"""The PDF report, read back with pypdf: page 1 (attention, health, totals), the sections the
flags ask for, the table of every driver and the details, the outline (bookmarks), the console
lines, and listings worst first.

tests/data/powerflex_rows.json, hand-counted (America/Los_Angeles, PDT = UTC-7):
  pf-1 a@x.com   09-07 08:00  4 h   16.64 kWh = 20 A HIGH   station ST-01 (A1)
  pf-2 a@x.com   09-07 13:00  1 h   0 kWh EMPTY             ST-01 (A1)
  pf-3 b@x.com   09-08 09:00  2 h   4.16 kWh = 10 A MED     ST-02 (A2)
  pf-4 unclaimed 09-08 10:00  5 m   0.3 kWh MICRO           ST-02 (A2)
  pf-5 unclaimed 09-08 11:00  1 m   0 kWh EMPTY             ST-03 (A3)
  pf-6 b@x.com   09-08 18:00  4 h   4.16 kWh = 5 A LOW      ST-03 (A3)
  pf-7 =cmd@x.com 09-09 09:00 1 h   2.08 kWh = 10 A MED     ST-04 (A4)
7 valid sessions, 3 drivers, 4 stations; 12 h 6 min plugged in: 1.7 h a session.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from conftest import DATA, run_cli, shared_file
from helpers import dataset, report_of
from pypdf import PdfReader

from seshis.analysis import Listings, Options, build_report
from seshis.dates import window
from seshis.render import pdf

PF = str(DATA / "powerflex_rows.json")
LA = ("--tz", "America/Los_Angeles")
NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)


def pdf_text(path) -> tuple[list[str], PdfReader]:
    reader = PdfReader(str(path))
    return [page.extract_text() for page in reader.pages], reader


def flat(text: str) -> str:
    return " ".join(text.split())


def make_pdf(tmp_path, *args: str, name: str = "r.pdf"):
    target = tmp_path / name
    r = run_cli(*args, "--pdf", "--no-input", "--output", str(target), now=NOW)
    assert r.code == 0, r.err
    return target, r


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(level, title, page number from 1) of every bookmark, in order."""
    out: list[tuple[int, str, int]] = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return out


def images(reader: PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


def console(r, target) -> tuple[int, str]:
    """The two lines after a PDF export: (sessions, what the 📄 line says)."""
    exported, pages = r.out.strip().splitlines()
    found = re.fullmatch(rf"📊 (\d+) sessions? exported to {re.escape(str(target))}", exported)
    assert found, exported
    return int(found.group(1)), pages


def test_all_pdf_of_the_hand_counted_file(tmp_path):
    target, r = make_pdf(tmp_path, "--all", *LA, "--source", PF)
    pages, reader = pdf_text(target)
    n = len(pages)
    assert console(r, target) == (
        7,
        f"📄 {n} pages: summary, attention, charts, empty sessions, microsessions, "
        "combined summary, 4 stations, 3 drivers (0 in detail), unclaimed sessions",
    )
    text = "\n".join(pages)
    first = flat(pages[0])
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    assert abs(float(reader.pages[0].mediabox.width) - 792) < 1  # letter, 11 in
    assert "EV Charging Session Report" in first and "Test Garage" in first
    assert "All data: 2025-09-07 to 2025-09-09 (America/Los_Angeles)" in first
    assert "Generated 2026-11-26" in first
    # 7 sessions: no station or driver has enough to be tested, no day has 10; but three
    # health targets are missed (2, 1 and 4 of 7), each an item, never "nothing stands out"
    assert "Nothing stands out" not in first
    assert "empty sessions 28.6% (target < 20%): 8.6 points over" in first
    assert "microsessions 14.3% (target < 5%): 9.3 points over" in first
    assert "normal sessions 57.1% (target > 75%): 17.9 points under" in first
    assert first.index("Needs attention") < first.index("Site health")
    # health: 2 of 7 empty (28.6 %, not met), unclaimed 2 of 7 (28.6 %, met)
    assert re.search(r"Empty sessions 28\.6% < 20% NOT MET", first)
    assert re.search(r"Unclaimed sessions 28\.6% < 30% MET", first)
    assert "All sessions 7" in first and "Average duration 1.7h" in first
    assert images(reader) == 6  # the six charts of --all
    # stations with their average duration: ST-02 (2 h + 5 m) / 2 = 62.5 min
    assert re.search(r"ST-02 A2 2 0\.0% 50\.0% 50\.0% 4\.5 10\.0 1\.0h", flat(text))
    assert re.search(r"ST-01 A1 2 50\.0% 0\.0% 0\.0% 16\.6 20\.0 2\.5h", flat(text))
    # the table of every driver: sessions, empty, micro, normal, kWh, average, last session
    rows = flat(text)
    assert "a@x.com 2 1 0 50.0% 16.6 2.5h 2025-09-07 13:00" in rows
    assert "b@x.com 2 0 0 100.0% 8.3 3.0h 2025-09-08 18:00" in rows
    assert "=cmd@x.com 1 0 0 100.0% 2.1 1.0h 2025-09-09 09:00" in rows
    assert "Unclaimed (no QR scan) 2 1 1 0.0% 0.3 3.0m 2025-09-08 11:00" in rows
    # nobody needs attention: no driver in detail, the unclaimed sessions still listed
    assert "User: " not in text
    assert "No driver has significantly more empty and micro sessions" in rows
    assert "Unclaimed sessions (0.0% normal sessions)" in text
    assert "plugged in without scanning the QR code first" in text
    assert "pf-4" in text and "pf-5" in text and "pf-1" not in text.split("Unclaimed sessions (")[1]
    assert re.search(r"2025-09-07\s+1\s+2\s+50\.0%", text)  # the daily table of empty sessions
    for i, page in enumerate(pages, start=1):
        assert f"Page {i} of {n}" in page
    marks = outline(reader)
    assert [title for _, title, _ in marks] == [
        "Needs attention",
        "Summary",
        "Charts",
        "Empty sessions",
        "Microsessions",
        "Combined summary",
        "Stations",
        "Drivers",
        "Drivers who need attention",
        "Unclaimed sessions",
    ]
    for _, title, page in marks:
        assert title in pages[page - 1], (title, page)


def test_empty_alone_lists_every_empty_session_and_counts_them(tmp_path):
    target, r = make_pdf(tmp_path, "--empty", *LA, "--source", PF)
    pages, reader = pdf_text(target)
    text = flat("\n".join(pages))
    assert console(r, target) == (
        2,
        f"📄 {len(pages)} pages: summary, charts, empty sessions (2 listed)",
    )
    assert "Every empty session (2), oldest first" in text
    assert "1 2025-09-07 13:00:00 ST-01 / A1 a@x.com 1.0h 0 pf-2" in text
    assert "2 2025-09-08 11:00:00 ST-03 / A3 Unclaimed 1.0m 0 pf-5" in text
    assert "pf-4" not in text  # micro, not asked for
    assert "User: " not in text and "Combined summary" not in text
    assert images(reader) == 2  # the daily empty rates and the sessions per day
    assert [(level, title) for level, title, _ in outline(reader)] == [
        (0, "Summary"),
        (0, "Charts"),
        (0, "Empty sessions"),
        (1, "Every empty session (2), oldest first"),
    ]


def test_user_pdf_is_a_driver_report(tmp_path):
    target, r = make_pdf(tmp_path, "--user", "B@x.com", *LA, "--source", PF)
    pages, reader = pdf_text(target)
    text = flat("\n".join(pages))
    # the export is about b's 2 sessions (the unclaimed ones are listed after them, not counted)
    assert console(r, target) == (
        2,
        f"📄 {len(pages)} pages: driver summary, charts, the sessions of b@x.com, "
        "unclaimed sessions",
    )
    first = flat(pages[0])
    assert "Driver report: b@x.com" in first
    # b: 2 of the site's 7; MED 1 and LOW 1 of 2 normal; 6 h / 2 = 3.0 h against 1.7 h
    assert "Sessions 2 7" in first and "Normal (>= 1.0 kWh) 2 100.0% 4 57.1%" in first
    assert "MED (8-15.9 A) 1 50.0% 2 50.0%" in first
    assert "Average duration 3.0h 1.7h" in first
    assert "Last session 2025-09-08 18:00" in first
    assert "Site health" not in text and "a@x.com" not in text and "Drivers (" not in text
    assert "User: b@x.com (100.0% normal sessions)" in text
    assert "All 2 sessions, oldest first." in text
    assert text.index("pf-3") < text.index("pf-6") < text.index("Unclaimed sessions (")
    assert images(reader) == 2  # b's sessions, and b against the site
    assert [(level, title) for level, title, _ in outline(reader)] == [
        (0, "Driver summary"),
        (0, "b@x.com"),
        (0, "Unclaimed sessions"),
    ]


def test_printsessions_lists_every_empty_and_micro_session(tmp_path):
    target, r = make_pdf(tmp_path, "--empty", "--micro", "--printsessions", *LA, "--source", PF)
    pages, reader = pdf_text(target)
    text = flat("\n".join(pages))
    assert console(r, target)[0] == 3  # pf-2, pf-5 empty; pf-4 micro
    assert "Every empty session (2), oldest first" in text
    assert "Every microsession (1), oldest first" in text
    assert "1 2025-09-08 10:00:00 ST-02 / A2 Unclaimed 5.0m 0.3 pf-4" in text
    levels = [(level, title) for level, title, _ in outline(reader)]
    assert levels.index((1, "Every microsession (1), oldest first")) == (
        levels.index((0, "Microsessions")) + 1
    )


def _driver(sid: str, day: int, hour: int, kwh: float, user: str | None = "d@x.com"):
    """A 1-hour session on 2026-03-`day` at `hour`:00 in Los Angeles (PST, UTC-8)."""
    return (sid, user, datetime(2026, 3, day, hour + 8, tzinfo=UTC), 3600, kwh)


# Four weeks of one driver: in 1 h at 208 V, HIGH >= 3.328 kWh, MED >= 1.664, LOW below.
WEEKS = [
    _driver("e1", 2, 9, 0.0),
    _driver("h1", 3, 9, 8.0),
    _driver("m1", 9, 9, 0.4),
    _driver("e2", 16, 9, 0.0),
    _driver("l1", 17, 9, 1.2),
    _driver("e3", 23, 9, 0.0),
    _driver("h2", 24, 9, 8.0),
    _driver("e4", 23, 9, 0.0, None),
    _driver("e5", 5, 9, 0.0, None),
    _driver("m2", 4, 9, 0.5, None),
    _driver("n1", 25, 9, 2.0, None),
]
SEVERITY = {"EMPTY": 0, "MICRO": 1, "LOW": 2, "MED": 3, "HIGH": 4}


def _severity(kwh: float) -> int:
    if kwh == 0:
        return SEVERITY["EMPTY"]
    if kwh < 1:
        return SEVERITY["MICRO"]
    return SEVERITY["HIGH" if kwh >= 3.328 else "MED" if kwh >= 1.664 else "LOW"]


def _listed_order(text: str, ids: set[str]) -> list[str]:
    return [sid for sid in re.findall(r"\b([ehlmn]\d)\b", text) if sid in ids]


def test_worst_first_across_the_whole_window_newest_first_among_equals(tmp_path):
    span = window("custom", "America/Los_Angeles", NOW, date(2026, 3, 1), date(2026, 3, 31))
    report = report_of(WEEKS, span, Options(listings=Listings(cap=3, worst_first=True)))
    target = tmp_path / "w.pdf"
    pages = pdf.render(report, target, charts={})
    text, reader = pdf_text(target)
    assert pages == len(reader.pages)
    driver = flat("\n".join(text)).split("User: d@x.com")[1].split("Unclaimed sessions (")[0]
    mine = [row for row in WEEKS if row[1]]
    # the 3 worst of the 7: the three empty ones, the newest first (weeks 4, 3 and 1)
    expected = sorted(mine, key=lambda row: (_severity(row[4]), -row[2].timestamp()))[:3]
    assert [row[0] for row in expected] == ["e3", "e2", "e1"]
    assert _listed_order(driver, {row[0] for row in mine}) == ["e3", "e2", "e1"]
    assert "Showing the 3 worst of 7 sessions, worst first" in driver
    # the unclaimed: e4 (03-23) and e5 (03-05) empty, m2 micro; n1 (medium) left out
    unclaimed = flat("\n".join(text)).split("Unclaimed sessions (")[1]
    assert _listed_order(unclaimed, {"e4", "e5", "m2", "n1"}) == ["e4", "e5", "m2"]


def test_without_a_cap_every_session_is_listed_oldest_first(tmp_path):
    start = datetime(2026, 3, 2, 16, tzinfo=UTC)
    rows = [(f"s{i:02d}", "d@x.com", start + timedelta(hours=5 * i), 3600, 0.0) for i in range(45)]
    span = window("custom", "America/Los_Angeles", NOW, date(2026, 3, 2), date(2026, 3, 12))
    report = report_of(rows, span, Options(listings=Listings(cap=None, every_session=True)))
    target = tmp_path / "all.pdf"
    pdf.render(report, target, charts={})
    text = flat("\n".join(pdf_text(target)[0]))
    driver = text.split("User: d@x.com")[1]
    assert "All 45 sessions, oldest first." in driver
    assert re.findall(r"\bs\d\d\b", driver) == [f"s{i:02d}" for i in range(45)]
    assert "Every empty session (45), oldest first" in text


def test_attention_on_page_one_red_for_stations_amber_for_drivers(tmp_path):
    """BAD: 12 sessions, all empty, each by another driver; GOOD-1 and GOOD-2 14 normal ones each,
    except sad@x.com's 6 micro sessions there. BAD fails against the rest (Fisher, p far below
    0.01); sad@x.com's 6 of 6 against 12 of the other 34 gives p = C(18,6)/C(40,6) = 0.0048."""
    start = datetime(2026, 3, 2, 16, tzinfo=UTC)
    rows = [
        (f"b{i}", f"u{i}@x.com", start + timedelta(hours=i), 3600, 0.0, "BAD") for i in range(12)
    ]
    for i in range(28):
        user, kwh = ("sad@x.com", 0.5) if i < 6 else (f"g{i}@x.com", 8.0)
        when = start + timedelta(hours=i, minutes=30)
        rows.append((f"g{i}", user, when, 3600, kwh, f"GOOD-{i % 2 + 1}"))
    span = window("custom", "America/Los_Angeles", NOW, date(2026, 3, 2), date(2026, 3, 4))
    report = report_of(rows, span, Options(trends=False, listings=Listings(drivers="needing_help")))
    found = [(a.kind, a.subject) for a in report.attention if a.kind != "health"][:2]
    assert found == [("station", "BAD"), ("driver", "sad@x.com")]
    # 12 empty, 6 micro, 22 normal of 40: three targets missed, each an item
    targets = [a.text for a in report.attention if a.kind == "health"]
    assert targets == [
        "empty sessions 30.0% (target < 20%): 10.0 points over",
        "microsessions 15.0% (target < 5%): 10.0 points over",
        "normal sessions 55.0% (target > 75%): 20.0 points under",
    ]
    target = tmp_path / "a.pdf"
    pdf.render(report, target, charts={})
    reader = PdfReader(str(target))
    first = flat(reader.pages[0].extract_text())
    order = [first.index(t) for t in ("Needs attention", "station BAD", "sad@x.com: 6 of 6")]
    assert order == sorted(order)
    assert "Where to look: check the charger" in first
    stream = reader.pages[0].get_contents().get_data().decode("latin-1")

    def colour_of(start_of_text: str) -> tuple[float, ...]:
        found = re.search(r"([\d.]+) ([\d.]+) ([\d.]+) rg \(" + re.escape(start_of_text), stream)
        assert found, start_of_text
        return tuple(round(float(v), 2) for v in found.groups())

    assert colour_of("station BAD") == (0.78, 0.16, 0.16)  # red, #c62828
    assert colour_of("sad@x.com: 6 of 6") == (0.85, 0.45, 0.05)  # amber, #d9730d
    text = flat("\n".join(p.extract_text() for p in reader.pages))
    assert "User: sad@x.com" in text and "User: g7@x.com" not in text  # detail: sad only
    marks = outline(reader)
    assert (1, "sad@x.com") in [(level, title) for level, title, _ in marks]


def test_data_that_does_not_say_who_charged_has_no_drivers_part(tmp_path):
    span = window("custom", "America/Los_Angeles", NOW, date(2026, 3, 1), date(2026, 3, 31))
    data = replace(dataset(WEEKS), drivers=False)  # 7 sessions of d@x.com, 4 unclaimed
    report = build_report(data, span, Options(), NOW)
    target = tmp_path / "n.pdf"
    pdf.render(report, target, charts={})
    pages, _ = pdf_text(target)
    text = flat("\n".join(pages))
    assert "No driver data: these sessions do not say who charged" in text
    assert "Users no driver data" in flat(pages[0])
    assert "Unclaimed sessions n/a" in flat(pages[0])
    assert "d@x.com" not in text and "Unclaimed sessions (" not in text
    assert pdf.contents(report)[-1] == "no driver data"
    assert pdf.covered(report) == len(WEEKS)


def test_demo_month_is_short_with_every_driver_and_bookmarks(tmp_path):
    target, r = make_pdf(tmp_path, "--all", "--demo", "--range", "month")
    pages, reader = pdf_text(target)
    text = "\n".join(pages)
    assert len(pages) <= 30
    sessions, line = console(r, target)
    found = re.fullmatch(
        rf"📄 {len(pages)} pages: summary, attention, charts, empty sessions, microsessions, "
        r"combined summary, 40 stations, 120 drivers \((\d+) in detail\), unclaimed sessions",
        line,
    )
    assert found, line
    assert re.search(rf"All sessions\s*{sessions}\b", pages[0])
    assert "station DEMO-17" in flat(pages[0])  # the demo's failing station, on page 1
    # the table of all drivers: 120 emails, one line each
    table = text.split("Drivers (120)")[1].split("Drivers who need attention")[0]
    assert len(set(re.findall(r"[\w.]+@example\.com", table))) == 120
    # a bookmark for each driver in detail, on the page that shows them; the unclaimed last
    marks = outline(reader)
    drivers = [(title, page) for level, title, page in marks if level == 1]
    assert len(drivers) == int(found.group(1)) > 0
    for title, page in drivers:
        assert f"User: {title}" in pages[page - 1]
    assert marks[-1][1] == "Unclaimed sessions"
    assert "Unclaimed sessions (" in pages[marks[-1][2] - 1]
    # the unclaimed listing: the 40 worst of the window, worst first, the newest first among
    # equals, numbered by their place in the whole window
    unclaimed = text.split("Unclaimed sessions (")[1]
    total = int(re.search(r"Showing the 40 worst of (\d+) sessions", flat(unclaimed)).group(1))
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    rows = re.findall(
        rf"(\d+) ({when}) {when} (?:\S+ ){{1,3}}?(EMPTY|MICRO|NORMAL-LOW|NORMAL-MED|NORMAL-HIGH)",
        flat(unclaimed),
    )
    assert len(rows) == 40 and total > 40
    keys = [(SEVERITY[label.replace("NORMAL-", "")], start) for _, start, label in rows]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
    for (s1, t1), (s2, t2) in pairwise(keys):
        assert s1 < s2 or t1 >= t2
    assert all(1 <= int(n) <= total for n, _, _ in rows)
    assert "Every empty session" not in text  # that is --printsessions


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_logo_is_placed_without_distortion(tmp_path):
    logo = tmp_path / "pf.png"
    # a 300 x 100 PNG, written by hand
    raw = b"".join(b"\x00" + b"\x20\x60\xa0" * 300 for _ in range(100))
    png = b"\x89PNG\r\n\x1a\n"
    for kind, body in (
        (b"IHDR", struct.pack(">IIBBBBB", 300, 100, 8, 2, 0, 0, 0)),
        (b"IDAT", zlib.compress(raw)),
        (b"IEND", b""),
    ):
        png += struct.pack(">I", len(body)) + kind + body
        png += struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    logo.write_bytes(png)
    assert _png_size(png) == (300, 100)
    target, _ = make_pdf(tmp_path, "--stations", *LA, "--source", PF, "--logo", str(logo))
    page = PdfReader(str(target)).pages[0]
    sizes = [(img.image.width, img.image.height) for img in page.images]
    assert (300, 100) in sizes


def test_a_bad_logo_is_one_sentence(tmp_path):
    bad = tmp_path / "logo.jpg"
    bad.write_text("not an image")
    r = run_cli("--all", "--pdf", "--no-input", *LA, "--source", PF, "--logo", str(bad))
    assert r.code == 1 and "The logo" in r.err and "--logo" in r.err


def test_pdf_of_the_real_acn_data(tmp_path):
    path = shared_file("acn-caltech-2020-api-pages.json")
    target, r = make_pdf(tmp_path, "--all", "--source", str(path))
    assert "📊 2466 sessions exported" in r.out
    pages, _ = pdf_text(target)
    text = "\n".join(pages)
    assert "Caltech, Pasadena, CA" in pages[0]
    assert re.search(r"All sessions\s*2466", pages[0])
    assert "Unclaimed sessions" in text
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert f"📄 {len(pages)} pages: " in r.out


@pytest.mark.parametrize("flag", ["--csv", "--graph"])
def test_pdf_rules(flag):
    r = run_cli("--all", "--pdf", flag, "--demo", "--no-input")
    assert r.code == 2


def test_the_pdf_gets_the_usual_file_permissions(tmp_path):
    import os

    target, _ = make_pdf(tmp_path, "--stations", *LA, "--source", PF)
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_the_drivers_table_has_its_header_at_the_top_of_each_page_only(tmp_path):
    """The demo month's 120 drivers run over pages: each of those pages starts with the
    table's header, and no page shows it twice (a header in the middle of a page)."""
    target = tmp_path / "m.pdf"
    r = run_cli(
        "--all",
        "--pdf",
        "--demo",
        "--range",
        "month",
        "--no-input",
        "--output",
        str(target),
        now=NOW,
    )
    assert r.code == 0, r.err
    header = "Driver Sessions Empty Micro Normal kWh Avg duration Last session"
    pages = [flat(p.extract_text()) for p in PdfReader(str(target)).pages]
    with_table = [p for p in pages if header in p]
    assert len(with_table) >= 2  # the table runs over pages
    assert all(p.count(header) == 1 for p in with_table)
