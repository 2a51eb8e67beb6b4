"""The built-in demo site: 90 days of a 40-station workplace site, ending now; and the demo
network: that site and three more, in three time zones.

Generated in DuckDB SQL from a hash of each slot, so it is the same for the same moment and
costs no Python loop. Realistic enough for every report to have something to show: empty and
micro sessions, unclaimed sessions (mostly failed ones), one station that fails far more often
than the rest (DEMO-17), users who charge well and users who struggle. In the network, one site
fails as a whole since a few days ago (Lakeside Depot) and one station was repaired a week ago
(HG-05 at Harbor Garage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..dataset import Site
from ..store import InputStore, lit

SITE = "Demo Site"
LOCATION = "Pasadena, CA"
TIMEZONE = "America/Los_Angeles"
ACN, ACCOUNT = "0021", "16"
STATIONS = 40
DAYS = 90
FAILING_STATION = "DEMO-17"

_FIRST = (
    "alex avery blake casey dana drew eden emery finley gray harper jamie jordan kai lee "
    "morgan noel parker quinn reese riley rowan sage taylor"
).split()
_LAST = "chen garcia kim lopez novak okafor patel rossi".split()
USERS = [f"{f}.{last}@example.com" for last in _LAST[:5] for f in _FIRST]  # 120 users


@dataclass(frozen=True)
class DemoSite:
    """One site of the demo: its stations are PREFIX-01 ..., its sessions drawn with its own
    salt. `failing` fails all the time; the whole site fails for the last `site_failing_days`
    days; `repaired` failed from 37 to 7 days ago."""

    name: str
    location: str
    timezone: str
    acn: str
    account: str
    prefix: str
    stations: int
    salt: int = 0
    failing: str | None = None
    site_failing_days: int = 0
    repaired: str | None = None


HOME = DemoSite(SITE, LOCATION, TIMEZONE, ACN, ACCOUNT, "DEMO", STATIONS, 0, FAILING_STATION)
NETWORK = (
    HOME,
    DemoSite(
        "Harbor Garage",
        "Long Beach, CA",
        TIMEZONE,
        "0034",
        "16",
        "HG",
        12,
        100,
        repaired="HG-05",
    ),
    DemoSite(
        "Lakeside Depot",
        "Chicago, IL",
        "America/Chicago",
        "0042",
        "21",
        "LD",
        10,
        200,
        site_failing_days=5,
    ),
    DemoSite("Riverside Park", "Cambridge, UK", "Europe/London", "0057", "30", "RP", 8, 300),
)
NETWORK_NAME = "Demo Network"


def load_demo(store: InputStore, now: datetime, network: bool = False) -> None:
    """Add the demo sessions, every one ending before `now` (an aware datetime): the demo
    site's, or with `network` those of every site of the demo network."""
    users = ", ".join(f"({i}, {lit(u)})" for i, u in enumerate(USERS))
    for site in NETWORK if network else (HOME,):
        sql = _site_sql(site).format(now=lit(now.isoformat()), users=users)
        store.add(sql, f"demo {site.name}" if network else "demo", materialize=True)


def network_sites() -> tuple[Site, ...]:
    """The demo network's sites, each in its zone (its sessions' `site` is its name)."""
    return tuple(Site(s.name, s.name, s.location, s.timezone) for s in NETWORK)


def _u(salt: int) -> str:
    """A uniform number in [0, 1) drawn from the slot index and a salt."""
    return f"((hash(i, {salt}) % 1000000) / 1000000.0)"


def _site_sql(site: DemoSite) -> str:
    """The sessions of one demo site (with {now} and {users} to fill in)."""
    return _SQL.format(
        TIMEZONE=site.timezone,
        STATIONS=site.stations,
        DAYS=DAYS,
        PREFIX=site.prefix,
        FAILING_STATION=site.failing or "",
        FAILING_NOW=(
            f"(d < {site.site_failing_days} AND u_site < 0.85)"
            if site.site_failing_days
            else "FALSE"
        ),
        REPAIRED=f"(station = {lit(site.repaired)} AND d >= 7 AND d < 37)"
        if site.repaired
        else "FALSE",
        ACN=site.acn,
        ACCOUNT=site.account,
        SITE=site.name.replace("'", "''"),
        **{f"U{n}": _u(n + site.salt) for n in range(1, 10)},
        now="{now}",
        users="{users}",
    )


_SQL = """
WITH params AS (
    SELECT {now}::TIMESTAMPTZ AS now_utc,
           timezone('{TIMEZONE}', {now}::TIMESTAMPTZ) AS now_local
),
users(n, email) AS (VALUES {users}),
slots AS (
    SELECT d, s, k, (d * {STATIONS} + s) * 4 + k AS i,
           (now_local::DATE - d::INTEGER) AS day
    FROM range({DAYS}) a(d), range({STATIONS}) b(s), range(4) c(k), params
),
drawn AS (
    SELECT *,
        isodow(day) >= 6 AS weekend,
        '{PREFIX}-' || lpad((s + 1)::VARCHAR, 2, '0') AS station,
        {U1} AS u_take, {U2} AS u_claim, {U3} AS u_user, {U4} AS u_cat,
        {U5} AS u_start, {U6} AS u_amps, {U7} AS u_hours, {U8} AS u_micro, {U9} AS u_site
    FROM slots
),
taken AS (
    SELECT *, (station = '{FAILING_STATION}' OR {FAILING_NOW} OR {REPAIRED}) AS failing,
        u_claim < CASE WHEN station = '{FAILING_STATION}' THEN 0.25 ELSE 0.11 END AS unclaimed,
        floor(pow(u_user, 1.15) * 120)::INTEGER AS user_n
    FROM drawn
    WHERE u_take < CASE WHEN weekend THEN 0.30 ELSE 0.72 END
),
profiled AS (
    SELECT t.*, users.email,
        (user_n % 10 = 3) AS struggling,
        CASE
            WHEN {REPAIRED} THEN [0.75, 0.15]
            WHEN failing THEN [0.55, 0.15]
            WHEN unclaimed THEN [0.45, 0.30]
            WHEN user_n % 10 = 3 THEN [0.22, 0.14]
            ELSE [0.045, 0.025]
        END AS p
    FROM taken t JOIN users ON users.n = t.user_n
),
categorised AS (
    SELECT *,
        CASE WHEN u_cat < p[1] THEN 'EMPTY' WHEN u_cat < p[1] + p[2] THEN 'MICRO'
             ELSE 'NORMAL' END AS cat,
        CASE
            WHEN unclaimed THEN 5 + u_amps * 20
            WHEN user_n % 10 = 3 THEN 3 + u_amps * 6
            WHEN user_n % 3 = 1 THEN 8.5 + u_amps * 7
            ELSE 16.5 + u_amps * 13
        END AS amps
    FROM profiled
),
arrivals AS (
    -- arrivals spread over the day as a real site's: four overlapping spells from 05:00 to
    -- 22:15 local (5-9:30, 9:15-13:45, 13:30-18:00, 17:45-22:15), the last one may stay
    -- overnight. Only sessions that have ended by now are kept (the API leaves out active
    -- ones), so Today fills up as the day goes on.
    SELECT *, (5 + k * 4.25 + u_start * 4.5) * 3600 AS start_s
    FROM categorised
),
timed AS (
    SELECT *,
        CASE cat
            WHEN 'EMPTY' THEN 20 + u_hours * 600
            WHEN 'MICRO' THEN 300 + u_hours * 3000
            ELSE (CASE WHEN k = 3 THEN 1 + u_hours * 9 ELSE 0.75 + u_hours * 3 END) * 3600
        END AS dur_s
    FROM arrivals
),
final AS (
    SELECT *,
        timezone('{TIMEZONE}', day::TIMESTAMP + to_seconds(start_s::BIGINT)) AS start_utc,
        CASE cat
            WHEN 'EMPTY' THEN 0.0
            WHEN 'MICRO' THEN round(0.02 + u_micro * 0.9, 3)
            ELSE round(amps * 208 * (dur_s / 3600.0) / 1000.0, 3)
        END AS energy
    FROM timed
)
SELECT
    '{ACN}-{ACCOUNT}-' || strftime(day, '%Y%m%d') || '-' || lpad((s + 1)::VARCHAR, 2, '0')
        || '-' || k::VARCHAR AS session_id,
    '{SITE}' AS site, '{ACN}' AS acn, '{ACCOUNT}' AS account,
    station AS station_id, 'P-' || (101 + s)::VARCHAR AS space,
    CASE WHEN unclaimed THEN NULL ELSE email END AS user_id,
    start_utc AS start,
    start_utc + to_seconds(dur_s::BIGINT + 1) AS "end",
    CASE WHEN cat = 'NORMAL'
         THEN start_utc + to_seconds((dur_s * least(1.0, 0.5 + u_micro * 0.6))::BIGINT) END
        AS done_charging,
    energy AS kwh, '{TIMEZONE}' AS timezone, 'COMPLETED' AS status, 'J1772' AS evse_type,
    CASE WHEN unclaimed THEN 'none' ELSE 'app' END AS authorization_source,
    NULL AS vehicle, round(energy * 0.32, 2) AS cost, 'demo' AS origin, NULL AS raw,
    start_utc AS _raw_start, start_utc + to_seconds(dur_s::BIGINT + 1) AS _raw_end,
    energy AS _raw_kwh
FROM final, params
WHERE start_utc + to_seconds(dur_s::BIGINT + 1) <= now_utc
"""
