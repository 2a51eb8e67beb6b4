"""What must never be shown: a password in a URL, the arguments of an auth command, the keys
of object storage. Every text that names a URL, the auth command or an object store's answer
goes through these before any output or log."""

from __future__ import annotations

import hashlib
import os
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


def fingerprint(target: str) -> str:
    """A notify target's identity in the store and in messages: a hash, never the URL."""
    return hashlib.sha256(target.encode("utf-8")).hexdigest()


def target(url_text: str) -> str:
    """A notify URL as it may be shown: its scheme and the start of its fingerprint. Its host,
    path and query may all be tokens (slack://TOKEN/..., a webhook's path), so none is shown."""
    scheme = url_text.partition("://")[0] if "://" in url_text else "?"
    return f"{scheme}://… #{fingerprint(url_text)[:6]}"


class SecretUrl(str):
    """A URL that carries tokens or passwords (a --notify target): the URL itself where it is
    used, but its repr (what --debug's listing and any error that shows a value print) is
    `target()`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(target(str(self)))


# the AWS credentials an object store's message could echo (the key id, the secret, a token)
AWS_SECRETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def secrets(text: str) -> str:
    """The text with every AWS key of the environment in it replaced, and URLs' passwords."""
    for name in AWS_SECRETS:
        value = os.environ.get(name, "")
        if len(value) >= 4:
            text = text.replace(value, "***")
    return url(text)
