"""Charts: the plotted numbers against a hand-made session list, PNG files written atomically,
empty and one-day ranges, and matplotlib kept out of `import seshis`.

The sessions below, in America/Los_Angeles local time (PST, UTC-8, before 2026-03-08):
  03-02  a1 alice 08:10 2 h 8.32 kWh = 20 A HIGH    a2 alice 09:30 0 kWh EMPTY
         b1 bob 08:45 0.5 kWh MICRO                 u1 unclaimed 13:05 0 kWh EMPTY
  03-03  c1 carol 08:20 2 h 4.16 kWh = 10 A MED     b2 bob 17:00 4 h 4.16 kWh = 5 A LOW
         u2 unclaimed 08:50 0.2 kWh MICRO
  03-04  nothing
  03-05  c2 carol 23:30 1 h 3.328 kWh = 16 A HIGH   l1 (long email) 00:15 2 h 8.32 kWh HIGH
"""

from __future__ import annotations

import struct
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import DATA, run_cli
from helpers import T0, report_of

from seshis.analysis import Listings, Options, Report, Sections
from seshis.dates import DateRange, window
from seshis.errors import ExportError, UsageError
from seshis.render import charts

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LONG = "a.very.long.email.address.for.testing@example.com"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NO_STATIONS = Options(stations=False, sections=Sections(stations=False))  # the five charts


def local(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=LA)


# (session_id, user, local start, duration in seconds, kWh)
SESSIONS = [
    ("a1", "alice@x.com", local(2, 8, 10), 7200, 8.32),
    ("a2", "alice@x.com", local(2, 9, 30), 600, 0.0),
    ("b1", "bob@x.com", local(2, 8, 45), 3600, 0.5),
    ("u1", None, local(2, 13, 5), 3600, 0.0),
    ("c1", "carol@x.com", local(3, 8, 20), 7200, 4.16),
    ("b2", "bob@x.com", local(3, 17, 0), 14400, 4.16),
    ("u2", None, local(3, 8, 50), 1800, 0.2),
    ("c2", "carol@x.com", local(5, 23, 30), 3600, 3.328),
    ("l1", LONG, local(5, 0, 15), 7200, 8.32),
]
FIRST, LAST = date(2026, 3, 2), date(2026, 3, 5)


def kind(kwh: float, seconds: int) -> tuple[str, str | None]:
    """Category and band from DESIGN.md, in plain Python (1 kWh threshold, 208 V)."""
    if kwh == 0:
        return "EMPTY", None
    if kwh < 1.0:
        return "MICRO", None
    amps = kwh * 1000 / (seconds / 3600 * 208)
    return "NORMAL", "HIGH" if amps >= 16 else "MED" if amps >= 8 else "LOW"


def summary_of(rows=SESSIONS, first=FIRST, last=LAST) -> Report:
    span = window("custom", "America/Los_Angeles", NOW, first, last)
    return report_of(rows, span, NO_STATIONS, location="Pasadena, CA")


@pytest.fixture(scope="module")
def data() -> dict[str, charts.ChartData]:
    return charts.chart_data(summary_of())


def days() -> list[date]:
    return [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


def per(key) -> dict:
    """{group: Counter of categories} over SESSIONS grouped by key(row)."""
    groups: dict = {}
    for row in SESSIONS:
        groups.setdefault(key(row), Counter())[kind(row[4], row[3])[0]] += 1
    return groups


def test_names_and_chart_data_cover_every_chart(data):
    assert charts.NAMES == ("daily_rates", "daily_sessions", "top_users", "performance", "hourly")
    assert tuple(data) == charts.NAMES
    assert all(item.name == name and item.title and not item.note for name, item in data.items())


def test_daily_sessions_count_every_day_of_the_window(data):
    by_day = per(lambda row: row[2].date())
    item = data["daily_sessions"]
    assert item.x == tuple(days())
    assert item.x_labels == ("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05")
    for cat in ("EMPTY", "MICRO", "NORMAL"):
        assert item.values(cat) == tuple(by_day.get(day, Counter())[cat] for day in days())
    assert item.values("EMPTY") == (2, 0, 0, 0)  # the hand count, as a check on the helper


def test_daily_rates_are_percent_of_each_days_sessions(data):
    by_day = per(lambda row: row[2].date())
    item = data["daily_rates"]
    assert item.x == tuple(days())
    for cat in ("EMPTY", "MICRO"):
        expected = [
            100 * by_day[day][cat] / sum(by_day[day].values()) if day in by_day else None
            for day in days()
        ]
        assert item.values(cat) == pytest.approx(expected)
    assert item.values("EMPTY")[:2] == pytest.approx((50.0, 0.0))
    assert item.values("MICRO")[2] is None  # 03-04 has no sessions: no rate, a gap in the line
    assert [y for _, y, _ in item.targets] == [20.0, 5.0]
    assert item.y_label == "% of sessions"


def test_long_ranges_add_a_seven_day_average():
    item = charts.chart_data(summary_of(last=date(2026, 4, 30)))["daily_rates"]
    assert len(item.x) == 60
    avg = dict(zip(item.x, item.values("EMPTY_7D"), strict=True))
    # 03-05: the week 02-27..03-05 holds all nine sessions, two of them empty.
    assert avg[date(2026, 3, 5)] == pytest.approx(100 * 2 / 9)
    assert avg[date(2026, 3, 10)] == 0.0  # 03-04..03-10: only the two 03-05 sessions
    assert avg[date(2026, 3, 12)] is None  # 03-06..03-12: no sessions
    short = charts.chart_data(summary_of())["daily_rates"]
    assert {s.key for s in short.series} == {"EMPTY", "MICRO"}


def test_hourly_counts_by_local_hour_of_start(data):
    by_hour = per(lambda row: row[2].hour)
    item = data["hourly"]
    assert item.x == tuple(range(24))
    assert item.x_label == "Hour of day (America/Los_Angeles)"
    for cat in ("EMPTY", "MICRO", "NORMAL"):
        assert item.values(cat) == tuple(by_hour.get(h, Counter())[cat] for h in range(24))
    assert sum(item.values("NORMAL")) == 5


def test_performance_counts_bands_of_normal_sessions(data):
    bands = Counter(kind(kwh, sec)[1] for *_, sec, kwh in SESSIONS)
    normal = bands["HIGH"] + bands["MED"] + bands["LOW"]
    item = data["performance"]
    assert item.x == ("HIGH", "MED", "LOW")
    assert item.values("NORMAL") == (bands["HIGH"], bands["MED"], bands["LOW"]) == (3, 1, 1)
    assert item.values("PCT") == pytest.approx(
        [100 * bands[b] / normal for b in ("HIGH", "MED", "LOW")]
    )


def test_top_users_by_sessions_ties_by_email_unclaimed_last(data):
    by_user = per(lambda row: row[1])
    claimed = sorted((u for u in by_user if u), key=lambda u: (-sum(by_user[u].values()), u))
    item = data["top_users"]
    assert item.x == (*claimed, None)
    assert item.x == ("alice@x.com", "bob@x.com", "carol@x.com", LONG, None)
    assert item.x_labels[-1] == "Unclaimed"
    for cat in ("EMPTY", "MICRO", "NORMAL"):
        assert item.values(cat) == tuple(by_user[u][cat] for u in item.x)
    long_label = item.x_labels[3]
    assert long_label.endswith("…") and len(long_label) <= charts.EMAIL_WIDTH
    assert LONG.startswith(long_label[:-1])


def test_top_users_caps_at_top_and_keeps_unclaimed():
    item = charts.chart_data(summary_of(), top=2)["top_users"]
    assert item.x == ("alice@x.com", "bob@x.com", None)
    assert item.title == "Top 2 of 4 users by sessions"
    claimed_only = [row for row in SESSIONS if row[1]]
    item = charts.chart_data(summary_of(claimed_only), top=2)["top_users"]
    assert None not in item.x and len(item.x) == 2


def png_size(blob: bytes) -> tuple[int, int]:
    assert blob[:8] == PNG_SIGNATURE
    length, chunk = struct.unpack(">I4s", blob[8:16])
    assert (length, chunk) == (13, b"IHDR")
    return struct.unpack(">II", blob[16:24])


def test_save_all_writes_five_pngs_atomically(tmp_path):
    folder = tmp_path / "new" / "charts"
    paths = charts.render(summary_of(), folder, stamp="2026_03_10_120000")
    assert paths == [folder / f"2026_03_10_120000_{name}.png" for name in charts.NAMES]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)
    for path in paths:
        assert png_size(path.read_bytes()) == (1000, 560)
    again = charts.render(summary_of(), folder, stamp="2026_03_10_120000")  # replaces in place
    assert again == paths and len(list(folder.iterdir())) == 5


def test_save_all_into_a_file_is_an_export_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="Cannot write the charts in"):
        charts.render(summary_of(), blocker, stamp="s")


def test_png_bytes_and_figure_size():
    summary = summary_of()
    assert png_size(charts.png_bytes(summary, "performance")) == (1500, 840)
    fig = charts.figure(summary, "daily_rates")
    assert tuple(fig.get_size_inches()) == (10.0, 5.6)
    texts = [t.get_text() for t in fig.texts]
    assert texts[0] == "Empty sessions and microsessions per day"
    assert texts[1] == (
        "Test Site (Pasadena, CA) · Custom: 2026-03-02 to 2026-03-05 (America/Los_Angeles)"
    )
    assert fig.axes[0].get_ylabel() == "% of sessions"


def test_unknown_chart_name_is_a_usage_error():
    with pytest.raises(UsageError, match="Unknown chart 'pie'"):
        charts.figure(summary_of(), "pie")


@pytest.mark.parametrize(
    "span",
    [
        window("custom", "America/Los_Angeles", NOW, FIRST, LAST),
        DateRange(NOW, NOW, "UTC", "all"),
    ],
    ids=["custom", "all"],
)
def test_no_sessions_draws_empty_charts_that_say_so(span):
    summary = report_of([], span, NO_STATIONS, site="Empty Site")
    for name, item in charts.chart_data(summary).items():
        assert item.note == charts.NO_SESSIONS
        fig = charts.figure(summary, name)
        assert charts.NO_SESSIONS in [t.get_text() for t in fig.axes[0].texts]
        assert png_size(charts.png_bytes(summary, name, dpi=50)) == (500, 280)


def test_one_day_draws_every_chart():
    today = window(
        "today", "America/Los_Angeles", datetime(2026, 3, 4, 7, 30, tzinfo=UTC)
    )  # 23:30 PST
    summary = report_of(SESSIONS, today, NO_STATIONS)
    item = charts.chart_data(summary)["daily_sessions"]
    assert item.x == (date(2026, 3, 3),)
    assert [item.values(c) for c in ("EMPTY", "MICRO", "NORMAL")] == [(0,), (1,), (2,)]
    for name in charts.NAMES:
        assert png_size(charts.png_bytes(summary, name, dpi=50)) == (500, 280)


def test_normal_free_range_says_so_in_performance():
    rows = [row for row in SESSIONS if kind(row[4], row[3])[0] != "NORMAL"]
    item = charts.chart_data(summary_of(rows))["performance"]
    assert item.note == "No normal sessions in this date range"
    assert png_size(charts.png_bytes(summary_of(rows), "performance", dpi=50)) == (500, 280)


def test_import_seshis_does_not_import_matplotlib():
    code = "import seshis, seshis.analysis; import sys; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    code = "import seshis.render.charts; import sys; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


# --- the charts follow the flags ---------------------------------------------------------------

ONLY = {"empty": False, "micro": False, "users": False, "health": False, "stations": False}
DAILY = ("daily_rates", "daily_sessions")


@pytest.mark.parametrize(
    ("asked", "names"),
    [
        ({}, (*charts.NAMES, "stations")),  # --all
        ({"empty": True, "micro": True}, DAILY),  # the seed's weekly trend
        ({"micro": True}, DAILY),
        ({"users": True}, ("top_users", "performance")),  # --user
        ({"stations": True}, ("stations",)),
        ({"empty": True, "stations": True}, (*DAILY, "stations")),
        ({"none": True}, (*charts.NAMES, "stations")),  # --graph alone: everything
    ],
    ids=["all", "empty-micro", "micro", "users", "stations", "empty-stations", "none"],
)
def test_the_charts_follow_the_flags(asked, names):
    if asked:
        sections = Sections(**{**ONLY, **{k: v for k, v in asked.items() if k != "none"}})
    else:
        sections = Sections()
    report = report_of(SESSIONS, summary_of().window, Options(sections=sections))
    assert charts.names_for(report) == names


def test_empty_alone_plots_the_empty_rate_only():
    only_empty = Options(sections=Sections(**{**ONLY, "empty": True}))
    item = charts.chart_data(report_of(SESSIONS, summary_of().window, only_empty))["daily_rates"]
    assert [s.key for s in item.series] == ["EMPTY"]
    assert item.title == "Empty sessions per day"
    assert [(label, y) for label, y, _ in item.targets] == [("Empty target (< 20%)", 20.0)]
    only_micro = Options(sections=Sections(**{**ONLY, "micro": True}))
    item = charts.chart_data(report_of(SESSIONS, summary_of().window, only_micro))["daily_rates"]
    assert [s.key for s in item.series] == ["MICRO"] and item.title == "Microsessions per day"
    assert item.values("MICRO")[:2] == pytest.approx((25.0, 100 / 3))  # b1 of 4, u2 of 3


# --- days the window covers only in part --------------------------------------------------------


def week_to(day: int, hour: int) -> Report:
    """Last week, up to `hour`:00 of 2026-03-`day` in Los Angeles."""
    return report_of(
        SESSIONS, window("week", "America/Los_Angeles", local(day, hour, 0)), NO_STATIONS
    )


def test_a_partial_first_day_without_sessions_is_not_drawn():
    # 03-02 14:00 to 03-09 14:00: every 03-02 session started before 14:00, and 03-09 has none
    item = charts.chart_data(week_to(9, 14))["daily_sessions"]
    first = local(2, 14, 0)
    inside = [row for row in SESSIONS if row[2] >= first]
    assert item.x == tuple(date(2026, 3, d) for d in range(3, 9))  # not 03-02, not 03-09
    assert item.partial == ("",) * 6
    by_day = Counter(row[2].date() for row in inside)
    assert tuple(sum(v) for v in zip(*(s.values for s in item.series), strict=True)) == tuple(
        by_day[day] for day in item.x
    )


def test_a_partial_first_day_with_sessions_is_marked():
    # 03-02 12:00 to 03-09 12:00: on 03-02 only u1 (13:05, empty) is inside
    report = week_to(9, 12)
    item = charts.chart_data(report)["daily_sessions"]
    assert item.x[0] == date(2026, 3, 2) and item.x[-1] == date(2026, 3, 8)
    assert item.partial[0] == "from 12:00" and set(item.partial[1:]) == {""}
    assert [item.values(c)[0] for c in ("EMPTY", "MICRO", "NORMAL")] == [1, 0, 0]
    rates = charts.chart_data(report)["daily_rates"]
    assert rates.partial == item.partial and rates.values("EMPTY")[0] == 100.0
    ax = charts.figure(report, "daily_sessions").axes[0]
    assert ax.get_xticklabels()[0].get_text() == "Mon\nMar 2\n(from 12:00)"
    assert "Partial day: from 12:00" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_today_is_one_partial_day():
    today = window("today", "America/Los_Angeles", local(3, 18, 30))
    item = charts.chart_data(report_of(SESSIONS, today, NO_STATIONS))["daily_sessions"]
    assert item.x == (date(2026, 3, 3),) and item.partial == ("00:00–18:30",)
    assert [item.values(c) for c in ("EMPTY", "MICRO", "NORMAL")] == [(0,), (1,), (2,)]


# --- the stations chart: labels clear of the site line ----------------------------------------


def test_station_labels_stay_clear_of_the_site_line():
    # six stations of 10 sessions with 1, 2, 2, 3, 3 and 9 empty: the site is at 20/60 = 33 %,
    # just right of the 30 % bars, where their labels would be
    rows = [
        (f"s{s}-{i}", f"u{s}@x.com", T0 + timedelta(minutes=10 * (10 * s + i)), 3600, kwh, f"S{s}")
        for s, bad in enumerate((1, 2, 2, 3, 3, 9))
        for i, kwh in enumerate([0.0] * bad + [8.0] * (10 - bad))
    ]
    report = report_of(rows, summary_of().window, Options(trends=False))
    item = charts.chart_data(report)["stations"]
    assert item.targets[0][1] == pytest.approx(100 * 20 / 60)
    fig = charts.figure(report, "stations")
    fig.draw_without_rendering()
    ax, renderer = fig.axes[0], fig.canvas.get_renderer()
    line = ax.transData.transform((100 * 20 / 60, 0))[0]
    labels = [t for t in ax.texts if t.get_text().endswith("%")]
    assert sorted(t.get_text() for t in labels) == ["10%", "20%", "20%", "30%", "30%", "90%"]
    moved = []
    for label in labels:
        box = label.get_window_extent(renderer)
        assert not box.x0 - 1 <= line <= box.x1 + 1, label.get_text()
        end = ax.transData.transform((float(label.get_text()[:-1]), 0))[0]
        if box.x0 > line > end:
            moved.append(label.get_text())
    assert moved == ["30%", "30%"]


# --- one driver's charts --------------------------------------------------------------------------


def shares(rows) -> list[float]:
    """% of the rows that are EMPTY, MICRO, LOW, MED, HIGH (DESIGN.md, in plain Python)."""
    kinds = Counter(band or cat for cat, band in (kind(r[4], r[3]) for r in rows))
    return [100 * kinds[k] / len(rows) for k in ("EMPTY", "MICRO", "LOW", "MED", "HIGH")]


def test_one_driver_gets_their_own_charts():
    report = report_of(
        SESSIONS, summary_of().window, Options(user="BOB@x.com", listings=Listings(cap=None))
    )
    assert charts.names_for(report) == charts.DRIVER_NAMES
    data = charts.chart_data(report)
    bob = sorted((row for row in SESSIONS if row[1] == "bob@x.com"), key=lambda row: row[2])
    item = data["driver_sessions"]
    assert item.title == "Every session of bob@x.com"
    assert item.x == tuple(row[2].replace(tzinfo=None) for row in bob)  # b1 03-02, b2 03-03
    assert item.values("MICRO") == (0.5, None) and item.values("NORMAL-LOW") == (None, 4.16)
    assert item.values("EMPTY") == (None, None)
    mix = data["driver_mix"]
    assert mix.x == ("EMPTY", "MICRO", "LOW", "MED", "HIGH")
    assert mix.values("bob@x.com") == pytest.approx(shares(bob)) == [0, 50, 50, 0, 0]
    assert mix.values("SITE") == pytest.approx(shares(SESSIONS))
    assert mix.values("UNCLAIMED") == pytest.approx(shares([r for r in SESSIONS if not r[1]]))
    for name in charts.DRIVER_NAMES:
        assert png_size(charts.png_bytes(report, name, dpi=50)) == (500, 280)
    capped = Options(user="bob@x.com", listings=Listings(cap=1, worst_first=True))
    item = charts.chart_data(report_of(SESSIONS, summary_of().window, capped))["driver_sessions"]
    assert item.title == "The 1 worst of 2 sessions of bob@x.com"
    assert item.values("MICRO") == (0.5,)


@pytest.mark.parametrize(
    ("flags", "names"),
    [
        (("--empty", "--micro"), DAILY),
        (("--user", "B@x.com"), charts.DRIVER_NAMES),
    ],
    ids=["weekly-trend", "one-driver"],
)
def test_graph_on_the_command_line_follows_the_flags(tmp_path, monkeypatch, flags, names):
    seen = []
    real = charts.render

    def spy(report, out, **kw):
        seen.append(report)
        return real(report, out, **kw)

    monkeypatch.setattr(charts, "render", spy)
    source = str(DATA / "powerflex_rows.json")
    args = ("--graph", "--no-input", "--tz", "America/Los_Angeles", "--source", source)
    r = run_cli(*flags, *args, "--output", str(tmp_path))
    assert r.code == 0, r.err
    assert r.out.startswith("🔌 SESHIS — Test Garage")  # the text report first, then the charts
    assert f"\n📈 {len(names)} charts saved:" in r.out
    assert sorted(p.name[len("2026_11_26_200000_") : -4] for p in tmp_path.iterdir()) == sorted(
        names
    )
    if names == charts.DRIVER_NAMES:  # b's two sessions (pf-3, pf-6), each a point
        item = charts.chart_data(seen[0])["driver_sessions"]
        assert [x.isoformat(" ") for x in item.x] == ["2025-09-08 09:00:00", "2025-09-08 18:00:00"]
