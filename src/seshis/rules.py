"""The rules of the command line: each flag's own check, then the rules for flags together
(README: Flag rules). Every broken rule is a usage error (exit 2) that says what to do."""

from __future__ import annotations

import argparse
from pathlib import Path

from .dates import RANGES, parse_date
from .declare import problem
from .errors import UsageError
from .settings import ANALYSIS_HINT, asks_for_analysis, specs


def check_rules(ns: argparse.Namespace) -> None:
    """Each flag's own check, then the rules for flags together (README: Flag rules): usage
    errors, exit 2."""
    for name, _default, spec in specs():
        value = getattr(ns, name, None)
        wrong = problem(spec, value) if spec.flag else None
        if wrong:
            raise UsageError(f"{spec.flag} {wrong}.")
    analysis = asks_for_analysis(ns)
    kinds = ("--csv", "--pdf", "--xlsx", "--parquet", "--html")
    chosen = [flag for flag in kinds if getattr(ns, flag[2:])]
    exports = bool(chosen)
    if exports and not analysis:
        flags = "--csv/--pdf" if ns.csv or ns.pdf else chosen[0]
        raise UsageError(f"{flags} requires at least one analysis flag {ANALYSIS_HINT}")
    if ns.csv and ns.pdf:
        raise UsageError("Can't use --csv and --pdf together; run them separately.")
    if len(chosen) > 1:
        raise UsageError(f"One export at a time: run {chosen[1]} and {chosen[0]} separately.")
    if ns.output_path and not (exports or ns.graph or ns.json):
        raise UsageError(
            "--output says where --csv, --xlsx, --parquet, --pdf, --html, --graph or --json "
            "write; add one of them."
        )
    if ns.output_path and ns.output_path.lower().startswith(("http://", "https://")):
        raise UsageError("--output is a file, a folder or an s3:// key, not a web address.")
    if ns.output_path == "-" and not (ns.csv or ns.json):
        raise UsageError("--output - (standard output) is for --csv and --json.")
    for given in ns.source or ():
        if ns.output_path and _same_file(ns.output_path, given):
            raise UsageError(
                f"--output {ns.output_path} is one of the --source files; seshis never "
                "overwrites its input: choose another --output."
            )
    if exports and ns.graph:
        listed = "--csv, --pdf" if ns.csv or ns.pdf else chosen[0]
        raise UsageError(f"Can't use exports ({listed}) with --graph; run them separately.")
    if ns.statement and (ns.html or ns.graph or ns.check or ns.parquet):
        raise UsageError(
            "--statement goes to the terminal, --json, --csv, --xlsx or --pdf; run --html, "
            "--parquet, --graph and --check separately."
        )
    if ns.check and (exports or ns.graph):
        raise UsageError("--check prints findings; run exports separately.")
    if ns.json and (exports or ns.graph):
        raise UsageError(
            "--json prints the analysis; don't combine it with --csv, --xlsx, --parquet, "
            "--pdf, --html or --graph."
        )
    if ns.notify and not (ns.check or ns.notify_test):
        raise UsageError(
            "--notify sends what --check finds; add --check (or --notify-test to try the targets)."
        )
    if (ns.notify_every is not None or ns.notify_attach) and not ns.check:
        raise UsageError("--notify-every and --notify-attach go with --check --notify.")
    if ns.demo and ns.source:
        raise UsageError("Use either --demo or --source, not both.")
    if (ns.demo or ns.source) and (ns.api or ns.offline or ns.refresh):
        raise UsageError(
            "--api, --offline and --refresh go with the live APIs, not --demo/--source."
        )
    if ns.offline and ns.refresh:
        raise UsageError("Use either --offline or --refresh, not both.")
    if ns.range_kind is not None:
        kind = RANGES.get(ns.range_kind, ns.range_kind.lower())
        if kind == "all" and not (ns.source or ns.demo):
            raise UsageError("--range all is for --source files and the demo, not a live API.")
        if kind not in (*RANGES.values(), "all"):
            raise UsageError(
                f"Unknown --range '{ns.range_kind}'; use today, week, month, custom (or 1-4), "
                "or all (files and the demo)."
            )
        if kind != "custom" and (ns.start or ns.end):
            raise UsageError("--start and --end go with --range custom (or no --range).")
        ns.range_kind = kind
    for which in ("start", "end"):
        if getattr(ns, which) is not None:
            setattr(ns, which, parse_date(getattr(ns, which), which))


def _same_file(a: str, b: str) -> bool:
    if "://" in a or "://" in b:  # an object: the same URL
        return a.rstrip("/") == b.rstrip("/")
    try:
        return Path(a).expanduser().samefile(Path(b).expanduser())
    except OSError:
        return False
