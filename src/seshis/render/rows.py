"""Without an analysis flag: the selected sessions as one JSON list, as the original tool
printed them. The store writes the JSON; Python only copies bytes."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import IO

from ..analysis import Report


def render(report: Report, out: IO[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="seshis-") as tmp:
        path = Path(tmp) / "sessions.json"
        report.sessions.write_json(path)
        with path.open(encoding="utf-8") as fh:
            shutil.copyfileobj(fh, out)
    out.write("\n")
