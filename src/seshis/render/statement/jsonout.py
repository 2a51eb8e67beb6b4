"""The statement's keys of the JSON document: `statement`, the detail lines only; beside it
`statement_subtotals` (per driver, site and month), `statement_totals` (one per currency),
`suspect_energy` and `statement_rules`. Money as numbers rounded to the currency's minor unit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ...analysis.statement import Amounts, Line, Statement, Subtotal, Suspect
from . import rounding, tariff_lines, why


def to_dict(st: Statement) -> dict[str, Any]:
    return {
        "statement": [_line(x, st) for x in st.lines],
        "statement_subtotals": {
            "drivers": [_subtotal(s, "driver") | _who(s, st) for s in st.drivers],
            "sites": [_subtotal(s, "site") for s in st.sites],
            "months": [_subtotal(s, "month") for s in st.months],
        },
        "statement_totals": [_amounts(t.amounts) for t in st.totals],
        "suspect_energy": [_suspect(s, st) for s in st.suspect],
        "statement_rules": {
            "by": st.by,
            "rounding": rounding(st),
            "tariff": tariff_lines(st.tariff),
            "drivers_file": st.people,
            "suspect_included": st.included,
            "left_out": {"sessions": st.excluded.sessions, "kwh": round(st.excluded.kwh, 3)},
        },
    }


def _number(amount: Decimal | None) -> float | int | None:
    """A rounded amount as a JSON number: 3.1 for 3.10, 326 for yen."""
    if amount is None:
        return None
    exponent = amount.as_tuple().exponent
    return int(amount) if isinstance(exponent, int) and exponent >= 0 else float(amount)


def _amounts(a: Amounts) -> dict[str, Any]:
    return {
        "sessions": a.sessions,
        "kwh": round(a.kwh, 3),
        "hours_plugged_in": round(a.plugged_h, 3),
        "hours_charging": round(a.charging_h, 3),
        "idle_hours_charged": round(a.idle_h, 3),
        "energy_cost": _number(a.energy_cost),
        "idle_fee": _number(a.idle_fee),
        "cost": _number(a.cost),
        "currency": a.currency,
    }


def _line(x: Line, st: Statement) -> dict[str, Any]:
    w = x.who
    return {
        "month": f"{x.month:%Y-%m}",
        "driver": w.driver if st.has_drivers else None,
        "group": w.group,
        "site": x.site,
        **_amounts(x.amounts),
        "ids": list(w.ids),
        "mapped": w.mapped if st.people else None,
        "unclaimed": w.unclaimed and st.has_drivers,
    }


def _subtotal(s: Subtotal, key: str) -> dict[str, Any]:
    return {key: s.name, **_amounts(s.amounts)}


def _who(s: Subtotal, st: Statement) -> dict[str, Any]:
    w = s.who
    if w is None:
        return {}
    return {
        "driver": w.driver if st.has_drivers else None,
        "group": w.group,
        "ids": list(w.ids),
        "unclaimed": w.unclaimed and st.has_drivers,
    }


def _suspect(s: Suspect, st: Statement) -> dict[str, Any]:
    return {
        "session_id": s.session_id,
        "site": s.site,
        "station": s.station,
        "driver": s.driver,
        "name": s.name,
        "start": s.start.isoformat(),
        "kwh": round(s.kwh, 3),
        "hours_plugged_in": round(s.plugged_h, 3),
        "average_kw": None if s.kw is None else round(s.kw, 2),
        "reason": s.why,
        "text": why(s),
        "included": st.included,
    }
