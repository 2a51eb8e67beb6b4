"""The --html page, loaded in Debian's headless chromium (Playwright, no browser download): no
console error and no request beyond the file itself, NEEDS ATTENTION, sorting, filtering, a
station's sessions from a click and from the URL, the charts' points, hostile names shown as
text, no horizontal scroll on a desktop or a phone; and the flag rules and the file itself."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import DATA, run_cli
from helpers import T0, export_of, report_of

from seshis.dates import window
from seshis.render import html
from seshis.render.html import sessions as page_sessions

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_STATION = "</script><script>alert(2)</script>"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page loaded from a file, with every console error, page error, dialog and request
    it caused."""

    def __init__(self, browser, path: Path, width: int = 1280, scheme: str = "light"):
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme=scheme
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        url = path.resolve().as_uri()
        page = self.page
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

        def route(r):
            if r.request.url.split("#")[0] not in (url, "about:blank"):
                self.requests.append(r.request.url)
                r.abort()
            else:
                r.continue_()

        self.context.route("**/*", route)
        page.on(
            "request", lambda r: None if r.url.split("#")[0] == url else self.requests.append(r.url)
        )
        page.goto(url)
        page.wait_for_selector("html[data-ready]", state="attached", timeout=30_000)

    def rows(self, host: str) -> list[list[str]]:
        return self.page.eval_on_selector_all(
            f"{host} tbody tr",
            "trs => trs.map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent))",
        )

    def scroll_width(self) -> int:
        return self.page.evaluate("document.documentElement.scrollWidth")

    def close(self) -> None:
        self.context.close()


def write_page(tmp_path, *args: str, name: str = "r.html"):
    target = tmp_path / name
    r = run_cli(*args, "--html", "--no-input", "--output", str(target), now=NOW)
    assert r.code == 0, r.err
    return target, r


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    target, r = write_page(folder, "--all", "--demo", "--range", "month")
    daily = run_cli("--all", "--demo", "--range", "month", "--json", "--no-input", now=NOW)
    return target, r, daily.json()


def test_demo_month_page_works_offline_and_shows_what_needs_attention(browser, demo):
    target, r, doc = demo
    assert "📄 One web page" in r.out and f"{doc['totals']['sessions']} sessions exported" in r.out
    assert target.stat().st_size < 1_500_000
    page = Page(browser, target)
    try:
        assert page.errors == [] and page.requests == [] and page.dialogs == []
        attention = page.page.inner_text("#attention")
        assert "DEMO-17" in attention
        # a chart has as many points as the report has days
        labels = page.page.evaluate(
            "Chart.getChart(document.querySelector('[data-chart=daily_sessions]')).data.labels.length"
        )
        assert labels == len(doc["daily"])
        # sorting a column reorders the rows
        host = "#stations .grid-host"
        before = [row[0] for row in page.rows(host)]
        page.page.click(f"{host} th:has-text('Sessions')")
        page.page.wait_for_timeout(300)
        after = [row[0] for row in page.rows(host)]
        sessions = [int(row[3].replace(",", "")) for row in page.rows(host)]
        assert after != before and sessions == sorted(sessions)
        # the filter narrows them
        page.page.fill(f"{host} input", "DEMO-17")
        page.page.wait_for_timeout(300)
        assert [row[0] for row in page.rows(host)] == ["DEMO-17"]
        # a click on the station shows its sessions, and the URL says so
        page.page.click(f"{host} a:has-text('DEMO-17')")
        page.page.wait_for_timeout(200)
        assert page.page.url.endswith("#station=DEMO-17")
        label = page.page.inner_text("#sessions .filter .label")
        n = next(st["sessions"] for st in doc["stations"] if st["station_id"] == "DEMO-17")
        assert label == f"Sessions at station DEMO-17 ({n})"
        stations = {row[1] for row in page.rows("#sessions-table")}
        assert stations == {"DEMO-17"}
        assert page.errors == [] and page.requests == []
        # the page is as wide as the window
        assert page.scroll_width() <= 1280
    finally:
        page.close()


def test_a_link_opens_a_drivers_sessions_and_the_page_fits_a_phone(browser, demo):
    target, _r, doc = demo
    driver = next(u for u in doc["users"] if u["needs_help"])
    url_target = target.parent / "linked.html"
    shutil.copy(target, url_target)
    page = Page(browser, url_target, width=390, scheme="dark")
    try:
        page.page.goto(url_target.resolve().as_uri() + "#driver=" + driver["user"])
        page.page.wait_for_timeout(300)
        label = page.page.inner_text("#sessions .filter .label")
        assert label == f"Sessions of {driver['user']} ({driver['sessions']})"
        assert {row[3] for row in page.rows("#sessions-table")} == {driver["user"]}
        assert page.scroll_width() <= 390
        assert page.errors == [] and page.requests == []
    finally:
        page.close()


def test_hostile_names_are_text(browser, tmp_path):
    rows = [
        ("s1", HOSTILE, T0, 3600, 0.0, HOSTILE_STATION),
        ("s2", HOSTILE, T0 + timedelta(hours=2), 3600, 8.0, HOSTILE_STATION),
        ("s3", "ok@x.com", T0 + timedelta(hours=3), 3600, 0.2, "ST-2"),
    ]
    w = window("week", "America/Los_Angeles", T0 + timedelta(days=1))
    from seshis.analysis import Options, Sections

    options = Options(sections=Sections(True, True, True, True, True), stations=True, trends=True)
    report = report_of(rows, w, options)
    target = tmp_path / "h.html"
    written = html.render(report, target, sessions=export_of(rows, w, options))
    text = target.read_text(encoding="utf-8")
    assert written.sessions == 3 and HOSTILE not in text and HOSTILE_STATION not in text
    page = Page(browser, target)
    try:
        assert page.dialogs == [] and page.errors == [] and page.requests == []
        assert HOSTILE in page.page.inner_text("#drivers")
        assert HOSTILE_STATION in page.page.inner_text("#stations")
        assert page.page.locator("main img").count() == 0
        page.page.click(f"#stations a:has-text('{HOSTILE_STATION[:8]}')")
        page.page.wait_for_timeout(200)
        assert {row[1] for row in page.rows("#sessions-table")} == {HOSTILE_STATION}
        assert page.dialogs == []
    finally:
        page.close()


@pytest.mark.parametrize(
    "args",
    [
        ("--all", "--tz", "America/Los_Angeles", "--source", str(DATA / "powerflex_rows.json")),
        ("--all", "--source", str(DATA / "acn_download.json")),
        ("--all", "--source", str(DATA / "networks" / "exported-sessions.csv")),
        ("--user", "b@x.com", "--source", str(DATA / "powerflex_rows.json")),
        ("--empty", "--source", str(DATA / "powerflex_rows.json")),
    ],
    ids=["powerflex-all", "acn-all", "network-all", "one-driver", "empty-alone"],
)
def test_pages_of_test_files_load_cleanly(browser, tmp_path, args):
    target, _r = write_page(tmp_path, *args)
    page = Page(browser, target, width=390)
    try:
        assert page.errors == [] and page.requests == []
        assert page.scroll_width() <= 390
        assert page.page.locator("#sessions").count() == 1
    finally:
        page.close()


def test_the_file_allows_only_its_own_hashed_scripts_and_styles(demo):
    target, _r, _doc = demo
    text = target.read_text(encoding="utf-8")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)
    assert csp.startswith("default-src 'none'") and "unsafe" not in csp
    scripts = re.findall(r"<script>(.*?)</script>", text, re.S)
    styles = re.findall(r"<style>(.*?)</style>", text, re.S)
    assert len(scripts) == 3 and len(styles) == 2
    for code in scripts + styles:
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert not re.search(r"(src|href)=\"https?:", text)
    block = re.search(
        r'<script type="application/json" id="seshis-data">(.*?)</script>', text, re.S
    )
    assert json.loads(block.group(1))["sessions"]["total"] > 0


def test_many_sessions_list_the_most_recent_with_a_note():
    rows = [(f"s{i}", "a@x.com", T0 + timedelta(minutes=10 * i), 600, 2.0) for i in range(5)]
    w = window("week", "America/Los_Angeles", T0 + timedelta(days=1))
    got = page_sessions.columns(export_of(rows, w), 1.0, 3)
    assert got["total"] == 5 and got["shown"] == 3 and got["id"] == ["s2", "s3", "s4"]
    assert got["start"] == [0, 600, 1200] and got["drivers"] == ["a@x.com"]


def test_flag_rules_and_default_name(tmp_path, monkeypatch):
    r = run_cli("--html", "--demo", "--no-input")
    assert r.code == 2 and "--html requires at least one analysis flag" in r.err
    r = run_cli("--all", "--html", "--pdf", "--demo", "--no-input")
    assert r.code == 2 and "One export at a time: run --html and --pdf separately." in r.err
    r = run_cli("--all", "--html", "--graph", "--demo", "--no-input")
    assert r.code == 2 and "Can't use exports (--html) with --graph" in r.err
    monkeypatch.chdir(tmp_path)
    r = run_cli("--stations", "--html", "--demo", "--range", "week", "--no-input", now=NOW)
    assert r.code == 0, r.err
    (made,) = tmp_path.glob("*.html")
    assert re.fullmatch(r"\d{4}_\d{2}_\d{2}_\d{6}\.html", made.name)
