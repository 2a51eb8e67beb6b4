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
        "data_quality": {
            "invalid": s.quality.invalid,
            "duplicates": s.quality.duplicates,
            "problems": dict(s.quality.problems),
        },
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
