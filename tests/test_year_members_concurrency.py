"""The members' evaluation with the crowd: two officers of a branch tapping the same step at the same instant (and a
double tap on a flaky network), against a live server with real parallel requests. Runs on SQLite and on PostgreSQL
(TEST_DATABASE_URL), where the transactions really overlap."""
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.year.models import MemberEvaluation, MemberGrade
from tests.conftest import PASSWORD
from tests.factories_year_members import YEAR, graded_branch, grades_by_code
from tests.live import LiveClient, live, run_together, tap_together  # noqa: F401 — the live server fixture


def _count(db, model, **where):
    db.session.expire_all()
    stmt = select(func.count(model.id))
    for k, v in where.items():
        stmt = stmt.where(getattr(model, k) == v)
    return db.session.scalar(stmt)


def _audits(db, action):
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def test_two_officers_at_once_one_evaluation_one_acceptance_one_submission(live, db, tree, make_user):  # noqa: F811
    people = graded_branch(db, tree.B1, 12)
    for name in ("chi.mot", "chi.hai"):
        make_user(name, (tree.B1, "officer"))
    make_user("xa.mot", (tree.C1, "officer"))
    make_user("xa.hai", (tree.C1, "officer"))
    a, b = (LiveClient(live).login(n, PASSWORD) for n in ("chi.mot", "chi.hai"))
    start = f"/year/units/{tree.B1.id}/members/start"
    out = []
    run_together(lambda: out.append(a.post(start, {"year": YEAR})), lambda: out.append(b.post(start, {"year": YEAR})),
                 lambda: out.append(a.post(start, {"year": YEAR})))
    assert sorted(r.status for r in out) == [303, 303, 303], [r.text[:300] for r in out]
    assert _count(db, MemberEvaluation) == 1 and _count(db, MemberGrade) == len(people) == 12
    assert _audits(db, "year.members_start") == 1
    ev = db.session.scalar(select(MemberEvaluation))

    a.get(f"/year/units/{tree.B1.id}/members?year={YEAR}")  # a fresh token after the redirect
    accept = f"/year/evaluations/{ev.id}/accept"
    out = tap_together(a, accept, {"version": ev.version}, n=3) + tap_together(b, accept, {"version": ev.version}, n=2)
    assert {r.status for r in out} == {303}, [r.status for r in out]
    assert _count(db, MemberGrade, grade_id=None) == 0 and _audits(db, "year.members_accept") == 1

    # one member's grade, two officers from the same version: one saved, the other told (409), nothing overwritten
    g = grades_by_code()
    mg = db.session.scalar(select(MemberGrade).where(MemberGrade.person_id == people[0].id))
    forms = [{f"g{mg.id}-grade": g[code].id, f"g{mg.id}-reason": why, f"g{mg.id}-version": mg.version}
             for code, why in (("good", "Ý kiến chi ủy"), ("done", "Ý kiến khác"))]
    out = []
    run_together(lambda: out.append(a.post(f"/year/member-grades/{mg.id}/grade", forms[0])),
                 lambda: out.append(b.post(f"/year/member-grades/{mg.id}/grade", forms[1])))
    assert sorted(r.status for r in out) == [303, 409], [r.status for r in out]
    db.session.expire_all()
    kept = db.session.get(MemberGrade, mg.id)
    assert (kept.grade_id, kept.reason) in ((g["good"].id, "Ý kiến chi ủy"), (g["done"].id, "Ý kiến khác"))
    assert _audits(db, "year.member_grade") == 1

    db.session.expire_all()
    ev = db.session.get(MemberEvaluation, ev.id)
    out = tap_together(a, f"/year/evaluations/{ev.id}/submit", {"version": ev.version}, n=3)
    assert {r.status for r in out} == {303} and _audits(db, "year.members_submit") == 1

    # the commune: two officers decide at the same instant, one approves and one returns: one decision stands
    c, d = (LiveClient(live).login(n, PASSWORD) for n in ("xa.mot", "xa.hai"))
    db.session.expire_all()
    ev = db.session.get(MemberEvaluation, ev.id)
    out = []
    run_together(lambda: out.append(c.post(f"/year/evaluations/{ev.id}/approve", {"version": ev.version})),
                 lambda: out.append(d.post(f"/year/evaluations/{ev.id}/return", {"version": ev.version,
                                                                                   "reason": "Xem lại"})))
    assert sorted(r.status for r in out)[0] == 303 and all(r.status in (303, 403, 409) for r in out), \
        [r.status for r in out]
    db.session.expire_all()
    status = db.session.get(MemberEvaluation, ev.id).status
    assert status in ("approved", "returned")
    assert _audits(db, "year.members_approve") + _audits(db, "year.members_return") == 1
    assert not [e for cl in (a, b, c, d) for e in cl.errors() if e[2] >= 500]
