"""Unit grading and the weak-unit list (issue 13, part 2): the flags and the proposal from the rules' numbers, the
criteria against an independent count of the records, grading a commune's branches (propose, accept all, change one
with a reason), the weak list, permissions, htmx and plain, a stale decision, the statements per page."""
import gzip
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from app.activities.models import Activity, DuesPayment, PersonStanding
from app.classes.models import Enrolment, TrainingClass
from app.inspections import services as inspections
from app.inspections.models import CorrectiveAction
from app.members.models import ON_ROLL, Person
from app.targets import catalogue as target_catalogue
from app.targets.models import Indicator, Target
from app.year import catalogue, rules
from app.year.models import UnitGrade
from app.year.queries import grading as gq
from app.year.services import grading as services
from tests.conftest import HTMX, errors_in, sql_count
from tests.factories_members import person_in
from tests.factories_year_units import *  # noqa: F401,F403
from tests.factories_year_units import LAST, add_activities, grade_of, healthy_branch, weak_branch

RULES = {code: default for code, (default, _) in rules.DEFAULTS.items()}
GRADES = [SimpleNamespace(id=i, code=code, name=name, rank=rank) for i, (code, name, rank) in enumerate(catalogue.BUILTIN, 1)]


def crit(**kw):
    c = dict(members=10, standing=10, real=10, paper=0, real_share=100.0, months=12, active_months=12, silent_run=0,
             dues_paid=120, dues_owed=120, dues_share=100.0, branches=1, secretaries=1, trained=1, findings=0,
             findings_closed=0, findings_share=None)
    c.update(kw)
    return c


# ---- pure: the flags and the proposal -------------------------------------------------------------------------------
def test_the_flags_come_from_the_rules_numbers():
    assert gq.flags_of(crit(), RULES) == []
    assert gq.flags_of(crit(members=2), RULES) == ["small"]
    assert gq.flags_of(crit(members=3), RULES) == []
    assert gq.flags_of(crit(silent_run=3, active_months=9), RULES) == ["silent"]
    assert gq.flags_of(crit(silent_run=2), RULES) == []
    assert gq.flags_of(crit(months=0, silent_run=0, active_months=0), RULES) == []
    assert gq.flags_of(crit(secretaries=0), RULES) == ["secretary_away"]  # a branch: away or none
    assert gq.flags_of(crit(branches=4, secretaries=2), RULES) == []  # a commune: half its branches have theirs
    assert gq.flags_of(crit(branches=4, secretaries=1), RULES) == ["secretary_away"]
    assert gq.flags_of(crit(paper=6, real=4), RULES) == ["paper_heavy"]
    assert gq.flags_of(crit(paper=5, real=5), RULES) == []
    assert gq.flags_of(crit(members=1, silent_run=12, secretaries=0, paper=10), RULES) == [
        "small", "silent", "secretary_away", "paper_heavy"]
    assert gq.flags_of(crit(members=3), dict(RULES, **{"unit.small": 4})) == ["small"]


def code(c, flags=(), rules_=RULES):
    return gq.propose(c, list(flags), GRADES, rules_).code


def test_the_proposal_follows_the_rules_and_a_flagged_unit_gets_the_lowest():
    assert code(crit()) == "excellent"
    assert code(crit(real_share=80.0, active_months=10, dues_share=80.0)) == "good"
    assert code(crit(real_share=60.0, active_months=6, dues_share=55.0)) == "done"
    assert code(crit(real_share=40.0)) == "failed"
    assert code(crit(real_share=None)) == "failed"
    assert code(crit(dues_share=None)) == "failed"
    assert code(crit(active_months=5)) == "failed"
    assert code(crit(), flags=["small"]) == "failed"  # never above the lowest, whatever the numbers
    # a year not over yet asks its share of the months
    assert code(crit(months=6, active_months=6)) == "excellent"
    assert code(crit(months=6, active_months=5)) == "good"
    # the numbers are data
    assert code(crit(real_share=72.0, active_months=10, dues_share=80.0)) == "done"
    assert code(crit(real_share=72.0, active_months=10, dues_share=80.0),
                rules_=dict(RULES, **{"unit.good.real_share": 70})) == "good"
    # a grade the rules have no numbers for is given by decision only
    custom = [SimpleNamespace(id=9, code="model", rank=0), *GRADES]
    assert gq.propose(crit(), [], custom, RULES).code == "excellent"


def test_the_lowest_grade_decided_is_a_flag():
    assert gq.decided_flags(["small"], GRADES[3], GRADES) == ["small", "lowest_grade"]
    assert gq.decided_flags(["small", "lowest_grade"], GRADES[1], GRADES) == ["small"]
    assert gq.decided_flags([], GRADES[0], GRADES) == []


def test_the_months_counted():
    assert len(gq.year_months(2020, date(2026, 3, 5))) == 12
    assert gq.year_months(2026, date(2026, 3, 5)) == [date(2026, 1, 1), date(2026, 2, 1)]
    assert gq.year_months(2027, date(2026, 3, 5)) == []
    assert gq.trailing_months(date(2026, 3, 5)) == [date(2025, m, 1) for m in range(3, 13)] + [date(2026, 1, 1),
                                                                                               date(2026, 2, 1)]


# ---- the criteria against an independent count ------------------------------------------------------------------------
@pytest.fixture
def records(db, year_world):
    w, t = year_world, year_world.tree
    old = person_in(db, t.B1, "Người Quá Tuổi", commit=False, birth_date=date(1980, 1, 1), joined_on=date(1998, 3, 26))
    person_in(db, t.B1, "Thanh Niên Chưa Vào Đoàn", commit=False, member_type="youth")
    person_in(db, t.B1, "Hội Viên Một", commit=False, member_type="federation")
    person_in(db, w.B4, "Người Đã Chuyển", commit=False, status="transferred_out", joined_on=date(2019, 1, 1))
    healthy_branch(db, t.B2, n=4, prefix="Người Thôn Hai")
    add_activities(db, t.C1, (5, 6))  # the commune's own
    b1 = db.session.scalars(select(Person).where(Person.unit_id == t.B1.id, Person.member_type == "union")
                            .order_by(Person.id)).all()
    db.session.add(DuesPayment(person_id=b1[1].id, month=date(LAST - 1, 12, 1), amount=2000))  # before the year
    db.session.add(DuesPayment(person_id=old.id, month=date(LAST, 3, 1), amount=2000))  # over age: not counted
    reversed_one = db.session.scalar(select(DuesPayment).where(DuesPayment.person_id == b1[2].id,
                                                               DuesPayment.month == date(LAST, 4, 1)))
    reversed_one.reversed = True
    klass = TrainingClass(kind="cadre", title="Tập huấn bí thư chi đoàn", unit_id=t.C1.id, unit_path=t.C1.path,
                          starts_on=date(LAST, 6, 1), ends_on=date(LAST, 6, 3), status="finished")
    db.session.add(klass)
    db.session.flush()
    db.session.add(Enrolment(class_id=klass.id, person_id=b1[0].id, status="enrolled", passed=True))
    due = date(LAST, 9, 30)
    for owner, status in ((t.B1, "verified"), (t.B1, "open"), (w.B4, "open")):
        a = inspections.add_followup(origin="inspection", owner_unit=owner, verifier_unit=t.D, finding="Thiếu sổ",
                                     remedy="Bổ sung sổ", due_on=due)
        a.status = status
    inspections.add_followup(origin="inspection", owner_unit=t.B1, verifier_unit=t.D, finding="Năm sau",
                             remedy="x", due_on=date(LAST + 1, 1, 15))
    inspections.add_followup(origin="consolidation", owner_unit=t.B1, verifier_unit=t.C1, finding="Củng cố",
                             remedy="x", due_on=due)
    db.session.commit()
    return w


def independent(db, unit, year=LAST):
    """The criteria counted another way: Python over the rows."""
    born_by = date.today().replace(year=date.today().year - 31)
    people = [p for p in db.session.scalars(select(Person)) if p.unit_path.startswith(unit.path)]
    members = [p for p in people if p.status in ON_ROLL and p.member_type in ("union", "federation")
               and not (p.member_type == "union" and p.birth_date and p.birth_date <= born_by)]
    ids = {p.id for p in members}
    standing = [s for s in db.session.scalars(select(PersonStanding)) if s.unit_path.startswith(unit.path)]
    held = {a.held_on.month for a in db.session.scalars(select(Activity))
            if a.unit_path.startswith(unit.path) and a.held_on.year == year}
    paid = [d for d in db.session.scalars(select(DuesPayment))
            if d.person_id in ids and d.month.year == year and not d.reversed]
    actions = [a for a in db.session.scalars(select(CorrectiveAction))
               if a.origin == "inspection" and a.owner_unit_path.startswith(unit.path) and a.due_on.year == year]
    runs, run = [], 0
    for m in range(1, 13):
        run = 0 if m in held else run + 1
        runs.append(run)
    return {"members": len(members), "standing": len(standing), "real": sum(s.verdict == "real" for s in standing),
            "paper": sum(s.verdict == "paper" for s in standing), "active_months": len(held), "silent_run": max(runs),
            "dues_paid": len(paid), "dues_owed": 12 * len(members),
            "findings": len(actions), "findings_closed": sum(a.status == "verified" for a in actions)}


def test_the_criteria_equal_an_independent_count(db, records):
    w, t = records, records.tree
    units = [t.B1, w.B4, w.B5, t.B2]
    got = gq.criteria(units, LAST)
    for u in units:
        want = independent(db, u)
        assert {k: got[u.id][k] for k in want} == want, u.name
        assert got[u.id]["months"] == 12 and got[u.id]["branches"] == 1
    assert got[t.B1.id]["members"] == 6  # five Union members and the Federation member; not the one past 30
    assert got[t.B1.id]["dues_paid"] == 5 * 12 - 1  # one month reversed
    assert (got[t.B1.id]["findings"], got[t.B1.id]["findings_closed"]) == (2, 1)
    assert got[t.B1.id]["secretary"] == "present" and got[t.B1.id]["trained"] == 1
    assert got[w.B4.id]["secretary"] == "away" and got[w.B4.id]["trained"] == 0
    assert got[t.B2.id]["secretary"] == "present" and got[t.B2.id]["trained"] == 0
    communes = gq.criteria([t.C1, t.C2, t.D], LAST)
    for u in (t.C1, t.C2, t.D):
        want = independent(db, u)
        assert {k: communes[u.id][k] for k in want} == want, u.name
    c1 = communes[t.C1.id]
    assert (c1["branches"], c1["secretaries"], c1["trained"]) == (3, 1, 1)
    assert c1["active_months"] == 12  # B1's months and the commune's own
    assert "targets" not in c1
    assert "secretary_away" in gq.flags_of(c1, RULES)  # one of three branches has its secretary on the spot


def test_targets_met_only_where_the_unit_has_targets(db, tree, year_world):
    target_catalogue.ensure()
    ind = db.session.scalar(select(Indicator).where(Indicator.code == "yw_activities"))
    for unit, value in ((tree.C1, 1), (tree.C2, 5)):
        db.session.add(Target(unit_id=unit.id, unit_path=unit.path, year=LAST, indicator_id=ind.id, number=1,
                              value=value, status="approved"))
    db.session.add(Activity(unit_id=tree.B1.id, unit_path=tree.B1.path, held_on=date(LAST, 7, 1), kind="young_workers",
                            title="Giao lưu thanh niên công nhân", for_young_workers=True))
    db.session.commit()
    got = gq.criteria([tree.C1, tree.C2, tree.C3], LAST)
    assert (got[tree.C1.id]["targets"], got[tree.C1.id]["targets_met"]) == (1, 1)
    assert (got[tree.C2.id]["targets"], got[tree.C2.id]["targets_met"]) == (1, 0)
    assert "targets" not in got[tree.C3.id]


# ---- grading a commune's branches -----------------------------------------------------------------------------------
def _grading(w, year=LAST):
    return f"/year/units/{w.tree.C1.id}/grading?year={year}"


def _decide(client, row, grade, reason="", version=None, headers=None):
    return client.post(f"/year/unit-grades/{row.id}/decide", headers=headers or {},
                       data={"grade": grade.id, "reason": reason, "version": row.version if version is None else version})


def test_the_commune_grades_its_branches(client, db, login, year_world):
    w, t = year_world, year_world.tree
    login(w.officer)
    page = client.get(_grading(w))
    assert page.status_code == 200 and "Chưa tính đề xuất" in page.text and "Tính đề xuất từ sổ" in page.text
    resp = client.post(f"/year/units/{t.C1.id}/grading/propose?year={LAST}")
    assert resp.status_code == 303 and resp.location.endswith(_grading(w))
    grades = {g.code: g for g in catalogue.grades("unit")}
    b1, b4 = grade_of(db, t.B1), grade_of(db, w.B4)
    assert b1.proposed_grade_id == grades["excellent"].id and b1.flags == [] and b1.grade_id is None
    assert b4.proposed_grade_id == grades["failed"].id and b4.flags == ["small", "silent", "secretary_away", "paper_heavy"]
    assert b1.criteria["members"] == 5 and b4.criteria["members"] == 2 and not b4.weak
    # again: the same rows, the same numbers
    assert client.post(f"/year/units/{t.C1.id}/grading/propose?year={LAST}").status_code == 303
    assert db.session.query(UnitGrade).count() == 3
    page = client.get(_grading(w))
    assert "Chấp nhận 3 đề xuất" in page.text and "Dưới 3 đoàn viên" in page.text
    # accept all in one step
    assert client.post(f"/year/units/{t.C1.id}/grading/accept?year={LAST}").status_code == 303
    db.session.expire_all()
    b1, b4, b5 = grade_of(db, t.B1), grade_of(db, w.B4), grade_of(db, w.B5)
    assert b1.grade_id == grades["excellent"].id and not b1.weak and b1.decided_by_id == w.officer.id
    assert b4.grade_id == grades["failed"].id and b4.weak and "lowest_grade" in b4.flags and b5.weak
    # change one: without a reason → 422, the reason's error beside it
    resp = _decide(client, b1, grades["good"])
    assert resp.status_code == 422 and "Xếp loại khác đề xuất: vui lòng ghi lý do." in errors_in(resp.text)
    resp = _decide(client, b1, grades["good"], reason="Chưa hoàn thành chỉ tiêu kết nạp")
    assert resp.status_code == 303 and resp.location.endswith(_grading(w))
    db.session.expire_all()
    b1 = grade_of(db, t.B1)
    assert b1.grade_id == grades["good"].id and b1.reason == "Chưa hoàn thành chỉ tiêu kết nạp" and not b1.weak
    # a new proposal never touches a decided grade
    person_in(db, t.B1, "Người Mới Vào")
    assert client.post(f"/year/units/{t.C1.id}/grading/propose?year={LAST}").status_code == 303
    db.session.expire_all()
    assert grade_of(db, t.B1).criteria["members"] == 5 and grade_of(db, t.B1).grade_id == grades["good"].id
    # back to the proposal: no reason needed
    assert _decide(client, grade_of(db, t.B1), grades["excellent"]).status_code == 303
    page = client.get(f"/year/unit-grades/{grade_of(db, w.B4).id}")
    assert page.status_code == 200 and "Không sinh hoạt 3 tháng liền" in page.text and "2/12" in page.text


def test_the_decision_as_an_htmx_fragment_a_resent_one_and_a_stale_one(client, db, login, year_world):
    w, t = year_world, year_world.tree
    services.propose_children(parent=t.C1, year=LAST, by=w.officer)
    db.session.commit()
    grades = {g.code: g for g in catalogue.grades("unit")}
    login(w.officer)
    row = grade_of(db, w.B4)
    resp = _decide(client, row, grades["done"], headers=HTMX)
    assert resp.status_code == 422 and "<html" not in resp.text and 'id="decision"' in resp.text
    assert "Xếp loại khác đề xuất: vui lòng ghi lý do." in errors_in(resp.text)
    version = row.version
    assert _decide(client, row, grades["done"], reason="Đã kết nạp thêm", version=version).status_code == 303
    # the same form sent again after its answer was lost: the same answer, nothing written twice
    assert _decide(client, row, grades["done"], reason="Đã kết nạp thêm", version=version).status_code == 303
    # a colleague's form opened before that decision, asking another grade: the conflict page
    resp = _decide(client, row, grades["failed"], version=version)
    assert resp.status_code == 409
    db.session.expire_all()
    assert grade_of(db, w.B4).grade_id == grades["done"].id


def test_a_viewer_reads_an_outsider_and_the_unit_itself_are_refused(app, client, db, login, year_world):
    w, t = year_world, year_world.tree
    services.propose_children(parent=t.C1, year=LAST, by=w.officer)
    db.session.commit()
    row = grade_of(db, w.B4)
    grades = {g.code: g for g in catalogue.grades("unit")}
    login(w.viewer)
    assert client.get(_grading(w)).status_code == 200
    assert "Tính đề xuất từ sổ" not in client.get(_grading(w)).text
    page = client.get(f"/year/unit-grades/{row.id}")
    assert page.status_code == 200 and 'id="decision"' not in page.text
    assert client.post(f"/year/units/{t.C1.id}/grading/propose?year={LAST}").status_code == 403
    assert client.post(f"/year/units/{t.C1.id}/grading/accept?year={LAST}").status_code == 403
    assert _decide(client, row, grades["failed"]).status_code == 403
    b4 = app.test_client()
    b4.post("/auth/login", data={"username": "b4.officer", "password": "mat-khau-2026"})
    assert _decide(b4, row, grades["failed"]).status_code == 403  # a unit does not grade itself
    assert b4.get(f"/year/unit-grades/{row.id}").status_code == 200
    out = app.test_client()
    out.post("/auth/login", data={"username": "xa2.officer", "password": "mat-khau-2026"})
    assert out.get(_grading(w)).status_code == 403
    assert out.get(f"/year/unit-grades/{row.id}").status_code == 403
    assert out.get(f"/year/units/{t.C1.id}/weak?year={LAST}").status_code == 403
    assert _decide(out, row, grades["failed"]).status_code == 403
    assert out.post(f"/year/units/{t.C1.id}/grading/propose?year={LAST}").status_code == 403
    db.session.expire_all()
    assert grade_of(db, w.B4).grade_id is None


def test_the_weak_list_marks_the_flagged_ones(client, db, login, year_world):
    w, t = year_world, year_world.tree
    services.propose_children(parent=t.C1, year=LAST, by=w.officer)
    services.accept_all(parent=t.C1, year=LAST, by=w.officer)
    db.session.commit()
    login(w.province)
    for unit in (t.C1, t.D, t.P):
        page = client.get(f"/year/units/{unit.id}/weak?year={LAST}")
        assert page.status_code == 200
        assert "Chi đoàn Thôn 4" in page.text and "Chi đoàn Thôn 5" in page.text and "Chi đoàn Thôn 1" not in page.text
        assert "2 đơn vị yếu kém" in page.text and "Chưa có kế hoạch củng cố" in page.text
    assert "2 đoàn viên, hội viên" in page.text and "bí thư đi làm ăn xa" in page.text
    assert f"/members/?unit={w.B4.id}" in page.text and f"/activities/?unit={w.B4.id}" in page.text
    frag = client.get(f"/year/units/{t.C1.id}/weak?year={LAST}", headers=HTMX)
    assert frag.status_code == 200 and "<html" not in frag.text and 'id="results"' in frag.text
    assert "0 đơn vị yếu kém" in client.get(f"/year/units/{t.C1.id}/weak?year={LAST - 1}").text
    hub = client.get(f"/year/units/{t.C1.id}?year={LAST}")
    assert f"/year/units/{t.C1.id}/weak?year={LAST}" in hub.text and f"/year/units/{t.C1.id}/grading?year={LAST}" in hub.text


# ---- statements and size ---------------------------------------------------------------------------------------------
def _commune_with(db, make_unit, district, n, by):
    commune = make_unit(district, name=f"Đoàn xã Có {n} Chi Đoàn", commit=False)
    for i in range(n):
        branch = make_unit(commune, name=f"Chi đoàn Xóm {n}-{i + 1} có tên khá dài cho đủ cỡ", commit=False)
        weak_branch(db, branch, prefix=f"Người Xóm {n}-{i + 1}")
    db.session.commit()
    services.propose_children(parent=commune, year=LAST, by=by)
    services.accept_all(parent=commune, year=LAST, by=by)
    db.session.commit()
    return commune


def test_the_grading_page_and_the_weak_list_run_the_same_statements_for_3_and_12_branches(
        client, db, tree, make_unit, make_user, login):
    catalogue.ensure()
    user = make_user("tinh.officer", (tree.P, "officer"))
    small = _commune_with(db, make_unit, tree.D, 3, user)
    big = _commune_with(db, make_unit, tree.D, 12, user)
    login(user)
    counts = {}
    for commune in (small, big):
        for what in ("grading", "weak"):
            resp = client.get(f"/year/units/{commune.id}/{what}?year={LAST}")
            assert resp.status_code == 200
            counts.setdefault(what, []).append(sql_count(resp))
            size = len(gzip.compress(resp.data))
            assert size <= 14 * 1024, (what, size)
    assert counts["grading"][0] == counts["grading"][1], counts
    assert counts["weak"][0] == counts["weak"][1], counts
    assert "12 đơn vị yếu kém" in client.get(f"/year/units/{big.id}/weak?year={LAST}").text
    page = client.get(f"/year/unit-grades/{grade_of(db, db.session.scalars(select(UnitGrade)).first().unit).id}")
    assert page.status_code == 200 and len(gzip.compress(page.data)) <= 14 * 1024
    print("grading", counts["grading"], "weak", counts["weak"])


def test_the_criteria_run_the_same_statements_for_3_and_12_units(db, tree, make_unit, app):
    catalogue.ensure()
    units = {}
    for n in (3, 12):
        commune = make_unit(tree.D, commit=False)
        units[n] = [make_unit(commune, commit=False) for _ in range(n)]
        for b in units[n]:
            weak_branch(db, b, prefix=f"Người {b.id}")
    db.session.commit()
    seen = []
    count = lambda *a: seen.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        out = []
        for n in (3, 12):
            assert all(u.path for u in units[n])  # loaded before counting (the commit expired them)
            seen.clear()
            gq.criteria(units[n], LAST)
            out.append(len(seen))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert out[0] == out[1] == 7, out


def test_odd_years_and_a_branch_with_no_children(client, db, login, year_world):
    w, t = year_world, year_world.tree
    login(w.officer)
    for url in (f"/year/units/{t.B1.id}/grading", f"/year/units/{t.B1.id}/weak", f"/year/units/{t.C1.id}/grading?year=x",
                f"/year/units/{t.C1.id}/weak?year=99999&page=-1"):
        assert client.get(url).status_code == 200, url
    assert client.get("/year/unit-grades/999999").status_code == 404
    resp = client.post(f"/year/units/{t.C1.id}/grading/propose?year={date.today().year + 1}")
    assert resp.status_code == 404 and db.session.query(UnitGrade).count() == 0  # a year not begun: nothing to count
