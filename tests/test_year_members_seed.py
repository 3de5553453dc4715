"""The demo's members' evaluation (app/year/seed_members.py) on the run's small demo: last year approved everywhere,
graded as proposed but for a few changes with their reasons, the outstanding members those the Party pipeline
recognised; this year part way in the demo commune (draft, submitted, returned) with the chi.* branch left to start."""
from collections import Counter
from datetime import date

from sqlalchemy import func, or_, select

from app.audit.models import AuditEntry
from app.auth.models import RoleGrant, User
from app.members.models import ON_ROLL, Person
from app.targets.models import PartyStep
from app.units.models import Unit
from app.year import rules
from app.year.models import MemberEvaluation, MemberGrade
from app.year.queries import evaluation as q

LAST = date.today().year - 1
THIS = date.today().year


def test_last_year_every_branch_approved_graded_from_the_proposals(demo_db):
    db = demo_db
    branches = set(db.session.scalars(select(Person.unit_id).join(Unit, Unit.id == Person.unit_id).where(
        Person.member_type == "union", Person.status.in_(ON_ROLL), Unit.level == "branch", Unit.status == "active")))
    evaluations = db.session.scalars(select(MemberEvaluation).where(MemberEvaluation.year == LAST)).all()
    assert {e.unit_id for e in evaluations} == branches and {e.status for e in evaluations} == {"approved"}
    assert all(e.unit_path == db.session.get(Unit, e.unit_id).path for e in evaluations)
    grades = db.session.scalars(select(MemberGrade).join(MemberEvaluation).where(MemberEvaluation.year == LAST)).all()
    on_roll = db.session.scalar(select(func.count(Person.id)).where(Person.unit_id.in_(branches),
                                                                    Person.member_type == "union",
                                                                    Person.status.in_(ON_ROLL),
                                                                    # admitted after the year: not graded for it
                                                                    or_(Person.joined_on.is_(None),
                                                                        Person.joined_on <= date(LAST, 12, 31))))
    assert len(grades) == on_roll
    values, active = q.proposer()
    top = q.top_grade(active)
    changed = [g for g in grades if g.grade_id != g.proposed_grade_id]
    for g in grades:
        assert g.grade_id is not None and q.propose(g.evidence, values, active).id == g.proposed_grade_id
        assert (g.reason is not None) == (g.grade_id != g.proposed_grade_id)
        assert not g.outstanding or g.grade_id == top.id
        if g.evidence["verdict"] == "paper":
            assert g.grade_id == q.catalogue.lowest(active).id
    assert 0 < len(changed) < 0.1 * len(grades)
    assert len(Counter(g.grade_id for g in grades)) == 4  # every grade given
    recognised = set(db.session.scalars(select(PartyStep.person_id).where(PartyStep.kind == "outstanding",
                                                                          PartyStep.year == LAST)))
    outstanding = {g.person_id for g in grades if g.outstanding}
    assert outstanding and outstanding <= recognised
    assert rules.current() == {code: d for code, (d, _l) in rules.DEFAULTS.items()}


def test_this_year_part_way_through_the_services(demo_db):
    db = demo_db
    chi = db.session.scalar(select(RoleGrant.unit_id).join(User, User.id == RoleGrant.user_id).where(User.username == "chi.officer"))
    commune = db.session.get(Unit, chi).parent
    this = db.session.scalars(select(MemberEvaluation).where(MemberEvaluation.year == THIS)).all()
    here = Counter(e.status for e in this if e.unit.parent_id == commune.id)
    assert here == Counter({"draft": 1, "submitted": 1, "returned": 1})
    assert chi not in {e.unit_id for e in this}  # left for the demo's branch secretary to start
    returned = next(e for e in this if e.status == "returned")
    assert returned.return_reason and returned.submitted_at
    xa = db.session.scalar(select(User).where(User.username == "xa.officer"))
    admin = db.session.scalar(select(User).where(User.username == "xa.admin"))
    submitted = next(e for e in this if e.status == "submitted" and e.unit.parent_id == commune.id)
    assert submitted.submitted_by_id == admin.id != xa.id  # xa.officer may approve it
    for e in this:
        rows = db.session.scalars(select(MemberGrade).where(MemberGrade.evaluation_id == e.id)).all()
        assert rows and all(r.grade_id for r in rows) and sum(r.grade_id != r.proposed_grade_id for r in rows) == 1
    actions = Counter(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("year.members%"))))
    assert actions["year.members_start"] == len(this) and actions["year.members_return"] == 1
