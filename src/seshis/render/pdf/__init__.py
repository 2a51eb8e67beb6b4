"""The PDF report a site manager forwards: landscape letter; page 1 the header, what needs
attention and the site health (or one driver's figures), then the charts and the sections the
analysis flags asked for; an outline (bookmarks) of every section and every driver in detail
(reportlab)."""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer

from ...analysis import Report
from ...analysis.summary import Counts
from ..common.atomic import atomic_file
from ..common.wording import plural, span
from . import drivers, sections, sites
from .outline import numbered
from .styles import MARGIN, PAGE
from .summary import attention, driver_name, header, logo_ok, summary_page

__all__ = ["contents", "covered", "logo_ok", "render"]


def render(
    report: Report,
    out: Path,
    *,
    logo: Path | None = None,
    charts: dict[str, bytes] | None = None,
) -> int:
    """Write the PDF atomically; returns its number of pages. `charts` are PNG bytes by
    name (default: the charts the report's flags ask for, drawn here)."""
    if charts is None:
        from .. import charts as drawn

        # 1000 pixels wide: over 250 dpi where the PDF places them, at two thirds of the cost
        charts = {name: drawn.png_bytes(report, name, dpi=100) for name in drawn.names_for(report)}
    with atomic_file(out) as tmp, tmp.open("wb") as fh:
        return _build(report, fh, logo, charts)


def covered(report: Report) -> int:
    """The sessions the PDF is about: a driver's sessions (of the categories listed); the
    empty (micro) sessions of --empty (--micro) alone; else every session."""
    r, sec = report, report.sections
    if drivers.one_driver(r):  # the driver's own (the unclaimed sessions are only beside)
        return sum(_of(u.counts, r.listed_categories) for u in drivers.claimed(r))
    if not (sec.health or sec.users or sec.stations) and (sec.empty or sec.micro):
        return (r.totals.empty if sec.empty else 0) + (r.totals.micro if sec.micro else 0)
    return r.totals.sessions


def _of(counts: Counts, listed: tuple[str, ...] | None) -> int:
    if listed is None:
        return counts.sessions
    total: int = sum(getattr(counts, category.lower()) for category in listed)
    return total


def contents(report: Report) -> tuple[str, ...]:
    """What the PDF holds, in order, as the console names it: "summary", "attention", ...,
    "120 drivers (3 in detail)", "unclaimed sessions"."""
    r, sec = report, report.sections
    names = ["driver summary" if drivers.one_driver(r) else "summary"]
    if _attention(r):
        names.append("attention")
    names.append("charts")
    if r.several_sites and sec.health:
        names.append(plural(len(r.sites), "site"))
    for which, name in (("empty", "empty sessions"), ("micro", "microsessions")):
        if getattr(sec, which):
            every = dict(r.category_lines).get(which)
            names.append(f"{name} ({len(every):,} listed)" if every else name)
    if sec.empty and sec.micro:
        names.append("combined summary")
    if sec.stations:
        names.append(plural(len(r.stations), "station"))
    if sec.users and not r.drivers:
        names.append("no driver data")
    elif sec.users:
        if drivers.one_driver(r):
            names.append(f"the sessions of {driver_name(r)}")
        elif drivers.claimed(r):
            shown = len(drivers.detailed(r))
            names.append(f"{plural(len(drivers.claimed(r)), 'driver')} ({shown:,} in detail)")
        if any(u.user is None for u in r.users):
            names.append("unclaimed sessions")
    return tuple(names)


def _attention(r: Report) -> bool:
    """NEEDS ATTENTION is on page 1 of the site's report (--all), as in the terminal."""
    return r.sections.health and not drivers.one_driver(r)


def _build(report: Report, stream: io.IOBase, logo: Path | None, charts: dict[str, bytes]) -> int:
    r = report
    site = r.site + (f", {r.location}" if r.location else "")
    when = span(r.window, " to ")
    counted: list[int] = []
    doc = SimpleDocTemplate(
        stream,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=0.6 * inch,
        title="EV Charging Session Report",
        author="seshis",
        subject=f"{site}: {when}",
    )
    doc.build(_story(r, logo, charts), canvasmaker=numbered(f"{site}  |  {when}", counted))
    return counted[0] if counted else 0


def _story(r: Report, logo: Path | None, charts: dict[str, bytes]) -> list[Flowable]:
    story: list[Flowable] = [*header(r, logo), Spacer(1, 8)]
    if _attention(r):
        story += [*attention(r), Spacer(1, 8)]
    story += summary_page(r, charts)
    sec = r.sections
    if r.several_sites and sec.health:
        story += sites.sites(r)
    if sec.empty:
        story += sections.category(r, "empty")
    if sec.micro:
        story += sections.category(r, "micro")
    if sec.empty and sec.micro:
        story += sections.combined(r)
    if sec.stations:
        story += sections.stations(r)
    if sec.users:
        story += drivers.drivers(r)
    return story
