"""Who may see and write a review's lists: an officer of another commune reaches none of commune C1's (403/404), a
viewer of C1 sees them and writes nothing, a branch officer walks their own branch only."""
import pytest
from sqlalchemy import func, select

from app.review import services
from app.review.models import Outcome, Subject, TeamMember
from tests.conftest import HTMX
from tests.factories_review import TODAY, tap, vn, walk_form


@pytest.fixture
def review(db, review_world, make_campaign, add_people):
    """A campaign over the whole province, opened over people in B1 and B4 (commune C1) and B2 (commune C2), a team of
    C1 with a guest, and one new person found in B1."""
    w, t = review_world, review_world.tree
    w.b1 = add_people(t.B1, 3)
    w.b4 = add_people(w.B4, 2)
    w.b2 = add_people(t.B2, 2)
    w.campaign = make_campaign(t.P)
    subjects = {s.person_id: s for s in db.session.scalars(select(Subject))}
    w.s1, w.s4, w.s2 = subjects[w.b1[0].id], subjects[w.b4[0].id], subjects[w.b2[0].id]
    w.team = services.create_team(campaign=w.campaign, commune=t.C1, name="Tổ 1", branches=[t.B1, w.B4])
    w.guest = services.add_guest(team=w.team, full_name="Lò Văn Thôn", post="hamlet_head")
    db.session.commit()
    return w


def c1_routes(w):
    """(method, url, data) of every list and write of commune C1 and its branches."""
    c, t = w.campaign.id, w.tree
    one = walk_form([w.s1], {w.s1.id: {"o": "present"}})
    return [
        ("GET", f"/review/{c}?unit={t.C1.id}", None),
        ("GET", f"/review/{c}?unit={t.B1.id}", None),
        ("GET", f"/review/{c}/people?unit={t.C1.id}", None),
        ("GET", f"/review/{c}/people?unit={t.B1.id}&outcome=not_visited", None),
        ("GET", f"/review/{c}/branches/{t.B1.id}", None),
        ("POST", f"/review/{c}/branches/{t.B1.id}/visits", one),
        ("POST", f"/review/subjects/{w.s1.id}/outcome", {"on": vn(TODAY), f"o-{w.s1.id}": "present"}),
        ("GET", f"/review/subjects/{w.s1.id}", None),
        ("POST", f"/review/subjects/{w.s1.id}", {"household": "Thôn 9"}),
        ("GET", f"/review/{c}/branches/{t.B1.id}/new", None),
        ("POST", f"/review/{c}/branches/{t.B1.id}/new", {"full_name": "Kẻ Lạ", "birth": "2005", "sex": "male",
                                                          "address": "Thôn 3", "on": vn(TODAY)}),
        ("GET", f"/review/{c}/communes/{t.C1.id}/found", None),
        ("POST", f"/review/{c}/communes/{t.C1.id}/found/enrol", {"class_id": "1", "person": [w.b1[0].id]}),
        ("GET", f"/review/{c}/communes/{t.C1.id}/teams", None),
        ("POST", f"/review/{c}/communes/{t.C1.id}/teams", {"name": "Tổ lạ"}),
        ("GET", f"/review/teams/{w.team.id}", None),
        ("POST", f"/review/teams/{w.team.id}", {"name": "Tổ đổi", "version": w.team.version}),
        ("POST", f"/review/teams/{w.team.id}/guests", {"full_name": "Kẻ Lạ", "post": "police"}),
        ("POST", f"/review/team-members/{w.guest.id}/remove", {}),
        ("GET", f"/review/{c}/communes/{t.C1.id}/reconcile", None),
        ("POST", f"/review/{c}/communes/{t.C1.id}/reconcile", {}),
    ]


def _snapshot(db):
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Outcome.id))), db.session.scalar(select(func.count(Subject.id))),
            db.session.scalar(select(func.count(TeamMember.id)).where(TeamMember.removed_at.is_(None))),
            sorted(db.session.execute(select(Subject.id, Subject.household, Subject.applied_at)).all()))


def test_an_officer_of_another_commune_reaches_none_of_its_lists(client, db, review, login):
    w = review
    login(w.outsider)
    before = _snapshot(db)
    for method, url, data in c1_routes(w):
        for headers in ({}, HTMX):
            resp = client.open(url, method=method, data=data, headers=headers)
            assert resp.status_code in (403, 404), (method, url, resp.status_code)
    assert _snapshot(db) == before
    # their own commune's lists are theirs (the campaign covers the whole province)
    t = w.tree
    html = client.get(f"/review/{w.campaign.id}").get_data(as_text=True)
    assert t.C2.name in html and t.B1.name not in html and t.C1.name not in html.split("</nav>", 1)[1]
    assert client.get(f"/review/{w.campaign.id}/branches/{t.B2.id}").status_code == 200
    assert tap(client, w.s2, "present").status_code == 200
    assert client.get(f"/review/{w.campaign.id}?unit={t.P.id}").status_code == 403  # not the province's figures


def test_a_campaign_of_another_commune_is_not_listed_nor_shown(client, db, review_world, login, make_campaign):
    w, t = review_world, review_world.tree
    campaign = make_campaign(t.C1)
    login(w.outsider)
    assert campaign.title not in client.get("/review/").get_data(as_text=True)
    assert client.get(f"/review/{campaign.id}").status_code == 403
    assert client.get(f"/review/{campaign.id}/people").status_code == 403
    assert client.post(f"/review/{campaign.id}/close", data={"version": campaign.version}).status_code == 403
    client.post("/auth/logout")
    login(w.officer)
    assert campaign.title in client.get("/review/").get_data(as_text=True)


def test_a_viewer_of_the_commune_sees_but_does_not_write(client, db, review, login):
    w, t = review, review.tree
    login(w.viewer)
    before = _snapshot(db)
    reads = [(u, d) for m, u, d in c1_routes(w) if m == "GET" and "/new" not in u]
    for url, _data in reads:
        assert client.get(url).status_code == 200, url
    walk = client.get(f"/review/{w.campaign.id}/branches/{t.B1.id}").get_data(as_text=True)
    assert "Lưu cả hộ" not in walk and "Thêm người mới" not in walk and " disabled" in walk and "hx-post" not in walk
    assert 'name="household"' not in client.get(f"/review/subjects/{w.s1.id}").get_data(as_text=True)
    assert "Lập tổ mới" not in client.get(f"/review/{w.campaign.id}/communes/{t.C1.id}/teams").get_data(as_text=True)
    assert "Ghi vào sổ" not in client.get(f"/review/{w.campaign.id}/communes/{t.C1.id}/reconcile").get_data(as_text=True)
    for method, url, data in c1_routes(w):
        if method == "POST" or "/new" in url:
            assert client.open(url, method=method, data=data).status_code == 403, url
    for step in ("open", "close", "edit"):
        assert client.post(f"/review/{w.campaign.id}/{step}", data={"version": 1}).status_code == 403
    assert _snapshot(db) == before


def test_a_branch_officer_walks_only_their_branch(client, db, review, login):
    w, t = review, review.tree
    c = w.campaign.id
    login(w.branch_officer)
    # their own branch: the list, a tap, the household form, a new person
    walk = client.get(f"/review/{c}/branches/{t.B1.id}").get_data(as_text=True)
    assert "Lưu cả hộ" in walk
    assert tap(client, w.s1, "present").status_code == 200
    assert client.get(f"/review/{c}/branches/{t.B1.id}/new").status_code == 200
    # the campaign page opens at their branch
    html = client.get(f"/review/{c}").get_data(as_text=True)
    assert f'href="/review/{c}/branches/{t.B1.id}"' in html
    # the other branch of the same commune, and the commune's own pages: refused
    for method, url, data in [
        ("GET", f"/review/{c}/branches/{w.B4.id}", None),
        ("POST", f"/review/{c}/branches/{w.B4.id}/visits", walk_form([w.s4], {w.s4.id: {"o": "present"}})),
        ("POST", f"/review/subjects/{w.s4.id}/outcome", {"on": vn(TODAY), f"o-{w.s4.id}": "present"}),
        ("GET", f"/review/subjects/{w.s4.id}", None),
        ("GET", f"/review/{c}/branches/{w.B4.id}/new", None),
        ("GET", f"/review/{c}?unit={t.C1.id}", None),
        ("GET", f"/review/{c}/people?unit={w.B4.id}", None),
        ("GET", f"/review/{c}/communes/{t.C1.id}/teams", None),
        ("GET", f"/review/{c}/communes/{t.C1.id}/reconcile", None),
        ("POST", f"/review/{c}/communes/{t.C1.id}/reconcile", {}),
        ("POST", f"/review/team-members/{w.guest.id}/remove", {}),
    ]:
        assert client.open(url, method=method, data=data).status_code in (403, 404), (method, url)
    # a B4 person slipped into the B1 household form is ignored
    data = walk_form([w.s1, w.s4], {w.s1.id: {"o": "away", "p": "Huế"}, w.s4.id: {"o": "deceased"}})
    assert client.post(f"/review/{c}/branches/{t.B1.id}/visits", data=data).status_code == 303
    db.session.expire_all()
    assert db.session.get(Subject, w.s4.id).outcome is None
    assert db.session.get(Subject, w.s1.id).outcome == "away"


def test_a_closed_or_draft_campaign_cannot_be_walked(client, db, review_world, login, make_campaign, add_people):
    w, t = review_world, review_world.tree
    add_people(t.B1, 2)
    draft = make_campaign(t.C1, opened=False)
    login(w.officer)
    html = client.get(f"/review/{draft.id}/branches/{t.B1.id}").get_data(as_text=True)
    assert "Đợt rà soát chưa mở." in html and "Lưu cả hộ" not in html
    assert client.get(f"/review/{draft.id}/branches/{t.B1.id}/new").status_code == 403
    assert client.post(f"/review/{draft.id}/communes/{t.C1.id}/reconcile").status_code == 403
