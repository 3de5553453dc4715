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


def test_officer_journey_paper_to_real(page, live_url):
    """Issue acceptance: a commune officer on a phone finds a person typed without diacritics, marks attendance,
    records dues, and sees the person turn from paper to real once the evidence is there (JS off and on)."""
    from datetime import date

    from app.members.criteria import add_months, month_start

    login(page, live_url, "xa.officer")
    commune, branch = sql("SELECT c.id, b.id FROM unit c JOIN unit b ON b.parent_id = c.id WHERE c.code = 'QX-QN' "
                          "AND b.level = 'branch' AND b.status = 'active' ORDER BY b.id LIMIT 1 OFFSET 2")[0]
    name = "Đỗ Thị Hường " + ("Có JS" if page.js else "Không JS")
    joined = add_months(month_start(date.today()), -3)  # owes 3 complete months: dues fail until one is paid
    page.goto(f"{live_url}/members/new?unit={commune}")
    page.select_option("#branch", str(branch))
    page.fill("#full_name", name)
    page.check("input[name=sex][value=female]")
    page.fill("#birth_date", "05/03/2004")
    page.fill("#joined_on", joined.strftime("%d/%m/%Y"))
    page.click("button[type=submit]:has-text('Lưu')")
    page.wait_for_selector(f"h1:has-text('{name}')")
    person = sql("SELECT id FROM person WHERE full_name = ?", name)[0][0]
    assert page.inner_text("#verdict") == "Hình thức (“áo”)"

    # find the person by typing the name without diacritics
    page.goto(live_url + "/members/")
    page.fill("#q", "do thi huong " + ("co js" if page.js else "khong js"))
    if page.js:
        page.wait_for_url(lambda url: "q=" in url)
    else:
        page.click("button:has-text('Lọc')")
        page.wait_for_load_state()
    page.click(f"#results a.row:has-text('{name}')")
    page.wait_for_selector(f"h1:has-text('{name}')")

    # a branch meeting today where the person is present
    page.goto(f"{live_url}/activities/new?unit={branch}")
    page.fill("#title", "Sinh hoạt chi đoàn " + name)
    page.click("button[type=submit]:has-text('Lưu')")
    page.wait_for_selector("h2:has-text('Điểm danh')")
    row = page.locator(f"#att-{person}")
    if page.js:
        with page.expect_response(lambda r: f"/attendance/{person}" in r.url):
            row.locator("span.present").click()
    else:
        row.locator("span.present").click()
        page.click("button[type=submit]:has-text('Lưu điểm danh')")
        page.wait_for_selector(".flash.success")
    assert sql("SELECT status FROM attendance WHERE person_id = ?", person) == [("present",)]

    # dues for last month
    last = add_months(month_start(date.today()), -1)
    page.goto(f"{live_url}/activities/dues/{branch}?month={last.strftime('%Y-%m')}")
    page.check(f"input[name=person][value='{person}']")
    page.click("button[type=submit]:has-text('Ghi đã đóng')")
    page.wait_for_selector(".flash.success")

    page.goto(f"{live_url}/members/{person}")
    assert page.inner_text("#verdict") == "Thực chất"
    assert page.locator("#criteria li .badge.ok").count() == 5
    assert not page.errors, page.errors
