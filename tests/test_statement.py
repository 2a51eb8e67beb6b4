"""Statements (issue 21): hand-made sessions priced by hand (figures worked out in the comments)
and by an independent model that walks every minute of every session in plain Python; the
suspect sessions; the totals against the report's; the tariff and drivers files' errors."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import dataset

from seshis import build_report, load_demo
from seshis.analysis import Options
from seshis.analysis.statement import Terms, build_statement
from seshis.dates import DateRange
from seshis.errors import UsageError
from seshis.people import load as load_people
from seshis.tariffs import parse

LA = "America/Los_Angeles"
ZONE = ZoneInfo(LA)
H = 3600
README_TARIFF = """
[tariff]
currency = "EUR"
energy = 0.30
idle = { after_hours = 4.0, per_hour = 1.00 }
[[tariff.periods]]
from = "17:00"
to = "21:00"
energy = 0.45
"""


def local(y: int, mo: int, d: int, h: int, mi: int = 0, fold: int = 0) -> datetime:
    """A wall time in Los Angeles, as UTC."""
    return datetime(y, mo, d, h, mi, tzinfo=ZONE, fold=fold).astimezone(UTC)


def tariff(text: str):
    return parse(tomllib.loads(text)["tariff"])


def whole(first: date, last: date) -> DateRange:
    """Local days first..last in Los Angeles."""
    lo = datetime(first.year, first.month, first.day, tzinfo=ZONE).astimezone(UTC)
    hi = datetime(last.year, last.month, last.day, tzinfo=ZONE) + timedelta(days=1)
    return DateRange(lo, hi.astimezone(UTC), LA, "custom")


MARCH = whole(date(2026, 3, 1), date(2026, 3, 31))


def statement(rows, text: str | None = README_TARIFF, window: DateRange = MARCH, **terms):
    data = dataset(rows)
    return build_statement(
        data, window, Options(), Terms(tariff=tariff(text) if text else None, **terms)
    )


def cost_of(st, user: str | None = None, month: str | None = None) -> Decimal:
    lines = [
        line
        for line in st.lines
        if (user is None or line.who.driver == user)
        and (month is None or str(line.month)[:7] == month)
    ]
    return sum((line.amounts.cost for line in lines), Decimal(0))


# --- by hand --------------------------------------------------------------------------------


def test_a_flat_tariff_prices_each_line_and_the_total_is_their_sum():
    flat = '[tariff]\ncurrency = "EUR"\nenergy = 0.30\n'
    st = statement(
        [
            ("a1", "ann@x.com", local(2026, 3, 2, 8), 2 * H, 10.0),  # 10 × 0.30 = 3.00
            ("a2", "ann@x.com", local(2026, 3, 3, 8), 2 * H, 7.5),  # 7.5 × 0.30 = 2.25
            ("b1", "bob@x.com", local(2026, 3, 2, 9), H, 3.3),  # 0.99
            ("u1", None, local(2026, 3, 2, 10), H, 4.0),  # unclaimed: 1.20
        ],
        flat,
    )
    by = {line.who.driver: line.amounts for line in st.lines}
    assert by["ann@x.com"].cost == Decimal("5.25") and by["ann@x.com"].sessions == 2
    assert by["bob@x.com"].cost == Decimal("0.99")
    assert by[None].cost == Decimal("1.20") and st.lines[-1].who.unclaimed
    (total,) = st.totals
    assert total.amounts.cost == Decimal("7.44") and total.amounts.currency == "EUR"
    assert total.amounts.kwh == pytest.approx(24.8) and total.amounts.sessions == 4
    assert [d.name for d in st.drivers] == ["ann@x.com", "bob@x.com", None]


def test_time_of_day_prices_split_a_session_by_its_charging_time():
    st = statement(
        [
            # 16:00-18:00, 10 kWh over 2 h: 5 kWh × 0.30 + 5 kWh × 0.45 = 1.50 + 2.25 = 3.75
            ("a", "a@x.com", local(2026, 3, 2, 16), 2 * H, 10.0),
            # 16:00-19:00, done charging 17:30: 1 h of 1.5 h at 0.30 (6.667 kWh = 2.00), 0.5 h
            # at 0.45 (3.333 kWh = 1.50): 3.50; the idle 1.5 h after charging costs nothing
            ("b", "b@x.com", local(2026, 3, 2, 16), 3 * H, 10.0, "ST-1", int(1.5 * H)),
            # 20:00-22:00, 8 kWh: 4 × 0.45 + 4 × 0.30 = 1.80 + 1.20 = 3.00
            ("c", "c@x.com", local(2026, 3, 2, 20), 2 * H, 8.0),
        ]
    )
    assert cost_of(st, "a@x.com") == Decimal("3.75")
    assert cost_of(st, "b@x.com") == Decimal("3.50")
    assert cost_of(st, "c@x.com") == Decimal("3.00")
    b = next(line.amounts for line in st.lines if line.who.driver == "b@x.com")
    assert b.charging_h == pytest.approx(1.5) and b.plugged_h == pytest.approx(3.0)


def test_a_period_past_midnight_and_on_some_days_only():
    text = """
[tariff]
currency = "GBP"
energy = 0.30
[[tariff.periods]]
from = "22:00"
to = "06:00"
energy = 0.10
days = "weekdays"
"""
    st = statement(
        [
            # Monday 2026-03-02 21:00-23:00, 6 kWh: 3 × 0.30 + 3 × 0.10 = 1.20
            ("a", "a@x.com", local(2026, 3, 2, 21), 2 * H, 6.0),
            # Saturday 2026-03-07 21:00-23:00: every hour at 0.30 = 1.80
            ("b", "b@x.com", local(2026, 3, 7, 21), 2 * H, 6.0),
            # Tuesday 2026-03-03 05:00-07:00 (a weekday): 3 × 0.10 + 3 × 0.30 = 1.20
            ("c", "c@x.com", local(2026, 3, 3, 5), 2 * H, 6.0),
        ],
        text,
    )
    assert [cost_of(st, u) for u in ("a@x.com", "b@x.com", "c@x.com")] == [
        Decimal("1.20"),
        Decimal("1.80"),
        Decimal("1.20"),
    ]
    assert st.totals[0].amounts.currency == "GBP"


def test_the_idle_fee_counts_the_hours_plugged_in_beyond_the_limit():
    st = statement(
        [
            # 08:00-14:30: 12 kWh × 0.30 = 3.60, and 2.5 h beyond 4 h × 1.00 = 2.50
            ("a", "a@x.com", local(2026, 3, 2, 8), int(6.5 * H), 12.0),
            # 08:00-11:00: under 4 h, no fee
            ("b", "b@x.com", local(2026, 3, 2, 8), 3 * H, 6.0),
        ]
    )
    a = next(line.amounts for line in st.lines if line.who.driver == "a@x.com")
    assert (a.energy_cost, a.idle_fee, a.cost) == (
        Decimal("3.60"),
        Decimal("2.50"),
        Decimal("6.10"),
    )
    assert a.idle_h == pytest.approx(2.5)
    assert cost_of(st, "b@x.com") == Decimal("1.80")


def test_a_price_that_changes_on_a_date():
    text = """
[tariff]
currency = "EUR"
energy = 0.30
[[tariff.changes]]
from = 2026-03-04
energy = 0.40
"""
    st = statement(
        [
            ("a", "a@x.com", local(2026, 3, 3, 8), H, 10.0),  # before: 3.00
            ("b", "b@x.com", local(2026, 3, 4, 8), H, 10.0),  # from the 4th: 4.00
            # 3 March 22:00 to 4 March 02:00, 8 kWh: 4 × 0.30 + 4 × 0.40 = 2.80
            ("c", "c@x.com", local(2026, 3, 3, 22), 4 * H, 8.0),
        ],
        text,
    )
    assert [cost_of(st, u) for u in ("a@x.com", "b@x.com", "c@x.com")] == [
        Decimal("3.00"),
        Decimal("4.00"),
        Decimal("2.80"),
    ]


def test_groups_have_their_prices_and_drivers_not_in_the_file_are_listed_as_such(tmp_path):
    people = tmp_path / "drivers.csv"
    people.write_text(
        "id,name,group\n000001524,J. Smith,company cars\nAB12CD34,J. Smith,company cars\n"
        "ann@x.com,Ann Lee,visitors\n",
        encoding="utf-8",
    )
    text = README_TARIFF + '[tariff.groups."company cars"]\nenergy = 0.20\nperiods = []\n'
    rows = [
        ("t1", "000001524", local(2026, 3, 2, 8), H, 10.0),  # 10 × 0.20 = 2.00
        ("t2", "ab12cd34", local(2026, 3, 2, 18), H, 5.0),  # the same person's tag: 1.00
        ("a1", "ann@x.com", local(2026, 3, 2, 18), H, 10.0),  # visitors pay the base: 4.50
        ("z1", "zed@x.com", local(2026, 3, 2, 8), H, 10.0),  # not in the file: 3.00
        ("u1", None, local(2026, 3, 2, 8), H, 1.0),  # unclaimed: 0.30
    ]
    st = statement(rows, text, people=load_people(people))
    smith = next(line for line in st.lines if line.who.driver == "J. Smith")
    assert smith.who.group == "company cars" and smith.who.mapped
    assert smith.who.ids == ("000001524", "ab12cd34") and smith.amounts.cost == Decimal("3.00")
    zed = next(line for line in st.lines if line.who.driver == "zed@x.com")
    assert not zed.who.mapped and zed.who.group is None and zed.amounts.cost == Decimal("3.00")
    assert cost_of(st, "Ann Lee") == Decimal("4.50")
    assert st.lines[-1].who.unclaimed and st.lines[-1].amounts.cost == Decimal("0.30")
    # by group: one line per group, the drivers not in the file on their own, unclaimed last
    grouped = statement(rows, text, people=load_people(people), by="group")
    assert [
        (x.who.group, x.who.mapped, x.who.unclaimed, str(x.amounts.cost)) for x in grouped.lines
    ] == [
        ("company cars", True, False, "3.00"),
        ("visitors", True, False, "4.50"),
        (None, False, False, "3.00"),
        (None, False, True, "0.30"),
    ]
    # by tag: each id its own line
    tags = statement(rows, text, people=load_people(people), by="tag")
    assert sorted(x.who.driver or "-" for x in tags.lines) == [
        "-",
        "000001524",
        "ab12cd34",
        "ann@x.com",
        "zed@x.com",
    ]


def test_a_site_of_a_portfolio_has_its_own_tariff():
    text = README_TARIFF + '[tariff.sites."Test Site"]\ncurrency = "USD"\nenergy = 0.25\n'
    st = statement([("a", "a@x.com", local(2026, 3, 2, 8), H, 10.0)], text)
    (line,) = st.lines
    assert (line.amounts.cost, line.amounts.currency) == (Decimal("2.50"), "USD")
    other = statement(
        [("a", "a@x.com", local(2026, 3, 2, 8), H, 10.0)],
        README_TARIFF + '[tariff.sites."Elsewhere"]\nenergy = 0.25\n',
    )
    assert other.lines[0].amounts.cost == Decimal("3.00") and other.unpriced_sites == ("Elsewhere",)


def test_a_month_boundary_in_a_zone_with_daylight_saving():
    """Clocks go back at 02:00 on 1 November 2026 in Los Angeles."""
    rows = [
        # 31 Oct 23:00 PDT to 1 Nov 03:00 PST is 5 hours: 1 h in October, 4 in November;
        # 10 kWh: 2 kWh (0.60) in October, 8 kWh (2.40) in November, and its fifth hour
        # beyond 4 h plugged in (1.00) too: 3.40; one session, October's
        ("x", "a@x.com", local(2026, 10, 31, 23), 5 * H, 10.0),
        # 31 Oct 20:00 PDT is 1 Nov 03:00 UTC: still October here (20:00-21:00 at 0.45)
        ("y", "b@x.com", local(2026, 10, 31, 20), H, 2.0),
    ]
    window = whole(date(2026, 10, 25), date(2026, 11, 7))
    st = statement(rows, window=window)
    got = {(x.who.driver, str(x.month)): x.amounts for x in st.lines}
    assert got[("a@x.com", "2026-10-01")].kwh == pytest.approx(2.0)
    assert got[("a@x.com", "2026-10-01")].sessions == 1
    assert got[("a@x.com", "2026-11-01")].kwh == pytest.approx(8.0)
    assert got[("a@x.com", "2026-11-01")].sessions == 0
    assert got[("a@x.com", "2026-11-01")].plugged_h == pytest.approx(4.0)
    assert (got[("a@x.com", "2026-10-01")].cost, got[("a@x.com", "2026-11-01")].cost) == (
        Decimal("0.60"),
        Decimal("3.40"),
    )
    assert got[("b@x.com", "2026-10-01")].cost == Decimal("0.90")
    assert [m.name for m in st.months] == ["2026-10", "2026-11"]


def test_money_is_rounded_half_up_once_per_line_and_subtotals_add_the_lines():
    text = '[tariff]\ncurrency = "EUR"\nenergy = 0.35\n'
    st = statement(
        [
            # 1.5 kWh × 0.35 = 0.525 each month: 0.53 (half up; binary floating point has
            # 0.52499999...), and the driver's subtotal 1.06, not round(1.05)
            ("a", "a@x.com", local(2026, 3, 30, 8), H, 1.5),
            ("b", "a@x.com", local(2026, 4, 2, 8), H, 1.5),
        ],
        text,
        window=whole(date(2026, 3, 1), date(2026, 4, 30)),
    )
    assert [x.amounts.cost for x in st.lines] == [Decimal("0.53"), Decimal("0.53")]
    assert st.drivers[0].amounts.cost == Decimal("1.06") == st.totals[0].amounts.cost
    yen = statement(
        [("a", "a@x.com", local(2026, 3, 2, 8), H, 10.5)],
        '[tariff]\ncurrency = "JPY"\nenergy = 31\n',  # 325.5 yen: no minor unit, 326
    )
    assert yen.lines[0].amounts.cost == Decimal("326")


def test_without_a_tariff_the_statement_has_energy_and_hours_but_no_money():
    st = statement([("a", "a@x.com", local(2026, 3, 2, 8), H, 10.0)], None)
    assert not st.priced and st.lines[0].amounts.cost is None
    assert st.totals[0].amounts.kwh == 10.0


# --- an independent model: every minute of every session ---------------------------------------


def model(rows, prices, idle_after_h, idle_per_h):
    """{(driver, YYYY-MM): cost}: each minute of each session, at the price of its local
    minute; energy spread evenly over the charging minutes; the idle fee per minute beyond
    the limit. Sessions start, end and finish charging on whole minutes."""
    raw: dict[tuple[str | None, str], float] = defaultdict(float)
    for _sid, user, start, seconds, kwh, *rest in rows:
        charging = rest[1] if len(rest) > 1 else seconds
        for m in range(seconds // 60):
            at = start + timedelta(minutes=m)
            wall = at.astimezone(ZONE)
            key = (user, wall.strftime("%Y-%m"))
            if m * 60 < charging:
                raw[key] += kwh / (charging / 60) * prices(wall)
            if m * 60 >= idle_after_h * H:
                raw[key] += idle_per_h / 60
    return {
        k: Decimal(repr(v)).quantize(Decimal("0.000001")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        for k, v in raw.items()
    }


def test_the_statement_matches_the_minute_by_minute_model():
    text = README_TARIFF.replace(
        "energy = 0.45\n",
        'energy = 0.45\n[[tariff.periods]]\nfrom = "06:00"\nto = "07:30"\nenergy = 0.12\n',
    )

    def price(wall: datetime) -> float:
        minute = wall.hour * 60 + wall.minute
        if 17 * 60 <= minute < 21 * 60:
            return 0.45
        if 6 * 60 <= minute < 7 * 60 + 30:
            return 0.12
        return 0.30

    rows = []
    for i in range(40):  # over the spring-forward night (8 March) and the end of March
        start = local(2026, 3, 6 + (i * 7) % 26, (i * 5) % 24, (i * 13) % 60)
        seconds = (30 + (i * 47) % 600) * 60
        done = ((seconds // 60) * (50 + i % 50) // 100) * 60 if i % 3 else seconds
        rows.append(
            (f"s{i}", f"d{i % 7}@x.com", start, seconds, round(1 + (i * 3.7) % 60, 3), "ST-1", done)
        )
    window = whole(date(2026, 3, 1), date(2026, 3, 31))
    st = statement(rows, text, window=window)
    got = {(x.who.driver, str(x.month)[:7]): x.amounts.cost for x in st.lines}
    assert got == model(rows, price, 4.0, 1.0)


# --- suspect energy --------------------------------------------------------------------------


def test_a_lifetime_reading_is_flagged_and_left_out_unless_kept():
    rows = [
        ("ok", "a@x.com", local(2026, 3, 2, 8), 2 * H, 10.0),
        # CitrineOS #1060: a meter's lifetime reading billed as one session
        ("life", "a@x.com", local(2026, 3, 3, 8), 2 * H, 910.0),
    ]
    st = statement(rows)
    (suspect,) = st.suspect
    assert (suspect.session_id, suspect.why, suspect.kwh) == ("life", "kwh", 910.0)
    assert suspect.kw == pytest.approx(455.0)
    assert st.totals[0].amounts.kwh == 10.0 and st.excluded.sessions == 1
    assert st.excluded.kwh == 910.0
    report = build_report(dataset(rows), MARCH, Options(), MARCH.end)
    assert st.totals[0].amounts.kwh + st.excluded.kwh == pytest.approx(report.totals.kwh)
    kept = statement(rows, include_suspect=True)
    assert kept.totals[0].amounts.kwh == 920.0 and kept.suspect and kept.included


def test_impossible_power_above_350_kw_the_rating_or_far_above_the_station():
    rows = [
        (f"n{i}", "a@x.com", local(2026, 3, 2 + i % 20, 8), 2 * H, 8.0, "ST-9") for i in range(12)
    ]
    rows += [
        ("fast", "b@x.com", local(2026, 3, 25, 8), 60, 7.0, "ST-X"),  # 420 kW
        ("rated", "b@x.com", local(2026, 3, 25, 9), H, 12.0, "ST-Y"),  # 12 kW > 11 kW × 1.05
        ("odd", "b@x.com", local(2026, 3, 26, 8), H, 10.0, "ST-9"),  # 10 kW; others 4 kW
        ("fine", "b@x.com", local(2026, 3, 26, 8), H, 11.0, "ST-Z"),  # 11 kW: within the rating
    ]
    st = statement(rows, max_kw=11.0)
    why = {s.session_id: s.why for s in st.suspect}
    assert why == {"fast": "max_kw", "rated": "rating", "odd": "station"}
    odd = next(s for s in st.suspect if s.session_id == "odd")
    assert (odd.station_kw, odd.station_sessions, odd.kw) == (4.0, 12, 10.0)
    assert st.totals[0].amounts.sessions == 13


# --- totals against the report's -------------------------------------------------------------


@pytest.mark.parametrize("network", [False, True], ids=["demo", "demo-network"])
def test_the_statement_total_equals_the_report_total(network):
    now = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
    data = load_demo(now, None, network=network)
    window = data.window("month", now)
    report = build_report(data, window, Options(), now)
    st = build_statement(data, window, Options(), Terms(tariff=tariff(README_TARIFF)))
    assert not st.suspect
    total = st.total
    assert total.sessions == report.totals.sessions
    assert total.kwh == pytest.approx(report.totals.kwh, abs=1e-6)
    assert sum(x.amounts.cost for x in st.lines) == st.totals[0].amounts.cost
    assert sum((s.amounts.cost for s in st.sites), Decimal(0)) == st.totals[0].amounts.cost
    assert sum((d.amounts.cost for d in st.drivers), Decimal(0)) == st.totals[0].amounts.cost
    if network:
        assert {s.name for s in st.sites} == {s.name for s in report.sites}
        for site in report.sites:
            mine = next(s for s in st.sites if s.name == site.name)
            assert mine.amounts.kwh == pytest.approx(site.totals.kwh, abs=1e-6)


# --- the files ---------------------------------------------------------------------------------

BASE = '[tariff]\ncurrency = "EUR"\nenergy = 0.3\n'


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("[tariff]\nenergy = 0.3\n", "needs a currency"),
        ('[tariff]\ncurrency = "EUR"\n', "needs a price per kWh"),
        ('[tariff]\ncurrency = "EURO"\nenergy = 0.3\n', "three-letter currency"),
        ('[tariff]\ncurrency = "EUR"\nenergy = -1\n', "price of 0 or more"),
        ('[tariff]\ncurrency = "EUR"\nenergy = 0.3\nfoo = 1\n', "unknown key 'foo'"),
        (
            BASE + '[[tariff.periods]]\nfrom = "25:00"\nto = "1:00"\nenergy = 1\n',
            "local time of day",
        ),
        (
            BASE + '[[tariff.periods]]\nfrom = "17:00"\nenergy = 1\n',
            "needs to",
        ),
        (
            BASE + "idle = { per_hour = 1 }\n[[tariff.changes]]\nenergy = 1\n",
            "must be a date",
        ),
    ],
)
def test_a_wrong_tariff_says_what_is_wrong(tmp_path, text, wrong):
    from seshis import config

    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=wrong):
        config.load(path)


def test_the_drivers_file_in_toml_and_its_errors(tmp_path):
    path = tmp_path / "drivers.toml"
    path.write_text(
        '[[drivers]]\nids = ["000001524", "AB12"]\nname = "J. Smith"\ngroup = "company cars"\n'
        '[[drivers]]\nid = "ann@x.com"\nname = "Ann Lee"\n',
        encoding="utf-8",
    )
    people = load_people(path)
    assert people.get("ab12") and people.get("ab12").group == "company cars"
    assert people.get(" ANN@x.com ").name == "Ann Lee" and people.get("nobody") is None
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\n1,2\n", encoding="utf-8")
    with pytest.raises(UsageError, match="needs a header with an id column"):
        load_people(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("id,name\n1,Ann\n1,Bob\n", encoding="utf-8")
    with pytest.raises(UsageError, match="maps '1' to both"):
        load_people(twice)
    with pytest.raises(UsageError, match="cannot be read"):
        load_people(Path(tmp_path / "missing.csv"))


# --- the command line and the outputs ------------------------------------------------------


def readme_tariff() -> str:
    """The README's tariff example, as written there."""
    import re

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return next(
        b for b in re.findall(r"```toml\n(.*?)```", readme, re.S) if b.startswith("[tariff]")
    )


@pytest.fixture
def config(tmp_path):
    people = tmp_path / "drivers.csv"
    people.write_text(
        "id,name,group\nalex.chen@example.com,Alex Chen,company cars\n"
        "blake.kim@example.com,=Blake Kim,visitors\n",
        encoding="utf-8",
    )
    path = tmp_path / "config.toml"
    path.write_text(readme_tariff() + f'\n[statement]\ndrivers = "{people}"\n', encoding="utf-8")
    return str(path)


def test_the_demo_statement_with_the_readme_tariff_equals_the_report(config):
    from conftest import run_cli

    done = run_cli("--statement", "--demo", "--range", "month", "--config", config, "--no-input")
    assert done.code == 0, done.err
    assert "🧾 ENERGY STATEMENT — Demo Site" in done.out
    assert "The total equals the report's" in done.out
    assert "Alex Chen (company cars)" in done.out and "Unclaimed sessions" in done.out
    assert "rounded half up to 0.01 EUR once per line" in done.out
    doc = run_cli("--statement", "--demo", "--range", "month", "--config", config, "--json").json()
    (total,) = doc["statement_totals"]
    assert total["kwh"] == pytest.approx(doc["totals"]["kwh"], abs=1e-3)
    assert total["sessions"] == doc["totals"]["sessions"]
    assert f"{total['kwh']:,.3f} kWh" in done.out
    lines = doc["statement"]
    assert {"month", "driver", "group", "site", "sessions", "kwh", "cost", "currency"} <= set(
        lines[0]
    )
    assert all(x["driver"] is None for x in lines if x["unclaimed"])
    assert round(sum(Decimal(str(x["cost"])) for x in lines), 2) == Decimal(str(total["cost"]))
    assert "level" not in lines[0] and doc["statement_subtotals"]["drivers"]
    assert doc["suspect_energy"] == [] and doc["statement_rules"]["tariff"][0].startswith(
        "EUR 0.30"
    )


def test_the_statement_files_csv_xlsx_and_pdf(config, tmp_path):
    import csv as csvlib

    import openpyxl
    from conftest import run_cli
    from pypdf import PdfReader

    args = ("--statement", "--demo", "--range", "month", "--config", config, "--no-input")
    done = run_cli(*args, "--csv", "--output", str(tmp_path / "st.csv"))
    assert done.code == 0, done.err
    with (tmp_path / "st.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csvlib.DictReader(fh))
    blake = next(r for r in rows if r["ids"] == "blake.kim@example.com")
    assert blake["driver"] == "'=Blake Kim" and blake["group"] == "visitors"  # never a formula
    with (tmp_path / "st_totals.csv").open(encoding="utf-8-sig") as fh:
        totals = list(csvlib.DictReader(fh))
    (total,) = [t for t in totals if t["level"] == "total"]
    assert Decimal(total["cost"]) == sum(Decimal(r["cost"]) for r in rows)
    assert int(total["sessions"]) == sum(int(r["sessions"]) for r in rows)

    done = run_cli(*args, "--xlsx", "--output", str(tmp_path / "st.xlsx"))
    assert done.code == 0, done.err
    book = openpyxl.load_workbook(tmp_path / "st.xlsx")
    assert book.sheetnames == ["Summary", "2026-10", "2026-11"]
    month = book["2026-11"]
    assert [c.value for c in month[1]][:5] == ["Site", "Driver", "Group", "Ids", "Sessions"]
    assert isinstance(month.cell(2, 5).value, int) and isinstance(month.cell(2, 12).value, float)
    assert month.cell(2, 13).value == "EUR"

    done = run_cli(*args, "--pdf", "--output", str(tmp_path / "st.pdf"))
    assert done.code == 0, done.err
    reader = PdfReader(tmp_path / "st.pdf")
    texts = [page.extract_text() for page in reader.pages]
    drivers = [t for t in texts if "Statement for" in t]
    assert len(drivers) == 120 and all(t.count("Statement for") == 1 for t in drivers)
    summary = len(texts) - len(drivers)
    assert "Energy statement: summary" in texts[0] and summary < 6
    assert all("Statement for" not in t for t in texts[:summary])  # a page each, nothing after
    chen = next(t for t in drivers if "Alex Chen (company cars)" in t)
    assert "Tariff" in chen and "rounded half up" in chen and "Total" in chen


def test_statement_usage_errors_and_a_wrong_tariff(tmp_path):
    from conftest import run_cli

    done = run_cli("--statement", "--demo", "--html", "--no-input")
    assert done.code == 2 and "--statement goes to the terminal" in done.err
    bad = tmp_path / "bad.toml"
    bad.write_text('[tariff]\ncurrency = "EUR"\n', encoding="utf-8")
    done = run_cli("--statement", "--demo", "--config", str(bad), "--no-input")
    assert done.code == 2 and "'tariff' needs a price per kWh" in done.err
    done = run_cli("--statement", "--demo", "--drivers", str(tmp_path / "none.csv"), "--no-input")
    assert done.code == 2 and "The drivers file" in done.err


def test_the_demo_network_statement_has_each_site_in_its_zone(config):
    from conftest import run_cli

    args = ("--statement", "--demo-network", "--range", "month", "--config", config, "--json")
    doc = run_cli(*args).json()
    sites = {s["site"]: s for s in doc["statement_subtotals"]["sites"]}
    assert set(sites) == {s["name"] for s in doc["sites"]}
    for s in doc["sites"]:
        assert sites[s["name"]]["kwh"] == pytest.approx(s["totals"]["kwh"], abs=1e-3)
