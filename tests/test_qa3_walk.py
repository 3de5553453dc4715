"""Defects found walking issue 9 as a new user on a 360 px phone (helper qa3)."""
import re

from tests.conftest import PASSWORD
from tests.factories_classes import *  # noqa: F403


def test_branch_secretary_trained_list_links_only_where_it_may_go(app, client, db, class_world, make_people, make_class,
                                                                   make_user, login):
    """A branch officer's 'trained' list linked every row to the commune's class results, which answer 403."""
    t = class_world.tree
    people = make_people(t.B1, 2)
    klass = make_class(t.C1, people=people, title="Lớp cảm tình Đoàn An Phú")
    secretary = make_user("chi.officer", (t.B1, "officer"))
    login(secretary)
    resp = client.get(f"/classes/units/{t.B1.id}/people?year={klass.starts_on.year}&what=trained")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert people[0].full_name in html
    hrefs = re.findall(r'<a class="row" href="([^"]+)"', html)
    assert len(hrefs) == 2, hrefs
    for href in hrefs:
        assert client.get(href).status_code == 200, href
    assert all(f"/members/{p.id}" in hrefs for p in people)
    # the commune organizer still lands on the class results
    other = app.test_client()
    assert other.post("/auth/login", data={"username": "xa.organizer", "password": PASSWORD}).status_code == 303
    html = other.get(f"/classes/units/{t.B1.id}/people?year={klass.starts_on.year}&what=trained").get_data(as_text=True)
    assert html.count(f'href="/classes/{klass.id}/results"') == 2


def test_audit_log_names_units_instead_of_their_ids(client, db, tree, make_user, login):
    """The audit log read 'Đơn vị ∅ → 12' for a person added to a branch: ids of units are shown by name."""
    from app.audit.services import record
    from tests.factories_activities import person_row

    p = person_row(db, tree.B1, "Nguyễn Thị Ánh")
    record(action="person.create", obj=p, unit=tree.B1, after={"unit_id": tree.B1.id, "full_name": p.full_name},
           summary=p.full_name)
    record(action="transfer.accept", obj=p, unit=tree.B1, after={"status": "accepted", "to_unit_id": tree.B1.id})
    record(action="class.update", obj=p, unit=tree.C1, before={"scope": [tree.B1.id]}, after={"scope": [tree.B1.id, tree.B2.id]})
    db.session.commit()
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    html = client.get("/audit/").get_data(as_text=True)
    assert f"∅ → {tree.B1.id}<" not in html
    assert html.count("∅ → Chi đoàn Thôn 1</dd>") == 2, html
    assert "Chi đoàn Thôn 1 → Chi đoàn Thôn 1, Chi đoàn Thôn 2</dd>" in html


def test_audit_log_labels_unit_fields(app):
    from app.audit.labels import field_label

    with app.test_request_context():
        assert str(field_label("to_unit_id")) == "Chuyển đến"
        assert str(field_label("scope")) == "Đơn vị được cử người học"
        assert str(field_label("owner_unit_id")) == "Đơn vị thực hiện"
        assert str(field_label("inspecting_unit_id")) == "Đơn vị kiểm tra"
