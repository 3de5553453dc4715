"""Enrolment rules: capacity and duplicates refused with a message; the cadre filter; versioned edits."""
from datetime import date

from sqlalchemy import func, select

from app.classes import services
from app.classes.models import Enrolment, TrainingClass
from app.members.models import PersonEvent
from tests.conftest import HTMX
from tests.factories_classes import *  # noqa: F403


def test_capacity_and_duplicate_are_refused(client, db, class_world, make_people, make_class, login):
    t = class_world.tree
    people = make_people(t.B1, 4)
    klass = make_class(t.C1, capacity=2, people=people[:1])
    login(class_world.organizer)
    # enrolling someone already in the class is what was asked (a resent tap): the same answer, no second row
    resp = client.post(f"/classes/{klass.id}/people/add", data={"person_id": people[0].id})
    assert resp.status_code == 303
    assert client.post(f"/classes/{klass.id}/people/add", data={"person_id": people[1].id}).status_code == 303
    resp = client.post(f"/classes/{klass.id}/people/add", data={"person_id": people[2].id})
    assert resp.status_code == 422 and "Lớp đã đủ 2 học viên" in resp.get_data(as_text=True)
    resp = client.post(f"/classes/{klass.id}/people/branch", data={"branch_id": t.B1.id})
    assert resp.status_code == 422 and "lớp chỉ còn 0 chỗ" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Enrolment.id))) == 2
    # the database refuses a duplicate even if the check were skipped
    import pytest
    from sqlalchemy.exc import IntegrityError

    db.session.add(Enrolment(class_id=klass.id, person_id=people[0].id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_withdraw_then_enrol_again_keeps_one_row(client, db, class_world, make_people, make_class, login):
    people = make_people(class_world.tree.B1, 1)
    klass = make_class(class_world.tree.C1, people=people)
    e = db.session.scalar(select(Enrolment))
    login(class_world.organizer)
    assert client.post(f"/classes/{klass.id}/people/{e.id}/withdraw").status_code == 303
    assert client.post(f"/classes/{klass.id}/people/add", data={"person_id": people[0].id}).status_code == 303
    rows = db.session.scalars(select(Enrolment)).all()
    assert len(rows) == 1 and rows[0].status == "enrolled"


def test_active_search_is_diacritics_insensitive_and_returns_a_fragment(client, db, class_world, make_people, make_class, login):
    make_people(class_world.tree.B1, 1, names=["Nguyễn Thị Hường"])
    make_people(class_world.tree.B2, 1, names=["Nguyễn Thị Hương"])  # another commune: outside the class
    klass = make_class(class_world.tree.C1)
    login(class_world.organizer)
    resp = client.get(f"/classes/{klass.id}/people?q=nguyen thi huong", headers=HTMX)
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="results">') and "Nguyễn Thị Hường" in html and "Hương<" not in html


def test_cadre_filter_lists_untrained_secretaries_and_deputies(client, db, class_world, make_people, make_class, login):
    t = class_world.tree
    sec = make_people(t.B1, 1, member_type="union", post="secretary", names=["Lê Văn Bí"])[0]
    dep = make_people(t.B1, 1, member_type="union", post="deputy", names=["Hoàng Thị Phó"])[0]
    gone = make_people(t.B1, 1, member_type="union", post="secretary", names=["Ngô Văn Cũ"])[0]
    make_people(t.B1, 1, member_type="union", names=["Đỗ Thị Thường"])
    db.session.add(PersonEvent(person_id=gone.id, kind="post_ended", on=date(2025, 1, 1), unit_id=t.B1.id, detail="secretary"))
    db.session.commit()
    make_class(t.C1, kind="cadre", title="Tập huấn bí thư chi đoàn đợt 1", people=[dep])  # dep trained already this year
    klass = make_class(t.C1, kind="cadre", title="Tập huấn bí thư chi đoàn đợt 2")
    login(class_world.organizer)
    html = client.get(f"/classes/{klass.id}/people?filter=cadres").get_data(as_text=True)
    assert "Lê Văn Bí" in html and "Hoàng Thị Phó" not in html and "Ngô Văn Cũ" not in html and "Đỗ Thị Thường" not in html
    resp = client.post(f"/classes/{klass.id}/people/add-many", data={"person_id": [sec.id], "back": "cadres"})
    assert resp.status_code == 303
    assert db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.class_id == klass.id)) == 1


def test_stale_edit_gets_the_conflict_page(client, db, class_world, make_class, login):
    klass = make_class(class_world.tree.C1)
    login(class_world.organizer)
    base = {"kind": "sympathizer", "title": "Lớp đổi tên", "starts_on": klass.starts_on.strftime("%d/%m/%Y"),
            "ends_on": klass.ends_on.strftime("%d/%m/%Y"), "mode": "online", "min_attendance_pct": "90",
            "status": "running", "organizer_ids": [class_world.organizer.id], "scope_unit_ids": [class_world.tree.C1.id]}
    opened = klass.version  # two people opened the form at this version
    assert client.post(f"/classes/{klass.id}/edit", data=dict(base, version=opened)).status_code == 303
    resp = client.post(f"/classes/{klass.id}/edit", data=dict(base, version=opened, title="Tên khác"))
    assert resp.status_code == 409
    db.session.expire_all()
    k = db.session.get(TrainingClass, klass.id)
    assert k.title == "Lớp đổi tên" and k.mode == "online" and k.min_attendance_pct == 90
    # ends before it starts: the message beside the field, typed text kept
    resp = client.post(f"/classes/{klass.id}/edit", data=dict(base, version=k.version, ends_on="01/01/2000"))
    assert resp.status_code == 422 and "Ngày bế giảng phải sau" in resp.get_data(as_text=True)


def test_unit_panel_numbers_link_to_records(client, db, class_world, make_people, make_class, login):
    people = make_people(class_world.tree.B1, 3)
    make_class(class_world.tree.C1, people=people)
    login(class_world.organizer)
    html = client.get(f"/units/{class_world.tree.C1.id}").get_data(as_text=True)
    assert "Lớp học, tập huấn năm" in html and f"/classes/units/{class_world.tree.C1.id}/people" in html
    html = client.get(f"/classes/units/{class_world.tree.C1.id}/people?what=trained").get_data(as_text=True)
    assert all(p.full_name in html for p in people)


def test_search_results_enrol_several_at_once_or_one_by_its_button(client, db, class_world, make_people, make_class, login):
    from app.classes.models import Enrolment

    people = make_people(class_world.tree.B1, 3, names=["Kha Thị Một", "Kha Văn Hai", "Kha Thị Ba"])
    klass = make_class(class_world.tree.C1)
    login(class_world.organizer)
    html = client.get(f"/classes/{klass.id}/people?q=kha").get_data(as_text=True)
    assert html.count('name="person_id"') == 3 and 'name="one"' in html
    resp = client.post(f"/classes/{klass.id}/people/add-many", data={"person_id": [people[0].id, people[1].id],
                                                                      "back": "search", "q": "kha"})
    assert resp.status_code == 303 and "q=kha" in resp.location
    resp = client.post(f"/classes/{klass.id}/people/add", data={"one": people[2].id, "person_id": people[0].id,
                                                                 "back": "search", "q": "kha"})
    assert resp.status_code == 303
    enrolled = set(db.session.scalars(select(Enrolment.person_id).where(Enrolment.class_id == klass.id)))
    assert enrolled == {p.id for p in people}
