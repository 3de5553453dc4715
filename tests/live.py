"""A live server and a small HTTP client (standard library only) for tests with real parallel requests.

Used by tests/test_concurrency.py and bench/concurrency.py: each officer is a LiveClient with its own cookies,
logged in through the real sign-in form, sending the CSRF token the way the pages do (hidden field or the
X-CSRFToken header htmx sends).
"""
import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Response:
    def __init__(self, status, body, headers, ms):
        self.status, self.body, self.headers, self.ms = status, body, headers, ms

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def location(self):
        return self.headers.get("Location")


class LiveClient:
    """One browser: its own cookie jar; records every response's status and time."""

    def __init__(self, base, timeout=60):
        self.base, self.timeout = base.rstrip("/"), timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.csrf = None
        self.log = []  # (method, path, status, ms)

    def request(self, method, path, data=None, headers=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=dict(headers or {}))
        if body is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        start = time.perf_counter()
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                status, raw, hdrs = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as err:
            status, raw, hdrs = err.code, err.read(), err.headers
        ms = (time.perf_counter() - start) * 1000
        self.log.append((method, path, status, ms))
        resp = Response(status, raw, hdrs, ms)
        token = _csrf_in(resp.text) if "html" in (hdrs.get("Content-Type") or "") else None
        if token:
            self.csrf = token
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, data=None, htmx=False, **kw):
        data = dict(data or {})
        headers = dict(kw.pop("headers", None) or {})
        if htmx:
            headers.update({"HX-Request": "true", "X-CSRFToken": self.csrf or ""})
        else:
            data.setdefault("csrf_token", self.csrf or "")
        return self.request("POST", path, data=data, headers=headers, **kw)

    def login(self, username, password):
        self.get("/auth/login")
        resp = self.post("/auth/login", {"username": username, "password": password})
        assert resp.status == 303, (username, resp.status)
        page = self.get("/units/")  # a fresh CSRF token for this session (sign-in rotates it)
        for _ in range(3):  # /units/ may redirect to the user's own unit
            if page.status not in (301, 302, 303) or not page.location:
                break
            page = self.get(urllib.parse.urlsplit(page.location)._replace(scheme="", netloc="").geturl())
        assert page.status == 200 and self.csrf, (username, page.status)
        return self

    def errors(self):
        """Responses that were neither a success nor a redirect."""
        return [entry for entry in self.log if entry[2] >= 400]


def _csrf_in(html):
    m = CSRF_RE.search(html)
    return (m.group(1) or m.group(2)) if m else None


@contextmanager
def live_server(app):
    """Serve `app` on a free port in a background thread (threaded: one thread per request)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def start_together(jobs):
    """Start every job at the same instant (a barrier) in its own thread; return (seconds, the exceptions raised)."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def wrap(job):
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # noqa: BLE001 — handed back to the caller
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(job,)) for job in jobs]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - begin, errors


def run_together(*jobs):
    """start_together for tests: re-raise the first exception."""
    _seconds, errors = start_together(jobs)
    if errors:
        raise errors[0]


def tap_together(client, path, data, n=4, htmx=False):
    """The same form sent n times at the same instant from one browser (a double tap on a flaky network)."""
    out = [None] * n

    def job(k):
        return lambda: out.__setitem__(k, client.post(path, data, htmx=htmx))

    run_together(*(job(k) for k in range(n)))
    return out


@pytest.fixture(scope="module")
def live(app):
    """The app as production runs it (CSRF on, errors answered by the error pages), on the tests' database."""
    from tests.conftest import make_app

    live_app = make_app(WTF_CSRF_ENABLED=True, TESTING=False)
    with live_server(live_app) as url:
        yield url
