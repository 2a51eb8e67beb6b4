"""Tariffs, as the config file's `[tariff]` table writes them: a price per kWh in a currency,
dearer or cheaper hours of the local day, an idle fee per hour plugged in beyond a few hours,
other prices for driver groups and for sites, and prices that change on a date.

A layer (the tariff itself, a site's, a group's, a change on a date) replaces the keys it names
and keeps the others; the most specific layer wins: the tariff, then its changes up to the day,
then the site's table and its changes, then the group's (the site's own groups first) and its
changes. `plan()` resolves every combination once, so a statement prices each piece of a session
with a join, not a Python call per session."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

# ISO 4217 currencies without the usual two decimals (the others have two).
MINOR_UNITS = {
    **dict.fromkeys(("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF").split(), 0),
    **dict.fromkeys(("BHD IQD JOD KWD LYD OMR TND").split(), 3),
}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {"weekdays": (1, 2, 3, 4, 5), "weekends": (6, 7)}
LAYER_KEYS = ("energy", "idle", "periods")
KEYS = {
    "tariff": ("currency", "decimals", *LAYER_KEYS, "changes", "groups", "sites"),
    "site": ("currency", "decimals", *LAYER_KEYS, "changes", "groups"),
    "group": (*LAYER_KEYS, "changes"),
    "change": ("from", *LAYER_KEYS),
}


@dataclass(frozen=True)
class Period:
    """Hours of the local day with their own price per kWh: from `start` to `end` minutes
    after midnight (an end at or before the start runs past midnight), on `days` (ISO
    weekdays of the period's start, 1 = Monday; empty: every day)."""

    start: int
    end: int
    energy: Decimal
    days: tuple[int, ...] = ()


@dataclass(frozen=True)
class Idle:
    """A fee per hour plugged in beyond `after_hours` hours from the start of a session."""

    after_hours: float
    per_hour: Decimal


@dataclass(frozen=True)
class Layer:
    """What one table of the tariff names (None: not named, the layer below holds), and the
    changes it makes from a date on (in the site's zone), earliest first."""

    energy: Decimal | None = None
    idle: Idle | None = None
    periods: tuple[Period, ...] | None = None
    changes: tuple[tuple[date, Layer], ...] = ()


@dataclass(frozen=True)
class Price:
    """The prices in force for one site, group and day."""

    currency: str
    decimals: int  # the currency's minor unit: money is rounded to this many decimals
    energy: Decimal  # per kWh outside the periods
    idle: Idle | None
    periods: tuple[Period, ...]

    def _with(self, layer: Layer, day: date | None) -> Price:
        """This price with the layer's keys, and those of its changes up to `day` (None:
        before every change), applied."""
        out = self
        for change in (layer, *(c for on, c in layer.changes if day is not None and on <= day)):
            out = replace(
                out,
                energy=out.energy if change.energy is None else change.energy,
                idle=out.idle if change.idle is None else change.idle,
                periods=out.periods if change.periods is None else change.periods,
            )
        return out


@dataclass(frozen=True)
class SiteTariff:
    """A site's own table: its layer, its currency, and its own groups."""

    layer: Layer
    currency: str | None = None
    decimals: int | None = None
    groups: tuple[tuple[str, Layer], ...] = ()


@dataclass(frozen=True)
class Tariff:
    """The config's `[tariff]`: the prices of every site and group, and their changes."""

    currency: str
    decimals: int
    base: Layer
    groups: tuple[tuple[str, Layer], ...] = ()
    sites: tuple[tuple[str, SiteTariff], ...] = ()

    def price(
        self, site: str | None = None, group: str | None = None, day: date | None = None
    ) -> Price:
        """The prices for a session of `group`'s driver at `site` (names, case-insensitive;
        None or an unnamed one: the tariff's own) on the local `day` (None: before every
        change)."""
        own = _find(self.sites, site)
        base = self.base
        price = Price(self.currency, self.decimals, base.energy or Decimal(0), None, ())
        price = price._with(base, day)
        groups = dict((k.casefold(), v) for k, v in self.groups)
        if own is not None:
            price = replace(
                price,
                currency=own.currency or price.currency,
                decimals=own.decimals if own.decimals is not None else price.decimals,
            )._with(own.layer, day)
            groups |= {k.casefold(): v for k, v in own.groups}
        chosen = groups.get(group.casefold()) if group else None
        return price._with(chosen, day) if chosen is not None else price

    @property
    def group_names(self) -> tuple[str, ...]:
        """Every group a price is given for, at any level (case-folded)."""
        names = {g.casefold() for g, _ in self.groups}
        names |= {g.casefold() for _, s in self.sites for g, _ in s.groups}
        return tuple(sorted(names))

    @property
    def site_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.sites)

    def change_dates(self) -> tuple[date, ...]:
        """Every date on which a price changes, at any level."""
        layers = [self.base, *(v for _, v in self.groups)]
        for _, site in self.sites:
            layers += [site.layer, *(v for _, v in site.groups)]
        return tuple(sorted({on for layer in layers for on, _ in layer.changes}))

    def plan(self) -> tuple[PlanRow, ...]:
        """The price of every combination of site (None: any other), group (None: any other,
        and no group) and span of days between changes: a small table a query joins."""
        days = self.change_dates()
        spans = list(zip((None, *days), (*days, None), strict=True))
        return tuple(
            PlanRow(site, group, lo, hi, self.price(site, group, lo))
            for site in (None, *self.site_names)
            for group in (None, *self.group_names)
            for lo, hi in spans
        )


@dataclass(frozen=True)
class PlanRow:
    """The prices for sessions at `site` of drivers in `group` on local days from `lo` up to
    `hi` (excluded); None: any."""

    site: str | None
    group: str | None
    lo: date | None
    hi: date | None
    price: Price


def _find(named: tuple[tuple[str, SiteTariff], ...], name: str | None) -> SiteTariff | None:
    if name is None:
        return None
    return next((v for k, v in named if k.casefold() == name.casefold()), None)


# --- parsing the config's table ---------------------------------------------------------------


def parse(value: Any) -> Tariff:
    """The config's `[tariff]` table as a Tariff; ValueError says what is wrong ("must ...",
    "needs ...")."""
    table = _table(value, "tariff", "[tariff]")
    currency = _currency(table.get("currency"), "currency")
    if currency is None:
        raise ValueError('needs a currency, e.g. currency = "EUR"')
    if "energy" not in table:
        raise ValueError("needs a price per kWh, e.g. energy = 0.30")
    decimals = _decimals(table.get("decimals"), currency)
    sites = _named(table.get("sites"), "sites", lambda name, t: _site(t, f"sites.{name}"))
    return Tariff(
        currency=currency,
        decimals=decimals,
        base=_layer(table, "tariff", ""),
        groups=_named(table.get("groups"), "groups", lambda name, t: _group(t, f"groups.{name}")),
        sites=sites,
    )


def _site(value: Any, where: str) -> SiteTariff:
    table = _table(value, "site", where)
    currency = _currency(table.get("currency"), f"{where}.currency")
    return SiteTariff(
        layer=_layer(table, "site", where),
        currency=currency,
        decimals=_decimals(table.get("decimals"), currency)
        if currency or "decimals" in table
        else None,
        groups=_named(
            table.get("groups"),
            f"{where}.groups",
            lambda name, t: _group(t, f"{where}.groups.{name}"),
        ),
    )


def _group(value: Any, where: str) -> Layer:
    return _layer(_table(value, "group", where), "group", where)


def _layer(table: dict[str, Any], kind: str, where: str) -> Layer:
    """A table's own prices and, where it may have them, its changes on dates."""
    at = f"{where}." if where else ""
    changes: list[tuple[date, Layer]] = []
    if kind != "change":
        raw = table.get("changes", [])
        if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
            raise ValueError(
                f"{at}changes must be an array of tables ([[{at or 'tariff.'}changes]])"
            )
        for n, change in enumerate(raw, start=1):
            here = f"{at}changes[{n}]"
            _table(change, "change", here)
            on = _date(change.get("from"), f"{here}.from")
            changes.append((on, _layer(change, "change", here)))
        dates = [on for on, _ in changes]
        if len(set(dates)) != len(dates):
            raise ValueError(f"{at}changes name the same date twice")
    energy = table.get("energy")
    return Layer(
        energy=None if energy is None else _money(energy, f"{at}energy"),
        idle=None if "idle" not in table else _idle(table["idle"], f"{at}idle"),
        periods=None if "periods" not in table else _periods(table["periods"], f"{at}periods"),
        changes=tuple(sorted(changes, key=lambda c: c[0])),
    )


def _table(value: Any, kind: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a table")
    unknown = sorted(set(value) - set(KEYS[kind]))
    if unknown:
        raise ValueError(
            f"{where} has an unknown key '{unknown[0]}' (known: {', '.join(KEYS[kind])})"
        )
    return value


def _named(value: Any, where: str, parse_one: Any) -> tuple[tuple[str, Any], ...]:
    """[tariff.groups."company cars"] and the like: {name: table}."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be tables named by {where[:-1]} ([tariff.{where}.NAME])")
    seen: set[str] = set()
    out = []
    for name, table in value.items():
        if name.casefold() in seen:
            raise ValueError(f"{where} name {name!r} twice")
        seen.add(name.casefold())
        out.append((name, parse_one(name, table)))
    return tuple(out)


def _money(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{where} must be a price, e.g. 0.30")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where} must be a price, e.g. 0.30, not {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{where} must be a price of 0 or more, not {value!r}")
    return amount


def _currency(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        raise ValueError(f'{where} must be a three-letter currency code such as "EUR"')
    return value.strip().upper()


def _decimals(value: Any, currency: str | None) -> int:
    if value is None:
        return MINOR_UNITS.get(currency or "", 2)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4:
        raise ValueError("decimals must be a whole number from 0 to 4 (the currency's minor unit)")
    return value


def _idle(value: Any, where: str) -> Idle:
    if not isinstance(value, dict) or set(value) - {"after_hours", "per_hour"}:
        raise ValueError(f"{where} must be {{ after_hours = 4.0, per_hour = 1.00 }}")
    after = value.get("after_hours", 0.0)
    if isinstance(after, bool) or not isinstance(after, int | float) or not 0 <= after < 1e5:
        raise ValueError(f"{where}.after_hours must be a number of hours, 0 or more")
    if "per_hour" not in value:
        raise ValueError(f"{where} needs per_hour, the fee per hour")
    return Idle(float(after), _money(value["per_hour"], f"{where}.per_hour"))


def _periods(value: Any, where: str) -> tuple[Period, ...]:
    if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
        raise ValueError(f"{where} must be an array of tables ([[tariff.periods]])")
    out = []
    for n, period in enumerate(value, start=1):
        here = f"{where}[{n}]"
        unknown = sorted(set(period) - {"from", "to", "energy", "days"})
        if unknown:
            raise ValueError(
                f"{here} has an unknown key '{unknown[0]}' (known: from, to, energy, days)"
            )
        for key in ("from", "to", "energy"):
            if key not in period:
                raise ValueError(f"{here} needs {key}")
        start, end = _minute(period["from"], f"{here}.from"), _minute(period["to"], f"{here}.to")
        if start == end % 1440:
            raise ValueError(f"{here}: from and to are the same time")
        out.append(
            Period(
                start,
                end,
                _money(period["energy"], f"{here}.energy"),
                _days(period.get("days"), here),
            )
        )
    return tuple(out)


def _minute(value: Any, where: str) -> int:
    """Minutes after local midnight of "17:00" (or a TOML time 17:00:00); "24:00" is 1440."""
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip()) if isinstance(value, str) else None
    if (
        not match
        or int(match[1]) > 24
        or int(match[2]) > 59
        or (int(match[1]) == 24 and int(match[2]))
    ):
        raise ValueError(f'{where} must be a local time of day such as "17:00", not {value!r}')
    return int(match[1]) * 60 + int(match[2])


def _days(value: Any, where: str) -> tuple[int, ...]:
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
        raise ValueError(f'{where}.days must be a list such as ["mon", "tue"] or "weekdays"')
    out: set[int] = set()
    for name in names:
        key = (
            name.strip().lower()[:3]
            if name.strip().lower() not in DAY_SETS
            else name.strip().lower()
        )
        if key in DAY_SETS:
            out.update(DAY_SETS[key])
        elif key in DAYS:
            out.add(DAYS.index(key) + 1)
        else:
            raise ValueError(
                f"{where}.days: {name!r} is not a day (mon ... sun, weekdays, weekends)"
            )
    return tuple(sorted(out))


def _date(value: Any, where: str) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{where} must be a date, e.g. from = 2026-01-01")
