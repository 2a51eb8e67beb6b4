"""The analysis result as one JSON document, with keys scripts can rely on (README)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

from ..analysis import Counts, SiteSummary
from ..store import Store, lit


def _split(c: Counts) -> dict[str, int]:
    return {"sessions": c.sessions, "empty": c.empty, "micro": c.micro, "normal": c.normal}


def to_dict(s: SiteSummary) -> dict[str, Any]:
    t = s.totals
    return {
        "site": s.site,
        "location": s.location,
        "range": {
            "start": s.window.start.isoformat() if t.sessions or s.window.kind != "all" else None,
            "end": s.window.end.isoformat() if t.sessions or s.window.kind != "all" else None,
            "timezone": s.window.timezone,
            "kind": s.window.kind,
        },
        "threshold_kwh": s.threshold_kwh,
        "voltage": s.voltage,
        "totals": {
            **_split(t),
            "unclaimed": s.unclaimed.sessions,
            "users": s.distinct_users,
            "invalid": s.quality.invalid,
            "kwh": round(t.kwh, 3),
        },
        "performance": {"HIGH": t.high, "MED": t.med, "LOW": t.low},
        "unclaimed": _split(s.unclaimed),
        "users": [
            {"user": u.user, **_split(u.counts), "normal_pct": round(u.counts.normal_pct, 1)}
            for u in s.users
            if u.user is not None
        ],
        "daily": [{"date": day.day.isoformat(), **_split(day.counts)} for day in s.daily],
        "health": [
            {
                "metric": h.metric,
                "value_pct": None if h.value_pct is None else round(h.value_pct, 2),
                "threshold_pct": h.threshold_pct,
                "comparison": h.comparison,
                "ok": h.ok,
            }
            for h in s.health
        ],
        "stations": [station(st) for st in s.stations],
        "previous": previous(s),
        "data_quality": {
            "invalid": s.quality.invalid,
            "duplicates": s.quality.duplicates,
            "problems": dict(s.quality.problems),
        },
    }


def station(st) -> dict[str, Any]:
    return {
        "station_id": st.station_id,
        "space": st.space,
        "sessions": st.sessions,
        "empty": st.empty,
        "micro": st.micro,
        "unclaimed": st.unclaimed,
        "empty_pct": round(st.pct(st.empty), 2),
        "micro_pct": round(st.pct(st.micro), 2),
        "unclaimed_pct": round(st.pct(st.unclaimed), 2),
        "kwh": round(st.kwh, 3),
        "median_current": st.median_current,
        "charging_h": None if st.charging_h is None else round(st.charging_h, 2),
        "idle_h": None if st.idle_h is None else round(st.idle_h, 2),
        "utilization_pct": round(st.utilization_pct, 2),
        "p_value": st.p_value,
        "suspect": st.suspect is not None,
        "reason": st.suspect,
    }


def previous(s: SiteSummary) -> dict[str, Any] | None:
    """The same key figures for the window of the same length before, with the changes."""
    p = s.previous
    if p is None:
        return None
    now = {h.metric: h.value_pct for h in s.health}
    out: dict[str, Any] = {
        "range": {"start": p.window.start.isoformat(), "end": p.window.end.isoformat()},
        "sessions": p.totals.sessions,
        "kwh": round(p.totals.kwh, 3),
        "change": {
            "sessions": s.totals.sessions - p.totals.sessions,
            "kwh": round(s.totals.kwh - p.totals.kwh, 3),
        },
    }
    for metric in ("empty", "micro", "normal", "unclaimed"):
        before = p.pct(metric)
        out[f"{metric}_pct"] = None if before is None else round(before, 2)
        after = now.get(metric)
        out["change"][f"{metric}_pct"] = (
            None if before is None or after is None else round(after - before, 2)
        )
    return out


def check(found) -> dict[str, Any]:
    return {
        "ok": all(f.ok for f in found),
        "findings": [{"kind": f.kind, "name": f.name, "ok": f.ok, "text": f.text} for f in found],
    }


def write(summary: SiteSummary, stream: IO[str], extra: dict[str, Any] | None = None) -> None:
    """The document; `extra` adds keys of other parts of the run (the live sync)."""
    doc = to_dict(summary) | (extra or {})
    stream.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def write_sessions(store: Store, sql: str, stream: IO[str]) -> None:
    """Stream selected sessions as a JSON array; DuckDB writes it, Python only copies bytes."""
    with tempfile.TemporaryDirectory(prefix="seshis-") as tmp:
        path = Path(tmp) / "sessions.json"
        store.con.execute(
            f"COPY ({sql}) TO {lit(str(path))} "
            "(FORMAT json, ARRAY true, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%SZ')"
        )
        with path.open(encoding="utf-8") as fh:
            shutil.copyfileobj(fh, stream)
    stream.write("\n")
