"""HTTP for the live sources: one GET with timeouts, retries (tenacity) and --debug logging.

Two transports fetch a URL: httpx with a bearer token or HTTP Basic user, or the operator's
curl wrapper (`curl_device_manager.sh`), run with an argument list and never through a shell.
Credentials never appear in a message: every text that leaves this module is redacted.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import json
import os
import random
import re
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

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
    """A token (sent as `scheme token`, or as the HTTP Basic user name) or an auth command;
    never printed."""

    token: str | None = None
    basic: bool = False
    command: str | None = None
    scheme: str = "Bearer"  # OCPI: "Token"
    encode: bool = False  # OCPI 2.2: the token is sent base64-encoded

    @property
    def header(self) -> str | None:
        """The Authorization header of a token that is not HTTP Basic."""
        if not self.token or self.basic:
            return None
        value = base64.b64encode(self.token.encode()).decode() if self.encode else self.token
        return f"{self.scheme} {value}"

    def redact(self, text: str) -> str:
        """The text without the token (as given or as sent) or a password in a URL."""
        text = redact.url(text)
        if self.token:
            text = text.replace(self.token, "***")
            if self.encode:
                text = text.replace(base64.b64encode(self.token.encode()).decode(), "***")
        return text


class Transport:
    def get(self, url: str) -> Response:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        return None


class HttpxTransport(Transport):
    def __init__(self, creds: Credentials, timeout: float, concurrency: int) -> None:
        self.timeout = timeout
        headers = {"Accept": "application/json", "User-Agent": "seshis"}
        auth = httpx.BasicAuth(creds.token, "") if creds.token and creds.basic else None
        if creds.header:
            headers["Authorization"] = creds.header
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
    """The operator's curl wrapper (`curl_device_manager.sh`), called with the arguments the
    PowerFlex tool's users' wrappers expect: `CMD -s -X GET URL -H "accept: application/json"
    -H "Content-Type: application/json"`, with the response body read from its standard
    output. Wrappers that forward only those arguments, take the URL by position or pipe curl's
    output all work.

    Without curl's status line, failures are told from the exit status (curl's exit codes) and
    the body (`{"message": "Jwt is expired"}`, an HTML error page, nothing at all). The wrapper
    runs in its own process group, which is killed at the --timeout deadline."""

    def __init__(self, command: str, timeout: float) -> None:
        # "wrapper.sh -v" is a program and its arguments, split as a shell would (no shell runs)
        self.command = shlex.split(command)
        self.timeout = timeout

    def get(self, url: str) -> Response:
        start = time.perf_counter()
        args = [
            *self.command,
            "-s",
            "-X",
            "GET",
            url,
            "-H",
            "accept: application/json",
            "-H",
            "Content-Type: application/json",
        ]
        program = self.command[0]
        try:
            proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its curl too is stopped at the deadline
            )
        except FileNotFoundError:
            raise AuthError(
                f"The auth command {program} was not found; check --auth-command."
            ) from None
        except OSError as exc:
            raise AuthError(f"The auth command {program} could not run ({exc.strerror}).") from None
        try:
            body, _ = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise RetryableError(
                f"timed out (the auth command gave no whole answer within {self.timeout:g} s)"
            ) from None
        except BaseException:
            _kill_group(proc)
            raise
        code = proc.returncode
        if code in CURL_RETRY:
            raise RetryableError(f"the auth command failed: {CURL_RETRY[code]} (exit {code})")
        if code in (126, 127):
            raise AuthError(
                f"The auth command {program} could not run curl (exit {code}); check the "
                "wrapper and that curl is installed."
            )
        if code != 0:
            raise ApiError(
                f"The auth command {program} failed (exit {code}) for "
                f"{redact.url(url)}; run it by hand to see why."
            )
        if not body.strip():
            raise RetryableError("the auth command printed nothing (no response body)")
        ms = (time.perf_counter() - start) * 1000
        return Response(url, status_of(body), {}, body, ms)


# curl's exit codes worth trying again: the network, not the request
CURL_RETRY = {
    5: "could not resolve the proxy",
    6: "could not resolve the host",
    7: "could not connect",
    28: "timed out",
    35: "the TLS handshake failed",
    52: "the server sent nothing",
    55: "sending failed",
    56: "receiving failed",
}


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def status_of(body: bytes) -> int:
    """The HTTP status a wrapper's output stands for, when curl printed only the body: an error
    document of the API (`{"message": ...}`, `{"statusCode": ...}`), a proxy's HTML error page,
    or nothing at all; 200 for anything else (the JSON parser judges it)."""
    text = body.strip()
    if text[:1] == b"<":
        match = re.search(rb"\b(5\d\d)\b", text[:2000])
        return int(match.group(1)) if match else 200
    if text[:1] != b"{" or len(text) > 4096:
        return 200
    try:
        doc = json.loads(text)
    except ValueError:
        return 200
    if not isinstance(doc, dict) or "rows" in doc or "_items" in doc:
        return 200
    code = doc.get("statusCode", doc.get("status"))
    if isinstance(code, int) and 100 <= code <= 599:
        return code
    message = str(doc.get("message", doc.get("error", ""))).lower()
    if any(word in message for word in ("expired", "jwt", "unauthorized", "token", "forbidden")):
        return 401
    if "too many" in message or "rate" in message:
        return 429
    if any(word in message for word in ("internal", "unavailable", "bad gateway", "timeout")):
        return 503
    return 400 if message else 200


def _message(body: bytes) -> str | None:
    """The message of a short JSON error document, for the error sentence."""
    try:
        doc = json.loads(body[:4096])
    except ValueError:
        return None
    if isinstance(doc, dict):
        said = doc.get("message") or doc.get("status_message") or doc.get("error")
        return str(said)[:200] if said else None
    return None


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

    def get_json(self, url: str) -> tuple[object, str, dict[str, str]]:
        """The parsed JSON at `url`, its text and the response headers (lower-case names);
        raises AuthError, ApiError (one sentence)."""
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
            headers = {k.lower(): v for k, v in response.headers.items()}
            return json.loads(text), text, headers
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
            said = _message(r.body)
            raise ApiError(
                f"{self.creds.redact(url)} answered HTTP {r.status}"
                f"{f' ({said})' if said else ''}; check the ACN, account or site and the API URL."
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
        said = _message(r.body)
        if not quoted and said:
            quoted = f' ("{said}")'
        return (
            f"The API answered HTTP {r.status}: {detail}{quoted}; get a new token and set "
            "SESHIS_TOKEN, or check your auth command."
        )

    def _log(self, text: str) -> None:
        if self.log:
            self.log(self.creds.redact(text))
