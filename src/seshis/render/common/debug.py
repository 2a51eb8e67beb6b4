"""--debug: the 🔧 lines on stderr (every setting and where it came from, what was loaded,
timings, every invalid row, every API request)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Protocol

from rich.console import Console

from ... import redact

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from ...analysis import Report
    from ...dates import DateRange

    # What the log reads of the settings and of the data loaded: render/ may not import the
    # CLI's Settings nor the store layer's Dataset, so they are described by what is read.
    class _Settings(DataclassInstance, Protocol):
        @property
        def origins(self) -> tuple[tuple[str, str], ...]: ...

    class _Merged(Protocol):
        @property
        def duplicates(self) -> int: ...

    class _Data(Protocol):
        @property
        def site(self) -> str: ...
        @property
        def location(self) -> str | None: ...
        @property
        def timezone(self) -> str: ...
        @property
        def details(self) -> tuple[str, ...]: ...
        @property
        def store(self) -> _Merged: ...


@dataclass
class Timer:
    """Wall time of each step, for --debug."""

    steps: list[tuple[str, float]] = field(default_factory=list)
    _t: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.steps.append((name, now - self._t))
        self._t = now


@dataclass
class DebugLog:
    console: Console

    def __call__(self, text: str) -> None:
        self.console.print(f"🔧 {text}", markup=False, highlight=False, soft_wrap=True)

    def settings(self, settings: _Settings) -> None:
        """Every setting of the table with its value and origin (flag, prompt, config,
        default)."""
        origins = dict(settings.origins)
        shown = {"api_url": redact.url, "auth_command": redact.command}
        for f in fields(settings):
            if f.name in origins:
                value = getattr(settings, f.name)
                if f.name in shown and value is not None:
                    value = shown[f.name](value)
                self(f"setting {f.name} = {value!r} ({origins[f.name]})")

    def data(self, data: _Data, window: DateRange) -> None:
        self(f"site: {data.site!r}, location: {data.location!r}, time zone: {data.timezone}")
        for line in data.details:
            self(line)
        self(f"duplicates merged: {data.store.duplicates}")
        self(f"window: {window.start.isoformat()} to {window.end.isoformat()} ({window.title})")

    def quality(self, report: Report) -> None:
        q = report.quality
        self(f"invalid rows: {q.invalid}")
        for row in q.examples:
            self(f"invalid row {row.session_id or '(no id)'} from {row.origin}: {row.problem}")
        if q.invalid > len(q.examples):
            self(f"… {q.invalid - len(q.examples)} more invalid rows not listed")

    def timings(self, steps: Iterable[tuple[str, float]]) -> None:
        for name, seconds in steps:
            self(f"time {name}: {seconds * 1000:.0f} ms")
