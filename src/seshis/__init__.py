"""seshis: session statistics for EV charging sites.

The library stands without the CLI: load sessions (the demo site, files, a live API), build a
Report, render it. Names are imported on first use, so `seshis --help` does not pay for DuckDB.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

__version__ = "0.1.0"
CHECKOUT = Path(__file__).resolve().parents[2]  # where seshis.py sits in a checkout

_EXPORTS = {
    "load_demo": "sources",
    "load_files": "sources",
    "Dataset": "dataset",
    "DateRange": "dates",
    "build_report": "analysis",
    "session_export": "analysis",
    "Listings": "analysis",
    "Options": "analysis",
    "Report": "analysis",
    "Scope": "analysis",
    "Sections": "analysis",
    "SeshisError": "errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'seshis' has no attribute {name!r}")
