"""The definitions of DESIGN.md: categories partition the sessions, bands fall on the right side."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from helpers import T0, report_of
from hypothesis import given, settings
from hypothesis import strategies as st

from seshis.analysis import Listings, Options
from seshis.dates import window

WINDOW = window(
    "custom",
    "America/Los_Angeles",
    T0,
    T0.date() - timedelta(days=1),
    T0.date() + timedelta(days=30),
)
VOLTS = 208.0


def expected(kwh: float, seconds: int, threshold: float) -> tuple[str, str | None]:
    """Independent classification: plain Python, decimal rounding half away from zero."""
    if kwh == 0:
        return "EMPTY", None
    if kwh < threshold:
        return "MICRO", None
    amps = Decimal(repr(kwh * 1000 / (seconds / 3600 * VOLTS))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return "NORMAL", "HIGH" if amps >= 16 else "MED" if amps >= 8 else "LOW"


sessions = st.lists(
    st.tuples(
        st.one_of(st.just(0.0), st.floats(0.001, 80, allow_nan=False)),
        st.integers(60, 20 * 3600),
        st.sampled_from([None, "", "a@x.com", "b@x.com", "c@x.com"]),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(sessions, st.sampled_from([0.5, 1.0, 2.5]))
def test_categories_partition_the_sessions(rows, threshold):
    s = report_of(
        [
            (f"s{i}", user, T0 + timedelta(hours=i), sec, kwh)
            for i, (kwh, sec, user) in enumerate(rows)
        ],
        WINDOW,
        Options(threshold_kwh=threshold),
    )
    t = s.totals
    assert t.sessions == len(rows)
    assert t.empty + t.micro + t.normal == t.sessions
    assert t.high + t.med + t.low == t.normal
    assert sum(u.counts.sessions for u in s.users) == t.sessions
    assert s.unclaimed.sessions == sum(1 for _, _, u in rows if not u)
    assert s.distinct_users == len({u for _, _, u in rows if u})
    assert sum(day.counts.sessions for day in s.daily) == t.sessions
    cats = [expected(kwh, sec, threshold) for kwh, sec, _ in rows]
    assert t.empty == sum(c == "EMPTY" for c, _ in cats)
    assert t.micro == sum(c == "MICRO" for c, _ in cats)
    assert (t.high, t.med, t.low) == tuple(
        sum(b == x for _, b in cats) for x in ("HIGH", "MED", "LOW")
    )
    if t.sessions:
        pcts = {h.metric: h.value_pct for h in s.health}
        assert abs(pcts["empty"] + pcts["micro"] + pcts["normal"] - 100) < 1e-9
        assert all(0 <= v <= 100 for v in pcts.values())
    else:
        assert all(h.ok is None for h in s.health)


def kwh_for(amps: float, hours: float) -> float:
    return amps * VOLTS * hours / 1000


def test_band_edges_fall_on_the_right_side():
    cases = {
        "at16": (kwh_for(16, 2), "HIGH"),
        "below16": (kwh_for(15.94, 2), "MED"),  # shown as 15.9 A
        "rounds_up_to_16": (kwh_for(15.96, 2), "HIGH"),  # shown as 16.0 A
        "at8": (kwh_for(8, 2), "MED"),
        "below8": (kwh_for(7.94, 2), "LOW"),
    }
    rows = [
        (name, "u@x.com", T0 + timedelta(hours=3 * i), 7200, kwh)
        for i, (name, (kwh, _)) in enumerate(cases.items())
    ]
    lines = report_of(rows, WINDOW, Options(listings=Listings(cap=None))).listings[0].lines
    got = {line.session_id: line.band for line in lines}
    assert got == {name: band for name, (_, band) in cases.items()}


def test_threshold_edge_is_normal_and_just_below_is_micro():
    rows = [
        ("at", "u@x.com", T0, 3600, 1.0),
        ("below", "u@x.com", T0 + timedelta(hours=2), 3600, 0.999),
        ("zero", "u@x.com", T0 + timedelta(hours=4), 60, 0.0),
    ]
    lines = report_of(rows, WINDOW, Options(listings=Listings(cap=None))).listings[0].lines
    assert {line.session_id: line.category for line in lines} == {
        "at": "NORMAL",
        "below": "MICRO",
        "zero": "EMPTY",
    }
    higher = report_of(rows, WINDOW, Options(threshold_kwh=1.5))
    assert (higher.totals.micro, higher.totals.normal) == (2, 0)


def test_health_thresholds_are_strict_comparisons():
    # 1 empty of 5 = 20 %: the target is "< 20 %", so it is not met.
    rows = [
        (f"s{i}", "u@x.com", T0 + timedelta(hours=i), 3600, 0.0 if i == 0 else 10.0)
        for i in range(5)
    ]
    s = report_of(rows, WINDOW)
    empty = next(h for h in s.health if h.metric == "empty")
    assert empty.value_pct == 20.0 and empty.ok is False
    normal = next(h for h in s.health if h.metric == "normal")
    assert normal.value_pct == 80.0 and normal.ok is True
