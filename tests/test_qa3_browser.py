"""Defects found walking issue 9 in Chromium at 360 × 640 (helper qa3)."""
import pytest
from sqlalchemy import select

from app.extensions import db
from tests.browser_fixtures import browser_mark, login

pytestmark = browser_mark


@pytest.fixture(scope="module")
def live(live_demo):
    return live_demo.app, live_demo.url


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def phone(browser, request):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
                              java_script_enabled=request.param, locale="vi-VN")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    yield page
    ctx.close()


def test_a_long_unbroken_name_does_not_widen_the_phone_page(phone, live):
    """A 200-character name without spaces (the form's limit) made the person page 3,231 px wide in a 360 px phone."""
    from app.members.models import Person
    from app.units.models import Unit

    app, base = live
    with app.app_context():
        commune = db.session.scalar(select(Unit).where(Unit.name.like("Đoàn xã%")).order_by(Unit.id))
        person = db.session.scalar(select(Person).where(Person.unit_path.like(commune.path + "%"),
                                                        Person.status == "active").order_by(Person.id))
        person.full_name = "Nguyễn" + "A" * 194
        person.name_key = "nguyen" + "a" * 194
        db.session.commit()
        pid, branch_id = person.id, person.unit_id
        db.session.remove()
    login(phone, base, "xa.officer")
    for path in (f"/members/{pid}", f"/members/{pid}/edit", f"/activities/dues/person/{pid}",
                 f"/members/?unit={branch_id}&q=nguyenaaaa", f"/members/{pid}/transfer", f"/activities/dues/{branch_id}"):
        resp = phone.goto(base + path)
        assert resp.status == 200, path
        assert "Nguyễn" + "A" * 20 in phone.inner_text("main"), path
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width == 360, (path, width)


def test_an_inline_check_cut_short_by_save_is_not_called_a_lost_save(browser, live):  # noqa: F811
    """Typing a date then tapping Lưu: htmx aborts the date's inline check for the save (hx-sync abort), and the page
    said 'Chưa lưu được: kiểm tra kết nối mạng' under the form for as long as the save took — on slow mobile data,
    seconds of a false alarm while the save was on its way."""
    from app.members.models import Person
    from app.units.models import Unit

    app, base = live
    with app.app_context():
        commune = db.session.scalar(select(Unit).where(Unit.name.like("Đoàn xã%")).order_by(Unit.id))
        pid = db.session.scalar(select(Person.id).where(Person.unit_path.like(commune.path + "%"), Person.status == "active")
                                .order_by(Person.id.desc()))
        db.session.remove()
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True, locale="vi-VN")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    login(page, base, "xa.officer")
    held = []

    def hold_the_save(route):
        if route.request.method == "POST" and "_validate" not in (route.request.post_data or ""):
            held.append(route)  # the save is on its way (slow network): answered below
        else:
            route.continue_()
    page.route(f"**/members/{pid}/edit", hold_the_save)
    page.goto(f"{base}/members/{pid}/edit")
    page.fill("#workplace", "Hợp tác xã Quảng Ngọc")
    page.fill("#joined_on", "26/03/2021")
    page.locator("button:has-text('Lưu')").tap()
    page.wait_for_timeout(1200)
    assert len(held) == 1
    assert page.locator(".unsaved-note").count() == 0, page.locator(".unsaved-note").all_inner_texts()
    held[0].continue_()
    page.wait_for_url(f"{base}/members/{pid}")
    assert "Đã lưu thay đổi." in page.inner_text("main")
    assert page.locator(".unsaved-note").count() == 0
    ctx.close()


def test_a_tap_that_never_reaches_the_server_still_says_not_saved(browser, live):  # noqa: F811
    """The other side of the previous test: a one-tap attendance mark lost to the network is still flagged."""
    from app.activities.models import Activity
    from app.units.models import Unit

    app, base = live
    with app.app_context():
        commune = db.session.scalar(select(Unit).where(Unit.name.like("Đoàn xã%")).order_by(Unit.id))
        aid = db.session.scalar(select(Activity.id).where(Activity.unit_id.in_(
            select(Unit.id).where(Unit.path.like(commune.path + "%")))).order_by(Activity.id.desc()))
        db.session.remove()
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True, locale="vi-VN")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    login(page, base, "xa.officer")
    page.goto(f"{base}/activities/{aid}")
    page.route("**/attendance/*", lambda route: route.abort("internetdisconnected"))
    row = page.locator("#roll li.att").first
    row.locator("label").nth(1).tap()
    page.wait_for_timeout(800)
    assert row.locator(".unsaved-note").inner_text() == "Chưa lưu được: kiểm tra kết nối mạng rồi chạm lại."
    ctx.close()
