"""The report as one JSON document, with keys scripts can rely on (README)."""

from __future__ import annotations

import json
from typing import IO, Any

from ..analysis import Report
from ..analysis.summary import Counts
from ..syncs import SyncStatus
from .common.wording import where_to_look


def render(report: Report, out: IO[str]) -> None:
    out.write(dumps(to_dict(report)) + "\n")


def dumps(doc: dict[str, Any]) -> str:
    """Indented like `indent=2`, except that the items of a list are one per line, each
    compact: the lists (drivers, days, stations) grow with the data and are written by json's
    C encoder (`indent` uses its pure-Python one: 0.2 s for the 5,000 drivers of a million
    sessions), and a line per driver or day reads well."""

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def value_text(value: Any) -> str:
        if isinstance(value, list) and value:
            return "[\n    " + ",\n    ".join(one(item) for item in value) + "\n  ]"
        if isinstance(value, dict) and value:  # small: nested as indent=2 would
            return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        return one(value)

    lines = (f"  {one(key)}: {value_text(value)}" for key, value in doc.items())
    return "{\n" + ",\n".join(lines) + "\n}"


def _split(c: Counts) -> dict[str, int]:
    return {"sessions": c.sessions, "empty": c.empty, "micro": c.micro, "normal": c.normal}


def to_dict(r: Report) -> dict[str, Any]:
    t = r.totals
    window = r.window
    empty = window.start == window.end
    doc: dict[str, Any] = {
        "site": r.site,
        "location": r.location,
        "range": {
            "start": None if empty else window.start.isoformat(),
            "end": None if empty else window.end.isoformat(),
            "timezone": window.timezone,
            "kind": window.kind,
        },
        "threshold_kwh": r.threshold_kwh,
        "voltage": r.voltage,
        "totals": {
            **_split(t),
            "unclaimed": None if r.unclaimed is None else r.unclaimed.sessions,
            "users": r.distinct_users,
            "invalid": r.quality.invalid,
            "kwh": round(t.kwh, 3),
            "average_duration_h": _hours(t.average_duration_s),
        },
        "performance": {"HIGH": t.high, "MED": t.med, "LOW": t.low},
        "unclaimed": None if r.unclaimed is None else _split(r.unclaimed),
        "users": None
        if not r.drivers
        else [
            {
                "user": u.user,
                **_split(u.counts),
                "normal_pct": round(u.counts.normal_pct, 1),
                "kwh": round(u.counts.kwh, 3),
                "average_duration_h": _hours(u.counts.average_duration_s),
                "last_session": u.last.isoformat() if u.last else None,
                "needs_help": u.user in r.needing_help,
            }
            for u in r.users
            if u.user is not None
        ],
        "daily": [{"date": day.day.isoformat(), **_split(day.counts)} for day in r.daily],
        "health": [
            {
                "metric": h.metric,
                "value_pct": None if h.value_pct is None else round(h.value_pct, 2),
                "threshold_pct": h.threshold_pct,
                "comparison": h.comparison,
                "ok": h.ok,
            }
            for h in r.health
        ],
        "stations": [st.record() for st in r.stations],
        "attention": [
            {"kind": a.kind, "subject": a.subject, "text": a.text, "where": where_to_look(a)}
            for a in r.attention
        ],
        "previous": _previous(r),
        "check": {
            "ok": r.passed,
            "findings": [
                {"kind": f.kind, "name": f.name, "ok": f.ok, "text": f.text} for f in r.findings
            ],
        },
        "data_quality": {
            "invalid": r.quality.invalid,
            "duplicates": r.quality.duplicates,
            "problems": dict(r.quality.problems),
            "long_sessions": r.quality.long_sessions,
        },
    }
    if r.sync is not None:
        doc["sync"] = _sync(r.sync)
    return doc


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 3)


def _previous(r: Report) -> dict[str, Any] | None:
    """The key figures of the window of the same length before, with the changes."""
    p = r.previous
    if p is None:
        return None
    by = {t.metric: t for t in r.trends}
    out: dict[str, Any] = {
        "range": {"start": p.window.start.isoformat(), "end": p.window.end.isoformat()},
        "sessions": p.totals.sessions,
        "kwh": round(p.totals.kwh, 3),
        "change": {"sessions": by["sessions"].change, "kwh": by["kwh"].change},
    }
    for metric in ("empty", "micro", "normal", "unclaimed"):  # no unclaimed without drivers
        trend = by.get(metric)
        out[f"{metric}_pct"] = trend.previous if trend else None
        out["change"][f"{metric}_pct"] = trend.change if trend else None
    return out


def _sync(s: SyncStatus) -> dict[str, Any]:
    """What the live sync did."""
    info: dict[str, Any] = {"store": s.store, "source": s.source, "offline": s.offline}
    if not s.offline:
        info |= {
            "requests": s.requests,
            "pages": s.pages,
            "rows": s.rows,
            "duplicates": s.duplicates,
            "api_total": s.api_total,
            "mismatch": s.mismatch,
            "windows": [[a.isoformat(), b.isoformat()] for a, b in s.windows],
        }
    info |= {"complete": s.complete, "missing": s.missing}
    info["note"] = s.note
    return info
