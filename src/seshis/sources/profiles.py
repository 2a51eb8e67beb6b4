"""Mapping profiles: how to read a CSV export of any network, written as a small TOML file.

The built-in formats (ChargePoint, ChargePlace Scotland, SteVe, Open e-Mobility, OCPP.Core)
are profiles shipped in the package (`profiles/*.toml`), recognised from their headers; a user
passes their own with `--profile FILE`. A profile says which column holds what, how its times
and numbers are written, and in which zone local times are; this module turns it into the
normalized select list, in SQL, so a million rows never become Python objects.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from ..errors import DataError, UsageError
from ..store import COLUMNS, Store, lit, q
from . import mapping

PROFILE_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "delimiter": str,
    "decimal": str,
    "energy_unit": str,
    "timezone": str,
    "time_format": (str, list),
    "date_format": (str, list),
    "encoding": str,
}
COLUMN_KEYS = (
    "session_id",
    "start",
    "start_date",
    "start_time",
    "end",
    "end_date",
    "end_time",
    "energy",
    "meter_start",
    "meter_stop",
    "user",
    "station",
    "connector",
    "site",
    "row_number",
    "timezone",
    "start_zone",
    "end_zone",
    "charging_time",
    "idle_minutes",
)
# US zone labels of ChargePoint exports, as offsets and as the site's zone
ZONES = {
    "PST": ("-08", "America/Los_Angeles"),
    "PDT": ("-07", "America/Los_Angeles"),
    "MST": ("-07", "America/Denver"),
    "MDT": ("-06", "America/Denver"),
    "CST": ("-06", "America/Chicago"),
    "CDT": ("-05", "America/Chicago"),
    "EST": ("-05", "America/New_York"),
    "EDT": ("-04", "America/New_York"),
    "AKST": ("-09", "America/Anchorage"),
    "AKDT": ("-08", "America/Anchorage"),
    "HST": ("-10", "Pacific/Honolulu"),
    "UTC": ("+00", "UTC"),
    "GMT": ("+00", "UTC"),
}


@dataclass(frozen=True)
class Profile:
    """How to read one network's CSV export (a `mapping.CsvFormat`, as the built-in flavours)."""

    name: str
    source: str  # the file it was read from, or "built-in NAME"
    columns: dict[str, str]  # seshis field: the file's column header
    delimiter: str | None = None  # None: detected
    decimal: str = "."  # "." | "," | "auto" (a comma when there is no point)
    energy_unit: str = "kWh"
    timezone: str | None = None  # of times written without an offset
    time_formats: tuple[str, ...] = ()  # strftime patterns; none: ISO 8601, RFC 1123, epoch
    date_formats: tuple[str, ...] = ()  # for a date in its own column
    encoding: str | None = None  # None: detected (UTF-8, else Latin-1)
    match: tuple[str, ...] = field(default=())  # headers that recognise a built-in format
    aliases: tuple[tuple[str, str], ...] = ()  # (a site's name in the file, the site's name)

    @property
    def drivers(self) -> bool:
        """Whether the export says who charged: without, there is no "unclaimed"."""
        return "user" in self.columns

    def csv_select(self, columns: list[str], origin: str) -> str:
        return select_list(self, origin, columns)

    def csv_rows(self, reader: str, columns: list[str]) -> tuple[str, str]:
        """The file's rows with the profile's helpers (see `source`); each row as read is
        without them."""
        row = "to_json(struct_pack(" + ", ".join(f"{q(c)} := {q(c)}" for c in columns) + "))"
        return source(self, reader), row

    def check_read(self, store: Store, path: Path, table: str) -> None:
        """A column none of whose values the profile reads is the profile's mistake, said
        with an example value (exit 1), not a file of invalid rows."""
        for problem, key, column in (
            ("unparseable start time", "start", "start"),
            ("unparseable end time", "end", "end"),
            ("non-numeric kWh", "energy", "kwh"),
        ):
            failed, example, parsed = store.one(
                f"SELECT count(*) FILTER (starts_with(problem, {lit(problem)})), "
                f"min(problem) FILTER (starts_with(problem, {lit(problem)})), count({q(column)}) "
                f"FROM {table}"
            )
            if failed and not parsed:  # not one value of the column parses
                value = example.split(": ", 1)[-1]
                raise DataError(
                    f"The profile {self.name} ({self.source}) cannot read the {key} of "
                    f"{path} from {columns_of(self, key)}: no value parses, e.g. "
                    f"{value!r} (check time_format, date_format, decimal or energy_unit)."
                )


def load(path: Path) -> Profile:
    """A user's profile; a file that is no valid profile is a usage error (exit 2)."""
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"The profile {path} cannot be read ({exc.strerror}).") from None
    return parse(text, str(path))


def parse(text: str, source: str) -> Profile:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"The profile {source} is not valid TOML ({exc}).") from None
    unknown = set(doc) - {"profile", "columns", "match", "sites"}
    if unknown:
        raise UsageError(f"The profile {source} has an unknown table [{sorted(unknown)[0]}].")
    for table in ("profile", "columns", "match", "sites"):
        if not isinstance(doc.get(table, {}), dict):
            raise UsageError(f"The profile {source}: {table} must be a table ([{table}]).")
    head, columns = doc.get("profile", {}), doc.get("columns", {})
    for key, value in head.items():
        if key not in PROFILE_KEYS:
            raise UsageError(
                f"The profile {source}: [profile] has an unknown key '{key}' "
                f"(known: {', '.join(PROFILE_KEYS)})."
            )
        if not isinstance(value, PROFILE_KEYS[key]):
            raise UsageError(f"The profile {source}: [profile] {key} has the wrong type.")
    for key, value in columns.items():
        if key not in COLUMN_KEYS:
            raise UsageError(
                f"The profile {source}: [columns] has an unknown key '{key}' "
                f"(known: {', '.join(COLUMN_KEYS)})."
            )
        if not isinstance(value, str) or not value:
            raise UsageError(f"The profile {source}: [columns] {key} must name a column.")
    problem = _missing(head, columns)
    if problem:
        raise UsageError(f"The profile {source} {problem}.")
    if head.get("energy_unit", "kWh") not in ("kWh", "Wh"):
        raise UsageError(f'The profile {source}: energy_unit is "kWh" or "Wh".')
    if head.get("decimal", ".") not in (".", ",", "auto"):
        raise UsageError(f'The profile {source}: decimal is ".", "," or "auto".')
    if "timezone" in head:
        from ..dates import zone

        zone(head["timezone"])
    match = doc.get("match", {}).get("columns", [])
    if not isinstance(match, list) or not all(isinstance(m, str) for m in match):
        raise UsageError(f"The profile {source}: [match] columns is a list of headers.")
    return Profile(
        aliases=_aliases(doc.get("sites", {}), source),
        name=head["name"],
        source=source,
        columns=dict(columns),
        delimiter=head.get("delimiter"),
        decimal=head.get("decimal", "."),
        energy_unit=head.get("energy_unit", "kWh"),
        timezone=head.get("timezone"),
        time_formats=_patterns(head.get("time_format")),
        date_formats=_patterns(head.get("date_format")),
        encoding=head.get("encoding"),
        match=tuple(match),
    )


def _aliases(sites: dict, source: str) -> tuple[tuple[str, str], ...]:
    """[sites] aliases = {"name in the file" = "the site's name"}: renamed sites as one."""
    unknown = set(sites) - {"aliases"}
    if unknown:
        raise UsageError(
            f"The profile {source}: [sites] has an unknown key '{sorted(unknown)[0]}'."
        )
    aliases = sites.get("aliases", {})
    if not isinstance(aliases, dict) or not all(
        isinstance(v, str) and v.strip() for v in aliases.values()
    ):
        raise UsageError(
            f'The profile {source}: [sites] aliases is a table of "name in the file" = '
            '"the site\'s name".'
        )
    return tuple((old.strip(), new.strip()) for old, new in aliases.items())


def _missing(head: dict, columns: dict) -> str | None:
    if "name" not in head:
        return "has no [profile] name"
    for what in ("start", "end"):
        if what not in columns and not {f"{what}_date", f"{what}_time"} <= columns.keys():
            return f"says no {what} column ([columns] {what}, or {what}_date and {what}_time)"
    if "energy" not in columns and not {"meter_start", "meter_stop"} <= columns.keys():
        return "says no energy column ([columns] energy, or meter_start and meter_stop)"
    return None


def _patterns(value: str | list | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


@functools.cache  # read once a run, however many files
def builtin() -> tuple[Profile, ...]:
    """The formats seshis knows, most specific first."""
    folder = resources.files("seshis.sources") / "profiles"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            found.append(parse(entry.read_text(encoding="utf-8"), f"built-in {entry.name[:-5]}"))
    return tuple(sorted(found, key=lambda p: -len(p.match)))


def recognise(headers: list[str]) -> Profile | None:
    """The built-in profile whose headers the file has (the one that asks most, first); a
    file without the profile's site column (a republished export may drop it) is read without
    a site."""
    have = {h.strip() for h in headers}
    for profile in builtin():
        if profile.match and set(profile.match) <= have:
            if profile.columns.get("site", "") in have or "site" not in profile.columns:
                return profile
            columns = {k: v for k, v in profile.columns.items() if k != "site"}
            return replace(profile, columns=columns)
    return None


def columns_of(profile: Profile, key: str) -> str:
    """The file's column(s) a field is read from, quoted: "'Start'", or "'Date' and 'Time'"."""
    c = profile.columns
    if key in c:
        return f"its column '{c[key]}'"
    pair = ("meter_start", "meter_stop") if key == "energy" else (f"{key}_date", f"{key}_time")
    return "its columns " + " and ".join(f"'{c[k]}'" for k in pair if k in c)


def fits(profile: Profile, headers: list[str]) -> bool:
    """Whether a file has every column the profile names."""
    return set(profile.columns.values()) <= set(headers)


def check_columns(profile: Profile, headers: list[str], path: Path) -> None:
    """Every column the profile names is in the file (exit 1: the data, not the profile)."""
    have = set(headers)
    for key, column in profile.columns.items():
        if column not in have:
            shown = ", ".join(headers[:12]) + (", …" if len(headers) > 12 else "")
            raise DataError(
                f"The profile {profile.name} ({profile.source}) reads [columns] {key} from "
                f"'{column}', which {path} does not have (its columns: {shown})."
            )


# --- the profile as SQL --------------------------------------------------------------------------


def select_list(profile: Profile, origin: str, headers: list[str] | None = None) -> str:
    """The normalized columns (and _raw_start/_raw_end/_raw_kwh) of a CSV read with every
    column as text; `headers`: all of the file's columns (a row's id, without a session id
    column, is made from every one of them)."""
    c = profile.columns

    def text(key: str) -> str:
        return f"NULLIF(trim({q(c[key])}), '')" if key in c else "NULL"

    start = _time(profile, "start", _raw_time(c, "start"))
    end = _time(profile, "end", _raw_time(c, "end"))
    raw_start, raw_end = _raw_time(c, "start", True), _raw_time(c, "end", True)
    if "energy" in c:
        raw_kwh = text("energy")
        kwh = _number(profile, raw_kwh)
    else:
        raw_kwh = f"({text('meter_stop')} || ' - ' || {text('meter_start')})"
        kwh = f"({_number(profile, text('meter_stop'))} - {_number(profile, text('meter_start'))})"
    if profile.energy_unit == "Wh":
        kwh = f"({kwh}) / 1000.0"
    done = "NULL"
    if "charging_time" in c:
        done = f"({start}) + TRY_CAST({text('charging_time')} AS INTERVAL)"
    elif "idle_minutes" in c:
        minutes = _number(profile, text("idle_minutes"))
        done = f"({end}) - to_microseconds(CAST(({minutes}) * 60000000 AS BIGINT))"
    values = {
        "session_id": text("session_id") if "session_id" in c else _content_id(profile, headers),
        "site": text("site"),
        "station_id": text("station"),
        "space": text("connector"),
        "user_id": text("user"),
        "start": mapping.in_range(start),
        "end": mapping.in_range(end),
        "done_charging": mapping.in_range(done),
        "kwh": kwh,
        "timezone": _zone_name(profile),
        "origin": origin,
    }
    parts = [f"{values.get(col, 'NULL')} AS {q(col)}" for col in COLUMNS]
    parts += [f"{raw_start} AS _raw_start", f"{raw_end} AS _raw_end", f"{raw_kwh} AS _raw_kwh"]
    return ", ".join(parts)


def _raw_time(c: dict[str, str], what: str, zoned: bool = False) -> str:
    """The time as written; `zoned`: with the row's zone, if any (an invalid row's message)."""
    if what in c:
        base = f"NULLIF(trim({q(c[what])}), '')"
    else:
        date, clock = q(c[f"{what}_date"]), q(c[f"{what}_time"])
        base = f"NULLIF(trim(coalesce({date}, '') || ' ' || coalesce({clock}, '')), '')"
    if zoned and "timezone" in c:
        return f"({base} || ' ' || coalesce(trim({q(c['timezone'])}), ''))"
    return base


def _time(profile: Profile, what: str, raw: str) -> str:
    """A time from its text: with the profile's patterns, else ISO 8601, RFC 1123 or epoch;
    written without an offset, it is local time of the profile's (or the row's) zone."""
    c = profile.columns
    if (
        f"{what}_date" in c
        and f"{what}_time" in c
        and (profile.date_formats or profile.time_formats)
    ):
        patterns = [
            f"{d} {t}"
            for d in profile.date_formats or ("%Y-%m-%d",)
            for t in profile.time_formats or ("%H:%M:%S", "%H:%M")
        ]
    else:
        patterns = list(profile.time_formats)
    if patterns:
        listed = "[" + ", ".join(lit(p) for p in patterns) + "]"
        parsed = f"try_strptime({raw}, {listed})"
        if any("%z" in p or "%Z" in p for p in patterns):
            return f"{parsed}::TIMESTAMPTZ"
        return _local(profile, what, parsed)
    offset = f"regexp_matches({raw}, '(Z|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$')"
    naive = _local(profile, what, f"TRY_CAST({raw} AS TIMESTAMP)")
    return f"CASE WHEN {offset} THEN {mapping.time_sql(raw, 'VARCHAR')} ELSE {naive} END"


def _local(profile: Profile, what: str, naive: str) -> str:
    """A naive time as UTC: in the zone a label column gives (ChargePoint's PST, MDT ...), the
    row's zone column, the profile's zone, else UTC."""
    c = profile.columns
    label = c.get(f"{what}_zone")
    if label:
        cases = " ".join(
            f"WHEN {lit(name)} THEN INTERVAL {lit(str(-int(offset)) + ' hours')}"
            for name, (offset, _) in ZONES.items()
        )
        shift = f"CASE upper(trim({q(label)})) {cases} END"
        return f"({naive})::TIMESTAMPTZ + ({shift})"
    if "timezone" in c:
        return f"timezone({ZONE}, {naive})"  # see source()
    if profile.timezone:
        return f"timezone({lit(profile.timezone)}, {naive})"
    return f"({naive})::TIMESTAMPTZ"


ZONE = "_seshis_zone"  # the row's zone, checked once per row (see source)


def source(profile: Profile, reader: str) -> str:
    """The rows a profile's select list reads: the file's, with the zone of a profile whose rows
    carry one, checked once per row. A zone DuckDB does not know is NULL, so the row's times are
    (an invalid row quoting the value), never a failed file; "N/A (UTC by default)" (Open
    e-Mobility) or a blank one is the profile's zone, else UTC."""
    if "timezone" not in profile.columns:
        return reader
    z = f"trim({q(profile.columns['timezone'])})"
    default = lit(profile.timezone or "UTC")
    zone = (
        f"CASE WHEN coalesce({z}, '') = '' OR starts_with(upper({z}), 'N/A') THEN {default} "
        f"WHEN {z} IN (SELECT name FROM pg_timezone_names()) THEN {z} END"
    )
    return f"(SELECT *, {zone} AS {ZONE} FROM {reader})"


def _number(profile: Profile, raw: str) -> str:
    if profile.decimal == ",":
        raw = f"replace({raw}, ',', '.')"
    elif profile.decimal == "auto":
        raw = f"CASE WHEN contains({raw}, '.') THEN {raw} ELSE replace({raw}, ',', '.') END"
    return f"TRY_CAST({raw} AS DOUBLE)"


def _zone_name(profile: Profile) -> str:
    """The site's zone, as the data's timezone column: the profile's, the row's, or the one a
    ChargePoint zone label stands for."""
    c = profile.columns
    if "timezone" in c:
        return f"NULLIF(trim({q(c['timezone'])}), '')"
    if profile.timezone:
        return lit(profile.timezone)
    label = c.get("start_zone")
    if label:
        cases = " ".join(f"WHEN {lit(n)} THEN {lit(z)}" for n, (_, z) in ZONES.items())
        return f"CASE upper(trim({q(label)})) {cases} END"
    return "NULL"


def _content_id(profile: Profile, headers: list[str] | None = None) -> str:
    """An id from everything the row says but its row number (Perth's `_id`, Boulder's
    `ObjectId`, which restart in every file or download): identical rows count once, rows that
    differ in any other column never merge. The fields seshis maps come first, as written
    (station, connector, start, end, energy, driver, site: "CP1 | 1 | 2017-08-31 | 22:12 | …"),
    so a listing shows what the session was; the file's other columns follow as their 64-bit
    hash ("… | #12149695185283952434"), short where their text would double the id's length
    (two rows alike in every mapped field merge only if their other columns collide, one
    chance in 2^64). 1M rows: 0.2 s of CPU more than the mapped fields alone."""
    c = profile.columns
    keys = [k for k in COLUMN_KEYS if k in c and k not in ("row_number", "session_id")]
    parts = ", ".join(f"coalesce({q(c[k])}, '')" for k in keys)  # as written
    shown = f"concat_ws(' | ', {parts})"
    mapped = {c[k] for k in keys} | {c.get("row_number")}
    rest = [h for h in headers or () if h not in mapped]
    if not rest:
        return shown
    return f"{shown} || ' | #' || hash({', '.join(q(h) for h in rest)})"


def describe(profile: Profile) -> str:
    """Two lines for `seshis --profiles`: the name, and the headers that recognise it."""
    recognised = ", ".join(profile.match[:4]) + (", …" if len(profile.match) > 4 else "")
    drivers = "" if profile.drivers else " (no driver column)"
    return f"{profile.name}{drivers}\n    headers {recognised}"
