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
