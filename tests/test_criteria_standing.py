"""The five criteria: reasons, verdicts, the standing table kept current, filter_people on both paths."""
from datetime import date

from sqlalchemy import select

from app.activities.models import PersonStanding
from app.activities.queries import child_tallies
from app.activities.standing import criteria_for, filter_people, proposed_for_removal, refresh_standing, verdict_of
from app.dates import add_months, month_start
from app.members.models import Person, PersonEvent
from tests.conftest import sql_count
from tests.factories_activities import *  # noqa: F401,F403
from tests.factories_activities import TODAY, activity_row, days_ago, paid_months, person_row


def ids(db, stmt):
    return set(db.session.scalars(stmt.with_only_columns(Person.id)).all())


def verdicts(db, unit, as_of=None):
    base = select(Person).where(Person.unit_path.like(unit.path + "%"))
    return {v: ids(db, filter_people(base, verdict=v, as_of=as_of)) for v in ("real", "incomplete", "paper")}


def test_add_months_and_verdict_rules():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 3, 15), -3) == date(2024, 12, 15)
    ok = dict.fromkeys(("person", "name", "gathered", "dues", "activity"), True)
    assert verdict_of(ok) == "real"
    assert verdict_of(dict(ok, person=False)) == "paper"
    assert verdict_of(dict(ok, dues=False, activity=False)) == "incomplete"
    assert verdict_of(dict(ok, dues=False, activity=False, gathered=False)) == "paper"


def test_reasons_when_nothing_is_recorded(db, tree, add_person):
    p = add_person(tree.B1, "Lê Thị Bình", birth_date=None)
    rows = {code: (ok, reason) for code, label, ok, reason in criteria_for(p)}
    assert rows["person"] == (False, "Không có xác nhận có người hay lần có mặt sinh hoạt nào trong 12 tháng qua.")
    assert rows["name"] == (False, "Hồ sơ còn thiếu: ngày sinh.")
    assert rows["gathered"] == (False, "Chi đoàn chưa có buổi sinh hoạt nào được ghi nhận.")
    assert rows["dues"][0] is False and "12 trong 12 tháng" in rows["dues"][1]
    assert rows["activity"][0] is True
    # the hook computed the standing row when the person was committed
    st = db.session.get(PersonStanding, p.id)
    assert st.verdict == "paper" and not st.person_ok and not st.name_ok and st.activity_ok


def test_evidence_turns_paper_into_real(db, tree, add_person, confirm):
    p = add_person(tree.B1, "Phạm Văn Cường")
    assert db.session.get(PersonStanding, p.id).verdict == "paper"
    confirm(p)
    a = activity_row(db, tree.B1, days_ago(10))
    db.session.commit()
    paid_months(db, p, 10)
    db.session.commit()
    assert db.session.get(PersonStanding, p.id).verdict == "real"
    assert verdict_of({c: ok for c, _l, ok, _r in criteria_for(p)}) == "real"
    assert p.id in verdicts(db, tree.P)["real"] and p.id in verdicts(db, tree.P, as_of=TODAY)["real"]
    # as of a year ago there was no evidence: live computation in the past says paper
    assert p.id in verdicts(db, tree.P, as_of=add_months(TODAY, -13))["paper"]
    assert a.id


def test_dues_months_before_joining_do_not_count(db, tree, add_person):
    newcomer = add_person(tree.B1, "Vũ Thị Dung", joined_on=add_months(month_start(TODAY), -2))
    rows = {code: ok for code, label, ok, reason in criteria_for(newcomer)}
    assert rows["dues"] is True  # owes two months, both unpaid: fewer than 3
    old = add_person(tree.B1, "Vũ Văn Em", joined_on=add_months(TODAY, -40))
    paid_months(db, old, 9)
    db.session.commit()
    assert dict((c, ok) for c, _l, ok, _r in criteria_for(old))["dues"] is False  # 3 unpaid of 12
    youth = add_person(tree.B1, "Đỗ Văn Giang", member_type="youth")
    assert dict((c, ok) for c, _l, ok, _r in criteria_for(youth))["dues"] is True


def test_unexcused_absences_and_removal_proposal(db, tree, add_person, attend):
    p = add_person(tree.B1, "Ngô Thị Hà")
    q = add_person(tree.B1, "Ngô Văn Khoa")
    for k in range(3):
        a = activity_row(db, tree.B1, days_ago(20 + 30 * k))
        db.session.commit()
        attend(a, p, "absent")
        attend(a, q, "excused")
    crit = {c: (ok, r) for c, _l, ok, r in criteria_for(p)}
    assert crit["activity"] == (False, "Vắng không phép 3 buổi trong 12 tháng qua.")
    assert dict((c, ok) for c, _l, ok, _r in criteria_for(q))["activity"] is True
    proposed = ids(db, select(Person).where(Person.unit_path.like(tree.C1.path + "%"), proposed_for_removal()))
    assert p.id in proposed  # no dues, absent three times
    assert ids(db, filter_people(select(Person), failing="activity")) == {p.id}
    assert ids(db, filter_people(select(Person), failing="activity", as_of=TODAY)) == {p.id}


def test_people_off_the_roll_have_no_verdict(db, tree, add_person):
    p = add_person(tree.B1, "Trịnh Văn Lâm")
    assert db.session.get(PersonStanding, p.id) is not None
    p.status = "removed"
    db.session.add(PersonEvent(person_id=p.id, kind="removed", on=TODAY, reason="Bỏ sinh hoạt"))
    db.session.commit()
    assert db.session.get(PersonStanding, p.id) is None
    assert p.id not in verdicts(db, tree.P)["paper"] and p.id not in verdicts(db, tree.P, as_of=TODAY)["paper"]


def _population(db, tree):
    """A mix of real, incomplete and paper people in three communes."""
    made = []
    for branch, n in ((tree.B1, 7), (tree.B2, 5), (tree.B3, 4)):
        a = activity_row(db, branch, days_ago(15))
        for i in range(n):
            p = person_row(db, branch, f"Người {branch.code} {i}", member_type="union" if branch != tree.B3 else "federation")
            if i % 3 != 0:
                db.session.add(PersonEvent(person_id=p.id, kind="confirmed", on=days_ago(5)))
            if i % 2 == 0:
                paid_months(db, p, 12)
            made.append(p)
        db.session.flush()
        assert a.id
    db.session.commit()
    return made


def test_province_paper_count_is_the_sum_over_communes_and_lists_those_people(db, tree, client, make_user, login):
    _population(db, tree)
    refresh_standing()
    db.session.commit()
    total, children, _ = child_tallies(tree.P)
    communes = [tree.C1, tree.C2, tree.C3]
    per = {c.id: child_tallies(c)[0] for c in communes}
    for v in ("real", "incomplete", "paper"):
        assert getattr(total, v) == sum(getattr(t, v) for t in per.values())
        assert getattr(total, v) == sum(getattr(t, v) for t in children)
    assert total.paper > 0 and total.real > 0 and total.incomplete > 0
    fast, live = verdicts(db, tree.P), verdicts(db, tree.P, as_of=TODAY)
    assert fast == live
    assert len(fast["paper"]) == total.paper
    assert fast["paper"] == set().union(*(verdicts(db, c)["paper"] for c in communes))
    # the unit page shows the count and links to the list of exactly those people
    make_user("tinh.viewer", (tree.P, "viewer"))
    login("tinh.viewer")
    html = client.get(f"/units/{tree.P.id}").get_data(as_text=True)
    link = f"/members/?unit={tree.P.id}&amp;verdict=paper"
    assert link in html and f"<b>{total.paper}</b>" in html.split(link, 1)[1][:40]
    resp = client.get(f"/members/?unit={tree.P.id}&verdict=paper")
    if resp.status_code == 200:  # the members list is the other domain's page
        page = resp.get_data(as_text=True)
        names = {p.full_name for p in db.session.scalars(select(Person).where(Person.id.in_(fast["paper"])))}
        assert all(n in page for n in names)


def test_branch_warnings(db, tree, add_person, client, make_user, login):
    tree.B1.founded_on = days_ago(800)  # an old branch: no activity at all means silent
    sec = add_person(tree.B1, "Bí thư Đi Xa", status="away")
    db.session.add(PersonEvent(person_id=sec.id, kind="post_started", on=days_ago(400), detail="secretary"))
    db.session.commit()
    st = db.session.get(PersonStanding, sec.id)
    assert st.is_secretary and st.is_away
    total, rows, branches = child_tallies(tree.C1)
    assert set(branches[tree.B1.id].warnings()) == {"secretary", "silent", "small"}
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    html = client.get(f"/units/{tree.B1.id}").get_data(as_text=True)
    assert "Bí thư đi làm ăn xa hoặc chưa thực chất." in html and "Chi đoàn không sinh hoạt 3 tháng." in html
    html = client.get(f"/activities/units/{tree.C1.id}/standing?warn=silent").get_data(as_text=True)
    assert tree.B1.name in html


def test_a_branch_formed_last_week_is_not_silent(db, tree, make_unit, add_person):
    new = make_unit(tree.C1, name="Chi đoàn Mới Lập", code="ML")
    new.founded_on = days_ago(7)
    db.session.commit()
    _total, _rows, branches = child_tallies(tree.C1)
    assert "silent" not in branches[new.id].warnings()


def test_closing_a_branch_refreshes_its_people(db, tree, add_person, confirm):
    p = add_person(tree.B1, "Mai Văn Nam")
    activity_row(db, tree.B1, days_ago(3))
    db.session.commit()
    assert db.session.get(PersonStanding, p.id).gathered_ok
    tree.B1.status = "closed"
    db.session.commit()
    db.session.expire_all()
    assert not db.session.get(PersonStanding, p.id).gathered_ok


def test_dashboard_sql_count_does_not_grow(db, tree, client, make_user, login):
    make_user("tinh.viewer", (tree.P, "viewer"))
    login("tinh.viewer")
    urls = [f"/units/{tree.P.id}", f"/units/{tree.C1.id}", f"/activities/units/{tree.P.id}/standing",
            f"/activities/units/{tree.P.id}/standing?by=branch&sort=paper"]
    before = [sql_count(client.get(u)) for u in urls]
    _population(db, tree)
    _population(db, tree)
    after = [sql_count(client.get(u)) for u in urls]
    assert before == after, (before, after)
