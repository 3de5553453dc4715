"""Figures as of a date (app.restructure.asof): along the tree as it was ("then") or re-projected onto today's tree
("now"). THE acceptance test: a commune's figures as of yesterday are the same before and after it is merged away."""
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db as _db
from app.members.models import PersonEvent
from app.members.queries import count_by_type
from app.restructure import asof, plans, services
from app.restructure.models import RestructureOp
from app.units.models import Unit
from app.units.queries import count_subtree_by_level
from tests.conftest import sql_count
from tests.factories_members import person_in
from tests.factories_restructure import applied

TODAY = date.today()
YESTERDAY = TODAY - timedelta(days=1)
LONG_AGO = date(2020, 1, 1)


@pytest.fixture
def admin(make_user, tree):
    return make_user("tinh.asof", (tree.P, "admin"))


def person(db, branch, *, kind="registered", on=LONG_AGO, **kw):
    """A person on the books since `on` (their standing event dated then, not today)."""
    p = person_in(db, branch, registered=False, commit=False, **kw)
    db.session.add(PersonEvent(person_id=p.id, kind=kind, on=on, unit_id=branch.id))
    return p


@pytest.fixture
def people(db, tree):
    """C1's branch B1: 3 Union members, one Federation member, one youth, one past 30, one away, one removed before
    yesterday, one joined today (not on the books yesterday). C2's B2: 2 members. C3's B3: 1."""
    out = {"B1": [person(db, tree.B1) for _ in range(3)]}
    out["B1"] += [person(db, tree.B1, member_type="federation"), person(db, tree.B1, member_type="youth"),
                  person(db, tree.B1, birth_date=date(1980, 5, 5)),
                  person(db, tree.B1, kind="away", on=date(2024, 3, 1))]
    gone = person(db, tree.B1, status="removed")
    db.session.add(PersonEvent(person_id=gone.id, kind="removed", on=date(2024, 6, 1), unit_id=tree.B1.id))
    out["B1"].append(gone)
    out["B1"].append(person(db, tree.B1, kind="joined", on=TODAY))
    out["B2"] = [person(db, tree.B2) for _ in range(2)]
    out["B3"] = [person(db, tree.B3)]
    db.session.commit()
    return out


def unit(db, u):
    return db.session.get(Unit, u.id)


def people_ids(u, on, tree="then", kind="on_roll"):
    return sorted(p.id for p in _db.session.scalars(asof.people_stmt(u, on, tree, kind)))


def test_a_merged_away_commune_keeps_its_figures_as_of_before_the_merge(db, tree, admin, people):
    before = asof.figures(tree.C1, YESTERDAY, "then")
    assert before["on_roll"] == 7 and before["union"] == 4 and before["federation"] == 1 and before["youth"] == 1
    assert before["union_over_age"] == 1 and before["units"] == {"branch": 1}
    listed = people_ids(tree.C1, YESTERDAY)
    c2_before = asof.figures(tree.C2, YESTERDAY, "then")

    plan = plans.merge(admin, sources=[tree.C1, tree.C2], new={"parent": tree.D, "name": "Đoàn phường Mới",
                                                                "code": "PM"}, decision="QĐ 9/QĐ-TĐTN",
                       effective_on=TODAY)
    op = applied(db, plan, admin)
    c1, ward = unit(db, tree.C1), db.session.get(Unit, op.params["created_id"])
    assert c1.status == "merged" and c1.merged_into_id == ward.id

    after = asof.figures(c1, YESTERDAY, "then")
    assert after == before  # THE acceptance test
    assert people_ids(c1, YESTERDAY) == listed
    # today the merged-away commune has nobody left; the new ward has nobody "then" (it did not exist yesterday)
    assert asof.figures(c1, TODAY, "then")["on_roll"] == 0
    assert asof.figures(ward, YESTERDAY, "then")["on_roll"] == 0
    # … and, re-projected onto today's tree, C1 + C2 as of yesterday
    now = asof.figures(ward, YESTERDAY, "now")
    for k in asof.KINDS:
        assert now[k] == before[k] + c2_before[k], k
    assert people_ids(ward, YESTERDAY, "now") == sorted(listed + people_ids(tree.C2, YESTERDAY))
    # as of today the ward's figures equal the live counts
    assert_live(unit(db, ward))


def test_merged_branches_count_where_their_successor_is_now(db, tree, admin, people, make_unit):
    b1b = make_unit(tree.C1, name="Chi đoàn Thôn 1B", code="B1B")
    person(db, b1b)
    db.session.commit()
    plan = plans.merge(admin, sources=[b1b], target=unit(db, tree.B2), decision="QĐ 10", effective_on=TODAY)
    applied(db, plan, admin)
    assert unit(db, b1b).merged_into_id == tree.B2.id
    # then: the person was in C1; now: C2 holds B1B's successor
    assert asof.figures(tree.C1, YESTERDAY, "then")["on_roll"] == 8
    assert asof.figures(tree.C2, YESTERDAY, "now")["on_roll"] == 3
    assert asof.figures(tree.C1, YESTERDAY, "now")["on_roll"] == 7


def test_a_person_moved_by_a_split_counts_in_the_old_branch_before_and_the_new_one_after(db, tree, admin, people):
    chosen = [p.id for p in people["B1"][:2]]
    plan = plans.split(admin, unit=tree.B1, name="Chi đoàn Thôn 1B", code="B1B", person_ids=chosen,
                       decision="QĐ 11", effective_on=TODAY)
    op = applied(db, plan, admin)
    new = db.session.get(Unit, op.params["created_id"])
    b1 = unit(db, tree.B1)
    assert set(chosen) <= set(people_ids(b1, YESTERDAY))
    assert not set(chosen) & set(people_ids(new, YESTERDAY))
    assert people_ids(new, TODAY) == sorted(chosen)
    assert not set(chosen) & set(people_ids(b1, TODAY))
    # the commune counts them both days; the new branch is a unit of the commune from today
    assert asof.figures(unit(db, tree.C1), YESTERDAY)["units"] == {"branch": 1}
    assert asof.figures(unit(db, tree.C1), TODAY)["units"] == {"branch": 2}
    assert asof.figures(unit(db, tree.C1), YESTERDAY)["on_roll"] == asof.figures(unit(db, tree.C1), TODAY)["on_roll"] - 1


def test_dissolving_the_district_keeps_it_as_it_was_before(db, tree, admin, people):
    d_before = asof.figures(tree.D, YESTERDAY)
    assert d_before["on_roll"] == 9 and d_before["units"] == {"commune": 2, "branch": 2}
    applied(db, plans.dissolve(admin, units=[tree.D], decision="NQ 1686", effective_on=TODAY), admin)
    d, c1 = unit(db, tree.D), unit(db, tree.C1)
    assert c1.parent_id == tree.P.id and d.status == "closed"
    assert asof.figures(d, YESTERDAY) == d_before  # C1 was under D yesterday
    assert set(people_ids(c1, YESTERDAY)) <= set(people_ids(d, YESTERDAY))
    assert asof.figures(d, TODAY)["on_roll"] == 0
    assert asof.figures(unit(db, tree.P), YESTERDAY)["units"] == {"district": 1, "commune": 3, "branch": 3}
    assert asof.figures(unit(db, tree.P), TODAY)["units"] == {"commune": 3, "branch": 3}
    assert asof.closing_eve(d) == YESTERDAY and asof.closing_eve(c1) is None


def assert_live(u):
    """As of today (then or now) the figures are the unit page's live counts."""
    live = count_by_type(u)
    for tree in asof.TREES:
        figs = asof.figures(u, TODAY, tree)
        assert figs["on_roll"] == sum(live.values()), (tree, figs, live)
        for k in ("union", "federation", "youth", "union_over_age"):
            assert figs[k] == live.get(k, 0), (tree, k, figs, live)
        assert figs["units"] == count_subtree_by_level(u), tree


def test_as_of_today_equals_the_live_counts(db, tree, people):
    for u in (tree.P, tree.D, tree.C1, tree.C3, tree.B1):
        assert_live(u)


def test_a_fixed_number_of_statements(db, tree, people, app):
    def count(u):
        n = [0]

        def on(*a):
            n[0] += 1
        event.listen(db.engine, "before_cursor_execute", on)
        try:
            asof.figures(u, YESTERDAY, "then")
            asof.figures(u, YESTERDAY, "now")
        finally:
            event.remove(db.engine, "before_cursor_execute", on)
        return n[0]
    small = count(tree.C3)
    for _ in range(20):
        person(db, tree.B3)
    db.session.commit()
    assert count(tree.C3) == small == count(tree.P)


def test_people_stmt_refuses_unknown_kinds(db, tree):
    assert asof.people_stmt(tree.C1, TODAY, "then", "nope") is None
    assert asof.people_stmt(tree.C1, TODAY, "sideways", "union") is None


# ---- the page, the list, the unit page's panel ----------------------------------------------------------------------
def test_the_page_is_a_plain_get(client, db, tree, people, make_user, login):
    login(make_user("xa.c1", (tree.C1, "officer")))
    resp = client.get(f"/units/restructure/asof/{tree.C1.id}?on={YESTERDAY:%d/%m/%Y}&tree=then")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'id="asof-on_roll"' in html and "Tính đến ngày" in html and 'method="get"' in html
    link = f"/units/restructure/asof/{tree.C1.id}/people?on={YESTERDAY.isoformat()}&amp;tree=then&amp;kind=union"
    assert link in html
    resp = client.get(link.replace("&amp;", "&"))
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "4 người" in html and tree.B1.name in html
    # a fragment for htmx
    assert client.get(link.replace("&amp;", "&"), headers={"HX-Request": "true"}).get_data(as_text=True).lstrip() \
        .startswith("<p")


def test_dates_malformed_and_in_the_future(client, db, tree, people, make_user, login):
    login(make_user("xa.c1", (tree.C1, "officer")))
    resp = client.get(f"/units/restructure/asof/{tree.C1.id}?on=31/02/2024")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Ngày không hợp lệ" in html and 'id="asof-figures"' not in html
    resp = client.get(f"/units/restructure/asof/{tree.C1.id}?on=01/01/2199&tree=now")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "tương lai" in html and TODAY.strftime("%d/%m/%Y") in html
    assert client.get(f"/units/restructure/asof/{tree.C1.id}/people?kind=nope").status_code == 404


def test_outsiders_are_refused(client, db, tree, make_user, login):
    login(make_user("xa.c3", (tree.C3, "officer")))
    assert client.get(f"/units/restructure/asof/{tree.C1.id}").status_code == 403
    assert client.get(f"/units/restructure/asof/{tree.C1.id}/people?kind=union").status_code == 403
    assert client.get("/units/restructure/asof/999999").status_code == 404


def test_bounded_statements_3_vs_30_people(client, db, tree, make_user, login):
    login(make_user("xa.c3", (tree.C3, "officer")))
    for _ in range(3):
        person(db, tree.B3)
    db.session.commit()
    urls = [f"/units/restructure/asof/{tree.C3.id}?on={YESTERDAY.isoformat()}&tree={t}" for t in asof.TREES]
    urls += [f"/units/restructure/asof/{tree.C3.id}/people?on={YESTERDAY.isoformat()}&tree=then&kind=on_roll"]
    few = [sql_count(client.get(u)) for u in urls]
    for _ in range(27):
        person(db, tree.B3)
    db.session.commit()
    assert [sql_count(client.get(u)) for u in urls] == few


def test_the_unit_page_panel(client, db, tree, admin, people, login):
    login(admin)
    resp = client.get(f"/units/{tree.C1.id}")
    html = resp.get_data(as_text=True)
    assert 'id="asof-panel"' in html and f'value="{TODAY:%d/%m/%Y}"' in html
    plan = plans.merge(admin, sources=[tree.C1, tree.C2], new={"parent": tree.D, "name": "Đoàn phường Mới",
                                                                "code": "PM"}, decision="QĐ 9", effective_on=TODAY)
    applied(db, plan, admin)
    html = client.get(f"/units/{tree.C1.id}").get_data(as_text=True)
    assert f'value="{YESTERDAY:%d/%m/%Y}"' in html and "những ngày trước" in html
    html = client.get(f"/units/restructure/asof/{tree.C1.id}").get_data(as_text=True)  # the default: the eve
    assert 'id="asof-figures"' in html and YESTERDAY.strftime("%d/%m/%Y") in html


def test_the_yearly_report_links_both_trees(client, db, tree, admin, login):
    login(admin)
    year = TODAY.year - 1
    html = client.get(f"/year/units/{tree.C1.id}/report?year={year}").get_data(as_text=True)
    assert 'id="asof-year"' in html
    for t in asof.TREES:
        assert f"/units/restructure/asof/{tree.C1.id}?on={year}-12-31&amp;tree={t}" in html


def test_a_record_without_history_counts_with_its_standing_now(db, tree):
    kept = person_in(db, tree.B3, registered=False)
    person_in(db, tree.B3, registered=False, status="removed")
    assert people_ids(tree.C3, YESTERDAY) == [kept.id] == people_ids(tree.C3, TODAY, "now")
    assert_live(tree.C3)


def test_paper_members_are_not_computed_for_a_unit_too_large(client, db, tree, make_user, login, monkeypatch):
    """Above PAPER_LIMIT people on the roll the page shows "—" and asks for a smaller unit (the five criteria at a
    past date are computed person by person); the list of them says the same, nothing is computed."""
    from datetime import date

    from app.restructure import asof
    from tests.factories_members import person_in

    for _ in range(3):
        person_in(db, tree.B1, commit=False)
    db.session.commit()
    monkeypatch.setattr(asof, "PAPER_LIMIT", 2)
    assert asof.figures(tree.C1, date.today())["paper"] is None
    make_user("tinh.viewer", (tree.P, "viewer"))
    login("tinh.viewer")
    page = client.get(f"/units/restructure/asof/{tree.C1.id}")
    assert page.status_code == 200 and "asof-paper" not in page.text and "quá lớn" in page.text
    people = client.get(f"/units/restructure/asof/{tree.C1.id}/people?kind=paper")
    assert people.status_code == 200 and "hãy chọn một xã" in people.text


def test_a_wards_page_names_the_communes_it_was_formed_from(client, db, tree, make_user, login):
    """After C1 and C2 merge into a new ward, the ward's page names them (links) and offers its figures on the eve of
    the merge on today's tree."""
    from datetime import date

    from app.restructure import plans

    admin = make_user("tinh.admin", (tree.P, "admin"))
    plan = plans.merge(admin, sources=[tree.C1, tree.C2], new={"parent": tree.D, "name": "Đoàn phường Mới",
                                                                "code": "PM"}, decision="QĐ 1", effective_on=date.today())
    op = applied(db, plan, admin)
    login(admin)
    page = client.get(f"/units/{op.params['created_id']}").text
    assert 'id="asof-formed"' in page and "Đoàn xã An Phú" in page and "Đoàn xã Bình Minh" in page
    assert "tree=now" in page
