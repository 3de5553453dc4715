"""Issue 9 item 13: enrolling several people says who was refused and why; Union members searched for a
sympathizer class are named as already members instead of "nobody found"."""
from datetime import date

from sqlalchemy import select

from app.classes.models import Enrolment
from tests.conftest import HTMX
from tests.factories_classes import *  # noqa: F401,F403


def _enrolled(db, klass):
    return set(db.session.scalars(select(Enrolment.person_id).where(Enrolment.class_id == klass.id,
                                                                   Enrolment.status == "enrolled")))


def test_enrol_several_names_those_refused_and_why(client, db, class_world, make_people, make_class, login):
    young = make_people(class_world.tree.B1, 2, names=["Kha Thị Trẻ", "Kha Văn Trẻ"])
    old = make_people(class_world.tree.B1, 1, names=["Kha Văn Già"], birth=date(1980, 1, 1))[0]
    klass = make_class(class_world.tree.C1)
    login(class_world.organizer)
    html = client.get(f"/classes/{klass.id}/people?q=kha").get_data(as_text=True)
    # the over-30 person is shown with the reason, without a box to tick
    assert f'name="person_id" value="{old.id}"' not in html and "đã quá 30 tuổi khi lớp khai giảng" in html
    resp = client.post(f"/classes/{klass.id}/people/add-many",
                       data={"person_id": [young[0].id, young[1].id, old.id], "back": "search", "q": "kha"})
    assert resp.status_code == 303
    assert _enrolled(db, klass) == {young[0].id, young[1].id}
    page = client.get(resp.location).get_data(as_text=True)
    assert "Đã ghi danh 2 người." in page
    assert "Không ghi danh 1 người — Kha Văn Già: đã quá 30 tuổi khi lớp khai giảng" in page


def test_only_refused_people_is_a_422_that_says_why(client, db, class_world, make_people, make_class, login):
    old = make_people(class_world.tree.B1, 1, names=["Kha Văn Già"], birth=date(1980, 1, 1))[0]
    klass = make_class(class_world.tree.C1)
    login(class_world.organizer)
    resp = client.post(f"/classes/{klass.id}/people/add-many", data={"person_id": [old.id]})
    assert resp.status_code == 422
    assert "Kha Văn Già: đã quá 30 tuổi" in resp.get_data(as_text=True)
    assert not _enrolled(db, klass)


def test_enrol_a_branch_says_who_was_left_out(client, db, class_world, make_people, make_class, login):
    youth = make_people(class_world.tree.B1, 3)
    members = make_people(class_world.tree.B1, 2, member_type="union", names=["Đoàn Văn Viên", "Đoàn Thị Viên"])
    klass = make_class(class_world.tree.C1)
    login(class_world.organizer)
    resp = client.post(f"/classes/{klass.id}/people/branch", data={"branch_id": class_world.tree.B1.id})
    assert resp.status_code == 303
    assert _enrolled(db, klass) == {p.id for p in youth}
    page = client.get(resp.location).get_data(as_text=True)
    assert "Không ghi danh 2 người" in page and all(m.full_name in page for m in members)
    assert "đã là đoàn viên" in page


def test_union_members_found_for_a_sympathizer_class_are_named(client, db, class_world, make_people, make_class, login):
    make_people(class_world.tree.B1, 1, member_type="union", names=["Kha Thị Đoàn"])
    klass = make_class(class_world.tree.C1)
    login(class_world.organizer)
    for headers in ({}, HTMX):
        html = client.get(f"/classes/{klass.id}/people?q=kha", headers=headers).get_data(as_text=True)
        assert "Không tìm thấy ai" not in html
        assert "Kha Thị Đoàn đã là đoàn viên" in html and 'name="person_id"' not in html
