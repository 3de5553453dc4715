"""Real headless Chromium at a 360 × 640 phone viewport, JavaScript on and off."""
from tests.browser_fixtures import ARGS, BROWSER_DB, CHROMIUM, browser, live_url, login, page  # noqa: F401 — re-exported
from tests.browser_fixtures import browser_mark as pytestmark  # noqa: F401 — the browser marker and skip rule


def logout(page):
    page.click("button:has-text('Đăng xuất')")
    page.wait_for_selector("#username")
    assert "Bạn đã đăng xuất." in page.content()


def test_province_admin_browses_down_to_a_branch(page, live_url):
    login(page, live_url, "tinh.admin")
    assert page.locator("h1").inner_text() == "Tỉnh đoàn Thanh Hóa"
    page.click("a.row:has-text('Huyện đoàn Quảng Xương')")
    page.wait_for_selector("h1:has-text('Huyện đoàn Quảng Xương')")
    page.click("a.row:has-text('Đoàn xã Quảng Ngọc')")
    page.wait_for_selector("h1:has-text('Đoàn xã Quảng Ngọc')")
    page.locator("#children a.row").first.click()
    page.wait_for_selector(".crumbs:has-text('Đoàn xã Quảng Ngọc')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling at 360 px
    if page.js:
        assert page.evaluate("typeof htmx") == "object"
    logout(page)
    assert not page.errors, page.errors


def test_commune_admin_creates_a_branch(page, live_url):
    login(page, live_url, "xa.admin")
    assert page.locator("h1").inner_text() == "Đoàn xã Quảng Ngọc"
    page.click("a:has-text('Thêm đơn vị trực thuộc')")
    page.wait_for_selector("#unit-form")
    code = "JS1" if page.js else "NOJS1"
    # bad input first: the message appears beside the field and the typed text stays
    page.select_option("#level_kind", "branch:worker_residential")
    page.fill("#code", code)
    page.click("#unit-form button[type=submit]")
    page.wait_for_selector("#e-name")
    assert page.locator("#e-name").inner_text() == "Vui lòng nhập tên đơn vị."
    assert page.input_value("#code") == code
    page.fill("#name", f"Chi đoàn công nhân {code}")
    page.fill("#founded_on", "01/05/2025")
    page.click("#unit-form button[type=submit]")
    page.wait_for_selector(f"h1:has-text('Chi đoàn công nhân {code}')")
    assert "Đã tạo đơn vị" in page.content()
    logout(page)
    assert not page.errors, page.errors


def test_commune_officer_cannot_open_another_commune(page, live_url):
    login(page, live_url, "xa.officer")
    resp = page.goto(live_url + "/units/1")
    assert resp.status == 403
    assert "Bạn không có quyền truy cập trang này" in page.content()
