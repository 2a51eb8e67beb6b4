"""An operator's sites, as the config file lists them (`[[sites]]`): each site's name, where the
live APIs find it (a PowerFlex ACN and account, or an ACN-Data site), its time zone, and the
other names it has in files (renamed sites, reported as one). Light: the settings read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .declare import time_zone
from .errors import UsageError

if TYPE_CHECKING:
    from .settings import Settings

KEYS = ("name", "acn", "account", "site", "timezone", "aliases")


@dataclass(frozen=True)
class SiteEntry:
    """One site of a portfolio. `acn` (with `account`) finds it in PowerFlex, `site` in
    ACN-Data; an entry with neither only names a site of the files (its aliases)."""

    name: str | None = None
    acn: str | None = None
    account: str | None = None  # None: the run's --account
    site: str | None = None  # the ACN-Data API site (caltech, jpl, office001)
    timezone: str | None = None  # None: the run's zone (--tz, else the default)
    aliases: tuple[str, ...] = ()  # other names of this site in the data


def parse(value: Any) -> tuple[SiteEntry, ...]:
    """The config's `[[sites]]` as entries; ValueError says what is wrong ("must ...")."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError("must be an array of tables ([[sites]] with name = ..., acn = ...)")
    entries = [_entry(number, table) for number, table in enumerate(value, start=1)]
    seen: set[str] = set()
    for entry in entries:
        for name in (entry.name, *entry.aliases):
            if name and name.casefold() in seen:
                raise ValueError(f"names the site {name!r} twice")
            seen.add((name or "").casefold())
    return tuple(entries)


def _entry(number: int, table: dict[str, Any]) -> SiteEntry:
    where = f"entry {number}"
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ValueError(f"{where} has an unknown key '{unknown[0]}' (known: {', '.join(KEYS)})")
    text: dict[str, str | None] = {}
    for key in ("name", "acn", "account", "site", "timezone"):
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int | type(None)):
            raise ValueError(f"{where}: {key} must be text")
        text[key] = str(value).strip() if value is not None else None
    aliases = table.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise ValueError(f"{where}: aliases must be a list of names")
    if text["acn"] and text["site"]:
        raise ValueError(f"{where} has both an acn (PowerFlex) and a site (ACN-Data); give one")
    if not (text["name"] or text["acn"] or text["site"]):
        raise ValueError(f"{where} needs a name, an acn or an ACN-Data site")
    if aliases and not text["name"]:
        raise ValueError(f"{where}: aliases need the site's name")
    zone = text["timezone"]
    wrong = time_zone(zone) if zone else None
    if wrong:
        raise ValueError(f"{where}: timezone {wrong}")
    return SiteEntry(
        name=text["name"],
        acn=text["acn"],
        account=text["account"],
        site=text["site"].lower() if text["site"] else None,
        timezone=zone,
        aliases=tuple(a.strip() for a in aliases),
    )


def named(entries: tuple[SiteEntry, ...], wanted: str) -> tuple[SiteEntry, ...]:
    """The entries named `wanted` (case-insensitive)."""
    return tuple(e for e in entries if (e.name or "").casefold() == wanted.strip().casefold())


def fetched_sites(settings: Settings) -> bool:
    """Whether --site names the ACN-Data API sites to fetch (not one site to report): a live
    ACN-Data run without a portfolio of ACN-Data sites."""
    return (
        settings.source_kind == "api"
        and settings.api == "acndata"
        and not any(e.site for e in settings.sites)
    )


def report_site(settings: Settings) -> str | None:
    """The one site to report (--site), or None for every site."""
    if fetched_sites(settings) or not settings.site:
        return None
    return settings.site[0]


def site_aliases(settings: Settings) -> tuple[tuple[str, str], ...]:
    """(name in the data, the site's name): the portfolio's aliases, then the profile's."""
    pairs = [(alias, e.name) for e in settings.sites if e.name for alias in e.aliases]
    if settings.profile and settings.source_kind == "files":
        from pathlib import Path

        from .sources import profiles

        pairs += profiles.load(Path(settings.profile).expanduser()).aliases
    return tuple(pairs)


def check(settings: Settings) -> None:
    """The rules of --site with the source (usage errors, exit 2)."""
    from .settings import ACN_SITES

    if fetched_sites(settings):
        for site in settings.site:
            if site.lower() not in ACN_SITES:
                raise UsageError(
                    f"--site {site}: the ACN-Data sites are {', '.join(ACN_SITES)} "
                    "(or list your sites in the config file's [[sites]])."
                )
    elif len(settings.site) > 1:
        raise UsageError(
            "--site reports one site at a time (several --site are the ACN-Data sites to "
            "fetch, with --api acndata); run once per site, or leave --site out for all."
        )
