"""Issue 9 item 18: the audit log and the conflict page show labels and formatted values, not raw keys and codes."""
from datetime import date

from app.audit.labels import field_label, format_value
from app.audit.services import record
from tests.factories_activities import activity_row, days_ago, person_row
from tests.factories_members import *  # noqa: F401,F403


def test_one_formatter_for_fields_and_values(app):
    with app.test_request_context():
        assert str(field_label("workplace")) == "Nơi làm việc / học tập"
        assert str(field_label("279")) == "Người #279"
        assert format_value("sex", "female") == "Nữ"
        assert format_value("joined_on", "2020-03-26") == "26/03/2020"
        assert format_value("paid", {"279": 5000}) == "Người #279: 5.000 đ"
        assert format_value("279", "present") == "Có mặt"
        assert format_value("reversed", True) == "Có" and format_value("x", None) == "∅"


def test_audit_log_shows_labels_not_codes(client, db, tree, make_user, login):
    p = person_row(db, tree.B1, "Nguyễn Thị Ánh")
    a = activity_row(db, tree.B1, days_ago(1))
    record(action="person.update", obj=p, unit=tree.B1, before={"sex": "male", "workplace": None, "joined_on": "2020-03-26"},
           after={"sex": "female", "workplace": "Hợp tác xã", "joined_on": "2021-04-01"}, summary=p.full_name)
    record(action="dues.mark_paid", object_type="unit", object_id=tree.B1.id, unit=tree.B1,
           after={"month": date(2026, 3, 1).isoformat(), "paid": {str(p.id): 5000}}, summary="x")
    record(action="attendance.set", obj=a, unit=tree.B1, before={str(p.id): None}, after={str(p.id): "present"})
    db.session.commit()
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    html = client.get("/audit/").get_data(as_text=True)
    for raw in ("female", "workplace", "2021-04-01", "{&#39;", "present"):
        assert raw not in html, raw
    assert "Nơi làm việc / học tập" in html and "Nam → Nữ" in html and "26/03/2020 → 01/04/2021" in html
    assert f"Người #{p.id}: 5.000 đ" in html and "01/03/2026" in html and "∅ → Có mặt" in html


def test_conflict_page_shows_what_was_typed_with_labels(client, db, tree, make_user, login, make_person):
    p = make_person(tree.B1, "Trần Văn Bình")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post(f"/members/{p.id}/edit", data={
        "version": p.version - 1 if p.version > 1 else p.version + 5, "branch": tree.B1.id, "full_name": "Trần Văn Bình",
        "sex": "female", "birth_date": "05/03/2004", "member_type": "union", "workplace": "Hợp tác xã Quảng Ngọc"})
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "<dt>Nơi làm việc / học tập</dt><dd>Hợp tác xã Quảng Ngọc</dd>" in html and "<dd>Nữ</dd>" in html
    assert "<dt>workplace</dt>" not in html and "<dd>female</dd>" not in html
