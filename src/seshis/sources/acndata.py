"""The public ACN-Data API (Caltech, JPL, Office001): Eve-style pages with `_links.next`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urljoin

from .. import redact
from ..errors import ApiError
from . import mapping
from .remote import Page

DEFAULT_URL = "https://ev.caltech.edu"
DEFAULT_PAGE_SIZE = 100  # what the ACN-Data client library asks for
# The ACN-Data sites by siteID: name and location, for report headers.
SITES = {
    "0001": ("JPL", "Pasadena, CA"),
    "0002": ("Caltech", "Pasadena, CA"),
    "0019": ("Office001", None),
}


def site_name(site: str | None) -> tuple[str | None, str | None]:
    """An ACN-Data siteID as the site's name and location; other names as they are."""
    return SITES.get(site or "", (site, None))


def http_date(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S GMT")


@dataclass(frozen=True)
class AcnDataApi:
    api_url: str
    site: str

    name = "ACN-Data"
    mapping = mapping.ACNDATA
    default_page_size = DEFAULT_PAGE_SIZE
    filters_on_start = True
    follows_links = False  # pages are asked by number, in the sync's order

    def site_name(self, site: str | None) -> tuple[str, str | None]:
        name, location = site_name(site)
        return name or self.site.title(), location

    @property
    def key(self) -> str:
        return f"acndata:{self.site}@{redact.url(self.api_url.rstrip('/'))}"

    def overrides(self) -> dict[str, str]:
        return {}

    @property
    def base(self) -> str:
        return f"{self.api_url.rstrip('/')}/api/v1/"

    def page_url(self, lo: datetime, hi: datetime, size: int, page: int) -> str:
        """Sessions connected in [lo, hi), oldest first."""
        where = f'connectionTime>="{http_date(lo)}" and connectionTime<"{http_date(hi)}"'
        query = urlencode(
            [("where", where), ("sort", "connectionTime"), ("max_results", size), ("page", page)]
        )
        return f"{self.base}sessions/{self.site}?{query}"

    def parse(self, doc: object, url: str, headers: dict[str, str] | None = None) -> Page:
        if not isinstance(doc, dict) or not isinstance(doc.get("_items"), list):
            raise ApiError(f'{url} answered with JSON that holds no sessions (no "_items" list).')
        meta, links = (v if isinstance(v := doc.get(k), dict) else {} for k in ("_meta", "_links"))
        total = meta.get("total") if isinstance(meta.get("total"), int) else None
        following = links.get("next")
        nxt = following.get("href") if isinstance(following, dict) else None
        return Page(
            len(doc["_items"]), "$._items[*]", total, urljoin(self.base, nxt) if nxt else None
        )
