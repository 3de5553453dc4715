"""Attendance on a phone: one tap with htmx (a row fragment), a double tap makes one record, late changes recorded."""
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.classes.models import Attendance, Enrolment
from tests.conftest import HTMX
from tests.factories_classes import *  # noqa: F403


def _setup(db, class_world, make_people, make_class):
    people = make_people(class_world.tree.B1, 5)
    klass = make_class(class_world.tree.C1, people=people)
    e = db.session.scalars(select(Enrolment).order_by(Enrolment.id)).first()
    return klass, klass.sessions[0], e


def test_one_tap_returns_the_row_and_survives_reload(client, db, class_world, make_people, make_class, login):
    klass, s, e = _setup(db, class_world, make_people, make_class)
    login(class_world.organizer)
    url = f"/classes/{klass.id}/sessions/{s.id}/attendance/{e.id}"
    resp = client.post(url, data={f"status_{e.id}": "present"}, headers=HTMX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith(f'<li id="e{e.id}" class="att"') and "<html" not in html
    assert 'value="present" checked' in html and "Trần Minh Đức" in html
    page = client.get(f"/classes/{klass.id}/sessions/{s.id}/attendance").get_data(as_text=True)
    assert f'name="status_{e.id}" value="present" checked' in page
    assert f'hx-post="{url}"' in page  # the radios carry the one-tap request


def test_double_tap_makes_one_record(client, db, class_world, make_people, make_class, login):
    klass, s, e = _setup(db, class_world, make_people, make_class)
    login(class_world.organizer)
    url = f"/classes/{klass.id}/sessions/{s.id}/attendance/{e.id}"
    for _ in range(2):
        assert client.post(url, data={f"status_{e.id}": "present"}, headers=HTMX).status_code == 200
    assert db.session.scalar(select(func.count(Attendance.id))) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "class.attendance")) == 1
    # without JavaScript the same tap answers 303 back to the list, at the row
    resp = client.post(url, data={"status": "present"})
    assert resp.status_code == 303 and resp.location.endswith(f"#e{e.id}")
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_late_change_records_who_and_when(client, db, class_world, make_people, make_class, make_user, login):
    klass, s, e = _setup(db, class_world, make_people, make_class)
    login(class_world.organizer)
    url = f"/classes/{klass.id}/sessions/{s.id}/attendance/{e.id}"
    client.post(url, data={"status": "absent"})
    other = make_user("huyen.organizer", (class_world.tree.D, "organizer"), full_name="Phạm Thu Hà")
    client.post("/auth/logout")
    login(other)
    client.post(url, data={"status": "excused"})
    row = db.session.scalar(select(Attendance))
    assert row.status == "excused" and row.marked_by_id == other.id and row.changes == 1
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "class.attendance").order_by(AuditEntry.id)).all()
    assert [x.changes["status"] for x in entries] == [[None, "absent"], ["absent", "excused"]]
    assert entries[1].user_id == other.id
    html = client.get(f"/classes/{klass.id}/attendance-log").get_data(as_text=True)
    assert "Phạm Thu Hà" in html and "Vắng có phép" in html and "ghi muộn" in html and "sửa 1 lần" in html


def test_viewer_sees_but_cannot_mark(client, db, class_world, make_people, make_class, login):
    klass, s, e = _setup(db, class_world, make_people, make_class)
    login(class_world.viewer)
    html = client.get(f"/classes/{klass.id}/sessions/{s.id}/attendance").get_data(as_text=True)
    assert e.person.full_name in html and "hx-post" not in html
    assert client.post(f"/classes/{klass.id}/sessions/{s.id}/attendance/{e.id}", data={"status": "present"}).status_code == 403
    assert client.post(f"/classes/{klass.id}/sessions/{s.id}/attendance", data={"all": "present"}).status_code == 403
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
