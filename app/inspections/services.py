"""Writes for inspections. Keyword-only; they flush, the route commits once. Every write is audited."""
import json
from datetime import date

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record, snapshot
from ..errors import ConflictError, check_version
from ..extensions import db
from ..locks import dialect_insert, lock_rows
from ..text import nfc
from ..units.models import utcnow
from . import queries
from .builtin import BUILTIN
from .models import (
    CHOICES,
    FAILING,
    ActionEvent,
    Answer,
    ChecklistTemplate,
    CorrectiveAction,
    Inspection,
    Plan,
    PlanMember,
    TemplateItem,
    TemplateSection,
    TemplateVersion,
)
from .scoring import answer_is_complete, scores

PLAN_FIELDS = ("kind", "title", "decision_number", "decision_date", "inspecting_unit_id", "template_version_id",
               "planned_start", "planned_end", "class_id")
INSPECTION_FIELDS = ("status", "inspected_on", "strengths", "shortcomings", "conclusion", "score", "ack_name",
                     "ack_post", "ack_on")
ACTION_FIELDS = ("finding", "remedy", "owner_unit_id", "due_on", "status", "done_note")
ITEM_FIELDS = ("text", "guidance", "answer_type", "weight", "note_required", "retired", "position")


def _by():
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _by_id(by=None):
    by = by or _by()
    return by.id if by else None


# ---- checklist templates --------------------------------------------------------------------------------
def _add_version_content(version, sections):
    for s_pos, (s_title, items) in enumerate(sections, start=1):
        section = TemplateSection(version_id=version.id, position=s_pos, title=s_title)
        db.session.add(section)
        db.session.flush()
        for i_pos, (text, kind, weight, note_required, guidance) in enumerate(items, start=1):
            db.session.add(TemplateItem(version_id=version.id, section_id=section.id, position=i_pos, text=text,
                                        answer_type=kind, weight=weight, note_required=note_required, guidance=guidance))
    db.session.flush()


def create_template(*, owner_unit, title, purpose=None, sections=(), builtin_key=None, by=None):
    template = ChecklistTemplate(owner_unit_id=owner_unit.id, builtin_key=builtin_key, created_by_id=_by_id(by))
    db.session.add(template)
    db.session.flush()
    version = TemplateVersion(template_id=template.id, number=1, title=nfc(title), purpose=nfc(purpose) or None,
                              created_by_id=_by_id(by))
    db.session.add(version)
    db.session.flush()
    _add_version_content(version, sections)
    template.current_version_id = version.id
    db.session.flush()
    record(action="checklist.create", obj=template, unit=owner_unit, after={"title": version.title, "version": 1},
           summary=version.title, user=by)
    return template


def install_builtin_templates(*, owner_unit, by=None):
    """The shipped checklists for a unit that has none yet. Running it twice adds nothing."""
    have = set(db.session.scalars(select(ChecklistTemplate.builtin_key).where(
        ChecklistTemplate.owner_unit_id == owner_unit.id, ChecklistTemplate.builtin_key.is_not(None))))
    made = []
    for key, spec in BUILTIN.items():
        if key in have:
            continue
        made.append(create_template(owner_unit=owner_unit, title=spec["title"], purpose=spec["purpose"],
                                    sections=spec["sections"], builtin_key=key, by=by))
    return made


def _writable_version(template, by=None):
    """The current version if no plan uses it yet; else a copy that becomes current (copy-on-write).
    Returns (version, {old section id: new}, {old item id: new})."""
    current = db.session.get(TemplateVersion, template.current_version_id)
    if current.locked_at is None:
        return current, {}, {}
    new = TemplateVersion(template_id=template.id, number=current.number + 1, title=current.title,
                          purpose=current.purpose, created_by_id=_by_id(by))
    db.session.add(new)
    db.session.flush()
    sec_map, item_map = {}, {}
    old_sections = db.session.scalars(select(TemplateSection).where(TemplateSection.version_id == current.id)
                                      .order_by(TemplateSection.position)).all()
    for s in old_sections:
        ns = TemplateSection(version_id=new.id, position=s.position, title=s.title)
        db.session.add(ns)
        db.session.flush()
        sec_map[s.id] = ns.id
    old_items = db.session.scalars(select(TemplateItem).where(TemplateItem.version_id == current.id,
                                                              TemplateItem.retired.is_(False))).all()
    pairs = []
    for it in old_items:
        ni = TemplateItem(version_id=new.id, section_id=sec_map[it.section_id], position=it.position, text=it.text,
                          guidance=it.guidance, answer_type=it.answer_type, weight=it.weight,
                          note_required=it.note_required)
        db.session.add(ni)
        pairs.append((it.id, ni))
    db.session.flush()
    item_map = {old: ni.id for old, ni in pairs}
    template.current_version_id = new.id
    db.session.flush()
    record(action="checklist.new_version", obj=template, unit=template.owner_unit,
           before={"version": current.number}, after={"version": new.number}, summary=new.title, user=by)
    return new, sec_map, item_map


def template_resent(template, expected_version, **what):
    """A form opened before the checklist's last change: True when the change it asks for is already there (the same
    form sent twice over a flaky network — answer as the first did), else ConflictError. False for a current form.
    `what`: the change, as queries.template_has takes it."""
    try:
        return check_version(template, expected_version)
    except ConflictError:
        if queries.template_has(template, **what):
            return True
        raise


def update_template(*, template, expected_version, title, purpose, by=None):
    check_version(template, expected_version)
    version, _, _ = _writable_version(template, by)
    before = {"title": version.title, "purpose": version.purpose}
    version.title, version.purpose = nfc(title), nfc(purpose) or None
    _touch(template)
    record(action="checklist.update", obj=template, unit=template.owner_unit, before=before,
           after={"title": version.title, "purpose": version.purpose}, summary=version.title, user=by)
    return version


def _touch(template):
    # Bump the family's version so a form opened before this edit is refused, not silently applied.
    template.updated_at = utcnow()
    db.session.flush()


def add_section(*, template, expected_version, title, by=None):
    check_version(template, expected_version)
    version, _, _ = _writable_version(template, by)
    pos = (db.session.scalar(select(func.max(TemplateSection.position)).where(TemplateSection.version_id == version.id)) or 0) + 1
    section = TemplateSection(version_id=version.id, position=pos, title=nfc(title))
    db.session.add(section)
    db.session.flush()
    _touch(template)
    record(action="checklist.add_section", obj=template, unit=template.owner_unit, after={"section": section.title},
           summary=version.title, user=by)
    return section


def rename_section(*, template, expected_version, section, title, by=None):
    check_version(template, expected_version)
    version, sec_map, _ = _writable_version(template, by)
    target = db.session.get(TemplateSection, sec_map.get(section.id, section.id))
    before = {"section": target.title}
    target.title = nfc(title)
    _touch(template)
    record(action="checklist.rename_section", obj=template, unit=template.owner_unit, before=before,
           after={"section": target.title}, summary=version.title, user=by)
    return target


def add_item(*, template, expected_version, section, text, answer_type, weight, note_required, guidance=None, by=None):
    check_version(template, expected_version)
    version, sec_map, _ = _writable_version(template, by)
    section_id = sec_map.get(section.id, section.id)
    pos = (db.session.scalar(select(func.max(TemplateItem.position)).where(TemplateItem.section_id == section_id)) or 0) + 1
    item = TemplateItem(version_id=version.id, section_id=section_id, position=pos, text=nfc(text),
                        guidance=nfc(guidance) or None, answer_type=answer_type,
                        weight=weight if answer_type == "choice" else 0, note_required=bool(note_required))
    db.session.add(item)
    db.session.flush()
    _touch(template)
    record(action="checklist.add_item", obj=template, unit=template.owner_unit, after=snapshot(item, ITEM_FIELDS),
           summary=version.title, user=by)
    return item


def update_item(*, template, expected_version, item, by=None, **changes):
    check_version(template, expected_version)
    version, _, item_map = _writable_version(template, by)
    target = db.session.get(TemplateItem, item_map.get(item.id, item.id))
    before = snapshot(target, ITEM_FIELDS)
    for key, value in changes.items():
        if key in ("text", "guidance"):
            value = nfc(value) or None if key == "guidance" else nfc(value)
        setattr(target, key, value)
    if target.answer_type != "choice":
        target.weight = 0
    _touch(template)
    record(action="checklist.update_item", obj=template, unit=template.owner_unit, before=before,
           after=snapshot(target, ITEM_FIELDS), summary=version.title, user=by)
    return target


def retire_item(*, template, expected_version, item, by=None):
    """Take an item out of the checklist. Kept as a retired row, never deleted."""
    return update_item(template=template, expected_version=expected_version, item=item, retired=True, by=by)


# ---- plans --------------------------------------------------------------------------------------------
def create_plan(*, inspecting_unit, kind, title, decision_number, decision_date, template, units, team, lead,
                planned_start, planned_end, class_id=None, by=None):
    version = db.session.get(TemplateVersion, template.current_version_id)
    plan = Plan(kind=kind, title=nfc(title), decision_number=decision_number.strip(), decision_date=decision_date,
                inspecting_unit_id=inspecting_unit.id, inspecting_unit_path=inspecting_unit.path,
                template_version_id=version.id, planned_start=planned_start, planned_end=planned_end,
                class_id=class_id, created_by_id=_by_id(by))
    db.session.add(plan)
    db.session.flush()
    members = {u.id: u for u in team}
    members[lead.id] = lead
    for uid in sorted(members):
        db.session.add(PlanMember(plan_id=plan.id, user_id=uid, is_lead=(uid == lead.id)))
    for unit in units:
        db.session.add(Inspection(plan_id=plan.id, unit_id=unit.id, unit_path=unit.path, template_version_id=version.id,
                                  planned_on=planned_start, status="planned"))
    if version.locked_at is None:
        version.locked_at = utcnow()  # from now on, edits to this checklist make a new version
    db.session.flush()
    record(action="inspection_plan.create", obj=plan, unit=inspecting_unit, after=snapshot(plan, PLAN_FIELDS),
           summary=f"{plan.decision_number} · {plan.title}", user=by)
    return plan


def update_plan(*, plan, expected_version, kind, title, decision_number, decision_date, planned_start, planned_end,
                team, lead, by=None):
    """Dates, decision and team. The inspected units and the checklist stay as planned."""
    check_version(plan, expected_version)
    before = snapshot(plan, PLAN_FIELDS)
    before["team"] = sorted(m.user_id for m in plan.members)
    before["lead"] = plan.lead.id if plan.lead else None
    plan.kind, plan.title = kind, nfc(title)
    plan.decision_number, plan.decision_date = decision_number.strip(), decision_date
    plan.planned_start, plan.planned_end = planned_start, planned_end
    wanted = {u.id for u in team} | {lead.id}
    rows = {m.user_id: m for m in db.session.scalars(select(PlanMember).where(PlanMember.plan_id == plan.id))}
    now = utcnow()
    for uid, m in rows.items():
        if uid not in wanted and m.removed_at is None:
            m.removed_at = now
        elif uid in wanted:
            m.removed_at = None
        m.is_lead = uid == lead.id
    for uid in sorted(wanted - set(rows)):
        db.session.add(PlanMember(plan_id=plan.id, user_id=uid, is_lead=uid == lead.id))
    for inspection in db.session.scalars(select(Inspection).where(Inspection.plan_id == plan.id,
                                                                  Inspection.status == "planned")):
        inspection.planned_on = planned_start
    db.session.flush()
    db.session.expire(plan, ["members"])
    after = snapshot(plan, PLAN_FIELDS)
    after["team"], after["lead"] = sorted(wanted), lead.id
    record(action="inspection_plan.update", obj=plan, unit=plan.inspecting_unit, before=before, after=after,
           summary=f"{plan.decision_number} · {plan.title}", user=by)
    return plan


# ---- answers ------------------------------------------------------------------------------------------
def _start(inspection, by=None):
    if inspection.status == "planned":
        inspection.status = "in_progress"
        inspection.started_at = utcnow()
        if inspection.inspected_on is None:
            inspection.inspected_on = date.today()
        db.session.flush()


def answer_values(item, choice=None, number=None, text=None, note=None):
    """The values of one answer as they are stored (only the field of the item's answer type, text normalised)."""
    return {
        "choice": choice if item.answer_type == "choice" else None,
        "number": number if item.is_number else None,
        "text": nfc(text) or None if item.answer_type == "text" else None,
        "note": nfc(note) or None,
    }


def answer_signature(answer):
    """A short text standing for an answer's values (an Answer row, a dict of values, or None for no answer): the
    record form sends back the signature it was drawn with, so a save writes only the items the person changed."""
    def get(k):
        if answer is None:
            return None
        return answer.get(k) if isinstance(answer, dict) else getattr(answer, k)

    number = get("number")
    return json.dumps([get("choice"), None if number is None else repr(float(number)), get("text"), get("note")],
                      ensure_ascii=False)


def answer_words(item, answer):
    """An answer as people read it: "Không — thiếu sổ", "12", "—" (an Answer row, a dict of values, or None)."""
    v = answer_values(item, **{k: (answer.get(k) if isinstance(answer, dict) else getattr(answer, k, None))
                               for k in ("choice", "number", "text", "note")}) if answer is not None else {}
    main = {"choice": str(CHOICES.get(v.get("choice"), "")) if v.get("choice") else "",
            "number": ("%g" % v["number"]) if v.get("number") is not None else "",
            "text": v.get("text") or ""}[item.answer_type if item.answer_type in ("choice", "number") else "text"]
    return " — ".join(x for x in (main, v.get("note") or "") if x) or "—"


def answer_change(item, values, original, stored):
    """What a submitted answer asks for, against the signature the form was drawn with (`original`, None for a form
    that sent none) and the answer stored now: "skip" (untouched, or already stored), "write", or "conflict"
    (someone else changed this item since the form was drawn, to something else)."""
    mine = answer_signature(answer_values(item, **values))
    theirs = answer_signature(stored)
    if mine == theirs:
        return "skip"
    if original is None:
        return "write"
    if mine == original:
        return "skip"  # the person did not touch this item: keep whatever is stored now
    return "write" if theirs == original else "conflict"


def lock_answers(inspection):
    """Serialise answer saves of one inspection (PostgreSQL row lock), so the compare-then-write above holds."""
    lock_rows(Inspection.id, [inspection.id])


def save_answer(*, inspection, item, choice=None, number=None, text=None, note=None, existing=None, by=None):
    """Set the answer of one item (upsert on (inspection, item)): saving the same thing twice changes nothing."""
    if inspection.is_closed:
        raise ValueError("inspection closed")
    values = answer_values(item, choice, number, text, note)
    values["answered"] = answer_is_complete(item, **{k: values[k] for k in ("choice", "number", "text")})
    before = {k: getattr(existing, k) for k in values} if existing is not None else None
    if before == values:
        return False  # a resend: nothing to write, nothing to audit
    stmt = dialect_insert(Answer).values(inspection_id=inspection.id, item_id=item.id, answered_by_id=_by_id(by),
                                 answered_at=utcnow(), **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["inspection_id", "item_id"],
        set_={k: stmt.excluded[k] for k in (*values, "answered_by_id", "answered_at")})
    db.session.execute(stmt)
    if existing is not None:
        db.session.expire(existing)  # the row changed underneath the ORM copy
    _start(inspection, by)
    record(action="inspection.answer", object_type="inspection", object_id=inspection.id, unit=inspection.unit,
           before=before, after=values, summary=item.text[:120], user=by)
    return True


# ---- conclusion, actions, closing ----------------------------------------------------------------------
def save_conclusion(*, inspection, expected_version, inspected_on, strengths, shortcomings, conclusion, by=None):
    """A stale form whose text is already saved (the same form resent) is not a conflict: nothing is written."""
    wanted = {"inspected_on": inspected_on, "strengths": nfc(strengths) or None,
              "shortcomings": nfc(shortcomings) or None, "conclusion": nfc(conclusion) or None}
    if check_version(inspection, expected_version, wanted):
        return inspection
    before = snapshot(inspection, INSPECTION_FIELDS)
    inspection.inspected_on = inspected_on
    inspection.strengths = nfc(strengths) or None
    inspection.shortcomings = nfc(shortcomings) or None
    inspection.conclusion = nfc(conclusion) or None
    db.session.flush()
    record(action="inspection.conclusion", obj=inspection, unit=inspection.unit, before=before,
           after=snapshot(inspection, INSPECTION_FIELDS), summary=inspection.unit.name, user=by)
    return inspection


def add_action(*, inspection, finding, remedy, owner_unit, due_on, item_id=None, form_token=None, by=None):
    """A finding and its remedy. The same form sent twice (same token) makes one action."""
    if form_token:
        existing = db.session.scalar(select(CorrectiveAction).where(
            CorrectiveAction.inspection_id == inspection.id, CorrectiveAction.form_token == form_token))
        if existing is not None:
            return existing
    action = CorrectiveAction(inspection_id=inspection.id, item_id=item_id, finding=nfc(finding), remedy=nfc(remedy),
                              owner_unit_id=owner_unit.id, owner_unit_path=owner_unit.path, due_on=due_on,
                              verifier_unit_id=inspection.plan.inspecting_unit_id,
                              verifier_unit_path=inspection.plan.inspecting_unit_path,
                              status="open", form_token=form_token or None, created_by_id=_by_id(by))
    try:
        with db.session.begin_nested():
            db.session.add(action)
            db.session.flush()
    except IntegrityError:  # the same form, sent twice at once: the twin committed it a moment ago
        existing = db.session.scalar(select(CorrectiveAction).where(
            CorrectiveAction.inspection_id == inspection.id, CorrectiveAction.form_token == form_token)) if form_token else None
        if existing is None:
            raise
        return existing
    db.session.add(ActionEvent(action_id=action.id, kind="created", by_id=_by_id(by)))
    record(action="corrective_action.create", obj=action, unit=owner_unit, after=snapshot(action, ACTION_FIELDS),
           summary=action.finding[:200], user=by)
    return action


def add_followup(*, origin, owner_unit, verifier_unit, finding, remedy, due_on, by=None):
    """An action that does not come from an inspection (a consolidation plan's measure), followed up like the
    others: the owner reports it done, the verifier's unit checks it. The caller links it to its record and makes
    the write idempotent (its own form token), in the same savepoint."""
    action = CorrectiveAction(origin=origin, finding=nfc(finding), remedy=nfc(remedy), owner_unit_id=owner_unit.id,
                              owner_unit_path=owner_unit.path, verifier_unit_id=verifier_unit.id,
                              verifier_unit_path=verifier_unit.path, due_on=due_on, status="open",
                              created_by_id=_by_id(by))
    db.session.add(action)
    db.session.flush()
    db.session.add(ActionEvent(action_id=action.id, kind="created", by_id=_by_id(by)))
    record(action="corrective_action.create", obj=action, unit=owner_unit, after=snapshot(action, ACTION_FIELDS),
           summary=action.finding[:200], user=by)
    return action


def closing_problems(inspection, sections, answers):
    """Why the inspection cannot be closed yet (messages; none: it can): every item answered, a note beside every
    failing item that needs one, and a conclusion."""
    problems = []
    missing = [it for s in sections for it in s.items if not (it.id in answers and answers[it.id].answered)]
    if missing:
        problems.append(_("Còn %(n)s nội dung chưa trả lời — hãy ghi đủ phiếu trước khi kết thúc.", n=len(missing)))
    no_note = [it for s in sections for it in s.items if it.note_required and it.id in answers
               and answers[it.id].choice in FAILING and not answers[it.id].note]
    if no_note:
        problems.append(_("Còn %(n)s nội dung chưa đạt thiếu ghi chú.", n=len(no_note)))
    if not (inspection.conclusion or "").strip():
        problems.append(_("Vui lòng ghi kết luận trước khi kết thúc."))
    return problems


def close_inspection(*, inspection, expected_version, sections, answers, by=None):
    check_version(inspection, expected_version)
    before = snapshot(inspection, INSPECTION_FIELDS)
    _, overall = scores(sections, answers)
    inspection.score = overall
    inspection.status = "closed"
    inspection.closed_at = utcnow()
    inspection.closed_by_id = _by_id(by)
    if inspection.inspected_on is None:
        inspection.inspected_on = date.today()
    db.session.flush()
    record(action="inspection.close", obj=inspection, unit=inspection.unit, before=before,
           after=snapshot(inspection, INSPECTION_FIELDS), summary=inspection.unit.name, user=by)
    return inspection


def acknowledged_as(inspection, name):
    """Is this acknowledgement already recorded? (the same form resent)"""
    return bool(inspection.ack_name) and inspection.ack_name == (name or "").strip()


def acknowledge(*, inspection, expected_version, name, post, on, by=None):
    check_version(inspection, expected_version)
    before = snapshot(inspection, INSPECTION_FIELDS)
    inspection.ack_name, inspection.ack_post, inspection.ack_on = nfc(name), nfc(post), on
    inspection.ack_recorded_by_id = _by_id(by)
    db.session.flush()
    record(action="inspection.acknowledge", obj=inspection, unit=inspection.unit, before=before,
           after=snapshot(inspection, INSPECTION_FIELDS), summary=inspection.unit.name, user=by)
    return inspection


# step → (status it needs, status it leaves, the event it records)
STEPS = {"complete": ("open", "done", "done"), "verify": ("done", "verified", "verified"),
         "reopen": (None, "open", "reopened")}


def step_resent(action, step, note, by):
    """Is this step of the action the last one recorded, by the same person with the same note? (the same form
    sent twice)"""
    _, status, kind = STEPS[step]
    last = action.events[-1] if action.events else None
    return (action.status == status and last is not None and last.kind == kind and last.by_id == by.id
            and (last.note or "") == (note or "").strip())


def _step(action, kind, new_status, note, expected_version, by=None):
    check_version(action, expected_version)
    before = snapshot(action, ACTION_FIELDS)
    action.status = new_status
    if kind == "done":
        action.done_note, action.done_at = nfc(note), utcnow()
    elif kind == "verified":
        action.verified_at = utcnow()
    elif kind == "reopened":
        action.done_at = action.verified_at = None
    db.session.add(ActionEvent(action_id=action.id, kind=kind, note=nfc(note) or None, by_id=_by_id(by)))
    db.session.flush()
    record(action=f"corrective_action.{kind}", obj=action, unit=action.owner_unit, before=before,
           after=snapshot(action, ACTION_FIELDS), summary=action.finding[:200], user=by)
    return action


def complete_action(*, action, note, expected_version=None, by=None):
    return _step(action, "done", "done", note, expected_version, by)


def verify_action(*, action, note=None, expected_version=None, by=None):
    return _step(action, "verified", "verified", note, expected_version, by)


def reopen_action(*, action, note, expected_version=None, by=None):
    return _step(action, "reopened", "open", note, expected_version, by)
