"""--debug: the 🔧 lines on stderr (settings and where they came from, source details,
timings, every invalid row, every API request)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Console

SETTINGS_SHOWN = (
    "source",
    "paths",
    "api",
    "site",
    "acn",
    "account",
    "api_url",
    "auth_command",
    "page_size",
    "concurrency",
    "timeout",
    "retries",
    "store_path",
    "overlap_days",
    "anonymize",
    "include_active",
    "sort_by",
    "sort_order",
    "range_kind",
    "start",
    "end",
    "timezone",
    "threshold_kwh",
    "voltage",
    "active_current",
    "user",
    "output",
    "output_path",
)


@dataclass
class DebugLog:
    console: Console

    def __call__(self, text: str) -> None:
        self.console.print(f"🔧 {text}", markup=False, highlight=False, soft_wrap=True)

    def settings(self, settings, loaded, window) -> None:
        origins = dict(settings.origins)
        for name in SETTINGS_SHOWN:
            origin = f" ({origins[name]})" if name in origins else ""
            self(f"setting {name} = {getattr(settings, name)!r}{origin}")
        self(f"config file: {settings.config_path or 'none'}")
        for name in ("empty_max", "micro_max", "normal_min", "unclaimed_max"):
            origin = f" ({origins[name]})" if name in origins else ""
            self(f"setting health {name} = {getattr(settings.health, name):g}%{origin}")
        self(f"site: {loaded.site!r}, location: {loaded.location!r}, time zone: {loaded.timezone}")
        for f in loaded.files:
            rejected = f", {f.rejected} malformed lines" if f.rejected else ""
            self(f"file {f.path}: {f.format}, {f.flavour} fields, {f.rows} rows{rejected}")
        self(f"duplicates merged: {loaded.store.duplicates}")
        self(f"window: {window.start.isoformat()} to {window.end.isoformat()} ({window.title})")

    def quality(self, summary) -> None:
        q = summary.quality
        self(f"invalid rows: {q.invalid}")
        for row in q.examples:
            self(f"invalid row {row.session_id or '(no id)'} from {row.origin}: {row.problem}")
        if q.invalid > len(q.examples):
            self(f"… {q.invalid - len(q.examples)} more invalid rows not listed")

    def timings(self, steps: Iterable[tuple[str, float]]) -> None:
        for name, seconds in steps:
            self(f"time {name}: {seconds * 1000:.0f} ms")
