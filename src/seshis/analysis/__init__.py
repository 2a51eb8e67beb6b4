"""The report: classification and aggregation in DuckDB SQL, gathered into one frozen Report."""

from .options import Listings, Options, Sections
from .report import Report, Scope, Trend, build_report, session_export

__all__ = [
    "Listings",
    "Options",
    "Report",
    "Scope",
    "Sections",
    "Trend",
    "build_report",
    "session_export",
]
