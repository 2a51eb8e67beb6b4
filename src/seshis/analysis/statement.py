"""Energy statements: kWh, hours and cost per calendar month (in each site's zone) × driver (or
tag, or group) × site, priced at the config's tariff, with subtotals per driver, site and month
and totals; and the sessions whose energy a bill cannot stand on (impossible power, or a
meter's lifetime reading), flagged and left out unless the user keeps them.

Vectorised in DuckDB: each session is cut at the instants where a price or a month can change
(every local midnight of its days, the start and end of every time-of-day period on those days,
when charging finished, when the idle fee starts), generated per session with `range` over its
local days joined to a small table of period edges; each piece takes the price of its local day
and minute from a join with the tariff's plan (every site × group × span between price changes,
resolved once in Python). Energy is spread over the charging time at constant power. The
grouped rows come back per month, site and driver, never per session; money is rounded there,
once per line, half up to the currency's minor unit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ..dataset import Dataset
from ..dates import DateRange
from ..people import People
from ..store import lit
from ..tariffs import Tariff
from .options import Options
from .sites import Sites, sites_of

MAX_KW = 350.0  # above any charger's power: an average above it is impossible
DEFAULT_MAX_SESSION_KWH = 200.0  # more than any car's battery holds: a lifetime reading?
STATION_MARGIN = 2.0  # an average power this many times the station's best elsewhere...
STATION_OTHERS = 10  # ...over at least this many of its other sessions
RATING_TOLERANCE = 1.05  # a meter's few percent above the rating given in the config
EXACT = Decimal("0.000001")  # a line's amount before rounding: floating noise cleared
UNMAPPED, NO_GROUP = "u:", "g:"  # line keys of the group statement: not in the file, no group


@dataclass(frozen=True)
class Terms:
    """What a statement is built with: the tariff (None: kWh and hours without a price), who
    is who, the rows per driver, tag or group, and what makes a session's energy suspect."""

    tariff: Tariff | None = None
    people: People | None = None
    by: str = "driver"  # driver | tag | group
    include_suspect: bool = False
    max_kw: float | None = None  # a rating given in the config
    max_session_kwh: float = DEFAULT_MAX_SESSION_KWH


@dataclass(frozen=True)
class Amounts:
    """Sessions, energy, hours and money of a line or a sum of lines. Money is None without a
    tariff; `cost` is the energy charge plus the idle fee."""

    sessions: int = 0
    kwh: float = 0.0
    plugged_h: float = 0.0
    charging_h: float = 0.0
    idle_h: float = 0.0  # hours the idle fee was charged for
    energy_cost: Decimal | None = None
    idle_fee: Decimal | None = None
    currency: str | None = None

    @property
    def cost(self) -> Decimal | None:
        if self.energy_cost is None or self.idle_fee is None:
            return None
        return self.energy_cost + self.idle_fee

    def __add__(self, other: Amounts) -> Amounts:
        def money(a: Decimal | None, b: Decimal | None) -> Decimal | None:
            if a is None or b is None:
                return b if a is None else a
            return a + b

        return Amounts(
            self.sessions + other.sessions,
            self.kwh + other.kwh,
            self.plugged_h + other.plugged_h,
            self.charging_h + other.charging_h,
            self.idle_h + other.idle_h,
            money(self.energy_cost, other.energy_cost),
            money(self.idle_fee, other.idle_fee),
            self.currency or other.currency,
        )


@dataclass(frozen=True)
class Who:
    """Whom a line is for: a driver (by the drivers file's name, else the id), a tag, or a
    group; the unclaimed sessions; or, without driver data, nobody."""

    driver: str | None  # the name, or the id; None for the unclaimed sessions and by group
    ids: tuple[str, ...] = ()  # the driver ids and tags in the line
    group: str | None = None
    mapped: bool = False  # found in the drivers file
    unclaimed: bool = False

    @property
    def key(self) -> tuple[bool, bool, str, str]:
        """Claimed first, by name (case-insensitive); the drivers of no group not in the drivers
        file (a statement per group) after the groups; the unclaimed sessions last."""
        nameless = self.driver is None and self.group is None
        name = self.driver or self.group or ""
        return (self.unclaimed, nameless, name.casefold(), name)


@dataclass(frozen=True)
class Line:
    """One detail line of a statement: a month, a site, whom; its amounts."""

    month: date  # the first day of the month
    site: str
    who: Who
    amounts: Amounts


@dataclass(frozen=True)
class Subtotal:
    """The sum of some lines (a driver's, a site's, a month's, or all), in one currency."""

    name: str | None  # the driver's, group's or site's name, or the month (YYYY-MM); None:
    # the unclaimed sessions, or the whole statement
    amounts: Amounts
    who: Who | None = None  # for a driver's subtotal


@dataclass(frozen=True)
class Suspect:
    """A session whose energy a bill cannot stand on, with its figures and why."""

    session_id: str
    site: str
    station: str | None
    driver: str | None  # the id (None: unclaimed)
    name: str | None  # the drivers file's name
    start: datetime  # in the site's zone
    kwh: float
    plugged_h: float
    kw: float | None  # average over the time plugged in
    why: str  # kwh | max_kw | rating | station
    station_kw: float | None = None  # the highest of the station's other sessions
    station_sessions: int = 0
    rating_kw: float | None = None


@dataclass(frozen=True)
class Statement:
    """A statement of a window: detail lines, subtotals beside them, totals per currency, the
    suspect sessions (left out unless `included`), and how money was rounded."""

    window: DateRange
    by: str
    lines: tuple[Line, ...]
    drivers: tuple[Subtotal, ...]  # per driver (tag, group), unclaimed last
    sites: tuple[Subtotal, ...]
    months: tuple[Subtotal, ...]
    totals: tuple[Subtotal, ...]  # one per currency (one, unless sites bill in several)
    suspect: tuple[Suspect, ...]
    included: bool  # the suspect sessions are in the lines
    excluded: Amounts  # what the suspect sessions left out hold (sessions, kWh, hours)
    tariff: Tariff | None
    people: str | None  # the drivers file
    has_drivers: bool  # the data says who charged
    site_zones: tuple[tuple[str, str], ...]  # each site's zone, by name
    unpriced_sites: tuple[str, ...] = ()  # sites the tariff names that the data lacks
    rounding: str = "half_up"  # once per line, each amount, to the currency's minor unit

    @property
    def priced(self) -> bool:
        return self.tariff is not None

    @property
    def total(self) -> Amounts:
        """Every line's sessions, kWh and hours (money only when in one currency)."""
        summed = sum((t.amounts for t in self.totals), Amounts())
        if len(self.totals) > 1:
            return Amounts(summed.sessions, summed.kwh, summed.plugged_h, summed.charging_h)
        return summed

    def of_month(self, month: date) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.month == month)

    def of_driver(self, who: Who) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.who == who)

    @property
    def month_list(self) -> tuple[date, ...]:
        return tuple(sorted({line.month for line in self.lines}))


def build_statement(
    data: Dataset, window: DateRange, options: Options | None = None, terms: Terms | None = None
) -> Statement:
    """The statement of `data` over `window` (sessions by start, in each site's zone, as the
    report counts them), for the report's site and driver when `options` names one."""
    options, terms = options or Options(), terms or Terms()
    sites = sites_of(data, window, options.site, options.site_aliases)
    names = {s.key: s.name for s in sites.sites}
    user = f" AND lower(user_id) = lower({lit(options.user)})" if options.user else ""
    suspect = _suspects(data, sites, terms, user, names)
    left_out = () if terms.include_suspect else tuple(s.session_id for s in suspect)
    rows = data.store.rows(_statement_sql(sites, terms, user, left_out, names))
    lines = tuple(sorted(_lines(rows, names, terms), key=lambda x: (x.month, x.site, x.who.key)))
    excluded = Amounts(
        sessions=len(left_out),
        kwh=sum(s.kwh for s in suspect) if left_out else 0.0,
        plugged_h=sum(s.plugged_h for s in suspect) if left_out else 0.0,
    )
    known = {n.casefold() for n in names.values()}
    tariff = terms.tariff
    return Statement(
        window=sites.windows[0] if sites.only else window,
        by=terms.by,
        lines=lines,
        drivers=_subtotals(lines, lambda x: x.who),
        sites=_subtotals(lines, lambda x: x.site),
        months=_subtotals(lines, lambda x: x.month),
        totals=_subtotals(lines, lambda x: None),
        suspect=suspect,
        included=terms.include_suspect,
        excluded=excluded,
        tariff=tariff,
        people=terms.people.source if terms.people else None,
        has_drivers=data.drivers,
        site_zones=tuple(
            (s.name, w.timezone) for s, w in zip(sites.sites, sites.windows, strict=True)
        ),
        unpriced_sites=tuple(
            n for n in (tariff.site_names if tariff else ()) if n.casefold() not in known
        ),
    )


# --- the lines ---------------------------------------------------------------------------------


def _values(rows: Iterable[tuple[object, ...]], columns: str, types: tuple[str, ...]) -> str:
    """A small inline table (a CTE's body): VALUES, or an empty typed one."""
    body = [", ".join(_literal(v) for v in row) for row in rows]
    if not body:
        nulls = ", ".join(
            f"NULL::{t} AS {c}" for t, c in zip(types, columns.split(", "), strict=True)
        )
        return f"SELECT {nulls} WHERE FALSE"
    typed = ", ".join(
        f"col{i}::{t} AS {c}"
        for i, (t, c) in enumerate(zip(types, columns.split(", "), strict=True))
    )
    values = ", ".join(f"({b})" for b in body)
    named = ", ".join(f"col{i}" for i in range(len(types)))
    return f"SELECT {typed} FROM (VALUES {values}) v({named})"


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return repr(float(value)) if isinstance(value, float | Decimal) else str(value)
    if isinstance(value, date):
        return lit(value.isoformat())
    return lit(value)


FAR_PAST, FAR_FUTURE = date(1, 1, 1), date(9999, 12, 31)
ANY = "*"


def _plan_tables(sites: Sites, tariff: Tariff | None) -> tuple[str, str, str, str]:
    """The plan (site key, group, days, prices), its periods, the period edges (minutes of the
    day where a price may change) and the SQL choosing a session's plan keys."""
    key_of = {s.name.casefold(): s.key for s in sites.sites}
    plan: list[tuple[object, ...]] = []
    periods: list[tuple[object, ...]] = []
    edges = {0}
    rows = tariff.plan() if tariff else ()
    for pid, row in enumerate(rows):
        site = ANY if row.site is None else key_of.get(row.site.casefold())
        if site is None:  # a site the data does not hold
            continue
        p = row.price
        idle = p.idle if p.idle and p.idle.per_hour > 0 else None
        plan.append(
            (
                pid,
                site,
                ANY if row.group is None else row.group,
                row.lo or FAR_PAST,
                row.hi or FAR_FUTURE,
                p.energy,
                idle.after_hours * 3600 if idle else None,
                idle.per_hour if idle else 0.0,
                p.currency,
                p.decimals,
            )
        )
        for order, period in enumerate(p.periods):
            mask = sum(1 << d for d in period.days)
            periods.append(
                (pid, order, period.start, period.end % 1440 or 1440, mask, period.energy)
            )
            edges |= {period.start % 1440, period.end % 1440}
    if not plan:  # no tariff: one plan of no price
        plan.append((0, ANY, ANY, FAR_PAST, FAR_FUTURE, 0.0, None, 0.0, None, None))
    plan_sql = _values(
        plan,
        "pid, psite, pgroup, lo, hi, energy, idle_after_s, idle_per_h, currency, decimals",
        (
            "INTEGER",
            "VARCHAR",
            "VARCHAR",
            "DATE",
            "DATE",
            "DOUBLE",
            "DOUBLE",
            "DOUBLE",
            "VARCHAR",
            "INTEGER",
        ),
    )
    periods_sql = _values(
        periods,
        "pid, ord, lo_m, hi_m, days, energy",
        ("INTEGER", "INTEGER", "INTEGER", "INTEGER", "INTEGER", "DOUBLE"),
    )
    edges_sql = _values([(m,) for m in sorted(edges)], "m", ("INTEGER",))
    named_sites = sorted({str(r[1]) for r in plan if r[1] != ANY})
    named_groups = sorted({str(r[2]) for r in plan if r[2] != ANY})
    choose = (
        f"CASE WHEN site_key IN ({', '.join(lit(k) for k in named_sites) or 'NULL'}) "
        f"THEN site_key ELSE '{ANY}' END AS psite, "
        f"CASE WHEN lower(grp) IN ({', '.join(lit(g) for g in named_groups) or 'NULL'}) "
        f"THEN lower(grp) ELSE '{ANY}' END AS pgroup"
    )
    return plan_sql, periods_sql, edges_sql, choose


def _people_sql(people: People | None) -> str:
    rows = [(k, p.name, p.group) for k, p in (people.by_id if people else ())]
    return _values(rows, "tag, person, grp", ("VARCHAR", "VARCHAR", "VARCHAR"))


def _line_key(by: str) -> str:
    """Whom a session's line is for, in SQL: NULL for the unclaimed sessions."""
    if by == "tag":
        return "user_id"
    if by == "group":
        grouped = f"'{NO_GROUP}' || coalesce(lower(grp), '')"
        return f"CASE WHEN person IS NULL THEN '{UNMAPPED}' ELSE {grouped} END"
    return "coalesce('p:' || lower(person), 'i:' || user_id)"


def _statement_sql(
    sites: Sites, terms: Terms, user: str, left_out: tuple[str, ...], names: dict[str, str]
) -> str:
    plan, periods, edges, choose = _plan_tables(sites, terms.tariff)
    out = f" AND session_id NOT IN ({', '.join(lit(s) for s in left_out)})" if left_out else ""
    us = "epoch_us"
    return f"""
    WITH plan AS ({plan}), periods AS ({periods}), edges AS ({edges}),
    people AS ({_people_sql(terms.people)}),
    base AS (
        SELECT row_number() OVER () AS n, {sites.key_sql()} AS site_key, {sites.zone_sql()} AS zone,
            user_id, start, "end" AS stop, kwh,
            CASE WHEN done_charging > start THEN least(done_charging, "end") ELSE "end" END
                AS charged
        FROM {sites.relation()}
        WHERE problem IS NULL AND {sites.in_window_sql()}{user}{out}
    ),
    s AS (
        SELECT *, {choose}, timezone(zone, start) AS local_start
        FROM (SELECT b.*, pe.person, pe.grp FROM base b
              LEFT JOIN people pe ON pe.tag = lower(trim(b.user_id)))
    ),
    s2 AS (
        SELECT s.*, CASE WHEN p.idle_after_s IS NOT NULL
            THEN start + to_microseconds((p.idle_after_s * 1e6)::BIGINT) END AS idle_from
        FROM s JOIN plan p ON p.psite = s.psite AND p.pgroup = s.pgroup
            AND local_start::DATE >= p.lo AND local_start::DATE < p.hi
    ),
    days AS (
        SELECT n, start, stop, zone,
            unnest(range(date_trunc('day', local_start), timezone(zone, stop), INTERVAL 1 DAY))
                AS day
        FROM s2
    ),
    cuts AS (
        SELECT n, start AS cut FROM s2
        UNION SELECT n, charged FROM s2 WHERE charged > start AND charged < stop
        UNION SELECT n, idle_from FROM s2 WHERE idle_from > start AND idle_from < stop
        UNION SELECT n, cut FROM (
            SELECT n, start, stop, timezone(zone, day + to_minutes(e.m)) AS cut FROM days, edges e
        ) WHERE cut > start AND cut < stop
    ),
    pieces AS (
        SELECT c.n, c.cut AS a,
            coalesce(lead(c.cut) OVER (PARTITION BY c.n ORDER BY c.cut), s2.stop) AS b,
            s2.* EXCLUDE (n), timezone(s2.zone, c.cut) AS la
        FROM cuts c JOIN s2 USING (n)
    ),
    priced AS (
        SELECT x.*, p.energy AS base_price, p.idle_per_h, p.currency, p.decimals,
            pr.energy AS period_price
        FROM pieces x
        JOIN plan p ON p.psite = x.psite AND p.pgroup = x.pgroup
            AND x.la::DATE >= p.lo AND x.la::DATE < p.hi
        LEFT JOIN periods pr ON pr.pid = p.pid
            AND (pr.days = 0 OR (pr.days >> isodow(x.la)) & 1 = 1)
            AND (CASE WHEN pr.lo_m < pr.hi_m
                    THEN hour(x.la) * 60 + minute(x.la) >= pr.lo_m
                        AND hour(x.la) * 60 + minute(x.la) < pr.hi_m
                    ELSE hour(x.la) * 60 + minute(x.la) >= pr.lo_m
                        OR hour(x.la) * 60 + minute(x.la) < pr.hi_m END)
        QUALIFY row_number() OVER (PARTITION BY x.n, x.a ORDER BY pr.ord NULLS LAST) = 1
    ),
    measured AS (
        SELECT *,
            ({us}(b) - {us}(a)) / 1e6 AS plugged_s,
            greatest({us}(least(b, charged)) - {us}(a), 0) / 1e6 AS charging_s,
            CASE WHEN idle_from IS NOT NULL AND a >= idle_from
                THEN ({us}(b) - {us}(a)) / 1e6 ELSE 0 END AS idle_s,
            coalesce(period_price, base_price) AS price
        FROM priced
    ),
    shared AS (
        SELECT *,
            CASE WHEN charged > start
                THEN kwh * charging_s / (({us}(charged) - {us}(start)) / 1e6)
                WHEN a = start THEN kwh ELSE 0 END AS energy
        FROM measured
    )
    SELECT date_trunc('month', la)::DATE AS month, site_key, user_id IS NULL AS unclaimed,
        CASE WHEN user_id IS NOT NULL THEN {_line_key(terms.by)} END AS line,
        any_value(person) AS person, any_value(grp) AS grp, bool_and(person IS NOT NULL) AS mapped,
        list(DISTINCT user_id ORDER BY user_id) FILTER (user_id IS NOT NULL) AS ids,
        any_value(currency) AS currency, any_value(decimals) AS decimals,
        count(*) FILTER (a = start) AS sessions, sum(energy), sum(plugged_s), sum(charging_s),
        sum(idle_s), sum(energy * price), sum(idle_s / 3600.0 * idle_per_h)
    FROM shared
    GROUP BY month, site_key, unclaimed, line, currency
    """


def money(amount: float | None, decimals: int | None) -> Decimal | None:
    """An amount rounded once: its floating noise cleared (to a millionth), then half up to
    the currency's minor unit."""
    if amount is None or decimals is None:
        return None
    exact = Decimal(repr(float(amount))).quantize(EXACT, ROUND_HALF_EVEN)
    return exact.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def _lines(rows: list[tuple[Any, ...]], names: dict[str, str], terms: Terms) -> list[Line]:
    out = []
    priced = terms.tariff is not None
    for (
        month,
        site_key,
        unclaimed,
        line,
        person,
        grp,
        mapped,
        ids,
        currency,
        decimals,
        sessions,
        kwh,
        plugged,
        charging,
        idle,
        energy_cost,
        idle_cost,
    ) in rows:
        if unclaimed:
            who = Who(None, unclaimed=True)
        elif terms.by == "group":
            who = Who(None, (), None if line in (UNMAPPED, NO_GROUP) else grp, line != UNMAPPED)
        else:
            who = Who(
                person if terms.by == "driver" and person else ids[0], tuple(ids), grp, bool(mapped)
            )
        out.append(
            Line(
                month,
                names.get(site_key, site_key),
                who,
                Amounts(
                    int(sessions),
                    float(kwh or 0),
                    float(plugged or 0) / 3600,
                    float(charging or 0) / 3600,
                    float(idle or 0) / 3600,
                    money(energy_cost, decimals) if priced else None,
                    money(idle_cost, decimals) if priced else None,
                    currency if priced else None,
                ),
            )
        )
    return out


def _subtotals(lines: tuple[Line, ...], key: Callable[[Line], object]) -> tuple[Subtotal, ...]:
    """The sums of the lines' rounded amounts, per key (a driver, a site, a month, or None for
    all) and currency; unclaimed last, months in order."""
    sums: dict[tuple[object, str | None], Amounts] = {}
    for line in lines:
        at = (key(line), line.amounts.currency)
        sums[at] = sums.get(at, Amounts()) + line.amounts
    out = []
    for (k, _currency), amounts in sums.items():
        if isinstance(k, Who):
            out.append(Subtotal(k.driver or k.group, amounts, k))
        elif isinstance(k, date):
            out.append(Subtotal(k.strftime("%Y-%m"), amounts))
        else:
            out.append(Subtotal(k if isinstance(k, str) else None, amounts))

    def order(s: Subtotal) -> tuple[object, ...]:
        who = s.who.key if s.who else (False, False, (s.name or "").casefold(), s.name or "")
        return (*who, s.amounts.currency or "")

    return tuple(sorted(out, key=order))


# --- suspect energy -----------------------------------------------------------------------------


def _suspects(
    data: Dataset, sites: Sites, terms: Terms, user: str, names: dict[str, str]
) -> tuple[Suspect, ...]:
    """The sessions of the window whose energy is impossible: more than `max_session_kwh` (a
    meter's lifetime reading), or an average power over the time plugged in (the least it can
    have been) above 350 kW, above the config's rating, or more than twice the highest of the
    station's other sessions (at least 10 of them, over all the data loaded)."""
    rating = f"kw > {float(terms.max_kw) * RATING_TOLERANCE}" if terms.max_kw else "FALSE"
    rows = data.store.rows(
        f"""
        WITH v AS (
            SELECT session_id, {sites.key_sql()} AS site_key, station_id, user_id, start, kwh,
                ({sites.in_window_sql()}){user} AS inside, {sites.zone_sql()} AS zone,
                (epoch_us("end") - epoch_us(start)) / 3.6e9 AS hours,
                kwh / nullif((epoch_us("end") - epoch_us(start)) / 3.6e9, 0) AS kw
            FROM {sites.relation()} WHERE problem IS NULL AND kwh > 0
        ),
        w AS (
            SELECT *,
                max(kw) OVER (PARTITION BY site_key, station_id ORDER BY kw
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                    EXCLUDE CURRENT ROW) AS others_kw,
                count(kw) OVER (PARTITION BY site_key, station_id) - 1 AS others
            FROM v
        )
        SELECT session_id, site_key, station_id, user_id, start, kwh, hours, kw,
            CASE WHEN kwh > {float(terms.max_session_kwh)} THEN 'kwh'
                WHEN kw > {MAX_KW} THEN 'max_kw'
                WHEN {rating} THEN 'rating'
                ELSE 'station' END AS why,
            others_kw, others
        FROM w
        WHERE inside AND (kwh > {float(terms.max_session_kwh)} OR kw > {MAX_KW} OR {rating}
            OR (station_id IS NOT NULL AND others >= {STATION_OTHERS}
                AND kw > {STATION_MARGIN} * others_kw))
        ORDER BY start, session_id
        """
    )
    zone_of = {s.key: w.timezone for s, w in zip(sites.sites, sites.windows, strict=True)}
    out = []
    for sid, key, station, driver, start, kwh, hours, kw, why, others_kw, others in rows:
        person = terms.people.get(driver) if terms.people and driver else None
        local = start.astimezone(ZoneInfo(zone_of.get(key, sites.window.timezone)))
        out.append(
            Suspect(
                sid,
                names.get(key, key),
                station,
                driver,
                person.name if person else None,
                local,
                float(kwh),
                float(hours),
                None if kw is None else float(kw),
                why,
                None if others_kw is None else float(others_kw),
                int(others or 0),
                terms.max_kw,
            )
        )
    return tuple(out)
