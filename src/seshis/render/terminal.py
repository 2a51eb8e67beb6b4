"""The colour-coded terminal report, laid out as seshis.py's sample output (README: Coming from
seshis.py).

What needs attention comes first and the site's health closes a long report, so both are on
screen when it stops. Lines are written in colour on a terminal and as plain text, fast, when
piped. Nothing is ever cut: a table too wide for the screen is split, never ellipsized.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from .. import definitions as d
from ..analysis import Report, Scope
from ..analysis.attention import Attention
from ..analysis.listings import Listing, SessionLine
from ..analysis.report import Where
from ..analysis.summary import LONG_DAYS, UserStats
from ..dates import DateRange, zone
from .common.lines import Lines, table
from .common.wording import (
    HEALTH_NAMES,
    TREND_NAMES,
    duration,
    kwh,
    pct,
    plural,
    recovered,
    renamed,
    since,
    site_command,
    site_line,
    span,
    state,
    threshold,
    trend_change,
    trend_value,
    where_to_look,
)

COMPACT_STATIONS = 10  # --all names the worst stations; --stations lists every one
COMPACT_DRIVERS = 10  # --all names the drivers with most problems; --user lists every one
COMPACT_WHERE = 5  # --all names the top 5 stations and drivers for empty and micro


def render(report: Report, out: Console, *, brief: bool = False, debug: bool = False) -> int:
    """The report of the sections the analysis flags asked for; returns how many lines.
    `brief`: the short form of each part (the worst stations and drivers, the top places)."""
    w = Lines(out)
    r, sections = report, report.sections
    compact = brief
    _header(r, w)
    if sections.health:
        _attention(r, w)
        _health(r, w)
        if r.several_sites:
            _sites(r, w)
        _trends(r, w)
    if sections.empty:
        _category_section(r, w, "empty", compact)
    if sections.micro:
        _category_section(r, w, "micro", compact)
    if sections.empty and sections.micro:
        _combined(r, w)
    if sections.stations:
        _stations(r, w, compact)
    if sections.users:
        _users(r, w, compact)
    _quality(r, w, debug)
    if sections.health and w.count > 40:
        _closing(r, w)
    return w.count


def _header(r: Report, w: Lines) -> None:
    if r.several_sites:
        w((f"🔌 SESHIS — {r.site}: {plural(len(r.sites), 'site')}", "bold"))
        zones = sorted({s.window.timezone for s in r.sites})
        where = r.window.timezone if len(zones) == 1 else "each site in its own time zone"
        w(f"📅 {r.window.title}: {span(r.window)} ({where})")
    else:
        w(("🔌 SESHIS — " + site_line(r.site, r.location), "bold"))
        w(f"📅 {r.window.title}: {span(r.window)} ({r.window.timezone})")
    if r.sync is not None and r.sync.warning and r.sync.note:
        w((f"⚠️  {r.sync.note}", "yellow"))
    if not r.has_sessions:
        w.blank()
        w(("No sessions in this date range.", "yellow"))
        if r.span is not None and r.window.kind != "all":
            held = DateRange(r.span[0], r.span[1], r.window.timezone, "all")
            w(f"The data holds {span(held)}; try --range all, or --start and --end within it.")


def _attention(r: Report, w: Lines) -> None:
    w.title("🚨 NEEDS ATTENTION")
    if not r.attention and not r.network.recovered:
        w(
            (
                "    ✅ Nothing stands out: no station, driver or day fails more than the rest.",
                "green",
            )
        )
        return
    if r.several_sites:
        _attention_by_site(r, w)
    else:
        for item in r.attention:
            _item(item, w)
    for back in r.network.recovered:
        w(("    ✅ " + recovered(back, with_site=r.several_sites), "green"))


def _item(item: Attention, w: Lines, indent: str = "    ") -> None:
    colour = "red" if item.kind in ("station", "sync", "site") else "yellow"
    w((f"{indent}• {item.text}{state(item.state)}", colour))
    if item.since is not None:
        w(f"{indent}  {since(item.since)}")
    w(f"{indent}  → {where_to_look(item)}")


SITE_ITEMS = 3  # items shown per site in a network's NEEDS ATTENTION; the rest are counted
SITES_SHOWN = 10  # sites shown there, worst first


def _attention_by_site(r: Report, w: Lines) -> None:
    """A network's attention: what concerns the whole network, then site by site, worst site
    first, a few items each with how many more and the command that shows them."""
    overall = [a for a in r.attention if a.site is None]
    for item in overall:
        _item(item, w)
    by_site: dict[str, list[Attention]] = {}
    for item in r.attention:
        if item.site is not None:
            by_site.setdefault(item.site, []).append(item)
    order = [s.name for s in r.sites if s.name in by_site]
    for name in order[:SITES_SHOWN]:
        items = by_site[name]
        w((f"    📍 {name}: {plural(len(items), 'item')}", "bold"))
        for item in items[:SITE_ITEMS]:
            _item(item, w, "      ")
        if len(items) > SITE_ITEMS:
            w(f"      … and {len(items) - SITE_ITEMS} more at this site ({site_command(name)})")
    if len(order) > SITES_SHOWN:
        more = plural(len(order) - SITES_SHOWN, "more site")
        w(f"    … {more} need attention (the SITES table; --json lists every item)")


def _health_lines(r: Report, w: Lines) -> None:
    for h in r.health:
        target = f"target {h.comparison} {h.threshold_pct:g}%"
        name = HEALTH_NAMES[h.metric]
        if h.metric == "unclaimed" and not r.drivers:
            w(f"    ➖ {name:<20} {'n/a':>6}   no driver data in the export")
            continue
        if h.ok is None:
            w(f"    ➖ {name:<20} {'n/a':>6}   {target}")
            continue
        mark, colour = ("✅", "green") if h.ok else ("❌", "red")
        verdict = "met" if h.ok else "NOT met"
        w(
            f"    {mark} {name:<20} ",
            (f"{pct(h.value_pct or 0):>6}", colour),
            f"   {target} ({verdict})",
        )


def _totals_line(r: Report, w: Lines) -> None:
    t = r.totals
    avg = t.average_duration_s
    drivers = "no driver data" if r.distinct_users is None else plural(r.distinct_users, "driver")
    w(
        f"    📊 {plural(t.sessions, 'session')} · {t.kwh:,.0f} kWh · {drivers} · "
        f"average {duration(avg) if avg else 'n/a'} plugged in"
    )


def _health(r: Report, w: Lines) -> None:
    w.title("🏥 SITE HEALTH")
    _health_lines(r, w)
    t = r.totals
    if t.normal:
        w(
            "    ⚡ Normal sessions: ",
            (f"HIGH {t.high} ({pct(t.band_pct(t.high))})", "green"),
            " · ",
            (f"MED {t.med} ({pct(t.band_pct(t.med))})", "dark_orange"),
            " · ",
            (f"LOW {t.low} ({pct(t.band_pct(t.low))})", "red"),
        )
    _totals_line(r, w)


def _closing(r: Report, w: Lines) -> None:
    """The health again at the end of a long report, so it is on screen when it stops."""
    w.title(f"🏥 SITE HEALTH — {site_line(r.site, r.location)}, {span(r.window)}")
    _health_lines(r, w)
    _totals_line(r, w)
    n = len(r.attention)
    w(
        (f"    🚨 {plural(n, 'item')} above {'needs' if n == 1 else 'need'} attention", "red")
        if n
        else "    ✅ Nothing needs attention"
    )


def _trends(r: Report, w: Lines) -> None:
    if not r.trends or r.previous is None:
        return
    w.title("📈 TRENDS")
    w(f"    previous window: {span(r.previous.window)}")
    for t in r.trends:
        now, before = trend_value(t.metric, t.value), trend_value(t.metric, t.previous)
        change = trend_change(t.metric, t.change)
        style = None if t.worse is None else "red" if t.worse else "green"
        w(f"    {TREND_NAMES[t.metric]:<20} {now:>12}   was {before:>12}   ", (change, style))


def _category_section(r: Report, w: Lines, which: str, compact: bool) -> None:
    t = r.totals
    if which == "empty":
        title, name, part = "EMPTY SESSIONS ANALYSIS", "Empty sessions (0 kWh)", t.empty
    else:
        thr = threshold(r.threshold_kwh)
        title, name, part = "MICROSESSION ANALYSIS", f"Microsessions (< {thr} kWh)", t.micro
    w.title(f"🔍 {title}")
    w(f"📊 Total sessions: {t.sessions}")
    w(f"{name}: {part} ({pct(t.pct(part))})")
    if r.daily:
        w.blank()
        w("📅 Daily breakdown:")
    for day in r.daily:
        n = day.counts.empty if which == "empty" else day.counts.micro
        w(f"- {day.day}: {n} {which} / {day.counts.sessions} total ({pct(day.counts.pct(n))})")
    where = next((x for x in r.where if x.category == which), None)
    if where is not None and part:
        _where(where, w, COMPACT_WHERE if compact else None)
    every = dict(r.category_lines).get(which)
    if every:
        w.blank()
        w(f"🧾 Every {which} session ({len(every)}):")
        for line in every:
            who = line.user or "🔓 unclaimed"
            station = line.station_id or "(no station)"
            w(
                (
                    f"    {line.start} · {station} · {who} · {duration(line.duration_s)} · "
                    f"{kwh(line.kwh, r.threshold_kwh)} · {line.session_id}",
                    d.LABEL_COLOURS[line.label],
                )
            )


def _where(where: Where, w: Lines, top: int | None) -> None:
    for kind, places in (("stations", where.stations), ("drivers", where.drivers)):
        if not places:
            continue
        shown = places[:top] if top else places
        w.blank()
        w(f"📍 The {kind} with the most {where.category} sessions:")
        for p in shown:
            name = p.name if p.name is not None else "🔓 unclaimed"
            w(f"    {name}: {p.count} of {plural(p.sessions, 'session')} ({p.pct:.0f}%)")


def _combined(r: Report, w: Lines) -> None:
    t = r.totals
    thr = threshold(r.threshold_kwh)
    w.title(f"📋 COMBINED SUMMARY — {r.site}")
    w(f"    Total sessions: {t.sessions}")
    w(f"    Empty sessions (0 kWh): {t.empty} ({pct(t.pct(t.empty))})")
    w(f"    Microsessions (< {thr} kWh): {t.micro} ({pct(t.pct(t.micro))})")
    w(f"    Problem sessions (empty + micro): {t.problems} ({pct(t.pct(t.problems))})")
    w(f"    Normal sessions (>= {thr} kWh): {t.normal} ({pct(t.pct(t.normal))})")


SITE_COLUMNS = (  # the site's name last: a long name runs on, the figures stay one table
    ("Sess", ">"),
    ("Stns", ">"),
    ("Drivers", ">"),
    ("kWh", ">"),
    ("Empty", ">"),
    ("Micro", ">"),
    ("Normal", ">"),
    ("Uncl", ">"),
    ("Attn", ">"),
    ("Δ E+M", ">"),
    ("Site", "<"),
)


def _sites(r: Report, w: Lines) -> None:
    """One line per site, worst first: its figures, each share marked "!" where it misses its
    health target, how many items need attention there, and the change of its empty + micro
    share against the previous window."""
    w.title(f"🏢 SITES ({len(r.sites)})")
    rows = []
    for s in r.sites:
        t = s.totals

        def share(metric: str, part: int | None, s: Scope = s) -> str:
            if part is None or not s.totals.sessions:
                return ""
            missed = any(h.metric == metric and h.ok is False for h in s.health)
            return f"{s.totals.pct(part):.0f}%" + ("!" if missed else "")

        was = s.previous
        change = ""
        if was is not None and was.totals.sessions and t.sessions:
            change = f"{t.pct(t.problems) - was.totals.pct(was.totals.problems):+.0f}"
        cells = [
            f"{t.sessions:,}",
            str(len(s.stations)) if s.stations else "",
            "n/a" if s.distinct_users is None else f"{s.distinct_users:,}",
            f"{t.kwh:,.0f}",
            share("empty", t.empty),
            share("micro", t.micro),
            share("normal", t.normal),
            share("unclaimed", None if s.unclaimed is None else s.unclaimed.sessions),
            str(len(s.attention)) if s.attention else "",
            change,
            s.name,
        ]
        failing = any(a.kind == "site" for a in s.attention)
        rows.append((cells, "red" if failing else "yellow" if s.attention else None))
    # columns that say nothing here (no driver data, no previous window) are left out
    kept = [i for i in range(len(SITE_COLUMNS)) if any(c[i] not in ("", "n/a") for c, _ in rows)]
    table(
        w,
        tuple(SITE_COLUMNS[i] for i in kept),
        [([cells[i] for i in kept], style) for cells, style in rows],
        keep=0,
        free_last=True,
    )
    names = {SITE_COLUMNS[i][0] for i in kept}
    legend = ["! a health target not met"]
    if "Attn" in names:
        legend.append("Attn: items that need attention")
    if "Δ E+M" in names:
        legend.append("Δ E+M: change in points of the empty + micro share since the window before")
    w("    " + " · ".join(legend[:2]))
    if len(legend) > 2:
        w("    " + legend[2])


STATION_COLUMNS = (
    ("Station", "<"),
    ("Space", "<"),
    ("Sess", ">"),
    ("Empty", ">"),
    ("Micro", ">"),
    ("Uncl", ">"),
    ("kWh", ">"),
    ("Med A", ">"),
    ("Avg", ">"),
    ("Chg h", ">"),
    ("Idle h", ">"),
    ("Util", ">"),
)


def _stations(r: Report, w: Lines, compact: bool) -> None:
    w.title("🔌 STATIONS")
    if not r.stations:
        w("    No stations in this date range.")
        return
    shown = list(r.stations)
    if compact and len(shown) > COMPACT_STATIONS:
        shown = [s for s in shown if s.suspect] or []
        shown += [s for s in r.stations if not s.suspect][: max(0, COMPACT_STATIONS - len(shown))]
    rows = []
    for st in shown:
        avg = st.average_duration_s
        rows.append(
            (
                [
                    st.label,
                    str(st.space or ""),
                    str(st.sessions),
                    f"{st.pct(st.empty):.0f}%",
                    f"{st.pct(st.micro):.0f}%",
                    "" if st.unclaimed is None else f"{st.pct(st.unclaimed):.0f}%",
                    f"{st.kwh:,.0f}",
                    "" if st.median_current is None else f"{st.median_current:.1f}",
                    duration(avg) if avg else "",
                    "" if st.charging_h is None else f"{st.charging_h:,.0f}",
                    "" if st.idle_h is None else f"{st.idle_h:,.0f}",
                    f"{st.utilization_pct:.0f}%",
                ],
                "red" if st.suspect else None,
            )
        )
    table(w, STATION_COLUMNS, rows)
    if len(shown) < len(r.stations):
        more = plural(len(r.stations) - len(shown), "more station")
        w(f"    … {more} (seshis --stations lists every one)")
    for st in r.stations:
        if st.suspect:
            w((f"    ⚠️  SUSPECT {st.label}: {st.suspect}", "red"))
    if not any(st.suspect for st in r.stations):
        w("    ✅ No station stands out from the rest of the site.")


def _users(r: Report, w: Lines, compact: bool) -> None:
    if not r.drivers:
        w.title("👥 User Session Summary:")
        w("    No driver data: these sessions do not say who charged (and none is unclaimed).")
        return
    by_user = {item.user: item for item in r.listings}
    claimed = [u for u in r.users if u.user is not None]
    listed = r.listed_categories
    which = " + ".join(c.lower() for c in listed) if listed else ""
    heading = f"User Session Summary with {which} sessions:" if listed else "User Session Summary:"
    w.title(f"👥 {heading}")
    w(f"📊 Total unique users: {len(claimed)}")
    if compact:
        _driverstable(r, w, claimed)
    detailed = {u.user for u in r.detailed}
    for stats in (u for u in r.users if u.user is None or u.user in detailed):
        _user(stats, by_user.get(stats.user), r, w, which)


DRIVER_COLUMNS = (
    ("Driver", "<"),
    ("Sess", ">"),
    ("Empty", ">"),
    ("Micro", ">"),
    ("Normal", ">"),
    ("kWh", ">"),
    ("Avg", ">"),
    ("Last session", "<"),
)


def _driverstable(r: Report, w: Lines, claimed: list[UserStats]) -> None:
    """--all: the drivers with most failed sessions, one line each; those who need help are
    listed in full below."""
    ranked = sorted(claimed, key=lambda u: (-u.counts.problems, -u.counts.sessions, u.user or ""))
    shown = ranked[:COMPACT_DRIVERS]
    if not shown:
        return
    w.blank()
    w("The drivers with the most empty and micro sessions:")
    columns = DRIVER_COLUMNS
    rows = []
    tz = r.window.timezone
    for u in shown:
        c = u.counts
        last = u.last.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M") if u.last else ""
        avg = c.average_duration_s
        rows.append(
            (
                [
                    u.user or "",
                    str(c.sessions),
                    str(c.empty),
                    str(c.micro),
                    pct(c.normal_pct),
                    f"{c.kwh:,.0f}",
                    duration(avg) if avg else "",
                    last,
                ],
                "red" if u.user in r.needing_help else None,
            )
        )
    table(w, columns, rows)
    rest = len(claimed) - len(shown)
    if rest:
        w(f"    … {plural(rest, 'more driver')} (seshis --user lists each with their sessions)")


def _user(stats: UserStats, listing: Listing | None, r: Report, w: Lines, which: str) -> None:
    c = stats.counts
    thr = threshold(r.threshold_kwh)
    if stats.user is None:
        w.blank()
        w((f"🔓 UNCLAIMED SESSIONS ({pct(c.normal_pct)} normal sessions)", "bold"))
        w(f"    {d.UNCLAIMED_EXPLANATION}")
    else:
        w.blank()
        w((f"User: {stats.user} ({pct(c.normal_pct)} normal sessions)", "bold"))
    w(f"    Total sessions: {c.sessions}")
    for name, n in (
        ("Empty sessions (0 kWh)", c.empty),
        (f"Microsessions (< {thr} kWh)", c.micro),
        (f"Normal sessions (>= {thr} kWh)", c.normal),
    ):
        if n:
            w(f"    {name}: {n} ({pct(c.pct(n))})")
    if c.average_duration_s:
        w(f"    Average duration: {duration(c.average_duration_s)}")
    if listing is None:
        return
    shown = len(listing.lines)
    noun = "session" if listing.total == 1 else "sessions"
    what = " ".join(p for p in (which, "unclaimed" if stats.user is None else "", noun) if p)
    w.blank()
    if shown == listing.total:
        w(f"    Showing {shown} {what}:")
    else:
        w(f"    Showing the {shown} most recent of {listing.total} {what}:")
        w(f"    … {listing.total - shown} earlier (use --printsessions)")
    for line in listing.lines:
        _session(line, r, w)


def _session(line: SessionLine, r: Report, w: Lines) -> None:
    w(
        (
            f"    Session {line.number}: START: {line.start} / END: {line.end} / "
            f"DURATION: {duration(line.duration_s)} / {kwh(line.kwh, r.threshold_kwh)} / "
            f"{line.session_id} [{line.label}]",
            d.LABEL_COLOURS[line.label],
        )
    )


def _quality(r: Report, w: Lines, debug: bool) -> None:
    q = r.quality
    if q.duplicates:
        w.blank()
        w(f"ℹ️  {plural(q.duplicates, 'duplicate row')} merged (the same session_id seen twice).")
    if q.long_sessions:
        w.blank()
        w(
            f"ℹ️  {plural(q.long_sessions, 'session')} plugged in over {LONG_DAYS} days "
            f"{'is' if q.long_sessions == 1 else 'are'} analysed as they are; a day and a month "
            "swapped by a spreadsheet shows this way."
        )
    for a, b, why in q.renamed:
        w.blank()
        w("ℹ️  " + renamed(a, b, why))
    if not q.invalid:
        return
    hint = "" if debug else "; run with --debug to list them"
    verb = "was" if q.invalid == 1 else "were"
    w.blank()
    w((f"⚠️  {plural(q.invalid, 'invalid row')} {verb} not analysed{hint}:", "yellow"))
    for name, n in q.problems:
        w((f"    {name}: {n}", "yellow"))


# --- the lines around a report --------------------------------------------------------------


def exported(out: Console, count: int, path: object, what: str = "session") -> None:
    """seshis.py's last line of an export."""
    word = what if count == 1 else f"{what}s"
    out.print(f"📊 {count} {word} exported to {path}", markup=False, soft_wrap=True)


def charts_saved(out: Console, paths: Sequence[Path | str]) -> None:
    out.print(f"📈 {plural(len(paths), 'chart')} saved:", markup=False)
    for path in paths:
        out.print(f"    {path}", markup=False, soft_wrap=True)


def note(out: Console, text: str, warning: bool) -> None:
    """A remark about where the data came from (the store's freshness, an API total)."""
    out.print(f"⚠️  {text}" if warning else f"📦 {text}", markup=False, soft_wrap=True)
