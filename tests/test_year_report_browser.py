"""The yearly report on a 360 × 640 phone in real headless Chromium, on the live demo (CSRF on): the PDF and the XLSX
annex download with JavaScript on; a report is written and sent with JavaScript on and off; the page fits 360 px."""
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.browser_fixtures import browser, live_demo, login, page  # noqa: F401 — shared fixtures
from tests.browser_fixtures import browser_mark as pytestmark  # noqa: F401 — the browser marker and skip rule


def fits_360(page, what):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, what


def settled(page):
    if page.js:
        page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def _unit(live_demo, level):
    return live_demo.sql("SELECT id FROM unit WHERE level = ? ORDER BY id LIMIT 1", level)[0][0]


def test_the_pdf_and_the_annex_download_with_javascript_on(page, live_demo):  # noqa: F811
    if not page.js:
        pytest.skip("downloads are checked with JavaScript on")
    base = live_demo.url
    province = _unit(live_demo, "province")
    year = date.today().year - 1
    login(page, base, "tinh.viewer")
    page.goto(f"{base}/year/units/{province}/report?year={year}")
    settled(page)
    fits_360(page, "the report page")
    assert "45-BC/TĐTN-BTCKT" in page.content() or "Bản số 1" in page.content()
    with page.expect_download(timeout=60000) as dl:
        page.click("a.btn:has-text('Tải PDF')")
    assert dl.value.suggested_filename == f"bao-cao-nam-{year}-{province}-ban-1.pdf"
    with open(dl.value.path(), "rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF-")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    for words in ("BAN TỔ CHỨC – KIỂM TRA", "ĐOÀN TNCS HỒ CHÍ MINH", "Số: 45-BC/TĐTN-BTCKT", "Nơi nhận", "TM. BAN THƯỜNG VỤ"):
        assert words in text, words
    with page.expect_download(timeout=60000) as dl:
        page.click("a.btn:has-text('Tải phụ lục Excel')")
    assert dl.value.suggested_filename.endswith(".xlsx")
    with open(dl.value.path(), "rb") as f:
        book = load_workbook(io.BytesIO(f.read()), read_only=True)
    assert book.sheetnames[0] == "Thông tin" and book.sheetnames[1] == "1. Đoàn viên trong sổ"
    assert not page.errors, page.errors


def test_a_report_is_written_and_sent_at_360(page, live_demo):  # noqa: F811
    """JS on: the commune's officer; JS off: the district's (each writes this year's report of their own unit)."""
    base = live_demo.url
    level, who = ("commune", "xa.officer") if page.js else ("district", "huyen.officer")
    unit = live_demo.sql("SELECT u.id FROM unit u JOIN role_grant g ON g.unit_id = u.id JOIN user_account a "
                         "ON a.id = g.user_id WHERE a.username = ? AND u.level = ?", who, level)[0][0]
    year = date.today().year
    page.on("dialog", lambda d: d.accept())  # "send?" asks once (JavaScript on)
    login(page, base, who)
    page.goto(f"{base}/year/units/{unit}/report?year={year}")
    settled(page)
    fits_360(page, "a new report")
    page.fill("#results", "Kết nạp đoàn viên mới, củng cố chi đoàn yếu kém.")
    page.fill("#doc_number", "số 3")
    page.click("button:has-text('Lưu bản nháp')")
    settled(page)
    assert "45-BC/TĐTN-BTCKT" in page.inner_text("#f-doc_number")  # refused, beside the field
    assert page.input_value("#results") == "Kết nạp đoàn viên mới, củng cố chi đoàn yếu kém."
    page.fill("#doc_number", "03-BC/ĐTN")
    page.click("button:has-text('Lưu bản nháp')")
    settled(page)
    page.wait_for_selector("text=Đã lưu bản nháp báo cáo.")
    page.fill("#tasks", "Hoàn thành rà soát tháng 3.")
    page.click("button:has-text('Lưu và gửi bản số 1')")
    settled(page)
    page.wait_for_selector("text=Đã gửi báo cáo, bản số 1.")
    fits_360(page, "a sent report")
    rows = live_demo.sql("SELECT v.number, r.tasks FROM year_report_version v JOIN year_report r ON r.id = v.report_id "
                         "WHERE r.unit_id = ? AND r.year = ?", unit, year)
    assert rows == [(1, "Hoàn thành rà soát tháng 3.")]
    assert not page.errors, page.errors
