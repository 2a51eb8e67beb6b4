"""Flags and prompts: parse, ask, build one Settings, call the library, map errors to exit codes."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from . import __version__
from .config import load as load_config
from .dates import RANGES, parse_date
from .definitions import DEFAULT_THRESHOLD_KWH, DEFAULT_VOLTAGE, HealthThresholds
from .errors import SeshisError, UsageError
from .prompts import (
    POSITIVE_HINT,
    Prompter,
    ask_range,
    date_text,
    positive,
    question,
    yes_no_question,
)
from .settings import ACN_SITES, ALL_USERS, Settings
from .status import ExitStatus

ANALYSIS_HINT = "(--empty, --micro, --user, --stations or --all)"


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
    a.add_argument("--stations", action="store_true", help="per-station table and suspects")
    a.add_argument(
        "--check", action="store_true", help="health and suspect stations; exit 3 on a breach"
    )
    o = p.add_argument_group("output")
    o.add_argument("--csv", action="store_true", help="export the sessions to a CSV file")
    o.add_argument("--pdf", action="store_true", help="write the PDF report")
    o.add_argument("--graph", action="store_true", help="draw the charts as PNG files")
    o.add_argument("--logo", metavar="PATH", help="logo for the PDF (default: pf.jpg if found)")
    o.add_argument("--json", action="store_true", help="print the analysis as one JSON document")
    o.add_argument("--output", metavar="PATH", help="file or folder for --csv/--pdf/--graph")
    o.add_argument(
        "--printsessions", action="store_true", help="list every session, not the first 20"
    )
    s = p.add_argument_group("source")
    s.add_argument("--demo", action="store_true", help="the built-in demo site")
    s.add_argument("--source", nargs="+", metavar="PATH", help="session files (JSON, CSV, Parquet)")
    s.add_argument("--api", choices=("powerflex", "acndata"), help="live API (default powerflex)")
    s.add_argument("--site", choices=ACN_SITES, help="ACN-Data site (default caltech)")
    s.add_argument("--api-url", metavar="URL", help="base URL of the API (proxies, tests)")
    s.add_argument("--acn", help="ACN of the PowerFlex site (prompt default 0021)")
    s.add_argument("--account", help="PowerFlex account number (prompt default 16)")
    s.add_argument("--auth-command", metavar="CMD", help="curl wrapper that adds credentials")
    s.add_argument("--page-size", type=int, metavar="N", help="sessions per API request")
    s.add_argument("--concurrency", type=int, metavar="N", help="pages fetched at once (4)")
    s.add_argument("--timeout", type=float, metavar="S", help="seconds to connect/read (30)")
    s.add_argument("--retries", type=int, metavar="N", help="attempts per request (5)")
    s.add_argument("--store", metavar="PATH", help="the DuckDB store of fetched sessions")
    s.add_argument("--refresh", action="store_true", help="refetch the whole window")
    s.add_argument("--offline", action="store_true", help="answer from the store alone")
    s.add_argument("--overlap", type=float, metavar="DAYS", help="refetch before last sync (1)")
    s.add_argument("--anonymize", action="store_true", default=None, help="ask for hashed users")
    s.add_argument(
        "--include-active", action="store_true", default=None, help="include active sessions"
    )
    s.add_argument("--sort-by", metavar="FIELD", help="API sort field (session_start_time)")
    s.add_argument("--sort-order", choices=("ASC", "DESC"), help="API sort order (DESC)")
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
    w.add_argument(
        "--active-current",
        action="store_true",
        help="bands over charging time where done-charging times exist",
    )
    for flag, name, default in (
        ("--max-empty", "empty_max", 20),
        ("--max-micro", "micro_max", 5),
        ("--min-normal", "normal_min", 75),
        ("--max-unclaimed", "unclaimed_max", 30),
    ):
        w.add_argument(
            flag, type=float, dest=name, metavar="PCT", help=f"health target ({default})"
        )
    g = p.add_argument_group("behaviour")
    g.add_argument("--advanced", action="store_true", help="also ask the API and unit options")
    g.add_argument("--config", metavar="PATH", help="TOML file of defaults")
    g.add_argument("--no-input", action="store_true", help="never prompt; use the defaults")
    g.add_argument("--debug", action="store_true", help="settings, timings, data-quality details")
    g.add_argument("--version", action="version", version=f"seshis {__version__}")
    return p


def check_rules(ns: argparse.Namespace) -> str | None:
    """The seed's flag rules, as usage errors (exit 2); returns the --range kind, normalized."""
    analysis = ns.empty or ns.micro or ns.user is not None or ns.all or ns.stations
    if (ns.csv or ns.pdf) and not analysis:
        raise UsageError(f"--csv/--pdf requires at least one analysis flag {ANALYSIS_HINT}")
    if ns.csv and ns.pdf:
        raise UsageError("Can't use --csv and --pdf together; run them separately.")
    if ns.output and not (ns.csv or ns.pdf or ns.graph):
        raise UsageError("--output says where --csv, --pdf or --graph write; add one of them.")
    if (ns.csv or ns.pdf) and ns.graph:
        raise UsageError("Can't use exports (--csv, --pdf) with --graph; run them separately.")
    if ns.check and (ns.csv or ns.pdf or ns.graph):
        raise UsageError("--check prints findings; run exports separately.")
    for name in ("empty_max", "micro_max", "normal_min", "unclaimed_max"):
        value = getattr(ns, name)
        if value is not None and not (math.isfinite(value) and 0 <= value <= 100):
            raise UsageError(f"A health target is a percentage from 0 to 100, not {value:g}.")
    if ns.json and (ns.csv or ns.pdf or ns.graph):
        raise UsageError(
            "--json prints the analysis; don't combine it with --csv, --pdf or --graph."
        )
    if ns.demo and ns.source:
        raise UsageError("Use either --demo or --source, not both.")
    if (ns.demo or ns.source) and (ns.api or ns.offline or ns.refresh):
        raise UsageError(
            "--api, --offline and --refresh go with the live APIs, not --demo/--source."
        )
    if ns.offline and ns.refresh:
        raise UsageError("Use either --offline or --refresh, not both.")
    for name in ("page_size", "concurrency", "retries"):
        value = getattr(ns, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1.")
    for name in ("timeout", "overlap"):
        value = getattr(ns, name)
        if value is not None and not (math.isfinite(value) and value >= 0):
            unit = "seconds" if name == "timeout" else "days"
            raise UsageError(f"--{name} must be a number of {unit}.")
    if ns.threshold is not None and not (math.isfinite(ns.threshold) and ns.threshold > 0):
        raise UsageError("--threshold must be a number of kWh above 0, e.g. 1.0.")
    if ns.voltage is not None and not (math.isfinite(ns.voltage) and ns.voltage > 0):
        raise UsageError("--voltage must be a number of volts above 0, e.g. 208.")
    if ns.range_kind is not None:
        kind = RANGES.get(ns.range_kind, ns.range_kind.lower())
        if kind not in RANGES.values():
            raise UsageError(
                f"Unknown --range '{ns.range_kind}'; use today, week, month or custom (or 1-4)."
            )
        if kind != "custom" and (ns.start or ns.end):
            raise UsageError("--start and --end go with --range custom (or no --range).")
        return kind
    return None


@dataclass
class Picker:
    """Each setting from the flag, else the prompt, else the config file, else the default;
    remembers where each came from for --debug."""

    config: dict[str, Any]
    config_path: Path | None
    ask: Prompter
    origins: dict[str, str] = field(default_factory=dict)

    def __call__(
        self,
        name: str,
        flag: Any,
        default: Any,
        key: str | None = None,
        prompt: Callable[[Any], Any] | None = None,
    ) -> Any:
        key = key or name
        if flag is not None:
            self.origins[name] = "flag"
            return flag
        value, origin = default, "default"
        if key in self.config:
            value, origin = self.config[key], f"config {self.config_path}"
        if prompt is not None and self.ask.enabled:
            answer = prompt(value)
            if answer != value:
                value, origin = answer, "prompt"
        self.origins[name] = origin
        return value


def gather(
    ns: argparse.Namespace, ask: Prompter, config: dict[str, Any], config_path: Path | None
) -> Settings:
    """Flags first, then prompts (only on a terminal), the config file, and the defaults."""
    pick = Picker(config, config_path, ask)
    source = "demo" if ns.demo else "files" if ns.source else "api"
    api = pick("api", ns.api, "powerflex")
    if api not in ("powerflex", "acndata"):
        raise UsageError(f"Unknown api '{api}' in the config; use powerflex or acndata.")
    live = source == "api"
    powerflex = live and api == "powerflex"
    acn = pick("acn", ns.acn, "0021", prompt=question(ask, "Enter ACN", powerflex))
    account = pick("account", ns.account, "16", prompt=question(ask, "Enter account", powerflex))

    kind, start, end = ns.range_kind, ns.start, ns.end
    if start or end:
        kind = "custom"
    if kind is None and source != "files" and ask.enabled:
        kind = ask_range(ask)
    if kind == "custom" and ask.enabled:
        hint = "Please enter a real date as YYYY-MM-DD, e.g. 2025-09-07."
        start = start or ask.until("Enter start date (YYYY-MM-DD): ", date_text, hint)
        end = end or ask.until("Enter end date (YYYY-MM-DD): ", date_text, hint)
    if kind == "custom" and not (start and end):
        raise UsageError("A custom range needs both --start and --end (YYYY-MM-DD).")
    pick.origins["range"] = "flag" if ns.range_kind or ns.start else "prompt" if kind else "default"

    micro_q = "Enter microsession threshold (kWh, e.g., 1.0): "
    threshold = pick(
        "threshold_kwh",
        ns.threshold,
        DEFAULT_THRESHOLD_KWH,
        key="threshold",
        prompt=(lambda d: ask.until(micro_q, positive(), POSITIVE_HINT)) if ns.micro else None,
    )
    adv = ns.advanced
    live_adv = adv and live
    # The --advanced questions, in the seed's order.
    advanced = {
        "anonymize": pick(
            "anonymize",
            ns.anonymize,
            False,
            prompt=yes_no_question(ask, "Anonymize users", live_adv),
        ),
        "include_active": pick(
            "include_active",
            ns.include_active,
            False,
            prompt=yes_no_question(ask, "Include active sessions", live_adv),
        ),
        "sort_by": pick(
            "sort_by", ns.sort_by, "session_start_time", prompt=question(ask, "Sort by", live_adv)
        ),
        "sort_order": pick(
            "sort_order",
            ns.sort_order,
            "DESC",
            prompt=question(ask, "Sort order (ASC/DESC)", live_adv),
        ),
        "api_url": pick(
            "api_url", ns.api_url, None, prompt=question(ask, "Enter API URL", live_adv)
        ),
        "page_size": pick(
            "page_size", ns.page_size, None, prompt=question(ask, "Enter page size", live_adv, int)
        ),
        "voltage": float(
            pick(
                "voltage",
                ns.voltage,
                DEFAULT_VOLTAGE,
                prompt=question(ask, "Enter voltage for average current", adv, float),
            )
        ),
        "timezone": pick(
            "timezone",
            ns.tz,
            None,
            prompt=question(ask, "Enter site time zone", adv, empty="from the data"),
        ),
    }
    for name, value in (("threshold", threshold), ("voltage", advanced["voltage"])):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise UsageError(f"The {name} must be a number above 0 (check the config file).")
    if str(advanced["sort_order"]).upper() not in ("ASC", "DESC"):
        raise UsageError("The sort order must be ASC or DESC.")
    settings = Settings(
        source=source,
        paths=tuple(ns.source or ()),
        api=api,
        site=pick("site", ns.site, "caltech"),
        acn=str(acn),
        account=str(account),
        auth_command=pick("auth_command", ns.auth_command, None),
        concurrency=pick("concurrency", ns.concurrency, 4),
        timeout=pick("timeout", ns.timeout, 30.0),
        retries=pick("retries", ns.retries, 5),
        store_path=pick("store_path", ns.store, None, key="store"),
        refresh=ns.refresh,
        offline=ns.offline,
        overlap_days=pick("overlap_days", ns.overlap, 1.0),
        range_kind=kind,
        start=parse_date(start, "start") if start else None,
        end=parse_date(end, "end") if end else None,
        threshold_kwh=float(threshold),
        health=HealthThresholds(
            **{
                name: float(
                    pick(
                        name,
                        getattr(ns, name),
                        getattr(HealthThresholds(), name),
                        key=f"health.{name}",
                    )
                )
                for name in ("empty_max", "micro_max", "normal_min", "unclaimed_max")
            }
        ),
        empty=ns.empty,
        micro=ns.micro,
        stations=ns.stations,
        check=ns.check,
        active_current=ns.active_current,
        user=ns.user.strip() if ns.user else ns.user,
        all=ns.all,
        output=(
            "json"
            if ns.json
            else "csv"
            if ns.csv
            else "pdf"
            if ns.pdf
            else "graph"
            if ns.graph
            else "text"
        ),
        logo=ns.logo,
        output_path=ns.output,
        printsessions=ns.printsessions,
        debug=ns.debug,
        config_path=str(config_path) if config_path else None,
        **advanced,
    )
    if not settings.analysis and not (ns.json or ns.graph or ns.check):
        settings = replace(settings, output="sessions")
    return replace(settings, origins=tuple(sorted(pick.origins.items())))


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
    except Exception as exc:  # the last line of defence: one sentence, never a traceback
        if debug:
            raise
        env.stderr.write(
            f"❌ Unexpected error ({type(exc).__name__}: {exc}); rerun with --debug for the "
            "details and report it.\n"
        )
        return ExitStatus.ERROR


def _main(args: list[str], env: Environment) -> ExitStatus:
    from rich.console import Console

    from .app import run

    class QuietConsole(Console):
        """rich exits 1 when the reader of a pipe goes away; seshis stops quietly instead."""

        def on_broken_pipe(self) -> None:
            raise BrokenPipeError

    ns = build_parser().parse_args(args)
    ns.range_kind = check_rules(ns)
    interactive = env.stdin_isatty if env.stdin_isatty is not None else env.stdin.isatty()
    prompter = Prompter(env.stdin, env.stderr, enabled=interactive and not ns.no_input)
    config, config_path = load_config(Path(ns.config).expanduser() if ns.config else None)
    settings = gather(ns, prompter, config, config_path)
    # colour: forced on or off by the caller, else rich decides (terminal, NO_COLOR)
    no_color = True if env.color is False else None
    out, err = (
        QuietConsole(file=stream, force_terminal=env.color, no_color=no_color, highlight=False)
        for stream in (env.stdout, env.stderr)
    )
    now = env.now or datetime.now(UTC)
    return run(settings, out, err, env.stdout, now)
