"""Unit grading's writes: the proposals of a unit's children computed from the records, accepting them all in one
step, one decision (a change from the proposal needs a reason). A decided grade is never touched by a new
proposal; `weak` is set with the decision (the lowest grade, or any flag)."""
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...audit.services import record, snapshot
from ...errors import check_version
from ...extensions import db
from ...locks import lock_rows
from ...text import nfc
from ...units.models import Unit, utcnow
from .. import catalogue, rules
from ..models import UnitGrade
from ..queries import grading as q

GRADE_FIELDS = ("grade_id", "reason", "weak", "flags")


def _by(by=None):
    if by is not None:
        return by
    return current_user if getattr(current_user, "is_authenticated", False) else None


def propose_children(*, parent, year, by=None, today=None):
    """Compute (or refresh) the proposal of every open child of `parent` for `year` that is not decided yet.
    Idempotent: a second call rewrites the same numbers. → (created, refreshed)."""
    lock_rows(Unit.id, [parent.id])  # a colleague's press at the same instant waits, then finds these rows
    children = q.open_children(parent)
    have = q.grades_of([c.id for c in children], year)
    todo = [c for c in children if have.get(c.id) is None or have[c.id].grade_id is None]
    crit = q.criteria(todo, year, today=today)
    grades = catalogue.grades("unit")
    numbers = rules.current()
    created = refreshed = 0
    for child in todo:
        c = crit[child.id]
        flags = q.flags_of(c, numbers)
        proposal = q.propose(c, flags, grades, numbers)
        row = have.get(child.id)
        if row is None:
            row = UnitGrade(unit_id=child.id, unit_path=child.path, year=year, criteria=c, flags=flags,
                            proposed_grade_id=proposal.id)
            try:
                with db.session.begin_nested():  # a twin press of the button may have added it a moment ago
                    db.session.add(row)
                    db.session.flush()
                created += 1
                continue
            except IntegrityError:
                row = db.session.scalar(select(UnitGrade).where(UnitGrade.unit_id == child.id, UnitGrade.year == year))
                if row is None:
                    raise
                if row.grade_id is not None:
                    continue
        if row.criteria != c or row.flags != flags or row.proposed_grade_id != proposal.id:
            row.criteria, row.flags, row.proposed_grade_id = c, flags, proposal.id
            refreshed += 1
    db.session.flush()
    record(action="unit_grade.propose", obj=parent, unit=parent, user=_by(by),
           after={"year": year, "created": created, "refreshed": refreshed}, summary=f"{parent.name} · {year}")
    return created, refreshed


def _decide(row, grade, reason, grades, by):
    row.grade_id = grade.id
    row.reason = reason
    row.flags = q.decided_flags(row.flags, grade, grades)
    row.weak = bool(row.flags)
    row.decided_by_id = by.id if by else None
    row.decided_at = utcnow()


def accept_all(*, parent, year, by=None):
    """Decide every undecided proposal of the parent's open children as proposed. → the rows decided."""
    by = _by(by)
    lock_rows(Unit.id, [parent.id])
    children = q.open_children(parent)
    rows = [g for g in q.grades_of([c.id for c in children], year).values() if g.grade_id is None]
    grades = catalogue.grades("unit")
    by_id = q.unit_grades()
    for row in sorted(rows, key=lambda r: r.id):
        _decide(row, by_id[row.proposed_grade_id], None, grades, by)
    db.session.flush()
    record(action="unit_grade.accept_all", obj=parent, unit=parent, user=by,
           after={"year": year, "accepted": [r.id for r in rows]}, summary=f"{parent.name} · {year}: {len(rows)}")
    return rows


def decide(*, unit_grade, grade, reason=None, expected_version=None, by=None):
    """One unit's grade, by the level above: the reason is required when it differs from the proposal."""
    by = _by(by)
    reason = nfc((reason or "").strip()) or None
    if check_version(unit_grade, expected_version, wanted={"grade_id": grade.id, "reason": reason}):
        return unit_grade  # the same decision sent again
    if grade.id != unit_grade.proposed_grade_id and not reason:
        raise ValueError("a reason is required")
    before = snapshot(unit_grade, GRADE_FIELDS)
    _decide(unit_grade, grade, reason, catalogue.grades("unit"), by)
    db.session.flush()
    record(action="unit_grade.decide", obj=unit_grade, unit=unit_grade.unit, user=by, before=before,
           after=snapshot(unit_grade, GRADE_FIELDS), summary=f"{unit_grade.unit.name} · {unit_grade.year}")
    return unit_grade

