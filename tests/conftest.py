"""Shared test helpers: run the CLI in-process with injected streams."""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from seshis.cli import Environment, main

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    """No test reads the user's config or cache, or a token from the environment, or opens a
    window (charts are shown only where a display is set)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    for name in ("SESHIS_TOKEN", "EDF_JWT", "ACN_API_TOKEN", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class Result:
    out: str
    err: str
    code: int
    waits: list[float]  # the waits between retries, recorded instead of slept

    def json(self):
        return json.loads(self.out)


def run_cli(
    *args: str,
    stdin: str = "",
    tty: bool = False,
    color: bool | None = False,
    now: datetime | None = None,
) -> Result:
    """Run seshis in-process; `tty=True` makes stdin look like a terminal so prompts appear."""
    out, err = io.StringIO(), io.StringIO()
    waits: list[float] = []
    env = Environment(
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
        stdin_isatty=tty,
        color=color,
        now=now or datetime(2026, 11, 26, 20, 0, tzinfo=UTC),
        sleep=waits.append,
        signals=False,
    )
    code = main(list(args), env)
    return Result(out.getvalue(), err.getvalue(), code, waits)


def shared_file(name: str) -> Path:
    """A real data file of ../shared/data. A user's own checkout has no ../shared, so its tests
    skip; in CI (where it always exists) a missing file fails loudly."""
    path = SHARED_DATA / name
    if not path.exists():
        message = f"{path} is not present (real data lives beside the project)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


# --- one loopback API server per test module (stopping one costs half a second) ---------------


@pytest.fixture(scope="module")
def _running():
    from fakeapi import start_server

    srv = start_server()
    yield srv
    srv.stop()


@pytest.fixture
def server(_running):
    """The module's loopback server, its handlers cleared after each test."""
    yield _running
    _running.clear()
