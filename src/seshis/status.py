"""Exit codes, in one place."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    CHECK_FAILED = 3
    NOT_DELIVERED = 4  # --notify: a target could not be reached; the next run sends it again
    INTERRUPTED = 130  # Ctrl-C
    TERMINATED = 143  # SIGTERM
