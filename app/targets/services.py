"""Writes of the registration and approval of targets. Keyword-only; they flush, the route commits once. Every step
writes a TargetEvent (created, edited, submitted, returned, approved, assigned) and an audit entry
(targets.create, targets.edit, targets.submit, targets.return, targets.approve, targets.assign).

Retries answer as the first attempt did, by state: each row of a form carries the version it was shown at; a resent
form finds its own work already stored (the same values, the same status) and writes nothing; a form that meets
someone else's newer work raises ConflictError (the conflict page). The unit's row is locked first, so two
requests on one unit's targets run one after the other (PostgreSQL and SQLite alike)."""
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..audit.services import record, snapshot
from ..dates import utcnow
from ..errors import ConflictError, check_version
from ..extensions import db
from ..locks import lock_rows
from ..units.models import Unit
from . import queries
from .models import Indicator, Target, TargetEvent

FIELDS = ("number", "value", "justification", "status", "assigned_by_parent")


def _by():
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _by_id():
    by = _by()
    return by.id if by else None


def _event(target, action, reason=None):
    db.session.add(TargetEvent(target_id=target.id, action=action, value=target.value, reason=reason, by_id=_by_id()))


def _audit(action, target, unit, before=None, extra=None):
    summary = f"{unit.name} · {target.year} · {target.indicator.name}: {queries.fmt(target.value)}"
    record(action=f"targets.{action}", obj=target, unit=unit, before=before,
           after={**snapshot(target, FIELDS), **(extra or {})}, summary=summary)


def _same(target, value, justification):
    return abs(target.value - value) < 1e-9 and (target.justification or None) == (justification or None)


def _conflict(target, value, justification=None):
    return ConflictError(target, both=[(target.indicator.name, queries.fmt(target.value), queries.fmt(value))])


def _new_version(*, unit, year, indicator, number, value, justification, assigned=False):
    target = Target(unit_id=unit.id, unit_path=unit.path, year=year, indicator_id=indicator.id, number=number,
                    value=value, justification=justification, status="draft", assigned_by_parent=assigned,
                    created_by_id=_by_id())
    target.indicator = indicator
    db.session.add(target)
    db.session.flush()
    _event(target, "assigned" if assigned else "created")
    _audit("assign" if assigned else "create", target, unit)
    return target


# ---- registering ---------------------------------------------------------------------------------------------------
def register(*, unit, year, rows, submit=False):
    """Save (and with `submit`, send for approval) the unit's targets for the year.

    rows: [{indicator, value, justification, number, version}] — `number`/`version` of the version the form showed
    (0 / None when it showed none). An open version (draft, returned) is edited in place; an approved one stays in
    force and a changed value becomes version number + 1, a draft. Submitting stores the plausibility flags on the
    row. Returns the versions touched (or found already done)."""
    lock_rows(Unit.id, [unit.id])
    touched = []
    for row in rows:
        ind, value, why = row["indicator"], row["value"], row["justification"]
        target = _save_one(unit, year, ind, value, why, row.get("number") or 0, row.get("version"))
        if target is not None:
            touched.append(target)
    if submit:
        submittable = [t for t in touched if t.status in queries.OPEN]
        if submittable:
            indicators = [t.indicator for t in submittable]
            last = queries.last_year(unit, indicators, year)
            youth = queries.eligible_youth(unit, indicators)
            for t in submittable:
                _submit(t, unit, queries.plausibility(t.indicator, t.value, last.get(t.indicator_id), youth))
    db.session.flush()
    return touched


def _save_one(unit, year, ind, value, why, shown_number, shown_version):
    latest = queries.latest_of(unit.id, year, ind.id)
    if latest is None:
        return _new_version(unit=unit, year=year, indicator=ind, number=1, value=value, justification=why)
    if latest.number != shown_number:
        # a newer version than the form showed: this form's own earlier attempt (the same values), or someone else's
        if _same(latest, value, why):
            return latest
        raise _conflict(latest, value)
    if latest.status in queries.OPEN:
        if check_version(latest, shown_version, {"value": value, "justification": why}):
            return latest
        if latest.status not in queries.OPEN:  # submitted meanwhile, at the version the form showed: cannot happen
            raise _conflict(latest, value)
        if not _same(latest, value, why):
            before = snapshot(latest, FIELDS)
            latest.value, latest.justification = value, why
            db.session.flush()
            _event(latest, "edited")
            _audit("edit", latest, unit, before=before)
        return latest
    if latest.status == "approved":
        if _same(latest, value, why):
            return None  # unchanged: the approved version stays, nothing to submit
        check_version(latest, shown_version, None)  # the approved one itself must be what the form showed
        return _new_version(unit=unit, year=year, indicator=ind, number=latest.number + 1, value=value,
                            justification=why)
    # submitted: waiting for the level above, not editable; a resend of the submission finds it done
    if check_version(latest, shown_version, {"value": value, "justification": why}):
        return latest
    if _same(latest, value, why):
        return latest
    raise _conflict(latest, value)


def _submit(target, unit, flags):
    before = snapshot(target, FIELDS)
    target.status, target.flags = "submitted", flags or None
    target.submitted_by_id, target.submitted_at = _by_id(), utcnow()
    target.return_reason = target.return_reason if before["status"] == "returned" else None
    db.session.flush()
    _event(target, "submitted")
    _audit("submit", target, unit, before=before, extra={"flags": [f["code"] for f in flags or ()]})


# ---- deciding ------------------------------------------------------------------------------------------------------
def approve(*, target, expected_version, reason=None):
    """The level above approves a submitted version: it is frozen and in force; the version it replaces becomes
    "superseded". A flagged target needs a reason. Twice (a double tap, two approvers) → one decision."""
    reason = (reason or "").strip() or None
    if check_version(target, expected_version, {"status": "approved"}):
        return target
    if target.status != "submitted":
        raise ConflictError(target)
    if target.flags and not reason:
        raise ValueError("a flagged target is approved with a reason")
    before = snapshot(target, FIELDS)
    older = db.session.scalars(select(Target).where(
        Target.unit_id == target.unit_id, Target.year == target.year, Target.indicator_id == target.indicator_id,
        Target.status == "approved", Target.number < target.number)).all()
    for old in older:
        old.status = "superseded"
    target.status, target.approval_reason = "approved", reason
    target.decided_by_id, target.decided_at = _by_id(), utcnow()
    db.session.flush()
    _event(target, "approved", reason)
    _audit("approve", target, target.unit, before=before,
           extra={"approval_reason": reason, "superseded": [o.number for o in older]})
    return target


def return_target(*, target, expected_version, reason):
    """The level above sends a submitted version back with a reason; the unit edits it and submits again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a target is returned with a reason")
    if check_version(target, expected_version, {"status": "returned"}):
        return target
    if target.status != "submitted":
        raise ConflictError(target)
    before = snapshot(target, FIELDS)
    target.status, target.return_reason = "returned", reason
    target.decided_by_id, target.decided_at = _by_id(), utcnow()
    db.session.flush()
    _event(target, "returned", reason)
    _audit("return", target, target.unit, before=before, extra={"return_reason": reason})
    return target


# ---- the cascade: the level above splits its own target among its children -----------------------------------------
def split(*, unit, year, indicator, children, values, versions):
    """Set the children's drafts of `indicator` (assigned_by_parent): create one where the child has none, update an
    open one — only where the child has no version submitted or approved for it (those are skipped and returned).
    versions: {child id: the version the form showed, 0 when none}. Returns (set, skipped) lists of units."""
    by_id = {c.id: c for c in children}
    ids = sorted(i for i in values if i in by_id)
    lock_rows(Unit.id, ids)
    history = queries.versions_of_children(ids, year, indicator.id)
    done, skipped = [], []
    for cid in ids:
        child, value, shown = by_id[cid], values[cid], versions.get(cid)
        vs = history.get(cid, [])
        if any(t.status in (*queries.LOCKED, "superseded") for t in vs):
            skipped.append(child)
            continue
        latest = vs[-1] if vs else None
        if latest is None:
            _new_version(unit=child, year=year, indicator=indicator, number=1, value=value, justification=None,
                         assigned=True)
            done.append(child)
            continue
        wanted = {"value": value, "assigned_by_parent": True}
        if not shown:  # the form showed no version: this form's earlier attempt, or the child's own draft since
            if abs(latest.value - value) < 1e-9:
                continue
            raise _conflict(latest, value)
        if check_version(latest, shown, wanted):
            continue
        before = snapshot(latest, FIELDS)
        latest.value, latest.assigned_by_parent = value, True
        db.session.flush()
        _event(latest, "assigned")
        _audit("assign", latest, child, before=before)
        done.append(child)
    db.session.flush()
    return done, skipped


def split_message(done, skipped):
    parts = [_("Đã phân bổ cho %(n)s đơn vị.", n=len(done))]
    if skipped:
        parts.append(_("Không đổi %(names)s: đã gửi duyệt hoặc đã được duyệt.", names=", ".join(u.name for u in skipped)))
    return " ".join(parts)


# ---- restructuring (app.restructure): a merged-away unit's targets are summed into its successor's ----------------
def absorb(*, sources, successor, from_year, reason):
    """For every year from `from_year` and count indicator some source has a current target for, the successor gets
    one new version worth its own current value plus the sources': approved when every part was (the decision that
    merged them is the approval, `reason`), a draft for the level above to approve otherwise. Percent indicators are
    not summed (a share of the parts is not the share of the whole): the successor registers its own. The sources'
    rows stay with them (history). Returns [(new target id, [source target ids], successor's value before or None,
    value after)] for the undo."""
    def current(unit_ids):
        rows = db.session.scalars(select(Target).join(Indicator, Indicator.id == Target.indicator_id).where(
            Target.unit_id.in_(unit_ids), Target.year >= from_year, Target.status != "superseded",
            Indicator.kind == "count").order_by(Target.number)).all()
        return {(t.unit_id, t.year, t.indicator_id): t for t in rows}  # the newest version wins

    mine = current([u.id for u in sources])
    theirs = {(y, i): t for (_u, y, i), t in current([successor.id]).items()}
    parts = {}
    for (_u, year, ind), t in mine.items():
        parts.setdefault((year, ind), []).append(t)
    out = []
    for key, srcs in sorted(parts.items()):
        succ = theirs.get(key)
        before = succ.value if succ else None
        approved = all(t.status == "approved" for t in srcs) and (succ is None or succ.status == "approved")
        value = (before or 0) + sum(t.value for t in srcs)
        new = _restructured_version(successor, key[0], srcs[0].indicator, value, approved, reason)
        out.append((new.id, [t.id for t in srcs], before, new.value))
    return out


def restore(*, target_id, value_before, reason):
    """The undo of absorb(): the successor's target goes back to its value before (a new version again), or, when it
    had none, the absorbed version is set aside ("superseded") — never deleted."""
    made = db.session.get(Target, target_id)
    # the successor's current version now (later undos in the same operation ran first: last absorbed, first undone)
    target = db.session.scalars(select(Target).where(
        Target.unit_id == made.unit_id, Target.year == made.year, Target.indicator_id == made.indicator_id,
        Target.status != "superseded").order_by(Target.number.desc()).limit(1)).first() or made
    if value_before is None:
        target.status = "superseded"
        _event(target, "restructured", reason)
        return target
    unit = db.session.get(Unit, target.unit_id)
    return _restructured_version(unit, target.year, target.indicator, value_before, target.status == "approved", reason)


def _restructured_version(unit, year, indicator, value, approved, reason):
    number = (db.session.scalar(select(db.func.max(Target.number)).where(
        Target.unit_id == unit.id, Target.year == year, Target.indicator_id == indicator.id)) or 0) + 1
    target = Target(unit_id=unit.id, unit_path=unit.path, year=year, indicator_id=indicator.id, number=number,
                    value=value, justification=reason, status="approved" if approved else "draft",
                    approval_reason=reason if approved else None, created_by_id=_by_id(),
                    decided_by_id=_by_id() if approved else None, decided_at=utcnow() if approved else None)
    target.indicator = indicator
    db.session.add(target)
    db.session.flush()
    if approved:
        for old in db.session.scalars(select(Target).where(
                Target.unit_id == unit.id, Target.year == year, Target.indicator_id == indicator.id,
                Target.status == "approved", Target.id != target.id)):
            old.status = "superseded"
    _event(target, "restructured", reason)
    _audit("restructure", target, unit)
    return target
