"""The report as one JSON document, with keys scripts can rely on (README)."""

from __future__ import annotations

import json
from typing import IO, Any

from ..analysis import Report, Scope
from ..analysis.attention import Attention, Recovery
from ..analysis.onset import Onset
from ..analysis.statement import Statement
from ..analysis.summary import Counts
from ..syncs import SyncStatus
from .common.wording import where_to_look


def render(report: Report, out: IO[str], *, statement: Statement | None = None) -> None:
    """The report as JSON; with a statement, its keys after the report's."""
    doc = to_dict(report)
    if statement is not None:
        from .statement import jsonout

        doc |= jsonout.to_dict(statement)
    out.write(dumps(doc) + "\n")


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


def _totals(scope: Scope, invalid: int | None) -> dict[str, Any]:
    """The `totals` object of the report (the network) or of one site."""
    t = scope.totals
    out: dict[str, Any] = {
        **_split(t),
        "unclaimed": None if scope.unclaimed is None else scope.unclaimed.sessions,
        "users": scope.distinct_users,
    }
    if invalid is not None:
        out["invalid"] = invalid
    return out | {"kwh": round(t.kwh, 3), "average_duration_h": _hours(t.average_duration_s)}


def _health(scope: Scope) -> list[dict[str, Any]]:
    return [
        {
            "metric": h.metric,
            "value_pct": None if h.value_pct is None else round(h.value_pct, 2),
            "threshold_pct": h.threshold_pct,
            "comparison": h.comparison,
            "ok": h.ok,
        }
        for h in scope.health
    ]


def _attention(items: tuple[Attention, ...]) -> list[dict[str, Any]]:
    return [
        {
            "kind": a.kind,
            "subject": a.subject,
            "site": a.site,
            "text": a.text,
            "where": where_to_look(a),
            "since": None if a.since is None else _onset(a.since),
            "state": a.state,
        }
        for a in items
    ]


def _onset(o: Onset) -> dict[str, Any]:
    return {
        "date": None if o.day is None else o.day.isoformat(),
        "share_pct": round(o.share_pct, 1),
        "before_pct": None if o.before_pct is None else round(o.before_pct, 1),
    }


def _recovered(items: tuple[Recovery, ...]) -> list[dict[str, Any]]:
    return [
        {
            "kind": x.kind,
            "subject": x.subject,
            "site": x.site,
            "share_pct": round(x.share_pct, 1),
            "before_pct": round(x.before_pct, 1),
            "sessions": x.sessions,
        }
        for x in items
    ]


def _site(scope: Scope) -> dict[str, Any]:
    """One site of the report: its name, place, zone, totals, health, attention and change."""
    was = scope.previous
    change = None
    if was is not None and was.totals.sessions and scope.totals.sessions:
        now, then = scope.totals, was.totals
        change = round(now.pct(now.problems) - then.pct(then.problems), 1)
    return {
        "name": scope.name,
        "location": scope.location,
        "timezone": scope.window.timezone,
        "totals": _totals(scope, None),
        "health": _health(scope),
        "attention": _attention(scope.attention),
        "recovered": _recovered(scope.recovered),
        "stations": len(scope.stations),
        "problems_pct_change": change,
    }


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
        "totals": _totals(r.network, r.quality.invalid),
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
        "health": _health(r.network),
        "sites": [_site(scope) for scope in r.sites],
        "stations": [st.record() for st in r.stations],
        "attention": _attention(r.attention),
        "recovered": _recovered(r.network.recovered),
        "previous": _previous(r),
        "check": {
            "ok": r.passed,
            "findings": [
                {
                    "kind": f.kind,
                    "name": f.name,
                    "ok": f.ok,
                    "text": f.text,
                    "state": f.state,
                    "site": f.site,
                }
                for f in r.findings
            ],
        },
        "data_quality": {
            "invalid": r.quality.invalid,
            "duplicates": r.quality.duplicates,
            "problems": dict(r.quality.problems),
            "long_sessions": r.quality.long_sessions,
            "renamed_sites": [{"names": [a, b], "why": why} for a, b, why in r.quality.renamed],
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
