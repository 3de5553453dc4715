"""An inspector on a 360 × 640 phone: with JavaScript each tap saves in place and survives a reload;
without it the section form saves and moves on."""
import pytest

from tests.test_browser import ARGS, CHROMIUM, browser, live_url, login, page  # noqa: F401
from tests.test_browser import pytestmark as _browser_mark

pytestmark = _browser_mark


def _open_planned(page, base):
    page.goto(base + "/inspections/?status=open")
    page.click("a.row:has-text('Đoàn thị trấn Tân Phong')")
    page.wait_for_selector("h1:has-text('Đoàn thị trấn Tân Phong')")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def test_inspector_records_on_a_phone(page, live_url):  # noqa: F811
    login(page, live_url, "huyen.inspector")
    inspection_id = _open_planned(page, live_url)
    if page.js:
        page.goto(f"{live_url}/inspections/{inspection_id}/record?s=1")
        page.evaluate("window.__noReload = 1")
        row = page.locator(".qrow").nth(1)
        row_id = row.get_attribute("id")
        # "Không" without a note: refused in the row, nothing else moves
        page.click(f"#{row_id} label:has(input[value=no])")
        page.wait_for_selector(f"#{row_id} .error")
        assert "vui lòng ghi chú" in page.locator(f"#{row_id} .error").inner_text()
        page.fill(f"#{row_id} textarea[name^=n-]", "Sổ chuyển đi chưa ghi")
        page.press(f"#{row_id} textarea[name^=n-]", "Tab")
        page.wait_for_selector(f"#{row_id} .badge.ok")
        assert page.evaluate("window.__noReload") == 1  # saved without a page load
        assert page.locator("#progress").inner_text().startswith("1/")
        page.reload()
        assert page.is_checked(f"#{row_id} input[value=no]")
        assert page.input_value(f"#{row_id} textarea[name^=n-]") == "Sổ chuyển đi chưa ghi"
    else:
        page.goto(f"{live_url}/inspections/{inspection_id}/record?s=2")
        rows = page.locator(".qrow")
        for i in range(rows.count()):
            rid = rows.nth(i).get_attribute("id")
            if page.locator(f"#{rid} input[value=yes]").count():
                page.click(f"#{rid} label:has(input[value=yes])")
            else:
                page.fill(f"#{rid} input[name^=a-]", "12")
        page.click("button:has-text('Lưu và sang phần tiếp')")
        page.wait_for_url("**/record?s=3")
        assert "Đã lưu phần 2." in page.content()
        page.goto(f"{live_url}/inspections/{inspection_id}/record?s=2")
        assert page.is_checked(".qrow input[value=yes]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not page.errors, page.errors


@pytest.mark.parametrize("path", ["/inspections/overview", "/inspections/actions", "/inspections/templates"])
def test_lists_fit_a_phone(page, live_url, path):  # noqa: F811
    login(page, live_url, "tinh.inspector")
    page.goto(live_url + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
