"""The writes of the members' evaluation. Keyword-only; they flush, the route commits once; each records one audit entry
(the outstanding members' Party steps record their own, app.targets.party).

The flow per branch and year: start (the evaluation and one proposed grade per member) → accept the proposals of
everyone undecided, change some with a reason → submit → the level above approves (locked; the outstanding members go
to the Party pipeline) or returns it with a reason (the branch edits and submits again).

Every step answers a resend as the first time: a second start adds only the people who came onto the roll since (two at
once: the unique keys and INSERT … ON CONFLICT DO NOTHING); a second accept finds nobody undecided; a second submit,
approve or return finds it done (check_version with what it would write). Locks: the evaluation's row, then its
grades' rows."""
from datetime import date

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, func, select, update

from ...audit.services import record, snapshot
from ...dates import utcnow
from ...errors import check_version
from ...extensions import db
from ...locks import dialect_insert, lock_rows
from ...members.models import Person
from ...targets import party
from ...text import nfc
from ..models import MemberEvaluation, MemberGrade
from ..queries import evaluation as q

EVALUATION_FIELDS = ("status", "return_reason")


class EvaluationError(Exception):
    """A step the rules refuse now (the evaluation moved on meanwhile …): `field` is where the message goes."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message, self.field = message, field


def _by():
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _clean(text):
    return (nfc(text.strip()) or None) if isinstance(text, str) else text


def _summary(evaluation, tail=""):
    return f"{evaluation.unit.name} — {evaluation.year}{tail}"


def _editable(evaluation):
    if evaluation.status not in q.EDITABLE:
        raise EvaluationError(_("Đánh giá năm %(y)s của chi đoàn đang ở bước “%(s)s”: không sửa được nữa.",
                                y=evaluation.year, s=evaluation.status_label))


# ---- start -----------------------------------------------------------------------------------------------------------
def start(*, unit, year):
    """The branch's evaluation of the year (made now, or the one there is) with one grade per Union member on its roll
    who has none yet: the evidence from the records and the proposed grade. Returns (evaluation, people added)."""
    evidence = q.branch_evidence(unit, year)
    if not evidence and q.evaluation_of(unit, year) is None:
        raise EvaluationError(_("Chi đoàn chưa có đoàn viên nào trong sổ: chưa có gì để đánh giá."))
    by = _by()
    made = db.session.execute(
        dialect_insert(MemberEvaluation).values(unit_id=unit.id, unit_path=unit.path, year=year, status="draft",
                                                created_by_id=by.id if by else None, created_at=utcnow(), version=1)
        .on_conflict_do_nothing(index_elements=["unit_id", "year"])).rowcount == 1
    evaluation = q.evaluation_of(unit, year)
    lock_rows(MemberEvaluation.id, [evaluation.id])  # a twin start waits here, then adds nobody
    db.session.refresh(evaluation)
    _editable(evaluation)
    values, grades = q.proposer()
    if not grades:
        raise EvaluationError(_("Danh mục chưa có xếp loại nào cho đoàn viên: đề nghị Tỉnh đoàn bổ sung."))
    have = set(db.session.scalars(select(MemberGrade.person_id).where(MemberGrade.evaluation_id == evaluation.id)))
    rows = [{"evaluation_id": evaluation.id, "person_id": pid, "evidence": ev, "outstanding": False, "version": 1,
             "proposed_grade_id": q.propose(ev, values, grades).id}
            for pid, ev in sorted(evidence.items()) if pid not in have]
    added = 0
    for i in range(0, len(rows), 500):
        added += db.session.execute(dialect_insert(MemberGrade).values(rows[i:i + 500])
                                    .on_conflict_do_nothing(index_elements=["evaluation_id", "person_id"])).rowcount
    if made or added:
        record(action="year.members_start", obj=evaluation, unit=unit, after={"status": "draft", "added": added},
               summary=_summary(evaluation))
    return evaluation, added


# ---- the branch decides ----------------------------------------------------------------------------------------------
def accept_all(*, evaluation):
    """Every undecided member gets the grade proposed, in one step. Returns how many."""
    lock_rows(MemberEvaluation.id, [evaluation.id])
    db.session.refresh(evaluation)
    _editable(evaluation)
    ids = db.session.scalars(select(MemberGrade.person_id).where(MemberGrade.evaluation_id == evaluation.id,
                                                                 MemberGrade.grade_id.is_(None))
                             .order_by(MemberGrade.person_id)).all()
    if not ids:
        return 0
    by = _by()
    db.session.execute(
        update(MemberGrade).where(MemberGrade.evaluation_id == evaluation.id, MemberGrade.grade_id.is_(None))
        .values(grade_id=MemberGrade.proposed_grade_id, decided_by_id=by.id if by else None, decided_at=utcnow(),
                version=MemberGrade.version + 1)
        .execution_options(synchronize_session=False))
    record(action="year.members_accept", obj=evaluation, unit=evaluation.unit, after={"accepted": len(ids),
                                                                                      "person_ids": list(ids)},
           summary=_summary(evaluation, f": {len(ids)}"))
    return len(ids)


def _grade_snapshot(mg, names):
    return {"grade": names.get(mg.grade_id), "reason": mg.reason, "outstanding": bool(mg.outstanding)}


def set_grade(*, member_grade, expected_version, grade, reason, outstanding):
    """One member's grade decided (or changed): a reason when it differs from the proposal, the outstanding mark only
    with the top grade. A stale form (someone changed it since) is a conflict unless it asks for what is stored."""
    evaluation = member_grade.evaluation
    lock_rows(MemberEvaluation.id, [evaluation.id])
    db.session.refresh(evaluation)
    _editable(evaluation)
    reason, outstanding = _clean(reason), bool(outstanding)
    if check_version(member_grade, expected_version, {"grade_id": grade.id if grade else None, "reason": reason,
                                                      "outstanding": outstanding}):
        return member_grade
    grades = q.all_grades()
    problem = q.grade_problem(member_grade, grade, reason, outstanding, [g for g in grades if g.active])
    if problem:
        raise EvaluationError(problem[1], problem[0])
    names = {g.id: g.name for g in grades}
    before = _grade_snapshot(member_grade, names)
    by = _by()
    member_grade.grade_id, member_grade.reason, member_grade.outstanding = grade.id, reason, outstanding
    member_grade.decided_by_id, member_grade.decided_at = (by.id if by else None), utcnow()
    db.session.flush()
    after = _grade_snapshot(member_grade, names)
    if after != before:
        record(action="year.member_grade", obj=member_grade, unit=evaluation.unit, before=before, after=after,
               summary=f"{member_grade.person.full_name} — {evaluation.year}")
    return member_grade


def submit(*, evaluation, expected_version):
    """Every member decided → sent to the level above."""
    if check_version(evaluation, expected_version, {"status": "submitted"}):
        return evaluation
    _editable(evaluation)
    total, undecided = db.session.execute(
        select(func.count(MemberGrade.id), func.count(case((MemberGrade.grade_id.is_(None), 1))))
        .where(MemberGrade.evaluation_id == evaluation.id)).one()
    if not total:
        raise EvaluationError(_("Chưa có đoàn viên nào trong đánh giá."))
    if undecided:
        raise EvaluationError(_("Còn %(n)s đoàn viên chưa xếp loại: chấp nhận đề xuất hoặc chọn xếp loại cho họ.",
                                n=undecided))
    before = snapshot(evaluation, EVALUATION_FIELDS)
    by = _by()
    evaluation.status, evaluation.submitted_by_id, evaluation.submitted_at = "submitted", by.id if by else None, utcnow()
    db.session.flush()
    record(action="year.members_submit", obj=evaluation, unit=evaluation.unit, before=before,
           after=snapshot(evaluation, EVALUATION_FIELDS), summary=_summary(evaluation))
    return evaluation


# ---- the level above -------------------------------------------------------------------------------------------------
def approve(*, evaluation, expected_version, today=None):
    """Approved, and locked. The outstanding members are recorded as the year's "outstanding" step of the Party
    pipeline (once: a step already there is left as it is). Returns (evaluation, [people recorded])."""
    if check_version(evaluation, expected_version, {"status": "approved"}):
        return evaluation, []
    if evaluation.status != "submitted":
        raise EvaluationError(_("Chỉ duyệt được đánh giá đã gửi lên."))
    before = snapshot(evaluation, EVALUATION_FIELDS)
    by = _by()
    evaluation.status, evaluation.approved_by_id, evaluation.approved_at = "approved", by.id if by else None, utcnow()
    db.session.flush()
    record(action="year.members_approve", obj=evaluation, unit=evaluation.unit, before=before,
           after=snapshot(evaluation, EVALUATION_FIELDS), summary=_summary(evaluation))
    return evaluation, _to_the_party(evaluation, today or date.today())


def _to_the_party(evaluation, today):
    """The outstanding members into the Party pipeline (app.targets.party.record_step checks each: a member on a roll,
    once a year, dated today for this year or last)."""
    if evaluation.year not in (today.year, today.year - 1):
        return []
    people = db.session.scalars(
        select(Person).join(MemberGrade, MemberGrade.person_id == Person.id)
        .where(MemberGrade.evaluation_id == evaluation.id, MemberGrade.outstanding.is_(True)).order_by(Person.id)).all()
    commune = evaluation.unit.parent
    decided_by = f"BCH {(commune or evaluation.unit).name}"
    recorded = []
    for person in people:
        try:
            party.record_step(person=person, kind="outstanding", on=today, year=evaluation.year, decided_by=decided_by,
                              note=f"Xếp loại đoàn viên năm {evaluation.year}")  # data, in the record's language
        except party.StepError:  # already recognised that year, or no longer a member on a roll: nothing to add
            continue
        recorded.append(person)
    return recorded


def return_evaluation(*, evaluation, expected_version, reason):
    """Sent back to the branch with a reason: it edits and submits again."""
    reason = _clean(reason)
    if check_version(evaluation, expected_version, {"status": "returned", "return_reason": reason}):
        return evaluation
    if evaluation.status != "submitted":
        raise EvaluationError(_("Chỉ trả lại được đánh giá đã gửi lên."))
    if not reason:
        raise EvaluationError(_("Trả lại cần ghi lý do để chi đoàn sửa."), "reason")
    before = snapshot(evaluation, EVALUATION_FIELDS)
    evaluation.status, evaluation.return_reason = "returned", reason
    db.session.flush()
    record(action="year.members_return", obj=evaluation, unit=evaluation.unit, before=before,
           after=snapshot(evaluation, EVALUATION_FIELDS), summary=_summary(evaluation))
    return evaluation
