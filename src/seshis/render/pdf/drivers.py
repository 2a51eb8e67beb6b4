"""The PDF's drivers: a table of every driver (one line each), then the detail of the drivers
the report lists (those who need attention with --all; every one with --user or
--printsessions; the one driver of a driver report), the unclaimed sessions last."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from ... import definitions as d
from ...analysis import Report
from ...analysis.listings import Listing
from ...analysis.summary import UserStats
from ..common.wording import band_ranges, duration, kwh, pct, plural, threshold
from .outline import Heading
from .styles import (
    BODY,
    CELL_HEAD,
    H1,
    H2,
    LABEL_INK,
    ORANGE,
    RED,
    SMALL,
    TINT,
    Cell,
    Mark,
    cell,
    esc,
    hexcode,
    long_table,
)

DRIVER_COLUMNS = (
    ("Driver", 3.3),
    ("Sessions", 0.75),
    ("Empty", 0.65),
    ("Micro", 0.65),
    ("Normal", 0.75),
    ("kWh", 0.85),
    ("Avg duration", 0.95),
    ("Last session", 1.35),
)
SESSION_COLUMNS = (
    ("#", 0.35),
    ("Start", 1.25),
    ("End", 1.25),
    ("Duration", 0.7),
    ("kWh", 0.65),
    ("Avg A", 0.55),
    ("Label", 1.05),
    ("Station / space", 1.3),
    ("Session ID", 2.9),
)


def claimed(r: Report) -> list[UserStats]:
    return [u for u in r.users if u.user is not None]


def one_driver(r: Report) -> bool:
    """A driver report (--user EMAIL)."""
    return r.options.user is not None


def compact(r: Report) -> bool:
    """Detail only for the drivers who need attention, the others a line each."""
    return r.detail_only_needing_help


def detailed(r: Report) -> list[UserStats]:
    """The claimed drivers with a detail part."""
    return list(r.detailed)


def drivers(r: Report) -> list[Flowable]:
    """The drivers' table, their details and the unclaimed sessions."""
    if not r.drivers or not r.users:
        why = (
            "No driver data: these sessions do not say who charged (and none is unclaimed)."
            if not r.drivers
            else "No sessions in this date range."
        )
        heading = Heading("Drivers", H1)
        return [CondPageBreak(1.5 * inch), Spacer(1, 10), heading, Paragraph(why, BODY)]
    by_user = {item.user: item for item in r.listings}
    story: list[Flowable] = []
    if not one_driver(r):
        story += table(r)
        story += [CondPageBreak(2 * inch), Spacer(1, 10)]
        if compact(r):
            story.append(Heading("Drivers who need attention", H1))
            if not r.needing_help:
                story.append(
                    Paragraph(
                        "No driver has significantly more empty and micro sessions than the rest "
                        "of the site.",
                        BODY,
                    )
                )
        else:
            story.append(Heading("Sessions by driver", H1))
        story.append(_legend())
    level = 0 if one_driver(r) else 1
    for stats in detailed(r):
        story += _user(stats, by_user.get(stats.user), r, level)
    unclaimed = next((u for u in r.users if u.user is None), None)
    if unclaimed is not None:
        story += _user(unclaimed, by_user.get(None), r, 0)
    return story


def table(r: Report) -> list[Flowable]:
    """Every driver, one line each, by email; the drivers who need attention in red; the
    unclaimed sessions last."""
    everyone = claimed(r)
    if not everyone:
        return []
    zone = ZoneInfo(r.window.timezone)
    helped = set(r.needing_help)
    rows: list[list[Cell]] = []
    marks: list[list[Mark]] = []
    for u in [*everyone, *(u for u in r.users if u.user is None)]:
        c = u.counts
        avg = c.average_duration_s
        rows.append(
            [
                cell(u.user or "Unclaimed (no QR scan)", 52),
                str(c.sessions),
                str(c.empty),
                str(c.micro),
                pct(c.normal_pct),
                f"{c.kwh:,.1f}",
                duration(avg) if avg else "",
                f"{u.last.astimezone(zone):%Y-%m-%d %H:%M}" if u.last else "",
            ]
        )
        if u.user is None:
            marks.append([("FONTNAME", 0, 0, "Helvetica-Oblique")])
        elif u.user in helped:
            marks.append([("TEXTCOLOR", 0, -1, RED), ("FONTNAME", 0, -1, "Helvetica-Bold")])
        else:
            marks.append([])
    n = len(detailed(r))
    after = (
        f"the {plural(n, 'driver')} in red need{'s' * (n == 1)} attention: their sessions follow"
        if compact(r) and n
        else "the sessions of each follow"
        if not compact(r)
        else "none needs attention"
    )
    return [
        CondPageBreak(2.5 * inch),
        Spacer(1, 10),
        Heading(f"Drivers ({len(everyone):,})", H1, "Drivers"),
        Paragraph(
            f"Every driver, one line each; {after}. Normal: the share of normal sessions. "
            "Avg duration: plugged-in time per session. Last session: when the latest started.",
            SMALL,
        ),
        Spacer(1, 4),
        *long_table(
            [name for name, _ in DRIVER_COLUMNS],
            rows,
            [w * inch for _, w in DRIVER_COLUMNS],
            marks,
        ),
    ]


def _legend() -> Paragraph:
    bands = band_ranges()
    return Paragraph(
        f"Rows are coloured by performance: green HIGH ({esc(bands[d.HIGH])}), orange MED "
        f"({bands[d.MED]}) and MICRO, red LOW and EMPTY.",
        SMALL,
    )


def _user(stats: UserStats, listing: Listing | None, r: Report, level: int) -> list[Flowable]:
    c = stats.counts
    thr = threshold(r.threshold_kwh)
    if stats.user is None:
        head = Heading(
            f"Unclaimed sessions ({pct(c.normal_pct)} normal sessions)",
            H1,
            "Unclaimed sessions",
        )
    else:
        head = Heading(
            f"User: {esc(stats.user)} ({pct(c.normal_pct)} normal sessions)",
            H2 if level else H1,
            stats.user,
            level,
        )
    parts = [plural(c.sessions, "session")]
    for name, n in (
        ("empty (0 kWh)", c.empty),
        (f"micro (&lt; {thr} kWh)", c.micro),
        (f"normal (&gt;= {thr} kWh)", c.normal),
    ):
        if n:
            parts.append(f"{n} {name} ({pct(c.pct(n))})")
    if c.average_duration_s:
        parts.append(f"average duration {duration(c.average_duration_s)}")
    if stats.last is not None:
        zone = ZoneInfo(r.window.timezone)
        parts.append(f"last session {stats.last.astimezone(zone):%Y-%m-%d %H:%M}")
    block: list[Flowable] = [Spacer(1, 6), head] if level == 0 else [head]
    if stats.user is None:
        block.append(Paragraph(d.UNCLAIMED_EXPLANATION + ".", BODY))
    block.append(Paragraph(" &middot; ".join(parts), BODY))
    why = next((a for a in r.attention if a.kind == "driver" and a.subject == stats.user), None)
    if why is not None:
        block.append(
            Paragraph(f"<font color='{hexcode(ORANGE)}'><b>{esc(why.text)}</b></font>", BODY)
        )
    if listing is None or not listing.lines:
        return [CondPageBreak(1.2 * inch), KeepTogether(block), Spacer(1, 8)]
    block.append(Paragraph(_shown(listing, r), SMALL))
    rows: list[list[Cell]] = []
    marks: list[list[Mark]] = []
    for line in listing.lines:
        colour = d.LABEL_COLOURS[line.label]
        place = " / ".join(p for p in (line.station_id, line.space) if p)
        rows.append(
            [
                str(line.number),
                line.start,
                line.end,
                duration(line.duration_s),
                kwh(line.kwh, r.threshold_kwh).replace(" kWh", ""),
                "" if line.avg_current is None else f"{line.avg_current:.1f}",
                line.label,
                cell(place, 18),
                cell(line.session_id, 42),
            ]
        )
        marks.append(
            [
                ("BACKGROUND", 0, -1, TINT[colour]),
                ("TEXTCOLOR", 6, 6, LABEL_INK[colour]),
                ("FONTNAME", 6, 6, "Helvetica-Bold"),
            ]
        )
    tables = long_table(
        [Paragraph(name, CELL_HEAD) for name, _ in SESSION_COLUMNS],
        rows,
        [w * inch for _, w in SESSION_COLUMNS],
        marks,
        header_font=False,
    )
    return [
        CondPageBreak(1.6 * inch),
        KeepTogether([*block, Spacer(1, 4)]),
        *tables,
        Spacer(1, 10),
    ]


def _shown(listing: Listing, r: Report) -> str:
    """What the table holds: every session, or the worst of them and where the rest are."""
    listed = r.listed_categories
    what = " or ".join(c.lower() for c in listed) + " sessions" if listed else "sessions"
    shown = len(listing.lines)
    if listing.total == shown:
        return f"The {what[:-1]}." if shown == 1 else f"All {shown} {what}, oldest first."
    return (
        f"Showing the {shown} worst of {listing.total} {what}, worst first (empty, micro, then "
        f"low, medium and high current; the newest first among equals); the other "
        f"{listing.total - shown} are in the CSV export (seshis --all --csv), and in this "
        "report with --printsessions."
    )
