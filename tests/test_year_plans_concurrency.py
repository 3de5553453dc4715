"""Grading and plans with the crowd: the same form tapped several times at the same instant against a live server
(real parallel requests; on PostgreSQL, with TEST_DATABASE_URL, the transactions really overlap): one plan, one
entry per unit, one measure per form, one grade per unit and year — and every tap answered without an error."""
from datetime import date, timedelta

from sqlalchemy import func, select

from app.inspections.models import CorrectiveAction
from app.year.models import ConsolidationEntry, ConsolidationMeasure, ConsolidationPlan, UnitGrade
from app.year.services import grading
from tests.conftest import PASSWORD
from tests.factories_year_units import *  # noqa: F401,F403
from tests.factories_year_units import LAST
from tests.live import LiveClient, live, run_together, tap_together  # noqa: F401 — the live server fixture


def count(db, model, *where):
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_taps_at_the_same_instant_make_one_of_each(db, live, year_world):
    w, t = year_world, year_world.tree
    grading.propose_children(parent=t.C1, year=LAST, by=w.officer)
    grading.accept_all(parent=t.C1, year=LAST, by=w.officer)
    db.session.commit()
    c1, b4 = t.C1.id, w.B4.id
    a = LiveClient(live).login(w.officer.username, PASSWORD)
    a.get(f"/year/units/{c1}/plans?year={LAST}")
    resps = tap_together(a, f"/year/units/{c1}/plans/create?year={LAST}", {"title": "Kế hoạch củng cố", "doc_number": ""})
    assert [r.status for r in resps] == [303] * 4, [(r.status, r.text[:300]) for r in resps]
    assert count(db, ConsolidationPlan) == 1
    plan = db.session.scalar(select(ConsolidationPlan))
    a.get(f"/year/plans/{plan.id}")
    resps = tap_together(a, f"/year/plans/{plan.id}/entries", {"unit": b4})
    # the first adds it; a twin that read the page before answers from the unique key (303), one read after is
    # told the unit is no longer offered (422) — never an error, never a second row
    assert all(r.status in (303, 422) for r in resps) and any(r.status == 303 for r in resps), [r.status for r in resps]
    assert count(db, ConsolidationEntry) == 1
    entry = db.session.scalar(select(ConsolidationEntry))
    a.get(f"/year/plan-entries/{entry.id}")
    data = {"remedy": "Kiện toàn Ban Chấp hành", "responsible": "Bí thư Đoàn xã", "owner": b4,
            "due_on": (date.today() + timedelta(days=30)).strftime("%d/%m/%Y"), "form_token": "tap-once"}
    resps = tap_together(a, f"/year/plan-entries/{entry.id}/measures", data, n=5)
    assert [r.status for r in resps] == [303] * 5, [(r.status, r.text[:300]) for r in resps]
    assert count(db, ConsolidationMeasure) == 1
    assert count(db, CorrectiveAction, CorrectiveAction.origin == "consolidation") == 1
    resps = tap_together(a, f"/year/plan-entries/{entry.id}/measures", data, n=3, htmx=True)
    assert all(r.status in (200, 303) for r in resps)
    assert count(db, ConsolidationMeasure) == 1


def test_two_officers_propose_at_once(db, live, year_world, make_user):
    w, t = year_world, year_world.tree
    make_user("xa.officer2", (t.C1, "officer"))
    c1 = t.C1.id
    a = LiveClient(live).login(w.officer.username, PASSWORD)
    b = LiveClient(live).login("xa.officer2", PASSWORD)
    a.get(f"/year/units/{c1}/grading?year={LAST}")
    b.get(f"/year/units/{c1}/grading?year={LAST}")
    out = {}
    run_together(*(lambda c=c, k=k: out.__setitem__(k, c.post(f"/year/units/{c1}/grading/propose?year={LAST}"))
                   for k, c in (("a", a), ("b", b))))
    assert {r.status for r in out.values()} == {303}, [(r.status, r.text[:300]) for r in out.values()]
    assert count(db, UnitGrade, UnitGrade.year == LAST) == 3
