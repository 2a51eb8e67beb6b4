"""The sessions the page lists, as compact columns. The one place the page reads sessions
(`columns`, from the exporter the app hands over): the rest of the page is driven by the
report's figures."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ... import definitions as d
from ..common.exporter import Sessions

MAX_SESSIONS = 100_000  # sessions embedded in the page; above, the most recent ones
# the PDF's colours by label: EMPTY/LOW red, MICRO/MED amber, HIGH green (CSS classes)
MARKS = {"red": "bad", "dark_orange": "warn", "green": "good"}

SESSION_COLUMNS = (
    "start_local",
    "station_id",
    "space",
    "user_id",
    "duration_h",
    "kwh",
    "avg_current",
    "label",
    "session_id",
)


def columns(sessions: Sessions, threshold_kwh: float, limit: int = MAX_SESSIONS) -> dict[str, Any]:
    """The one place the page reads sessions: the most recent `limit` of the selected
    `sessions` the app hands the page, oldest first, as columns (repeated names as indexes
    into a list of names; start times as seconds after the first). Streamed: at most `limit`
    rows held. Energy is shown as the wording shows it around `threshold_kwh`."""
    recent: deque[tuple[Any, ...]] = deque(maxlen=limit)
    total = 0
    for names, rows in sessions.batches():
        at = [names.index(c) for c in SESSION_COLUMNS]
        for row in rows:
            recent.append(tuple(row[i] for i in at))
        total += len(rows)
    out: dict[str, Any] = {"total": total, "shown": len(recent)}
    if not recent:
        return out | {"base": None, "start": []}

    def coded(values: Iterable[Any]) -> tuple[list[Any], list[int]]:
        """Distinct values (the unclaimed driver as None) and each row's index among them."""
        index: dict[Any, int] = {}
        codes = [
            index.setdefault(None if v == d.UNCLAIMED_LABEL else v, len(index)) for v in values
        ]
        return list(index), codes

    start, station, space, user, hours, energy, amps, label, ids = zip(*recent, strict=True)
    base = datetime.fromisoformat(start[0])
    out["base"] = start[0]
    out["start"] = [int((datetime.fromisoformat(s) - base).total_seconds()) for s in start]
    out["stations"], out["station"] = coded(station)
    out["spaces"], out["space"] = coded(space)
    out["drivers"], out["driver"] = coded(user)
    out["labels"], out["label"] = coded(x.strip("[]") for x in label)
    out["hours"] = [None if h is None else round(h, 4) for h in hours]
    below = threshold_kwh  # as the wording shows it: 0.9996 is 0.999, never the threshold
    out["kwh"] = [
        None
        if k is None
        else math.floor(k * 1000) / 1000
        if k < below <= round(k, 3)
        else round(k, 3)
        for k in energy
    ]
    out["amps"] = [None if a is None else round(a, 1) for a in amps]
    out["id"] = list(ids)
    out["marks"] = {lab: MARKS[d.LABEL_COLOURS[lab]] for lab in out["labels"]}
    return out
