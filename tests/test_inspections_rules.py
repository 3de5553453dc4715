"""Plans, validation that keeps what was typed, follow-up of actions, scope, photos, SQL counts."""
import io
from datetime import date, timedelta

from sqlalchemy import func, select

from app.inspections import services
from app.inspections.models import Answer, ChecklistTemplate, CorrectiveAction, Inspection, Photo, Plan, TemplateVersion
from tests.conftest import HTMX, errors_in, sql_count
from tests.factories_inspections import *  # noqa: F401,F403
from tests.factories_inspections import answer_all, section_items


def d(x):
    return x.strftime("%d/%m/%Y")


def _plan_data(tree, builtin, lead, units, **over):
    today = date.today()
    data = {"kind": "thematic", "title": "Kiểm tra hồ sơ kết nạp đoàn viên", "decision_number": "15-QĐ/HĐTN",
            "decision_date": d(today), "inspecting_unit": tree.D.id, "template": builtin["member_development"].id,
            "units": [u.id for u in units], "team": [lead.id], "lead": lead.id, "planned_start": d(today),
            "planned_end": d(today + timedelta(days=10)), "class_id": ""}
    data.update(over)
    return data


def test_plan_by_form_creates_one_inspection_per_unit(client, db, tree, builtin, inspector, login):
    login(inspector)
    assert client.get("/inspections/plans/new").status_code == 200
    resp = client.post("/inspections/plans/new", data=_plan_data(tree, builtin, inspector, [tree.C1, tree.C2]))
    assert resp.status_code == 303, errors_in(resp.data)
    plan = db.session.scalar(select(Plan))
    assert plan.kind == "thematic" and {i.unit_id for i in plan.inspections} == {tree.C1.id, tree.C2.id}
    assert plan.lead.id == inspector.id
    # the checklist version is now frozen
    assert db.session.get(TemplateVersion, plan.template_version_id).locked_at is not None
    # a double tap: the same decision number is refused, nothing duplicated
    resp = client.post("/inspections/plans/new", data=_plan_data(tree, builtin, inspector, [tree.C1]))
    assert resp.status_code == 422
    assert "Số quyết định này đã có kế hoạch kiểm tra của đơn vị." in errors_in(resp.data)
    assert db.session.scalar(select(func.count(Plan.id))) == 1
    html = client.get(f"/inspections/plans/{plan.id}").get_data(as_text=True)
    assert "Đoàn xã An Phú" in html and "Đoàn xã Bình Minh" in html


def test_plan_outside_subtree_is_refused_and_keeps_input(client, db, tree, builtin, make_user, login):
    tinh = make_user("tinh.kt", (tree.P, "inspector"))
    login(tinh)
    # inspecting unit D, but C3 sits directly under the province
    resp = client.post("/inspections/plans/new", data=_plan_data(tree, builtin, tinh, [tree.C1, tree.C3],
                                                                 decision_number="77-QĐ/KT"))
    assert resp.status_code == 422
    errs = errors_in(resp.data)
    assert any("phải trực thuộc Huyện đoàn Một" in e and "Đoàn phường Hạc Thành" in e for e in errs), errs
    html = resp.get_data(as_text=True)
    assert 'value="77-QĐ/KT"' in html and "Kiểm tra hồ sơ kết nạp đoàn viên" in html
    assert db.session.scalar(select(func.count(Plan.id))) == 0


def test_team_must_hold_the_inspector_role(client, db, tree, builtin, inspector, make_user, login):
    other = make_user("xa2.kt", (tree.C3, "inspector"))
    tinh = make_user("tinh.kt", (tree.P, "inspector"))
    login(tinh)
    resp = client.post("/inspections/plans/new", data=_plan_data(tree, builtin, inspector, [tree.C1],
                                                                 team=[inspector.id, other.id]))
    assert resp.status_code == 422
    assert any("phải có vai trò kiểm tra" in e for e in errors_in(resp.data))


def test_missing_note_in_section_form_keeps_everything_typed(client, db, tree, make_plan, inspector, login):
    inspection = make_plan().inspections[0]
    login(inspector)
    items = section_items(inspection)[0].items
    data = {f"a-{items[0].id}": "no", f"n-{items[0].id}": "",
            f"a-{items[1].id}": "yes", f"n-{items[1].id}": "Đủ sổ"}
    resp = client.post(f"/inspections/{inspection.id}/record?s=1", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Mục này chưa đạt: vui lòng ghi chú lý do." in errors_in(html)
    assert f'name="a-{items[0].id}" value="no" checked' in html and "Đủ sổ" in html
    # the valid item was saved, the refused one was not
    answers = {a.item_id: a for a in db.session.scalars(select(Answer))}
    assert set(answers) == {items[1].id}


def test_due_date_before_inspection_is_refused(client, db, tree, make_plan, inspector, login):
    inspection = make_plan().inspections[0]
    login(inspector)
    visit = inspection.visit_date
    resp = client.post(f"/inspections/{inspection.id}/actions", data={
        "token": "t1", "finding": "Thiếu sổ chuyển sinh hoạt", "remedy": "Lập sổ", "owner_unit": tree.C1.id,
        "due_on": d(visit - timedelta(days=1))})
    assert resp.status_code == 422
    errs = errors_in(resp.data)
    assert f"Hạn hoàn thành không được trước ngày kiểm tra ({d(visit)})." in errs
    html = resp.get_data(as_text=True)
    assert "Thiếu sổ chuyển sinh hoạt" in html and d(visit - timedelta(days=1)) in html
    # an owner outside the inspected unit is refused too
    resp = client.post(f"/inspections/{inspection.id}/actions", data={
        "token": "t2", "finding": "X", "remedy": "Y", "owner_unit": tree.B2.id, "due_on": d(visit)})
    assert resp.status_code == 422
    assert db.session.scalar(select(func.count(CorrectiveAction.id))) == 0


def test_close_needs_every_answer_and_a_conclusion(client, db, tree, make_plan, inspector, login):
    inspection = make_plan().inspections[0]
    login(inspector)
    resp = client.post(f"/inspections/{inspection.id}/close", data={})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "chưa trả lời" in html and "Vui lòng ghi kết luận trước khi kết thúc." in html
    assert db.session.get(Inspection, inspection.id).status == "planned"


def _closed_with_action(db, tree, make_plan, inspector, due_in_days=20, visit_days_ago=0):
    inspection = make_plan(planned_start=date.today() - timedelta(days=visit_days_ago)).inspections[0]
    answer_all(db, inspection, by=inspector)
    inspection = db.session.get(Inspection, inspection.id)
    inspection.inspected_on = inspection.planned_on
    action = services.add_action(inspection=inspection, finding="Sổ đoàn viên chưa cập nhật", remedy="Cập nhật sổ",
                                 owner_unit=tree.B1, due_on=inspection.visit_date + timedelta(days=due_in_days),
                                 by=inspector)
    inspection.conclusion = "Khá"
    services.close_inspection(inspection=inspection, expected_version=None, sections=section_items(inspection),
                              answers={a.item_id: a for a in db.session.scalars(select(Answer))}, by=inspector)
    db.session.commit()
    return inspection, action


def test_commune_officer_completes_and_inspector_verifies(client, db, tree, make_plan, inspector, make_user, login):
    inspection, action = _closed_with_action(db, tree, make_plan, inspector)
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    html = client.get("/inspections/actions?mine=1").get_data(as_text=True)
    assert "Sổ đoàn viên chưa cập nhật" in html
    page = client.get(f"/inspections/actions/{action.id}").get_data(as_text=True)
    assert "Báo đã khắc phục" in page
    resp = client.post(f"/inspections/actions/{action.id}/done", data={"version": action.version, "note": ""})
    assert resp.status_code == 422 and "Vui lòng ghi rõ đã khắc phục thế nào." in errors_in(resp.data)
    resp = client.post(f"/inspections/actions/{action.id}/done", data={"version": action.version,
                                                                      "note": "Đã cập nhật sổ ngày 10"})
    assert resp.status_code == 303
    db.session.expire_all()
    assert db.session.get(CorrectiveAction, action.id).status == "done"
    # the officer cannot verify their own work
    assert client.post(f"/inspections/actions/{action.id}/verify", data={}).status_code == 403
    client.post("/auth/logout")
    login(inspector)
    a = db.session.get(CorrectiveAction, action.id)
    resp = client.post(f"/inspections/actions/{action.id}/reopen", data={"version": a.version, "note": "Chưa đủ"})
    assert resp.status_code == 303
    db.session.expire_all()
    a = db.session.get(CorrectiveAction, action.id)
    assert a.status == "open" and [e.kind for e in a.events] == ["created", "done", "reopened"]
    client.post("/auth/logout")
    login("xa.officer")
    client.post(f"/inspections/actions/{action.id}/done", data={"version": a.version, "note": "Đã bổ sung"})
    client.post("/auth/logout")
    login(inspector)
    db.session.expire_all()
    a = db.session.get(CorrectiveAction, action.id)
    assert client.post(f"/inspections/actions/{action.id}/verify", data={"version": a.version, "note": ""}).status_code == 303
    db.session.expire_all()
    assert db.session.get(CorrectiveAction, action.id).status == "verified"


def test_overdue_action_shows_at_the_province(client, db, tree, make_plan, inspector, make_user, login):
    _closed_with_action(db, tree, make_plan, inspector, due_in_days=5, visit_days_ago=40)
    make_user("tinh.viewer", (tree.P, "viewer"))
    login("tinh.viewer")
    html = client.get(f"/inspections/overview?unit={tree.P.id}").get_data(as_text=True)
    assert f'href="/inspections/actions?unit={tree.P.id}&amp;status=overdue"><b class="error">1</b>' in html
    # flagged on the district's row too, linking to the records
    assert f'/inspections/actions?unit={tree.D.id}&amp;status=overdue" class="error">1<' in html
    listing = client.get(f"/inspections/actions?unit={tree.P.id}&status=overdue").get_data(as_text=True)
    assert "Sổ đoàn viên chưa cập nhật" in listing and "Quá hạn" in listing


def test_next_inspection_opens_with_previous_open_actions(client, db, tree, make_plan, inspector, login):
    _closed_with_action(db, tree, make_plan, inspector)
    nxt = make_plan(units=[tree.C1]).inspections[0]
    login(inspector)
    html = client.get(f"/inspections/{nxt.id}").get_data(as_text=True)
    assert "Việc khắc phục còn mở từ lần kiểm tra trước" in html and "Sổ đoàn viên chưa cập nhật" in html


def test_inspector_of_another_district_cannot_see(client, db, tree, make_plan, inspector, make_unit, make_user, login):
    inspection, action = _closed_with_action(db, tree, make_plan, inspector)
    d2 = make_unit(tree.P, level="district", name="Huyện đoàn Hai", code="D2")
    make_user("huyen2.kt", (d2, "inspector"))
    login("huyen2.kt")
    assert client.get(f"/inspections/{inspection.id}").status_code == 403
    assert client.get(f"/inspections/{inspection.id}/minutes.pdf").status_code == 403
    assert client.get(f"/inspections/actions/{action.id}").status_code == 403
    assert client.get(f"/inspections/plans/{inspection.plan_id}").status_code == 403
    assert "Đoàn xã An Phú" not in client.get("/inspections/").get_data(as_text=True)
    assert "Sổ đoàn viên" not in client.get("/inspections/actions?status=all").get_data(as_text=True)
    assert client.get(f"/inspections/overview?unit={tree.D.id}").status_code == 403


def test_commune_officer_sees_the_scheduled_visit(client, db, tree, make_plan, make_user, login):
    plan = make_plan(units=[tree.C1])
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    html = client.get(f"/units/{tree.C1.id}").get_data(as_text=True)
    assert "Kiểm tra, giám sát" in html and plan.title in html and plan.decision_number in html
    assert "Đoàn xã An Phú" in client.get("/inspections/").get_data(as_text=True)
    # viewing, not recording
    inspection = plan.inspections[0]
    assert client.get(f"/inspections/{inspection.id}").status_code == 200
    assert client.get(f"/inspections/{inspection.id}/record").status_code == 403


def _png(w=2400, h=1800):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_photo_upload_checks_content_resizes_and_is_served_only_in_scope(app, client, db, tree, make_plan, inspector,
                                                                         make_user, login, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "INSPECTION_UPLOAD_DIR", str(tmp_path / "uploads" / "inspections"))
    inspection = make_plan().inspections[0]
    item = section_items(inspection)[0].items[0]
    login(inspector)
    url = f"/inspections/{inspection.id}/items/{item.id}/photos"
    fake = {f"p-{item.id}": (io.BytesIO(b"<?php echo 1; ?>"), "anh.jpg", "image/jpeg")}
    resp = client.post(url, data=fake, headers=HTMX, content_type="multipart/form-data")
    assert resp.status_code == 422 and "Tệp không phải ảnh JPEG hoặc PNG hợp lệ." in errors_in(resp.data)
    gif = {f"p-{item.id}": (io.BytesIO(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "a.gif", "image/gif")}
    assert client.post(url, data=gif, headers=HTMX, content_type="multipart/form-data").status_code == 422
    assert db.session.scalar(select(func.count(Photo.id))) == 0
    png = _png()
    for _ in range(2):  # resent: stored once
        resp = client.post(url, data={f"p-{item.id}": (io.BytesIO(png), "a.png", "image/png")}, headers=HTMX,
                           content_type="multipart/form-data")
        assert resp.status_code == 200
    photo = db.session.scalar(select(Photo))
    assert db.session.scalar(select(func.count(Photo.id))) == 1
    assert max(photo.width, photo.height) == 1600 and photo.filename.endswith(".jpg")

    path = tmp_path / "uploads" / "inspections" / photo.filename
    assert path.read_bytes()[:3] == b"\xff\xd8\xff"  # re-encoded JPEG
    assert "static" not in str(path)
    resp = client.get(f"/inspections/photos/{photo.id}")
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    resp.close()
    # without JavaScript: the section form carries the file
    resp = client.post(f"/inspections/{inspection.id}/record?s=1", content_type="multipart/form-data", data={
        f"a-{item.id}": "yes", f"n-{item.id}": "", f"p-{item.id}": (io.BytesIO(b"not an image"), "x.png", "image/png")})
    assert resp.status_code == 422 and "Tệp không phải ảnh JPEG hoặc PNG hợp lệ." in errors_in(resp.data)
    client.post("/auth/logout")
    make_user("xa2.officer", (tree.C2, "officer"))
    login("xa2.officer")
    assert client.get(f"/inspections/photos/{photo.id}").status_code == 403


def test_templates_are_installed_by_post_only(client, db, tree, make_user, login):
    make_user("tinh.kt", (tree.P, "inspector"))
    login("tinh.kt")
    html = client.get("/inspections/templates").get_data(as_text=True)
    assert "Cài mẫu phiếu có sẵn cho Tỉnh đoàn Thử" in html
    assert db.session.scalar(select(func.count(ChecklistTemplate.id))) == 0
    for _ in range(2):
        assert client.post("/inspections/templates/install", data={"unit_id": tree.P.id}).status_code == 303
    assert db.session.scalar(select(func.count(ChecklistTemplate.id))) == 2
    html = client.get("/inspections/templates").get_data(as_text=True)
    assert "Kiểm tra công tác phát triển và quản lý đoàn viên" in html and "Giám sát lớp bồi dưỡng" in html
    # a commune may not install or own checklists
    assert client.post("/inspections/templates/install", data={"unit_id": tree.C1.id}).status_code == 403


def test_sql_count_is_stable_on_lists_and_overview(client, db, tree, make_plan, inspector, make_user, login):
    make_user("tinh.viewer", (tree.P, "viewer"))
    _closed_with_action(db, tree, make_plan, inspector)
    login("tinh.viewer")
    urls = ["/inspections/", "/inspections/plans", "/inspections/actions?status=all", "/inspections/templates",
            f"/inspections/overview?unit={tree.P.id}", f"/units/{tree.C1.id}"]
    small = {u: sql_count(client.get(u)) for u in urls}
    for _ in range(3):
        _closed_with_action(db, tree, make_plan, inspector)
    make_plan(units=[tree.C1, tree.C2])
    for u in urls:
        resp = client.get(u)
        assert resp.status_code == 200
        assert sql_count(resp) == small[u], (u, small[u], sql_count(resp))


def test_plan_edit_moves_dates_and_changes_the_team(client, db, tree, make_plan, inspector, make_user, login):
    from app.inspections.models import PlanMember

    other = make_user("huyen.kt2", (tree.D, "inspector"), full_name="Trần Văn Kiểm")
    plan = make_plan(units=[tree.C1, tree.C2])
    login(inspector)
    page = client.get(f"/inspections/plans/{plan.id}/edit")
    assert page.status_code == 200
    new_start = date.today() + timedelta(days=14)
    data = {"version": plan.version, "kind": "periodic", "title": plan.title, "decision_number": plan.decision_number,
            "decision_date": d(plan.decision_date), "team": [other.id], "lead": other.id,
            "planned_start": d(new_start), "planned_end": d(new_start - timedelta(days=1))}
    resp = client.post(f"/inspections/plans/{plan.id}/edit", data=data)
    assert resp.status_code == 422 and "Ngày kết thúc không được trước ngày bắt đầu." in errors_in(resp.data)
    data["planned_end"] = d(new_start + timedelta(days=5))
    resp = client.post(f"/inspections/plans/{plan.id}/edit", data=data)
    assert resp.status_code == 303, errors_in(resp.data)
    db.session.expire_all()
    p = db.session.get(Plan, plan.id)
    assert p.lead.id == other.id and [m.user_id for m in p.members] == [other.id]
    assert all(i.planned_on == new_start for i in p.inspections)
    # the former lead's row stays, marked removed; they can no longer record
    row = db.session.scalar(select(PlanMember).where(PlanMember.user_id == inspector.id))
    assert row.removed_at is not None
    assert client.get(f"/inspections/{p.inspections[0].id}/record").status_code == 403
    # a stale form is refused
    assert client.post(f"/inspections/plans/{plan.id}/edit", data=data).status_code == 409


def test_inspection_date_is_checked_against_decision_today_and_deadlines(client, db, tree, make_plan, inspector, login):
    plan = make_plan()
    inspection = plan.inspections[0]
    login(inspector)
    today = date.today()
    html = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert f'value="{d(inspection.visit_date)}"' in html  # the date field starts at the planned day
    base = {"version": inspection.version, "strengths": "Sổ sách đầy đủ", "shortcomings": "", "conclusion": ""}
    for bad, why in ((today + timedelta(days=3), "tương lai"), (plan.decision_date - timedelta(days=1), "quyết định")):
        resp = client.post(f"/inspections/{inspection.id}/conclusion", data=dict(base, inspected_on=d(bad)))
        assert resp.status_code == 422 and any(why in e for e in errors_in(resp.data)), errors_in(resp.data)
        assert "Sổ sách đầy đủ" in resp.get_data(as_text=True)
    assert client.post(f"/inspections/{inspection.id}/actions", data={
        "token": "t9", "finding": "Thiếu sổ", "remedy": "Lập sổ", "owner_unit": tree.C1.id,
        "due_on": d(today)}).status_code == 303
    resp = client.post(f"/inspections/{inspection.id}/conclusion", data=dict(base, inspected_on=d(today)))
    assert resp.status_code == 303
    # a boosted form answered in place keeps the page's address (no POST-only URL to reload into a 405)
    resp = client.post(f"/inspections/{inspection.id}/conclusion", data=dict(base, inspected_on="31/02/2026"),
                       headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert resp.status_code == 422 and resp.headers.get("HX-Push-Url") == "false"


def test_one_tap_row_keeps_its_number(client, db, tree, make_plan, inspector, login):
    inspection = make_plan().inspections[0]
    item = section_items(inspection)[0].items[1]
    login(inspector)
    html = client.post(f"/inspections/{inspection.id}/items/{item.id}", data={"choice": "yes"},
                       headers=HTMX).get_data(as_text=True)
    assert "1.2" in html


def test_communes_inspected_or_not_this_year_match_the_overview(client, db, tree, make_plan, inspector, make_user, login):
    plan = make_plan(units=[tree.C1])
    inspection = plan.inspections[0]
    inspection.status, inspection.inspected_on = "closed", date.today()
    db.session.commit()
    viewer = make_user("huyen.viewer", (tree.D, "viewer"))
    login(viewer)
    year = date.today().year
    html = client.get(f"/inspections/overview?unit={tree.D.id}&year={year}").get_data(as_text=True)
    assert "<b>1/2</b>" in html and f"/inspections/communes?unit={tree.D.id}&amp;year={year}&amp;inspected=0" in html

    def listed(flag):
        page = client.get(f"/inspections/communes?unit={tree.D.id}&year={year}&inspected={flag}").get_data(as_text=True)
        return {u.name for u in (tree.C1, tree.C2) if u.name in page}

    assert listed(1) == {tree.C1.name} and listed(0) == {tree.C2.name}
    assert client.get(f"/inspections/communes?unit={tree.P.id}&year={year}").status_code == 403


def test_the_inspectors_home_lists_their_own_visits(client, db, tree, make_plan, inspector, login):
    make_plan(units=[tree.C1])  # led by `inspector`, a district inspector; the visit is to a commune
    login(inspector)
    html = client.get(f"/units/{tree.D.id}").get_data(as_text=True)
    assert "Việc kiểm tra của bạn" in html and tree.C1.name in html.split("Việc kiểm tra của bạn")[1]
