"""What must never be shown: a password in a URL, the arguments of an auth command. Every
text that names a URL or the auth command goes through these before any output or log."""

from __future__ import annotations

import re
import shlex

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


def url(text: str) -> str:
    """The text with the user and password of every URL in it replaced: scheme://***@host."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}***@", text)


def command(cmd: str | None) -> str | None:
    """An auth command as its program only: its arguments may carry secrets."""
    if cmd is None:
        return None
    try:
        parts = shlex.split(cmd)
    except ValueError:
        parts = cmd.split()
    if len(parts) <= 1:
        return cmd
    return f"{parts[0]} ({len(parts) - 1} argument{'s' * (len(parts) > 2)} hidden)"
