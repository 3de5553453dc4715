"""The browser fixtures, one module for every browser test (registered by tests/conftest.py as a plugin).

- `live_demo` (module): the app as production runs it (CSRF on, TESTING off) on this module's own copy of the
  seeded `small` demo (tests/demo.py: seeded once per run, copied per module), served on a free port.
  `live_demo.url`, `live_demo.app`, `live_demo.path` (the SQLite file), `live_demo.sql(query, *args)`;
  it also unpacks as `app, url = live_demo`.
- `live_url` (module): just the URL.
- `browser` (module): the test process's one headless Chromium (launched once, see shared_browser()).
- `page`: a 360 × 640 phone, parametrised JavaScript on / off; `page.js`, `page.errors` (console errors).
- `login(page, base, username)`: signs in through the real form with the demo password.
Browser test modules set `pytestmark = browser_mark` (the `browser` marker, and a skip without Chromium).
"""
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from tests.conftest import _TMP, make_app
from tests.demo import sqlite_demo_copy

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The live server's database: each browser module gets a fresh copy of the demo here.
BROWSER_DB = _TMP / "browser.db"

browser_mark = pytest.mark.browser
if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI needs /usr/bin/chromium for the browser tests")
    browser_mark = [pytest.mark.browser, pytest.mark.skip(reason="no /usr/bin/chromium (apt-get install chromium)")]


class LiveDemo:
    def __init__(self, app, url, path):
        self.app, self.url, self.path = app, url, path

    def __iter__(self):  # app, url = live_demo
        return iter((self.app, self.url))

    def sql(self, query, *args):
        with sqlite3.connect(self.path) as conn:
            return conn.execute(query, args).fetchall()


@pytest.fixture(scope="module")
def live_demo():
    path = sqlite_demo_copy(BROWSER_DB)
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", WTF_CSRF_ENABLED=True, TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveDemo(app, f"http://127.0.0.1:{server.server_port}", path)
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_url(live_demo):
    return live_demo.url


_CHROMIUM = {}


def shared_browser():
    """One headless Chromium per test process (a launch costs a second or two), started when first asked for and
    relaunched if it died; every test works in a fresh context of its own, so nothing leaks between tests."""
    if "browser" not in _CHROMIUM or not _CHROMIUM["browser"].is_connected():
        if "playwright" not in _CHROMIUM:
            from playwright.sync_api import sync_playwright

            _CHROMIUM["playwright"] = sync_playwright().start()
        _CHROMIUM["browser"] = _CHROMIUM["playwright"].chromium.launch(executable_path=CHROMIUM, args=ARGS)
    return _CHROMIUM["browser"]


@pytest.fixture(scope="session", autouse=True)
def _close_shared_browser():
    yield
    if "browser" in _CHROMIUM:
        _CHROMIUM.pop("browser").close()
    if "playwright" in _CHROMIUM:
        _CHROMIUM.pop("playwright").stop()


@pytest.fixture(scope="module")
def browser():
    """The process's one Chromium (module scope only because browser modules re-import this fixture by name)."""
    return shared_browser()


@pytest.fixture(params=[True, False], ids=["js-on", "js-off"])
def page(request, browser):
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=request.param, locale="vi-VN")
    page = ctx.new_page()
    page.js = request.param
    page.errors = []
    page.on("console", lambda m: m.type == "error" and not _expected(m.text) and page.errors.append(m.text))
    page.set_default_timeout(15000)
    yield page
    ctx.close()


def _expected(text):
    # 422/409/403 answers are part of the design; an inline check aborted by the real submit is too.
    return "status of 4" in text or text in ("htmx:sendAbort", "htmx:afterRequest")


def login(page, base, username):
    page.goto(base + "/")
    assert "/auth/login" in page.url
    page.fill("#username", username)
    page.fill("#password", "sodoan-2026")
    page.click("button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_load_state()
    page.wait_for_selector("nav.nav")
