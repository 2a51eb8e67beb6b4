"""--check's results delivered where the team already is (chat, push, e-mail, webhooks, through
Apprise), once per problem: each target is told what is new and what recovered, reminded of
what continues every few days, and told nothing when nothing changed. What each target was
told lives in the store (`state.Delivered`); a delivery that fails records nothing, so the next
run tells it again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..analysis import Report
from ..store import Store
from . import send
from .changes import Changes, Item, Recovered, changes, problems
from .message import Message, hello, message, said
from .send import Target
from .state import Delivered

__all__ = [
    "Changes",
    "Delivered",
    "Item",
    "Message",
    "Outcome",
    "Recovered",
    "Target",
    "deliver",
    "said",
    "targets",
    "try_targets",
]

EVERY_DAYS = 7.0  # the default reminder of what continues


@dataclass(frozen=True)
class Outcome:
    """What one target was sent: `sent` None when there was nothing to tell; `problem` why the
    delivery failed (the target redacted)."""

    target: str
    sent: Changes | None = None
    problem: str | None = None
    tested: bool = False  # --notify-test's message


def targets(urls: Sequence[str]) -> tuple[Target, ...]:
    """The targets, each a URL Apprise can use (else UsageError, the URL never named)."""
    found = tuple(Target(url, number) for number, url in enumerate(urls, start=1))
    for target in found:
        send.check(target)
    return found


def deliver(
    report: Report,
    urls: Sequence[str],
    store: Store,
    now: datetime,
    every: float = EVERY_DAYS,
    attach: Callable[[], Path] | None = None,
) -> tuple[Outcome, ...]:
    """Tell each target what changed since it was last told (reminders of what continues at
    most every `every` days), record what arrived in `store`, and report each outcome. `attach`
    makes the file attached where a service takes files (made once, when first needed)."""
    state = Delivered(store)
    items = problems(report)
    attached: list[Path] = []
    out = []
    for target in targets(urls):
        told = changes(report, items, state.told(target.id), now, every)
        if not told.anything:
            if told.gone:
                state.record(target.id, told, now)
            out.append(Outcome(target.shown))
            continue
        service = send.check(target)
        if attach is not None and service.files and not attached:
            attached.append(attach())
        text = message(report, told, service.fit)
        file = attached[0] if attached and service.files else None
        problem = send.send(target, text, service.fit.markdown, file, warning=bool(told.open))
        if problem is None:
            state.record(target.id, told, now)
        out.append(Outcome(target.shown, told, problem))
    return tuple(out)


def try_targets(urls: Sequence[str], every: float = EVERY_DAYS) -> tuple[Outcome, ...]:
    """--notify-test: one test message to each target; nothing is recorded."""
    out = []
    for target in targets(urls):
        service = send.check(target)
        text = hello(target.shown, every, service.fit.markdown)
        problem = send.send(target, text, service.fit.markdown)
        out.append(Outcome(target.shown, None, problem, tested=True))
    return tuple(out)
