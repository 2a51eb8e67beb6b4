"""A fake server that speaks the PowerFlex sessions API and the ACN-Data API, with failures.

Real HTTP on loopback (pytest-httpserver, threaded), the real response shapes of DESIGN.md,
and knobs for what real servers do: 429 with Retry-After, bursts of 500s, slow pages, truncated
JSON, expired tokens, rows repeated across pages. Used by tests/test_live.py and bench/.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

TOKEN = "tok-SECRET-1234567890"
T0 = datetime(2026, 11, 1, tzinfo=UTC)
RFC1123 = "%a, %d %b %Y %H:%M:%S GMT"


def powerflex_rows(n: int, start: datetime = T0, step_s: int = 600) -> list[dict]:
    """n sessions, one every `step_s`; every 10th empty, every 10th (+5) micro, every 7th
    unclaimed; the rest 4 h at 20 A (16.64 kWh)."""
    rows = []
    for i in range(n):
        begin = start + timedelta(seconds=i * step_s)
        kwh = 0.0 if i % 10 == 0 else 0.4 if i % 10 == 5 else 16.64
        rows.append(
            {
                "session_id": f"pf-{i:07d}",
                "site": "Fake Garage",
                "pfid": f"ST-{i % 25:02d}",
                "parking_space": f"P{i % 25}",
                "user": None if i % 7 == 0 else f"user{i % 40}@example.com",
                "created_at": begin.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "updated_at": (begin + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "session_start_time": int(begin.timestamp() * 1000),
                "session_kwh": kwh,
                "status": "COMPLETED",
            }
        )
    return rows


def acn_items(rows: list[dict]) -> list[dict]:
    """The same sessions, shaped as ACN-Data items."""
    items = []
    for r in rows:
        begin = datetime.fromtimestamp(r["session_start_time"] / 1000, UTC)
        items.append(
            {
                "_id": "x" + r["session_id"],
                "clusterID": "0039",
                "connectionTime": begin.strftime(RFC1123),
                "disconnectTime": (begin + timedelta(hours=4)).strftime(RFC1123),
                "doneChargingTime": None,
                "kWhDelivered": r["session_kwh"],
                "sessionID": r["session_id"],
                "siteID": "0002",
                "spaceID": r["parking_space"],
                "stationID": r["pfid"],
                "timezone": "America/Los_Angeles",
                "userID": r["user"],
                "userInputs": None,
            }
        )
    return items


@dataclass
class FakeApi:
    rows: list[dict] = field(default_factory=list)
    # failure knobs
    errors_500: int = 0  # the next N requests answer 500
    rate_limited: int = 0  # the next N requests answer 429 with Retry-After
    retry_after: str = "1"
    expired: bool = False
    truncate_page: int | None = None  # this page's body is cut in half
    slow_page: int | None = None  # this page sleeps `delay` seconds
    delay: float = 0.0
    every_page_delay: float = 0.0
    repeat_across_pages: bool = False  # each page also repeats the previous page's last row
    bare_list: bool = False  # PowerFlex answers a bare list, without total_count
    hide_total: bool = False
    total_offset: int = 0  # the total the API claims, minus the true total
    cap: int | None = None  # the server sends at most this many rows a page, whatever asked
    html: bool = False  # answers 200 with an HTML page (a login portal, a proxy error)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    max_in_flight: int = 0

    def install(self, server: HTTPServer) -> None:
        server.expect_request(re.compile(r"^/v1/public/sessions/acn/.*")).respond_with_handler(
            self.powerflex
        )
        server.expect_request(re.compile(r"^/api/v1/sessions/.*")).respond_with_handler(
            self.acndata
        )

    # --- shared -------------------------------------------------------------------------------

    def _gate(self, request: Request, page: int, basic: bool) -> Response | None:
        with self.lock:
            self.requests.append(request.full_path)
            if self.errors_500:
                self.errors_500 -= 1
                return Response("upstream exploded", status=500)
            if self.rate_limited:
                self.rate_limited -= 1
                return Response(
                    '{"message": "Too Many Requests"}',
                    status=429,
                    headers={"Retry-After": self.retry_after},
                )
        if self.expired:
            return _json({"error": "Unauthorized", "message": "Jwt is expired"}, 401)
        if basic:
            ok = request.authorization is not None and request.authorization.username == TOKEN
        else:
            ok = request.headers.get("Authorization") == f"Bearer {TOKEN}"
        if not ok:
            return _json({"error": "Unauthorized", "message": "invalid token"}, 401)
        if self.every_page_delay:
            time.sleep(self.every_page_delay)
        if page == self.slow_page:
            time.sleep(self.delay)
        return None

    def _page(self, selected: list[dict], size: int, page: int) -> list[dict]:
        chunk = selected[(page - 1) * size : page * size]
        if self.repeat_across_pages and page > 1 and chunk:
            chunk = [selected[(page - 1) * size - 1], *chunk]
        return chunk

    def _body(self, doc: object, page: int) -> Response:
        text = json.dumps(doc)
        if page == self.truncate_page:
            text = text[: len(text) // 2]
        return Response(text, status=200, content_type="application/json")

    # --- PowerFlex ----------------------------------------------------------------------------

    def _counted(self, handler, request: Request) -> Response:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return handler(request)
        finally:
            with self.lock:
                self.in_flight -= 1

    def powerflex(self, request: Request) -> Response:
        return self._counted(self._powerflex, request)

    def acndata(self, request: Request) -> Response:
        return self._counted(self._acndata, request)

    def _powerflex(self, request: Request) -> Response:
        page = int(request.args.get("page", 1))
        size = min(int(request.args.get("limit", 25)), self.cap or 10**9)
        denied = self._gate(request, page, basic=False)
        if denied:
            return denied
        if self.html:
            return Response("<html><body>Please sign in</body></html>", content_type="text/html")
        bounds = dict(d.split(":", 1) for d in request.args.getlist("date"))
        lo, hi = int(bounds.get("gte", 0)), int(bounds.get("lte", 2**62))
        selected = sorted(
            (r for r in self.rows if lo <= r["session_start_time"] <= hi),
            key=lambda r: r["session_start_time"],
            reverse=True,
        )
        chunk = self._page(selected, size, page)
        if self.bare_list:
            return self._body(chunk, page)
        doc: dict = {"rows": chunk, "page": page, "limit": size}
        if not self.hide_total:
            doc["total_count"] = len(selected) + self.total_offset
        return self._body(doc, page)

    # --- ACN-Data -----------------------------------------------------------------------------

    def _acndata(self, request: Request) -> Response:
        page = int(request.args.get("page", 1))
        size = int(request.args.get("max_results", 25))
        denied = self._gate(request, page, basic=True)
        if denied:
            return denied
        where = request.args.get("where", "")
        found = re.findall(r'connectionTime([<>]=)"([^"]+)"', where)
        lo = hi = None
        for op, text in found:
            when = datetime.strptime(text, RFC1123).replace(tzinfo=UTC)
            lo, hi = (when, hi) if op == ">=" else (lo, when)
        items = [
            i
            for i in acn_items(self.rows)
            if (lo is None or _start(i) >= lo) and (hi is None or _start(i) <= hi)
        ]
        items.sort(key=_start)
        chunk = self._page(items, size, page)
        doc: dict = {
            "_items": chunk,
            "_meta": {"page": page, "max_results": size},
            "_links": {"self": {"href": "sessions"}},
        }
        if not self.hide_total:
            doc["_meta"]["total"] = len(items) + self.total_offset
        if page * size < len(items):
            site = request.path.rsplit("/", 1)[-1]
            query = urlencode({"where": where, "max_results": size, "page": page + 1})
            doc["_links"]["next"] = {"title": "next page", "href": f"sessions/{site}?{query}"}
        return self._body(doc, page)


def _start(item: dict) -> datetime:
    return datetime.strptime(item["connectionTime"], RFC1123).replace(tzinfo=UTC)


def _json(doc: object, status: int) -> Response:
    return Response(json.dumps(doc), status=status, content_type="application/json")


def start_server() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    return server
