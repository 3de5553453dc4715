"""Consolidation plans' writes: the plan (made once per unit and year, edited, adopted), its weak units (added once,
causes edited, withdrawn but kept) and their measures — each one a follow-up action of the inspections domain
(app.inspections.services.add_followup, origin "consolidation", verified by the plan's unit) linked here, both
written inside one savepoint with the form's token so a double-tapped submit makes one measure."""
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...audit.services import record, snapshot
from ...errors import check_version
from ...extensions import db
from ...inspections import services as inspections
from ...locks import lock_rows
from ...text import nfc
from ...units.models import Unit, utcnow
from ..models import WEAK_FLAGS, ConsolidationEntry, ConsolidationMeasure, ConsolidationPlan
from ..queries import plans as q

PLAN_FIELDS = ("title", "doc_number", "status")
ENTRY_FIELDS = ("unit_id", "causes", "cause_note", "withdrawn_at")
MEASURE_FIELDS = ("entry_id", "action_id", "responsible")


def _by(by=None):
    if by is not None:
        return by
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _clean(text):
    return nfc((text or "").strip()) or None


def _causes(codes):
    return [c for c in WEAK_FLAGS if c in set(codes or ())]


# ---- the plan ---------------------------------------------------------------------------------------------------------
def create_plan(*, unit, year, title, doc_number=None, by=None):
    """The unit's plan for the year, made once: a second call (a twin tap, a colleague at once) answers with the first.
    → (plan, created)."""
    by = _by(by)
    lock_rows(Unit.id, [unit.id])  # a twin tap waits here, then finds the plan
    existing = q.own_plan(unit, year)
    if existing is not None:
        return existing, False
    plan = ConsolidationPlan(unit_id=unit.id, unit_path=unit.path, year=year, title=_clean(title),
                             doc_number=_clean(doc_number), status="draft", created_by_id=by.id if by else None)
    try:
        with db.session.begin_nested():
            db.session.add(plan)
            db.session.flush()
    except IntegrityError:
        existing = q.own_plan(unit, year)
        if existing is None:
            raise
        return existing, False
    record(action="consolidation_plan.create", obj=plan, unit=unit, user=by, after=snapshot(plan, PLAN_FIELDS),
           summary=f"{plan.title} ({year})")
    return plan, True


def update_plan(*, plan, expected_version, title, doc_number, by=None):
    title, doc_number = _clean(title), _clean(doc_number)
    if check_version(plan, expected_version, wanted={"title": title, "doc_number": doc_number}):
        return plan
    before = snapshot(plan, PLAN_FIELDS)
    plan.title, plan.doc_number = title, doc_number
    db.session.flush()
    record(action="consolidation_plan.update", obj=plan, unit=plan.unit, user=_by(by), before=before,
           after=snapshot(plan, PLAN_FIELDS), summary=plan.title)
    return plan


def adopt_plan(*, plan, expected_version=None, by=None):
    """Draft → adopted (ban hành). Adopting an adopted plan changes nothing (the same tap sent twice)."""
    if plan.status == "adopted":
        return plan
    check_version(plan, expected_version)
    if plan.status == "adopted":
        return plan
    before = snapshot(plan, PLAN_FIELDS)
    plan.status = "adopted"
    db.session.flush()
    record(action="consolidation_plan.adopt", obj=plan, unit=plan.unit, user=_by(by), before=before,
           after=snapshot(plan, PLAN_FIELDS), summary=plan.title)
    return plan


# ---- its weak units -----------------------------------------------------------------------------------------------
def _entry_of(plan, unit):
    return db.session.scalar(select(ConsolidationEntry).where(ConsolidationEntry.plan_id == plan.id,
                                                              ConsolidationEntry.unit_id == unit.id))


def add_entry(*, plan, unit, causes, cause_note=None, by=None):
    """A weak unit on the plan, once (by unit): sent again it answers with the entry there; a withdrawn one comes back
    with the causes given. → (entry, created)."""
    by = _by(by)
    causes, cause_note = _causes(causes), _clean(cause_note)
    lock_rows(ConsolidationPlan.id, [plan.id])
    entry = _entry_of(plan, unit)
    if entry is None:
        entry = ConsolidationEntry(plan_id=plan.id, unit_id=unit.id, unit_path=unit.path, causes=causes,
                                   cause_note=cause_note)
        try:
            with db.session.begin_nested():
                db.session.add(entry)
                db.session.flush()
        except IntegrityError:
            entry = _entry_of(plan, unit)
            if entry is None:
                raise
            return entry, False
        record(action="consolidation_entry.create", obj=entry, unit=unit, user=by, after=snapshot(entry, ENTRY_FIELDS),
               summary=f"{plan.title}: {unit.name}")
        return entry, True
    if entry.withdrawn_at is None:
        return entry, False
    before = snapshot(entry, ENTRY_FIELDS)
    entry.withdrawn_at, entry.causes, entry.cause_note = None, causes, cause_note
    db.session.flush()
    record(action="consolidation_entry.restore", obj=entry, unit=unit, user=by, before=before,
           after=snapshot(entry, ENTRY_FIELDS), summary=f"{plan.title}: {unit.name}")
    return entry, True


def update_causes(*, entry, expected_version, causes, cause_note, by=None):
    causes, cause_note = _causes(causes), _clean(cause_note)
    if check_version(entry, expected_version, wanted={"causes": causes, "cause_note": cause_note}):
        return entry
    before = snapshot(entry, ENTRY_FIELDS)
    entry.causes, entry.cause_note = causes, cause_note
    db.session.flush()
    record(action="consolidation_entry.update", obj=entry, unit=entry.unit, user=_by(by), before=before,
           after=snapshot(entry, ENTRY_FIELDS), summary=entry.unit.name)
    return entry


def withdraw_entry(*, entry, expected_version=None, by=None):
    """Off the plan, kept (its measures stay with their actions)."""
    if entry.withdrawn_at is not None:
        return entry
    check_version(entry, expected_version)
    before = snapshot(entry, ENTRY_FIELDS)
    entry.withdrawn_at = utcnow()
    db.session.flush()
    record(action="consolidation_entry.withdraw", obj=entry, unit=entry.unit, user=_by(by), before=before,
           after=snapshot(entry, ENTRY_FIELDS), summary=entry.unit.name)
    return entry


# ---- measures ---------------------------------------------------------------------------------------------------------
def finding_of(entry):
    """What the follow-up action says is wrong: the unit and the causes on the plan."""
    causes = [str(WEAK_FLAGS[c]) for c in entry.causes or () if c in WEAK_FLAGS]
    if entry.cause_note:
        causes.append(entry.cause_note)
    text = f"{entry.unit.name} — {entry.plan.title}"
    return (text + (": " + "; ".join(causes) if causes else ""))[:2000]


def add_measure(*, entry, owner_unit, remedy, responsible, due_on, form_token=None, by=None):
    """A measure: the follow-up action (owned by `owner_unit`, verified by the plan's unit) and its link, in one
    savepoint. The same form sent twice (same token) makes one. → (measure, created)."""
    by = _by(by)
    lock_rows(ConsolidationEntry.id, [entry.id])  # a twin submit waits here, then finds the measure
    done = q.find_measure(form_token)
    if done is not None:
        return done, False
    try:
        with db.session.begin_nested():
            action = inspections.add_followup(origin="consolidation", owner_unit=owner_unit,
                                              verifier_unit=entry.plan.unit, finding=finding_of(entry),
                                              remedy=_clean(remedy), due_on=due_on, by=by)
            measure = ConsolidationMeasure(entry_id=entry.id, action_id=action.id, responsible=_clean(responsible),
                                           form_token=form_token or None)
            db.session.add(measure)
            db.session.flush()
    except IntegrityError:  # the twin of this submit committed its measure a moment ago
        done = q.find_measure(form_token)
        if done is None:
            raise
        return done, False
    record(action="consolidation_measure.create", obj=measure, unit=entry.unit, user=by,
           after=snapshot(measure, MEASURE_FIELDS), summary=f"{entry.unit.name}: {action.remedy[:150]}")
    return measure, True
