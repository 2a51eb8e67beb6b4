"""The report as one self-contained web page (--html): the styles, the scripts (Chart.js for
the charts, Grid.js for the tables, vendored under `vendor/`) and the data inline, a
Content-Security-Policy that lets the page load nothing but its own hashed scripts and styles,
so it works offline, from file:// and as an attachment. Data is a JSON block read with
JSON.parse and shown with textContent: a name from a file is always text."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ...analysis import Report
from ..common.atomic import atomic_file
from ..common.exporter import Sessions
from ..common.wording import span
from .data import document
from .sessions import MAX_SESSIONS

__all__ = ["MAX_SESSIONS", "Written", "page", "render"]

SCRIPTS = ("vendor/chart.umd.min.js", "vendor/gridjs.umd.js", "static/app.js")
STYLES = ("vendor/gridjs-mermaid.min.css", "static/app.css")


@dataclass(frozen=True)
class Written:
    path: Path
    sessions: int  # the sessions the report selects
    shown: int  # those the page lists (the most recent, up to MAX_SESSIONS)
    size: int  # bytes


def render(report: Report, out: Path, *, sessions: Sessions) -> Written:
    """Write the page of the report, listing the selected `sessions`, atomically."""
    doc = document(report, sessions)
    text = page(report, doc)
    data = text.encode("utf-8")
    with atomic_file(out) as tmp:
        tmp.write_bytes(data)
    listed = doc["sessions"]
    return Written(out, listed["total"], listed["shown"], len(data))


def page(report: Report, doc: dict[str, Any]) -> str:
    """The HTML of the page for the document `doc` of the report."""
    scripts = [_asset(name) for name in SCRIPTS]
    styles = [_asset(name) for name in STYLES]
    for code in scripts:
        if "</script" in code.lower():  # a vendored file that would end its element early
            raise ValueError("a script of the page holds '</script'")
    csp = "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(_hash(code) for code in scripts),
            "style-src " + " ".join(_hash(css) for css in styles),
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    title = f"{report.site}: {span(report.window, ' to ')}"
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            '<meta name="color-scheme" content="light dark">\n',
            '<meta name="referrer" content="no-referrer">\n',
            f"<title>{_escape(title)} | EV Charging Session Report</title>\n",
            *(f"<style>{css}</style>\n" for css in styles),
            "</head>\n<body>\n",
            '<noscript><p class="noscript">This report needs JavaScript to show its figures; '
            "the PDF (seshis --all --pdf) needs none.</p></noscript>\n",
            '<header id="top"></header>\n<nav id="nav" aria-label="Sections"></nav>\n',
            '<main id="main"></main>\n',
            f'<script type="application/json" id="seshis-data">{_json(doc)}</script>\n',
            *(f"<script>{code}</script>\n" for code in scripts),
            "</body>\n</html>\n",
        ]
    )


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _json(doc: dict[str, Any]) -> str:
    """The document as JSON that cannot end its <script> element or open a comment: <, > and &
    written as \\u escapes (JSON.parse reads them back)."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
