"""A fake server that speaks the PowerFlex sessions API and the ACN-Data API, with failures.

Real HTTP on loopback (pytest-httpserver, threaded), the APIs' real response shapes,
and knobs for what real servers do: 429 with Retry-After, bursts of 500s, slow pages, truncated
JSON, expired tokens, rows repeated across pages; and data that changes while a client pages
(sessions arriving, late completions), pages short of rows, totals that change or cannot be
right, pages longer than asked, bodies trickled slowly. Used by tests/test_live.py,
tests/test_sync_faults.py and bench/.
"""

from __future__ import annotations

import base64
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


def acn_items(rows: list[dict], site_id: str = "0002") -> list[dict]:
    """The same sessions, shaped as ACN-Data items of a site (0002: Caltech, 0001: JPL)."""
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
                "siteID": site_id,
                "spaceID": r["parking_space"],
                "stationID": r["pfid"],
                "timezone": "America/Los_Angeles",
                "userID": r["user"],
                "userInputs": None,
            }
        )
    return items


def ocpi_objects(rows: list[dict], version: str = "2.2.1", kind: str = "cdrs") -> list[dict]:
    """The same sessions as OCPI CDRs or Sessions of a version, as the specification shapes
    them: times in RFC 3339 UTC, energy in kWh, the driver as the token's uid (2.2.1) or
    auth_id (2.1.1), the station as the EVSE uid and its connector; written (last_updated) 30
    minutes after the session ended, parked the last hour without charging."""
    out = []
    for r in rows:
        begin = datetime.fromtimestamp(r["session_start_time"] / 1000, UTC)
        end = begin + timedelta(hours=4)
        iso = "%Y-%m-%dT%H:%M:%SZ"
        user = r["user"]
        obj: dict = {
            "id": r["session_id"],
            "last_updated": (end + timedelta(minutes=30)).strftime(iso),
        }
        if version == "2.2.1":
            # an unclaimed session: a token with neither a uid nor a contract
            contract = f"NL-ABC-{user.split('@')[0].upper()}" if user else ""
            token = {"country_code": "NL", "party_id": "ABC", "type": "RFID",
                     "uid": user or "", "contract_id": contract}  # fmt: skip
            if kind == "cdrs":
                obj |= {
                    "start_date_time": begin.strftime(iso),
                    "end_date_time": end.strftime(iso),
                    "cdr_token": token,
                    "auth_method": "WHITELIST",
                    "cdr_location": {
                        "id": "LOC1",
                        "name": r["site"],
                        "evse_uid": r["pfid"],
                        "connector_id": "1",
                    },
                    "currency": "EUR",
                    "total_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
                    "total_energy": r["session_kwh"],
                    "total_time": 4.0,
                    "total_parking_time": 1.0,
                }
            else:
                obj |= {
                    "start_date_time": begin.strftime(iso),
                    "end_date_time": end.strftime(iso),
                    "kwh": r["session_kwh"],
                    "cdr_token": token,
                    "auth_method": "WHITELIST",
                    "location_id": "LOC1",
                    "evse_uid": r["pfid"],
                    "connector_id": "1",
                    "currency": "EUR",
                    "status": "COMPLETED",
                }
        else:
            location = {"id": "LOC1", "name": r["site"],
                        "evses": [{"uid": r["pfid"], "connectors": [{"id": "1"}]}]}  # fmt: skip
            if kind == "cdrs":
                obj |= {
                    "start_date_time": begin.strftime(iso),
                    "stop_date_time": end.strftime(iso),
                    "auth_id": user or "",
                    "auth_method": "WHITELIST",
                    "location": location,
                    "currency": "EUR",
                    "total_cost": 4.4,
                    "total_energy": r["session_kwh"],
                    "total_time": 4.0,
                    "total_parking_time": 1.0,
                }
            else:
                obj |= {
                    "start_datetime": begin.strftime(iso),
                    "end_datetime": end.strftime(iso),
                    "kwh": r["session_kwh"],
                    "auth_id": user or "",
                    "auth_method": "WHITELIST",
                    "location": location,
                    "currency": "EUR",
                    "status": "COMPLETED",
                }
        out.append(obj)
    return out


ACN_SITE_IDS = {"caltech": "0002", "jpl": "0001", "office001": "0019"}


@dataclass
class FakeApi:
    rows: list[dict] = field(default_factory=list)
    # other sites' rows: a PowerFlex ACN's, an ACN-Data site's (caltech, jpl); others: `rows`
    by_site: dict[str, list[dict]] = field(default_factory=dict)
    site_total_offset: dict[str, int] = field(default_factory=dict)  # a PowerFlex ACN's total
    # claims this many sessions it never sends
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
    # data that changes while a client pages: after serving the Nth full page request, these
    # sessions join the data ({N: [rows]}); N counts page requests with rows, in order served
    arrive_after: dict[int, list[dict]] = field(default_factory=dict)
    short_pages: dict[int, int] = field(default_factory=dict)  # page: rows dropped, every try
    short_once: dict[int, int] = field(default_factory=dict)  # page: rows dropped, first try
    empty_once: set[int] = field(default_factory=set)  # these pages answer empty, first try
    total_on_page: dict[int, int] = field(default_factory=dict)  # page: total claimed there
    fixed_total: int | None = None  # the total claimed, whatever the data
    long_page: int = 0  # every page also carries this many rows of the next page
    trickle: float = 0.0  # seconds between 64-byte pieces of the body (a stuck server)
    newest_first: bool = False  # PowerFlex ignores sortOrder and always answers newest first
    basic_users: set[str] = field(default_factory=set)  # also let in these HTTP Basic users
    ocpi_limit: int = 50  # OCPI: the largest page the server sends (X-Limit)
    ocpi_status: int | None = None  # OCPI: an error status_code in an HTTP 200 body
    ocpi_link_extra: dict = field(default_factory=dict)  # OCPI: more query in the Link
    ocpi_link_host: str | None = None  # OCPI: the Link names another host
    links: int = 0  # OCPI: Link headers sent
    served: int = 0
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
        server.expect_request(re.compile(r"^/ocpi/cpo/.*")).respond_with_handler(self.ocpi)

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
        user = request.authorization.username if request.authorization else None
        bearer = request.headers.get("Authorization") == f"Bearer {TOKEN}"
        ok = (user == TOKEN if basic else bearer) or (user is not None and user in self.basic_users)
        if not ok:
            return _json({"error": "Unauthorized", "message": "invalid token"}, 401)
        if self.every_page_delay:
            time.sleep(self.every_page_delay)
        if page == self.slow_page:
            time.sleep(self.delay)
        return None

    def _page(self, selected: list[dict], size: int, page: int) -> list[dict]:
        chunk = selected[(page - 1) * size : page * size + self.long_page]
        if self.repeat_across_pages and page > 1 and chunk:
            chunk = [selected[(page - 1) * size - 1], *chunk]
        with self.lock:
            dropped = self.short_pages.get(page, 0) + self.short_once.pop(page, 0)
            if page in self.empty_once:
                self.empty_once.discard(page)
                dropped = len(chunk)
        if dropped and size > 1:
            chunk = chunk[: max(0, len(chunk) - dropped)]
        return chunk

    def _total(self, selected: list[dict], page: int, size: int) -> int:
        if self.fixed_total is not None:
            return self.fixed_total
        if size > 1 and page in self.total_on_page:
            return self.total_on_page[page]
        return len(selected) + self.total_offset

    def _served(self, chunk: list[dict], size: int) -> None:
        """Count a page served; sessions due to arrive after it join the data now."""
        if size <= 1 or not chunk:
            return
        with self.lock:
            self.served += 1
            self.rows.extend(self.arrive_after.pop(self.served, []))

    def _body(self, doc: object, page: int) -> Response:
        text = json.dumps(doc)
        if page == self.truncate_page:
            text = text[: len(text) // 2]
        if self.trickle:
            pause = self.trickle

            def slowly():
                for i in range(0, len(text), 64):
                    time.sleep(pause)
                    yield text[i : i + 64]

            return Response(slowly(), status=200, content_type="application/json")
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
        acn = request.path.rsplit("/", 1)[-1]
        with self.lock:
            rows = list(self.by_site.get(acn, self.rows))
        selected = sorted(
            (r for r in rows if lo <= r["session_start_time"] <= hi),
            key=lambda r: (r["session_start_time"], r["session_id"]),
            reverse=self.newest_first or request.args.get("sortOrder", "DESC") == "DESC",
        )
        chunk = self._page(selected, size, page)
        self._served(chunk, size)
        if self.bare_list:
            return self._body(chunk, page)
        doc: dict = {"rows": chunk, "page": page, "limit": size}
        if not self.hide_total:
            doc["total_count"] = self._total(selected, page, size) + self.site_total_offset.get(
                acn, 0
            )
        return self._body(doc, page)

    # --- ACN-Data -----------------------------------------------------------------------------

    def _acndata(self, request: Request) -> Response:
        page = int(request.args.get("page", 1))
        size = int(request.args.get("max_results", 25))
        denied = self._gate(request, page, basic=True)
        if denied:
            return denied
        where = request.args.get("where", "")
        found = re.findall(r'connectionTime([<>]=?)"([^"]+)"', where)
        checks = {
            ">=": lambda t, w: t >= w,
            ">": lambda t, w: t > w,
            "<=": lambda t, w: t <= w,
            "<": lambda t, w: t < w,
        }
        bounds = [
            (checks[op], datetime.strptime(text, RFC1123).replace(tzinfo=UTC)) for op, text in found
        ]
        site = request.path.rsplit("/", 1)[-1]
        with self.lock:
            rows = list(self.by_site.get(site, self.rows))
        site_id = ACN_SITE_IDS.get(site, "0002")
        items = [i for i in acn_items(rows, site_id) if all(ok(_start(i), w) for ok, w in bounds)]
        items.sort(key=lambda i: (_start(i), i["sessionID"]))
        chunk = self._page(items, size, page)
        self._served(chunk, size)
        doc: dict = {
            "_items": chunk,
            "_meta": {"page": page, "max_results": size},
            "_links": {"self": {"href": "sessions"}},
        }
        if not self.hide_total:
            doc["_meta"]["total"] = self._total(items, page, size)
        if page * size < len(items):
            site = request.path.rsplit("/", 1)[-1]
            query = urlencode({"where": where, "max_results": size, "page": page + 1})
            doc["_links"]["next"] = {"title": "next page", "href": f"sessions/{site}?{query}"}
        return self._body(doc, page)

    # --- OCPI ----------------------------------------------------------------------------------

    def ocpi(self, request: Request) -> Response:
        return self._counted(self._ocpi, request)

    def _ocpi(self, request: Request) -> Response:
        """/ocpi/cpo/<version>/<cdrs|sessions>: offset/limit, X-Limit, X-Total-Count, Link,
        date_from/date_to on last_updated, the OCPI envelope, Token authorization."""
        _, _, _, version, kind = request.path.rstrip("/").split("/")[:5]
        offset = int(request.args.get("offset", 0))
        asked = int(request.args.get("limit", self.ocpi_limit))
        limit = min(asked, self.ocpi_limit)
        page = offset // max(limit, 1) + 1
        with self.lock:
            self.requests.append(request.full_path)
        if self.expired:
            return _json({"status_code": 2001, "status_message": "Invalid or missing token"}, 401)
        secret = base64.b64encode(TOKEN.encode()).decode() if version.startswith("2.2") else TOKEN
        if request.headers.get("Authorization") != f"Token {secret}":
            return _json({"status_code": 2001, "status_message": "Invalid or missing token"}, 401)
        if self.ocpi_status is not None:
            said = "Unable to use the client's API"
            doc = {"status_code": self.ocpi_status, "status_message": said}
            return _json(doc, 200)
        with self.lock:
            rows = list(self.rows)
        objects = ocpi_objects(rows, version, kind)
        lo = request.args.get("date_from", "0000")
        hi = request.args.get("date_to", "9999")
        selected = sorted((o for o in objects if lo <= o["last_updated"] < hi),
                          key=lambda o: (o["last_updated"], o["id"]))  # fmt: skip
        chunk = selected[offset : offset + limit]
        self._served(chunk, asked)
        headers = {"X-Limit": str(self.ocpi_limit)}
        if not self.hide_total:
            headers["X-Total-Count"] = str(self._total(selected, page, asked))
        if offset + limit < len(selected):
            query = urlencode(
                {**request.args, "offset": offset + limit, "limit": limit, **self.ocpi_link_extra}
            )
            host = self.ocpi_link_host or request.host_url.rstrip("/")
            with self.lock:
                self.links += 1
            headers["Link"] = f'<{host}{request.path}?{query}>; rel="next"'
        doc = {"data": chunk, "status_code": 1000, "status_message": "Success",
               "timestamp": "2026-11-26T20:00:00Z"}  # fmt: skip
        response = self._body(doc, page)
        response.headers.update(headers)
        return response


def _start(item: dict) -> datetime:
    return datetime.strptime(item["connectionTime"], RFC1123).replace(tzinfo=UTC)


def _json(doc: object, status: int) -> Response:
    return Response(json.dumps(doc), status=status, content_type="application/json")


def start_server() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    return server
