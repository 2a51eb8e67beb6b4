"""What a --check message tells one target: the problems of the report (each breach, and
the attention items that are not breaches), against what that target was already told.

A problem is identified by kind, site and subject (station DEMO-17 at Demo Site; health
metric empty; driver a@x.com). It is new to a target until a message carrying it was
delivered there, continuing after, and recovered once the report no longer holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..analysis import Report
from ..analysis.attention import Attention, Recovery
from ..analysis.check import Finding

Key = tuple[str, str, str]  # kind, site ("" for none), subject
ATTENTION_ONLY = ("unclaimed", "driver", "day")  # attention items that are not --check findings
QUIET = ("day",)  # a spike day leaves the window: nothing recovered, nothing to say


@dataclass(frozen=True)
class Item:
    """One problem of the report: a --check breach (`finding`), an attention item, or both
    (a failing station has the finding and the attention item that says where to look)."""

    kind: str  # sync | health | site | station | unclaimed | driver | day
    site: str | None
    subject: str
    text: str  # what, and how much, in the report's words
    finding: Finding | None = None
    attention: Attention | None = None

    @property
    def key(self) -> Key:
        return (self.kind, self.site or "", self.subject)


@dataclass(frozen=True)
class Told:
    """What a target was told of one problem, and when (the store's row)."""

    key: Key
    text: str
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Recovered:
    """A problem a target was told of that the report no longer holds: the report's own
    recovery when it has one (station and site figures now and before), or the health
    finding as it stands now, else only what was told."""

    told: Told
    recovery: Recovery | None = None
    now: Finding | None = None


@dataclass(frozen=True)
class Changes:
    """What to tell one target now; nothing when nothing changed and no reminder is due."""

    new: tuple[Item, ...]
    reminded: tuple[Item, ...]  # continuing, and last told at least `every` days ago
    recovered: tuple[Recovered, ...]
    open: tuple[Item, ...]  # every problem of the report (new, reminded or not)
    gone: tuple[Key, ...] = ()  # told before, gone without a recovery to announce (days)

    @property
    def anything(self) -> bool:
        return bool(self.new or self.reminded or self.recovered)

    @property
    def continuing(self) -> int:
        """Problems told before that still hold (reminded or not)."""
        return len(self.open) - len(self.new)


def problems(report: Report) -> tuple[Item, ...]:
    """Every breach of --check (a sync short of sessions, a health target, a failing site or
    station) and the attention items that are not findings (unclaimed sessions that rose,
    drivers who need help, spike days), in the report's order."""
    attention = {(a.kind, a.site, a.subject): a for a in report.attention}
    unclaimed = next((a for a in report.attention if a.kind == "unclaimed"), None)
    out: list[Item] = []
    for f in report.findings:
        if f.ok or f.kind == "recovered":
            continue
        if f.kind == "health" and f.name == "unclaimed":
            where = unclaimed  # its stations say where to look
        else:
            where = attention.get((f.kind, f.site, f.name))
        out.append(Item(f.kind, f.site, f.name, f.text, f, where))
    breached = any(i.kind == "health" and i.subject == "unclaimed" for i in out)
    for a in report.attention:
        if a.kind in ATTENTION_ONLY and not (a.kind == "unclaimed" and breached):
            out.append(Item(a.kind, a.site, a.subject, a.text, None, a))
    return tuple(out)


def changes(
    report: Report, items: tuple[Item, ...], told: dict[Key, Told], now: datetime, every: float
) -> Changes:
    """What is new to a target, what continues and is due a reminder (`every` days after it
    was last told; 0: every run), and what recovered since it was told."""
    due = timedelta(days=every)
    current = {i.key for i in items}
    recoveries = {(r.kind, r.site or "", r.subject): r for r in report.network.recovered}
    health = {f.name: f for f in report.findings if f.kind == "health"}
    recovered, gone = [], []
    for key, t in told.items():
        if key in current:
            continue
        kind, _site, subject = key
        if kind in QUIET:
            gone.append(key)
            continue
        recovered.append(
            Recovered(t, recoveries.get(key), health.get(subject) if kind == "health" else None)
        )
    return Changes(
        new=tuple(i for i in items if i.key not in told),
        reminded=tuple(i for i in items if i.key in told and now - told[i.key].last >= due),
        recovered=tuple(recovered),
        open=items,
        gone=tuple(gone),
    )
