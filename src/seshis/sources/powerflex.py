"""The PowerFlex sessions API: pages of `limit`/`page`, newest first (DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

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
    sort_by: str = "session_start_time"
    sort_order: str = "DESC"

    name = "PowerFlex"
    mapping = mapping.POWERFLEX
    default_page_size = DEFAULT_PAGE_SIZE

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
        return f"powerflex:{self.acn}:{self.account}{options}@{self.api_url.rstrip('/')}"

    def overrides(self) -> dict[str, str]:
        """Columns the rows lack but the request knows."""
        return {"acn": lit(self.acn), "account": f"COALESCE(j->>'$.acc', {lit(self.account)})"}

    def page_url(self, lo: datetime, hi: datetime, size: int, page: int) -> str:
        query = urlencode(
            [
                ("acc", self.account),
                ("anonymize", str(self.anonymize).lower()),
                ("includeActive", str(self.include_active).lower()),
                ("sortBy", self.sort_by),
                ("sortOrder", self.sort_order),
                ("limit", size),
                ("page", page),
                ("date", f"gte:{int(lo.timestamp() * 1000)}"),
                ("date", f"lte:{int(hi.timestamp() * 1000)}"),
            ]
        )
        return f"{self.api_url.rstrip('/')}/v1/public/sessions/acn/{self.acn}?{query}"

    def parse(self, doc: object, url: str, size: int, page: int, lo, hi) -> Page:
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
        # A full page means more may follow. So may a short first page without a total: the
        # server may cap the page size, and one more request tells.
        more = len(rows) >= size or (page == 1 and total is None and len(rows) > 0)
        return Page(len(rows), path, total, self.page_url(lo, hi, size, page + 1) if more else None)
