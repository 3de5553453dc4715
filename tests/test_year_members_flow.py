"""Issue 13, part 1: a branch's members evaluated for a year — start (evidence and proposals from the records), accept
the proposals in one step, change some with a reason, submit; the commune approves (the outstanding members go to the
Party pipeline) or returns with a reason; the grades on the people's pages. Both paths (plain POST and htmx), the
refusals, the retries and the statements."""
import gzip
import re

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.targets.models import PartyStep
from app.year.models import MemberEvaluation, MemberGrade
from app.year.queries import evaluation as q
from tests.conftest import HTMX, errors_in, sql_count
from tests.factories_year_members import YEAR, expected, graded_branch, grades_by_code
from tests.test_ui_pages import problems


@pytest.fixture
def as_(client, login):
    def do(username):
        client.post("/auth/logout")
        return login(username)
    return do


@pytest.fixture
def world(db, tree, make_user):
    class W:
        pass

    w = W()
    w.tree = tree
    w.people = graded_branch(db, tree.B1, 8)
    w.grades = grades_by_code()
    w.sec = make_user("chi.bithu", (tree.B1, "officer"), full_name="Bí Thư Chi Đoàn")
    w.sec2 = make_user("chi.phobithu", (tree.B1, "officer"))
    w.commune = make_user("xa.canbo", (tree.C1, "officer"), full_name="Cán Bộ Xã")
    w.viewer = make_user("xa.xem", (tree.C1, "viewer"))
    w.outsider = make_user("xa2.all", *[(tree.C2, r) for r in ("admin", "officer", "organizer", "inspector", "viewer")])
    return w


def page_url(unit, year=YEAR):
    return f"/year/units/{unit.id}/members?year={year}"


def start(client, unit, year=YEAR):
    return client.post(f"/year/units/{unit.id}/members/start", data={"year": year})


def evaluation(db, unit, year=YEAR):
    db.session.expire_all()
    return db.session.scalar(select(MemberEvaluation).where(MemberEvaluation.unit_id == unit.id,
                                                            MemberEvaluation.year == year))


def rows(db, ev):
    db.session.expire_all()
    return {mg.person_id: mg for mg in db.session.scalars(select(MemberGrade).where(MemberGrade.evaluation_id == ev.id))}


def grade_post(client, mg, grade, reason="", outstanding=False, version=None, headers=None):
    data = {f"g{mg.id}-grade": grade.id, f"g{mg.id}-reason": reason, f"g{mg.id}-version": version or mg.version}
    if outstanding:
        data[f"g{mg.id}-outstanding"] = "y"
    return client.post(f"/year/member-grades/{mg.id}/grade", data=data, headers=headers or {})


def step(client, ev, what, **data):
    return client.post(f"/year/evaluations/{ev.id}/{what}", data={"version": ev.version, **data})


def audits(db, action):
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


# ---- the whole way ---------------------------------------------------------------------------------------------------
def test_start_accept_change_two_submit_approve_and_the_grades_on_the_peoples_pages(client, db, world, as_):
    t, g = world.tree, world.grades
    as_("chi.bithu")
    html = client.get(page_url(t.B1)).get_data(as_text=True)
    assert "chưa bắt đầu đánh giá" in html and "Bắt đầu đánh giá" in html

    assert start(client, t.B1).status_code == 303
    ev = evaluation(db, t.B1)
    assert ev.status == "draft" and ev.created_by_id == world.sec.id
    by_person = rows(db, ev)
    assert len(by_person) == 8
    for i, p in enumerate(world.people):  # the proposals follow the records
        mg = by_person[p.id]
        assert mg.proposed_grade_id == g[expected(i)].id and mg.grade_id is None
        assert mg.evidence["held"] == 4 and mg.evidence["verdict"] == "real" and "review" not in mg.evidence
    assert by_person[world.people[1].id].evidence == {"held": 4, "present": 3, "dues": 10, "classes": 0, "verdict": "real"}
    html = client.get(page_url(t.B1)).get_data(as_text=True)
    assert "Sinh hoạt 3/4" in html and "Đoàn phí 10 tháng" in html and "Đề xuất: Hoàn thành tốt nhiệm vụ" in html
    assert "Chấp nhận đề xuất cho 8 đoàn viên chưa xếp loại" in html and "Gửi cấp trên duyệt" not in html

    # accept every proposal in one step
    assert step(client, ev, "accept").status_code == 303
    by_person = rows(db, ev)
    assert all(mg.grade_id == mg.proposed_grade_id and mg.decided_by_id == world.sec.id for mg in by_person.values())

    # change two: without a reason → 422, the message beside the field, what was typed kept
    second, fourth = by_person[world.people[1].id], by_person[world.people[3].id]
    resp = grade_post(client, second, g["excellent"], reason="   ")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Xếp loại khác với đề xuất: ghi lý do." in errors_in(html)
    assert re.search(rf'<option selected value="{g["excellent"].id}">|<option value="{g["excellent"].id}" selected', html)
    assert rows(db, ev)[second.person_id].grade_id == g["good"].id  # nothing written
    # the outstanding mark only with the top grade
    resp = grade_post(client, second, g["good"], outstanding=True)
    assert resp.status_code == 422 and "đoàn viên ưu tú" in " ".join(errors_in(resp.data))
    assert grade_post(client, second, g["excellent"], reason="Tiêu biểu trong phong trào tình nguyện", outstanding=True
                      ).status_code == 303
    assert grade_post(client, fourth, g["done"], reason="Đi làm xa có báo cáo, vẫn đóng đoàn phí").status_code == 303
    by_person = rows(db, ev)
    assert by_person[second.person_id].grade_id == g["excellent"].id and by_person[second.person_id].outstanding
    assert by_person[fourth.person_id].reason == "Đi làm xa có báo cáo, vẫn đóng đoàn phí"
    assert audits(db, "year.member_grade") == 2

    # submit → the commune approves
    html = client.get(page_url(t.B1)).get_data(as_text=True)
    assert "Đã xếp loại 8/8" in html and "2 khác đề xuất" in html and "Gửi cấp trên duyệt" in html
    assert step(client, ev, "submit").status_code == 303
    ev = evaluation(db, t.B1)
    assert ev.status == "submitted" and ev.submitted_by_id == world.sec.id
    assert grade_post(client, by_person[fourth.person_id], g["failed"], reason="x").status_code == 422  # locked

    as_("xa.canbo")
    html = client.get(f"/year/units/{t.C1.id}/members?year={YEAR}").get_data(as_text=True)
    assert "Chờ duyệt" in html and t.B1.name in html and "Xem và duyệt" in html
    html = client.get(page_url(t.B1)).get_data(as_text=True)
    assert "Duyệt kết quả" in html and "Trả lại chi đoàn" in html
    assert step(client, ev, "approve").status_code == 303
    ev = evaluation(db, t.B1)
    assert ev.status == "approved" and ev.approved_by_id == world.commune.id
    # the outstanding member is in the Party pipeline for that year
    steps = db.session.scalars(select(PartyStep).where(PartyStep.kind == "outstanding")).all()
    assert [(s.person_id, s.year) for s in steps] == [(second.person_id, YEAR)]
    html = client.get(f"/year/units/{t.C1.id}/members?year={YEAR}").get_data(as_text=True)
    assert "1/1" in html and "HTXSNV 3" in html and "1 đoàn viên ưu tú" in html

    # the grades on the people's pages
    html = client.get(f"/members/{second.person_id}").get_data(as_text=True)
    assert "Xếp loại đoàn viên" in html and "Hoàn thành xuất sắc nhiệm vụ" in html and "Đoàn viên ưu tú" in html
    assert "Tiêu biểu trong phong trào tình nguyện" in html and "Đã duyệt" in html
    html = client.get(f"/members/{world.people[3].id}").get_data(as_text=True)
    assert f"<strong>{YEAR}</strong> ·\nHoàn thành nhiệm vụ" in html
    assert audits(db, "year.members_approve") == 1 and audits(db, "year.members_submit") == 1


def test_return_with_a_reason_then_edit_and_submit_again(client, db, world, as_):
    t, g = world.tree, world.grades
    as_("chi.bithu")
    start(client, t.B1)
    ev = evaluation(db, t.B1)
    step(client, ev, "accept")
    step(client, ev, "submit")
    as_("xa.canbo")
    ev = evaluation(db, t.B1)
    resp = step(client, ev, "return", reason="  ")
    assert resp.status_code == 422 and "Trả lại cần ghi lý do để chi đoàn sửa." in errors_in(resp.data)
    assert evaluation(db, t.B1).status == "submitted"
    assert step(client, ev, "return", reason="Xem lại xếp loại của đoàn viên đi làm xa").status_code == 303
    ev = evaluation(db, t.B1)
    assert ev.status == "returned" and ev.return_reason == "Xem lại xếp loại của đoàn viên đi làm xa"
    as_("chi.bithu")
    html = client.get(page_url(t.B1)).get_data(as_text=True)
    assert "Bị trả lại:" in html and "Xem lại xếp loại của đoàn viên đi làm xa" in html
    mg = rows(db, ev)[world.people[3].id]
    assert grade_post(client, mg, g["done"], reason="Đã xác minh: vẫn tham gia qua nhóm Zalo").status_code == 303
    assert step(client, ev, "submit").status_code == 303
    as_("xa.canbo")
    ev = evaluation(db, t.B1)
    assert ev.status == "submitted" and step(client, ev, "approve").status_code == 303
    assert evaluation(db, t.B1).status == "approved"
    assert audits(db, "year.members_return") == 1


# ---- who may ---------------------------------------------------------------------------------------------------------
def test_viewer_reads_and_cannot_write_outsider_is_refused(client, db, world, as_):
    t, g = world.tree, world.grades
    as_("chi.bithu")
    start(client, t.B1)
    ev = evaluation(db, t.B1)
    mg = next(iter(rows(db, ev).values()))
    as_("xa.xem")
    resp = client.get(page_url(t.B1))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and world.people[0].full_name in html
    assert "Sửa xếp loại" not in html and "Chấp nhận đề xuất" not in html and "/grade" not in html
    assert start(client, t.B1).status_code == 403
    assert step(client, ev, "accept").status_code == 403
    assert grade_post(client, mg, g["excellent"], reason="x").status_code == 403
    assert step(client, ev, "submit").status_code == 403
    as_("chi.bithu")
    step(client, ev, "accept")
    step(client, ev, "submit")
    as_("xa.xem")
    ev = evaluation(db, t.B1)
    assert step(client, ev, "approve").status_code == 403
    assert step(client, ev, "return", reason="x").status_code == 403
    assert client.get(f"/year/units/{t.C1.id}/members?year={YEAR}").status_code == 200
    as_("xa2.all")
    for url in (page_url(t.B1), page_url(t.C1)):
        assert client.get(url).status_code == 403
    assert step(client, ev, "approve").status_code == 403
    assert grade_post(client, mg, g["excellent"], reason="x").status_code == 403
    assert evaluation(db, t.B1).status == "submitted"


def test_four_eyes_the_one_who_submitted_does_not_approve(client, db, world, as_):
    t = world.tree
    as_("xa.canbo")  # a commune officer grades the branch (the role covers it) and submits …
    start(client, t.B1)
    ev = evaluation(db, t.B1)
    step(client, ev, "accept")
    step(client, ev, "submit")
    ev = evaluation(db, t.B1)
    assert "Duyệt kết quả" not in client.get(page_url(t.B1)).get_data(as_text=True)
    assert step(client, ev, "approve").status_code == 403  # … and someone else at the commune approves
    assert evaluation(db, t.B1).status == "submitted"


def test_branch_officer_does_not_approve_and_a_commune_is_not_started(client, db, world, as_, make_unit):
    t = world.tree
    as_("chi.bithu")
    start(client, t.B1)
    ev = evaluation(db, t.B1)
    step(client, ev, "accept")
    as_("chi.phobithu")
    step(client, ev, "submit")
    ev = evaluation(db, t.B1)
    assert step(client, ev, "approve").status_code == 403  # the branch is not the level above itself
    as_("xa.canbo")
    assert start(client, t.C1).status_code == 403  # a commune has no roll of members to grade


# ---- retries, two at once, stale forms -------------------------------------------------------------------------------
def test_double_start_accept_submit_and_approve_give_one_result(client, db, world, as_):
    t = world.tree
    as_("chi.bithu")
    assert start(client, t.B1).status_code == 303
    assert start(client, t.B1).status_code == 303
    assert db.session.scalar(select(func.count(MemberEvaluation.id))) == 1
    assert db.session.scalar(select(func.count(MemberGrade.id))) == 8
    assert audits(db, "year.members_start") == 1
    ev = evaluation(db, t.B1)
    shown = ev.version
    assert step(client, ev, "accept").status_code == 303
    resp = step(client, ev, "accept")
    assert resp.status_code == 303 and audits(db, "year.members_accept") == 1
    assert client.get(resp.location).status_code == 200
    ev = evaluation(db, t.B1)
    assert client.post(f"/year/evaluations/{ev.id}/submit", data={"version": shown}).status_code == 303
    assert client.post(f"/year/evaluations/{ev.id}/submit", data={"version": shown}).status_code == 303
    assert audits(db, "year.members_submit") == 1 and evaluation(db, t.B1).status == "submitted"
    as_("xa.canbo")
    ev = evaluation(db, t.B1)
    shown = ev.version
    for _ in range(2):
        assert client.post(f"/year/evaluations/{ev.id}/approve", data={"version": shown}).status_code == 303
    assert audits(db, "year.members_approve") == 1 and evaluation(db, t.B1).status == "approved"


def test_a_later_start_adds_newcomers_and_leaves_decided_grades(client, db, world, as_):
    t, g = world.tree, world.grades
    as_("chi.bithu")
    start(client, t.B1)
    ev = evaluation(db, t.B1)
    step(client, ev, "accept")
    mg = rows(db, ev)[world.people[0].id]
    grade_post(client, mg, g["good"], reason="Hạ một bậc theo ý kiến chi bộ")
    newcomers = graded_branch(db, t.B1, 2, prefix="Người Mới")
    html = client.get(page_url(t.B1)).get_data(as_text=True)
    assert "Thêm 2 đoàn viên mới vào danh sách" in html
    assert start(client, t.B1).status_code == 303
    by_person = rows(db, ev)
    assert len(by_person) == 10 and {p.id for p in newcomers} <= set(by_person)
    assert by_person[world.people[0].id].grade_id == g["good"].id  # untouched
    assert all(by_person[p.id].grade_id is None for p in newcomers)
    assert audits(db, "year.members_start") == 2


def test_a_stale_grade_form_is_a_conflict_unless_it_asks_for_what_is_stored(client, db, world, as_):
    t, g = world.tree, world.grades
    as_("chi.bithu")
    start(client, t.B1)
    ev = evaluation(db, t.B1)
    mg = rows(db, ev)[world.people[0].id]
    shown = mg.version
    assert grade_post(client, mg, g["good"], reason="Ý kiến của chi ủy", version=shown).status_code == 303
    # the same form sent again (its answer lost): answered as the first time
    assert grade_post(client, mg, g["good"], reason="Ý kiến của chi ủy", version=shown).status_code == 303
    # another officer's form, opened before: the conflict page, nothing overwritten, what was typed shown
    as_("chi.phobithu")
    resp = grade_post(client, mg, g["done"], reason="Ý kiến khác", version=shown)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "Ý kiến khác" in html and f"/year/units/{t.B1.id}/members?year={YEAR}#g-{mg.id}" in html
    assert rows(db, ev)[mg.person_id].grade_id == g["good"].id
    # htmx: the conflict page takes the whole page, not the row
    resp = grade_post(client, mg, g["done"], reason="Ý kiến khác", version=shown, headers=HTMX)
    assert resp.status_code == 409 and resp.headers["HX-Retarget"] == "body"


# ---- htmx ------------------------------------------------------------------------------------------------------------
def test_htmx_swaps_the_row_and_the_summary(client, db, world, as_):
    t, g = world.tree, world.grades
    as_("chi.bithu")
    start(client, t.B1)
    ev = evaluation(db, t.B1)
    mg = rows(db, ev)[world.people[2].id]
    resp = grade_post(client, mg, g["good"], headers=HTMX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and html.startswith(f'<li id="g-{mg.id}"><div class="att">')
    assert "Xếp loại khác với đề xuất: ghi lý do." in errors_in(html) and "<html" not in html
    resp = grade_post(client, mg, g["good"], reason="Nhiệt tình trong hoạt động tình nguyện", headers=HTMX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.startswith(f'<li id="g-{mg.id}"><div class="att">')
    assert "Xếp loại: <b>Hoàn thành tốt nhiệm vụ</b>" in html and "Nhiệt tình trong hoạt động tình nguyện" in html
    assert 'id="ev-summary" hx-swap-oob="true"' in html and "Đã xếp loại 1/8" in html


# ---- the pages' statements and size ----------------------------------------------------------------------------------
def test_branch_page_statements_do_not_grow_and_it_fits_the_budget(client, db, tree, make_user, login, make_unit):
    small, large = make_unit(tree.C1, name="Chi đoàn Mười"), make_unit(tree.C1, name="Chi đoàn Bốn Mươi")
    graded_branch(db, small, 10, prefix="Mười")
    graded_branch(db, large, 40, prefix="Bốn Mươi")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    counts = {}
    for unit in (small, large):
        assert start(client, unit).status_code == 303
        resp = client.get(page_url(unit))
        assert resp.status_code == 200
        counts[unit.id] = sql_count(resp)
    assert counts[small.id] == counts[large.id], counts
    size = len(gzip.compress(resp.data, compresslevel=6))
    assert size <= 14 * 1024, size
    # the commune's list: the same whatever the number of branches
    first = sql_count(client.get(f"/year/units/{tree.C1.id}/members?year={YEAR}"))
    for k in range(3):
        graded_branch(db, make_unit(tree.C1, name=f"Chi đoàn Thêm {k}"), 3, prefix=f"Thêm {k}")
    assert sql_count(client.get(f"/year/units/{tree.C1.id}/members?year={YEAR}")) == first
    print(f"branch page: {counts[large.id]} statements, {size} B gzipped for 40 members")


def test_a_paper_member_is_proposed_the_lowest_grade_and_the_review_shows_when_there_is_one(client, db, tree, make_user,
                                                                                             login, make_unit):
    people = graded_branch(db, tree.B1, 4, paper=(0,))
    make_user("chi.bithu", (tree.B1, "officer"))
    login("chi.bithu")
    start(client, tree.B1)
    ev = evaluation(db, tree.B1)
    g = grades_by_code()
    by_person = rows(db, ev)
    assert by_person[people[0].id].proposed_grade_id == g["failed"].id  # records of an excellent one, but paper
    assert by_person[people[1].id].proposed_grade_id == g["good"].id
    assert q.attendance_share(by_person[people[0].id].evidence) == 100



def test_the_pages_have_unique_ids_and_labelled_fields(client, db, world, as_, make_user):
    """The pages the walk of tests/test_ui_pages.py may not reach: the branch's (grading and approving), the
    commune's list, the catalogue (read and managed), the person page's section."""
    t = world.tree
    make_user("tinh.admin", (t.P, "admin"))
    as_("chi.bithu")
    pages = [page_url(t.B1)]
    start(client, t.B1)
    pages += [page_url(t.B1), "/year/catalogue"]
    ev = evaluation(db, t.B1)
    step(client, ev, "accept")
    mg = rows(db, ev)[world.people[1].id]
    pages.append(grade_post(client, mg, world.grades["excellent"]))  # the page again with the message
    step(client, ev, "submit")
    for who, more in (("chi.bithu", []), ("xa.canbo", [page_url(t.B1), page_url(t.C1), f"/members/{world.people[0].id}"]),
                      ("tinh.admin", ["/year/catalogue", page_url(t.P)])):
        as_(who)
        for page in pages + more:
            resp = client.get(page) if isinstance(page, str) else page
            html = resp.get_data(as_text=True)
            assert resp.status_code in (200, 422), (who, page, resp.status_code)
            found, _p = problems(html)
            assert not found, (who, page, found)
        pages = []


def test_a_grade_sent_after_the_evaluation_moved_on_is_refused_with_the_page(client, db, world, as_):
    t, g = world.tree, world.grades
    as_("chi.bithu")
    start(client, t.B1)
    ev = evaluation(db, t.B1)
    step(client, ev, "accept")
    mg = rows(db, ev)[world.people[0].id]
    step(client, ev, "submit")
    resp = grade_post(client, mg, g["good"], reason="Muộn")
    assert resp.status_code == 422 and "không sửa được nữa" in resp.get_data(as_text=True)
    resp = grade_post(client, mg, g["good"], reason="Muộn", headers=HTMX)
    assert resp.status_code == 422 and resp.headers["HX-Retarget"] == "body" and "Chờ xã duyệt" in resp.get_data(as_text=True)
    assert rows(db, ev)[mg.person_id].grade_id == g["excellent"].id


def test_a_branch_without_union_members_has_nothing_to_start_and_federation_branches_are_not_listed(
        client, db, tree, make_user, login, make_unit):
    empty = make_unit(tree.C1, name="Chi đoàn Trống")
    make_user("tinh.officer", (tree.P, "officer"))
    login("tinh.officer")
    resp = start(client, empty)
    assert resp.status_code == 422 and "Chi đoàn chưa có đoàn viên nào trong sổ" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(MemberEvaluation.id))) == 0
    html = client.get(page_url(tree.P)).get_data(as_text=True)
    assert "Chi đoàn Trống" in html and tree.B3.name not in html  # B3 is a Federation branch (chi hội)
