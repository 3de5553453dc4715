"""Scope: organizers of another commune cannot see or change the class; lists keep a fixed SQL count."""
from sqlalchemy import func, select

from app.classes.models import Enrolment, TrainingClass
from tests.conftest import sql_count
from tests.factories_classes import *  # noqa: F403


def test_other_commune_cannot_see_or_change(client, db, class_world, make_people, make_class, login):
    t = class_world.tree
    people = make_people(t.B1, 3)
    klass = make_class(t.C1, people=people[:2], title="Lớp cảm tình Đoàn An Phú")
    s, e = klass.sessions[0], db.session.scalar(select(Enrolment))
    login(class_world.outsider)
    assert "Lớp cảm tình Đoàn An Phú" not in client.get("/classes/").get_data(as_text=True)
    for url in (f"/classes/{klass.id}", f"/classes/{klass.id}/people", f"/classes/{klass.id}/results",
                f"/classes/{klass.id}/attendance-log", f"/classes/{klass.id}/sessions/{s.id}/sign-in.pdf",
                f"/classes/{klass.id}/grid.pdf", f"/classes/units/{t.C1.id}"):
        assert client.get(url).status_code == 403, url
    posts = [(f"/classes/{klass.id}/edit", {"title": "X"}), (f"/classes/{klass.id}/people/add", {"person_id": people[2].id}),
             (f"/classes/{klass.id}/people/branch", {"branch_id": t.B1.id}),
             (f"/classes/{klass.id}/sessions/{s.id}/attendance/{e.id}", {"status": "absent"}),
             (f"/classes/{klass.id}/finish", {}), (f"/classes/{klass.id}/people/{e.id}/withdraw", {})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 403, url
    # nor create a class in C1, nor enrol C1's people into a C2 class
    resp = client.post("/classes/new", data={"kind": "other", "title": "X", "unit_id": t.C1.id, "starts_on": "01/01/2026",
                                             "ends_on": "02/01/2026", "mode": "in_person", "min_attendance_pct": "80"})
    assert resp.status_code == 422
    mine = make_class(t.C2, title="Lớp Bình Minh")
    assert client.post(f"/classes/{mine.id}/people/add", data={"person_id": people[2].id}).status_code == 404
    assert db.session.scalar(select(func.count(Enrolment.id))) == 2
    assert db.session.get(TrainingClass, klass.id).title == "Lớp cảm tình Đoàn An Phú"


def test_viewer_reads_officer_cannot_organise(client, class_world, make_people, make_class, login):
    klass = make_class(class_world.tree.C1)
    login(class_world.officer)
    assert client.get(f"/classes/{klass.id}").status_code == 200
    assert client.get(f"/classes/{klass.id}/edit").status_code == 403
    assert client.get("/classes/new").status_code == 403


def test_sql_count_does_not_grow_with_data(client, db, class_world, make_people, make_class, login):
    t = class_world.tree
    login(class_world.organizer)

    def counts():
        klass = db.session.scalars(select(TrainingClass).order_by(TrainingClass.id.desc())).first()
        s = klass.sessions[0]
        urls = ["/classes/", f"/classes/{klass.id}", f"/classes/{klass.id}/people?q=nguyen", f"/classes/{klass.id}/results",
                f"/classes/{klass.id}/sessions/{s.id}/attendance", f"/classes/{klass.id}/attendance-log",
                f"/classes/{klass.id}/grid", f"/classes/units/{t.C1.id}", f"/classes/units/{t.C1.id}/people",
                f"/classes/{klass.id}/admissions", f"/units/{t.C1.id}"]
        out = {}
        for i, u in enumerate(urls):
            resp = client.get(u)
            assert resp.status_code == 200, u
            out[i] = sql_count(resp)
        return out

    def grow(n, start):
        people = make_people(t.B1, n, start=start)
        klass = make_class(t.C1, people=people, sessions=3)
        for s in klass.sessions:
            client.post(f"/classes/{klass.id}/sessions/{s.id}/attendance", data={"all": "present"})

    grow(3, 0)
    small = counts()
    for i in range(3):
        grow(30, 100 + 40 * i)
    big = counts()
    assert small == big, (small, big)
    assert max(big.values()) <= 30
