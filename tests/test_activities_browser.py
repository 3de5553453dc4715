"""Attendance and dues in real headless Chromium at 360 × 640, JavaScript on (one tap via htmx) and off (plain form)."""
import sqlite3

from tests.browser_fixtures import BROWSER_DB as DB
from tests.test_browser import browser, live_url, login, page, pytestmark  # noqa: F401 — shared fixtures and skip rule


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
    assert boxes.count() > 0  # the demo leaves people unpaid this month on every branch
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

    from app.dates import add_months, month_start

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


def _fits_360(page):
    assert page.evaluate("document.documentElement.scrollWidth") == 360


def test_all_present_then_tap_the_absent_on_a_compact_roll(page, live_url):
    """Issue 9 item 11: one button marks everyone present, then only the absent are tapped; a row is one line."""
    login(page, live_url, "xa.officer")
    branch, size = sql("SELECT p.unit_id, count(*) FROM person p JOIN unit u ON u.id = p.unit_id JOIN unit c ON c.id = u.parent_id "
                       "JOIN role_grant g ON g.unit_id = c.id JOIN user_account a ON a.id = g.user_id "
                       "WHERE a.username = 'xa.officer' AND u.level = 'branch' AND u.status = 'active' "
                       "AND p.status IN ('active', 'away') GROUP BY p.unit_id ORDER BY count(*) DESC LIMIT 1")[0]
    assert size >= 5
    page.goto(f"{live_url}/activities/new?unit={branch}")
    page.fill("#title", "Sinh hoạt đông người " + ("JS" if page.js else "không JS"))
    page.click("button[type=submit]:has-text('Lưu')")
    page.wait_for_selector("h2:has-text('Điểm danh')")
    activity = int(page.url.rstrip("/").rsplit("/", 1)[1])
    rows = page.locator("#roll li.att")
    n = rows.count()
    assert n == size
    _fits_360(page)
    heights = page.eval_on_selector_all("#roll li.att", "els => els.map(e => e.getBoundingClientRect().height)")
    assert max(heights) <= 64, max(heights)  # one line per person (it was ~145 px)
    targets = page.eval_on_selector_all("#roll .seg label", "els => els.map(e => [e.offsetWidth, e.offsetHeight])")
    assert min(w for w, _h in targets) >= 44 and min(h for _w, h in targets) >= 44
    page.click("#all-present")
    page.wait_for_selector(f".flash.success:has-text('Đã lưu điểm danh {n} người')")
    assert sql("SELECT count(*) FROM attendance WHERE activity_id = ? AND status = 'present'", activity)[0][0] == n
    absent = [int(rows.nth(i).get_attribute("id").split("-")[1]) for i in (1, 3)]
    for pid in absent:
        if page.js:
            with page.expect_response(lambda r, pid=pid: f"/attendance/{pid}" in r.url):
                page.locator(f"#att-{pid} span.absent").click()
        else:
            page.locator(f"#att-{pid} span.absent").click()
    if not page.js:
        page.click("button[type=submit]:has-text('Lưu điểm danh')")
        page.wait_for_selector(f".flash.success:has-text('Đã lưu điểm danh {n} người')")
    got = dict(sql("SELECT person_id, status FROM attendance WHERE activity_id = ?", activity))
    assert len(got) == n and sorted(p for p, s in got.items() if s == "absent") == sorted(absent)
    # htmx swaps the totals (out of band) just after the response arrives: wait for the swap, not the response
    page.wait_for_function("n => document.querySelector('#att-stats .stat b').innerText === n", arg=str(n - 2),
                           timeout=10_000)
    assert page.locator("#att-stats .stat b").first.inner_text() == str(n - 2)
    assert not page.errors, page.errors


def test_dues_several_months_then_reverse_one(page, live_url):
    """Issue 9 item 12: a person pays a quarter in one visit; a month recorded by mistake is reversed, not deleted."""
    from datetime import date

    from app.dates import add_months, month_start

    login(page, live_url, "xa.officer")
    this = month_start(date.today())
    first = add_months(this, -3)
    person = sql("SELECT p.id FROM person p JOIN unit u ON u.id = p.unit_id JOIN unit c ON c.id = u.parent_id "
                 "JOIN role_grant g ON g.unit_id = c.id JOIN user_account a ON a.id = g.user_id "
                 "WHERE a.username = 'xa.officer' AND u.level = 'branch' AND u.status = 'active' AND p.member_type = 'union' "
                 "AND p.status = 'active' AND p.joined_on < ? ORDER BY p.id LIMIT 1 OFFSET ?",
                 first.isoformat(), 3 if page.js else 4)[0][0]
    before = {m for (m,) in sql("SELECT month FROM dues_payment WHERE person_id = ? AND NOT reversed", person)}
    page.goto(f"{live_url}/members/{person}")
    page.click("a:has-text('Ghi, hoàn tác đoàn phí nhiều tháng')")
    page.wait_for_selector("#first")
    _fits_360(page)
    page.select_option("#first", first.strftime("%Y-%m"))
    page.select_option("#last", add_months(this, -1).strftime("%Y-%m"))
    page.click("button[type=submit]:has-text('Ghi đã đóng các tháng này')")
    page.wait_for_selector(".flash")
    quarter = {add_months(first, k).isoformat() for k in range(3)}
    after = {m for (m,) in sql("SELECT month FROM dues_payment WHERE person_id = ? AND NOT reversed", person)}
    assert quarter <= after and after - before == quarter - before
    if quarter - before:
        assert "Đã ghi đoàn phí" in page.inner_text(".flash")
    month = add_months(this, -1).strftime("%Y-%m")
    page.click(f"a[href$='/reverse/{month}']")
    page.wait_for_selector("#reason")
    _fits_360(page)
    page.fill("#reason", "Ghi nhầm tháng")
    page.click("button[type=submit]:has-text('Hoàn tác')")
    page.wait_for_selector(".flash.success")
    assert sql("SELECT reversed FROM dues_payment WHERE person_id = ? AND month = ?", person,
               add_months(this, -1).isoformat()) == [(1,)]
    assert sql("SELECT reason FROM dues_reversal WHERE person_id = ?", person) == [("Ghi nhầm tháng",)]
    assert page.locator(f"a[href$='/reverse/{month}']").count() == 0
    _fits_360(page)
    assert not page.errors, page.errors
