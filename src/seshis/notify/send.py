"""Delivery through Apprise: one library that speaks Slack, Teams, Discord, Telegram, ntfy,
Matrix, e-mail, generic webhooks and many more, so seshis has no code per service. Nothing a
target's URL holds (tokens, passwords, a webhook's path) leaves this module unredacted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import redact
from ..errors import UsageError
from .message import Fit, Message

SEND_TIMEOUT_S = 60.0  # the whole delivery to one target; each service also bounds its own
# connection (a few seconds) and Apprise retries none by default
APPRISE_HELP = "https://github.com/caronc/apprise/wiki"


@dataclass(frozen=True)
class Target:
    """A --notify URL: `id` (its fingerprint) is what the store keeps, `shown` what any output
    names."""

    url: str
    number: int = 1  # its place among the targets, to tell them apart

    @property
    def id(self) -> str:
        return redact.fingerprint(str(self.url))

    @property
    def shown(self) -> str:
        return f"target {self.number} ({redact.target(str(self.url))})"


def _apprise() -> Any:
    import apprise  # only when a message is sent: a dozen modules

    return apprise


def _loaded(target: Target) -> tuple[Any, Any]:
    """Apprise holding the target's service, and the service; a URL Apprise cannot read is a
    usage error."""
    apprise = _apprise()
    asset = apprise.AppriseAsset(storage_mode="memory", async_mode=False)
    service = apprise.Apprise.instantiate(str(target.url), asset=asset)
    if service is None:
        raise UsageError(
            f"The --notify {target.shown} is not a URL Apprise can use; the services and "
            f"their URLs: {APPRISE_HELP}"
        )
    sender = apprise.Apprise(asset=asset)
    sender.add(service)
    return sender, service


@dataclass(frozen=True)
class Service:
    """What a target's service takes: the message's form and length, and whether files."""

    fit: Fit
    files: bool


def check(target: Target) -> Service:
    """What the target's service takes (raises UsageError for a URL Apprise cannot use)."""
    apprise = _apprise()
    _sender, service = _loaded(target)
    shown_as = service.resolve_format()  # the service's own, or the URL's ?format=
    markdown = shown_as in (apprise.NotifyFormat.MARKDOWN, apprise.NotifyFormat.HTML)
    fit = Fit(markdown, int(service.body_maxlen), int(service.title_maxlen))
    return Service(fit, bool(getattr(service, "attachment_support", False)))


def send(
    target: Target,
    message: Message,
    markdown: bool,
    attach: Path | None = None,
    warning: bool = False,
) -> str | None:
    """Deliver `message` (a `warning` while problems are open: some services colour it);
    None when it arrived, else why not (redacted)."""
    apprise = _apprise()
    sender, _service = _loaded(target)
    result = sender.notify(
        body=message.body,
        title=message.title,
        notify_type=apprise.NotifyType.WARNING if warning else apprise.NotifyType.INFO,
        body_format=apprise.NotifyFormat.MARKDOWN if markdown else apprise.NotifyFormat.TEXT,
        attach=str(attach) if attach else None,
        timeout=SEND_TIMEOUT_S,
    )
    if result:
        return None
    said = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR")]
    return scrub(said[-1], str(target.url)) if said else "the service did not accept it"


_PARTS = re.compile(r"[/:@?&=#,+;]+")


def scrub(text: str, url: str) -> str:
    """Apprise's account of a failure without anything of the URL that may be secret: its
    user and password, and every part of it but a host name and a port (tokens in paths and
    queries, and slack://TOKEN/... has a token where the host would be)."""
    from urllib.parse import urlsplit

    text = redact.url(text)
    try:
        parsed = urlsplit(url)
        host, port = parsed.hostname or "", str(parsed.port or "")
    except ValueError:
        host = port = ""
    keep = {port} | ({host} if "." in host else set())
    for part in sorted(set(_PARTS.split(url.partition("://")[2])), key=len, reverse=True):
        if len(part) >= 3 and part.lower() not in keep:
            text = text.replace(part, "***")
    return text.strip().rstrip(".")
