"""OCPI, the standard for sharing sessions between operators: a CPO's CDRs (or Sessions)
endpoint, versions 2.2.1 and 2.1.1, pulled with `offset`/`limit` pagination.

The response is an envelope `{"data": [...], "status_code", "status_message", "timestamp"}`;
a `status_code` of 2xxx or 3xxx in an HTTP 200 is an error. `X-Total-Count` is the total,
`X-Limit` the server's largest page, `Link: <...>; rel="next"` the next page. `date_from` and
`date_to` filter on `last_updated`, not on the session's start: a CDR is written when its session
ends, so the window asked for reaches `WIDEN` past the window's end, and the store keeps each
session by its own start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from .. import redact
from ..errors import ApiError, AuthError
from . import mapping
from .remote import Page

DEFAULT_PAGE_SIZE = 100
WIDEN = timedelta(days=8)  # sessions up to 7 days long (longer is a data-quality finding), and
# a day for the CDR to be written
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?', re.I)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class OcpiApi:
    url: str  # the CPO's CDRs (or Sessions) endpoint
    version: str = "2.2.1"

    name = "OCPI"
    mapping = mapping.OCPI
    default_page_size = DEFAULT_PAGE_SIZE
    filters_on_start = False  # date_from/date_to are on last_updated
    follows_links = True  # Link: <...>; rel="next", beyond the pages X-Total-Count implies

    @property
    def key(self) -> str:
        return f"ocpi:{self.version}@{redact.url(self.url.rstrip('/'))}"

    def overrides(self) -> dict[str, str]:
        return {}

    def site_name(self, site: str | None) -> tuple[str, str | None]:
        return site or "OCPI", None

    def page_url(self, lo: datetime, hi: datetime, size: int, page: int) -> str:
        query = urlencode(
            [
                ("date_from", _iso(lo)),
                ("date_to", _iso(hi + WIDEN)),
                ("offset", (page - 1) * size),
                ("limit", size),
            ]
        )
        return f"{self.url.rstrip('/')}?{query}"

    def parse(self, doc: object, url: str, headers: dict[str, str] | None = None) -> Page:
        headers = headers or {}
        if isinstance(doc, list):
            rows, path = doc, "$[*]"
        elif isinstance(doc, dict) and isinstance(doc.get("data"), list):
            _check_status(doc, url)
            rows, path = doc["data"], "$.data[*]"
        else:
            if isinstance(doc, dict):
                _check_status(doc, url)
            raise ApiError(
                f'{url} answered with JSON that holds no sessions (no OCPI "data" list).'
            )
        link = _NEXT.search(headers.get("link", ""))
        return Page(
            len(rows),
            path,
            _int(headers.get("x-total-count")),
            link.group(1) if link else None,
            _int(headers.get("x-limit")),
        )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _check_status(doc: dict, url: str) -> None:
    """OCPI errors come as status codes in the body: 2xxx the request, 3xxx the server."""
    code = doc.get("status_code")
    if not isinstance(code, int) or code < 2000:
        return
    said = str(doc.get("status_message") or "no message")
    if code in (2001, 2004) and "token" in said.lower():
        raise AuthError(f"The OCPI server refused the token ({code}: {said}); check SESHIS_TOKEN.")
    kind = "the request" if code < 3000 else "the server"
    raise ApiError(f"{url} answered OCPI status {code} ({said}): {kind} failed.")
