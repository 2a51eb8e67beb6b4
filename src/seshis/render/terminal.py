"""The colour-coded terminal report, laid out as the seed's sample output."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape

from .. import definitions as d
from ..analysis import Counts, Listing, SiteSummary, UserStats


@dataclass(frozen=True)
class Sections:
    """Which parts of the report to show."""

    empty: bool = False
    micro: bool = False
    users: bool = False
    health: bool = False
    stations: bool = False
    debug: bool = False


def pct(value: float) -> str:
    return f"{value:.1f}%"


def kwh(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} kWh" if text != "-0" else "0 kWh"


def duration(seconds: float) -> str:
    """35.0s, 12.5m, 4.3h: the seed's duration style."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"


def threshold(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{value:.1f}"


def show(
    summary: SiteSummary,
    listings: tuple[Listing, ...],
    console: Console,
    sections: Sections,
) -> None:
    _header(summary, console)
    if sections.empty:
        _category_section(summary, console, "empty")
    if sections.micro:
        _category_section(summary, console, "micro")
    if sections.empty and sections.micro:
        _combined(summary, console)
    if sections.health:
        _health(summary, console)
        _trends(summary, console)
    if sections.stations:
        _stations(summary, console)
    if sections.users:
        _users(summary, listings, console)
    _quality(summary, console, sections.debug)


def _header(s: SiteSummary, console: Console) -> None:
    site = s.site + (f" ({s.location})" if s.location else "")
    if s.window.kind == "all" and not s.totals.sessions:
        span = "no valid sessions"
    else:
        first, last = s.window.local_dates()
        span = str(first) if first == last else f"{first} → {last}"
    console.print(f"[bold]🔌 SESHIS — {escape(site)}[/bold]")
    console.print(f"📅 {s.window.title}: {span} ({s.window.timezone})")
    if not s.totals.sessions:
        console.print("\n[yellow]No sessions in this date range.[/yellow]")


def _category_section(s: SiteSummary, console: Console, which: str) -> None:
    t = s.totals
    if which == "empty":
        title, name, part = "EMPTY SESSIONS ANALYSIS", "Empty sessions (0 kWh)", t.empty
    else:
        thr = threshold(s.threshold_kwh)
        title, name, part = "MICROSESSION ANALYSIS", f"Microsessions (< {thr} kWh)", t.micro
    console.print(f"\n[bold]🔍 {title}[/bold]")
    console.print(f"📊 Total sessions: {t.sessions}")
    console.print(f"{name}: {part} ({pct(t.pct(part))})")
    if s.daily:
        console.print("\n📅 Daily breakdown:")
    for day in s.daily:
        n = day.counts.empty if which == "empty" else day.counts.micro
        console.print(
            f"- {day.day}: {n} {which} / {day.counts.sessions} total ({pct(day.counts.pct(n))})"
        )


def _combined(s: SiteSummary, console: Console) -> None:
    t = s.totals
    thr = threshold(s.threshold_kwh)
    console.print(f"\n[bold]📋 COMBINED SUMMARY — {escape(s.site)}[/bold]")
    console.print(f"    Total sessions: {t.sessions}")
    console.print(f"    Empty sessions (0 kWh): {t.empty} ({pct(t.pct(t.empty))})")
    console.print(f"    Microsessions (< {thr} kWh): {t.micro} ({pct(t.pct(t.micro))})")
    problem = t.empty + t.micro
    console.print(f"    Problem sessions (empty + micro): {problem} ({pct(t.pct(problem))})")
    console.print(f"    Normal sessions (>= {thr} kWh): {t.normal} ({pct(t.pct(t.normal))})")


HEALTH_NAMES = {
    "empty": "Empty sessions",
    "micro": "Microsessions",
    "normal": "Normal sessions",
    "unclaimed": "Unclaimed sessions",
}


def _health(s: SiteSummary, console: Console) -> None:
    console.print("\n[bold]🏥 SITE HEALTH[/bold]")
    for h in s.health:
        target = f"target {h.comparison} {h.threshold_pct:g}%"
        name = HEALTH_NAMES[h.metric]
        if h.ok is None:
            console.print(f"    ➖ {name:<20} {'n/a':>6}   {target}")
            continue
        mark, colour = ("✅", "green") if h.ok else ("❌", "red")
        verdict = "met" if h.ok else "NOT met"
        console.print(
            f"    {mark} {name:<20} [{colour}]{pct(h.value_pct or 0):>6}[/{colour}]   "
            f"{target} ({verdict})"
        )
    t = s.totals
    if t.normal:
        n = Counts(sessions=t.normal)
        console.print(
            "    ⚡ Normal sessions: "
            f"[green]HIGH {t.high} ({pct(n.pct(t.high))})[/green] · "
            f"[dark_orange]MED {t.med} ({pct(n.pct(t.med))})[/dark_orange] · "
            f"[red]LOW {t.low} ({pct(n.pct(t.low))})[/red]",
            soft_wrap=True,
        )


def _users(s: SiteSummary, listings: tuple[Listing, ...], console: Console) -> None:
    by_user = {item.user: item for item in listings}
    claimed = [u for u in s.users if u.user is not None]
    console.print("\n[bold]👥 User Session Summary:[/bold]")
    console.print(f"📊 Total unique users: {len(claimed)}")
    for stats in s.users:
        _user(stats, by_user.get(stats.user), s.threshold_kwh, console)


def _user(stats: UserStats, listing: Listing | None, thr_kwh: float, console: Console) -> None:
    c = stats.counts
    thr = threshold(thr_kwh)
    head = (
        f"🔓 UNCLAIMED SESSIONS ({pct(c.normal_pct)} normal sessions)"
        if stats.user is None
        else f"User: {escape(stats.user)} ({pct(c.normal_pct)} normal sessions)"
    )
    console.print(f"\n[bold]{head}[/bold]")
    if stats.user is None:
        console.print(f"    {d.UNCLAIMED_EXPLANATION}")
    console.print(f"    Total sessions: {c.sessions}")
    for name, n in (
        ("Empty sessions (0 kWh)", c.empty),
        (f"Microsessions (< {thr} kWh)", c.micro),
        (f"Normal sessions (>= {thr} kWh)", c.normal),
    ):
        if n:
            console.print(f"    {name}: {n} ({pct(c.pct(n))})")
    if listing is None:
        return
    what = "unclaimed sessions" if stats.user is None else "sessions"
    shown = len(listing.lines)
    count = f"{shown}" if shown == listing.total else f"{shown} of {listing.total}"
    console.print(f"\n    Showing {count} {what}:")
    for line in listing.lines:
        colour = d.LABEL_COLOURS[line.label]
        console.print(
            f"    [{colour}]Session {line.number}: START: {line.start} / END: {line.end} / "
            f"DURATION: {duration(line.duration_s)} / {kwh(line.kwh)} / "
            f"{escape(line.session_id)} \\[{line.label}][/{colour}]",
            soft_wrap=True,
        )
    if listing.total > shown:
        console.print(f"    … {listing.total - shown} more (use --printsessions)")


def _quality(s: SiteSummary, console: Console, debug: bool) -> None:
    q = s.quality
    if q.duplicates:
        console.print(
            f"\nℹ️  {q.duplicates} duplicate rows merged (the same session_id seen twice)."
        )
    if not q.invalid:
        return
    kinds = ", ".join(f"{name}: {n}" for name, n in q.problems)
    hint = "" if debug else "; run with --debug to list them"
    console.print(
        f"\n[yellow]⚠️  {q.invalid} invalid rows were not analysed ({kinds}){hint}.[/yellow]",
        soft_wrap=True,
    )


def exported(console: Console, count: int, path: object, what: str = "sessions") -> None:
    """The seed's last line of an export."""
    console.print(f"📊 {count} {what} exported to {path}", markup=False, soft_wrap=True)


TREND_ROWS = (
    ("Sessions", "sessions"),
    ("Energy delivered", "kwh"),
    ("Empty sessions", "empty"),
    ("Microsessions", "micro"),
    ("Normal sessions", "normal"),
    ("Unclaimed sessions", "unclaimed"),
)


def trend_rows(s: SiteSummary) -> list[tuple[str, str, str, str]]:
    """(metric, this window, previous window, change with ▲ ▼) for the trend block and the PDF."""
    p = s.previous
    if p is None:
        return []
    t = s.totals
    now_pct = {h.metric: h.value_pct for h in s.health}
    rows = []
    for name, key in TREND_ROWS:
        if key == "sessions":
            a, b, unit = float(t.sessions), float(p.totals.sessions), ""
            text_a, text_b = f"{t.sessions}", f"{p.totals.sessions}"
        elif key == "kwh":
            a, b, unit = t.kwh, p.totals.kwh, " kWh"
            text_a, text_b = f"{t.kwh:,.0f} kWh", f"{p.totals.kwh:,.0f} kWh"
        else:
            va, vb = now_pct.get(key), p.pct(key)
            if va is None or vb is None:
                rows.append(
                    (name, "n/a" if va is None else pct(va), "n/a" if vb is None else pct(vb), "")
                )
                continue
            a, b, unit = va, vb, " pts"
            text_a, text_b = pct(va), pct(vb)
        change = a - b
        arrow = "▲" if change > 0 else "▼" if change < 0 else "="
        size = f"{abs(change):,.1f}{unit}" if unit == " pts" else f"{abs(change):,.0f}{unit}"
        rows.append((name, text_a, text_b, f"{arrow} {size}" if change else "= 0"))
    return rows


def _trends(s: SiteSummary, console: Console) -> None:
    rows = trend_rows(s)
    if not rows:
        return
    first, last = s.previous.window.local_dates()
    console.print(f"\n[bold]📈 TRENDS[/bold] (previous window: {first} → {last})")
    for name, now, before, change in rows:
        console.print(f"    {name:<20} {now:>12}   was {before:>12}   {change}")


def _stations(s: SiteSummary, console: Console) -> None:
    from rich.table import Table

    console.print("\n[bold]🔌 STATIONS[/bold]")
    if not s.stations:
        console.print("    No stations in this date range.")
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
    for st in s.stations:
        style = "red" if st.suspect else None
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
            style=style,
        )
    console.print(table)
    for st in s.stations:
        if st.suspect:
            console.print(
                f"    [red]⚠️  SUSPECT {escape(st.label)}: {escape(st.suspect)}[/red]",
                soft_wrap=True,
            )
    if not any(st.suspect for st in s.stations):
        console.print("    ✅ No station stands out from the rest of the site.")


def check(s: SiteSummary, found: tuple, console: Console) -> None:
    """--check: one line per finding, OK or what breached."""
    first, last = (
        s.window.local_dates() if s.totals.sessions or s.window.kind != "all" else ("", "")
    )
    console.print(f"seshis check: {escape(s.site)}, {first} → {last} ({s.window.timezone})")
    for f in found:
        mark = "[green]OK    [/green]" if f.ok else "[red]BREACH[/red]"
        console.print(f"{mark} {escape(f.text)}", soft_wrap=True)


def charts_saved(console: Console, paths: list) -> None:
    console.print(f"📈 {len(paths)} charts saved:", markup=False)
    for path in paths:
        console.print(f"    {path}", markup=False, soft_wrap=True)


def note(console: Console, text: str, warning: bool) -> None:
    """A remark about where the data came from (the store's freshness, an API total)."""
    console.print(f"⚠️  {text}" if warning else f"📦 {text}", markup=False, soft_wrap=True)
