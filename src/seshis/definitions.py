"""The definitions of DESIGN.md, in one place: categories, performance bands, health thresholds.

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
CATEGORIES = (EMPTY, MICRO, NORMAL)

UNCLAIMED_LABEL = "🔓 UNCLAIMED SESSIONS"
UNCLAIMED_EXPLANATION = (
    "These are sessions where users plugged in without scanning the QR code first"
)

# Colour of each label, as the seed: green, orange, red.
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
    """The seed's label text without brackets: NORMAL-HIGH, EMPTY, MICRO ..."""
    return f"{NORMAL}-{band}" if category == NORMAL and band else category


def classified_columns(threshold_kwh: float, voltage: float) -> str:
    """SQL select-list items that classify rows of a relation with start, end, kwh, user_id.

    The average current is rounded to 0.1 A before banding, so the band always matches the
    number a report shows (15.96 A is shown as 16.0 A and is HIGH).
    """
    thr = float(threshold_kwh)
    volts = float(voltage)
    duration = 'epoch("end") - epoch(start)'
    amps = f"round(kwh * 1000.0 / (({duration}) / 3600.0 * {volts}), 1)"
    category = (
        f"CASE WHEN kwh = 0 THEN '{EMPTY}' WHEN kwh < {thr} THEN '{MICRO}' ELSE '{NORMAL}' END"
    )
    band = (
        f"CASE WHEN kwh < {thr} THEN NULL "
        f"WHEN {amps} >= {HIGH_AMPS} THEN '{HIGH}' "
        f"WHEN {amps} >= {MED_AMPS} THEN '{MED}' ELSE '{LOW}' END"
    )
    return (
        f"{duration} AS duration_s, "
        f"CASE WHEN {duration} > 0 THEN {amps} END AS avg_current, "
        f"{category} AS category, {band} AS band, "
        "(user_id IS NULL OR trim(user_id) = '') AS unclaimed"
    )
