"""Plans to consolidate weak units (issue 13, part 3): a commune's plan for two weak branches, its measures followed up
through the inspections domain's actions (done by the branch, verified by the commune), an overdue one flagged up to
the province, the result from the next year's grading, the printable plan; idempotency, stale edits, permissions,
htmx and plain."""
import gzip
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.inspections.models import CorrectiveAction
from app.year import catalogue
from app.year.models import ConsolidationEntry, ConsolidationMeasure, ConsolidationPlan, UnitGrade
from app.year.services import grading
from app.year.services import plans as services
from tests.conftest import HTMX, PASSWORD, errors_in, sql_count
from tests.factories_year_units import *  # noqa: F401,F403
from tests.factories_year_units import LAST, grade_of

SOON = date.today() + timedelta(days=30)


def signed_in(app, user):
    c = app.test_client()
    assert c.post("/auth/login", data={"username": user.username, "password": PASSWORD}).status_code == 303
    return c


@pytest.fixture
def graded(db, year_world):
    """Last year's grades of C1's branches decided: B4 and B5 weak."""
    w = year_world
    grading.propose_children(parent=w.tree.C1, year=LAST, by=w.officer)
    grading.accept_all(parent=w.tree.C1, year=LAST, by=w.officer)
    db.session.commit()
    return w


def _measure(client, entry, token, remedy="Kiện toàn Ban Chấp hành chi đoàn", due=SOON, owner=None, headers=None):
    return client.post(f"/year/plan-entries/{entry.id}/measures", headers=headers or {}, data={
        "remedy": remedy, "responsible": "Bí thư Đoàn xã", "due_on": due.strftime("%d/%m/%Y"),
        "owner": owner or entry.unit_id, "form_token": token})


def test_a_plan_for_two_weak_units_followed_up_through_the_actions(app, client, db, login, graded):
    w, t = graded, graded.tree
    login(w.officer)
    page = client.get(f"/year/units/{t.C1.id}/plans?year={LAST}")
    assert page.status_code == 200 and "Lập kế hoạch" in page.text
    data = {"title": f"Kế hoạch củng cố cơ sở Đoàn yếu kém năm {LAST}", "doc_number": "07-KH/ĐTN"}
    resp = client.post(f"/year/units/{t.C1.id}/plans/create?year={LAST}", data=data)
    plan = db.session.scalar(select(ConsolidationPlan))
    assert resp.status_code == 303 and resp.location.endswith(f"/year/plans/{plan.id}")
    assert (plan.unit_id, plan.year, plan.status, plan.doc_number) == (t.C1.id, LAST, "draft", "07-KH/ĐTN")
    # a second tap makes no second plan
    assert client.post(f"/year/units/{t.C1.id}/plans/create?year={LAST}", data=data).status_code == 303
    assert db.session.scalar(select(func.count(ConsolidationPlan.id))) == 1
    page = client.get(f"/year/plans/{plan.id}")
    assert "Chi đoàn Thôn 4" in page.text and "Chi đoàn Thôn 5" in page.text  # the weak ones to pick from
    # two weak units: causes left unticked take the flags the records raised; one with causes picked
    resp = client.post(f"/year/plans/{plan.id}/entries", data={"unit": w.B4.id})
    e4 = db.session.scalar(select(ConsolidationEntry).where(ConsolidationEntry.unit_id == w.B4.id))
    assert resp.status_code == 303 and resp.location.endswith(f"/year/plan-entries/{e4.id}")
    assert e4.causes == ["lowest_grade", "small", "silent", "secretary_away", "paper_heavy"]
    client.post(f"/year/plans/{plan.id}/entries", data={"unit": w.B5.id, "causes": ["silent"],
                                                        "cause_note": "Ban chấp hành không hoạt động"})
    client.post(f"/year/plans/{plan.id}/entries", data={"unit": w.B4.id})  # again: refused (no longer offered), kept one
    assert db.session.scalar(select(func.count(ConsolidationEntry.id))) == 2
    e5 = db.session.scalar(select(ConsolidationEntry).where(ConsolidationEntry.unit_id == w.B5.id))
    assert e5.causes == ["silent"] and e5.cause_note == "Ban chấp hành không hoạt động"
    # a measure, double-tapped: one measure, one action
    assert _measure(client, e4, "tok-1").status_code == 303
    assert _measure(client, e4, "tok-1").status_code == 303
    assert db.session.scalar(select(func.count(ConsolidationMeasure.id))) == 1
    measure = db.session.scalar(select(ConsolidationMeasure))
    action = measure.action
    assert (action.origin, action.owner_unit_id, action.verifier_unit_id, action.status, action.inspection_id) == (
        "consolidation", w.B4.id, t.C1.id, "open", None)
    assert "Chi đoàn Thôn 4" in action.finding and "Dưới 3 đoàn viên" in action.finding
    assert _measure(client, e5, "tok-2", remedy="Tổ chức sinh hoạt hằng tháng").status_code == 303
    # the branch reports it done, the commune verifies: through the inspections pages
    b4 = signed_in(app, w.b4_officer)
    assert b4.post(f"/inspections/actions/{action.id}/verify", data={"note": "", "version": action.version}).status_code == 403
    assert b4.post(f"/inspections/actions/{action.id}/done",
                   data={"note": "Đã bầu bổ sung bí thư", "version": action.version}).status_code == 303
    db.session.expire_all()
    action = db.session.get(CorrectiveAction, action.id)
    assert action.status == "done"
    assert "Chờ xác nhận" in client.get(f"/year/plans/{plan.id}").text
    assert client.post(f"/inspections/actions/{action.id}/verify",
                       data={"note": "Đã kiểm tra", "version": action.version}).status_code == 303
    db.session.expire_all()
    assert db.session.get(CorrectiveAction, action.id).status == "verified"
    page = client.get(f"/year/plans/{plan.id}")
    assert "Đã xác nhận" in page.text and f"/inspections/actions/{action.id}" in page.text
    assert "Chưa xếp loại năm sau" in page.text
    # adopt (twice: one change)
    assert client.post(f"/year/plans/{plan.id}/adopt", data={"version": plan.version}).status_code == 303
    assert client.post(f"/year/plans/{plan.id}/adopt", data={"version": plan.version}).status_code == 303
    db.session.expire_all()
    assert db.session.get(ConsolidationPlan, plan.id).status == "adopted"
    # the weak list says a plan covers them
    weak = client.get(f"/year/units/{t.C1.id}/weak?year={LAST}").text
    assert "Có trong kế hoạch củng cố" in weak and "Chưa có kế hoạch củng cố" not in weak


@pytest.fixture
def planned(db, graded):
    """C1's adopted plan with B4 (one measure) and B5 (one measure, overdue)."""
    w, t = graded, graded.tree
    plan, _ = services.create_plan(unit=t.C1, year=LAST, title="Kế hoạch củng cố", by=w.officer)
    e4, _ = services.add_entry(plan=plan, unit=w.B4, causes=["small"], by=w.officer)
    e5, _ = services.add_entry(plan=plan, unit=w.B5, causes=["silent"], by=w.officer)
    m4, _ = services.add_measure(entry=e4, owner_unit=w.B4, remedy="Kết nạp thêm đoàn viên", responsible="Bí thư chi đoàn",
                                 due_on=SOON, by=w.officer)
    m5, _ = services.add_measure(entry=e5, owner_unit=w.B5, remedy="Sinh hoạt định kỳ hằng tháng",
                                 responsible="Phó Bí thư Đoàn xã", due_on=SOON, by=w.officer)
    m5.action.due_on = date.today() - timedelta(days=10)  # past its deadline, still open
    services.adopt_plan(plan=plan, by=w.officer)
    db.session.commit()
    w.plan, w.e4, w.e5, w.m4, w.m5 = plan, e4, e5, m4, m5
    return w


def test_an_overdue_measure_is_flagged_up_to_the_province(app, db, planned):
    w, t = planned, planned.tree
    province = signed_in(app, w.province)
    page = province.get(f"/year/units/{t.P.id}/plans?year={LAST}")
    assert page.status_code == 200 and "Biện pháp quá hạn trong đơn vị" in page.text
    assert f"/inspections/actions/{w.m5.action_id}" in page.text and f"/inspections/actions/{w.m4.action_id}" not in page.text
    assert "Đoàn xã An Phú" in page.text and "1 quá hạn" in page.text  # the plan below, with its overdue measure
    listed = province.get(f"/inspections/actions?unit={t.P.id}&status=overdue&origin=consolidation")
    assert listed.status_code == 200 and f"/inspections/actions/{w.m5.action_id}" in listed.text
    assert "Củng cố cơ sở yếu kém" in listed.text
    assert f"/inspections/actions/{w.m5.action_id}" not in province.get(
        f"/inspections/actions?unit={t.P.id}&status=overdue&origin=inspection").text
    every = province.get(f"/inspections/actions?unit={t.P.id}&status=pending&origin=consolidation").text
    assert f"/inspections/actions/{w.m4.action_id}" in every and f"/inspections/actions/{w.m5.action_id}" in every
    overview = province.get(f"/inspections/overview?unit={t.P.id}")
    assert overview.status_code == 200 and "status=overdue" in overview.text
    plan_page = province.get(f"/year/plans/{w.plan.id}")
    assert plan_page.status_code == 200 and "Quá hạn" in plan_page.text and 'id="entry-form"' not in plan_page.text
    # the district sees it too; the commune's plans page lists it
    assert f"/inspections/actions/{w.m5.action_id}" in signed_in(app, w.district).get(
        f"/year/units/{t.D.id}/plans?year={LAST}").text


def test_the_result_comes_from_the_next_years_grading(db, client, login, planned):
    w, t = planned, planned.tree
    grades = {g.code: g for g in catalogue.grades("unit")}
    login(w.officer)
    assert client.get(f"/year/plans/{w.plan.id}").text.count("Chưa xếp loại năm sau") == 2
    grading.propose_children(parent=t.C1, year=LAST + 1, by=w.officer)
    db.session.commit()
    assert client.get(f"/year/plans/{w.plan.id}").text.count("Chưa xếp loại năm sau") == 2  # proposed, not decided
    g4 = grade_of(db, w.B4, LAST + 1)
    g4.flags = []
    grading.decide(unit_grade=g4, grade=grades["done"], reason="Đã kiện toàn", by=w.officer)
    grading.decide(unit_grade=grade_of(db, w.B5, LAST + 1), grade=grades["failed"], by=w.officer)
    db.session.commit()
    page = client.get(f"/year/plans/{w.plan.id}").text
    assert "Đã chuyển biến" in page and "Vẫn yếu kém" in page and "Chưa xếp loại năm sau" not in page
    assert "Đã chuyển biến" in client.get(f"/year/plan-entries/{w.e4.id}").text


def test_editing_withdrawing_and_stale_forms(client, db, login, planned):
    w = planned
    login(w.officer)
    plan, e4 = w.plan, w.e4
    old_plan, old_entry = plan.version, e4.version
    resp = client.post(f"/year/plans/{plan.id}/edit", data={"title": "Kế hoạch số 2", "doc_number": "09-KH/ĐTN",
                                                            "version": old_plan})
    assert resp.status_code == 303
    resp = client.post(f"/year/plans/{plan.id}/edit", data={"title": "Kế hoạch khác", "doc_number": "",
                                                            "version": old_plan})
    assert resp.status_code == 409
    resp = client.post(f"/year/plans/{plan.id}/edit", data={"title": "", "version": old_plan + 1})
    assert resp.status_code == 422 and "Vui lòng nhập tên kế hoạch." in errors_in(resp.text)
    frag = client.post(f"/year/plans/{plan.id}/edit", data={"title": "", "version": old_plan + 1}, headers=HTMX)
    assert frag.status_code == 422 and "<html" not in frag.text and 'id="plan-form"' in frag.text
    resp = client.post(f"/year/plan-entries/{e4.id}/causes", data={"causes": ["small", "silent"], "cause_note": "Thiếu người",
                                                                  "version": old_entry})
    assert resp.status_code == 303
    resp = client.post(f"/year/plan-entries/{e4.id}/causes", data={"causes": ["paper_heavy"], "version": old_entry})
    assert resp.status_code == 409
    resp = client.post(f"/year/plan-entries/{e4.id}/causes", data={"version": old_entry + 1}, headers=HTMX)
    assert resp.status_code == 422 and "<html" not in resp.text and 'id="causes-form"' in resp.text
    db.session.expire_all()
    e4 = db.session.get(ConsolidationEntry, e4.id)
    assert (e4.causes, e4.cause_note) == (["small", "silent"], "Thiếu người")
    assert client.post(f"/year/plan-entries/{e4.id}/withdraw", data={"version": e4.version}).status_code == 303
    db.session.expire_all()
    e4 = db.session.get(ConsolidationEntry, e4.id)
    assert e4.withdrawn_at is not None and db.session.get(ConsolidationMeasure, w.m4.id) is not None  # kept
    page = client.get(f"/year/plans/{plan.id}").text
    assert "Đã đưa ra khỏi kế hoạch" in page
    entry_page = client.get(f"/year/plan-entries/{e4.id}")
    assert entry_page.status_code == 200 and 'id="measure-form"' not in entry_page.text
    assert _measure(client, e4, "tok-late").status_code == 403  # withdrawn: no new measures
    # it may come back
    assert client.post(f"/year/plans/{plan.id}/entries", data={"unit": w.B4.id}).status_code == 303
    db.session.expire_all()
    assert db.session.get(ConsolidationEntry, e4.id).withdrawn_at is None


def test_a_measure_sent_with_errors_plain_and_htmx_and_one_double_tapped(client, db, login, planned):
    w = planned
    login(w.officer)
    resp = _measure(client, w.e4, "tok-x", remedy="", due=date.today() - timedelta(days=1))
    assert resp.status_code == 422
    errs = errors_in(resp.text)
    assert "Vui lòng nhập biện pháp." in errs and "Thời hạn không được ở quá khứ." in errs
    assert 'value="tok-x"' in resp.text  # the same token kept: resending makes one
    resp = _measure(client, w.e4, "tok-x", owner=w.tree.B2.id, headers=HTMX)
    assert resp.status_code == 422 and "<html" not in resp.text and 'id="measure-form"' in resp.text
    assert "Chọn đơn vị yếu kém hoặc một đơn vị trực thuộc của nó." in errors_in(resp.text)
    before = db.session.scalar(select(func.count(CorrectiveAction.id)))
    assert _measure(client, w.e4, "tok-x").status_code == 303
    assert _measure(client, w.e4, "tok-x").status_code == 303
    # a twin that slipped past the first lookup meets the unique token inside the savepoint: still one
    measure, created = services.add_measure(entry=w.e4, owner_unit=w.B4, remedy="x", responsible="y", due_on=SOON,
                                            form_token="tok-x")
    assert not created
    db.session.commit()
    assert db.session.scalar(select(func.count(CorrectiveAction.id))) == before + 1


def test_the_savepoint_keeps_one_measure_when_the_token_races_in(db, planned, monkeypatch):
    w = planned
    first, created = services.add_measure(entry=w.e4, owner_unit=w.B4, remedy="Một", responsible="A", due_on=SOON,
                                          form_token="tok-race")
    db.session.commit()
    before = db.session.scalar(select(func.count(CorrectiveAction.id)))
    real = services.q.find_measure
    calls = iter([None])  # the first lookup misses (the twin had not committed yet)
    monkeypatch.setattr(services.q, "find_measure", lambda token: next(calls, real(token)))
    twin, created = services.add_measure(entry=w.e4, owner_unit=w.B4, remedy="Một", responsible="A", due_on=SOON,
                                         form_token="tok-race")
    db.session.commit()
    assert not created and twin.id == first.id
    assert db.session.scalar(select(func.count(CorrectiveAction.id))) == before


def test_viewers_read_outsiders_and_other_units_are_refused(app, db, planned):
    w, t = planned, planned.tree
    viewer = signed_in(app, w.viewer)
    assert viewer.get(f"/year/plans/{w.plan.id}").status_code == 200
    assert viewer.get(f"/year/plan-entries/{w.e4.id}").status_code == 200
    assert 'id="measure-form"' not in viewer.get(f"/year/plan-entries/{w.e4.id}").text
    assert viewer.get(f"/year/plans/{w.plan.id}/plan.pdf").status_code == 200
    for url, data in ((f"/year/plans/{w.plan.id}/edit", {"title": "x"}), (f"/year/plans/{w.plan.id}/adopt", {}),
                      (f"/year/plans/{w.plan.id}/entries", {"unit": w.B4.id}),
                      (f"/year/plan-entries/{w.e4.id}/causes", {"causes": ["small"]}),
                      (f"/year/plan-entries/{w.e4.id}/withdraw", {}),
                      (f"/year/units/{t.C1.id}/plans/create?year={LAST + 1}", {"title": "x"})):
        assert viewer.post(url, data=data).status_code == 403, url
        assert signed_in(app, w.outsider).post(url, data=data).status_code == 403, url
    assert _measure(viewer, w.e4, "tok-v").status_code == 403
    # the weak branch's officer reads the plan it is on, and cannot change it
    b4 = signed_in(app, w.b4_officer)
    assert b4.get(f"/year/plans/{w.plan.id}").status_code == 200
    assert _measure(b4, w.e4, "tok-b4").status_code == 403
    out = signed_in(app, w.outsider)
    for url in (f"/year/plans/{w.plan.id}", f"/year/plan-entries/{w.e4.id}", f"/year/plans/{w.plan.id}/plan.pdf",
                f"/year/units/{t.C1.id}/plans"):
        assert out.get(url).status_code == 403, url
    assert db.session.scalar(select(func.count(ConsolidationMeasure.id))) == 2


def test_the_printable_plan(app, db, planned):
    w = planned
    client = signed_in(app, w.officer)
    resp = client.get(f"/year/plans/{w.plan.id}/plan.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    for words in ("KẾ HOẠCH", f"Củng cố cơ sở Đoàn yếu kém năm {LAST}", "ĐOÀN TNCS HỒ CHÍ MINH", "BCH HUYỆN ĐOÀN MỘT",
                  "BCH ĐOÀN XÃ AN PHÚ", "MỤC ĐÍCH, YÊU CẦU", "Chi đoàn Thôn 4", "Chi đoàn Thôn 5", "Kết nạp thêm đoàn viên",
                  "Phó Bí thư Đoàn xã", "Dưới 3 đoàn viên", "Nơi nhận", "TM. BAN THƯỜNG VỤ", SOON.strftime("%d/%m/%Y")):
        assert words in text, words
    # the link is never boosted; an htmx request for the file gets a redirect to load it
    page = client.get(f"/year/plans/{w.plan.id}").text
    assert f'href="/year/plans/{w.plan.id}/plan.pdf" download hx-boost="false"' in page
    assert client.get(f"/year/plans/{w.plan.id}/plan.pdf", headers=HTMX).mimetype == "text/html"


def test_the_plans_pages_statements_and_size(app, db, make_unit, planned):
    w, t = planned, planned.tree
    province = signed_in(app, w.province)
    counts = []
    for extra in (0, 8):
        for i in range(extra):  # more communes with plans and overdue measures below the province
            commune = make_unit(t.D, name=f"Đoàn xã Thêm {i}", commit=False)
            branch = make_unit(commune, commit=False)
            db.session.add(UnitGrade(unit_id=branch.id, unit_path=branch.path, year=LAST, criteria={}, flags=["small"],
                                     proposed_grade_id=catalogue.grades("unit")[-1].id, weak=True))
            plan, _ = services.create_plan(unit=commune, year=LAST, title="Kế hoạch", by=w.province)
            entry, _ = services.add_entry(plan=plan, unit=branch, causes=["small"], by=w.province)
            m, _ = services.add_measure(entry=entry, owner_unit=branch, remedy="Kết nạp", responsible="Bí thư",
                                        due_on=SOON, by=w.province)
            m.action.due_on = date.today() - timedelta(days=3)
        db.session.commit()
        resp = province.get(f"/year/units/{t.P.id}/plans?year={LAST}")
        assert resp.status_code == 200 and len(gzip.compress(resp.data)) <= 14 * 1024
        counts.append(sql_count(resp))
    assert counts[0] == counts[1], counts
    for url in (f"/year/plans/{w.plan.id}", f"/year/plan-entries/{w.e4.id}"):
        resp = signed_in(app, w.officer).get(url)
        assert resp.status_code == 200 and len(gzip.compress(resp.data)) <= 14 * 1024, url
