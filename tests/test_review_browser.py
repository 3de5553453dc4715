"""The March review on a 360 × 640 phone in real headless Chromium, JavaScript on (each tap saves in place) and off
(one plain form per household): a commune officer opens the campaign from the home page, walks a branch of 40
people in 8 households, records every kind of outcome, adds two youth found at the doors and reconciles the
commune into the registry. The module's own data (tests/test_review_concurrency.review_world) on its own SQLite
file, served live with CSRF on."""
import io
import sqlite3
from datetime import date

import pytest
from pypdf import PdfReader
from werkzeug.security import generate_password_hash

from app.extensions import db
from tests.browser_fixtures import browser, page  # noqa: F401 — shared fixtures
from tests.browser_fixtures import browser_mark as pytestmark  # noqa: F401 — the browser marker and skip rule
from tests.conftest import _TMP, FAST_METHOD, make_app
from tests.live import live_server
from tests.test_review_concurrency import review_world

DEMO_PASSWORD = "sodoan-2026"  # what browser_fixtures.login types
PATH = _TMP / "review-browser.db"
COMMUNES = ("Hòa An", "Hòa Bình", "Hòa Lạc")  # JS on, JS off, the replays
# person index in the branch → (outcome, details typed in "Chi tiết")
PLAN = {0: ("present", {}), 1: ("away", {"p": "Khu công nghiệp VSIP, Bình Dương"}), 2: ("moved", {"p": "Hà Đông, Hà Nội"}),
        3: ("not_found", {}), 4: ("deceased", {}), 5: ("over_age", {}), 6: ("corrected", {"ph": "0987 654 321"})}


class Site:
    def __init__(self, app, url, world):
        self.app, self.url, self.world = app, url, world

    def sql(self, query, *args):
        with sqlite3.connect(PATH) as conn:
            return conn.execute(query, args).fetchall()

    def one(self, query, *args):
        rows = self.sql(query, *args)
        return rows[0][0] if rows else None

    def subject(self, person_id):
        return self.one("SELECT id FROM review_subject WHERE person_id = ?", person_id)


@pytest.fixture(scope="module")
def site():
    if PATH.exists():
        PATH.unlink()
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{PATH}", WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        db.create_all()
        world = review_world(db, app, communes=COMMUNES,
                             password_hash=generate_password_hash(DEMO_PASSWORD, method=FAST_METHOD))
        db.session.remove()
    with live_server(app) as url:
        yield Site(app, url, world)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in(page, base, username):
    page.goto(base + "/")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_selector("nav.nav")


def fits_360(page, what):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, what


def tap(page, sid, outcome):
    """JS on: one tap posts the row and swaps it; JS off: only the radio is chosen."""
    if page.js:
        with page.expect_response(lambda r: f"/review/subjects/{sid}/outcome" in r.url) as resp:
            page.click(f"#rv-{sid} span.{outcome}")
        # The response arriving is not the row swapped: wait until htmx has put it in and settled, or a field
        # typed next goes into the old row (stale "p.by" from an earlier run matches at once).
        page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
        return resp.value
    page.click(f"#rv-{sid} span.{outcome}")
    return None


def fill_details(page, sid, details):
    """Open "Chi tiết" and type; with JS each field's change posts the row again (the outcome and the details)."""
    box = page.locator(f"#rv-{sid} details.more")
    if not box.evaluate("d => d.open"):
        page.click(f"#rv-{sid} details.more summary")
    for key, value in details.items():
        if page.js:
            with page.expect_response(lambda r: f"/review/subjects/{sid}/outcome" in r.url) as resp:
                page.fill(f"#{key}-{sid}", value)
                page.press(f"#{key}-{sid}", "Tab")
            assert resp.value.status == 200, resp.value.text()[:500]
            page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
        else:
            page.fill(f"#{key}-{sid}", value)


def test_officer_walks_a_branch_and_reconciles(page, site):  # noqa: F811
    k = 0 if page.js else 1
    c = site.world.communes[k]
    campaign = site.world.campaign
    sign_in(page, site.url, c.officers[0])

    # the home page (the commune) shows this year's campaign; from there to the commune's coverage page
    assert page.locator("h1").inner_text() == f"Đoàn xã {COMMUNES[k]}"
    page.click(f"section.card h2 a:has-text('Rà soát năm {date.today().year}')")
    page.wait_for_selector("h2:has-text('Đoàn xã')")
    assert f"unit={c.commune}" in page.url
    fits_360(page, "the campaign page")
    page.click(f"table a[href$='/review/{campaign}/branches/{c.branch}']")
    page.wait_for_selector("h1:has-text('Chi đoàn Thôn 2')")
    fits_360(page, "the walk list")

    # 8 households of 5, whatever way their addresses were typed: whole households of ~25 people a page
    assert [page.locator(f"form.hh >> nth={i} >> fieldset.rv").count() for i in range(page.locator("form.hh").count())] == [5] * 5
    page.goto(f"{site.url}/review/{campaign}/branches/{c.branch}?page=2")
    assert [page.locator(f"form.hh >> nth={i} >> fieldset.rv").count() for i in range(page.locator("form.hh").count())] == [5] * 3
    fits_360(page, "the walk list, page 2")
    page.go_back()
    page.wait_for_selector("form.hh")
    assert page.locator("#walk-count").inner_text() == "0/40"
    sids = {i: site.subject(c.people[i]) for i in PLAN}
    if page.js:
        page.evaluate("window.__still_here = 1")
        for i, (outcome, details) in PLAN.items():
            sid = sids[i]
            resp = tap(page, sid, outcome)
            if outcome == "corrected":  # nothing to correct yet: refused in the row, the details open beside it
                assert resp.status == 422
                page.wait_for_selector(f"#rv-{sid} .error")
                assert "Nhập ít nhất một thông tin cần sửa" in page.inner_text(f"#rv-{sid} .error")
            else:
                assert resp.status == 200, resp.text()[:500]
            fill_details(page, sid, details)
            page.wait_for_selector(f"#rv-{sid} p.by")
            assert page.is_checked(f"#rv-{sid} input[value={outcome}]")
        assert page.evaluate("window.__still_here") == 1  # seven taps, no page load
        assert page.locator("#walk-count").inner_text() == "7/40"
        assert page.locator("#walk-pending").inner_text() == "33"
        assert page.locator("b#walk-count").count() == 1  # still bold after the out-of-band swaps
        page.reload()
        for i, (outcome, _d) in PLAN.items():
            assert page.is_checked(f"#rv-{sids[i]} input[value={outcome}]"), (i, outcome)
    else:
        for i, (outcome, details) in PLAN.items():  # two households: the first five, then two of the next
            tap(page, sids[i], outcome)
            fill_details(page, sids[i], details)
            if i in (4, 6):
                with page.expect_navigation():
                    page.click(f"#rv-{sids[i]} >> xpath=ancestor::form >> button:has-text('Lưu cả hộ')")
                assert page.locator(".flash.success").count() == 1
                assert page.locator(".flash.success").inner_text() == f"Đã lưu kết quả của {5 if i == 4 else 2} người."
        for i, (outcome, _d) in PLAN.items():  # the page shows what was saved
            assert page.is_checked(f"#rv-{sids[i]} input[value={outcome}]"), (i, outcome)
        assert page.locator("#walk-count").inner_text() == "7/40"
    stored = dict(site.sql(f"SELECT person_id, outcome FROM review_subject WHERE campaign_id = ? AND person_id IN "
                           f"({','.join('?' * len(PLAN))})", campaign, *(c.people[i] for i in PLAN)))
    assert stored == {c.people[i]: o for i, (o, _d) in PLAN.items()}
    assert site.one("SELECT place FROM review_outcome WHERE id = (SELECT outcome_id FROM review_subject WHERE id = ?)",
                    sids[1]) == "Khu công nghiệp VSIP, Bình Dương"
    assert site.one("SELECT phone FROM review_outcome WHERE id = (SELECT outcome_id FROM review_subject WHERE id = ?)",
                    sids[6]) == "0987 654 321"
    fits_360(page, "the walk list, answered")

    # a row's own link is a page of its own (with JS: a boosted link, not swapped into the row, not sent with its fields)
    page.click(f"#rv-{sids[1]} a:has-text('lịch sử')")
    page.wait_for_selector("h2:has-text('Kết quả đã ghi')")
    assert page.url.endswith(f"/review/subjects/{sids[1]}")
    assert page.locator("h1").count() == 1 and page.locator("nav.nav").count() == 1
    assert page.locator("h1").inner_text() == site.one("SELECT full_name FROM person WHERE id = ?", c.people[1])
    history = page.locator("h2:has-text('Kết quả đã ghi') + ul li")
    assert history.count() == (2 if page.js else 1)  # with JS: the tap, then the place typed (a second row)
    assert "Khu công nghiệp VSIP, Bình Dương" in history.first.inner_text()
    fits_360(page, "a person's history")
    page.go_back()
    page.wait_for_selector("form.hh")

    # two youth found at the doors: one from the top of the list, one from a household's own button
    names = [f"Lò Văn Mới {'JS' if page.js else 'noJS'}", f"Hà Thị Mới {'JS' if page.js else 'noJS'}"]
    page.click("a.btn:has-text('Thêm người mới')")
    page.wait_for_selector("#found-form")
    fits_360(page, "the new person form")
    page.fill("#full_name", names[0])
    page.fill("#birth", "2008")
    page.select_option("#sex", "male")
    page.fill("#phone", "0911222333")
    page.fill("#address", "Thôn 2, số 50")
    page.click("#found-form button[type=submit]")
    page.wait_for_selector(f".flash.success:has-text('{names[0]}')")
    page.click("form.hh >> nth=1 >> a:has-text('Người mới ở hộ này')")
    page.wait_for_selector("#found-form")
    assert page.input_value("#address")  # the household's address, ready
    page.fill("#full_name", names[1])
    page.fill("#birth", "14/02/2009")
    page.select_option("#sex", "female")
    page.click("#found-form button[type=submit]")
    page.wait_for_selector(f".flash.success:has-text('{names[1]}')")
    found = site.sql("SELECT p.full_name, p.member_type, s.found, s.outcome FROM person p JOIN review_subject s "
                     "ON s.person_id = p.id WHERE p.full_name IN (?, ?) ORDER BY p.id", *names)
    assert found == [(names[0], "youth", 1, "present"), (names[1], "youth", 1, "present")]

    # the commune reconciles: the plan, then one button
    page.goto(f"{site.url}/review/{campaign}?unit={c.commune}")
    page.click("a.btn:has-text('Đối chiếu vào sổ')")
    page.wait_for_selector("h1:has-text('Đối chiếu vào sổ')")
    fits_360(page, "the reconcile page")
    assert "Đã đến nhà 7/40 người" in page.inner_text("main")
    if page.js:
        page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.click("button:has-text('Ghi vào sổ')")
    page.wait_for_selector(".flash.success:has-text('Đã đối chiếu')")
    fits_360(page, "the reconciled page")
    assert site.one("SELECT count(*) FROM review_reconciliation WHERE commune_id = ?", c.commune) == 1
    events = site.sql("SELECT person_id, kind FROM person_event WHERE kind <> 'registered' AND person_id IN "
                      f"({','.join('?' * 7)}) ORDER BY person_id, id", *(c.people[i] for i in PLAN))
    assert events == [(c.people[0], "confirmed"), (c.people[1], "away"), (c.people[2], "moved_away"),
                      (c.people[4], "deceased"), (c.people[6], "confirmed")]
    assert site.one("SELECT phone FROM person WHERE id = ?", c.people[6]) == "0987 654 321"
    confirmed_found = site.one("SELECT count(*) FROM person_event e JOIN person p ON p.id = e.person_id "
                               "WHERE e.kind = 'confirmed' AND p.full_name IN (?, ?)", *names)
    assert confirmed_found == 2
    # the walk list is now read-only
    page.goto(f"{site.url}/review/{campaign}/branches/{c.branch}")
    assert "Cơ sở đã đối chiếu" in page.inner_text("main")
    assert page.locator("button:has-text('Lưu cả hộ')").count() == 0
    assert not page.errors, page.errors


def test_a_resent_tap_is_one_outcome(page, site):  # noqa: F811
    """The same request sent again three times (a flaky network; the same row token): still one outcome."""
    c = site.world.communes[2]
    campaign = site.world.campaign
    sign_in(page, site.url, c.officers[1])
    page.goto(f"{site.url}/review/{campaign}/branches/{c.branch}")
    i = 10 if page.js else 15  # a person of household 3 (JS on) or 4 (JS off)
    sid = site.subject(c.people[i])
    if page.js:
        with page.expect_request(lambda r: f"/review/subjects/{sid}/outcome" in r.url) as sent:
            page.click(f"#rv-{sid} span.away")
        page.wait_for_selector(f"#rv-{sid} p.by")
    else:
        page.click(f"#rv-{sid} span.away")
        with page.expect_request(lambda r: r.method == "POST") as sent:
            page.click(f"#rv-{sid} >> xpath=ancestor::form >> button:has-text('Lưu cả hộ')")
        page.wait_for_selector(".flash.success")
    req = sent.value
    assert site.one("SELECT count(*) FROM review_outcome WHERE subject_id = ?", sid) == 1
    headers = {k: v for k, v in req.headers.items() if k.lower() in ("content-type", "hx-request", "x-csrftoken", "hx-target")}
    for _ in range(3):
        again = page.request.post(req.url, headers=headers, data=req.post_data, max_redirects=0)
        assert again.status in (200, 303), (again.status, again.text()[:300])
    assert site.one("SELECT count(*) FROM review_outcome WHERE subject_id = ?", sid) == 1
    assert site.one("SELECT outcome FROM review_subject WHERE id = ?", sid) == "away"
    assert not page.errors, page.errors


def test_enter_in_a_persons_details_saves_that_person(page, site):  # noqa: F811
    """The phone keyboard's Enter in "Nơi đến" submits the household form: it must save this person, not post the
    first person of the household (whose own "Lưu người này" button came first in the form) and refuse it."""
    c = site.world.communes[2]
    sign_in(page, site.url, c.officers[0])
    page.goto(f"{site.url}/review/{site.world.campaign}/branches/{c.branch}")
    sid = page.locator("form.hh >> nth=4 >> fieldset.rv >> nth=2").get_attribute("id").split("-")[1]
    tap(page, sid, "moved")
    if page.js:
        page.wait_for_selector(f"#rv-{sid} p.by")
    if not page.locator(f"#rv-{sid} details.more").evaluate("d => d.open"):
        page.click(f"#rv-{sid} details.more summary")
    page.fill(f"#p-{sid}", "Hải Châu, Đà Nẵng")
    with page.expect_navigation():
        page.press(f"#p-{sid}", "Enter")
    page.wait_for_selector(".flash.success")
    assert page.locator(".error").count() == 0
    assert site.one("SELECT o.outcome || ' ' || o.place FROM review_outcome o JOIN review_subject s ON s.outcome_id = o.id "
                    "WHERE s.id = ?", int(sid)) == "moved Hải Châu, Đà Nẵng"
    assert page.is_checked(f"#rv-{sid} input[value=moved]")
    assert not page.errors, page.errors


def test_a_member_from_elsewhere_found_at_a_door_says_where(page, site):  # noqa: F811
    c = site.world.communes[2]
    name = f"Vi Thị Nơi Khác {'JS' if page.js else 'noJS'}"
    sign_in(page, site.url, c.officers[1])
    page.goto(f"{site.url}/review/{site.world.campaign}/branches/{c.branch}/new")
    page.fill("#full_name", name)
    page.fill("#birth", "2001")
    page.select_option("#sex", "female")
    page.fill("#address", "Thôn 2, số 61")
    page.select_option("#claimed_type", "union")
    page.click("#found-form button[type=submit]")
    page.wait_for_selector(".error:has-text('Ghi nơi đang sinh hoạt')")  # where, so the transfer can be asked for
    assert page.input_value("#full_name") == name
    assert site.one("SELECT count(*) FROM person WHERE full_name = ?", name) == 0
    page.fill("#claimed_unit", "Chi đoàn Thôn 5, xã Quảng Hòa")
    page.click("#found-form button[type=submit]")
    page.wait_for_selector(f".flash.success:has-text('{name}')")
    page.goto(f"{site.url}/review/{site.world.campaign}/communes/{c.commune}/found")
    fits_360(page, "the found people page")
    assert "Chi đoàn Thôn 5, xã Quảng Hòa" in page.locator(f"li:has-text('{name}')").inner_text()
    assert not page.errors, page.errors


def test_walk_pdf_downloads_with_javascript_on(page, site):  # noqa: F811
    if not page.js:
        pytest.skip("downloads are checked with JavaScript on")
    c = site.world.communes[2]
    sign_in(page, site.url, c.officers[0])
    url = f"/review/{site.world.campaign}/branches/{c.branch}/walk.pdf"
    page.goto(f"{site.url}/review/{site.world.campaign}/branches/{c.branch}")
    with page.expect_download(timeout=60000) as dl:
        page.click(f"a[href='{url}']")
    assert dl.value.suggested_filename.endswith(".pdf")
    with open(dl.value.path(), "rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF-")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    first = site.one("SELECT full_name FROM person WHERE id = ?", c.people[0])
    assert "Chi đoàn Thôn 2" in text and first in text, text[:500]
    assert not page.errors, page.errors
