"""Flags and prompts: parse, ask, build one Settings, call the library, map errors to exit codes."""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import IO

from . import __version__
from .dates import RANGES, parse_date
from .errors import SeshisError, UsageError
from .settings import ALL_USERS, Settings
from .status import ExitStatus

ANALYSIS_HINT = "(--empty, --micro, --user or --all)"


class Parser(argparse.ArgumentParser):
    """argparse with the seed's hint for single-dash flags, and usage errors as exceptions."""

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = ""
        single = re.search(r"unrecognized arguments: .*?(?<!-)-([a-z][a-z-]+)", message)
        if single:
            hint = f"\nUse double dashes: --{single.group(1)} not -{single.group(1)}"
        raise UsageError(f"{message}{hint}")


def build_parser() -> Parser:
    p = Parser(
        prog="seshis",
        description="Session statistics for EV charging sites: empty, micro and unclaimed "
        "sessions, users and site health.",
        allow_abbrev=False,
    )
    a = p.add_argument_group("analysis")
    a.add_argument("--empty", action="store_true", help="sessions that delivered 0 kWh")
    a.add_argument("--micro", action="store_true", help="sessions under the micro threshold")
    a.add_argument(
        "--user", nargs="?", const=ALL_USERS, metavar="EMAIL", help="sessions by user, or one user"
    )
    a.add_argument("--all", action="store_true", help="every analysis plus site health")
    o = p.add_argument_group("output")
    o.add_argument("--csv", action="store_true", help="export the sessions to a CSV file")
    o.add_argument("--pdf", action="store_true", help="write a PDF report (not built yet)")
    o.add_argument("--graph", action="store_true", help="draw charts (not built yet)")
    o.add_argument("--json", action="store_true", help="print the analysis as one JSON document")
    o.add_argument("--output", metavar="PATH", help="file or folder for --csv")
    o.add_argument(
        "--printsessions", action="store_true", help="list every session, not the first 20"
    )
    s = p.add_argument_group("source")
    s.add_argument("--demo", action="store_true", help="the built-in demo site")
    s.add_argument("--source", nargs="+", metavar="PATH", help="session files (JSON, CSV, Parquet)")
    s.add_argument("--acn", help="ACN of the site (API only; prompt default 0021)")
    s.add_argument("--account", help="account number (API only; prompt default 16)")
    w = p.add_argument_group("window and definitions")
    w.add_argument(
        "--range",
        dest="range_kind",
        metavar="RANGE",
        help="today, week, month or custom (1-4 as in the menu)",
    )
    w.add_argument("--start", metavar="YYYY-MM-DD", help="first day (implies custom)")
    w.add_argument("--end", metavar="YYYY-MM-DD", help="last day, included (implies custom)")
    w.add_argument("--tz", metavar="ZONE", help="site time zone, e.g. America/Los_Angeles")
    w.add_argument("--threshold", type=float, metavar="KWH", help="micro threshold (default 1.0)")
    w.add_argument("--voltage", type=float, metavar="V", help="voltage for average current (208)")
    g = p.add_argument_group("behaviour")
    g.add_argument("--advanced", action="store_true", help="also ask for voltage and time zone")
    g.add_argument("--no-input", action="store_true", help="never prompt; use the defaults")
    g.add_argument("--debug", action="store_true", help="settings, timings, data-quality details")
    g.add_argument("--version", action="version", version=f"seshis {__version__}")
    return p


def check_rules(ns: argparse.Namespace) -> None:
    """The seed's flag rules, as usage errors (exit 2)."""
    analysis = ns.empty or ns.micro or ns.user is not None or ns.all
    if (ns.csv or ns.pdf) and not analysis:
        raise UsageError(f"--csv/--pdf requires at least one analysis flag {ANALYSIS_HINT}")
    if ns.csv and ns.pdf:
        raise UsageError("Can't use --csv and --pdf together; run them separately.")
    if (ns.csv or ns.pdf) and ns.graph:
        raise UsageError("Can't use exports (--csv, --pdf) with --graph; run them separately.")
    if ns.json and (ns.csv or ns.pdf or ns.graph):
        raise UsageError(
            "--json prints the analysis; don't combine it with --csv, --pdf or --graph."
        )
    if ns.demo and ns.source:
        raise UsageError("Use either --demo or --source, not both.")
    if ns.threshold is not None and not ns.threshold > 0:
        raise UsageError("--threshold must be a number of kWh above 0, e.g. 1.0.")
    if ns.voltage is not None and not ns.voltage > 0:
        raise UsageError("--voltage must be a number of volts above 0, e.g. 208.")
    if ns.range_kind is not None:
        kind = RANGES.get(ns.range_kind, ns.range_kind.lower())
        if kind not in RANGES.values():
            raise UsageError(
                f"Unknown --range '{ns.range_kind}'; use today, week, month or custom (or 1-4)."
            )
        if kind != "custom" and (ns.start or ns.end):
            raise UsageError("--start and --end go with --range custom (or no --range).")
        ns.range_kind = kind


@dataclass
class Prompter:
    """Asks on the terminal; answers come from the injected stdin."""

    stdin: IO[str]
    out: IO[str]
    enabled: bool

    def ask(self, question: str) -> str:
        self.out.write(question)
        self.out.flush()
        line = self.stdin.readline()
        if not line:
            raise UsageError("Input ended before every question was answered; use --no-input.")
        return line.strip()

    def default(self, question: str, value: str) -> str:
        return self.ask(question) or value if self.enabled else value


def gather(ns: argparse.Namespace, prompter: Prompter) -> Settings:
    """Flags first, prompts for what is missing (only on a terminal), defaults for the rest."""
    source = "demo" if ns.demo else "files" if ns.source else "api"
    settings = Settings(
        source=source,
        paths=tuple(ns.source or ()),
        empty=ns.empty,
        micro=ns.micro,
        user=ns.user,
        all=ns.all,
        output="json" if ns.json else "csv" if ns.csv else "text",
        output_path=ns.output,
        printsessions=ns.printsessions,
        debug=ns.debug,
        timezone=ns.tz,
    )
    if not settings.analysis and not ns.json and not ns.pdf and not ns.graph:
        settings = replace(settings, output="sessions")
    if ns.pdf:
        raise SeshisError("PDF reports are not built yet in this version; use --csv for now.")
    if ns.graph:
        raise SeshisError(
            "Charts (--graph) are not built yet in this version; use --json or --csv."
        )
    if source == "api":
        # The API source checks credentials before asking anything (issue 3).
        return settings
    ask = prompter
    kind, start, end = ns.range_kind, ns.start, ns.end
    if start or end:
        kind = "custom"
    if kind is None and source != "files" and ask.enabled:
        kind = _ask_range(ask)
    if kind == "custom":
        start = start or (ask.ask("Enter start date (YYYY-MM-DD): ") if ask.enabled else None)
        end = end or (ask.ask("Enter end date (YYYY-MM-DD): ") if ask.enabled else None)
        if not start or not end:
            raise UsageError("A custom range needs both --start and --end (YYYY-MM-DD).")
    threshold = ns.threshold
    if threshold is None and ns.micro and ask.enabled:
        threshold = _ask_number(ask, "Enter microsession threshold (kWh, e.g., 1.0): ")
    voltage, tz = ns.voltage, ns.tz
    if ns.advanced and ask.enabled:
        voltage = voltage or _ask_number(
            ask, "Enter voltage for average current (default: 208): ", 208.0
        )
        tz = tz or ask.ask("Enter site time zone (default: from the data): ") or None
    return replace(
        settings,
        range_kind=kind,
        start=parse_date(start, "start") if start else None,
        end=parse_date(end, "end") if end else None,
        threshold_kwh=threshold if threshold is not None else settings.threshold_kwh,
        voltage=voltage if voltage is not None else settings.voltage,
        timezone=tz,
    )


def _ask_range(ask: Prompter) -> str:
    ask.out.write(
        "Date range options:\n1. Today\n2. Last week\n3. Last month\n"
        "4. Custom (enter dates manually)\n"
    )
    while True:
        answer = ask.ask("Choose date range (1-4, default: 1): ") or "1"
        if answer in RANGES:
            return RANGES[answer]
        ask.out.write("Please enter 1, 2, 3 or 4.\n")


def _ask_number(ask: Prompter, question: str, default: float | None = None) -> float:
    while True:
        answer = ask.ask(question)
        if not answer and default is not None:
            return default
        try:
            value = float(answer)
        except ValueError:
            value = 0.0
        if value > 0:
            return value
        ask.out.write("Please enter a number above 0, e.g. 1.0.\n")


@dataclass
class Environment:
    """The streams and clock of one run, injected so tests drive the CLI in-process."""

    stdin: IO[str] = field(default_factory=lambda: sys.stdin)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool | None = None
    color: bool | None = None  # None: colour when the stream is a terminal
    now: datetime | None = None


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    env = env or Environment()
    for stream in (env.stdout, env.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() not in (
            "utf-8",
            "utf8",
        ):
            stream.reconfigure(errors="replace")
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        return int(_main(args, env))
    except UsageError as exc:
        env.stderr.write(f"seshis: error: {exc}\n")
        if debug:
            raise
        return ExitStatus.USAGE
    except SeshisError as exc:
        env.stderr.write(f"❌ {exc}\n")
        if debug:
            raise
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        env.stderr.write("\nInterrupted.\n")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # The reader (head, less) went away: stop quietly, as Unix tools do.
        if env.stdout is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return ExitStatus.OK


def _main(args: list[str], env: Environment) -> ExitStatus:
    from rich.console import Console

    from .app import run

    ns = build_parser().parse_args(args)
    check_rules(ns)
    interactive = env.stdin_isatty if env.stdin_isatty is not None else env.stdin.isatty()
    prompter = Prompter(env.stdin, env.stdout, enabled=interactive and not ns.no_input)
    settings = gather(ns, prompter)
    out = Console(
        file=env.stdout, force_terminal=env.color, no_color=env.color is False, highlight=False
    )
    err = Console(
        file=env.stderr, force_terminal=env.color, no_color=env.color is False, highlight=False
    )
    now = env.now or datetime.now(UTC)
    return run(settings, out, err, env.stdout, now)
