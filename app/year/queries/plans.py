"""The reads of the consolidation plans: loaders with the right, a plan's page (its weak units, their causes, the
measures with the status of the follow-up action behind each, and each unit's result from the next year's grading),
the plans below a unit and the subtree's overdue measures."""
from datetime import date

from flask import abort
from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import joinedload, selectinload

from ...access import authorize, has_role, subtree
from ...extensions import db
from ...inspections.models import CorrectiveAction
from ...units.models import Unit
from .. import permissions as perm
from ..models import ConsolidationEntry, ConsolidationMeasure, ConsolidationPlan, UnitGrade

OVERDUE_SHOWN = 10


def can_view_plan(user, plan):
    """Who reads a plan: anyone with a role on the unit that makes it (or above), or on one of the units on it."""
    return perm.can_view(user, plan.unit) or any(has_role(user, e.unit) for e in plan.entries)


def _plan_options():
    return (joinedload(ConsolidationPlan.unit),
            selectinload(ConsolidationPlan.entries).joinedload(ConsolidationEntry.unit),
            selectinload(ConsolidationPlan.entries).selectinload(ConsolidationEntry.measures)
            .joinedload(ConsolidationMeasure.action).joinedload(CorrectiveAction.owner_unit))


def get_plan_for(user, plan_id, write=False):
    """Load, then authorise: 404 when missing; 403 unless the user reads it (or, `write`, may make it)."""
    plan = db.session.scalar(select(ConsolidationPlan).where(ConsolidationPlan.id == plan_id).options(*_plan_options()))
    if plan is None:
        abort(404)
    authorize(perm.can_plan(user, plan.unit) if write else can_view_plan(user, plan))
    return plan


def get_entry_for(user, entry_id, write=False):
    entry = db.session.get(ConsolidationEntry, entry_id)
    if entry is None:
        abort(404)
    get_plan_for(user, entry.plan_id, write)
    return entry


def own_plan(unit, year):
    return db.session.scalar(select(ConsolidationPlan).where(ConsolidationPlan.unit_id == unit.id,
                                                             ConsolidationPlan.year == year))


def _overdue(today):
    return and_(CorrectiveAction.status == "open", CorrectiveAction.due_on < today)


def plans_below_stmt(unit, year, today=None):
    """The plans of the year made below the unit: rows (plan, its unit's name, units on it, overdue measures)."""
    today = today or date.today()
    entries = (select(func.count(ConsolidationEntry.id)).where(ConsolidationEntry.plan_id == ConsolidationPlan.id,
                                                                ConsolidationEntry.withdrawn_at.is_(None))
               .correlate(ConsolidationPlan).scalar_subquery())
    overdue = (select(func.count(ConsolidationMeasure.id))
               .join(ConsolidationEntry, ConsolidationEntry.id == ConsolidationMeasure.entry_id)
               .join(CorrectiveAction, CorrectiveAction.id == ConsolidationMeasure.action_id)
               .where(ConsolidationEntry.plan_id == ConsolidationPlan.id, _overdue(today))
               .correlate(ConsolidationPlan).scalar_subquery())
    return (select(ConsolidationPlan, Unit.name, entries.label("entries"), overdue.label("overdue"))
            .join(Unit, Unit.id == ConsolidationPlan.unit_id)
            .where(subtree(ConsolidationPlan.unit_path, unit.path), ConsolidationPlan.unit_id != unit.id,
                   ConsolidationPlan.year == year)
            .order_by(ConsolidationPlan.unit_path))


def overdue_measures(unit, today=None, limit=OVERDUE_SHOWN):
    """The subtree's overdue consolidation measures (the first `limit`, soonest due first) and how many — two
    statements."""
    today = today or date.today()
    cond = and_(CorrectiveAction.origin == "consolidation", subtree(CorrectiveAction.owner_unit_path, unit.path),
                _overdue(today))
    rows = db.session.scalars(select(CorrectiveAction).where(cond).options(joinedload(CorrectiveAction.owner_unit))
                              .order_by(CorrectiveAction.due_on, CorrectiveAction.id).limit(limit)).all()
    total = db.session.scalar(select(func.count(CorrectiveAction.id)).where(cond))
    return rows, total


def grades_by_unit(unit_ids, year):
    """{unit id: UnitGrade} of the year — one statement."""
    if not unit_ids:
        return {}
    return {g.unit_id: g for g in db.session.scalars(
        select(UnitGrade).where(UnitGrade.unit_id.in_(sorted(set(unit_ids))), UnitGrade.year == year))}


def result_of(next_grade):
    """A weak unit's result from the next year's grading: improved / still weak, pending until decided."""
    if next_grade is None or next_grade.grade_id is None:
        return "pending"
    return "still_weak" if next_grade.weak else "improved"


def result_sql(next_grade):
    """result_of as SQL over an outer-joined next year's UnitGrade (the report counts the results in one GROUP BY)."""
    return case((and_(next_grade.grade_id.isnot(None), next_grade.weak.is_(True)), literal("still_weak")),
                (next_grade.grade_id.isnot(None), literal("improved")), else_=literal("pending"))


def results(plan):
    """{unit id: RESULTS code} of the plan's units — one statement."""
    nxt = grades_by_unit([e.unit_id for e in plan.entries], plan.year + 1)
    return {e.unit_id: result_of(nxt.get(e.unit_id)) for e in plan.entries}


def candidates(plan, limit=300):
    """The weak units of the plan's year below its unit that are not on it (withdrawn ones may come back):
    [(Unit, UnitGrade)] — one statement."""
    on = {e.unit_id for e in plan.entries if e.withdrawn_at is None}
    rows = db.session.execute(
        select(Unit, UnitGrade).join(UnitGrade, UnitGrade.unit_id == Unit.id)
        .where(subtree(UnitGrade.unit_path, plan.unit_path), UnitGrade.unit_id != plan.unit_id,
               UnitGrade.year == plan.year, UnitGrade.weak.is_(True), Unit.status == "active")
        .order_by(Unit.path).limit(limit)).all()
    return [(u, g) for u, g in rows if u.id not in on]


def owner_choices(entry):
    """Who may own a measure of the entry: the weak unit or one of its open children — one statement."""
    children = db.session.scalars(select(Unit).where(Unit.parent_id == entry.unit_id, Unit.status == "active")
                                  .order_by(Unit.name, Unit.id)).all()
    return [entry.unit, *children]


def measure_state(action):
    """The badge state of a measure: its action's status, "overdue" when open past its deadline."""
    return "overdue" if action.is_overdue else action.status


def find_measure(form_token):
    if not form_token:
        return None
    return db.session.scalar(select(ConsolidationMeasure).where(ConsolidationMeasure.form_token == form_token))
