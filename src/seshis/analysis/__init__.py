"""The report: classification and aggregation in DuckDB SQL, gathered into one frozen Report."""

from .options import Options, Sections
from .report import Report, Trend, build_report

__all__ = ["Options", "Report", "Sections", "Trend", "build_report"]
