"""Who is who: driver ids and RFID tags mapped to a person's name and group, from a CSV or TOML
file the config names, so a statement reads "J. Smith (company cars)" and not `000001524`.

CSV: a header with `id` (or `driver`, `tag`, `user_id`, `rfid`), `name` and optionally `group`;
one id a line (several ids of one person: several lines with the same name). TOML:
`[[drivers]]` tables with `id` (or `ids = [...]`), `name` and optionally `group`. Ids match
case-insensitively, without surrounding spaces."""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

ID_HEADERS = ("id", "driver", "driver_id", "tag", "user_id", "rfid", "idtag", "id_tag")


@dataclass(frozen=True)
class Person:
    name: str
    group: str | None = None


@dataclass(frozen=True)
class People:
    """The mapping of ids (case-folded) to people, and the file it came from."""

    by_id: tuple[tuple[str, Person], ...]
    source: str = ""

    def get(self, driver_id: str) -> Person | None:
        return dict(self.by_id).get(driver_id.strip().casefold())


def load(path: Path) -> People:
    """The people of a CSV or TOML file (by its suffix; .toml is TOML, anything else CSV).
    A file that cannot be read or holds no mapping is a usage error naming it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"The drivers file {path} cannot be read ({exc}).") from None
    pairs = _toml(text, path) if path.suffix.lower() == ".toml" else _csv(text, path)
    seen: dict[str, Person] = {}
    for driver_id, person in pairs:
        key = driver_id.strip().casefold()
        if key in seen and seen[key] != person:
            raise UsageError(
                f"The drivers file {path} maps {driver_id!r} to both {seen[key].name!r} and "
                f"{person.name!r}; keep one."
            )
        seen[key] = person
    if not seen:
        raise UsageError(f"The drivers file {path} maps no driver (id, name, group).")
    return People(tuple(seen.items()), str(path))


def _csv(text: str, path: Path) -> list[tuple[str, Person]]:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        return []
    header = [h.strip().casefold() for h in rows[0]]
    at = next((header.index(h) for h in ID_HEADERS if h in header), None)
    if at is None or "name" not in header:
        raise UsageError(
            f"The drivers file {path} needs a header with an id column ({', '.join(ID_HEADERS)}) "
            "and name (and group, optionally)."
        )
    name_at = header.index("name")
    group_at = header.index("group") if "group" in header else None
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        driver_id, name = cells[at].strip(), cells[name_at].strip()
        if not driver_id or not name:
            raise UsageError(f"The drivers file {path}, line {line}: an id and a name are needed.")
        group = cells[group_at].strip() if group_at is not None else ""
        out.append((driver_id, Person(name, group or None)))
    return out


def _toml(text: str, path: Path) -> list[tuple[str, Person]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"The drivers file {path} is not valid TOML ({exc}).") from None
    entries = data.get("drivers")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise UsageError(
            f"The drivers file {path} needs [[drivers]] tables with id (or ids), name and group."
        )
    out = []
    for n, entry in enumerate(entries, start=1):
        ids = entry.get("ids", [entry["id"]] if "id" in entry else [])
        name, group = entry.get("name"), entry.get("group")
        if (
            not isinstance(ids, list)
            or not ids
            or not all(isinstance(i, str | int) and str(i).strip() for i in ids)
            or not isinstance(name, str)
            or not name.strip()
            or not isinstance(group, str | None)
        ):
            raise UsageError(
                f"The drivers file {path}, [[drivers]] {n}: needs id (or ids), a name, and a "
                "group as text if any."
            )
        person = Person(name.strip(), group.strip() or None if group else None)
        out += [(str(i).strip(), person) for i in ids]
    return out
