"""seshis: session statistics for EV charging sites.

The library stands without the CLI: load sessions into a Store, pick a window, summarize.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .analysis import Options, SiteSummary, listings, summarize
from .dates import DateRange, window
from .errors import SeshisError
from .store import Store

__all__ = [
    "DateRange",
    "Options",
    "SeshisError",
    "SiteSummary",
    "Store",
    "listings",
    "summarize",
    "window",
]
