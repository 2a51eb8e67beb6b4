"""Sessions in object storage: `s3://bucket/key` objects and globs (S3 and compatible stores:
MinIO, R2, GCS's S3 interface) and `https://` files.

DuckDB reads them through fsspec filesystems registered on its connection (s3fs for S3, fsspec's
HTTP filesystem for https), never through an extension: nothing is downloaded at run time.
Parquet is read in place, as a view: a hive-partitioned lake (`date=2025-11-02/`, `year=2025/
month=11/`) is listed once, only the partitions the report's reach touches are read, and the
view filters on the start so Parquet's statistics skip row groups outside it. CSV and JSON
objects are fetched into the store's scratch folder and read as files are (their every-row
accounting reads them line by line), each named by its object.

Credentials come from the standard AWS chain (environment, `~/.aws` with AWS_PROFILE), the
endpoint from `s3_endpoint` (config or --s3-endpoint), else AWS_ENDPOINT_URL(_S3); no key is
ever shown (`redact.secrets`).
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from .. import redact
from ..errors import DataError, ExportError, SourceError
from ..store import InputStore, lit, q
from . import files, mapping, profiles
from .jsonlayout import HEAD, NO_SESSIONS

SCHEMES = ("s3://", "https://", "http://")
GLOB = re.compile(r"[*?\[]")
CONNECT_TIMEOUT = 10.0  # seconds to connect to the object store
ATTEMPTS = 2  # tries of one request (a refused endpoint fails within seconds, not minutes)
# one read per request: DuckDB asks for the byte ranges it needs (footers, column chunks), and a
# read-ahead cache would fetch whole objects of partitions and row groups the filter skips
CACHE = "none"
RANGE_BUDGET = 64 << 20  # bytes of recent ranges kept (a few partitions' objects)
# partition keys that hold a day (`date=2025-11-02`, `dt=20251102`)
DAY_KEYS = ("date", "dt", "day", "ds", "event_date", "start_date", "session_date")
_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=([^/]+)")


def is_remote(path: str | Path) -> bool:
    """Whether `path` names an object (s3://, https://) rather than a local file."""
    return isinstance(path, str) and path.lower().startswith(SCHEMES)


@dataclass(frozen=True)
class Storage:
    """How to reach object storage: the endpoint of an S3-compatible store (None: AWS, or
    AWS_ENDPOINT_URL) and the seconds to wait for each response."""

    endpoint: str | None = None
    timeout: float = 30.0

    def shown_endpoint(self) -> str:
        env = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        return redact.url(self.endpoint or env or "AWS (the region's endpoint)")


@dataclass(frozen=True)
class ObjectInfo(files.FileInfo):
    """What was read from object storage, for --debug: the objects listed and read, and where."""

    listed: int = 1
    read: int = 1
    partitions: str = ""  # the partition keys, when the objects are hive-partitioned
    endpoint: str = ""
    credentials: str = ""

    def describe(self) -> str:
        parts = f", hive partitions by {self.partitions}" if self.partitions else ""
        objects = f"{self.read} of {self.listed} objects" if self.listed > 1 else "1 object"
        return (
            f"object {self.path}: {self.format}, {self.flavour} fields, {self.rows} rows in "
            f"{objects}{parts}; endpoint {self.endpoint}{self.credentials}"
        )


@dataclass
class Remote:
    """The filesystems of one store's reads, registered on its DuckDB connection once each."""

    store: InputStore
    storage: Storage = field(default_factory=Storage)
    _systems: dict[str, Any] = field(default_factory=dict)

    def system(self, url: str) -> Any:
        scheme = "s3" if url.lower().startswith("s3://") else "https"
        if scheme not in self._systems:
            fs = s3_filesystem(self.storage) if scheme == "s3" else http_filesystem(self.storage)
            self.store.register_filesystem(fs)
            self._systems[scheme] = fs
        return self._systems[scheme]

    def load(
        self,
        url: str,
        profile: profiles.Profile | None,
        *,
        raw: bool,
        reach: tuple[datetime, datetime] | None,
    ) -> list[files.FileInfo]:
        """The objects `url` names (one object or a glob) into the store."""
        fs = self.system(url)
        names = self._match(fs, url)
        named = all(n.lower().endswith(".parquet") for n in names)  # no need to read a head
        if named or self._head(fs, names[0]).startswith(b"PAR1"):
            return [self._lake(url, names, reach, raw)]
        return [self._fetched(fs, name, profile, raw) for name in names]

    def _match(self, fs: Any, url: str) -> list[str]:
        """The objects of `url`, as URLs: itself, or what its glob matches (sorted)."""
        scheme = url.split("://", 1)[0].lower()
        try:
            if scheme != "s3" or not GLOB.search(url):
                info = fs.info(url)
                if info.get("type") == "directory":
                    raise SourceError(
                        f"{url} is a folder (a prefix); give the objects inside it, e.g. "
                        f"{url.rstrip('/')}/**/*.parquet."
                    )
                return [url]
            listed = fs.glob(url, detail=True)
            fs._sizes.update({k: v for k, v in listed.items() if v.get("type") == "file"})
            found = sorted(listed)
        except SourceError:
            raise
        except Exception as exc:  # whatever the store's client raises: said in one sentence
            raise failure(exc, url, self.storage) from None
        names = [f"s3://{n}" for n in found if not n.endswith("/")]
        if not names:
            raise SourceError(f"Nothing matches {url}; check the bucket, the prefix and the glob.")
        return names

    def _head(self, fs: Any, name: str) -> bytes:
        try:
            with fs.open(name, "rb") as fh:
                head: bytes = fh.read(HEAD)
        except Exception as exc:
            raise failure(exc, name, self.storage) from None
        if not head.strip():
            raise SourceError(f"{name} is empty; give an object of charging sessions.")
        return head

    def _lake(
        self, url: str, names: list[str], reach: tuple[datetime, datetime] | None, raw: bool
    ) -> files.FileInfo:
        """Parquet objects read once into the store: the partitions outside `reach` are never
        read, and the row groups outside it are skipped by their statistics of the start. (A
        view, as for a local file, would fetch them again for every query of the report.)"""
        keys = partition_keys(names[0])
        kept = [n for n in names if touches(n, reach)] or names[-1:]  # the newest: its schema
        objects = "[" + ", ".join(lit(n) for n in kept) + "]"
        hive = ", hive_partitioning=true" if keys else ""
        reader = f"read_parquet({objects}{hive})"
        try:
            types = dict(self.store.describe(f"SELECT * FROM {reader}"))
        except DataError as exc:
            raise self._damaged(url, exc) from exc
        found = mapping.flavour(set(types))
        if found is None:
            raise SourceError(
                f"{url} is Parquet without session columns: expected session_id and kwh, or "
                "PowerFlex or ACN-Data field names."
            )
        start = _start_column(found, types)
        if reach is not None and start is not None:  # row groups outside are skipped
            lo, hi = (_time_lit(t, types[start]) for t in reach)
            reader = f"(SELECT * FROM {reader} WHERE {q(start)} >= {lo} AND {q(start)} < {hi})"
        select = mapping.select_list(
            found.fields,
            ref=lambda n: q(n) if n in types else None,
            type_of=lambda n: types.get(n, "VARCHAR"),
            origin=lit(url),
        )
        try:
            table = self.store.add(files._select(select, reader, raw=raw), url, materialize=True)
        except DataError as exc:
            raise self._damaged(url, exc) from exc
        rows = self.store.count(table)
        if not rows and reach is None:
            raise SourceError(NO_SESSIONS.format(url))
        return ObjectInfo(
            url,
            "Parquet",
            found.name,
            rows,
            0,
            listed=len(names),
            read=len(kept),
            partitions="/".join(keys),
            endpoint=self._endpoint(url),
            credentials=self._credentials(url),
        )

    def _damaged(self, url: str, exc: DataError) -> SourceError:
        detail = redact.secrets(files._detail(exc))
        return SourceError(f"{url} could not be read as Parquet ({detail}); it may be damaged.")

    def _fetched(
        self, fs: Any, name: str, profile: profiles.Profile | None, raw: bool
    ) -> files.FileInfo:
        """A CSV or JSON object, fetched into the scratch folder and read as a file is; its
        rows, its messages and --debug name the object."""
        local = self.store.scratch_file(PurePosixPath(name).suffix or ".data")
        try:
            fs.get_file(name, str(local))
        except Exception as exc:
            raise failure(exc, name, self.storage) from None
        before = len(self.store.inputs)
        try:
            info = files.load(self.store, local, profile, raw=raw)
        except (SourceError, DataError) as exc:
            raise type(exc)(str(exc).replace(str(local), name)) from exc.__cause__
        for index in range(before, len(self.store.inputs)):
            self.store.rename_origin(index, str(local), name)
        return ObjectInfo(
            name,
            info.format,
            info.flavour,
            info.rows,
            info.rejected,
            info.drivers,
            endpoint=self._endpoint(name),
            credentials=self._credentials(name),
        )

    def _endpoint(self, url: str) -> str:
        return self.storage.shown_endpoint() if url.lower().startswith("s3://") else "https"

    def _credentials(self, url: str) -> str:
        """Where the credentials come from (never them), as the AWS chain looks for them."""
        if not url.lower().startswith("s3://"):
            return ""
        if os.environ.get("AWS_ACCESS_KEY_ID"):
            return ", credentials from env"
        if os.environ.get("AWS_PROFILE"):
            return f", credentials from the profile {os.environ['AWS_PROFILE']!r} (~/.aws)"
        return ", credentials from the AWS chain (~/.aws, or the instance's role)"


@dataclass(frozen=True)
class Staged:
    """An --output in object storage (`s3://bucket/key`, or a prefix ending in `/`): the local
    place the renderer writes to, and the object each file written there becomes."""

    url: str
    root: Path  # a local folder of this run
    folder: bool = False  # the URL is a prefix even without a trailing `/` (--graph's folder)

    @property
    def _prefixed(self) -> bool:
        return self.folder or self.url.endswith("/")

    @property
    def local(self) -> str:
        """The --output the renderer is given: the folder, or a file named as the key."""
        if self._prefixed:
            return str(self.root) + os.sep
        return str(self.root / PurePosixPath(self.url).name)

    def url_of(self, path: Path) -> str:
        """The object a file of the folder becomes (a second file beside the first, such as
        the stations CSV, beside its key)."""
        prefix = self.url.rstrip("/") if self._prefixed else self.url.rsplit("/", 1)[0]
        return f"{prefix}/{Path(path).name}"

    def upload(self, storage: Storage) -> None:
        """Every file written, each as one object (it appears whole, or not at all)."""
        fs = s3_filesystem(storage)
        for path in sorted(self.root.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                target = self.url_of(path)
                try:
                    fs.put_file(str(path), target)
                except Exception as exc:
                    raise ExportError(str(failure(exc, target, storage, "written"))) from None


class Ranges:
    """The byte ranges fetched lately, shared by every open object of a run: DuckDB opens a
    Parquet object twice in one scan (its footer, then its row groups) and reads a small one
    whole each time, which would fetch it twice."""

    def __init__(self, budget: int = RANGE_BUDGET) -> None:
        self.budget = budget
        self._held: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def fetcher(self, name: str, fetch: Callable[[int, int], bytes]) -> Callable[[int, int], bytes]:
        def fetched(start: int, end: int) -> bytes:
            key = (name, start, end)
            with self._lock:
                if key in self._held:
                    self._held.move_to_end(key)
                    return self._held[key]
            data = fetch(start, end)
            with self._lock:
                if key not in self._held and len(data) <= self.budget:
                    self._held[key] = data
                    self._size += len(data)
                while self._size > self.budget:
                    _key, old = self._held.popitem(last=False)
                    self._size -= len(old)
            return data

        return fetched


def s3_filesystem(storage: Storage) -> Any:
    """s3fs over the AWS credential chain; bounded waits, no read-ahead, each object's size
    asked once a run and each range fetched once (DuckDB opens an object several times)."""
    import s3fs

    class S3(s3fs.S3FileSystem):
        _sizes: dict[str, Any]
        _ranges: Ranges

        def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
            opened = super()._open(path, mode, **kwargs)
            if "r" in mode:
                opened.cache.fetcher = self._ranges.fetcher(opened.path, opened.cache.fetcher)
            return opened

        async def _info(self, path: str, *args: Any, **kwargs: Any) -> Any:
            name = self._strip_protocol(path)
            known = self._sizes.get(name)
            if known is None:
                known = await super()._info(path, *args, **kwargs)
                if known.get("type") == "file":
                    self._sizes[name] = known
            return known

    fs = S3(
        endpoint_url=storage.endpoint,
        default_cache_type=CACHE,
        skip_instance_cache=True,
        config_kwargs={
            "connect_timeout": min(CONNECT_TIMEOUT, storage.timeout),
            "read_timeout": storage.timeout,
            "retries": {"max_attempts": ATTEMPTS, "mode": "standard"},
        },
    )
    fs.retries = ATTEMPTS  # s3fs's own retries of dropped connections, beyond botocore's
    fs._sizes = {}
    fs._ranges = Ranges()
    return fs


def http_filesystem(storage: Storage) -> Any:
    import aiohttp
    import fsspec

    timeout = aiohttp.ClientTimeout(total=None, connect=CONNECT_TIMEOUT, sock_read=storage.timeout)
    return fsspec.filesystem(
        "https", skip_instance_cache=True, cache_type=CACHE, client_kwargs={"timeout": timeout}
    )


# --- partitions -------------------------------------------------------------------------------


def partition_keys(name: str) -> tuple[str, ...]:
    """The hive partition keys in an object's folders (`year`, `month`), in order."""
    folders = name.split("://", 1)[-1].rsplit("/", 1)[0]
    return tuple(k for k, _v in _PART.findall(folders))


def days(name: str) -> tuple[date, date] | None:
    """The first and last day an object's partition holds, from its folders: a day key
    (`date=2025-11-02`, `dt=20251102`), or `year=`, `month=` and `day=`; None when they do not
    say (the object is always read)."""
    folders = name.split("://", 1)[-1].rsplit("/", 1)[0]
    parts = {k.lower(): v for k, v in _PART.findall(folders)}
    for key in DAY_KEYS:
        if key in parts and (day := _day(parts[key])) is not None:
            return day, day
    try:
        year = int(parts["year"])
        if "month" not in parts:
            return date(year, 1, 1), date(year, 12, 31)
        month = int(parts["month"])
        if "day" in parts:
            day = date(year, month, int(parts["day"]))
            return day, day
        first = date(year, month, 1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    except (KeyError, ValueError):
        return None


def _day(text: str) -> date | None:
    text = text.strip()
    for candidate in (text[:10], text[:8]):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            continue
    return None


def touches(name: str, reach: tuple[datetime, datetime] | None) -> bool:
    """Whether an object may hold sessions in `reach` (UTC): its partition's days, a day wider
    on each side (a partition may be the writer's local day)."""
    span = days(name) if reach is not None else None
    if reach is None or span is None:
        return True
    first, last = span
    day = timedelta(days=1)
    return first - day <= reach[1].date() and last + day >= reach[0].date()


def _start_column(found: mapping.Flavour | None, types: dict[str, str]) -> str | None:
    """The column the start is read from, when it is typed (statistics can skip row groups)."""
    if found is None or "start" not in found.fields:
        return None
    names = [n for n in found.fields["start"].names if n in types]
    if names and types[names[0]].startswith("TIMESTAMP"):
        return names[0]
    return None


def _time_lit(moment: datetime, sql_type: str) -> str:
    """A UTC instant as a literal of the column's type (TIMESTAMP: UTC wall time)."""
    if "TIME ZONE" in sql_type or sql_type.endswith("TZ"):
        return f"{lit(moment.isoformat())}::TIMESTAMPTZ"
    utc = moment.astimezone(UTC)
    return f"TIMESTAMP {lit(utc.replace(tzinfo=None).isoformat(sep=' '))}"


# --- failures ---------------------------------------------------------------------------------


def failure(exc: BaseException, name: str, storage: Storage, verb: str = "read") -> SourceError:
    """What went wrong reaching object `name` (to be read, or written), in one sentence naming
    it (and no key)."""
    detail = redact.secrets(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
    kind = type(exc).__name__
    text = f"{kind} {detail}".lower()
    endpoint = storage.shown_endpoint()
    if isinstance(exc, FileNotFoundError) and "bucket" in text:
        message = f"The bucket of {name} does not exist at {endpoint}; check its name."
    elif isinstance(exc, FileNotFoundError) and verb == "read":
        message = f"{name} does not exist; check the key given to --source."
    elif "nocredentials" in text or "unable to locate credentials" in text:
        message = (
            f"No credentials for {name}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
            "AWS_PROFILE."
        )
    elif isinstance(exc, PermissionError) or any(
        w in text for w in ("accessdenied", "invalidaccesskeyid", "signaturedoesnotmatch", "403")
    ):
        message = (
            f"{name} cannot be {verb} with these credentials ({detail or kind}); check "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE."
        )
    elif any(w in text for w in ("connect", "timeout", "timed out", "refused")):
        message = (
            f"The object store at {endpoint} did not answer for {name} (refused or timed "
            "out); check the endpoint (AWS_ENDPOINT_URL or s3_endpoint) and that it is running."
        )
    else:
        message = f"{name} could not be {verb} ({detail or kind})."
    return SourceError(message)
