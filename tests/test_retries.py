"""Retries answer as the first attempt did: the same form sent several times at the same instant (a double tap on
a flaky network) against a live server makes one record and gets the same answer each time."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEntry
from app.members.models import Transfer
from tests.conftest import PASSWORD
from tests.factories_classes import *  # noqa: F401,F403
from tests.factories_inspections import *  # noqa: F401,F403
from tests.factories_members import *  # noqa: F401,F403
from tests.live import LiveClient, live, tap_together  # noqa: F401 — the live server fixture


def token_in(html, name="form_token"):
    m = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]+)"', html)
    return m.group(1) if m else "no-token-in-the-form"


def same_answers(resps):
    """Every attempt got the same status and the same place to go."""
    answers = {(r.status, r.location) for r in resps}
    assert len(answers) == 1, answers
    return answers.pop()


def count(db, model, *where):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_transfer_request_double_tap_makes_one_request(db, live, tree, make_user, make_person):
    p = make_person(tree.B1, "Trần Thị Đi")
    make_user("xa.officer", (tree.C1, "officer"))
    c = LiveClient(live).login("xa.officer", PASSWORD)
    token = token_in(c.get(f"/members/{p.id}/transfer").text, "req-form_token")
    data = {"mode": "request", "req-to_commune": str(tree.C2.id), "req-on": date.today().strftime("%d/%m/%Y"),
            "req-reason": "Lấy chồng xã bên", "req-form_token": token}
    status, location = same_answers(tap_together(c, f"/members/{p.id}/transfer", data, n=6))
    assert status == 303 and location.endswith(f"/members/{p.id}")
    assert count(db, Transfer, Transfer.person_id == p.id) == 1
    assert count(db, AuditEntry, AuditEntry.action == "transfer.request") == 1
    # sent again later (the answer was lost): the same answer, still one request
    again = c.post(f"/members/{p.id}/transfer", data)
    assert (again.status, again.location) == (status, location)
    assert count(db, Transfer, Transfer.person_id == p.id) == 1


def test_the_database_refuses_a_second_open_request(db, tree, make_person):
    p = make_person(tree.B1, "Lê Văn Hai")
    row = dict(person_id=p.id, from_unit_id=tree.B1.id, from_unit_path=tree.B1.path, to_commune_id=tree.C2.id,
               to_commune_path=tree.C2.path, on=date.today())
    db.session.add(Transfer(**row))
    db.session.commit()
    db.session.add(Transfer(**row))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # a refused request does not block a new one
    db.session.execute(Transfer.__table__.update().values(status="refused"))
    db.session.add(Transfer(**row))
    db.session.commit()
    assert count(db, Transfer) == 2


# ---- item 3: retries of other forms ------------------------------------------------------------------------
def test_corrective_action_double_tap_makes_one_action_and_one_audit_entry(db, live, tree, make_plan, inspector):
    from app.inspections.models import CorrectiveAction

    inspection = make_plan(units=[tree.C1]).inspections[0]
    c = LiveClient(live).login(inspector.username, PASSWORD)
    c.get(f"/inspections/{inspection.id}")
    due = date.today().replace(year=date.today().year + 1).strftime("%d/%m/%Y")
    data = {"token": "tap-1", "finding": "Chi đoàn Thôn 1 thiếu sổ đoàn viên", "remedy": "Lập sổ ngay",
            "owner_unit": tree.B1.id, "due_on": due}
    status, location = same_answers(tap_together(c, f"/inspections/{inspection.id}/actions", data))
    assert status == 303
    assert count(db, CorrectiveAction) == 1
    assert count(db, AuditEntry, AuditEntry.action == "corrective_action.create") == 1


def test_enrolment_and_new_youth_double_taps_answer_as_the_first(db, live, class_world, make_people, make_class):
    from app.classes.models import Enrolment
    from app.members.models import Person

    t = class_world.tree
    people = make_people(t.B1, 2)
    klass = make_class(t.C1, capacity=10)
    c = LiveClient(live).login(class_world.organizer.username, PASSWORD)
    page = c.get(f"/classes/{klass.id}/people").text
    status, location = same_answers(tap_together(c, f"/classes/{klass.id}/people/add", {"person_id": people[0].id}))
    assert status == 303
    assert count(db, Enrolment, Enrolment.person_id == people[0].id) == 1
    new = {"form_token": token_in(page), "full_name": "Đặng Thị Ánh Nguyệt", "birth_date": "12/08/2008",
           "branch_id": t.B1.id, "phone": "0912345678"}
    status, location = same_answers(tap_together(c, f"/classes/{klass.id}/people/new", new))
    assert status == 303
    assert count(db, Person, Person.full_name == "Đặng Thị Ánh Nguyệt") == 1
    assert count(db, Enrolment, Enrolment.class_id == klass.id) == 2
    assert count(db, AuditEntry, AuditEntry.action == "class.enrol") == 2


def test_identical_edit_sent_twice_at_once_or_resent_later_is_one_change(db, live, tree, make_user, make_person):
    from app.members.models import Person

    p = make_person(tree.B1, "Lê Văn Bình", occupation="farmer")
    make_user("xa.officer", (tree.C1, "officer"))
    c = LiveClient(live).login("xa.officer", PASSWORD)
    c.get(f"/members/{p.id}/edit")
    data = {"full_name": "Lê Văn Bính", "birth_date": "01/01/2000", "sex": "male", "member_type": "union",
            "occupation": "worker", "version": str(p.version), "branch": str(tree.B1.id)}
    status, location = same_answers(tap_together(c, f"/members/{p.id}/edit", data))
    assert status == 303 and location.endswith(f"/members/{p.id}")
    later = c.post(f"/members/{p.id}/edit", data)  # the answer was lost: sent again with the old version
    assert (later.status, later.location) == (status, location)
    db.session.rollback()
    assert db.session.get(Person, p.id).version == 2
    assert count(db, AuditEntry, AuditEntry.action == "person.update") == 1
    # a different edit from the old form is a real conflict: the conflict page, nothing written
    other = c.post(f"/members/{p.id}/edit", dict(data, occupation="farmer"))
    assert other.status == 409 and "Hồ sơ đã được người khác sửa" in other.text
    # two different edits at the same instant: one is saved, the others get the conflict page — never a 500
    c.get(f"/members/{p.id}/edit")
    fresh = dict(data, version="2")
    answers = [None] * 3

    def job(k):
        return lambda: answers.__setitem__(k, c.post(f"/members/{p.id}/edit", dict(fresh, occupation=("student", "worker", "farmer")[k] if k else "student", full_name=f"Lê Văn Bính {k}")))
    from tests.live import run_together

    run_together(*(job(k) for k in range(3)))
    assert sorted(r.status for r in answers) == [303, 409, 409]


def test_two_saves_racing_past_the_version_check_get_the_conflict_page(client, db, tree, make_user, login, make_person):
    """StaleDataError (the UPDATE … WHERE version = n found nothing: another save got in between) is one handler."""
    from sqlalchemy import event, text
    from sqlalchemy.orm import Session

    from app.members.models import Person

    p = make_person(tree.B1, "Lê Văn Bình")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")

    done = []

    def another_save_gets_in(session, flush_context, instances):
        if not done:
            done.append(True)
            session.connection().execute(text("UPDATE person SET version = version + 1 WHERE id = :id"), {"id": p.id})

    event.listen(Session, "before_flush", another_save_gets_in)
    data = {"full_name": "Lê Văn Bính", "birth_date": "01/01/2000", "sex": "male", "member_type": "union",
            "occupation": "worker", "version": str(p.version)}
    try:
        resp = client.post(f"/members/{p.id}/edit", data=data)
    finally:
        event.remove(Session, "before_flush", another_save_gets_in)
    assert resp.status_code == 409 and "Hồ sơ đã được người khác sửa" in resp.get_data(as_text=True)
    assert "Lê Văn Bính" in resp.get_data(as_text=True)  # what was typed is shown
    db.session.expire_all()
    assert db.session.get(Person, p.id).full_name == "Lê Văn Bình"


# ---- item 7: one audit entry per change -----------------------------------------------------------------
def test_attendance_double_tap_writes_one_audit_entry(db, live, tree, make_user):
    from app.activities.models import Attendance
    from tests.factories_activities import activity_row, person_row

    people = [person_row(db, tree.B1, f"Đoàn viên {i}") for i in range(2)]
    activity = activity_row(db, tree.B1)
    db.session.commit()
    make_user("chidoan", (tree.B1, "officer"))
    c = LiveClient(live).login("chidoan", PASSWORD)
    for status in ("present", "absent"):  # a new row, then a change of an existing one
        for p in people:
            resps = tap_together(c, f"/activities/{activity.id}/attendance/{p.id}", {f"s-{p.id}": status}, htmx=True)
            assert [r.status for r in resps] == [200] * 4
    assert count(db, Attendance) == 2
    assert count(db, AuditEntry, AuditEntry.action == "attendance.set") == 4


# ---- item 4: inspection answers -------------------------------------------------------------------------
def _originals(html):
    import html as h

    return {int(k): h.unescape(v) for k, v in re.findall(r'name="o-(\d+)" value="([^"]*)"', html)}


def test_a_section_form_opened_earlier_writes_only_what_its_inspector_changed(app, db, tree, make_plan, inspector,
                                                                             make_user):
    from app.inspections import services
    from app.inspections.models import Answer, Inspection
    from tests.conftest import PASSWORD as PW
    from tests.factories_inspections import section_items

    inspection = make_plan(units=[tree.C1]).inspections[0]
    items = [it for it in section_items(inspection)[0].items if it.answer_type == "choice"][:2]
    b = app.test_client()
    assert b.post("/auth/login", data={"username": inspector.username, "password": PW}).status_code == 303
    page_b = b.get(f"/inspections/{inspection.id}/record?s=1").get_data(as_text=True)  # B opens the section
    originals = _originals(page_b)
    assert set(originals) >= {it.id for it in items}
    # meanwhile A answers item 1 "no" with a note
    services.save_answer(inspection=db.session.get(Inspection, inspection.id), item=items[0], choice="no",
                         note="Thiếu sổ", by=inspector)
    db.session.commit()
    # B saves the section: B touched only item 2; item 1 is sent as B's page showed it (empty)
    form = {f"o-{k}": v for k, v in originals.items()}
    form.update({f"a-{items[1].id}": "yes", f"n-{items[1].id}": "", f"a-{items[0].id}": "", f"n-{items[0].id}": ""})
    resp = b.post(f"/inspections/{inspection.id}/record?s=1", data=form)
    assert resp.status_code == 303
    db.session.expire_all()
    got = {a.item_id: (a.choice, a.note) for a in db.session.scalars(select(Answer))}
    assert got == {items[0].id: ("no", "Thiếu sổ"), items[1].id: ("yes", None)}
    # B answers item 1 differently from the same old page: a real conflict — both values shown, nothing written
    form[f"a-{items[0].id}"] = "yes"
    resp = b.post(f"/inspections/{inspection.id}/record?s=1", data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and items[0].text in html and "Không — Thiếu sổ" in html and "Có" in html
    db.session.expire_all()
    assert {a.item_id: a.choice for a in db.session.scalars(select(Answer))} == {items[0].id: "no", items[1].id: "yes"}
    # the one-tap (htmx) save says the same beside the item
    one = {f"a-{items[0].id}": "partly", f"n-{items[0].id}": "x", f"o-{items[0].id}": originals[items[0].id]}
    resp = b.post(f"/inspections/{inspection.id}/items/{items[0].id}", data=one, headers={"HX-Request": "true"})
    assert resp.status_code == 409 and "Không — Thiếu sổ" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Answer.choice).where(Answer.item_id == items[0].id)) == "no"


def test_activity_edit_resent_after_its_answer_was_lost_is_not_a_conflict(client, db, tree, make_user, login):
    from app.activities.models import Activity
    from tests.factories_activities import activity_row

    activity = activity_row(db, tree.B1, title="Sinh hoạt tháng 3")
    db.session.commit()
    make_user("chidoan", (tree.B1, "officer"))
    login("chidoan")
    data = {"unit_id": tree.B1.id, "held_on": activity.held_on.strftime("%d/%m/%Y"), "kind": "regular",
            "title": "Sinh hoạt tháng 3 — Điều lệ Đoàn", "version": "1"}
    first = client.post(f"/activities/{activity.id}/edit", data=data)
    again = client.post(f"/activities/{activity.id}/edit", data=data)
    assert (first.status_code, first.location) == (again.status_code, again.location) and first.status_code == 303
    assert count(db, AuditEntry, AuditEntry.action == "activity.update") == 1
    other = client.post(f"/activities/{activity.id}/edit", data=dict(data, title="Khác"))
    assert other.status_code == 409
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).title == "Sinh hoạt tháng 3 — Điều lệ Đoàn"
