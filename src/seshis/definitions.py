"""The definitions (README: Definitions), in one place: categories, performance bands, health
thresholds.

Everything that classifies a session is written here as a DuckDB SQL expression so the CLI,
the analysis and every renderer agree, and so classification runs vectorised in the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_THRESHOLD_KWH = 1.0
DEFAULT_VOLTAGE = 208.0
HIGH_AMPS = 16.0
MED_AMPS = 8.0

EMPTY, MICRO, NORMAL = "EMPTY", "MICRO", "NORMAL"
HIGH, MED, LOW = "HIGH", "MED", "LOW"
BANDS = (HIGH, MED, LOW)

UNCLAIMED_LABEL = "🔓 UNCLAIMED SESSIONS"
UNCLAIMED_EXPLANATION = (
    "These are sessions where users plugged in without scanning the QR code first"
)

# Colour of each label, as seshis.py showed them: green, orange, red.
LABEL_COLOURS = {
    "NORMAL-HIGH": "green",
    "NORMAL-MED": "dark_orange",
    "NORMAL-LOW": "red",
    "EMPTY": "red",
    "MICRO": "dark_orange",
}


@dataclass(frozen=True)
class HealthThresholds:
    """Site health targets, in percent of sessions in the window."""

    empty_max: float = 20.0
    micro_max: float = 5.0
    normal_min: float = 75.0
    unclaimed_max: float = 30.0


def label(category: str, band: str | None) -> str:
    """seshis.py's label text without brackets: NORMAL-HIGH, EMPTY, MICRO ..."""
    return f"{NORMAL}-{band}" if category == NORMAL and band else category


# One small integer per session class: the grouped queries count these, and the category and
# band strings are derived from them, so there is a single definition of each class.
CLASSES: dict[int, tuple[str, str | None]] = {
    0: (EMPTY, None),
    1: (MICRO, None),
    2: (NORMAL, HIGH),
    3: (NORMAL, MED),
    4: (NORMAL, LOW),
}

DURATION_SQL = '(epoch_us("end") - epoch_us(start)) / 1e6'
# Where the data says when charging finished (ACN-Data's doneChargingTime): the time spent
# charging (never past unplugging) and the idle time after it; NULL where it does not say.
_DONE = "done_charging > start"
CHARGING_SQL = (
    f'CASE WHEN {_DONE} THEN (epoch_us(least(done_charging, "end")) - epoch_us(start)) / 1e6 END'
)
IDLE_SQL = (
    f'CASE WHEN {_DONE} THEN greatest(epoch_us("end") - epoch_us(done_charging), 0) / 1e6 END'
)


def amps_sql(voltage: float, active: bool = False) -> str:
    """Average current, rounded to 0.1 A so the band always matches the number a report shows
    (15.96 A is shown as 16.0 A and is HIGH). Over the plug-in time (seshis.py's definition), or
    with `active` over the charging time where the data has it (--active-current)."""
    hours = f"coalesce({CHARGING_SQL}, {DURATION_SQL})" if active else DURATION_SQL
    return f"round(kwh * 1000.0 / (({hours}) / 3600.0 * {float(voltage)}), 1)"


def class_sql(threshold_kwh: float, voltage: float, active: bool = False) -> str:
    """The class code (see CLASSES) of a valid row with start, end and kwh."""
    amps = amps_sql(voltage, active)
    return (
        f"CASE WHEN kwh = 0 THEN 0 WHEN kwh < {float(threshold_kwh)} THEN 1 "
        f"WHEN {amps} >= {HIGH_AMPS} THEN 2 WHEN {amps} >= {MED_AMPS} THEN 3 ELSE 4 END"
    )


# The store keeps user_id trimmed, with NULL for none: that is what unclaimed means.
UNCLAIMED_SQL = "user_id IS NULL"


def classified_columns(threshold_kwh: float, voltage: float, active: bool = False) -> str:
    """SQL select-list items naming the class of each row: duration, charging and idle time,
    current, category, band."""
    code = class_sql(threshold_kwh, voltage, active)
    category = " ".join(f"WHEN {c} THEN '{cat}'" for c, (cat, _) in CLASSES.items())
    band = " ".join(f"WHEN {c} THEN '{b}'" for c, (_, b) in CLASSES.items() if b)
    return (
        f"{DURATION_SQL} AS duration_s, {CHARGING_SQL} AS charging_s, {IDLE_SQL} AS idle_s, "
        f"CASE WHEN {DURATION_SQL} > 0 THEN {amps_sql(voltage, active)} END AS avg_current, "
        f"CASE {code} {category} END AS category, CASE {code} {band} END AS band, "
        f"{UNCLAIMED_SQL} AS unclaimed"
    )


# --- invalid rows ----------------------------------------------------------------------------

SHOWN_CHARS = 80  # of a raw value quoted in a problem


def shown(ref: str) -> str:
    """A raw value as a problem quotes it: on one line, and short (not a 50 MB field)."""
    return f"regexp_replace(left({ref}::VARCHAR, {SHOWN_CHARS}), '\\s+', ' ', 'g')"


# Why a row cannot be analysed; NULL for a valid row. Needs the _raw_* text columns. A time
# given but NULL is unparseable, or out of range (see sources.mapping.VALID_TIMES).
_TIME = "TRY_CAST(trim(_raw_{}::VARCHAR) AS TIMESTAMPTZ)"
PROBLEM_SQL = f"""CASE
    WHEN session_id IS NULL OR session_id = '' THEN 'missing session id'
    WHEN status IN ('ACTIVE', 'PENDING', 'RESERVATION', 'INVALID')
        THEN 'session not completed: ' || status
    WHEN start IS NULL AND nullif(trim(_raw_start::VARCHAR), '') IS NULL THEN 'missing start time'
    WHEN start IS NULL THEN (CASE WHEN {_TIME.format("start")} IS NULL THEN 'unparseable start time'
        ELSE 'start time out of range' END) || ': ' || {shown("_raw_start")}
    WHEN "end" IS NULL AND nullif(trim(_raw_end::VARCHAR), '') IS NULL THEN 'missing end time'
    WHEN "end" IS NULL THEN (CASE WHEN {_TIME.format("end")} IS NULL THEN 'unparseable end time'
        ELSE 'end time out of range' END) || ': ' || {shown("_raw_end")}
    WHEN kwh IS NULL AND nullif(trim(_raw_kwh::VARCHAR), '') IS NULL THEN 'missing kWh'
    WHEN kwh IS NULL OR isnan(kwh) OR isinf(kwh) THEN 'non-numeric kWh: ' || {shown("_raw_kwh")}
    WHEN kwh < 0 THEN 'negative kWh: ' || {shown("_raw_kwh")}
    WHEN kwh > 1000 THEN 'implausible kWh (over 1000): ' || {shown("_raw_kwh")}
    WHEN "end" < start THEN 'end before start'
    WHEN "end" = start AND kwh > 0 THEN 'energy delivered in zero time'
END"""


# --- spreadsheet cells -----------------------------------------------------------------------

FORMULA_START = "=+-@\t\r"  # a spreadsheet runs a cell starting with one of these
# A guarded cell starts with a quote, so a value that starts with one is guarded too: reading
# seshis's CSV back then strips exactly one leading quote and every value comes back as it was.
GUARDED_START = FORMULA_START + "'"


def guarded(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, or that starts with a quote, with a
    leading quote; any other value as it is."""
    if isinstance(value, str) and value and value[0] in GUARDED_START:
        return "'" + value
    return value


def guarded_sql(column: str) -> str:
    """The same guard as `guarded`, in SQL, for a VARCHAR column (a quoted identifier)."""
    starts = ", ".join("'" + c.replace("'", "''") + "'" for c in GUARDED_START)
    return f"CASE WHEN left({column}, 1) IN ({starts}) THEN '''' || {column} ELSE {column} END"
