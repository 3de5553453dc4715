"""Person records: create / edit with inline validation (both JS paths), citizen ID, history events, posts."""
from datetime import date

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.members.models import Person, PersonEvent
from app.members.queries import current_posts
from tests.conftest import HTMX, errors_in, sql_count
from tests.factories_members import *  # noqa: F401,F403

GOOD = {"branch": None, "full_name": "Nguyễn Thị Ánh", "birth_date": "05/03/2004", "sex": "female",
        "member_type": "union", "citizen_id": "038304001234", "phone": "0912 345 678", "occupation": "worker",
        "ethnicity": "Kinh", "religion": "Không", "joined_on": "26/03/2020", "form_token": "tok-1"}


def _good(tree, **kw):
    return dict(GOOD, branch=str(tree.B1.id), **kw)


def test_officer_creates_person_plain_post(client, db, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    assert client.get(f"/members/new?unit={tree.C1.id}").status_code == 200
    resp = client.post(f"/members/new?unit={tree.C1.id}", data=_good(tree))
    assert resp.status_code == 303
    p = db.session.scalar(select(Person))
    assert resp.location.endswith(f"/members/{p.id}")
    assert p.full_name == "Nguyễn Thị Ánh" and p.name_key == "nguyen thi anh" and p.unit_path == tree.B1.path
    assert p.citizen_id == "038304001234" and p.phone == "0912345678" and p.joined_on == date(2020, 3, 26)
    assert db.session.scalar(select(PersonEvent.kind).where(PersonEvent.person_id == p.id)) == "registered"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.create")).object_id == p.id


def test_double_submit_creates_one_person(client, db, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    r1 = client.post(f"/members/new?unit={tree.C1.id}", data=_good(tree))
    r2 = client.post(f"/members/new?unit={tree.C1.id}", data=_good(tree))  # identical: the citizen ID is now "taken"
    assert r1.status_code == r2.status_code == 303 and r1.location == r2.location
    assert db.session.scalar(select(func.count(Person.id))) == 1


def test_bad_input_422_keeps_what_was_typed(client, db, tree, make_user, login, make_person):
    make_person(tree.B1, "Trần Văn Có", citizen_id="038200009999")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post(f"/members/new?unit={tree.C1.id}", data=_good(tree, birth_date="31/02/2004", citizen_id="03830400123",
                                                                    phone="12345"))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    errs = errors_in(html)
    assert any("Ngày không hợp lệ" in e for e in errs)
    assert "Số CCCD phải có đúng 12 chữ số (đang có 11)." in errs
    assert any("Số điện thoại không hợp lệ" in e for e in errs)
    assert 'value="31/02/2004"' in html and 'value="03830400123"' in html
    resp = client.post(f"/members/new?unit={tree.C1.id}", data=_good(tree, citizen_id="038200009999"))
    assert resp.status_code == 422 and any("đã có trong sổ" in e for e in errors_in(resp.data))
    assert db.session.scalar(select(func.count(Person.id))) == 1


def test_inline_validation_htmx_returns_the_form_fragment_and_never_writes(client, db, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post(f"/members/new?unit={tree.C1.id}", headers=HTMX, data=_good(tree, citizen_id="12ab", _validate="1"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and html.lstrip().startswith('<form id="person-form"') and "<html" not in html
    assert 'id="err-citizen_id"' in html and "Số CCCD chỉ gồm chữ số." in errors_in(html)
    resp = client.post(f"/members/new?unit={tree.C1.id}", headers=HTMX, data=_good(tree, _validate="1"))
    assert resp.status_code == 200 and "<html" not in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_edit_plain_and_htmx_and_conflict(client, db, tree, make_user, login, make_person):
    p = make_person(tree.B1, "Lê Văn Bình", occupation="farmer")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    assert client.get(f"/members/{p.id}/edit").status_code == 200
    data = {"full_name": "Lê Văn Bính", "birth_date": "01/01/2000", "sex": "male", "member_type": "union",
            "occupation": "worker", "version": str(p.version)}
    resp = client.post(f"/members/{p.id}/edit", headers=HTMX, data=dict(data, birth_date="xx", _validate="1"))
    assert resp.status_code == 422 and "<html" not in resp.get_data(as_text=True)
    resp = client.post(f"/members/{p.id}/edit", data=data)
    assert resp.status_code == 303
    db.session.refresh(p)
    assert p.full_name == "Lê Văn Bính" and p.name_key == "le van binh" and p.occupation == "worker" and p.version == 2
    resp = client.post(f"/members/{p.id}/edit", data=dict(data, full_name="Cũ", version="1"))
    assert resp.status_code == 409
    db.session.refresh(p)
    assert p.full_name == "Lê Văn Bính"


def test_citizen_id_whole_only_for_officers_of_the_unit(client, tree, make_user, login, make_person):
    p = make_person(tree.B1, "Phạm Thu Hà", citizen_id="038304005678")
    make_user("xa.viewer", (tree.C1, "viewer"))
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.viewer")
    html = client.get(f"/members/{p.id}").get_data(as_text=True)
    assert "********5678" in html and "038304005678" not in html
    assert "038304005678" not in client.get("/members/").get_data(as_text=True)
    assert client.get(f"/members/{p.id}/edit").status_code == 403
    client.post("/auth/logout")
    login("xa.officer")
    assert "038304005678" in client.get(f"/members/{p.id}").get_data(as_text=True)
    html = client.get("/members/").get_data(as_text=True)
    assert "038304005678" in html and "********5678" not in html  # the list shows it as the person page does


def test_history_events_change_status_and_are_kept(client, db, tree, make_user, login, make_person):
    p = make_person(tree.B1, "Hoàng Văn Lâm")
    officer = make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    assert client.get(f"/members/{p.id}/event/away").status_code == 200
    resp = client.post(f"/members/{p.id}/event/away", data={"on": "01/02/2025", "detail": "", "version": str(p.version)})
    assert resp.status_code == 422 and any("nơi làm ăn" in e for e in errors_in(resp.data))
    data = {"on": "01/02/2025", "detail": "KCN VSIP Bình Dương", "reason": "Đi làm công nhân", "version": str(p.version)}
    assert client.post(f"/members/{p.id}/event/away", data=data).status_code == 303
    assert client.post(f"/members/{p.id}/event/away", data=data).status_code == 303  # double tap: one row
    db.session.refresh(p)
    assert p.status == "away" and p.away_place == "KCN VSIP Bình Dương" and p.away_since == date(2025, 2, 1)
    resp = client.post(f"/members/{p.id}/event/back", data={"on": "01/06/2025", "version": str(p.version)})
    assert resp.status_code == 303
    db.session.refresh(p)
    assert p.status == "active" and p.away_place is None
    assert client.post(f"/members/{p.id}/event/confirmed", data={"on": "02/06/2025", "version": str(p.version)}).status_code == 303
    resp = client.post(f"/members/{p.id}/event/removed", data={"on": "03/06/2025", "reason": "", "version": str(p.version)})
    assert resp.status_code == 422 and "Vui lòng ghi lý do." in errors_in(resp.data)
    db.session.refresh(p)
    resp = client.post(f"/members/{p.id}/event/removed", data={"on": "03/06/2025", "reason": "Bỏ sinh hoạt", "version": str(p.version)})
    assert resp.status_code == 303
    db.session.refresh(p)
    assert p.status == "removed"
    kinds = db.session.scalars(select(PersonEvent.kind).where(PersonEvent.person_id == p.id).order_by(PersonEvent.id)).all()
    assert kinds == ["registered", "away", "back", "confirmed", "removed"]
    ev = db.session.scalar(select(PersonEvent).where(PersonEvent.kind == "removed"))
    assert ev.recorded_by_id == officer.id and ev.reason == "Bỏ sinh hoạt"
    # no longer on the roll: "back" is refused without a write
    resp = client.post(f"/members/{p.id}/event/back", data={"on": "04/06/2025", "version": str(p.version)})
    assert resp.status_code == 303
    assert db.session.scalar(select(func.count(PersonEvent.id)).where(PersonEvent.kind == "back")) == 1
    html = client.get(f"/members/{p.id}").get_data(as_text=True)
    assert "Bỏ sinh hoạt" in html and "KCN VSIP Bình Dương" in html and "Người dùng xa.officer" in html
    assert client.get(f"/members/{p.id}/event/bogus").status_code == 404


def test_posts_with_dates_and_current_posts(client, db, tree, make_user, login, make_person):
    p = make_person(tree.B1, "Đỗ Minh Tâm")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    for _ in range(2):
        assert client.post(f"/members/{p.id}/posts", data={"post": "secretary", "action": "start", "on": "01/01/2024"}).status_code == 303
    assert current_posts([p.id]) == {p.id: {"secretary": date(2024, 1, 1)}}
    assert current_posts(unit_path=tree.C1.path) == {p.id: {"secretary": date(2024, 1, 1)}}
    assert "Bí thư" in client.get(f"/members/{p.id}").get_data(as_text=True)
    client.post(f"/members/{p.id}/posts", data={"post": "secretary", "action": "end", "on": "01/06/2025"})
    assert current_posts([p.id]) == {}
    assert db.session.scalar(select(func.count(PersonEvent.id)).where(PersonEvent.kind == "post_started")) == 1
    # leaving the roll ends every post
    client.post(f"/members/{p.id}/posts", data={"post": "deputy", "action": "start", "on": "02/06/2025"})
    db.session.refresh(p)
    client.post(f"/members/{p.id}/event/deceased", data={"on": "03/06/2025", "version": str(p.version)})
    assert current_posts([p.id]) == {}


def test_person_page_sql_count_fixed(client, db, tree, make_user, login, make_person, add_person_event):
    p = make_person(tree.B1, "Vũ Thị Lan")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    first = sql_count(client.get(f"/members/{p.id}"))
    for i in range(15):
        add_person_event(p, "confirmed", on=date(2024, 1, 1 + i))
    assert sql_count(client.get(f"/members/{p.id}")) == first


def test_person_page_shows_attendance_and_dues(client, db, tree, make_user, login):
    from app.activities.models import Attendance
    from tests.factories_activities import TODAY, activity_row, days_ago, paid_months, person_row

    p = person_row(db, tree.B1, "Trần Văn Bình")
    recent = activity_row(db, tree.B1, days_ago(20), title="Sinh hoạt tháng gần nhất")
    old = activity_row(db, tree.B1, days_ago(500), title="Sinh hoạt năm kia")
    db.session.add_all([Attendance(activity_id=recent.id, person_id=p.id, status="excused"),
                        Attendance(activity_id=old.id, person_id=p.id, status="present")])
    paid_months(db, p, 2)
    db.session.commit()
    make_user("xa.viewer", (tree.C1, "viewer"))
    login("xa.viewer")
    html = client.get(f"/members/{p.id}").get_data(as_text=True)
    assert "Sinh hoạt tháng gần nhất" in html and "Có phép" in html
    assert f"/activities/{recent.id}" in html
    assert "Sinh hoạt năm kia" not in html  # older than 12 months
    from app.dates import add_months, month_start
    last_paid = add_months(month_start(TODAY), -1)
    assert f"Đóng gần nhất: <b>tháng {last_paid.strftime('%m/%Y')}</b>" in html


def test_duplicate_citizen_id_names_the_holder_only_inside_scope(client, db, tree, make_user, login, make_person):
    make_person(tree.B2, "Lê Thị Kín", citizen_id="038200007777")  # in commune C2
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post(f"/members/new?unit={tree.C1.id}", data=_good(tree, citizen_id="038200007777"))
    errs = errors_in(resp.data)
    assert resp.status_code == 422 and any("Không dùng được số CCCD này" in e for e in errs)
    assert "Lê Thị Kín" not in resp.get_data(as_text=True)
    make_person(tree.B1, "Phạm Văn Gần", citizen_id="038200006666")
    resp = client.post(f"/members/new?unit={tree.C1.id}", data=_good(tree, citizen_id="038200006666"))
    assert any("Phạm Văn Gần" in e for e in errors_in(resp.data))


def test_exit_events_are_checked(client, db, tree, make_user, login, make_person):
    young = make_person(tree.B1, "Vũ Thanh Phúc", birth_date=date(2009, 6, 28))
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    page = client.get(f"/members/{young.id}/event/matured").get_data(as_text=True)
    assert "data-confirm" in page
    resp = client.post(f"/members/{young.id}/event/matured", data={"on": "01/11/2026", "version": young.version})
    assert resp.status_code == 422 and any("Chưa đến tuổi trưởng thành" in e for e in errors_in(resp.data))
    resp = client.post(f"/members/{young.id}/event/away", data={"on": "01/01/1990", "detail": "Bình Dương",
                                                                "version": young.version})
    assert resp.status_code == 422 and any("trước ngày sinh" in e for e in errors_in(resp.data))
    db.session.refresh(young)
    assert young.status == "active"


def test_a_pending_transfer_freezes_the_record(client, db, tree, make_user, login, make_person, make_transfer, make_unit):
    b1b = make_unit(tree.C1, name="Chi đoàn Thôn 1B", code="B1B")
    p = make_person(tree.B1, "Phạm Quốc Thịnh")
    tr = make_transfer(p, tree.C2)
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    assert "/event/away" not in client.get(f"/members/{p.id}").get_data(as_text=True)
    resp = client.post(f"/members/{p.id}/transfer", data={"mode": "move", "move-branch": str(b1b.id),
                                                          "move-on": "01/03/2025", "move-version": str(p.version)})
    assert resp.status_code == 303 and resp.location.endswith(f"/members/transfers/{tr.id}")
    resp = client.post(f"/members/{p.id}/event/away", data={"on": "01/03/2025", "detail": "Hà Nội", "version": p.version})
    assert resp.status_code == 303 and resp.location.endswith(f"/members/transfers/{tr.id}")
    db.session.refresh(p)
    assert p.unit_id == tree.B1.id and p.status == "active"


def test_the_same_person_typed_twice_is_refused(client, db, tree, make_user, login, make_person):
    first = make_person(tree.B1, "Nguyễn Kim Ngọc", birth_date=date(2006, 1, 8))
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post(f"/members/new?unit={tree.C1.id}", data=_good(tree, full_name="Nguyen Kim Ngoc",
                                                                    birth_date="08/01/2006", citizen_id="",
                                                                    form_token="tok-twin"))
    assert resp.status_code == 422 and any(f"mã hồ sơ {first.id}" in e for e in errors_in(resp.data))
    assert db.session.scalar(select(func.count(Person.id))) == 1


def test_an_exit_recorded_by_mistake_is_corrected_by_a_new_row(client, db, tree, make_user, login, make_person):
    p = make_person(tree.B1, "Hồ Văn Nhầm", birth_date=date(1990, 4, 2))
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    assert client.post(f"/members/{p.id}/event/removed", data={"on": "01/11/2026", "reason": "Bỏ sinh hoạt",
                                                               "version": p.version}).status_code == 303
    db.session.refresh(p)
    assert p.status == "removed" and "/event/reinstated" in client.get(f"/members/{p.id}").get_data(as_text=True)
    resp = client.post(f"/members/{p.id}/event/reinstated", data={"on": "02/11/2026", "reason": "", "version": p.version})
    assert resp.status_code == 422 and "Vui lòng ghi lý do." in errors_in(resp.data)
    assert client.post(f"/members/{p.id}/event/reinstated", data={"on": "02/11/2026", "reason": "Ghi nhầm người",
                                                                  "version": p.version}).status_code == 303
    db.session.refresh(p)
    kinds = db.session.scalars(select(PersonEvent.kind).where(PersonEvent.person_id == p.id).order_by(PersonEvent.id)).all()
    assert p.status == "active" and kinds[-2:] == ["removed", "reinstated"]
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "person.reinstated")) == 1
