"""The demo's unit grading and consolidation plan (app/year/seed_units.py) on the run's small demo: last year's grades
for every branch and commune, the weak ones marked, the first district's adopted plan with a verified, a done and an
overdue measure, this year's grades showing one unit improved and one still weak, and the pages that show them."""
from datetime import date

from sqlalchemy import select

from app.auth.passwords import DEMO_PASSWORD
from app.inspections.models import CorrectiveAction
from app.units.models import Unit
from app.year.models import ConsolidationPlan, UnitGrade
from app.year.queries import UNION_UNITS
from app.year.queries import plans as plan_queries

LAST = date.today().year - 1


def test_last_years_grades_and_the_weak_units(demo_db):
    db = demo_db
    units = db.session.scalars(select(Unit).where(Unit.level.in_(("commune", "branch")), Unit.status == "active",
                                                  UNION_UNITS)).all()  # a Federation branch is not graded here
    grades = {g.unit_id: g for g in db.session.scalars(select(UnitGrade).where(UnitGrade.year == LAST))}
    assert {u.id for u in units} == set(grades)
    for g in grades.values():
        assert g.grade_id is not None and g.criteria["months"] == 12 and g.weak == bool(g.flags)
        assert g.grade_id == g.proposed_grade_id or g.reason
    weak = [g for g in grades.values() if g.weak]
    assert 2 <= len(weak) < len(grades)
    assert any("lowest_grade" in g.flags and g.reason for g in weak)  # graded down by the district, with its reason


def test_the_districts_plan_its_measures_and_results(demo_db):
    db = demo_db
    district = db.session.scalar(select(Unit).where(Unit.level == "district").order_by(Unit.id).limit(1))
    plan = db.session.scalar(select(ConsolidationPlan).where(ConsolidationPlan.unit_id == district.id))
    assert plan.year == LAST and plan.status == "adopted" and plan.doc_number
    assert len(plan.entries) >= 2
    for e in plan.entries:
        grade = db.session.scalar(select(UnitGrade).where(UnitGrade.unit_id == e.unit_id, UnitGrade.year == LAST))
        assert grade.weak and e.unit.path.startswith(district.path) and e.causes
    actions = [m.action for e in plan.entries for m in e.measures]
    states = sorted(plan_queries.measure_state(a) for a in actions)
    assert {"verified", "done", "overdue"} <= set(states)
    assert all(a.origin == "consolidation" and a.verifier_unit_id == district.id for a in actions)
    results = plan_queries.results(plan)
    assert "improved" in results.values() and "still_weak" in results.values()


def test_the_demo_pages_show_it(demo_app, demo_db):
    db = demo_db
    district = db.session.scalar(select(Unit).where(Unit.level == "district").order_by(Unit.id).limit(1))
    province = db.session.scalar(select(Unit).where(Unit.level == "province"))
    plan = db.session.scalar(select(ConsolidationPlan).where(ConsolidationPlan.unit_id == district.id))
    overdue = db.session.scalar(select(CorrectiveAction).where(CorrectiveAction.origin == "consolidation",
                                                               CorrectiveAction.status == "open",
                                                               CorrectiveAction.due_on < date.today()))
    client = demo_app.test_client()
    assert client.post("/auth/login", data={"username": "tinh.viewer", "password": DEMO_PASSWORD}).status_code == 303
    page = client.get(f"/year/units/{province.id}/plans?year={LAST}")
    assert page.status_code == 200 and f"/inspections/actions/{overdue.id}" in page.text
    assert f"/year/plans/{plan.id}" in page.text
    page = client.get(f"/year/plans/{plan.id}")
    assert page.status_code == 200 and "Đã chuyển biến" in page.text and "Vẫn yếu kém" in page.text
    assert client.get(f"/year/plans/{plan.id}/plan.pdf").status_code == 200
    weak = client.get(f"/year/units/{province.id}/weak?year={LAST}")
    assert weak.status_code == 200 and "Có trong kế hoạch củng cố" in weak.text
    assert client.get(f"/year/units/{district.id}/grading?year={LAST}").status_code == 200
