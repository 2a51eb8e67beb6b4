"""What the page shows, as one JSON-ready document: every figure formatted here with the
shared wording, each number also given raw so the page can sort by it. The page computes
nothing; it sorts, filters and draws what this holds. Sections follow the report's flags as
the PDF's do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from ... import definitions as d
from ...analysis import Report
from ...analysis.stations import ALPHA, MIN_SESSIONS
from ...analysis.summary import LONG_DAYS, Counts
from ..common.exporter import Sessions
from ..common.wording import (
    HEALTH_NAMES,
    band_ranges,
    duration,
    pct,
    plural,
    recovered,
    renamed,
    since,
    site_line,
    span,
    state,
    threshold,
    trend_change,
    trend_value,
    where_to_look,
)
from .sessions import MAX_SESSIONS, columns

Cell = str | list[Any] | None  # text, or [value to sort by, text shown]


def num(value: float | None, text: str) -> list[Any]:
    return [value, text]


def count(n: int) -> list[Any]:
    return [n, f"{n:,}"]


def share(value: float) -> list[Any]:
    return [round(value, 2), pct(value)]


def table(
    columns: list[tuple[str, str]],
    rows: Sequence[Sequence[Cell]],
    marks: list[str],
    **extra: Any,
) -> dict[str, Any]:
    """A table the page sorts and filters: columns (name, "text" | "num" | "station" |
    "driver"), rows of cells, and each row's mark (a CSS class: bad, warn, good, muted)."""
    return {
        "columns": columns,
        "rows": [[*row, mark] for row, mark in zip(rows, marks, strict=True)],
        **extra,
    }


def document(report: Report, sessions: Sessions) -> dict[str, Any]:
    r, sec = report, report.sections
    one = r.options.user is not None
    zone = ZoneInfo(r.window.timezone)
    doc: dict[str, Any] = {
        "title": "EV Charging Session Report",
        "site": site_line(r.site, r.location, ", "),
        "driver": _driver_name(r) if one else None,
        "window": f"{r.window.title}: {span(r.window, ' to ')} ({_zones(r)})",
        "generated": f"Generated {r.generated.astimezone(zone):%Y-%m-%d %H:%M %Z} by seshis",
        "sync": r.sync.note if r.sync is not None and r.sync.warning and r.sync.note else None,
        "threshold": threshold(r.threshold_kwh),
        "bands": band_ranges(),
        "attention": _attention(r) if sec.health and not one else None,
        "health": _health(r) if not one else None,
        "totals": _totals(r),
        "previous": (
            f"Before: the previous window of the same length, {span(r.previous.window, ' to ')}."
            if r.previous is not None and r.trends
            else None
        ),
        "driver_summary": _driver_summary(r) if one else None,
        "charts": _charts(r),
        "categories": [_category(r, which) for which in ("empty", "micro") if getattr(sec, which)],
        "stations": _stations(r) if sec.stations else None,
        "drivers": _drivers(r) if sec.users and not one else None,
        "unclaimed": _unclaimed(r) if sec.users else None,
        "no_drivers": sec.users and not r.drivers,
        "sites": _sites(r),
        "quality": _quality(r),
        "sessions": columns(sessions, r.threshold_kwh, MAX_SESSIONS),
    }
    return doc


def _driver_name(r: Report) -> str:
    driver = next((u for u in r.users if u.user is not None), None)
    return driver.user or "" if driver else str(r.options.user)


def _attention(r: Report) -> list[dict[str, Any]]:
    """Most pressing first; red for stations and the sync, amber for the rest; each with the
    view of the page that shows it."""
    links = {"station": "station", "driver": "driver", "day": "day"}
    out = []
    items = r.attention
    if r.several_sites:  # what concerns the whole network first, then site by site
        items = tuple(sorted(items, key=lambda a: a.site is not None))
    for a in items:
        link = None
        if a.kind in links:
            link = [links[a.kind], a.subject]
        elif a.kind == "unclaimed" and a.site is None:
            link = ["unclaimed", ""]
        mark = "bad" if a.kind in ("station", "sync", "site") else "warn"
        at = f"{a.site}: " if r.several_sites and a.site and a.kind != "site" else ""
        text = at + a.text + state(a.state)
        if a.since is not None:
            text += " — " + since(a.since)
        out.append({"text": text, "where": where_to_look(a), "mark": mark, "link": link})
    for back in r.network.recovered:
        text = recovered(back, with_site=r.several_sites)
        out.append({"text": text, "where": "", "mark": "good", "link": None})
    return out


def _health(r: Report) -> list[dict[str, Any]]:
    """One card per target: the value, the target, met or not, and the change against the
    previous window (red when worse)."""
    trend = {t.metric: t for t in r.trends}
    cards = []
    for h in r.health:
        tr = trend.get(h.metric)
        if h.metric == "unclaimed" and not r.drivers:
            value, status, mark = "n/a", "no driver data", "muted"
        elif h.ok is None:
            value, status, mark = "n/a", h.reason or "no sessions", "muted"
        else:
            value, status = pct(h.value_pct or 0), "MET" if h.ok else "NOT MET"
            mark = "good" if h.ok else "bad"
        cards.append(
            {
                "name": HEALTH_NAMES[h.metric],
                "value": value,
                "target": f"target {h.comparison} {h.threshold_pct:g}%",
                "status": status,
                "mark": mark,
                "before": f"before {trend_value(tr.metric, tr.previous)}" if tr else None,
                "change": trend_change(tr.metric, tr.change) if tr else None,
                "worse": None if tr is None else tr.worse,
            }
        )
    return cards


def _totals(r: Report) -> dict[str, Any]:
    """The totals of the window, with the previous window's figure and the change where the
    report has them (the trends)."""
    t = r.totals
    thr = threshold(r.threshold_kwh)
    bands = band_ranges()
    trend = {tr.metric: tr for tr in r.trends}

    def was(metric: str) -> list[Cell]:
        tr = trend.get(metric)
        if tr is None:
            return ["", ""]
        return [num(tr.previous, trend_value(metric, tr.previous)), trend_change(metric, tr.change)]

    avg = t.average_duration_s
    drivers = r.drivers
    rows: list[tuple[list[Cell], str]] = [
        (["All sessions", count(t.sessions), "", *was("sessions")], ""),
        (["Empty (0 kWh)", count(t.empty), share(t.pct(t.empty)), *was("empty")], "bad"),
        ([f"Micro (< {thr} kWh)", count(t.micro), share(t.pct(t.micro)), *was("micro")], "warn"),
        ([f"Normal (>= {thr} kWh)", count(t.normal), share(t.pct(t.normal)), *was("normal")], ""),
        ([f"HIGH ({bands[d.HIGH]})", count(t.high), share(t.band_pct(t.high)), "", ""], "good"),
        ([f"MED ({bands[d.MED]})", count(t.med), share(t.band_pct(t.med)), "", ""], "warn"),
        ([f"LOW ({bands[d.LOW]})", count(t.low), share(t.band_pct(t.low)), "", ""], "bad"),
        (
            [
                "Unclaimed (no QR scan)",
                "n/a" if r.unclaimed is None else count(r.unclaimed.sessions),
                "" if r.unclaimed is None else share(t.pct(r.unclaimed.sessions)),
                *(was("unclaimed") if drivers else ["", ""]),
            ],
            "",
        ),
        (
            [
                "Users",
                "no driver data" if r.distinct_users is None else count(r.distinct_users),
                "",
                "",
                "",
            ],
            "",
        ),
        (["Energy delivered", num(t.kwh, f"{t.kwh:,.0f} kWh"), "", *was("kwh")], ""),
        (["Average duration", num(avg, duration(avg) if avg else "n/a"), "", "", ""], ""),
    ]
    if r.quality.invalid or r.quality.duplicates:
        rows.append((["Invalid rows (not analysed)", count(r.quality.invalid), "", "", ""], ""))
        rows.append((["Duplicate rows merged", count(r.quality.duplicates), "", "", ""], ""))
    columns = [("Totals", "text"), ("Sessions", "num"), ("Share", "num")]
    if trend:
        columns += [("Before", "num"), ("Change", "text")]
    cut = len(columns)
    return table(columns, [row[:cut] for row, _ in rows], [mark for _, mark in rows])


def _driver_summary(r: Report) -> dict[str, Any] | None:
    """One driver's figures beside the whole site's (a driver report)."""
    driver = next((u for u in r.users if u.user is not None), None)
    if driver is None:
        return None
    c, t = driver.counts, r.totals
    thr = threshold(r.threshold_kwh)
    bands = band_ranges()
    rows: list[list[Cell]] = [["Sessions", count(c.sessions), "", count(t.sessions), ""]]
    marks = [""]
    parts = (
        ("Empty (0 kWh)", "empty", "bad", Counts.pct),
        (f"Micro (< {thr} kWh)", "micro", "warn", Counts.pct),
        (f"Normal (>= {thr} kWh)", "normal", "", Counts.pct),
        (f"HIGH ({bands[d.HIGH]})", "high", "good", Counts.band_pct),
        (f"MED ({bands[d.MED]})", "med", "warn", Counts.band_pct),
        (f"LOW ({bands[d.LOW]})", "low", "bad", Counts.band_pct),
    )
    for name, part, mark, of in parts:
        a, b = getattr(c, part), getattr(t, part)
        rows.append([name, count(a), share(of(c, a)), count(b), share(of(t, b))])
        marks.append(mark)
    zone = ZoneInfo(r.window.timezone)
    mine, site = c.average_duration_s, t.average_duration_s
    rows += [
        [
            "Energy delivered",
            num(c.kwh, f"{c.kwh:,.1f} kWh"),
            "",
            num(t.kwh, f"{t.kwh:,.0f} kWh"),
            "",
        ],
        [
            "Average duration",
            num(mine, duration(mine) if mine else "n/a"),
            "",
            num(site, duration(site) if site else "n/a"),
            "",
        ],
        [
            "Last session",
            f"{driver.last.astimezone(zone):%Y-%m-%d %H:%M}" if driver.last else "",
            "",
            "",
            "",
        ],
    ]
    marks += ["", "", ""]
    why = next((a for a in r.attention if a.kind == "driver" and a.subject == driver.user), None)
    columns = [("", "text"), ("Driver", "num"), ("Share", "num"), ("Whole site", "num")]
    return table(
        [*columns, ("Share", "num")],
        rows,
        marks,
        attention=None if why is None else f"{why.text}. {where_to_look(why)}",
    )


def _charts(r: Report) -> list[dict[str, Any]]:
    """The charts the flags ask for, with the numbers the PNG charts plot."""
    from ..charts import chart_data

    out = []
    for name, c in chart_data(r).items():
        out.append(
            {
                "name": name,
                "title": c.title,
                "labels": list(c.x_labels),
                "series": [
                    {"key": s.key, "label": s.label, "values": list(s.values)} for s in c.series
                ],
                "x_label": c.x_label,
                "y_label": c.y_label,
                "targets": [[label, y] for label, y, _colour in c.targets],
                "note": c.note,
                "partial": [
                    f"{label}: {part}"
                    for label, part in zip(c.x_labels, c.partial, strict=False)
                    if part
                ],
            }
        )
    return out


def _category(r: Report, which: str) -> dict[str, Any]:
    """The empty (micro) sessions by day, red on the days that miss the target, and where
    they happen."""
    t = r.totals
    part = t.empty if which == "empty" else t.micro
    if which == "empty":
        title, name = "Empty sessions", "Empty sessions (0 kWh)"
    else:
        title, name = "Microsessions", f"Microsessions (< {threshold(r.threshold_kwh)} kWh)"
    limit = next(h.threshold_pct for h in r.health if h.metric == which)
    rows: list[list[Cell]] = []
    marks: list[str] = []
    for day in r.daily:
        n = getattr(day.counts, which)
        share_of = day.counts.pct(n)
        rows.append([str(day.day), count(n), count(day.counts.sessions), share(share_of)])
        marks.append("bad" if day.counts.sessions and share_of >= limit else "")
    where = next((x for x in r.where if x.category == which), None)
    column = which.capitalize()
    places = {}
    for kind, found in (
        ("station", where.stations if where else ()),
        ("driver", where.drivers if where else ()),
    ):
        if found:
            places[kind] = table(
                [(kind.capitalize(), kind), (column, "num"), ("Sessions", "num"), ("Share", "num")],
                [[p.name, count(p.count), count(p.sessions), share(p.pct)] for p in found],
                ["muted" if p.name is None else "" for p in found],
            )
    return {
        "id": which,
        "title": title,
        "summary": f"{name}: {part:,} of {t.sessions:,} ({pct(t.pct(part))})",
        "daily": table(
            [("Date", "day"), (column, "num"), ("Total", "num"), ("Share", "num")], rows, marks
        ),
        "where": places,
    }


def _stations(r: Report) -> dict[str, Any]:
    rows: list[list[Cell]] = []
    marks: list[str] = []
    for st in r.stations:
        avg = st.average_duration_s
        rows.append(
            [
                st.station_id if st.station_id else None,
                str(st.space or ""),
                "SUSPECT" if st.suspect else "",
                count(st.sessions),
                share(st.pct(st.empty)),
                share(st.pct(st.micro)),
                "" if st.unclaimed is None else share(st.pct(st.unclaimed)),
                num(st.kwh, f"{st.kwh:,.1f}"),
                num(
                    st.median_current,
                    "" if st.median_current is None else f"{st.median_current:.1f}",
                ),
                num(avg, duration(avg) if avg else ""),
                num(st.charging_h, "" if st.charging_h is None else f"{st.charging_h:,.1f}"),
                num(st.idle_h, "" if st.idle_h is None else f"{st.idle_h:,.1f}"),
                share(st.utilization_pct),
            ]
        )
        marks.append("bad" if st.suspect else "")
    columns = [
        ("Station", "station"),
        ("Space", "text"),
        ("Status", "text"),
        ("Sessions", "num"),
        ("Empty", "num"),
        ("Micro", "num"),
        ("Unclaimed", "num"),
        ("kWh", "num"),
        ("Median A", "num"),
        ("Avg duration", "num"),
        ("Charging h", "num"),
        ("Idle h", "num"),
        ("Utilization", "num"),
    ]
    return {
        "about": (
            "Suspect stations (red) have a share of empty and micro sessions significantly above "
            f"the rest of the site (one-sided Fisher exact test, Holm-corrected, p < {ALPHA:g}, "
            f"at least {MIN_SESSIONS} sessions), or delivered no energy at all. Avg duration: "
            "plugged-in time per session. Utilization: hours plugged in over the hours of the "
            "window. Click a station for its sessions."
        ),
        "suspects": [[st.label, st.suspect] for st in r.stations if st.suspect],
        "table": table(columns, rows, marks),
    }


def _drivers(r: Report) -> dict[str, Any] | None:
    """Every claimed driver, one line each; those who need attention marked."""
    claimed = [u for u in r.users if u.user is not None]
    if not r.drivers or not claimed:
        return None
    zone = ZoneInfo(r.window.timezone)
    helped = set(r.needing_help)
    rows: list[list[Cell]] = []
    marks: list[str] = []
    for u in claimed:
        c = u.counts
        avg = c.average_duration_s
        last = u.last.astimezone(zone) if u.last else None
        rows.append(
            [
                u.user,
                "needs attention" if u.user in helped else "",
                count(c.sessions),
                count(c.empty),
                count(c.micro),
                share(c.normal_pct),
                num(c.kwh, f"{c.kwh:,.1f}"),
                num(avg, duration(avg) if avg else ""),
                f"{last:%Y-%m-%d %H:%M}" if last else "",
            ]
        )
        marks.append("bad" if u.user in helped else "")
    columns = [
        ("Driver", "driver"),
        ("Status", "text"),
        ("Sessions", "num"),
        ("Empty", "num"),
        ("Micro", "num"),
        ("Normal", "num"),
        ("kWh", "num"),
        ("Avg duration", "num"),
        ("Last session", "text"),
    ]
    n = len([u for u in claimed if u.user in helped])
    return {
        "count": len(claimed),
        "about": (
            f"Every driver, one line each; {plural(n, 'driver')} need"
            f"{'s' * (n == 1)} attention (red). Normal: the share of normal sessions. Avg "
            "duration: plugged-in time per session. Click a driver for their sessions."
        ),
        "table": table(columns, rows, marks),
    }


def _unclaimed(r: Report) -> dict[str, Any] | None:
    u = next((u for u in r.users if u.user is None), None)
    if u is None or not r.drivers:
        return None
    c = u.counts
    parts = [plural(c.sessions, "session")]
    for name, n in (
        ("empty (0 kWh)", c.empty),
        (f"micro (< {threshold(r.threshold_kwh)} kWh)", c.micro),
        (f"normal (>= {threshold(r.threshold_kwh)} kWh)", c.normal),
    ):
        if n:
            parts.append(f"{n:,} {name} ({pct(c.pct(n))})")
    if c.average_duration_s:
        parts.append(f"average duration {duration(c.average_duration_s)}")
    return {"about": d.UNCLAIMED_EXPLANATION + ".", "figures": " · ".join(parts)}


def _sites(r: Report) -> dict[str, Any] | None:
    """A network's sites, one row each, worst first (None for one site)."""
    if not r.several_sites:
        return None
    rows: list[list[Cell]] = []
    marks: list[str] = []
    for sc in r.sites:
        t = sc.totals
        was = sc.previous
        change = None
        if was is not None and was.totals.sessions and t.sessions:
            change = t.pct(t.problems) - was.totals.pct(was.totals.problems)
        rows.append(
            [
                sc.name,
                count(t.sessions),
                count(len(sc.stations)),
                _users(sc.distinct_users),
                num(t.kwh, f"{t.kwh:,.0f}"),
                share(t.pct(t.empty)),
                share(t.pct(t.micro)),
                share(t.pct(t.normal)),
                "" if sc.unclaimed is None else share(t.pct(sc.unclaimed.sessions)),
                count(len(sc.attention)),
                num(change, "" if change is None else f"{change:+.1f} pts"),
            ]
        )
        failing = any(a.kind == "site" for a in sc.attention)
        marks.append("bad" if failing else "warn" if sc.attention else "")
    columns = [
        ("Site", "text"),
        ("Sessions", "num"),
        ("Stations", "num"),
        ("Drivers", "num"),
        ("kWh", "num"),
        ("Empty", "num"),
        ("Micro", "num"),
        ("Normal", "num"),
        ("Unclaimed", "num"),
        ("Attention", "num"),
        ("Δ empty + micro", "num"),
    ]
    return {"count": len(r.sites), "table": table(columns, rows, marks)}


def _quality(r: Report) -> list[list[str]]:
    """Data quality findings: [mark, text]."""
    q = r.quality
    lines = []
    if q.duplicates:
        lines.append(["", f"{plural(q.duplicates, 'duplicate row')} merged (the same id twice)."])
    if q.long_sessions:
        lines.append(
            [
                "",
                f"{plural(q.long_sessions, 'session')} plugged in over {LONG_DAYS} days analysed "
                "as they are; a day and a month swapped by a spreadsheet shows this way.",
            ]
        )
    lines += [["", renamed(a, b, why)] for a, b, why in q.renamed]
    if q.invalid:
        verb = "was" if q.invalid == 1 else "were"
        lines.append(["warn", f"{plural(q.invalid, 'invalid row')} {verb} not analysed:"])
        lines += [["warn", f"{name}: {n:,}"] for name, n in q.problems]
    return lines


def _users(n: int | None) -> Cell:
    return "no driver data" if n is None else count(n)


def _zones(r: Report) -> str:
    """The report's time zone, or that each site of a network has its own."""
    zones = {s.window.timezone for s in r.sites}
    return r.window.timezone if len(zones) <= 1 else "each site in its own time zone"
