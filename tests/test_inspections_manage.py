"""Checklist management by province/district inspectors, acknowledgement, fixed SQL counts on one inspection."""
import re
from datetime import date

from sqlalchemy import func, select

from app.inspections.models import ChecklistTemplate, Inspection, TemplateItem, TemplateSection, TemplateVersion
from tests.conftest import errors_in, sql_count
from tests.factories_inspections import *  # noqa: F401,F403
from tests.factories_inspections import answer_all, section_items


def _version_field(html):
    return int(re.search(r'name="version"[^>]*value="(\d+)"', html).group(1))


def test_district_inspector_builds_a_checklist(client, db, tree, make_user, login):
    make_user("huyen.kt", (tree.D, "inspector"))
    login("huyen.kt")
    resp = client.post("/inspections/templates/new", data={"owner_unit": tree.D.id, "title": "", "purpose": ""})
    assert resp.status_code == 422 and "Vui lòng nhập tên mẫu phiếu." in errors_in(resp.data)
    resp = client.post("/inspections/templates/new", data={"owner_unit": tree.C1.id, "title": "X"})
    assert resp.status_code == 422  # a commune does not own checklists
    resp = client.post("/inspections/templates/new", data={
        "owner_unit": tree.D.id, "title": "Kiểm tra sinh hoạt chi đoàn", "purpose": "Chuyên đề quý III"})
    assert resp.status_code == 303
    t = db.session.scalar(select(ChecklistTemplate))
    page = client.get(f"/inspections/templates/{t.id}").get_data(as_text=True)
    resp = client.post(f"/inspections/templates/{t.id}/sections", data={"version": _version_field(page), "title": "Sinh hoạt"})
    assert resp.status_code == 303
    page = client.get(f"/inspections/templates/{t.id}").get_data(as_text=True)
    section = db.session.scalar(select(TemplateSection))
    bad = client.post(f"/inspections/templates/{t.id}/items", data={
        "version": _version_field(page), "section_id": section.id, "text": "", "answer_type": "choice", "weight": "11"})
    assert bad.status_code == 422
    errs = errors_in(bad.data)
    assert "Vui lòng nhập nội dung kiểm tra." in errs and "Trọng số từ 0 đến 10." in errs
    for text, kind in [("Chi đoàn sinh hoạt định kỳ hằng tháng", "choice"), ("Số buổi sinh hoạt trong quý", "number")]:
        page = client.get(f"/inspections/templates/{t.id}").get_data(as_text=True)
        resp = client.post(f"/inspections/templates/{t.id}/items", data={
            "version": _version_field(page), "section_id": section.id, "text": text, "answer_type": kind,
            "weight": "2", "note_required": "y"})
        assert resp.status_code == 303, errors_in(resp.data)
    items = db.session.scalars(select(TemplateItem).order_by(TemplateItem.id)).all()
    assert [i.weight for i in items] == [2, 0]  # a number is not scored
    # rename the section, retire an item: still version 1 (nobody used it)
    page = client.get(f"/inspections/templates/{t.id}/sections/{section.id}").get_data(as_text=True)
    assert client.post(f"/inspections/templates/{t.id}/sections/{section.id}", data={
        "version": _version_field(page), "title": "Sinh hoạt chi đoàn"}).status_code == 303
    db.session.expire_all()
    t = db.session.get(ChecklistTemplate, t.id)
    assert client.post(f"/inspections/templates/{t.id}/items/{items[1].id}/retire", data={"version": t.version}).status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(func.count(TemplateVersion.id))) == 1
    assert db.session.get(TemplateItem, items[1].id).retired  # kept, not deleted
    html = client.get(f"/inspections/templates/{t.id}").get_data(as_text=True)
    assert "Sinh hoạt chi đoàn" in html and "Số buổi sinh hoạt trong quý" not in html
    # the province inspector sees it (above), a commune of the district sees it (below), C3 does not
    make_user("xa3.kt", (tree.C3, "inspector"))
    client.post("/auth/logout")
    login("xa3.kt")
    assert client.get(f"/inspections/templates/{t.id}").status_code == 403


def test_commune_officer_acknowledges_a_closed_inspection(client, db, tree, make_plan, inspector, make_user, login):
    from app.inspections import services

    inspection = answer_all(db, make_plan().inspections[0])
    inspection.conclusion = "Tốt"
    services.close_inspection(inspection=inspection, expected_version=None, sections=section_items(inspection),
                              answers={}, by=inspector)
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    ins = db.session.get(Inspection, inspection.id)
    resp = client.post(f"/inspections/{inspection.id}/acknowledge", data={"version": ins.version, "ack_name": "",
                                                                        "ack_post": "Bí thư", "ack_on": "32/13/2026"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Vui lòng nhập họ tên người đại diện." in errors_in(html) and 'value="32/13/2026"' in html
    resp = client.post(f"/inspections/{inspection.id}/acknowledge", data={
        "version": ins.version, "ack_name": "Lê Thị Hoa", "ack_post": "Bí thư Đoàn xã", "ack_on": date.today().strftime("%d/%m/%Y")})
    assert resp.status_code == 303
    db.session.expire_all()
    assert db.session.get(Inspection, inspection.id).ack_name == "Lê Thị Hoa"
    # once only
    assert client.post(f"/inspections/{inspection.id}/acknowledge", data={}).status_code == 403


def test_sql_count_is_fixed_on_one_inspection(client, db, tree, make_plan, inspector, login):
    from datetime import timedelta

    from app.inspections import services

    inspection = make_plan().inspections[0]
    login(inspector)
    urls = [f"/inspections/{inspection.id}", f"/inspections/{inspection.id}/record?s=1", f"/inspections/{inspection.id}/minutes"]
    small = {u: sql_count(client.get(u)) for u in urls}
    answer_all(db, inspection, choice="no")
    inspection = db.session.get(Inspection, inspection.id)
    for n in range(6):
        services.add_action(inspection=inspection, finding=f"Thiếu sót {n}", remedy="Khắc phục",
                            owner_unit=tree.B1 if n % 2 else tree.C1, due_on=date.today() + timedelta(days=n))
    db.session.commit()
    earlier = make_plan(units=[tree.C1]).inspections[0]
    del earlier
    for u in urls:
        resp = client.get(u)
        assert resp.status_code == 200 and sql_count(resp) == small[u], (u, small[u], sql_count(resp))


def test_double_submits_make_one_change_and_no_error_page(client, db, tree, builtin, make_plan, inspector, make_user,
                                                          login):
    from app.inspections.models import CorrectiveAction

    plan = make_plan()  # the checklist version is now in use
    inspection = answer_all(db, plan.inspections[0])
    login(inspector)
    ins = db.session.get(Inspection, inspection.id)
    data = {"version": ins.version, "inspected_on": date.today().strftime("%d/%m/%Y"), "strengths": "Tốt",
            "shortcomings": "", "conclusion": "Đạt yêu cầu"}
    for _ in range(2):
        assert client.post(f"/inspections/{inspection.id}/conclusion", data=data).status_code == 303
    db.session.expire_all()
    ins = db.session.get(Inspection, inspection.id)
    for _ in range(2):
        assert client.post(f"/inspections/{inspection.id}/close", data={"version": ins.version}).status_code == 303
    client.post("/auth/logout")
    # the province inspector adds the same item twice to the (used) checklist: one copy-on-write, one item
    make_user("tinh.kt", (tree.P, "inspector"))
    login("tinh.kt")
    template = builtin["member_development"]
    page = client.get(f"/inspections/templates/{template.id}").get_data(as_text=True)
    section_id = int(re.search(r'<option value="(\d+)"', page).group(1))
    data = {"version": _version_field(page), "section_id": section_id, "text": "Có sổ ghi biên bản sinh hoạt",
            "answer_type": "choice", "weight": "1", "note_required": "y"}
    for _ in range(2):
        resp = client.post(f"/inspections/templates/{template.id}/items", data=data)
        assert resp.status_code == 303, resp.status_code
    assert db.session.scalar(select(func.count(TemplateItem.id)).where(TemplateItem.text == "Có sổ ghi biên bản sinh hoạt")) == 1
    assert db.session.scalar(select(func.count(TemplateVersion.id)).where(TemplateVersion.template_id == template.id)) == 2
    resp = client.post("/inspections/templates/new", data={"owner_unit": tree.P.id, "title": "Kiểm tra công tác phát triển và quản lý đoàn viên"})
    assert resp.status_code == 422 and "Đơn vị đã có mẫu phiếu với tên này." in errors_in(resp.data)
    client.post("/auth/logout")
    # the commune officer reports an action done twice
    from app.inspections import services

    action = services.add_action(inspection=db.session.get(Inspection, inspection.id), finding="Thiếu sổ", remedy="Lập sổ",
                                 owner_unit=tree.C1, due_on=date.today())
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    data = {"version": action.version, "note": "Đã lập sổ"}
    for _ in range(2):
        assert client.post(f"/inspections/actions/{action.id}/done", data=data).status_code == 303
    db.session.expire_all()
    assert [e.kind for e in db.session.get(CorrectiveAction, action.id).events] == ["created", "done"]
