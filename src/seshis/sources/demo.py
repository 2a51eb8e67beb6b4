"""The built-in demo site: 90 days of a 40-station workplace site, ending now.

Generated in DuckDB SQL from a hash of each slot, so it is the same for the same moment and
costs no Python loop. Realistic enough for every report to have something to show: empty and
micro sessions, unclaimed sessions (mostly failed ones), one station that fails far more often
than the rest (DEMO-17), users who charge well and users who struggle.
"""

from __future__ import annotations

from datetime import datetime

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


def load_demo(store: InputStore, now: datetime) -> None:
    """Add the demo sessions, every one ending before `now` (an aware datetime)."""
    users = ", ".join(f"({i}, {lit(u)})" for i, u in enumerate(USERS))
    store.add(_SQL.format(now=lit(now.isoformat()), users=users), "demo", materialize=True)


# u(salt) is a uniform number in [0, 1) drawn from the slot index and a salt.
_U = "((hash(i, {salt}) % 1000000) / 1000000.0)"


def _u(salt: int) -> str:
    return _U.format(salt=salt)


_SQL = f"""
WITH params AS (
    SELECT {{now}}::TIMESTAMPTZ AS now_utc,
           timezone('{TIMEZONE}', {{now}}::TIMESTAMPTZ) AS now_local
),
users(n, email) AS (VALUES {{users}}),
slots AS (
    SELECT d, s, k, (d * {STATIONS} + s) * 4 + k AS i,
           (now_local::DATE - d::INTEGER) AS day
    FROM range({DAYS}) a(d), range({STATIONS}) b(s), range(4) c(k), params
),
drawn AS (
    SELECT *,
        isodow(day) >= 6 AS weekend,
        'DEMO-' || lpad((s + 1)::VARCHAR, 2, '0') AS station,
        {_u(1)} AS u_take, {_u(2)} AS u_claim, {_u(3)} AS u_user, {_u(4)} AS u_cat,
        {_u(5)} AS u_start, {_u(6)} AS u_amps, {_u(7)} AS u_hours, {_u(8)} AS u_micro
    FROM slots
),
taken AS (
    SELECT *, station = '{FAILING_STATION}' AS failing,
        u_claim < CASE WHEN station = '{FAILING_STATION}' THEN 0.25 ELSE 0.11 END AS unclaimed,
        floor(pow(u_user, 1.15) * 120)::INTEGER AS user_n
    FROM drawn
    WHERE u_take < CASE WHEN weekend THEN 0.30 ELSE 0.72 END
),
profiled AS (
    SELECT t.*, users.email,
        (user_n % 10 = 3) AS struggling,
        CASE
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
    -- arrivals 6-9h, 10-13h, 14-17h, 18-21h local; the last one may stay overnight. Only
    -- sessions that have ended by now are kept (the API leaves out active ones), so Today
    -- fills up as the day goes on, like a real site's.
    SELECT *, (6 + k * 4 + u_start * 3) * 3600 AS start_s
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
