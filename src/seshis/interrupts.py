"""Ctrl-C and SIGTERM stop a run promptly, wherever it is, and let it clean up.

Python runs signal handlers only between bytecodes, so a long DuckDB query would finish before
Ctrl-C took effect. A watcher thread wakes on the signal itself (through `set_wakeup_fd`) and
interrupts the running queries; the handlers then raise in the main thread, every `finally`
removes its temporary files, and the CLI exits 130 (143 for SIGTERM).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Terminated(KeyboardInterrupt):
    """SIGTERM: stop as Ctrl-C does (the CLI exits 143)."""


received: list[int] = []  # the signals the watcher woke on, for the exit status


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def terminated(exc: BaseException) -> bool:
    """Whether the run was stopped by SIGTERM (however the interruption surfaced)."""
    return isinstance(exc, Terminated) or signal.SIGTERM in received


@contextmanager
def handled(interrupt: Callable[[], None]) -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM call `interrupt` at once (from a watcher thread)
    and then raise KeyboardInterrupt or Terminated in the main thread. Outside the main
    thread (a library user's worker), nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received.clear()  # of an earlier run in this process
    read, write = os.pipe()
    os.set_blocking(write, False)
    previous_fd = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    previous_term = signal.signal(signal.SIGTERM, _terminate)

    def watch() -> None:
        while data := os.read(read, 64):
            received.extend(data)  # set_wakeup_fd writes each signal's number as a byte
            interrupt()

    watcher = threading.Thread(target=watch, daemon=True, name="seshis-signals")
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGTERM, previous_term)
        os.close(write)  # the watcher reads the end of the pipe and stops
        watcher.join(timeout=1)
        os.close(read)
