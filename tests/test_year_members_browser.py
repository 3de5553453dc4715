"""Issue 13's acceptance on a 360 × 640 phone in real headless Chromium, JavaScript on (a member's grade saves in
place) and off (plain forms): a branch secretary grades a 30-member branch — accepting the proposals in one step and
changing two with reasons (the missing reason refused beside the field first) — and submits; the commune approves;
the grades appear on the people's pages. On the seeded demo (its own copy), with a fresh branch of 30 Union members
each time."""
from sqlalchemy import select

from app.auth.models import RoleGrant, User
from app.auth.passwords import DEMO_PASSWORD
from app.extensions import db
from app.units.models import Unit
from tests.browser_fixtures import browser, live_demo, page  # noqa: F401 — shared fixtures
from tests.browser_fixtures import browser_mark as pytestmark  # noqa: F401 — the browser marker and skip rule
from tests.factories_year_members import YEAR, graded_branch

SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def a_branch_of_30(app, tag):
    """A new branch of the demo commune (xa.*) with 30 Union members and a year of records, and its secretary."""
    with app.app_context():
        commune = db.session.scalar(select(Unit).where(Unit.code == "QX-QN"))
        branch = Unit(parent_id=commune.id, depth=commune.depth + 1, level="branch", kind="residential",
                      name=f"Chi đoàn Xóm {tag}", code=f"QX-QN-{tag}", org_type="union", path="")
        db.session.add(branch)
        db.session.flush()
        branch.path = f"{commune.path}{branch.id}/"
        people = graded_branch(db, branch, 30, prefix=f"Xóm {tag}")
        user = User(username=f"bithu.{tag.lower()}", full_name=f"Bí thư Xóm {tag}")
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.flush()
        db.session.add(RoleGrant(user_id=user.id, unit_id=branch.id, role="officer"))
        db.session.commit()
        out = branch.id, [(p.id, p.full_name) for p in people], user.username
        db.session.remove()
        return out


def sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_selector("nav.nav")


def fits_360(page, what):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, what


def press(page, label):
    """A plain form's button: with JS the boosted form swaps the page; either way, wait for the new one."""
    with page.expect_navigation() if not page.js else page.expect_response(lambda r: r.request.method == "POST"):
        page.click(f"button:has-text('{label}')")
    page.wait_for_load_state()
    if page.js:
        page.wait_for_function(SETTLED)


def grade(page, name, grade_name, reason, outstanding=False, refused=None):
    row = page.locator("li", has=page.locator(f"a:text-is('{name}')"))
    if not row.locator("details").evaluate("d => d.open"):
        row.locator("summary").click()
    row.locator("select").select_option(label=grade_name)
    row.locator("input[name$='-reason']").fill(reason)
    if outstanding:
        row.locator("input[type=checkbox]").check()
    if page.js:
        with page.expect_response(lambda r: "/grade" in r.url) as resp:
            row.locator("button:has-text('Lưu xếp loại')").click()
        page.wait_for_function(SETTLED)
        assert resp.value.status == (422 if refused else 200), resp.value.text()[:300]
    else:
        with page.expect_navigation():
            row.locator("button:has-text('Lưu xếp loại')").click()
    row = page.locator("li", has=page.locator(f"a:text-is('{name}')"))
    if refused:
        assert refused in row.locator(".error").inner_text()
        assert row.locator("input[name$='-reason']").input_value() == reason  # what was typed is kept
        assert row.locator("select option:checked").inner_text() == grade_name
    else:
        assert f"Xếp loại: {grade_name}" in row.inner_text()


def test_a_secretary_grades_30_members_the_commune_approves(page, live_demo):  # noqa: F811
    app, base = live_demo
    tag = "Mot" if page.js else "Hai"  # a fresh branch for each run (JS on, JS off)
    branch_id, people, secretary = a_branch_of_30(app, tag)
    url = f"{base}/year/units/{branch_id}/members?year={YEAR}"

    sign_in(page, base, secretary)
    page.goto(url)
    fits_360(page, "not started")
    press(page, "Bắt đầu đánh giá")
    assert "Đã lập danh sách đánh giá: 30 đoàn viên" in page.inner_text("main")
    press(page, "Chấp nhận đề xuất cho 30 đoàn viên chưa xếp loại")  # one step for the whole branch
    assert "Đã xếp loại 30/30" in page.inner_text("#ev-summary")
    fits_360(page, "graded")

    (_i1, second), (_i3, fourth) = people[1], people[3]  # proposed "good" and "failed" by their records
    grade(page, second, "Hoàn thành xuất sắc nhiệm vụ", "", outstanding=True, refused="Xếp loại khác với đề xuất: ghi lý do.")
    fits_360(page, "refused")
    grade(page, second, "Hoàn thành xuất sắc nhiệm vụ", "Tiêu biểu trong phong trào tình nguyện hè", outstanding=True)
    grade(page, fourth, "Hoàn thành nhiệm vụ", "Đi làm xa, vẫn sinh hoạt qua nhóm Zalo")
    assert "2 khác đề xuất" in page.inner_text("#ev-summary") and "1 đoàn viên ưu tú" in page.inner_text("#ev-summary")
    press(page, "Gửi cấp trên duyệt")
    assert "Chờ xã duyệt" in page.inner_text("#ev-summary")

    sign_in(page, base, "xa.officer")
    page.goto(url)
    fits_360(page, "to approve")
    press(page, "Duyệt kết quả")
    assert "Đã duyệt" in page.inner_text("#ev-summary")

    for (pid, name), text in ((people[1], "Hoàn thành xuất sắc nhiệm vụ"), (people[3], "Hoàn thành nhiệm vụ"),
                              (people[0], "Hoàn thành xuất sắc nhiệm vụ")):
        page.goto(f"{base}/members/{pid}")
        section = page.inner_text("#year-grades")
        assert f"{YEAR} · {text}" in section and "Đã duyệt" in section, (name, section)
        fits_360(page, name)
    page.goto(f"{base}/members/{people[1][0]}")
    assert "Đoàn viên ưu tú" in page.inner_text("#year-grades")
    assert "Tiêu biểu trong phong trào tình nguyện hè" in page.inner_text("#year-grades")
    assert not page.errors, page.errors
