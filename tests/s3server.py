"""A local S3 server on loopback (moto's server mode) that counts what it serves: which
objects were read and how many bytes, so a test (or the bench) can tell what a report read."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

import boto3
import httpx
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

REGION = "us-east-1"


@dataclass
class Served:
    method: str
    path: str  # /bucket/key
    query: str
    status: int
    size: int  # bytes of the body sent
    range: str = ""  # the Range asked for, if any


@dataclass
class S3Server:
    """moto's S3 (and IAM, for real credentials) on 127.0.0.1, on a free port."""

    log: list[Served] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> S3Server:
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(
            "127.0.0.1",
            0,
            self._counting(app),
            threaded=True,
            request_handler=MotoRequestHandler,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def client(self, service: str = "s3", key: str = "testing", secret: str = "testing"):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
        )

    def require_credentials(self) -> tuple[str, str]:
        """An IAM user allowed everything, and from now on every request signed by a known key
        (moto accepts any key until then). Returns the user's key id and secret."""
        iam = self.client("iam")
        iam.create_user(UserName="seshis")
        policy = (
            '{"Version": "2012-10-17", "Statement": '
            '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
        )
        iam.put_user_policy(UserName="seshis", PolicyName="all", PolicyDocument=policy)
        made = iam.create_access_key(UserName="seshis")["AccessKey"]
        httpx.post(f"{self.endpoint}/moto-api/reset-auth", content=b"0").raise_for_status()
        return made["AccessKeyId"], made["SecretAccessKey"]

    # --- what was served ------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.log.clear()

    def reads(self, prefix: str) -> list[Served]:
        """The object GETs under /bucket/prefix (listings excluded)."""
        with self._lock:
            return [
                s
                for s in self.log
                if s.method == "GET" and s.path.startswith(prefix) and "list-type" not in s.query
            ]

    def objects_read(self, prefix: str) -> set[str]:
        return {s.path for s in self.reads(prefix)}

    def bytes_read(self, prefix: str) -> int:
        return sum(s.size for s in self.reads(prefix))

    def _counting(self, app):
        def wsgi(environ, start_response):
            status: list[int] = []

            def starting(code, headers, *rest):
                status.append(int(code.split()[0]))
                return start_response(code, headers, *rest)

            body = app(environ, starting)
            return self._counted(body, environ, status)

        return wsgi

    def _counted(self, body: Iterable[bytes], environ: dict, status: list[int]) -> Iterator[bytes]:
        size = 0
        try:
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close:
                close()
            served = Served(
                environ["REQUEST_METHOD"],
                unquote(environ.get("PATH_INFO", "")),
                environ.get("QUERY_STRING", ""),
                status[0] if status else 0,
                size,
                environ.get("HTTP_RANGE", ""),
            )
            with self._lock:
                self.log.append(served)
