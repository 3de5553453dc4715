"""Unit grading and the consolidation plan on a 360 × 640 phone in real headless Chromium, JavaScript on and off, on
the seeded small demo: the level above computes this year's proposals, accepts them in one step, changes one with a
reason (refused first without one), reads the weak list; the district downloads its plan's PDF (JavaScript on)."""
import io
from datetime import date

import pytest
from pypdf import PdfReader

from tests.browser_fixtures import browser, live_demo, login, page  # noqa: F401 — shared fixtures
from tests.browser_fixtures import browser_mark as pytestmark  # noqa: F401 — the browser marker and skip rule

YEAR = date.today().year


def fits_360(page, what):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, (what, width)


def _tap(page, selector):
    if page.js:
        page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.click(selector)


def test_the_level_above_grades_on_a_phone(page, live_demo):  # noqa: F811
    if date.today().month == 1:
        pytest.skip("no month of this year has ended yet: nothing to propose from")
    district = live_demo.sql("SELECT id FROM unit WHERE level = 'district' ORDER BY id LIMIT 1")[0][0]
    commune = live_demo.sql("SELECT id FROM unit WHERE parent_id = ? ORDER BY id LIMIT 1", district)[0][0]
    # JavaScript on: the commune grades its branches; off: the district grades its communes
    username, unit = ("xa.officer", commune) if page.js else ("huyen.officer", district)
    login(page, live_demo.url, username)
    page.goto(f"{live_demo.url}/year/units/{unit}?year={YEAR}")
    with page.expect_navigation():
        page.click("a:has-text('Xếp loại tổ chức Đoàn cấp dưới')")
    fits_360(page, "the grading page")
    _tap(page, "button:has-text('Tính đề xuất từ sổ')")
    page.wait_for_selector(".flash.success:has-text('Đã tính đề xuất từ sổ')")
    _tap(page, "button:has-text('Chấp nhận')")
    page.wait_for_selector(".flash.success:has-text('Đã chấp nhận đề xuất')")
    undecided = live_demo.sql("SELECT count(*) FROM unit_grade g JOIN unit u ON u.id = g.unit_id "
                              "WHERE u.parent_id = ? AND g.year = ? AND g.grade_id IS NULL", unit, YEAR)[0][0]
    assert undecided == 0
    # change one: without a reason it is refused, the message beside the field; with one it is saved
    with page.expect_navigation():
        page.locator("#results a.row").first.click()
    fits_360(page, "a unit's grade")
    options = page.locator("#grade option")
    chosen = page.input_value("#grade")
    other = next(v for v in (options.nth(i).get_attribute("value") for i in range(options.count())) if v != chosen)
    page.select_option("#grade", other)
    page.click("button:has-text('Lưu xếp loại')")
    page.wait_for_selector("p.error:has-text('Xếp loại khác đề xuất: vui lòng ghi lý do.')")
    fits_360(page, "the refused decision")
    reason = f"Cấp trên điều chỉnh ({'có' if page.js else 'không có'} JavaScript)"
    page.fill("#reason", reason)
    with page.expect_navigation():
        page.click("button:has-text('Lưu xếp loại')")
    page.wait_for_selector(".flash.success:has-text('Đã xếp loại')")
    assert live_demo.sql("SELECT count(*) FROM unit_grade WHERE reason = ? AND grade_id = ?", reason, int(other))[0][0] == 1
    page.goto(f"{live_demo.url}/year/units/{unit}/weak?year={YEAR - 1}")
    fits_360(page, "the weak list")
    assert "đơn vị yếu kém" in page.inner_text("main")
    assert not page.errors, page.errors


def test_the_plan_pdf_downloads_with_javascript_on(page, live_demo):  # noqa: F811
    if not page.js:
        pytest.skip("downloads are checked with JavaScript on")
    plan = live_demo.sql("SELECT id FROM consolidation_plan ORDER BY id LIMIT 1")[0][0]
    login(page, live_demo.url, "huyen.officer")
    page.goto(f"{live_demo.url}/year/plans/{plan}")
    fits_360(page, "the plan")
    with page.expect_download(timeout=60000) as dl:
        page.click(f"a[href='/year/plans/{plan}/plan.pdf']")
    assert dl.value.suggested_filename.endswith(".pdf")
    with open(dl.value.path(), "rb") as f:
        data = f.read()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "KẾ HOẠCH" in text and f"Củng cố cơ sở Đoàn yếu kém năm {YEAR - 1}" in text, text[:500]
    assert not page.errors, page.errors
