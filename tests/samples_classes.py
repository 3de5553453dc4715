"""Route-walk samples for the classes domain: a class in commune C1 with a session, an enrolment and a case."""
from datetime import date, timedelta

from app.classes import services
from app.members.models import Person
from app.text import fold


def make_samples(ctx):
    db, tree = ctx.db, ctx.tree
    people = []
    for name, kind in (("Lê Thị Mẫu", "youth"), ("Phạm Văn Giới", "union")):
        p = Person(unit_id=tree.B1.id, unit_path=tree.B1.path, full_name=name, name_key=fold(name), member_type=kind,
                   status="active", birth_date=date(2006, 1, 2))
        db.session.add(p)
        people.append(p)
    db.session.flush()
    today = date.today()
    klass = services.create_class(unit=tree.C1, title="Lớp mẫu", kind="sympathizer", starts_on=today - timedelta(days=9),
                                  ends_on=today, status="running")
    session = services.add_session(klass=klass, held_on=today - timedelta(days=9), topic="Chuyên đề mẫu")
    e = services.enrol(klass=klass, person=people[0])
    services.set_attendance(session=session, enrolment=e, status="present")
    e.passed, e.certificate_no = True, 1
    case = services.open_case(person=people[0], klass=klass)
    db.session.commit()
    return {"class_id": klass.id, "class_session_id": session.id, "enrolment_id": e.id, "admission_id": case.id}
