"""Flags and prompts: parse, ask, build one Settings, call the app, map errors to exit codes."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from . import __version__, portfolio
from .errors import SeshisError, UsageError
from .prompts import Prompter
from .rules import check_rules
from .settings import GROUPS, Settings, specs
from .status import ExitStatus

# the packages seshis runs on (pyproject.toml), named when one is missing
DEPENDENCIES = {"duckdb", "rich", "platformdirs", "reportlab", "matplotlib", "numpy", "httpx"}
DEPENDENCIES |= {"tenacity", "xlsxwriter", "s3fs", "fsspec", "aiohttp", "botocore"}
# The order of the questions on a terminal (the range menu and its dates are "range").
TERMINAL_ORDER = (
    "acn",
    "account",
    "range",
    "threshold_kwh",
    "anonymize",
    "include_active",
    "sort_by",
    "sort_order",
    "api_url",
    "page_size",
    "voltage",
    "timezone",
)
# The order of seshis.py's questions, for answers piped on stdin: ACN, account,
# micro threshold (--micro), the four --advanced answers, limit and page, the date range and
# the custom range's dates. seshis's own extra questions are not read from a pipe.
PIPED_ORDER = (
    "acn",
    "account",
    "threshold_kwh",
    "anonymize",
    "include_active",
    "sort_by",
    "sort_order",
    "limit",
    "page",
    "range",
)


class Parser(argparse.ArgumentParser):
    """argparse with seshis.py's hint for single-dash flags, and usage errors as exceptions."""

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = ""
        # a single-dash word on its own (-pdf), not a "-word" inside a path (x/sap-labs.toml)
        single = re.search(r"unrecognized arguments: (?:.* )?-([a-z][a-z-]+)(?: |$)", message)
        if single:
            hint = f"\nUse double dashes: --{single.group(1)} not -{single.group(1)}"
        raise UsageError(f"{message}{hint}")


def build_parser() -> Parser:
    """Every flag, from the settings table."""
    p = Parser(
        prog="seshis",
        description="Session statistics for EV charging sites: empty, micro and unclaimed "
        "sessions, users and site health.",
        allow_abbrev=False,
    )
    groups = {name: p.add_argument_group(name) for name in GROUPS}
    for name, _default, spec in specs():
        if spec.flag is None:
            continue
        kw: dict[str, Any] = {"dest": name, "help": spec.help, "default": None}
        if spec.many:
            kw |= {"action": "append", "metavar": spec.metavar, "type": spec.kind}
        elif spec.kind is bool and spec.const is False:
            kw |= {"action": "store_const", "const": False}  # --no-pager: the setting off
        elif spec.kind is bool:
            kw["action"] = "store_true"
        else:
            kw |= {"metavar": spec.metavar, "nargs": spec.nargs, "const": spec.const}
            if spec.choices:
                kw |= {"choices": spec.choices, "metavar": None}
            if spec.kind in (int, float):
                kw["type"] = spec.kind
        groups[spec.group].add_argument(spec.flag, **kw)
    groups["behaviour"].add_argument("--version", action="version", version=f"seshis {__version__}")
    return p


@dataclass
class Environment:
    """The streams and clock of one run, injected so tests drive the CLI in-process."""

    stdin: IO[str] = field(default_factory=lambda: sys.stdin)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool | None = None
    color: bool | None = None  # None: colour when the stream is a terminal
    now: datetime | None = None
    sleep: Callable[[float], None] | None = None  # waits between retries (tests record them)
    signals: bool = True  # Ctrl-C and SIGTERM interrupt queries at once (off in-process)


def gather(
    ns: argparse.Namespace, ask: Prompter, config: dict[str, Any], config_path: Path | None
) -> Settings:
    """Each setting from its flag, else its prompt (on a terminal), else the config file, else
    its default; remembers where each came from for --debug."""
    table = {name: (default, spec) for name, default, spec in specs()}
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name, (default, spec) in table.items():  # flags, config and defaults first
        given = getattr(ns, name, None)
        if given is not None:
            given = tuple(given) if spec.many else given
            values[name], origins[name] = given, "flag"
        elif name in config:
            values[name], origins[name] = config[name], f"config {config_path}"
        else:
            values[name], origins[name] = default, "default"
    values["source"] = tuple(values["source"] or ())
    live = not values["demo"] and not values["source"]
    if ask.enabled and live and not values["offline"]:
        _credentials_first(values)
    origin = "piped" if ask.piped else "prompt"
    for name in (PIPED_ORDER if ask.piped else TERMINAL_ORDER) if ask.enabled else ():
        if name == "range":
            _ask_range(ask, values, origins, origin)
        elif name in ("limit", "page"):
            _original_paging(ask, name, live, values, origins)
        else:
            _default, spec = table[name]
            if origins[name] == "flag" or spec.prompt is None or not spec.prompt.when(values):
                continue
            answer = ask.setting(spec, values[name])
            if answer != values[name]:
                values[name], origins[name] = answer, origin
    if values["start"] or values["end"]:
        values["range_kind"] = "custom"
    if values["range_kind"] == "custom" and not (values["start"] and values["end"]):
        raise UsageError("A custom range needs both --start and --end (YYYY-MM-DD).")
    if isinstance(values["user"], str):
        values["user"] = values["user"].strip()
    values["config"] = str(config_path) if config_path else None
    settings = Settings(**values, origins=tuple(sorted(origins.items())))
    portfolio.check(settings)
    return settings


def _ask_range(ask: Prompter, values: dict[str, Any], origins: dict[str, str], origin: str) -> None:
    """The date range menu (not for files: they default to all their data), then the custom
    range's dates; on a terminal, an end before the start asks for both again."""
    if values["range_kind"] is None and not (values["start"] or values["end"]):
        if values["source"]:
            return
        values["range_kind"], origins["range_kind"] = ask.range_kind(), origin
    if values["range_kind"] != "custom":
        return
    asked = [w for w in ("start", "end") if values[w] is None]
    while asked:
        for which in asked:
            values[which], origins[which] = ask.day(which), origin
        start, end = values["start"], values["end"]
        if ask.piped or not (start and end) or end >= start:
            return
        ask.out.write(f"The end date {end} is before the start date {start}; enter both again.\n")


def _original_paging(
    ask: Prompter, name: str, live: bool, values: dict[str, Any], origins: dict[str, str]
) -> None:
    """The original tool's limit and page answers: a limit becomes the page size; seshis
    fetches every page whatever page was asked."""
    if not live:
        return
    answer = ask.number(f"Enter {name}: ", None)
    if name == "limit" and answer is not None and origins["page_size"] != "flag":
        values["page_size"], origins["page_size"] = answer, "piped (limit)"


def _credentials_first(values: dict[str, Any]) -> None:
    """Before asking for an ACN and an account, make sure there are credentials to use them."""
    from .sources.live import LiveOptions, credentials

    credentials(LiveOptions(api=values["api"], auth_command=values["auth_command"]))


def _list_profiles(env: Environment) -> ExitStatus:
    """--profiles: the network formats recognised from their headers."""
    from .sources import profiles

    env.stdout.write(
        "Network exports seshis recognises from their headers, besides ACN-Data, PowerFlex\n"
        "and OCPI; --profile FILE reads any other CSV (see the README):\n"
    )
    for profile in profiles.builtin():
        env.stdout.write(f"  {profiles.describe(profile)}\n")
    return ExitStatus.OK


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    env = env or Environment()
    for stream in (env.stdout, env.stderr):
        if hasattr(stream, "reconfigure") and (
            getattr(stream, "encoding", "") or ""
        ).lower() not in (
            "utf-8",
            "utf8",
        ):
            stream.reconfigure(errors="replace")
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        if env.signals:
            from .interrupts import handled

            with handled(_interrupt_queries):
                return int(_main(args, env))
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
    except KeyboardInterrupt as exc:
        from .interrupts import terminated

        env.stderr.write("\nInterrupted.\n")
        return ExitStatus.TERMINATED if terminated(exc) else ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # The reader (head, less) went away: stop quietly, as Unix tools do.
        if env.stdout is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return ExitStatus.OK
    except ModuleNotFoundError as exc:
        if debug or (exc.name or "").split(".")[0] not in DEPENDENCIES:
            raise
        env.stderr.write(
            f"❌ seshis needs {exc.name}, which is not installed. Run `make demo` in the "
            "seshis folder (it creates .venv with everything), or `pip install .` there.\n"
        )
        return ExitStatus.ERROR
    except Exception as exc:  # the last line of defence: one sentence, never a traceback
        if type(exc).__name__ == "InterruptException":  # a DuckDB query stopped by a signal
            from .interrupts import terminated

            env.stderr.write("\nInterrupted.\n")
            return ExitStatus.TERMINATED if terminated(exc) else ExitStatus.INTERRUPTED
        if debug:
            raise
        env.stderr.write(
            f"❌ Unexpected error ({type(exc).__name__}: {exc}); rerun with --debug for the "
            "details and report it.\n"
        )
        return ExitStatus.ERROR


def _interrupt_queries() -> None:
    """Stop the running DuckDB queries (on a signal); none run before the store is imported."""
    store = sys.modules.get("seshis.store")
    if store is not None:
        store.interrupt_all()


def _main(args: list[str], env: Environment) -> ExitStatus:
    ns = build_parser().parse_args(args)  # --help and usage errors before the heavy imports
    ns.demo = ns.demo or ns.demo_network
    if ns.profiles:
        return _list_profiles(env)
    check_rules(ns)

    from rich.console import Console

    from .app import run
    from .config import load as load_config

    class QuietConsole(Console):
        """rich exits 1 when the reader of a pipe goes away; seshis stops quietly instead."""

        def on_broken_pipe(self) -> None:
            raise BrokenPipeError

    if env.stdin is None:  # closed (some schedulers start jobs so)
        mode = "off"
    else:
        tty = env.stdin_isatty if env.stdin_isatty is not None else env.stdin.isatty()
        mode = "off" if ns.no_input or ns.notify_test else "terminal" if tty else "piped"
    prompter = Prompter(env.stdin, env.stderr, mode)
    config, config_path = load_config(Path(ns.config).expanduser() if ns.config else None)
    settings = gather(ns, prompter, config, config_path)
    # colour: forced on or off by the caller, else rich decides (terminal, NO_COLOR)
    no_color = True if env.color is False else None
    out, err = (
        QuietConsole(file=stream, force_terminal=env.color, no_color=no_color, highlight=False)
        for stream in (env.stdout, env.stderr)
    )
    now = env.now or datetime.now(UTC)
    confirm = prompter.yes_no if prompter.mode == "terminal" else None  # never from a pipe
    return run(settings, out, err, env.stdout, now, sleep=env.sleep, confirm=confirm)
