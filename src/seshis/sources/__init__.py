"""Where sessions come from: the demo site, session files and the live APIs. Each fills a
store with the normalized `sessions` and returns a Dataset; none knows anything of analysis.

The entry points for the demo and for files are here; `files` recognises and reads each file,
and `live` syncs the live APIs into their on-disk store.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .. import dates
from ..dataset import Dataset
from ..errors import DataError, UsageError
from ..store import InputStore, Store

if TYPE_CHECKING:
    from .objects import Storage

NETWORK = "Network"  # the name of a network of sites that no one named


def load_demo(
    now: datetime | None = None, timezone: str | None = None, network: bool = False
) -> Dataset:
    """The built-in demo site: 90 days of sessions ending at `now` (default: this moment);
    with `network`, the demo network of four sites in three time zones."""
    from . import demo

    store = InputStore.create()
    demo.load_demo(store, now or datetime.now(UTC), network)
    store.finalize()
    tz = timezone or demo.TIMEZONE
    dates.zone(tz)
    if network:
        return Dataset(
            store,
            demo.NETWORK_NAME,
            None,
            tz,
            store.span(),
            ("demo network",),
            sites=demo.network_sites(),
            zone_given=timezone is not None,
        )
    return Dataset(store, demo.SITE, demo.LOCATION, tz, store.span(), ("demo site",))


def load_files(
    paths: Iterable[str | Path],
    timezone: str | None = None,
    profile: str | Path | None = None,
    raw: bool = False,
    *,
    profile_fits_only: bool = False,
    window: tuple[datetime, datetime] | None = None,
    storage: Storage | None = None,
) -> Dataset:
    """Session files of any shape seshis knows, merged (a session_id seen twice counts once).
    The site and time zone come from the data unless `timezone` is given. A CSV export of
    another network is read with its built-in profile, recognised from its headers, or with
    `profile`, a mapping profile file (see README): for every CSV, or with `profile_fits_only`
    (a profile of the config file) for those that have its columns or that seshis does not
    recognise by itself. With `raw`, each row is also kept as the file gave it
    (`Report.sessions.write_raw_json`), at the cost of a slower JSON parse.

    A path may also be an object (`s3://bucket/key`, a glob of them, an `https://` URL), read
    with `storage` (endpoint, timeout); `window`, the UTC instants a report will read (see
    `dates.reach`), keeps the partitions of a partitioned lake outside it from being read."""
    from . import acndata, files, objects, profiles

    mapped = profiles.load(Path(profile)) if profile else None
    given = [p if objects.is_remote(p) else Path(p) for p in paths]
    store = InputStore.create()
    remote = objects.Remote(store, storage or objects.Storage())
    infos: list[files.FileInfo] = []
    for path in given:
        if isinstance(path, Path):
            infos.append(files.load(store, path, mapped, raw=raw, fits_only=profile_fits_only))
        else:
            infos.extend(remote.load(path, mapped, raw=raw, reach=window))
    store.finalize()
    site, sites = store.one(  # the usual site, and how many the first rows name
        "SELECT mode(site), count(DISTINCT site) FROM "
        "(SELECT site FROM sessions WHERE site IS NOT NULL LIMIT 100000)"
    )
    name, location = acndata.site_name(site)
    if sites and sites > 1:  # a network's export: the report lists its sites
        name, location = NETWORK, None
    tz = timezone or site_zone(store) or dates.system_timezone()
    dates.zone(tz)
    return Dataset(
        store,
        name or (_stem(given[0]) if given else "Site"),
        location,
        tz,
        store.span(),
        tuple(info.describe() for info in infos),
        drivers=all(info.drivers for info in infos),
        zone_given=timezone is not None,
    )


def _stem(path: Path | str) -> str:
    """A file's name without its suffix; an object's, or its glob's folder."""
    if isinstance(path, Path):
        return path.stem
    return PurePosixPath(path.split("://", 1)[-1].split("*")[0]).stem


def site_zone(store: Store, sample: int = 100_000) -> str | None:
    """The data's most common time zone that both DuckDB (the analysis) and zoneinfo (dates,
    charts) know; None when the data names none. A zone in the data is data, not a flag:
    when the data names only zones seshis cannot use (`Z`, `GMT+5`, `posixrules`), that is
    a DataError (exit 1) naming where it comes from, not a usage error."""
    counted = store.rows(
        "SELECT timezone, min(origin) FROM (SELECT timezone, origin FROM sessions "
        f"WHERE timezone IS NOT NULL LIMIT {int(sample)}) "
        "GROUP BY timezone ORDER BY count(*) DESC, timezone LIMIT 50"
    )
    if not counted:
        return None
    known = {name for (name,) in store.rows("SELECT name FROM pg_timezone_names()")}
    for zone, _origin in counted:
        if zone in known:
            try:
                dates.zone(zone)
            except UsageError:
                continue
            return zone
    zone, origin = counted[0]
    shown = zone if len(zone) <= 40 else zone[:40] + "…"
    raise DataError(
        f"{origin} gives the time zone {shown!r}, which seshis does not know; give the "
        "site's zone with --tz (an IANA name such as America/Los_Angeles)."
    )
