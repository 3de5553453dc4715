"""The reads of the members' evaluation (đánh giá, xếp loại đoàn viên): the evidence the records give for each Union
member on a branch's roll in a year, the grade the rules propose from it, a branch's evaluation page, the list of the
branches of a commune (or any unit above), the loaders.

The evidence of one member for a year (stored on the MemberGrade when it is proposed, so later records do not change
what the branch saw):
- held / present: the branch's activities of the year at which the roll was taken (at least one attendance mark), and
  the member's "present" marks at them — an activity without a roll says nothing about who came;
- dues: the months of the year paid (DuesPayment, not reversed);
- classes: the sympathizer and cadre classes that ended in the year which the member passed (not withdrawn);
- verdict: the five criteria now (PersonStanding: real / incomplete / paper; None when the person has no standing);
- review: the outcome of the year's March review (the latest at the door; None: on the list, not visited) — the key is
  left out when no campaign of the year covers the branch.

The proposal (`propose`, a pure function): a paper member gets the lowest grade; otherwise the best grade whose numbers
(app.year.rules: member.<code>.attendance in %, member.<code>.dues in months) the evidence meets — "excellent" also
needs the five criteria met (real) — else the lowest. Grades are data: the thresholds follow the built-in codes
(excellent, good, done); a grade an admin added has no numbers and is never proposed, only chosen.
"""
from datetime import date

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, false, func, select
from sqlalchemy.orm import aliased, joinedload

from ...access import authorize, subtree
from ...activities.models import Activity, Attendance, DuesPayment, PersonStanding
from ...classes.models import Enrolment, TrainingClass
from ...extensions import db
from ...members.models import ON_ROLL, Person
from ...review.models import Campaign, Subject
from ...units.models import Unit
from ...web import paginate
from .. import catalogue, rules
from .. import permissions as perm
from ..models import Grade, MemberEvaluation, MemberGrade
from . import GRADED

THRESHOLDS = ("excellent", "good", "done")  # the built-in grades the rules' numbers name, best first
CLASS_KINDS = ("sympathizer", "cadre")
REASON_MAX = 500
EDITABLE = ("draft", "returned")  # the branch grades; submitted waits for the level above; approved is locked
BRANCH_STATUSES = ("none", "draft", "submitted", "returned", "approved")  # the list's filter ("none": not started)


# ---- the evidence ----------------------------------------------------------------------------------------------------
def year_bounds(year):
    return date(year, 1, 1), date(year, 12, 31)


def _in(columns, branch=None, path=None):
    """The scope as SQL on (unit id column, unit path column): one branch, or a subtree."""
    unit_id, unit_path = columns
    return unit_id == branch.id if branch is not None else subtree(unit_path, path)


def evidence_stmt(year, *, branch=None, path=None, bounds=None):
    """One statement: (person_id, unit_id, held, present, dues, classes, verdict, review) for every Union member on a
    roll of `branch` (or of every branch under `path`). `bounds` (first day, last day) replaces the calendar year (the
    demo seed's stand-in window); the review is always the year's."""
    lo, hi = bounds or year_bounds(year)
    P, P2 = Person, aliased(Person, name="p2")
    people = _in((P2.unit_id, P2.unit_path), branch, path)
    activities = _in((Activity.unit_id, Activity.unit_path), branch, path)
    rolled = exists().where(Attendance.activity_id == Activity.id)
    held = (select(Activity.unit_id.label("unit_id"), func.count(Activity.id).label("n"))
            .where(activities, Activity.held_on >= lo, Activity.held_on <= hi, rolled)
            .group_by(Activity.unit_id).subquery("held"))
    present = (select(Attendance.person_id.label("person_id"), func.count(Attendance.id).label("n"))
               .join(Activity, Activity.id == Attendance.activity_id).join(P2, P2.id == Attendance.person_id)
               .where(activities, people, Activity.unit_id == P2.unit_id, Activity.held_on >= lo,
                      Activity.held_on <= hi, Attendance.status == "present")
               .group_by(Attendance.person_id).subquery("present"))
    dues = (select(DuesPayment.person_id.label("person_id"), func.count(DuesPayment.id).label("n"))
            .join(P2, P2.id == DuesPayment.person_id)
            .where(people, DuesPayment.month >= lo, DuesPayment.month <= hi, DuesPayment.reversed == false())
            .group_by(DuesPayment.person_id).subquery("dues"))
    classes = (select(Enrolment.person_id.label("person_id"), func.count(func.distinct(Enrolment.class_id)).label("n"))
               .join(TrainingClass, TrainingClass.id == Enrolment.class_id).join(P2, P2.id == Enrolment.person_id)
               .where(people, Enrolment.passed.is_(True), Enrolment.status != "withdrawn",
                      TrainingClass.kind.in_(CLASS_KINDS), TrainingClass.ends_on >= lo, TrainingClass.ends_on <= hi)
               .group_by(Enrolment.person_id).subquery("classes"))
    review = (select(Subject.person_id.label("person_id"), func.max(Subject.outcome).label("outcome"))
              .join(Campaign, Campaign.id == Subject.campaign_id).join(P2, P2.id == Subject.person_id)
              .where(people, Campaign.year == year, Campaign.status != "draft")
              .group_by(Subject.person_id).subquery("review"))
    return (select(P.id, P.unit_id, func.coalesce(held.c.n, 0), func.coalesce(present.c.n, 0),
                   func.coalesce(dues.c.n, 0), func.coalesce(classes.c.n, 0), PersonStanding.verdict, review.c.outcome)
            .outerjoin(held, held.c.unit_id == P.unit_id)
            .outerjoin(present, present.c.person_id == P.id)
            .outerjoin(dues, dues.c.person_id == P.id)
            .outerjoin(classes, classes.c.person_id == P.id)
            .outerjoin(PersonStanding, PersonStanding.person_id == P.id)
            .outerjoin(review, review.c.person_id == P.id)
            .where(_in((P.unit_id, P.unit_path), branch, path), P.member_type == "union", P.status.in_(ON_ROLL)))


def campaign_paths(year):
    """The scopes of the year's review campaigns that took their lists (open or closed): one statement."""
    return db.session.scalars(select(Campaign.unit_path).where(Campaign.year == year, Campaign.status != "draft")).all()


def covered(branch_path, paths):
    return any(branch_path.startswith(p) for p in paths)


def as_evidence(row, reviewed):
    """A row of evidence_stmt → the dict stored on the MemberGrade (`reviewed`: a campaign covers the branch)."""
    _pid, _uid, held, present, dues, classes, verdict, outcome = row
    out = {"held": int(held), "present": min(int(present), int(held)), "dues": int(dues), "classes": int(classes),
           "verdict": verdict}
    if reviewed:
        out["review"] = outcome
    return out


def branch_evidence(branch, year):
    """{person id: evidence} for the branch's Union members on its roll: two statements."""
    reviewed = covered(branch.path, campaign_paths(year))
    return {row[0]: as_evidence(row, reviewed) for row in db.session.execute(evidence_stmt(year, branch=branch))}


# ---- the proposal (pure) ---------------------------------------------------------------------------------------------
def attendance_share(evidence):
    """The share (%) of the branch's activities with a roll that the member attended; None when there was none."""
    held = (evidence or {}).get("held") or 0
    return round(100 * (evidence.get("present") or 0) / held) if held else None


def propose(evidence, values, grades):
    """The grade the rules propose. `values`: rules.current(); `grades`: the active member grades (any order)."""
    if not grades:
        return None
    lowest = catalogue.lowest(grades)
    evidence = evidence or {}
    if evidence.get("verdict") == "paper":
        return lowest
    share, dues = attendance_share(evidence), evidence.get("dues") or 0
    for grade in sorted(grades, key=lambda g: (g.rank, g.id)):
        if grade is lowest:
            break
        if grade.code not in THRESHOLDS or (grade.code == "excellent" and evidence.get("verdict") != "real"):
            continue
        if share is not None and share >= values[f"member.{grade.code}.attendance"] \
                and dues >= values[f"member.{grade.code}.dues"]:
            return grade
    return lowest


def top_grade(grades):
    """The best of the active grades: the only one that may carry the outstanding mark (đoàn viên ưu tú)."""
    return min(grades, key=lambda g: (g.rank, g.id)) if grades else None


def grade_problem(member_grade, grade, reason, outstanding, grades):
    """(field, message) for the first thing wrong with a member's grade as decided, or None. `grades`: the active
    member grades; `reason` already stripped."""
    if grade is None or grade.kind != "member" or not grade.active:
        return "grade", _("Chọn một xếp loại đang dùng.")
    if grade.id != member_grade.proposed_grade_id and not reason:
        return "reason", _("Xếp loại khác với đề xuất: ghi lý do.")
    if reason and len(reason) > REASON_MAX:
        return "reason", _("Tối đa %(n)s ký tự.", n=REASON_MAX)
    top = top_grade(grades)
    if outstanding and (top is None or grade.id != top.id):
        return "outstanding", _("Chỉ đoàn viên xếp loại “%(g)s” mới được chọn là đoàn viên ưu tú.",
                                g=top.name if top else "—")
    return None


def proposer():
    """(rules' values, active member grades) read once: two statements."""
    return rules.current(), catalogue.grades("member")


# ---- loaders ---------------------------------------------------------------------------------------------------------
def get_evaluation_for(user, evaluation_id):
    """Load (with its branch), then authorise reading: 404 when missing, 403 outside the user's units."""
    evaluation = db.session.get(MemberEvaluation, evaluation_id, options=[joinedload(MemberEvaluation.unit)])
    if evaluation is None:
        abort(404)
    authorize(perm.can_view(user, evaluation.unit))
    return evaluation


def get_member_grade_for(user, member_grade_id):
    mg = db.session.get(MemberGrade, member_grade_id, options=[
        joinedload(MemberGrade.evaluation).joinedload(MemberEvaluation.unit), joinedload(MemberGrade.person)])
    if mg is None:
        abort(404)
    authorize(perm.can_view(user, mg.evaluation.unit))
    return mg


def evaluation_of(unit, year):
    return db.session.scalar(select(MemberEvaluation).where(MemberEvaluation.unit_id == unit.id,
                                                            MemberEvaluation.year == year))


# ---- a branch's page -------------------------------------------------------------------------------------------------
def branch_rows(evaluation):
    """[(MemberGrade, Person)] of the evaluation by name: one statement."""
    return db.session.execute(
        select(MemberGrade, Person).join(Person, Person.id == MemberGrade.person_id)
        .where(MemberGrade.evaluation_id == evaluation.id).order_by(Person.name_key, Person.id)).all()


def all_grades(kind="member"):
    """Every grade of a kind, retired ones too (grades given keep theirs), best first: one statement."""
    return db.session.scalars(select(Grade).where(Grade.kind == kind).order_by(Grade.rank, Grade.id)).all()


def tally(rows):
    """{"total", "decided", "changed", "outstanding", "by_grade": {grade id: n}} of a branch's rows (in Python: the
    rows are on the page already)."""
    out = {"total": len(rows), "decided": 0, "changed": 0, "outstanding": 0, "by_grade": {}}
    for mg, _p in rows:
        if mg.grade_id is not None:
            out["decided"] += 1
            out["changed"] += mg.grade_id != mg.proposed_grade_id
            out["by_grade"][mg.grade_id] = out["by_grade"].get(mg.grade_id, 0) + 1
        out["outstanding"] += bool(mg.outstanding)
    return out


def not_on_roll(branch, rows):
    """The ids of the rows' people who are no longer Union members on the branch's roll (left, moved, matured)."""
    return {p.id for _mg, p in rows if p.status not in ON_ROLL or p.member_type != "union" or p.unit_id != branch.id}


def newcomers(branch, evaluation):
    """How many Union members on the branch's roll the evaluation does not have yet (came since it started)."""
    listed = select(MemberGrade.id).where(MemberGrade.evaluation_id == evaluation.id,
                                          MemberGrade.person_id == Person.id).exists()
    return db.session.scalar(select(func.count(Person.id)).where(
        Person.unit_id == branch.id, Person.member_type == "union", Person.status.in_(ON_ROLL), ~listed))


def abbrev(name):
    """A grade's usual short form: the initials of its words ("Hoàn thành tốt nhiệm vụ" → "HTTNV")."""
    return "".join(w[0] for w in (name or "").split() if w).upper()


# ---- a commune's (or any unit's above) page ---------------------------------------------------------------------------
# The branches whose members are evaluated: open Union branches (a Federation branch, chi hội, has no Union members
# to grade; one that has some may still be opened by its link).


def branches_stmt(unit, year, status=None):
    """The active branches under `unit` with their evaluation of the year (None: not started), by name."""
    stmt = (select(Unit, MemberEvaluation)
            .outerjoin(MemberEvaluation, and_(MemberEvaluation.unit_id == Unit.id, MemberEvaluation.year == year))
            .where(subtree(Unit.path, unit.path), *GRADED))
    if status == "none":
        stmt = stmt.where(MemberEvaluation.id.is_(None))
    elif status in BRANCH_STATUSES:
        stmt = stmt.where(MemberEvaluation.status == status)
    return stmt.order_by(Unit.name, Unit.id)


def branch_list(unit, year, status=None):
    """The page of branches (two statements) and, for the evaluations on it, {evaluation id: {grade id: n}} and
    {evaluation id: (members, decided)} (one GROUP BY)."""
    page = paginate(branches_stmt(unit, year, status), rows=True)
    ids = [ev.id for _u, ev in page.items if ev is not None]
    counts, sizes = {}, {}
    if ids:
        for ev_id, grade_id, n in db.session.execute(
                select(MemberGrade.evaluation_id, MemberGrade.grade_id, func.count(MemberGrade.id))
                .where(MemberGrade.evaluation_id.in_(ids)).group_by(MemberGrade.evaluation_id, MemberGrade.grade_id)):
            total, decided = sizes.get(ev_id, (0, 0))
            sizes[ev_id] = (total + n, decided + (n if grade_id is not None else 0))
            if grade_id is not None:
                counts.setdefault(ev_id, {})[grade_id] = n
    return page, counts, sizes


def subtree_totals(unit, year):
    """The unit's year over its subtree: {status: branches} (with "none" and "all") and {grade id: members} of the
    approved evaluations, with "members" (all rows) and "outstanding" — three statements."""
    sub = subtree(Unit.path, unit.path)
    statuses = {status or "none": n for status, n in db.session.execute(
        select(MemberEvaluation.status, func.count(Unit.id)).select_from(Unit)
        .outerjoin(MemberEvaluation, and_(MemberEvaluation.unit_id == Unit.id, MemberEvaluation.year == year))
        .where(sub, *GRADED).group_by(MemberEvaluation.status))}
    statuses["all"] = sum(statuses.values())
    in_year = and_(subtree(MemberEvaluation.unit_path, unit.path), MemberEvaluation.year == year)
    grades = dict(db.session.execute(
        select(MemberGrade.grade_id, func.count(MemberGrade.id)).join(MemberEvaluation)
        .where(in_year, MemberEvaluation.status == "approved", MemberGrade.grade_id.isnot(None))
        .group_by(MemberGrade.grade_id)).all())
    members, outstanding = db.session.execute(
        select(func.count(MemberGrade.id), func.coalesce(func.sum(case((MemberGrade.outstanding.is_(True), 1), else_=0)), 0))
        .join(MemberEvaluation).where(in_year, MemberEvaluation.status == "approved")).one()
    return {"statuses": statuses, "grades": grades, "members": members, "outstanding": int(outstanding or 0)}


QUEUE_LIMIT = 30


def approval_queue(unit, year):
    """The submitted evaluations under `unit` (oldest first, at most QUEUE_LIMIT) with their branch: one statement."""
    return db.session.execute(
        select(MemberEvaluation, Unit).join(Unit, Unit.id == MemberEvaluation.unit_id)
        .where(subtree(MemberEvaluation.unit_path, unit.path), MemberEvaluation.unit_id != unit.id,
               MemberEvaluation.year == year, MemberEvaluation.status == "submitted")
        .order_by(MemberEvaluation.submitted_at, MemberEvaluation.id).limit(QUEUE_LIMIT)).all()


def person_grades(person):
    """The person's grades by year, newest first, with the evaluation's status and its branch: one statement."""
    decided, proposed = aliased(Grade, name="decided"), aliased(Grade, name="proposed")
    return db.session.execute(
        select(MemberGrade, MemberEvaluation, Unit, decided.name, proposed.name)
        .join(MemberEvaluation, MemberEvaluation.id == MemberGrade.evaluation_id)
        .join(Unit, Unit.id == MemberEvaluation.unit_id)
        .outerjoin(decided, decided.id == MemberGrade.grade_id)
        .join(proposed, proposed.id == MemberGrade.proposed_grade_id)
        .where(MemberGrade.person_id == person.id)
        .order_by(MemberEvaluation.year.desc(), MemberEvaluation.id.desc()).limit(20)).all()
