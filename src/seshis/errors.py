"""One exception hierarchy: every message says what happened and what to do next."""

from __future__ import annotations


class SeshisError(Exception):
    """Base of every error seshis reports to the user as one plain sentence."""


class UsageError(SeshisError):
    """The flags or prompted values cannot be used together (exit code 2)."""


class SourceError(SeshisError):
    """A session file or source could not be read."""


class DataError(SeshisError):
    """The data was read but cannot be analysed as asked."""


class ApiError(SeshisError):
    """A remote API failed or answered with something unusable."""


class AuthError(ApiError):
    """Credentials are missing, rejected or expired."""


class ExportError(SeshisError):
    """An export file could not be written."""
