"""The PDF report, read back with pypdf: headings, totals, every user, numbering, tables."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import UTC, datetime

import pytest
from conftest import DATA, run_cli, shared_file
from pypdf import PdfReader

PF = str(DATA / "powerflex_rows.json")
LA = ("--tz", "America/Los_Angeles")
NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)


def pdf_text(path) -> tuple[list[str], PdfReader]:
    reader = PdfReader(str(path))
    return [page.extract_text() for page in reader.pages], reader


def make_pdf(tmp_path, *args: str, name: str = "r.pdf"):
    target = tmp_path / name
    r = run_cli(*args, "--pdf", "--no-input", "--output", str(target), now=NOW)
    assert r.code == 0, r.err
    return target, r


def test_all_pdf_of_the_hand_counted_file(tmp_path):
    target, r = make_pdf(tmp_path, "--all", *LA, "--source", PF)
    assert r.out.strip() == f"📊 7 sessions exported to {target}"
    pages, reader = pdf_text(target)
    text = "\n".join(pages)
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    assert abs(float(reader.pages[0].mediabox.width) - 792) < 1  # letter, 11 in
    assert "EV Charging Session Report" in pages[0]
    assert "Test Garage" in pages[0]
    assert "All data: 2025-09-07 to 2025-09-09 (America/Los_Angeles)" in pages[0]
    assert "Generated 2026-11-26" in pages[0]
    for heading in ("Summary", "Empty sessions", "Microsessions", "Combined summary"):
        assert heading in text
    # health: 2 of 7 empty (28.6 %, not met), unclaimed 2 of 7 (28.6 %, met)
    assert re.search(r"Empty sessions\s*28\.6%\s*< 20%\s*NOT MET", pages[0])
    assert re.search(r"Unclaimed sessions\s*28\.6%\s*< 30%\s*MET", pages[0])
    assert re.search(r"All sessions\s*7", pages[0])
    for user in ("User: =cmd@x.com", "User: a@x.com", "User: b@x.com"):
        assert user in text
    assert "Unclaimed sessions (0.0% normal sessions)" in text
    assert "plugged in without scanning the QR code first" in text
    assert text.index("User: b@x.com") < text.index("Unclaimed sessions (0.0%")
    assert "pf-6" in text and "NORMAL-LOW" in text and "pf-4" in text
    assert "2025-09-08 18:00:00" in text  # pf-6 in local time
    n = len(pages)
    for i, page in enumerate(pages, start=1):
        assert f"Page {i} of {n}" in page
    assert "2025-09-07: " not in text  # the terminal's daily lines are a table here
    assert re.search(r"2025-09-07\s+1\s+2\s+50\.0%", text)


def test_only_what_the_flags_asked_for(tmp_path):
    target, _ = make_pdf(tmp_path, "--empty", *LA, "--source", PF)
    text = "\n".join(pdf_text(target)[0])
    assert "Empty sessions" in text and "Summary" in text
    assert "User: a@x.com" not in text and "Combined summary" not in text


def test_user_pdf_names_only_that_user_then_unclaimed(tmp_path):
    target, _ = make_pdf(tmp_path, "--user", "b@x.com", *LA, "--source", PF)
    text = "\n".join(pdf_text(target)[0])
    assert "User: b@x.com" in text and "User: a@x.com" not in text
    assert text.index("User: b@x.com") < text.index("Unclaimed sessions (")


def test_big_listings_show_the_worst_sessions_and_point_to_the_csv(tmp_path):
    target, _ = make_pdf(tmp_path, "--all", "--demo", "--range", "month")
    pages, _ = pdf_text(target)
    text = "\n".join(pages)
    found = re.search(r"Showing the 40 worst of (\d+) sessions, worst first; the other (\d+)", text)
    assert found and int(found.group(1)) - 40 == int(found.group(2))
    assert "in the CSV export" in text
    # every page of the user sections has the table header, repeated on continued tables
    first = next(i for i, page in enumerate(pages) if "Sessions by user" in page)
    assert all("Session ID" in page for page in pages[first:])
    assert len(pages) - first > 50  # 121 listings of up to 40 rows run over many pages


def test_page_count_is_stable_for_a_known_data_set(tmp_path):
    # Looked at: page 1 header, health, totals, two charts; page 2 the other four charts;
    # page 3 the empty, micro and combined sections; page 4 the stations and the users;
    # page 5 the unclaimed sessions.
    first, _ = make_pdf(tmp_path, "--all", *LA, "--source", PF, name="a.pdf")
    second, _ = make_pdf(tmp_path, "--all", *LA, "--source", PF, name="b.pdf")
    assert len(PdfReader(str(first)).pages) == len(PdfReader(str(second)).pages) == 5


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_logo_is_placed_without_distortion(tmp_path, monkeypatch):
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
    target, _ = make_pdf(tmp_path, "--all", *LA, "--source", PF, "--logo", str(logo))
    page = PdfReader(str(target)).pages[0]
    images = list(page.images)
    sizes = [(img.image.width, img.image.height) for img in images]
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


@pytest.mark.parametrize("flag", ["--csv", "--graph"])
def test_pdf_rules(flag):
    r = run_cli("--all", "--pdf", flag, "--demo", "--no-input")
    assert r.code == 2


def test_the_pdf_gets_the_usual_file_permissions(tmp_path):
    import os

    target, _ = make_pdf(tmp_path, "--empty", *LA, "--source", PF)
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
