"""Chromium, JS on and off: a form sent after the session ended in another tab comes back filled after sign-in
(issue 8 item 5)."""
import sqlite3

from tests.browser_fixtures import BROWSER_DB
from tests.test_browser import browser, live_url, login, page, pytestmark  # noqa: F401 — shared fixtures


def _commune_id():
    with sqlite3.connect(BROWSER_DB) as conn:
        return conn.execute("SELECT id FROM unit WHERE name = 'Đoàn xã Quảng Ngọc'").fetchone()[0]


def test_form_sent_after_sign_out_in_another_tab_comes_back_after_sign_in(page, live_url):  # noqa: F811
    login(page, live_url, "xa.officer")
    form_url = f"{live_url}/members/new?unit={_commune_id()}"
    page.goto(form_url)
    page.fill("#full_name", "Trịnh Thị Bền Bỉ")
    page.fill("#birth_date", "12/08/2003")
    page.fill("#notes", "Gõ rất lâu trên điện thoại, không được mất")
    other = page.context.new_page()  # tab 2 signs out
    other.goto(live_url + "/members/")
    other.click("header ~ * button:has-text('Đăng xuất'), button:has-text('Đăng xuất')")
    other.wait_for_url("**/auth/login**")
    other.close()
    page.click("form.card button[type=submit]:has-text('Lưu')")
    page.wait_for_url("**/auth/login**")
    page.wait_for_selector("text=đã được giữ lại")
    page.fill("#username", "xa.officer")
    page.fill("#password", "sodoan-2026")
    page.click("button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_url("**/members/new**")
    page.wait_for_selector("text=đã được điền lại")
    assert page.input_value("#full_name") == "Trịnh Thị Bền Bỉ"
    assert page.input_value("#birth_date") == "12/08/2003"
    assert page.input_value("#notes") == "Gõ rất lâu trên điện thoại, không được mất"
    assert not page.errors, page.errors
