"""Headless Chromium at 360 × 640: one tap marks attendance without a reload (JS on); the plain form works (JS off)."""
import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from tests.conftest import _TMP, make_app
from tests.test_browser import browser, login, page, pytestmark  # noqa: F401 — shared fixtures and skip rule


@pytest.fixture(scope="module")
def live(request):
    from app.classes.models import TrainingClass
    from app.seed import seed_demo

    path = _TMP / "browser-classes.db"
    if path.exists():
        path.unlink()
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        db.create_all()
        seed_demo(size="small", seed=3, echo=lambda *a: None)
        klass = db.session.scalar(select(TrainingClass).where(TrainingClass.title.like("Lớp cảm tình Đoàn đợt 3%Quảng Ngọc")))
        ids = (klass.id, klass.sessions[1].id)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_port}", ids
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def _marks(app, session_id):
    from app.classes.models import Attendance

    with app.app_context():
        n = db.session.scalar(select(func.count(Attendance.id)).where(Attendance.session_id == session_id))
        db.session.remove()
        return n


def test_attendance_on_a_phone(page, live):  # noqa: F811
    app, base, (class_id, session_id) = live
    login(page, base, "xa.organizer")
    page.goto(f"{base}/classes/{class_id}/sessions/{session_id}/attendance")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    rows = page.locator("#att-list > li")
    k = 0 if page.js else 2  # both runs share the demo database: mark different people
    first, second = rows.nth(k), rows.nth(k + 1)
    fid, sid = first.get_attribute("id"), second.get_attribute("id")
    before = _marks(app, session_id)
    if page.js:
        page.evaluate("window.__still_here = 1")
        page.click(f"#{fid} span.present")
        page.wait_for_selector(f"#{fid} .hint:has-text('Có mặt')")
        page.click(f"#{sid} span.absent")
        page.click(f"#{sid} span.absent")  # double tap
        page.wait_for_selector(f"#{sid} .hint:has-text('Vắng')")
        assert page.evaluate("window.__still_here") == 1  # no page load happened
    else:
        page.click(f"#{fid} span.present")
        page.click(f"#{sid} span.absent")
        page.click("button:has-text('Lưu điểm danh')")
        page.wait_for_selector(".flash:has-text('Đã lưu điểm danh')")
    assert _marks(app, session_id) == before + 2
    page.reload()
    assert page.is_checked(f"#{fid} input[value=present]") and page.is_checked(f"#{sid} input[value=absent]")
    assert not page.errors, page.errors
