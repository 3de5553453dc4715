"""Defects found walking issue 9 in Chromium at 360 × 640 (helper qa3)."""
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import db
from tests.conftest import _TMP, make_app
from tests.test_browser import browser, login  # noqa: F401 — shared fixtures
from tests.test_browser import pytestmark as _browser_mark

pytestmark = _browser_mark


@pytest.fixture(scope="module")
def live():
    from app.seed import seed_demo

    path = _TMP / "browser-qa3.db"
    if path.exists():
        path.unlink()
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        db.create_all()
        seed_demo(size="small", seed=5, echo=lambda *a: None)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


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
