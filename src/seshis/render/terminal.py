"""The colour-coded terminal report, laid out as the seed's sample output (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from .. import definitions as d
from ..analysis import Report
from ..analysis.listings import Listing
from ..analysis.summary import Counts, UserStats
from .common.wording import (
    HEALTH_NAMES,
    TREND_NAMES,
    duration,
    kwh,
    pct,
    plural,
    site_line,
    span,
    threshold,
    trend_change,
    trend_value,
)


def render(report: Report, out: Console, *, debug: bool = False) -> None:
    """The report of the sections the analysis flags asked for."""
    sections = report.sections
    _header(report, out)
    if sections.empty:
        _category_section(report, out, "empty")
    if sections.micro:
        _category_section(report, out, "micro")
    if sections.empty and sections.micro:
        _combined(report, out)
    if sections.health:
        _health(report, out)
        _trends(report, out)
    if sections.stations:
        _stations(report, out)
    if sections.users:
        _users(report, out)
    _quality(report, out, debug)


def _header(r: Report, out: Console) -> None:
    out.print(f"[bold]🔌 SESHIS — {escape(site_line(r.site, r.location))}[/bold]")
    out.print(f"📅 {r.window.title}: {span(r.window)} ({r.window.timezone})")
    if r.sync is not None and r.sync.warning and r.sync.note:
        out.print(f"[yellow]⚠️  {escape(r.sync.note)}[/yellow]", soft_wrap=True)
    if r.empty:
        out.print("\n[yellow]No sessions in this date range.[/yellow]")


def _category_section(r: Report, out: Console, which: str) -> None:
    t = r.totals
    if which == "empty":
        title, name, part = "EMPTY SESSIONS ANALYSIS", "Empty sessions (0 kWh)", t.empty
    else:
        thr = threshold(r.threshold_kwh)
        title, name, part = "MICROSESSION ANALYSIS", f"Microsessions (< {thr} kWh)", t.micro
    out.print(f"\n[bold]🔍 {title}[/bold]")
    out.print(f"📊 Total sessions: {t.sessions}")
    out.print(f"{name}: {part} ({pct(t.pct(part))})")
    if r.daily:
        out.print("\n📅 Daily breakdown:")
    for day in r.daily:
        n = day.counts.empty if which == "empty" else day.counts.micro
        out.print(
            f"- {day.day}: {n} {which} / {day.counts.sessions} total ({pct(day.counts.pct(n))})"
        )


def _combined(r: Report, out: Console) -> None:
    t = r.totals
    thr = threshold(r.threshold_kwh)
    out.print(f"\n[bold]📋 COMBINED SUMMARY — {escape(r.site)}[/bold]")
    out.print(f"    Total sessions: {t.sessions}")
    out.print(f"    Empty sessions (0 kWh): {t.empty} ({pct(t.pct(t.empty))})")
    out.print(f"    Microsessions (< {thr} kWh): {t.micro} ({pct(t.pct(t.micro))})")
    out.print(f"    Problem sessions (empty + micro): {t.problems} ({pct(t.pct(t.problems))})")
    out.print(f"    Normal sessions (>= {thr} kWh): {t.normal} ({pct(t.pct(t.normal))})")


def _health(r: Report, out: Console) -> None:
    out.print("\n[bold]🏥 SITE HEALTH[/bold]")
    for h in r.health:
        target = f"target {h.comparison} {h.threshold_pct:g}%"
        name = HEALTH_NAMES[h.metric]
        if h.ok is None:
            out.print(f"    ➖ {name:<20} {'n/a':>6}   {target}")
            continue
        mark, colour = ("✅", "green") if h.ok else ("❌", "red")
        verdict = "met" if h.ok else "NOT met"
        out.print(
            f"    {mark} {name:<20} [{colour}]{pct(h.value_pct or 0):>6}[/{colour}]   "
            f"{target} ({verdict})"
        )
    t = r.totals
    if t.normal:
        n = Counts(sessions=t.normal)
        out.print(
            "    ⚡ Normal sessions: "
            f"[green]HIGH {t.high} ({pct(n.pct(t.high))})[/green] · "
            f"[dark_orange]MED {t.med} ({pct(n.pct(t.med))})[/dark_orange] · "
            f"[red]LOW {t.low} ({pct(n.pct(t.low))})[/red]",
            soft_wrap=True,
        )


def _trends(r: Report, out: Console) -> None:
    if not r.trends or r.previous is None:
        return
    out.print(f"\n[bold]📈 TRENDS[/bold] (previous window: {span(r.previous.window)})")
    for t in r.trends:
        now, before = trend_value(t.metric, t.value), trend_value(t.metric, t.previous)
        change = trend_change(t.metric, t.change)
        out.print(f"    {TREND_NAMES[t.metric]:<20} {now:>12}   was {before:>12}   {change}")


def _users(r: Report, out: Console) -> None:
    by_user = {item.user: item for item in r.listings}
    claimed = [u for u in r.users if u.user is not None]
    listed = r.options.listed
    which = " + ".join(c.lower() for c in listed) if listed else ""
    title = f"User Session Summary with {which} sessions:" if listed else "User Session Summary:"
    out.print(f"\n[bold]👥 {title}[/bold]")
    out.print(f"📊 Total unique users: {len(claimed)}")
    for stats in r.users:
        _user(stats, by_user.get(stats.user), r.threshold_kwh, out, which)


def _user(
    stats: UserStats, listing: Listing | None, thr_kwh: float, out: Console, which: str = ""
) -> None:
    c = stats.counts
    thr = threshold(thr_kwh)
    head = (
        f"🔓 UNCLAIMED SESSIONS ({pct(c.normal_pct)} normal sessions)"
        if stats.user is None
        else f"User: {escape(stats.user)} ({pct(c.normal_pct)} normal sessions)"
    )
    out.print(f"\n[bold]{head}[/bold]")
    if stats.user is None:
        out.print(f"    {d.UNCLAIMED_EXPLANATION}")
    out.print(f"    Total sessions: {c.sessions}")
    for name, n in (
        ("Empty sessions (0 kWh)", c.empty),
        (f"Microsessions (< {thr} kWh)", c.micro),
        (f"Normal sessions (>= {thr} kWh)", c.normal),
    ):
        if n:
            out.print(f"    {name}: {n} ({pct(c.pct(n))})")
    if listing is None:
        return
    what = " ".join(p for p in (which, "unclaimed" if stats.user is None else "", "sessions") if p)
    shown = len(listing.lines)
    count = f"{shown}" if shown == listing.total else f"{shown} of {listing.total}"
    out.print(f"\n    Showing {count} {what}:")
    for line in listing.lines:
        colour = d.LABEL_COLOURS[line.label]
        out.print(
            f"    [{colour}]Session {line.number}: START: {line.start} / END: {line.end} / "
            f"DURATION: {duration(line.duration_s)} / {kwh(line.kwh, thr_kwh)} / "
            f"{escape(line.session_id)} \\[{line.label}][/{colour}]",
            soft_wrap=True,
        )
    if listing.total > shown:
        out.print(f"    … {listing.total - shown} more (use --printsessions)")


def _quality(r: Report, out: Console, debug: bool) -> None:
    q = r.quality
    if q.duplicates:
        rows = plural(q.duplicates, "duplicate row")
        out.print(f"\nℹ️  {rows} merged (the same session_id seen twice).")
    if not q.invalid:
        return
    kinds = ", ".join(f"{name}: {n}" for name, n in q.problems)
    hint = "" if debug else "; run with --debug to list them"
    out.print(
        f"\n[yellow]⚠️  {plural(q.invalid, 'invalid row')} {'was' if q.invalid == 1 else 'were'} "
        f"not analysed ({kinds}){hint}.[/yellow]",
        soft_wrap=True,
    )


def _stations(r: Report, out: Console) -> None:
    from rich.table import Table

    out.print("\n[bold]🔌 STATIONS[/bold]")
    if not r.stations:
        out.print("    No stations in this date range.")
        return
    table = Table(box=None, pad_edge=False, header_style="bold", padding=(0, 1))
    for name, justify in (
        ("Station", "left"),
        ("Space", "left"),
        ("Sess", "right"),
        ("Empty", "right"),
        ("Micro", "right"),
        ("Uncl", "right"),
        ("kWh", "right"),
        ("Med A", "right"),
        ("Chg h", "right"),
        ("Idle h", "right"),
        ("Util", "right"),
    ):
        table.add_column(name, justify=justify, no_wrap=True)
    for st in r.stations:
        table.add_row(
            escape(st.label),
            escape(str(st.space or "")),
            str(st.sessions),
            f"{st.pct(st.empty):.0f}%",
            f"{st.pct(st.micro):.0f}%",
            f"{st.pct(st.unclaimed):.0f}%",
            f"{st.kwh:,.0f}",
            "" if st.median_current is None else f"{st.median_current:.1f}",
            "" if st.charging_h is None else f"{st.charging_h:,.0f}",
            "" if st.idle_h is None else f"{st.idle_h:,.0f}",
            f"{st.utilization_pct:.0f}%",
            style="red" if st.suspect else None,
        )
    out.print(table)
    for st in r.stations:
        if st.suspect:
            out.print(
                f"    [red]⚠️  SUSPECT {escape(st.label)}: {escape(st.suspect)}[/red]",
                soft_wrap=True,
            )
    if not any(st.suspect for st in r.stations):
        out.print("    ✅ No station stands out from the rest of the site.")


# --- the lines around a report --------------------------------------------------------------


def exported(out: Console, count: int, path: object, what: str = "sessions") -> None:
    """The seed's last line of an export."""
    out.print(f"📊 {count} {what} exported to {path}", markup=False, soft_wrap=True)


def charts_saved(out: Console, paths: list) -> None:
    out.print(f"📈 {plural(len(paths), 'chart')} saved:", markup=False)
    for path in paths:
        out.print(f"    {path}", markup=False, soft_wrap=True)


def note(out: Console, text: str, warning: bool) -> None:
    """A remark about where the data came from (the store's freshness, an API total)."""
    out.print(f"⚠️  {text}" if warning else f"📦 {text}", markup=False, soft_wrap=True)
