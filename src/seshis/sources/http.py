"""HTTP for the live sources: one GET with timeouts, retries (tenacity) and --debug logging.

Two transports fetch a URL: httpx with a bearer token or HTTP Basic user, or the operator's
curl wrapper (`curl_device_manager.sh`), run with an argument list and never through a shell.
Credentials never appear in a message: every text that leaves this module is redacted.
"""

from __future__ import annotations

import email.utils
import json
import random
import shlex
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
)

from .. import redact
from ..errors import ApiError, AuthError

RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    ms: float


class RetryableError(Exception):
    """A failure worth trying again: a connection error, 429 or 5xx."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Credentials:
    """A token (bearer, or HTTP Basic user name) or an auth command; never printed."""

    token: str | None = None
    basic: bool = False
    command: str | None = None

    def redact(self, text: str) -> str:
        """The text without the token or a password in a URL."""
        text = redact.url(text)
        return text.replace(self.token, "***") if self.token else text


class Transport:
    def get(self, url: str) -> Response:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        return None


class HttpxTransport(Transport):
    def __init__(self, creds: Credentials, timeout: float, concurrency: int) -> None:
        self.timeout = timeout
        headers = {"Accept": "application/json", "User-Agent": "seshis"}
        auth = None
        if creds.token and creds.basic:
            auth = httpx.BasicAuth(creds.token, "")
        elif creds.token:
            headers["Authorization"] = f"Bearer {creds.token}"
        limits = httpx.Limits(max_connections=max(concurrency, 1) + 2)
        self.client = httpx.Client(
            headers=headers,
            auth=auth,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=limits,
            follow_redirects=True,
        )

    def get(self, url: str) -> Response:
        """One response, read within `timeout` seconds in all: a server that trickles its body
        or stalls mid-way is abandoned at the deadline (the read runs in a daemon thread, which
        stops at its own next read)."""
        start = time.perf_counter()
        deadline = time.monotonic() + self.timeout
        box: dict = {}
        done = threading.Event()

        def read() -> None:
            try:
                box["response"] = self._read(url, deadline)
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=read, daemon=True, name="seshis-get").start()
        if not done.wait(self.timeout + 0.25):
            raise RetryableError(f"timed out (no whole response within {self.timeout:g} s)")
        if "error" in box:
            raise box["error"]
        status, headers, body = box["response"]
        return Response(url, status, headers, body, (time.perf_counter() - start) * 1000)

    def _read(self, url: str, deadline: float) -> tuple[int, dict[str, str], bytes]:
        try:
            with self.client.stream("GET", url) as r:
                chunks = []
                for chunk in r.iter_bytes():
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise RetryableError(
                            f"timed out (no whole response within {self.timeout:g} s)"
                        )
                return r.status_code, dict(r.headers), b"".join(chunks)
        except httpx.TimeoutException as exc:
            raise RetryableError(f"timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise RetryableError(f"connection failed ({type(exc).__name__})") from exc

    def close(self) -> None:
        self.client.close()


class CommandTransport(Transport):
    """The operator's curl wrapper: it takes curl's arguments and adds the credentials."""

    def __init__(self, command: str, timeout: float) -> None:
        # "wrapper.sh -v" is a program and its arguments, split as a shell would (no shell runs)
        self.command = shlex.split(command)
        self.timeout = timeout

    def get(self, url: str) -> Response:
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="seshis-") as tmp:
            body, head = Path(tmp) / "body", Path(tmp) / "headers"
            args = [
                *self.command,
                "-sS",
                "--max-time",
                f"{self.timeout:g}",
                "-H",
                "Accept: application/json",
                "-o",
                str(body),
                "-D",
                str(head),
                "-w",
                "%{http_code}",
                url,
            ]
            try:
                done = subprocess.run(
                    args, capture_output=True, text=True, timeout=self.timeout + 10, check=False
                )
            except FileNotFoundError:
                raise AuthError(
                    f"The auth command {self.command[0]} was not found; check --auth-command."
                ) from None
            except subprocess.TimeoutExpired:
                raise RetryableError("timed out (auth command)") from None
            except OSError as exc:
                raise AuthError(
                    f"The auth command {self.command[0]} could not run ({exc.strerror})."
                ) from None
            status = done.stdout.strip()[-3:]
            if done.returncode != 0 or not status.isdigit() or status == "000":
                raise RetryableError(f"the auth command failed (exit {done.returncode})")
            data = body.read_bytes() if body.exists() else b""
            headers = _parse_headers(head.read_text("latin-1") if head.exists() else "")
        return Response(url, int(status), headers, data, (time.perf_counter() - start) * 1000)


def _parse_headers(text: str) -> dict[str, str]:
    """The last header block curl dumped (after redirects and 100 Continue)."""
    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    headers: dict[str, str] = {}
    for line in (blocks[-1] if blocks else "").splitlines()[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class Fetcher:
    """GETs JSON with retries; counts requests for the progress bar and --debug."""

    transport: Transport
    creds: Credentials
    attempts: int = 5
    backoff: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    max_wait: float = 60.0
    log: Callable[[str], None] | None = None
    requests: int = field(default=0)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = getattr(exc, "retry_after", None)
        if after is not None:
            return min(after, self.max_wait)
        base = self.backoff * 2 ** (state.attempt_number - 1)
        return min(base + random.uniform(0, base), self.max_wait)

    def get_json(self, url: str) -> tuple[object, str]:
        """The parsed JSON at `url` and its text; raises AuthError, ApiError (one sentence)."""
        shown = self.creds.redact(url)
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(RetryableError),
            reraise=True,
            sleep=self.sleep,
        )
        try:
            response = retrying(self._get_once, url)
        except RetryableError as exc:
            raise ApiError(
                f"Gave up on {shown} after {self.attempts} attempts: {self.creds.redact(str(exc))}"
            ) from None
        try:
            text = response.body.decode("utf-8")
            return json.loads(text), text
        except ValueError as exc:
            start = response.body.strip()[:1]
            problem = "an empty body" if not start else "something that is not JSON (an HTML page?)"
            if start in (b"{", b"[") and isinstance(exc, json.JSONDecodeError):
                problem = f"malformed or truncated JSON (byte {exc.pos}: {exc.msg})"
            raise ApiError(f"{shown} answered with {problem} instead of sessions.") from None

    def _get_once(self, url: str) -> Response:
        self.requests += 1
        try:
            r = self.transport.get(url)
        except RetryableError as exc:
            self._log(f"GET {self.creds.redact(url)} -> {exc}")
            raise
        self._log(f"GET {self.creds.redact(url)} -> {r.status}, {len(r.body)} bytes, {r.ms:.0f} ms")
        if r.status in (401, 403):
            raise AuthError(self._auth_message(r))
        if r.status in RETRY_STATUSES:
            raise RetryableError(
                f"HTTP {r.status}", retry_after_seconds(r.headers.get("retry-after"))
            )
        if r.status >= 400:
            raise ApiError(
                f"{self.creds.redact(url)} answered HTTP {r.status}; check the ACN, account "
                "or site and the API URL."
            )
        return r

    def _auth_message(self, r: Response) -> str:
        text = r.body.decode("utf-8", "replace")
        expired = "expired" in text.lower()
        detail = "the token has expired" if expired else "the token was rejected"
        quoted = ""
        for phrase in ("Jwt is expired", "Token expired", "invalid token", "Unauthorized"):
            if phrase.lower() in text.lower():
                quoted = f' ("{phrase}")'
                break
        return (
            f"The API answered HTTP {r.status}: {detail}{quoted}; get a new token and set "
            "SESHIS_TOKEN, or check your auth command."
        )

    def _log(self, text: str) -> None:
        if self.log:
            self.log(self.creds.redact(text))
