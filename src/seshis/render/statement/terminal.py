"""The statement on the terminal: a table per month and site, then the subtotals per driver,
per site and per month, the total against the report's, the tariff, the rounding rule and the
sessions of suspect energy."""

from __future__ import annotations

from rich.console import Console

from ...analysis import Report
from ...analysis.statement import Amounts, Line, Statement, Subtotal
from ..common.lines import Lines, table
from ..common.wording import plural, site_line, span
from . import (
    BY_NAMES,
    UNMAPPED_NOTE,
    energy,
    hours,
    left_out,
    money,
    rounding,
    tariff_lines,
    unmapped,
    who,
    why,
)


def render(report: Report, out: Console, statement: Statement) -> int:
    """The statement of the report's window; returns how many lines."""
    w = Lines(out)
    st, r = statement, report
    w(("🧾 ENERGY STATEMENT — " + site_line(r.site, r.location), "bold"))
    zones = sorted({zone for _, zone in st.site_zones})
    where = zones[0] if len(zones) == 1 else "each site in its own time zone"
    w(
        f"📅 {st.window.title}: {span(st.window)} ({where}) · a line per {BY_NAMES[st.by]}, site "
        "and calendar month"
    )
    described = tariff_lines(st.tariff)
    if described:
        w(f"💶 Tariff: {described[0]}")
        for line in described[1:]:
            w(f"   {line}")
    else:
        w(("💶 No tariff in the config: energy and hours only.", "yellow"))
    if st.people:
        w(f"👥 Who is who: {st.people}")
    if not st.lines:
        w.blank()
        w(("No sessions to state in this date range.", "yellow"))
    for month in st.month_list:
        for site in sorted({x.site for x in st.of_month(month)}):
            w.title(f"{month:%Y-%m} · {site}")
            lines = [x for x in st.of_month(month) if x.site == site]
            _table(w, st, [(who(x.who, st, w.plain), x.amounts, x) for x in lines])
    if len(st.lines) > 1:
        w.title(f"PER {BY_NAMES[st.by].upper()} (all months and sites)")
        _table(w, st, [(who(s.who, st, w.plain), s.amounts, None) for s in st.drivers])
    if len({x.site for x in st.lines}) > 1:
        w.title("PER SITE")
        _table(w, st, [(s.name or "", s.amounts, None) for s in st.sites], "Site")
    if len(st.months) > 1:
        w.title("PER MONTH")
        _table(w, st, [(s.name or "", s.amounts, None) for s in st.months], "Month")
    if unmapped(st):
        w(f"    {UNMAPPED_NOTE}")
    _total(w, st, r)
    if st.suspect:
        _suspect(w, st)
    for name in st.unpriced_sites:
        w((f"ℹ️  The tariff names the site {name!r}, which this data does not hold.", "yellow"))
    if r.quality.invalid:
        w((f"⚠️  {plural(r.quality.invalid, 'invalid row')} not stated (see the report).", "yellow"))
    return w.count


COLUMNS = (
    ("Sess", ">"),
    ("kWh", ">"),
    ("Plug h", ">"),
    ("Chg h", ">"),
    ("Idle fee", ">"),
    ("Cost", ">"),
)
FIRST = {"driver": "Driver", "tag": "Driver id / tag", "group": "Group"}


def _table(
    w: Lines, st: Statement, rows: list[tuple[str, Amounts, Line | None]], first: str = ""
) -> None:
    """Sessions, kWh, hours plugged in and charging, the idle fee and the cost (the energy
    charge is the cost less the idle fee: every output shows it but the terminal)."""
    one = len({t.amounts.currency for t in st.totals}) <= 1
    currency = st.totals[0].amounts.currency if st.totals and one else None
    columns = [(first or FIRST[st.by], "<"), *(COLUMNS if st.priced else COLUMNS[:4])]
    if currency:
        columns[-1] = (f"Cost {currency}", ">")
    cells = []
    for name, a, line in rows:
        row = [name, f"{a.sessions:,}", energy(a.kwh), hours(a.plugged_h), hours(a.charging_h)]
        if st.priced:
            shown = None if currency else a.currency
            row += [money(a.idle_fee), money(a.cost, shown)]
        style = "dim" if line is not None and line.who.unclaimed else None
        cells.append((row, style))
    table(w, tuple(columns), cells)


def _total(w: Lines, st: Statement, r: Report) -> None:
    w.blank()
    for t in st.totals or (Subtotal(None, Amounts()),):
        a = t.amounts
        cost = (
            f" · {money(a.cost, a.currency)} (energy {money(a.energy_cost)} + idle fees "
            f"{money(a.idle_fee)})"
            if st.priced
            else ""
        )
        figures = f"{plural(a.sessions, 'session')} · {energy(a.kwh)} kWh"
        hours_in = f"{hours(a.plugged_h)} h plugged in · {hours(a.charging_h)} h charging"
        w((f"TOTAL: {figures} · {hours_in}{cost}", "bold"))
    if r.options.user is None:
        whole = st.total
        sessions = whole.sessions + st.excluded.sessions
        energy_in = whole.kwh + st.excluded.kwh
        matches = sessions == r.totals.sessions and abs(energy_in - r.totals.kwh) < 5e-4
        left = st.excluded.sessions
        plus = f" + {plural(left, 'suspect session')} left out" if left else ""
        verdict = ("equal" if plus else "equals") if matches else "differs from"
        report = f"{plural(r.totals.sessions, 'session')} and {energy(r.totals.kwh)} kWh"
        w(
            (
                f"   The total{plus} {verdict} the report's {report} in this window.",
                None if matches else "red",
            )
        )
    w(f"   {rounding(st)}")
    w(
        "   kWh and hours are split at the boundaries of months, prices and dates by each "
        "session's charging time, at constant power."
    )


def _suspect(w: Lines, st: Statement) -> None:
    w.title(f"⚠️  SUSPECT ENERGY ({len(st.suspect)})")
    w((f"    {left_out(st)}", "yellow"))
    for s in st.suspect:
        driver = s.name or s.driver or "unclaimed"
        w(
            f"    {s.start:%Y-%m-%d %H:%M} {s.site} · {s.station or '(no station)'} · {driver} · "
            f"{s.session_id}"
        )
        w((f"      {why(s)}", "yellow"))
