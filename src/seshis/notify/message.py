"""The words of a --check message: the site (or network) and window, a one-line summary, each
new problem with its figures and where to look, reminders of what continues, what recovered.
Markdown where the service renders it, plain text elsewhere; within the service's length
("…and N more" rather than a message cut in the middle)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..analysis import Report
from ..render.common.wording import plural, recovered, since_short, site_line, span, where_to_look
from .changes import Changes, Item, Recovered

if TYPE_CHECKING:
    from . import Outcome

HEALTH_LOOK = {  # where to look when a health target is breached
    "empty": "the empty sessions, by station and driver: seshis --empty",
    "micro": "the microsessions, by station and driver: seshis --micro",
    "normal": "the whole report: seshis --all",
    "unclaimed": "the unclaimed sessions: seshis --all",
}
MORE = "…and {} more; seshis --check lists every one."
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~])")
_COMMAND = re.compile(r'seshis(?: --[a-z-]+(?: (?:"[^"]*"|[^\s;"-][^\s;]*))?)+')


@dataclass(frozen=True)
class Message:
    title: str
    body: str


@dataclass(frozen=True)
class Fit:
    """What a service takes: Markdown or plain text, and how long a body and a title may be
    (a title of 0: the service has none, and shows the title in the body)."""

    markdown: bool = False
    body: int = 32_768
    title: int = 250


def message(report: Report, changes: Changes, fit: Fit) -> Message:
    """The message that tells one target `changes`, within `fit`."""
    title = _title(report, changes)
    md = fit.markdown
    first = _text(f"seshis check: {_place(report)}", md)
    head = [(f"**{first}**" if md else first) + f", {_window(report)}", _summary(report, changes)]
    sections: list[tuple[str, list[str]]] = [
        ("New", [_item(i, report, md) for i in changes.new]),
        ("Still open (a reminder)", [_item(i, report, md) for i in changes.reminded]),
        ("Recovered", [_recovered(r, report, md) for r in changes.recovered]),
    ]
    room = fit.body - (len(title) + 2 if fit.title <= 0 else 0)
    body = _fitted(head, sections, room, md)
    if fit.title > 0 and len(title) > fit.title:
        title = title[: fit.title - 1] + "…"
    return Message(title, body)


def hello(shown: str, every: float, md: bool) -> Message:
    """The message of --notify-test."""
    body = (
        f"seshis reached {_text(shown, md)}. It will get what "
        f"{_code('seshis --check --notify', md)} finds: each new problem once, a reminder of "
        f"what continues every {plural_days(every)}, and what recovered."
    )
    return Message("seshis: test message", body)


def plural_days(every: float) -> str:
    return "run" if every == 0 else f"{every:g} day" + ("" if every == 1 else "s")


def _title(report: Report, c: Changes) -> str:
    """What changed, in a line: the one problem by name, else how many."""
    mark = "⚠️" if c.open else "✅"
    changed = len(c.new) + len(c.reminded) + len(c.recovered)
    if changed == 1:
        if c.recovered:
            kind, _site, subject = c.recovered[0].told.key
            return f"{mark} {report.site}: {kind} {subject} recovered"
        item, state = (c.new[0], "needs") if c.new else (c.reminded[0], "still needs")
        return f"{mark} {report.site}: {item.kind} {item.subject} {state} attention"
    said = [plural(len(c.new), "new problem")] if c.new else []
    said += [f"{len(c.recovered)} recovered"] if c.recovered else []
    if c.reminded and not said:
        said.append(plural(len(c.reminded), "problem") + " continue")
    return f"{mark} {report.site}: {', '.join(said)}"


def _summary(report: Report, c: Changes) -> str:
    parts = [f"{len(c.new)} new", f"{len(c.recovered)} recovered"]
    parts.append(f"{c.continuing} continuing" if c.continuing else "nothing else open")
    sessions = plural(report.totals.sessions, "session")
    verdict = "breach (exit 3)" if not report.passed else "every target met"
    return f"Summary: {', '.join(parts)}; {sessions}; {verdict}."


def _place(report: Report) -> str:
    if report.several_sites:
        return f"{report.site} ({plural(len(report.sites), 'site')})"
    return site_line(report.site, report.location)


def _window(report: Report) -> str:
    w = report.window
    zones = {s.window.timezone for s in report.sites}
    zone = "each site in its own time zone" if len(zones) > 1 else w.timezone
    return f"{span(w)} ({zone})"


def _item(item: Item, report: Report, md: bool) -> str:
    """One problem: what and how much, since when, and where to look."""
    text = _what(item, report)
    a = item.attention
    if a is not None and a.since is not None:
        text += f"; failing {since_short(a.since)}"
    look = _look(item)
    line = _text(text, md)
    if look:
        line += f" → {_text(look, md)}"
    return f"- {line}"


def _what(item: Item, report: Report) -> str:
    f = item.finding
    if item.kind == "station" and f is not None:
        at = f" at {f.site}" if f.site and report.several_sites else ""
        return f"station {f.name}{at}{f.text[len(f.name) :]}"
    if item.kind == "health" and item.attention is not None and item.subject != "unclaimed":
        return item.attention.text  # how far from its target
    if item.kind == "health":
        return f"health: {item.text}"
    if item.kind == "day":
        return f"day {item.text}"
    if item.kind == "driver":
        return f"driver {item.text}"
    return item.text


def _look(item: Item) -> str | None:
    """Where to look: as every output says it for an attention item (the stations and drivers
    behind a missed target, the station's charger, the command that shows it), else for a
    health target the command that lists its sessions."""
    if item.attention is not None and item.kind != "sync":
        return where_to_look(item.attention)
    return HEALTH_LOOK.get(item.subject) if item.kind == "health" else None


def _recovered(r: Recovered, report: Report, md: bool) -> str:
    kind, site, subject = r.told.key
    if r.recovery is not None:
        text = recovered(r.recovery, with_site=report.several_sites)
    elif r.now is not None:
        text = f"health: {r.now.text}, back within target"
    else:
        at = f" at {site}" if site and kind == "station" and report.several_sites else ""
        what = subject if kind in ("health", "sync", "unclaimed") else f"{kind} {subject}"
        text = f"{what}{at}: no longer needs attention (was: {r.told.text})"
    return f"- {_text(text, md)}"


def _fitted(head: list[str], sections: list[tuple[str, list[str]]], room: int, md: bool) -> str:
    """The head, then each section's lines while they fit in `room` characters, then how many
    were left out."""
    total = sum(len(lines) for _, lines in sections)
    out, shown, full = "\n".join(head), 0, False
    for name, lines in sections:
        if not lines or full:
            continue
        heading, added = f"\n\n{_heading(name, md)}", ""
        for line in lines:
            left = total - shown - 1  # left out if this line is the last one shown
            tail = len("\n\n" + MORE.format(left)) if left else 0
            if len(out) + len(heading) + len(added) + 1 + len(line) + tail > room:
                full = True
                break
            added, shown = f"{added}\n{line}", shown + 1
        if added:
            out += heading + added
    if shown < total:
        out += "\n\n" + MORE.format(total - shown)
    return out if len(out) <= room else out[: room - 1] + "…"


def _heading(text: str, md: bool) -> str:
    return f"**{text}**" if md else f"{text}:"


def _code(text: str, md: bool) -> str:
    return f"`{text}`" if md else text


def _text(text: str, md: bool) -> str:
    """Text as the service shows it: in Markdown, escaped, and each seshis command as code."""
    if not md:
        return text
    out, at = [], 0
    for command in _COMMAND.finditer(text):
        out += [_MARKDOWN.sub(r"\\\1", text[at : command.start()]), f"`{command.group()}`"]
        at = command.end()
    return "".join([*out, _MARKDOWN.sub(r"\\\1", text[at:])])


def said(outcome: Outcome) -> str:
    """One line on stderr for what one target was sent, or why it could not be."""
    c = outcome.sent
    if outcome.problem is not None:
        again = "" if outcome.tested else "; the next run sends it again"
        return f"❌ Could not deliver to {outcome.target}: {outcome.problem}{again}."
    if outcome.tested:
        return f"📣 Sent a test message to {outcome.target}."
    if c is None:
        return f"📣 Nothing new for {outcome.target}."
    parts = [f"{len(c.new)} new"] if c.new else []
    parts += [f"{len(c.reminded)} reminded"] if c.reminded else []
    parts += [f"{len(c.recovered)} recovered"] if c.recovered else []
    return f"📣 Sent {', '.join(parts)} to {outcome.target}."
