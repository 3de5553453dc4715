"""The admission checklist: the rules explained beside the fields, and a valid ceremony makes a Union member."""
from datetime import date, timedelta

from sqlalchemy import select

from app.classes.models import AdmissionCase, Enrolment
from app.classes.rules import add_months, age_on
from app.members.models import Person, PersonEvent
from tests.conftest import errors_in
from tests.factories_classes import *  # noqa: F403

D = lambda d: d.strftime("%d/%m/%Y")  # noqa: E731


def _case(client, db, class_world, make_people, make_class, login):
    t = class_world.tree
    youth = make_people(t.B1, 1, names=["Vũ Thị Ngọc Ánh"], birth=date(2007, 2, 1))[0]
    sponsor = make_people(t.B1, 1, member_type="union", names=["Bùi Văn Sơn"], birth=date(1998, 3, 3))[0]
    klass = make_class(t.C1, people=[youth])
    e = db.session.scalar(select(Enrolment))
    login(class_world.organizer)
    for s in klass.sessions:
        client.post(f"/classes/{klass.id}/sessions/{s.id}/attendance", data={f"status_{e.id}": "present"})
    client.post(f"/classes/{klass.id}/results", data={f"v_{e.id}": 1, f"refl_{e.id}": "1"})
    db.session.expire_all()
    assert client.post(f"/classes/{klass.id}/finish", data={"version": klass.version}).status_code == 303
    resp = client.post(f"/classes/{klass.id}/admissions/{e.id}/open")
    assert resp.status_code == 303
    case = db.session.scalar(select(AdmissionCase))
    return case, youth, sponsor


def _data(case, sponsor, decision, **over):
    meeting = decision - timedelta(days=5)
    data = {"version": case.version, "application_on": D(meeting - timedelta(days=20)),
            "history_on": D(meeting - timedelta(days=20)), "certificate_on": D(meeting - timedelta(days=10)),
            "sponsor_id": sponsor.id, "sponsor_known_since": D(meeting - timedelta(days=400)), "meeting_on": D(meeting),
            "members_present": "9", "votes_for": "8", "decision_number": "15-QĐ/ĐTN", "decision_on": D(decision),
            "decision_unit_id": case.branch.parent_id, "ceremony_on": D(decision + timedelta(days=10))}
    data.update(over)
    return data


def test_four_of_nine_votes_is_refused(client, db, class_world, make_people, make_class, login):
    case, youth, sponsor = _case(client, db, class_world, make_people, make_class, login)
    decision = date.today() - timedelta(days=15)
    resp = client.post(f"/classes/admissions/{case.id}", data=_data(case, sponsor, decision, votes_for="4"))
    assert resp.status_code == 422
    assert any("quá nửa" in m and "4/9" in m for m in errors_in(resp.data))
    assert 'value="4"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, youth.id).member_type == "youth"


def test_ceremony_forty_days_after_decision_is_refused(client, db, class_world, make_people, make_class, login):
    case, youth, sponsor = _case(client, db, class_world, make_people, make_class, login)
    decision = date.today() - timedelta(days=45)
    resp = client.post(f"/classes/admissions/{case.id}",
                       data=_data(case, sponsor, decision, ceremony_on=D(decision + timedelta(days=40))))
    assert resp.status_code == 422
    assert any("trong vòng 1 tháng" in m and "40 ngày" in m for m in errors_in(resp.data))
    db.session.expire_all()
    assert db.session.get(Person, youth.id).member_type == "youth"


def test_sponsor_must_be_a_member_and_age_checked(client, db, class_world, make_people, make_class, login):
    case, youth, sponsor = _case(client, db, class_world, make_people, make_class, login)
    not_member = make_people(class_world.tree.B1, 1, names=["Đỗ Văn Hậu"])[0]
    decision = date.today() - timedelta(days=15)
    resp = client.post(f"/classes/admissions/{case.id}", data=_data(
        case, not_member, decision, sponsor_known_since=D(decision - timedelta(days=30))))
    errs = errors_in(resp.data)
    assert resp.status_code == 422
    assert any("không phải đoàn viên" in m for m in errs)
    assert any("ít nhất 3 tháng" in m for m in errs)
    db.session.execute(Person.__table__.update().where(Person.id == youth.id).values(birth_date=date.today() - timedelta(days=15 * 365)))
    db.session.commit()
    resp = client.post(f"/classes/admissions/{case.id}", data=_data(case, sponsor, decision))
    assert any("phải đủ 16 tuổi" in m for m in errors_in(resp.data))


def test_valid_admission_makes_a_union_member(client, db, class_world, make_people, make_class, login):
    case, youth, sponsor = _case(client, db, class_world, make_people, make_class, login)
    # a partial checklist saves without the later steps
    resp = client.post(f"/classes/admissions/{case.id}", data={"version": case.version, "application_on": D(date.today() - timedelta(days=30))})
    assert resp.status_code == 303
    db.session.expire_all()
    case = db.session.get(AdmissionCase, case.id)
    decision = date.today() - timedelta(days=15)
    resp = client.post(f"/classes/admissions/{case.id}", data=_data(case, sponsor, decision))
    assert resp.status_code == 303, errors_in(resp.data)
    db.session.expire_all()
    person = db.session.get(Person, youth.id)
    assert person.member_type == "union" and person.joined_on == decision + timedelta(days=10)
    assert person.admission_decision == "15-QĐ/ĐTN"
    ev = db.session.scalar(select(PersonEvent).where(PersonEvent.person_id == youth.id, PersonEvent.kind == "joined"))
    assert ev.detail == "15-QĐ/ĐTN"
    case = db.session.get(AdmissionCase, case.id)
    assert case.status == "admitted"
    # counted on the unit page, the number links to the record
    html = client.get(f"/classes/units/{class_world.tree.C1.id}").get_data(as_text=True)
    assert "what=admitted" in html
    html = client.get(f"/classes/units/{class_world.tree.C1.id}/people?what=admitted").get_data(as_text=True)
    assert "Vũ Thị Ngọc Ánh" in html
    # the checklist prints
    resp = client.get(f"/classes/admissions/{case.id}/checklist.pdf")
    from tests.test_classes_flow import pdf_text

    text = "".join(pdf_text(resp.data))
    assert "Vũ Thị Ngọc Ánh" in text and "Bùi Văn Sơn" in text and "15-QĐ/ĐTN" in text
    # a stale form cannot overwrite
    resp = client.post(f"/classes/admissions/{case.id}", data=_data(case, sponsor, decision))
    assert resp.status_code == 403  # admitted: closed for edits


def test_rule_helpers():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert age_on(date(2010, 6, 1), date(2026, 5, 31)) == 15
    assert age_on(date(2010, 6, 1), date(2026, 6, 1)) == 16


def test_inline_check_explains_without_saving(client, db, class_world, make_people, make_class, login):
    from tests.conftest import HTMX

    case, youth, sponsor = _case(client, db, class_world, make_people, make_class, login)
    decision = date.today() - timedelta(days=15)
    resp = client.post(f"/classes/admissions/{case.id}", headers=HTMX,
                       data=dict(_data(case, sponsor, decision, votes_for="4"), _validate="1"))
    assert resp.status_code == 422 and any("quá nửa" in m for m in errors_in(resp.data))
    assert 'hx-post="/classes/admissions/' in client.get(f"/classes/admissions/{case.id}").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AdmissionCase, case.id).votes_for is None and db.session.get(Person, youth.id).member_type == "youth"


def test_a_sponsor_away_working_is_refused(client, db, class_world, make_people, make_class, login):
    """Issue 9 item 15: a sponsor who is away working cannot know and help the candidate."""
    case, youth, sponsor = _case(client, db, class_world, make_people, make_class, login)
    away = make_people(class_world.tree.B1, 1, member_type="union", names=["Lý Văn Xa"], birth=date(1999, 1, 1))[0]
    db.session.execute(Person.__table__.update().where(Person.id == away.id).values(status="away"))
    db.session.commit()
    page = client.get(f"/classes/admissions/{case.id}").get_data(as_text=True)
    assert f'<option value="{sponsor.id}"' in page and f'<option value="{away.id}"' not in page
    decision = date.today() - timedelta(days=15)
    resp = client.post(f"/classes/admissions/{case.id}", data=_data(case, away, decision))
    assert resp.status_code == 422
    assert any("Lý Văn Xa đang đi làm ăn xa" in m for m in errors_in(resp.data))
