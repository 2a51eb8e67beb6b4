"""The report a site manager acts on: what needs attention first (drivers who need help and
days with a spike, tested like the stations; unclaimed sessions that breach or rise), listings
of the most recent sessions, --printsessions, where empty and micro sessions happen, average
durations, tables never cut at 80 columns, a pager only on a real terminal, 16-colour yellow,
plurals, and the README's examples working as written."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from conftest import DATA, ROOT, run_cli
from helpers import brute_tail, report_of
from rich.console import Console

from seshis.analysis import Listings, Options, Sections
from seshis.dates import window
from seshis.render import jsonout, terminal
from seshis.render.common.wording import where_to_look

H = 3600
T0 = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 08:00 in Los Angeles
SPAN = window("custom", "America/Los_Angeles", T0, T0.date(), T0.date() + timedelta(days=9))


def holm(ps: list[float]) -> list[float]:
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    out, running = [0.0] * len(ps), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(ps) - rank) * ps[i]))
        out[i] = running
    return out


def site() -> list[tuple]:
    """Ten days; eight drivers charge well (one session a day each, 20 A); help@x.com has 12
    sessions of which 9 failed; once@x.com 1 failed of 2; day 5 has a burst of 12 empty
    sessions (unclaimed, on many stations)."""
    rows = []
    for day in range(10):
        for i in range(8):
            start = T0 + timedelta(days=day, hours=i)
            rows.append((f"g{day}-{i}", f"d{i}@x.com", start, 2 * H, 8.32, f"ST-{i}"))
    for j in range(12):
        kwh = 0.0 if j < 6 else 0.4 if j < 9 else 8.32
        rows.append(
            (f"h{j}", "help@x.com", T0 + timedelta(days=j % 10, hours=9), 2 * H, kwh, "ST-8")
        )
    rows.append(("o1", "once@x.com", T0 + timedelta(days=1, hours=10), 1 * H, 0.0, "ST-9"))
    rows.append(("o2", "once@x.com", T0 + timedelta(days=2, hours=10), 2 * H, 8.32, "ST-9"))
    for j in range(12):
        rows.append(
            (f"s{j}", None, T0 + timedelta(days=5, hours=11, minutes=j), 600, 0.0, f"ST-{j % 8}")
        )
    return rows


@pytest.fixture(scope="module")
def report():
    return report_of(site(), SPAN, Options())


def test_a_driver_who_needs_help_is_tested_against_the_rest(report):
    """help@x.com: 9 of 12 failed; the site: 9 + 1 + 12 = 22 of 106. Tested drivers (at least 5
    sessions): d0..d7 (10 each, 0 failed) and help@x.com; once@x.com (2) is too few."""
    population, failed = 80 + 12 + 2 + 12, 9 + 1 + 12
    ps = [brute_tail(0, 10, failed, population)] * 8 + [brute_tail(9, 12, failed, population)]
    adjusted = holm(ps)
    assert adjusted[-1] < 0.01 and all(p >= 0.01 for p in adjusted[:-1])
    assert report.needing_help == ("help@x.com",)
    drivers = [a for a in report.attention if a.kind == "driver"]
    assert [a.subject for a in drivers] == ["help@x.com"]
    rest = round(100 * (failed - 9) / (population - 12))
    assert (
        drivers[0].text
        == f"help@x.com: 9 of 12 sessions empty or micro (75%); rest of the site {rest}%"
    )
    assert "seshis --user help@x.com" in where_to_look(drivers[0])


def test_a_day_with_a_spike_is_named(report):
    """Day 5 (2026-03-07 local): 8 + 1 (help, day 5: h5 empty) + 12 = 21 sessions, 13 failed."""
    days = [a for a in report.attention if a.kind == "day"]
    assert [a.subject for a in days] == ["2026-03-07"]
    assert days[0].text.startswith("2026-03-07: 13 of 21 sessions empty or micro (62%)")
    assert "--start 2026-03-07 --end 2026-03-07" in where_to_look(days[0])


def test_unclaimed_sessions_that_rise_need_attention():
    """The previous window has no unclaimed session; this one has 12 of 106 (11.3%): under the
    30% target, but up more than 5 points."""
    rows = [*site(), ("p1", "d0@x.com", T0 - timedelta(days=3), 2 * H, 8.32, "ST-0")]
    r = report_of(rows, SPAN, Options())
    found = [a for a in r.attention if a.kind == "unclaimed"]
    assert len(found) == 1
    assert found[0].text == "unclaimed sessions 11.3%, up from 0.0% in the previous window"
    assert "check the signs at" in where_to_look(found[0])


def test_a_quiet_site_needs_nothing():
    rows = [
        (f"q{i}", f"d{i % 4}@x.com", T0 + timedelta(hours=3 * i), 2 * H, 8.32) for i in range(40)
    ]
    r = report_of(rows, SPAN, Options())
    assert r.attention == () and r.needing_help == ()


def render_text(report, width: int = 100) -> str:
    buffer = io.StringIO()
    terminal.render(report, Console(file=buffer, width=width, no_color=True, highlight=False))
    return buffer.getvalue()


def test_needs_attention_comes_first_and_the_health_closes_a_long_report(report):
    text = render_text(report)
    lines = text.splitlines()
    assert lines[3] == "🚨 NEEDS ATTENTION"
    assert "    • help@x.com: 9 of 12 sessions empty or micro (75%)" in text
    assert text.index("NEEDS ATTENTION") < text.index("SITE HEALTH") < text.index("🔌 STATIONS")
    closing = text.rindex("🏥 SITE HEALTH — ")
    assert closing > text.index("👥 User Session Summary")
    n = len(report.attention)
    assert n > 1 and f"🚨 {n} items above need attention" in text[closing:]


def test_json_has_the_attention_list(report):
    buffer = io.StringIO()
    jsonout.render(report, buffer)
    import json

    doc = json.loads(buffer.getvalue())
    kinds = [(a["kind"], a["subject"]) for a in doc["attention"]]
    assert ("driver", "help@x.com") in kinds and ("day", "2026-03-07") in kinds
    help_row = next(u for u in doc["users"] if u["user"] == "help@x.com")
    assert help_row["needs_help"] is True


def test_empty_says_where_and_printsessions_lists_every_empty_session(report):
    opts = Options(
        sections=Sections(empty=True, micro=False, users=False, health=False, stations=False),
        listings=Listings(every_session=True),
    )
    r = report_of(site(), SPAN, opts)
    text = render_text(r)
    assert "📍 The stations with the most empty sessions:" in text
    assert "    ST-8: 6 of 12 sessions (50%)" in text  # help@x.com's six empty sessions
    assert "📍 The drivers with the most empty sessions:" in text
    assert "    🔓 unclaimed: 12 of 12 sessions (100%)" in text
    every = [line for line in text.splitlines() if line.startswith("    2026-")]
    assert len(every) == 6 + 1 + 12  # help's six, once's one, the burst of twelve
    assert any("· ST-9 · once@x.com · 1.0h · 0 kWh · o1" in line for line in every)


def test_average_durations(report):
    text = render_text(report)
    # the site: 80 x 2 h + help 12 x 2 h + once 1 h + 2 h + 12 x 10 min = 189 h / 106
    assert f"average {189 / 106:.1f}h plugged in" in text
    assert "    Average duration: 2.0h" in text  # help@x.com, every session 2 h


def test_nothing_is_cut_at_80_columns_or_narrower(report):
    for width in (80, 60):
        text = render_text(report, width)
        table = text[text.index("🔌 STATIONS") : text.index("⚠️  SUSPECT")]
        assert "…" not in table  # no ellipsized cell
        for line in table.splitlines():
            assert len(line) <= width, line
        assert "ST-8" in table and "Util" in table
        if width == 60:  # too narrow for one table: the columns go on below, whole
            assert table.count("    Station") == 2


def test_plurals():
    rows = [("only", "solo@x.com", T0, 2 * H, 8.32)]
    text = render_text(report_of(rows, SPAN, Options()))
    assert "Showing 1 session:" in text
    assert "📊 1 session · 8 kWh · 1 driver · " in text


def test_micro_and_med_are_yellow_on_16_colours():
    rows = [("m", "a@x.com", T0, H, 0.5), ("e", "a@x.com", T0 + timedelta(hours=2), H, 0.0)]
    buffer = io.StringIO()
    out = Console(file=buffer, width=120, force_terminal=True, color_system="standard")
    terminal.render(report_of(rows, SPAN, Options()), out)
    lines = buffer.getvalue().splitlines()
    micro = next(line for line in lines if "[MICRO]" in line)
    empty = next(line for line in lines if "[EMPTY]" in line)
    assert "\x1b[33m" in micro and "\x1b[31m" not in micro  # yellow, as the original's 93m
    assert "\x1b[31m" in empty  # EMPTY stays red


def test_piped_output_is_plain(report):
    r = run_cli("--all", "--demo", "--no-input", "--range", "week")
    assert "\x1b[" not in r.out and r.out.count("\n") > 50


# --- the pager, only on a real terminal ----------------------------------------------------------


def pty_run(*args: str, env_extra: dict) -> bytes:
    """seshis on a pseudo-terminal: its stdout is a real terminal."""
    import pty

    env = {**os.environ, "COLUMNS": "100", "LINES": "30", **env_extra}
    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.chdir(ROOT)
        os.execvpe(sys.executable, [sys.executable, "-m", "seshis", *args], env)
    output = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.waitpid(pid, 0)
    return output


@pytest.mark.parametrize(
    ("extra", "lines", "paged"),
    [((), "30", True), (("--no-pager",), "30", False), ((), "500", False)],
    ids=["long", "no-pager", "fits-the-screen"],
)
def test_a_long_report_is_paged_on_a_terminal(tmp_path, extra, lines, paged):
    marker = tmp_path / "paged.txt"
    pager = tmp_path / "pager.sh"
    pager.write_text(f"#!/bin/sh\ncat > {marker}\n")
    pager.chmod(0o755)
    args = ("--all", "--demo", "--no-input", "--range", "week", *extra)
    output = pty_run(*args, env_extra={"PAGER": str(pager), "LINES": lines})
    assert marker.exists() is paged
    if paged:
        assert "NEEDS ATTENTION" in marker.read_text() and b"NEEDS ATTENTION" not in output
    else:
        assert b"SESHIS" in output


def test_never_paged_when_piped(tmp_path):
    marker = tmp_path / "paged.txt"
    env = {**os.environ, "PAGER": f"sh -c 'cat > {marker}'"}
    done = subprocess.run(
        [sys.executable, "-m", "seshis", "--all", "--demo", "--no-input", "--range", "week"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert not marker.exists() and "NEEDS ATTENTION" in done.stdout


def test_a_path_with_a_dash_word_is_not_a_single_dash_flag():
    r = run_cli("--all", "--no-input", "--profile-x", "x/sap-labs-france.toml")
    assert r.code == 2 and "Use double dashes" not in r.err
    r = run_cli("--all", "-pdf")
    assert "Use double dashes: --pdf not -pdf" in r.err


def test_missing_dependencies_say_how_to_install():
    code = (
        "import sys; sys.modules['duckdb'] = None; sys.argv = ['seshis', '--all', '--demo'];"
        "from seshis.cli import main; sys.exit(main())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "seshis needs duckdb, which is not installed. Run `make demo`" in done.stderr
    assert "Unexpected error" not in done.stderr and "Traceback" not in done.stderr


def test_the_readme_examples_work_as_written(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash", 2)[2].split("```", 1)[0]  # the examples after set-up
    examples = [line.split("#")[0].split() for line in block.strip().splitlines()]
    assert len(examples) >= 5
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    monkeypatch.chdir(tmp_path)
    for words in examples:
        assert words[0] == "seshis"
        r = run_cli(*words[1:], "--no-input")
        assert r.code == 0, (words, r.err)


def test_data_is_where_the_readme_says():
    assert (DATA / "acn.csv").exists() and re.search(
        r"tests/data/acn\.csv", (ROOT / "README.md").read_text()
    )
