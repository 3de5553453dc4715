"""The people list and the person form in real headless Chromium at 360 × 640, JavaScript on and off."""
import sqlite3

from tests.browser_fixtures import BROWSER_DB as DB
from tests.test_browser import browser, live_url, login, page, pytestmark  # noqa: F401 — shared fixtures and skip rule


def sql(query, *args):
    with sqlite3.connect(DB) as conn:
        return conn.execute(query, args).fetchall()


def test_search_without_diacritics(page, live_url):
    login(page, live_url, "xa.officer")
    full, key = sql("SELECT p.full_name, p.name_key FROM person p JOIN unit b ON b.id = p.unit_id JOIN unit c ON c.id = b.parent_id "
                    "WHERE c.code = 'QX-QN' AND p.status IN ('active', 'away') ORDER BY p.id LIMIT 1")[0]
    page.goto(live_url + "/members/")
    page.fill("#q", key.upper())
    if page.js:
        page.wait_for_url(lambda url: "q=" in url)  # active search swapped the results and pushed the URL
    else:
        page.click("button:has-text('Lọc')")
        page.wait_for_load_state()
    page.wait_for_selector(f"#results a.row:has-text('{full}')")
    assert not page.errors, page.errors


def test_add_person_with_inline_validation(page, live_url):
    login(page, live_url, "xa.officer")
    commune = sql("SELECT id FROM unit WHERE code = 'QX-QN'")[0][0]
    page.goto(f"{live_url}/members/new?unit={commune}")
    name = "Bùi Thị Điện Thoại " + ("JS" if page.js else "KhongJS")
    page.fill("#full_name", name)
    page.fill("#birth_date", "05/03/2004")
    page.fill("#citizen_id", "12345")
    if page.js:
        # hx-sync "closest form:abort" drops a check while another one (birth date, on blur) is in flight
        page.wait_for_load_state("networkidle")
        page.locator("#citizen_id").dispatch_event("change")
        page.wait_for_selector("#err-citizen_id p.error")  # only the error box swapped, the inputs keep their text
        assert page.input_value("#full_name") == name
    page.fill("#citizen_id", "")
    page.click("button[type=submit]:has-text('Lưu')")
    page.wait_for_selector(f"h1:has-text('{name}')")
    assert sql("SELECT count(*) FROM person WHERE full_name = ?", name) == [(1,)]
    assert not page.errors, page.errors


def test_import_preview_then_confirm(page, live_url):
    """A roll import at 360 px: upload (with progress when JavaScript is on), preview, confirm, all written."""
    login(page, live_url, "xa.officer")
    commune, code = sql("SELECT c.id, b.code FROM unit c JOIN unit b ON b.parent_id = c.id WHERE c.code = 'QX-QN' "
                        "AND b.level = 'branch' AND b.status = 'active' ORDER BY b.id LIMIT 1")[0]
    tag = "Co JS" if page.js else "Khong JS"
    rows = [f"{code},Hà Thị Nhập {tag} {i},Nữ,0{i + 1}/02/2003,,Đoàn viên,Công nhân" for i in range(3)]
    data = ("\ufeffMã chi đoàn,Họ và tên,Giới tính,Ngày sinh,Số CCCD,Đối tượng,Nghề nghiệp\n" + "\n".join(rows)).encode()
    page.goto(f"{live_url}/members/import?unit={commune}")
    if page.js:  # record what the progress box showed while the file went up
        page.evaluate("""() => { window.seen = [];
          document.addEventListener('htmx:xhr:progress', e => { const box = document.querySelector('.progress');
            if (box) window.seen.push([e.detail.loaded, e.detail.total, box.hidden]); }); }""")
    page.set_input_files("#file", files=[{"name": "ds.csv", "mimeType": "text/csv", "buffer": data}])
    page.click("button[type=submit]:has-text('Tải lên và xem trước')")
    page.wait_for_selector("button:has-text('Xác nhận nhập')")
    assert "3" in page.inner_text(".stats")
    if page.js:
        seen = page.evaluate("window.seen")
        assert seen and any(loaded == total and not hidden for loaded, total, hidden in seen), seen
    page.click("button:has-text('Xác nhận nhập')")
    page.wait_for_selector(".flash.success")
    assert sql("SELECT count(*) FROM person WHERE full_name LIKE ?", f"Hà Thị Nhập {tag}%") == [(3,)]
    assert not page.errors, page.errors
