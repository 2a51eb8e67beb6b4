"""The PowerFlex sessions API: pages of `limit`/`page` by session start, asked oldest first so that
sessions created during a sync cannot push others past the last page."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from .. import redact
from ..errors import ApiError
from ..store import lit
from . import mapping
from .remote import Page

DEFAULT_URL = "https://api.powerflex.io"
DEFAULT_PAGE_SIZE = 500


@dataclass(frozen=True)
class PowerFlexApi:
    api_url: str
    acn: str
    account: str
    anonymize: bool = False
    include_active: bool = False

    name = "PowerFlex"
    mapping = mapping.POWERFLEX
    default_page_size = DEFAULT_PAGE_SIZE
    filters_on_start = True
    follows_links = False  # pages are asked by number, in the sync's order

    def site_name(self, site: str | None) -> tuple[str, str | None]:
        """The site's name from its sessions, else its ACN; PowerFlex gives no location."""
        return site or f"ACN {self.acn}", None

    @property
    def key(self) -> str:
        """The store's name for what this client fetches: another URL or other query options
        return other rows, so they are kept apart."""
        options = ("-anonymized" if self.anonymize else "") + (
            "-with-active" if self.include_active else ""
        )
        url = redact.url(self.api_url.rstrip("/"))  # a password in the URL is never stored
        return f"powerflex:{self.acn}:{self.account}{options}@{url}"

    def overrides(self) -> dict[str, str]:
        """Columns the rows lack but the request knows."""
        return {"acn": lit(self.acn), "account": f"COALESCE(j->>'$.acc', {lit(self.account)})"}

    def page_url(self, lo: datetime, hi: datetime, size: int, page: int) -> str:
        """Sessions starting in [lo, hi), in milliseconds; always by start time, ascending, so
        sessions created during the sync join the end (--sort-by and --sort-order are accepted,
        as the PowerFlex tool's users give them, and not used)."""
        first, last = math.ceil(lo.timestamp() * 1000), math.ceil(hi.timestamp() * 1000) - 1
        query = urlencode(
            [
                ("acc", self.account),
                ("anonymize", str(self.anonymize).lower()),
                ("includeActive", str(self.include_active).lower()),
                ("sortBy", "session_start_time"),
                ("sortOrder", "ASC"),
                ("limit", size),
                ("page", page),
                ("date", f"gte:{first}"),
                ("date", f"lte:{last}"),
            ]
        )
        return f"{self.api_url.rstrip('/')}/v1/public/sessions/acn/{self.acn}?{query}"

    def parse(self, doc: object, url: str, headers: dict[str, str] | None = None) -> Page:
        if isinstance(doc, list):
            rows, total, path = doc, None, "$[*]"
        elif isinstance(doc, dict) and isinstance(doc.get("rows"), list):
            rows, path = doc["rows"], "$.rows[*]"
            total = doc.get("total_count")
            total = int(total) if isinstance(total, int | str) and str(total).isdigit() else None
        else:
            raise ApiError(
                f"{url} answered with JSON that holds no sessions (expected a list or "
                '{"rows": [...]}).'
            )
        return Page(len(rows), path, total, None)
