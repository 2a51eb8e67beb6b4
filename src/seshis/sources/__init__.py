"""Where sessions come from: the demo site, session files and the live APIs. Each fills a
store with the normalized `sessions` and returns a Dataset; none knows anything of analysis."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from .. import dates
from ..store import Dataset, Store


def load_demo(now: datetime | None = None, timezone: str | None = None) -> Dataset:
    """The built-in demo site: 90 days of sessions ending at `now` (default: this moment)."""
    from . import demo

    store = Store.memory()
    demo.load_demo(store, now or datetime.now(UTC))
    store.finalize()
    tz = timezone or demo.TIMEZONE
    dates.zone(tz)
    return Dataset(store, demo.SITE, demo.LOCATION, tz, store.span(), ("demo site",))


def load_files(paths: Iterable[str | Path], timezone: str | None = None) -> Dataset:
    """Session files of any shape seshis knows, merged (a session_id seen twice counts once).
    The site and time zone come from the data unless `timezone` is given."""
    from . import acndata
    from .files import load_file

    paths = [Path(p) for p in paths]
    store = Store.memory()
    infos = [load_file(store, path) for path in paths]
    store.finalize()
    site, data_tz = store.identity()
    name, location = acndata.site_name(site)
    tz = timezone or data_tz or dates.system_timezone()
    dates.zone(tz)
    return Dataset(
        store,
        name or (paths[0].stem if paths else "Site"),
        location,
        tz,
        store.span(),
        tuple(info.describe() for info in infos),
    )
