"""The reads the year's page needs, and the loaders every part of the year shares."""
from datetime import date

from flask import abort
from sqlalchemy import case, func, or_, select

from ...access import authorize
from ...extensions import db
from ...units.models import Unit
from ...web import year_arg
from .. import permissions as perm
from ..models import ConsolidationEntry, ConsolidationPlan, MemberEvaluation, UnitGrade, YearReport

# The Union's own units (a Federation branch, chi hội, is graded by the Federation, not here)
UNION_UNITS = or_(Unit.org_type.is_(None), Unit.org_type != "federation")
# The branches whose members the Union grades: open Union branches.
GRADED = (Unit.level == "branch", Unit.status == "active", UNION_UNITS)


def default_year(today=None):
    """The year being closed: this year from June, last year before (a report on the year is written in December
    and January)."""
    today = today or date.today()
    return today.year if today.month >= 6 else today.year - 1


def year_from_args():
    """?year=, the year being closed by default. A year not yet begun has nothing to grade or report: 404."""
    year = year_arg(default_year())
    if year > date.today().year:
        abort(404)
    return year


def this_year():
    """The last year the pages offer (their "next year ›" link stops there)."""
    return date.today().year


def get_unit_for(user, unit_id, check=perm.can_view):
    """Load, then authorise: 404 when missing, 403 when `check(user, unit)` says no."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    authorize(check(user, unit))
    return unit


def hub(unit, year):
    """Where each part of the unit's year stands — six statements at most whatever the subtree's size."""
    sub = Unit.path.like(unit.path + "%")
    branches = db.session.execute(
        select(func.count(Unit.id),
               func.count(MemberEvaluation.id),
               func.count(case((MemberEvaluation.status == "submitted", 1))),
               func.count(case((MemberEvaluation.status == "approved", 1))))
        .select_from(Unit)
        .outerjoin(MemberEvaluation, (MemberEvaluation.unit_id == Unit.id) & (MemberEvaluation.year == year))
        .where(sub, *GRADED)).one()
    children = db.session.execute(
        select(func.count(Unit.id), func.count(UnitGrade.grade_id))
        .select_from(Unit).outerjoin(UnitGrade, (UnitGrade.unit_id == Unit.id) & (UnitGrade.year == year))
        .where(Unit.parent_id == unit.id, Unit.status == "active")).one()
    weak = db.session.scalar(select(func.count(UnitGrade.id)).where(
        UnitGrade.unit_path.like(unit.path + "%"), UnitGrade.unit_id != unit.id, UnitGrade.year == year,
        UnitGrade.weak.is_(True)))
    plan = db.session.execute(
        select(ConsolidationPlan, func.count(ConsolidationEntry.id))
        .outerjoin(ConsolidationEntry, (ConsolidationEntry.plan_id == ConsolidationPlan.id)
                   & ConsolidationEntry.withdrawn_at.is_(None))
        .where(ConsolidationPlan.unit_id == unit.id, ConsolidationPlan.year == year)
        .group_by(ConsolidationPlan.id)).first()
    own = db.session.scalar(select(MemberEvaluation.status).where(
        MemberEvaluation.unit_id == unit.id, MemberEvaluation.year == year)) if unit.level == "branch" else None
    report = db.session.scalar(select(YearReport).where(YearReport.unit_id == unit.id, YearReport.year == year))
    return {
        "branches": branches[0], "evaluations": branches[1], "submitted": branches[2], "approved": branches[3],
        "children": children[0], "graded": children[1], "weak": weak,
        "plan": plan[0] if plan else None, "plan_entries": plan[1] if plan else 0,
        "report": report, "evaluation_status": own,
    }


def issuer_lines(unit, department=None):
    """The issuing body's lines of an official document, top first (templates/year/pdf/_official.html): the unit's
    committee under its parent's, or under the unit's own when a department issues it (the province's report comes
    from its Ban Tổ chức – Kiểm tra)."""
    def committee(u):
        return f"BCH {u.name}".upper()
    if department:
        return [committee(unit), department.upper()]
    parent = unit.parent
    return [committee(parent), committee(unit)] if parent is not None else [committee(unit)]
