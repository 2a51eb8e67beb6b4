"""Every setting, declared once: its flag, type, default, prompt, check and config key.

`Settings` is the one frozen object the CLI decides; each of its fields carries its own
declaration (`setting(...)`), from which the argument parser, the config file's schema,
`--debug`'s listing and the checks are generated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING, Any

from . import definitions as d
from . import portfolio, tariffs
from .redact import SecretUrl

if TYPE_CHECKING:
    from .sources.live import LiveOptions
from .declare import (
    Prompt,
    Spec,
    above_zero,
    at_least,
    not_negative,
    one_of,
    percent,
    setting,
    switch,
    time_zone,
)

ALL_USERS = "*"  # --user without an email
APIS = ("powerflex", "acndata", "ocpi")
OCPI_VERSIONS = ("2.2.1", "2.1.1")
ACN_SITES = ("caltech", "jpl", "office001")  # the ACN-Data API's sites
GROUPS = ("analysis", "output", "source", "window and definitions", "alerts", "behaviour")
ATTACHMENTS = ("pdf", "html")  # what --notify-attach can attach

# --- prompts ------------------------------------------------------------------------------------


def _live(v: dict) -> bool:
    return not v["demo"] and not v["source"]


def _powerflex(v: dict) -> bool:
    """A PowerFlex run whose ACNs no portfolio ([[sites]]) lists."""
    return _live(v) and v["api"] == "powerflex" and not any(e.acn for e in v["sites"])


def _advanced(v: dict) -> bool:
    return bool(v["advanced"])


def _live_advanced(v: dict) -> bool:
    return _advanced(v) and _live(v)


ANALYSIS, OUTPUT, SOURCE, WINDOW, ALERTS, BEHAVIOUR = GROUPS
STATEMENT_BY = ("driver", "tag", "group")


@dataclass(frozen=True)
class Settings:
    # analysis
    empty: bool = switch("--empty", "sessions that delivered 0 kWh", ANALYSIS)
    micro: bool = switch("--micro", "sessions under the micro threshold", ANALYSIS)
    user: str | None = setting(
        None,
        "--user",
        str,
        "sessions by user, or one user",
        ANALYSIS,
        metavar="EMAIL",
        nargs="?",
        const=ALL_USERS,
    )
    all: bool = switch("--all", "every analysis plus site health", ANALYSIS)
    stations: bool = switch("--stations", "per-station table and suspects", ANALYSIS)
    check: bool = switch("--check", "health and suspect stations; exit 3 on a breach", ANALYSIS)
    statement: bool = switch(
        "--statement", "kWh and cost per driver, site and month (the config's [tariff])", ANALYSIS
    )
    statement_by: str = setting(
        "driver",
        "--statement-by",
        str,
        "a statement's rows per driver (default), tag or group",
        ANALYSIS,
        choices=STATEMENT_BY,
        config="statement.by",
        check=one_of(*STATEMENT_BY),
    )
    drivers_file: str | None = setting(
        None,
        "--drivers",
        str,
        "who is who: a CSV or TOML file of driver ids and tags with name and group",
        ANALYSIS,
        metavar="FILE",
        config="statement.drivers",
    )
    include_suspect_energy: bool = setting(
        False,
        "--include-suspect-energy",
        bool,
        "keep sessions of impossible energy or power in statements",
        ANALYSIS,
        config="statement.include_suspect_energy",
    )
    max_kw: float | None = setting(
        None,
        None,
        float,
        "the highest power (kW) a station delivers: a session's average above it is suspect",
        ANALYSIS,
        config="statement.max_kw",
        check=above_zero("kW", "22"),
    )
    max_session_kwh: float = setting(
        200.0,
        None,
        float,
        "more kWh in one session is suspect (a meter's lifetime reading?)",
        ANALYSIS,
        config="statement.max_session_kwh",
        check=above_zero("kWh", "200"),
    )
    tariff: tariffs.Tariff | None = setting(
        None,
        None,
        tariffs.Tariff,
        "prices per kWh, by time of day, idle fee, per group and site, changes on dates",
        ANALYSIS,
        config="tariff",
        parse=tariffs.parse,
    )
    # output
    csv: bool = switch("--csv", "export the sessions to a CSV file", OUTPUT)
    xlsx: bool = switch("--xlsx", "export sessions, drivers, stations, days to Excel", OUTPUT)
    parquet: bool = switch("--parquet", "export the sessions to a Parquet file, typed", OUTPUT)
    pdf: bool = switch("--pdf", "write the PDF report", OUTPUT)
    html: bool = switch("--html", "write the report as one self-contained web page", OUTPUT)
    graph: bool = switch("--graph", "draw the charts as PNG files", OUTPUT)
    logo: str | None = setting(
        None, "--logo", str, "logo for the PDF (default: pf.jpg if found)", OUTPUT, metavar="PATH"
    )
    json: bool = switch("--json", "print the analysis as one JSON document", OUTPUT)
    output_path: str | None = setting(
        None,
        "--output",
        str,
        "file or folder of an export (--csv, --xlsx, --pdf, --html, --json, --graph); - for "
        "standard output (--csv, --json)",
        OUTPUT,
        metavar="PATH",
    )
    printsessions: bool = switch(
        "--printsessions", "list every session, not only the most recent 20 per driver", OUTPUT
    )
    # source
    demo: bool = switch("--demo", "the built-in demo site", SOURCE)
    demo_network: bool = switch(
        "--demo-network",
        "the demo network: four sites in three time zones (implies --demo)",
        SOURCE,
    )
    source: tuple[str, ...] = setting(
        (),
        "--source",
        str,
        "session files (JSON, CSV, Parquet), s3:// objects and globs, https:// files",
        SOURCE,
        metavar="PATH",
        nargs="+",
    )
    s3_endpoint: str | None = setting(
        None,
        "--s3-endpoint",
        str,
        "endpoint of an S3-compatible store (default: AWS_ENDPOINT_URL, else AWS)",
        SOURCE,
        metavar="URL",
        config="s3_endpoint",
    )
    profile: str | None = setting(
        None,
        "--profile",
        str,
        "mapping profile (TOML) for a CSV export of another network",
        SOURCE,
        metavar="FILE",
        config="profile",
    )
    profiles: bool = switch("--profiles", "list the network formats seshis recognises", SOURCE)
    api: str = setting(
        "powerflex",
        "--api",
        str,
        "live API (default powerflex)",
        SOURCE,
        choices=APIS,
        config="api",
        check=one_of(*APIS),
    )
    site: tuple[str, ...] = setting(
        (),
        "--site",
        str,
        "the site to report, by name; with --api acndata the sites to fetch (default caltech); "
        "repeatable",
        SOURCE,
        metavar="NAME",
        config="site",
        many=True,
    )
    acn: tuple[str, ...] = setting(
        ("0021",),
        "--acn",
        str,
        "ACN of a PowerFlex site, or ACN:ACCOUNT (prompt default 0021); repeatable",
        SOURCE,
        config="acn",
        many=True,
        prompt=Prompt("Enter ACN", _powerflex),
    )
    account: tuple[str, ...] = setting(
        ("16",),
        "--account",
        str,
        "PowerFlex account of each --acn, in order (prompt default 16); repeatable",
        SOURCE,
        config="account",
        many=True,
        prompt=Prompt("Enter account", _powerflex),
    )
    sites: tuple[portfolio.SiteEntry, ...] = setting(
        (),
        None,
        tuple,
        "the operator's sites: [[sites]] name, acn + account or site, timezone, aliases",
        SOURCE,
        config="sites",
        parse=portfolio.parse,
    )
    auth_command: str | None = setting(
        None,
        "--auth-command",
        str,
        "curl wrapper that adds credentials",
        SOURCE,
        metavar="CMD",
        config="auth_command",
    )
    page_size: int | None = setting(
        None,
        "--page-size",
        int,
        "sessions per API request",
        SOURCE,
        metavar="N",
        config="page_size",
        check=at_least(1),
        prompt=Prompt("Enter page size", _live_advanced),
    )
    concurrency: int = setting(
        4,
        "--concurrency",
        int,
        "pages fetched at once (4)",
        SOURCE,
        metavar="N",
        config="concurrency",
        check=at_least(1),
    )
    timeout: float = setting(
        30.0,
        "--timeout",
        float,
        "seconds to connect/read (30)",
        SOURCE,
        metavar="S",
        config="timeout",
        check=above_zero("seconds", "30"),
    )
    retries: int = setting(
        5, "--retries", int, "attempts per request (5)", SOURCE, metavar="N", check=at_least(1)
    )
    store_path: str | None = setting(
        None,
        "--store",
        str,
        "the DuckDB store of fetched sessions",
        SOURCE,
        metavar="PATH",
        config="store",
    )
    refresh: bool = switch(
        "--refresh", "refetch the whole window (and move a damaged store aside)", SOURCE
    )
    offline: bool = switch("--offline", "answer from the store alone", SOURCE)
    overlap_days: float = setting(
        1.0,
        "--overlap",
        float,
        "refetch before last sync (1)",
        SOURCE,
        metavar="DAYS",
        check=not_negative("days"),
    )
    anonymize: bool = setting(
        False,
        "--anonymize",
        bool,
        "ask for hashed users",
        SOURCE,
        prompt=Prompt("Anonymize users", _live_advanced, "yes_no"),
    )
    include_active: bool = setting(
        False,
        "--include-active",
        bool,
        "include active sessions",
        SOURCE,
        prompt=Prompt("Include active sessions", _live_advanced, "yes_no"),
    )
    sort_by: str = setting(
        "session_start_time",
        "--sort-by",
        str,
        "sort the rows printed without an analysis flag by this field (session_start_time)",
        SOURCE,
        metavar="FIELD",
        prompt=Prompt("Sort by", _live_advanced),
    )
    sort_order: str = setting(
        "DESC",
        "--sort-order",
        str,
        "and in this order (DESC: newest first, as the API gave them)",
        SOURCE,
        choices=("ASC", "DESC"),
        check=one_of("ASC", "DESC"),
        prompt=Prompt("Sort order (ASC/DESC)", _live_advanced),
    )
    api_url: str | None = setting(
        None,
        "--api-url",
        str,
        "base URL of the API (proxies, tests)",
        SOURCE,
        metavar="URL",
        config="api_url",
        prompt=Prompt("Enter API URL", _live_advanced),
    )
    ocpi_version: str = setting(
        "2.2.1",
        "--ocpi-version",
        str,
        "OCPI version of --api ocpi (2.2.1)",
        SOURCE,
        choices=OCPI_VERSIONS,
        config="ocpi_version",
        check=one_of(*OCPI_VERSIONS),
    )
    # window and definitions
    range_kind: str | None = setting(
        None,
        "--range",
        str,
        "today, week, month or custom (1-4 as in the menu); all: every session of the files",
        WINDOW,
        metavar="RANGE",
    )
    start: date | None = setting(
        None, "--start", date, "first day (implies custom)", WINDOW, metavar="YYYY-MM-DD"
    )
    end: date | None = setting(
        None, "--end", date, "last day, included (implies custom)", WINDOW, metavar="YYYY-MM-DD"
    )
    timezone: str | None = setting(
        None,
        "--tz",
        str,
        "site time zone, e.g. America/Los_Angeles",
        WINDOW,
        metavar="ZONE",
        config="timezone",
        check=time_zone,
        prompt=Prompt("Enter site time zone", _advanced, empty="from the data"),
    )
    threshold_kwh: float = setting(
        d.DEFAULT_THRESHOLD_KWH,
        "--threshold",
        float,
        "micro threshold (default 1.0)",
        WINDOW,
        metavar="KWH",
        config="threshold",
        check=above_zero("kWh", "1.0"),
        prompt=Prompt(
            "Enter microsession threshold (kWh, e.g., 1.0): ", lambda v: v["micro"], "plain"
        ),
    )
    voltage: float = setting(
        d.DEFAULT_VOLTAGE,
        "--voltage",
        float,
        "voltage for average current (208)",
        WINDOW,
        metavar="V",
        config="voltage",
        check=above_zero("volts", "208"),
        prompt=Prompt("Enter voltage for average current", _advanced),
    )
    active_current: bool = switch(
        "--active-current", "bands over charging time where done-charging times exist", WINDOW
    )
    empty_max: float = setting(
        d.HealthThresholds.empty_max,
        "--max-empty",
        float,
        "health target (20)",
        WINDOW,
        metavar="PCT",
        config="health.empty_max",
        check=percent,
    )
    micro_max: float = setting(
        d.HealthThresholds.micro_max,
        "--max-micro",
        float,
        "health target (5)",
        WINDOW,
        metavar="PCT",
        config="health.micro_max",
        check=percent,
    )
    normal_min: float = setting(
        d.HealthThresholds.normal_min,
        "--min-normal",
        float,
        "health target (75)",
        WINDOW,
        metavar="PCT",
        config="health.normal_min",
        check=percent,
    )
    unclaimed_max: float = setting(
        d.HealthThresholds.unclaimed_max,
        "--max-unclaimed",
        float,
        "health target (30)",
        WINDOW,
        metavar="PCT",
        config="health.unclaimed_max",
        check=percent,
    )
    # alerts
    notify: tuple[SecretUrl, ...] = setting(
        (),
        "--notify",
        SecretUrl,
        "with --check: send what is new or recovered to this Apprise URL (repeatable)",
        ALERTS,
        metavar="URL",
        config="notify",
        many=True,
    )
    notify_every: float = setting(
        7.0,
        "--notify-every",
        float,
        "remind of what continues every DAYS (7)",
        ALERTS,
        metavar="DAYS",
        config="notify_every",
        check=not_negative("days"),
    )
    notify_attach: str | None = setting(
        None,
        "--notify-attach",
        str,
        "attach the report where the service takes files",
        ALERTS,
        choices=ATTACHMENTS,
        config="notify_attach",
        check=one_of(*ATTACHMENTS),
    )
    notify_test: bool = switch("--notify-test", "send one test message to each target", ALERTS)
    # behaviour
    advanced: bool = switch("--advanced", "also ask the API and unit options", BEHAVIOUR)
    config: str | None = setting(
        None, "--config", str, "TOML file of defaults", BEHAVIOUR, metavar="PATH"
    )
    no_input: bool = switch("--no-input", "never prompt; use the defaults", BEHAVIOUR)
    pager: bool = setting(
        True,
        "--no-pager",
        bool,
        "never page a long report on the terminal",
        BEHAVIOUR,
        config="pager",
        const=False,
    )
    debug: bool = switch("--debug", "settings, timings, data-quality details", BEHAVIOUR)
    # where each setting came from, for --debug
    origins: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def analysis(self) -> bool:
        return asks_for_analysis(self)

    @property
    def profile_from_config(self) -> bool:
        """Whether the profile is the config file's: it then reads only the CSVs that fit it
        (or that seshis does not recognise), where a --profile reads every CSV."""
        return dict(self.origins).get("profile", "").startswith("config")

    @property
    def source_kind(self) -> str:
        """demo | files | api"""
        return "demo" if self.demo else "files" if self.source else "api"

    @property
    def output(self) -> str:
        """text | json | csv | xlsx | parquet | pdf | html | graph | check | sessions (no
        analysis flag: the rows)."""
        for name in ("json", "csv", "xlsx", "parquet", "pdf", "html", "graph"):
            if getattr(self, name):
                return name
        if self.check:
            return "check"
        return "text" if self.analysis else "sessions"

    @property
    def health(self) -> d.HealthThresholds:
        return d.HealthThresholds(
            self.empty_max, self.micro_max, self.normal_min, self.unclaimed_max
        )

    @property
    def rows_order(self) -> tuple[str, str]:
        """How the rows printed without an analysis flag are sorted: (field, ASC | DESC)."""
        return self.sort_by, self.sort_order

    def live_options(
        self,
        sleep: Callable[[float], None] | None = None,
        notice: Callable[[str], None] | None = None,
        confirm: Callable[[str], bool] | None = None,
    ) -> LiveOptions:
        """The library's LiveOptions: the live API settings of the same names; `confirm`
        asks the user a yes/no question (only on a terminal)."""
        from .sources.live import WAITING, LiveOptions

        names = [f.name for f in fields(LiveOptions) if f.name not in WAITING]
        values: dict[str, Any] = {name: getattr(self, name) for name in names}
        if sleep is not None:
            values["sleep"] = sleep
        return LiveOptions(**values, notice=notice, confirm=confirm)


ANALYSIS_FLAGS = ("empty", "micro", "user", "all", "stations", "statement")
ANALYSIS_HINT = "(--empty, --micro, --user, --stations or --all)"


def asks_for_analysis(flags: object) -> bool:
    """Whether the flags (Settings, or the parsed namespace) ask for an analysis: without one,
    seshis prints the sessions as their source gave them."""
    return any(
        getattr(flags, name) is not None if name == "user" else bool(getattr(flags, name))
        for name in ANALYSIS_FLAGS
    )


def specs() -> tuple[tuple[str, Any, Spec], ...]:
    """(name, default, declaration) of every setting, in declaration order."""
    return tuple((f.name, f.default, f.metadata["spec"]) for f in fields(Settings) if f.metadata)


def config_keys() -> dict[str, tuple[str, Spec]]:
    """The config file's schema: {key: (setting name, declaration)}."""
    return {spec.config: (name, spec) for name, _, spec in specs() if spec.config}
