"""The inspector's flow without JavaScript, the htmx one-tap save, and template versioning."""
import io
import re
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.inspections.models import Answer, CorrectiveAction, Inspection, TemplateItem, TemplateVersion
from tests.conftest import HTMX, errors_in
from tests.factories_inspections import *  # noqa: F401,F403
from tests.factories_inspections import answer_all, section_items


def pdf_text(data):
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def _section_form(sections, n, choice="yes"):
    """What a phone sends for section n: one radio per item, a note where it fails."""
    data = {}
    for it in sections[n].items:
        if it.answer_type == "choice":
            data[f"a-{it.id}"] = choice
            data[f"n-{it.id}"] = "Sổ chưa cập nhật" if choice in ("no", "partly") else ""
        elif it.answer_type == "number":
            data[f"a-{it.id}"] = "15"
            data[f"n-{it.id}"] = ""
        else:
            data[f"a-{it.id}"] = "Đơn vị tiếp thu"
            data[f"n-{it.id}"] = ""
    return data


def test_js_off_flow_answer_findings_close_print(client, db, tree, make_plan, inspector, login):
    plan = make_plan(units=[tree.C1])
    inspection = plan.inspections[0]
    login(inspector)
    # the planned visit, then the first section
    html = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert "Đã lên lịch" in html and "Ghi phiếu" in html
    resp = client.get(f"/inspections/{inspection.id}/record")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Có sổ danh sách đoàn viên, ghi chép đầy đủ, cập nhật thường xuyên" in html
    assert 'enctype="multipart/form-data"' in html and "0/" in html
    sections = section_items(inspection)
    assert len(sections) == 5
    for n in range(len(sections)):
        choice = "partly" if n == 0 else "yes"
        resp = client.post(f"/inspections/{inspection.id}/record?s={n + 1}", data=_section_form(sections, n, choice))
        assert resp.status_code == 303, errors_in(resp.data)
        if n + 1 < len(sections):
            assert resp.location.endswith(f"/record?s={n + 2}")
        else:
            assert resp.location.endswith(f"/inspections/{inspection.id}#conclusion")
    total = sum(len(s.items) for s in sections)
    assert db.session.scalar(select(func.count(Answer.id)).where(Answer.inspection_id == inspection.id)) == total
    # resuming shows the progress
    html = client.get(f"/inspections/{inspection.id}/record?s=2").get_data(as_text=True)
    assert f"{total}/{total}" in html
    # conclusion and two findings with actions
    ins = db.session.get(Inspection, inspection.id)
    resp = client.post(f"/inspections/{inspection.id}/conclusion", data={
        "version": ins.version, "inspected_on": date.today().strftime("%d/%m/%Y"), "strengths": "Sổ sách đầy đủ",
        "shortcomings": "Sổ chuyển sinh hoạt chưa cập nhật", "conclusion": "Đơn vị thực hiện khá tốt"})
    assert resp.status_code == 303, errors_in(resp.data)
    due = (date.today() + timedelta(days=30)).strftime("%d/%m/%Y")
    for n, (finding, owner) in enumerate([("Sổ chuyển sinh hoạt chưa cập nhật", tree.C1),
                                          ("Chi đoàn Thôn 1 thiếu sổ đoàn viên", tree.B1)]):
        resp = client.post(f"/inspections/{inspection.id}/actions", data={
            "token": f"tok-{n}", "finding": finding, "remedy": "Cập nhật ngay", "owner_unit": owner.id, "due_on": due})
        assert resp.status_code == 303, errors_in(resp.data)
    # a resent form (same token) adds nothing
    client.post(f"/inspections/{inspection.id}/actions", data={
        "token": "tok-1", "finding": "Chi đoàn Thôn 1 thiếu sổ đoàn viên", "remedy": "Cập nhật ngay",
        "owner_unit": tree.B1.id, "due_on": due})
    assert db.session.scalar(select(func.count(CorrectiveAction.id))) == 2
    # the lead closes
    db.session.expire_all()
    ins = db.session.get(Inspection, inspection.id)
    resp = client.post(f"/inspections/{inspection.id}/close", data={"version": ins.version})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    db.session.expire_all()
    ins = db.session.get(Inspection, inspection.id)
    assert ins.status == "closed" and ins.score is not None and 0 < ins.score < 100
    # the inspected unit's representative acknowledges
    resp = client.post(f"/inspections/{inspection.id}/acknowledge", data={
        "version": ins.version, "ack_name": "Nguyễn Văn Bình", "ack_post": "Bí thư Đoàn xã",
        "ack_on": date.today().strftime("%d/%m/%Y")})
    assert resp.status_code == 303
    # recording is over
    assert client.post(f"/inspections/{inspection.id}/record?s=1", data=_section_form(sections, 0)).status_code == 403
    # the minutes
    resp = client.get(f"/inspections/{inspection.id}/minutes.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = pdf_text(resp.data)
    for needle in ("BIÊN BẢN KIỂM TRA", "Đoàn xã An Phú", "Phạm Thu Hà", "Nguyễn Văn Bình",
                   "Có sổ danh sách đoàn viên", "Sổ chuyển sinh hoạt chưa cập nhật", "Chi đoàn Thôn 1"):
        assert needle in text.replace("\n", " "), needle
    notice = pdf_text(client.get(f"/inspections/{inspection.id}/notice.pdf").data)
    assert "THÔNG BÁO KẾT LUẬN KIỂM TRA" in notice and "Cập nhật ngay" in notice
    assert client.get(f"/inspections/{inspection.id}/minutes").status_code == 200


def test_htmx_item_save_returns_the_row_and_is_idempotent(client, db, tree, make_plan, inspector, login):
    plan = make_plan()
    inspection = plan.inspections[0]
    login(inspector)
    item = section_items(inspection)[0].items[0]
    url = f"/inspections/{inspection.id}/items/{item.id}"
    data = {f"a-{item.id}": "no", f"n-{item.id}": "Chưa có sổ"}
    resp = client.post(url, data=data, headers=HTMX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith(f'<div class="qrow" id="q-{item.id}"') and "<html" not in html
    assert 'value="no" checked' in html and "Đã lưu" in html and 'id="progress" hx-swap-oob="true">1/' in html
    audits = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "inspection.answer"))
    for _ in range(3):  # a flaky network resends
        assert client.post(url, data=data, headers=HTMX).status_code == 200
    assert db.session.scalar(select(func.count(Answer.id)).where(Answer.inspection_id == inspection.id)) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "inspection.answer")) == audits
    # a change is a set, not a second row; it survives a reload
    client.post(url, data={f"a-{item.id}": "yes", f"n-{item.id}": ""}, headers=HTMX)
    answer = db.session.scalar(select(Answer).where(Answer.inspection_id == inspection.id))
    db.session.refresh(answer)
    assert answer.choice == "yes" and answer.note is None
    assert 'value="yes" checked' in client.get(f"/inspections/{inspection.id}/record").get_data(as_text=True)
    # the inspection started
    db.session.expire_all()
    assert db.session.get(Inspection, inspection.id).status == "in_progress"
    # without JavaScript the same URL redirects back to the item
    resp = client.post(url, data={f"a-{item.id}": "partly", f"n-{item.id}": "Một phần"})
    assert resp.status_code == 303 and resp.location.endswith(f"/record?s=1#q-{item.id}")


def test_htmx_missing_note_is_refused_in_the_row(client, db, tree, make_plan, inspector, login):
    inspection = make_plan().inspections[0]
    login(inspector)
    item = section_items(inspection)[0].items[0]
    resp = client.post(f"/inspections/{inspection.id}/items/{item.id}", data={f"a-{item.id}": "no", f"n-{item.id}": ""},
                       headers=HTMX)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Mục này chưa đạt: vui lòng ghi chú lý do." in errors_in(html) and 'value="no" checked' in html
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_editing_a_used_template_keeps_earlier_inspections(client, db, tree, builtin, make_plan, inspector, make_user,
                                                           login):
    template = builtin["member_development"]
    v1 = template.current_version_id
    plan = make_plan()
    inspection = answer_all(db, plan.inspections[0])
    old_item = section_items(inspection)[0].items[0]
    old_text = old_item.text
    tinh = make_user("tinh.kt", (tree.P, "inspector"))
    login(tinh)
    before = pdf_text(client.get(f"/inspections/{inspection.id}/minutes.pdf").data)
    assert old_text in before.replace("\n", " ")
    page = client.get(f"/inspections/templates/{template.id}").get_data(as_text=True)
    assert "Phiên bản này đã được dùng" in page
    version = int(re.search(r'name="version"[^>]*value="(\d+)"', page).group(1))
    resp = client.post(f"/inspections/templates/{template.id}/items/{old_item.id}", data={
        "version": version, "text": "Sổ danh sách đoàn viên điện tử được cập nhật hằng tháng", "answer_type": "choice",
        "weight": "3", "note_required": "y", "guidance": ""})
    assert resp.status_code == 303, errors_in(resp.data)
    db.session.expire_all()
    t = db.session.get(type(template), template.id)
    assert t.current_version_id != v1
    new_version = db.session.get(TemplateVersion, t.current_version_id)
    assert new_version.number == 2 and new_version.locked_at is None
    # version 1 and its item are untouched; the inspection still uses version 1
    assert db.session.get(TemplateItem, old_item.id).text == old_text
    assert db.session.get(Inspection, inspection.id).template_version_id == v1
    after = pdf_text(client.get(f"/inspections/{inspection.id}/minutes.pdf").data)
    assert after.replace("\n", " ").count(old_text) == before.replace("\n", " ").count(old_text)
    assert "điện tử" not in after
    # a new version is not frozen: a second edit changes it in place (no version 3)
    page = client.get(f"/inspections/templates/{template.id}").get_data(as_text=True)
    version = int(re.search(r'name="version"[^>]*value="(\d+)"', page).group(1))
    new_item = db.session.scalar(select(TemplateItem).where(TemplateItem.version_id == new_version.id,
                                                            TemplateItem.text.like("%điện tử%")))
    resp = client.post(f"/inspections/templates/{template.id}/items/{new_item.id}", data={
        "version": version, "text": "Sổ đoàn viên điện tử", "answer_type": "choice", "weight": "3", "note_required": "y"})
    assert resp.status_code == 303
    assert db.session.scalar(select(func.count(TemplateVersion.id)).where(TemplateVersion.template_id == template.id)) == 2
    # a stale form is refused, not applied
    resp = client.post(f"/inspections/templates/{template.id}/items/{new_item.id}", data={
        "version": version, "text": "Ghi đè", "answer_type": "choice", "weight": "1"})
    assert resp.status_code == 409
    # the new plan takes version 2; the blank checklist of each version prints its own text
    plan2 = make_plan(units=[tree.C2])
    assert plan2.template_version_id == new_version.id
    assert "Sổ đoàn viên điện tử" in pdf_text(client.get(f"/inspections/versions/{new_version.id}/checklist.pdf").data)
    v1_text = pdf_text(client.get(f"/inspections/versions/{v1}/checklist.pdf").data)
    assert old_text in v1_text.replace("\n", " ") and "điện tử" not in v1_text


def test_commune_inspector_cannot_manage_templates(client, db, tree, builtin, make_user, login):
    make_user("xa.kt", (tree.C1, "inspector"))
    login("xa.kt")
    template = builtin["member_development"]
    html = client.get(f"/inspections/templates/{template.id}").get_data(as_text=True)
    assert "Thêm nội dung kiểm tra" not in html  # may read it, may not edit it
    item = section_items_of(db, template)[0]
    assert client.post(f"/inspections/templates/{template.id}/items/{item.id}", data={"text": "x"}).status_code == 403
    assert client.get("/inspections/templates/new").status_code == 403


def section_items_of(db, template):
    return db.session.scalars(select(TemplateItem).where(TemplateItem.version_id == template.current_version_id)).all()
