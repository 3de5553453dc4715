"""Attendance and dues in real headless Chromium at 360 × 640, JavaScript on (one tap via htmx) and off (plain form)."""
import sqlite3
import threading

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from tests.conftest import _TMP, make_app
from tests.test_browser import browser, login, page, pytestmark  # noqa: F401 — shared fixtures and skip rule

DB = _TMP / "browser_activities.db"


@pytest.fixture(scope="module")
def live_url():
    from app.seed import seed_demo

    if DB.exists():
        DB.unlink()
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{DB}", WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        db.create_all()
        seed_demo(size="small", seed=5, echo=lambda *a: None)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def sql(query, *args):
    with sqlite3.connect(DB) as conn:
        return conn.execute(query, args).fetchall()


def test_attendance_one_tap_or_plain_form(page, live_url):
    login(page, live_url, "xa.officer")
    branch = sql("SELECT u.id FROM unit u JOIN role_grant g ON g.unit_id = u.parent_id JOIN user_account a ON a.id = g.user_id "
                 "WHERE a.username = 'xa.officer' AND u.level = 'branch' ORDER BY u.id LIMIT 1")[0][0]
    page.goto(f"{live_url}/activities/new?unit={branch}")
    page.fill("#title", "Sinh hoạt thử trên điện thoại " + ("JS" if page.js else "không JS"))
    page.click("button[type=submit]:has-text('Lưu')")
    page.wait_for_selector("h2:has-text('Điểm danh')")
    activity = int(page.url.rstrip("/").rsplit("/", 1)[1])
    rows = page.locator("li.att")
    assert rows.count() >= 3
    first_id = int(rows.nth(0).get_attribute("id").split("-")[1])
    if page.js:
        with page.expect_response(lambda r: f"/attendance/{first_id}" in r.url) as resp:
            rows.nth(0).locator("span.present").click()
        assert resp.value.status == 200
        page.wait_for_function(f"document.querySelector('#att-{first_id} input[value=present]').checked")
        for choice in ("absent", "present"):  # a change of mind: still one row, updated in place
            with page.expect_response(lambda r: f"/attendance/{first_id}" in r.url):
                page.locator(f"#att-{first_id} span.{choice}").click()
        assert sql("SELECT status FROM attendance WHERE activity_id = ? AND person_id = ?", activity, first_id) == [("present",)]
        assert page.url.endswith(f"/activities/{activity}")  # no navigation: only the row was swapped
    else:
        for i, choice in ((0, "present"), (1, "absent"), (2, "excused")):
            rows.nth(i).locator(f"span.{choice}").click()
        page.click("button[type=submit]:has-text('Lưu điểm danh')")
        page.wait_for_selector(".flash.success")
        statuses = sorted(s for (s,) in sql("SELECT status FROM attendance WHERE activity_id = ?", activity))
        assert statuses == ["absent", "excused", "present"]
    assert not page.errors, page.errors


def test_dues_mark_paid_without_javascript_too(page, live_url):
    login(page, live_url, "xa.officer")
    branch = sql("SELECT u.id FROM unit u JOIN role_grant g ON g.unit_id = u.parent_id JOIN user_account a ON a.id = g.user_id "
                 "WHERE a.username = 'xa.officer' AND u.level = 'branch' ORDER BY u.id LIMIT 1 OFFSET 1")[0][0]
    page.goto(f"{live_url}/activities/dues/{branch}")
    boxes = page.locator("input[name=person]")
    if boxes.count() == 0:
        pytest.skip("everyone already paid this month in the demo")
    pid = int(boxes.nth(0).get_attribute("value"))
    boxes.nth(0).check()
    page.click("button[type=submit]:has-text('Ghi đã đóng')")
    page.wait_for_selector(".flash.success")
    assert sql("SELECT count(*) FROM dues_payment WHERE person_id = ? AND month >= date('now', 'start of month')", pid)[0][0] == 1
    assert not page.errors, page.errors
