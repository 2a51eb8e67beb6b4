"""The outputs of a statement (--statement): the terminal table, the JSON keys, the CSV files,
the workbook and the PDF (a page per driver and the operator's summary). Each formats what the
Statement holds; the words they share are here."""

from __future__ import annotations

from decimal import Decimal

from ...analysis.statement import Amounts, Statement, Suspect, Who
from ...tariffs import DAYS, Layer, Price, Tariff
from ..common.wording import kwh, plural

BY_NAMES = {"driver": "driver", "tag": "driver id or tag", "group": "driver group"}


def money(amount: Decimal | None, currency: str | None = None) -> str:
    """1,234.50 or EUR 1,234.50; empty without a price."""
    if amount is None:
        return ""
    text = f"{amount:,}"
    return f"{currency} {text}" if currency else text


def hours(value: float) -> str:
    return f"{value:,.1f}"


def energy(value: float) -> str:
    """kWh in a table: to the watt-hour, thousands separated."""
    return f"{value:,.3f}"


UNMAPPED_MARK = " *"
UNMAPPED_NOTE = "* not in the drivers file"


def unmapped(st: Statement) -> bool:
    """Whether a line is of a driver the drivers file does not name (marked *)."""
    return bool(st.people) and any(
        not x.who.mapped and not x.who.unclaimed for x in st.lines if st.by != "group"
    )


def who(w: Who | None, st: Statement, plain: bool = True) -> str:
    """Whom a line is for, in words: "J. Smith (company cars)", "Unclaimed sessions",
    "zed@x.com *" (not in the drivers file)..."""
    if w is None:
        return "Total"
    if not st.has_drivers:
        return "All sessions (no driver data)"
    if w.unclaimed:
        return "Unclaimed sessions" if plain else "🔓 Unclaimed sessions"
    if st.by == "group":
        if not w.mapped:
            return "Not in the drivers file" if st.people else "Drivers (no drivers file)"
        return w.group or "(no group)"
    name = w.driver or ""
    if w.group:
        return f"{name} ({w.group})"
    if st.people and not w.mapped:
        return name + UNMAPPED_MARK
    return name


def rounding(st: Statement) -> str:
    """The rounding rule, as every output states it."""
    if not st.priced:
        return "No tariff in the config: energy and hours only (see Statements and tariffs)."
    units = sorted({_unit(t.amounts) for t in st.totals}) or [_unit(Amounts())]
    return (
        f"Money is rounded half up to {' / '.join(units)} once per line (the energy charge and "
        "the idle fee each); subtotals and totals are sums of the rounded lines."
    )


def _unit(a: Amounts) -> str:
    if a.energy_cost is None:
        return "the currency's minor unit"
    exponent = a.energy_cost.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) else 2
    return f"{Decimal(1).scaleb(-places)} {a.currency}" if places else f"1 {a.currency}"


def tariff_lines(t: Tariff | None) -> list[str]:
    """The tariff in words, a line for it and one for each group, site and change."""
    if t is None:
        return []
    base = t.price()
    lines = [_price(base, t.base)]
    lines += [f"from {on}: {_layer(ch, base.currency)}" for on, ch in t.base.changes]
    for name, layer in t.groups:
        lines.append(f"group {name}: {_layer(layer, base.currency)}")
        lines += [f"  from {on}: {_layer(ch, base.currency)}" for on, ch in layer.changes]
    for name, site in t.sites:
        currency = site.currency or base.currency
        lines.append(f"site {name}: {_layer(site.layer, currency)}")
        lines += [f"  from {on}: {_layer(ch, currency)}" for on, ch in site.layer.changes]
        lines += [f"  group {g}: {_layer(layer, currency)}" for g, layer in site.groups]
    return lines


def _price(p: Price, layer: Layer) -> str:
    return _layer(Layer(p.energy, p.idle, p.periods), p.currency, p.decimals)


def rate(price: Decimal, decimals: int = 2) -> str:
    """A price as a tariff writes it, with at least the currency's decimals: 0.30, 0.125."""
    exponent = price.as_tuple().exponent
    places = max(decimals, -exponent if isinstance(exponent, int) else 0)
    return f"{price:,.{places}f}"


def _layer(layer: Layer, currency: str, decimals: int = 2) -> str:
    parts = []
    if layer.energy is not None:
        parts.append(f"{currency} {rate(layer.energy, decimals)}/kWh")
    for period in layer.periods or ():
        days = f" {','.join(DAYS[d - 1] for d in period.days)}" if period.days else ""
        clock = f"{_clock(period.start)}–{_clock(period.end)}{days}"
        parts.append(f"{clock} {rate(period.energy, decimals)}/kWh")
    if layer.periods == ():
        parts.append("no time-of-day prices")
    if layer.idle is not None:
        if layer.idle.per_hour:
            after = f"{layer.idle.after_hours:g} h"
            fee = rate(layer.idle.per_hour, decimals)
            parts.append(f"idle fee {fee}/h plugged in beyond {after}")
        else:
            parts.append("no idle fee")
    return "; ".join(parts) or "as above"


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def why(s: Suspect) -> str:
    """Why a session's energy is suspect, with its figures."""
    power = f"{s.kw:,.1f} kW" if s.kw is not None else "?"
    plugged = f"{s.plugged_h:.2f} h plugged in"
    if s.why == "kwh":
        return (
            f"{kwh(s.kwh)} in one session, more than any car's battery holds: a meter's "
            "lifetime reading?"
        )
    if s.why == "max_kw":
        return f"{power} on average over {plugged}: above 350 kW, more than any charger delivers"
    if s.why == "rating":
        return f"{power} on average over {plugged}: above the {s.rating_kw:g} kW rating (max_kw)"
    return (
        f"{power} on average over {plugged}: over twice the {s.station_kw or 0:,.1f} kW its "
        f"station reached at most in {plural(s.station_sessions, 'other session')}"
    )


def left_out(st: Statement) -> str:
    """What the suspect sessions change: left out, or kept."""
    n = len(st.suspect)
    if st.included:
        return f"{plural(n, 'session')} of suspect energy kept (--include-suspect-energy)."
    return (
        f"{plural(n, 'session')} of suspect energy ({kwh(st.excluded.kwh)}) left out; "
        "--include-suspect-energy keeps them."
    )
