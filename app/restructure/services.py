"""Applying a restructuring: the few primitive moves every operation is made of, the chunked runner, and the undo.

An operation (app.restructure.plans builds it and its preview) is a list of steps, one per source unit, each a list
of primitives:

    ("create", {...})                       a new unit (the merge's new ward, the split's new branch): "@new" after it
    ("move_unit", unit_id, parent_id)       a unit and its subtree under another parent: every path copy follows
    ("move_people", from_id, to_id, ids)    people (all of a branch, or the chosen ones) to another branch
    ("retire", unit_id, successor_id, status, grants)
                                            a unit stops: open actions, current targets and (grants="carry") grants go
                                            to the successor; it is closed with a link to it, its records stay

Each step runs in its own transaction and commits with the operation's progress (`steps_done`), so a large operation
never holds the province in one lock, and one that stopped half way (a crash, a deploy) resumes where it stopped.
Every primitive writes history rows (UnitPastPlace, PersonPastUnit, PersonEvent), RestructureMove rows (what moved,
from where, to where: the undo plays them backwards) and audit entries. Bulk writes are SQL statements whose number
does not grow with the people moved.
"""
import threading

from flask import current_app
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy import func, insert, literal, select, update

from ..activities.standing import refresh_standing
from ..audit.services import record
from ..auth.models import RoleGrant, User
from ..dates import utcnow
from ..extensions import db
from ..inspections.models import CorrectiveAction
from ..locks import lock_rows
from ..members.models import ON_ROLL, Person, PersonEvent, PersonPastUnit
from ..targets import services as targets
from ..units import services as units
from ..units.models import Unit, UnitPastPlace
from . import paths
from .models import RestructureMove, RestructureOp

OPEN_ACTION = ("open", "done")  # a follow-up action not yet verified moves to the successor


class Runner:
    """Applies one operation's steps, step by step; `moved` sums what each primitive moved."""

    def __init__(self, op, by):
        self.op, self.by = op, by
        self.moved = dict(op.moved or {})
        self.step = 0

    # ---- bookkeeping -----------------------------------------------------------------------------------------------
    def _count(self, key, n=1):
        self.moved[key] = self.moved.get(key, 0) + int(n or 0)

    def _move(self, kind, obj_id, from_id, to_id, detail=None):
        db.session.add(RestructureMove(op_id=self.op.id, step=self.step, kind=kind, obj_id=obj_id, from_id=from_id,
                                       to_id=to_id, detail=detail))

    def _unit(self, ref):
        if ref == "@new":
            ref = self.op.params["created_id"]
        return db.session.get(Unit, int(ref))

    # ---- primitives ------------------------------------------------------------------------------------------------
    def create(self, spec):
        if self.op.params.get("created_id"):  # a resumed operation made it already
            return self._unit("@new")
        parent = db.session.get(Unit, spec["parent_id"])
        unit = units.create_unit(parent=parent, name=spec["name"], code=spec["code"], level=spec["level"],
                                 kind=spec["kind"], org_type=spec.get("org_type"),
                                 official_code=spec.get("official_code"), founded_on=self.op.effective_on)
        self.op.params = {**self.op.params, "created_id": unit.id}
        self._move("created", unit.id, None, parent.id)
        self._count("created")
        return unit

    def recode(self, unit_id, code, name):
        """A moved unit's code or name would clash among its new siblings: the former parent's is added."""
        unit = db.session.get(Unit, unit_id)
        before = {"code": unit.code, "name": unit.name}
        if (unit.code, unit.name) == (code, name):
            return
        unit.code, unit.name = code, name
        db.session.flush()
        self._move("renamed", unit.id, None, None, before)
        self._count("renamed")
        record(action="unit.update", obj=unit, unit=unit, before=before, after={"code": code, "name": name},
               summary=f"{name} · {self.op.decision}", user=self.by)

    def move_unit(self, unit_id, parent_ref):
        unit, parent = self._unit(unit_id), self._unit(parent_ref)
        if unit.parent_id == parent.id:
            return
        old, new = unit.path, parent.path + f"{unit.id}/"
        if new.startswith(old):
            raise ValueError("a unit cannot move under itself")
        eff, op_id = self.op.effective_on, self.op.id
        t = Unit.__table__
        # where every unit of the subtree sat until today: the figures as of an earlier date read these rows
        db.session.execute(insert(UnitPastPlace).from_select(
            ["unit_id", "parent_id", "path", "until", "operation_id"],
            select(t.c.id, t.c.parent_id, t.c.path, literal(eff), literal(op_id)).where(t.c.path.like(old + "%"))))
        before = {"parent_id": unit.parent_id, "path": old}
        db.session.execute(update(t).where(t.c.id == unit.id).values(parent_id=parent.id)
                           .execution_options(synchronize_session=False))
        res = db.session.execute(
            update(t).where(t.c.path.like(old + "%"))
            .values(path=literal(new) + func.substr(t.c.path, len(old) + 1),
                    depth=t.c.depth + (parent.depth + 1 - unit.depth), version=t.c.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False))
        self._count("units_below", res.rowcount)
        counts = paths.rewrite(old, new)
        self._count("people", counts.get("person"))
        # the people on the roll of the moved subtree get a history row each ("moved by restructuring, decision …")
        p = Person.__table__
        on_roll = select(p.c.id, literal("restructured"), literal(eff), p.c.unit_id, literal(self.op.decision[:200]),
                         literal(self._by_id()), literal(utcnow())).where(p.c.unit_path.like(new + "%"),
                                                                          p.c.status.in_(ON_ROLL))
        db.session.execute(insert(PersonEvent).from_select(
            ["person_id", "kind", "on", "unit_id", "detail", "recorded_by_id", "recorded_at"], on_roll))
        # (an INSERT … SELECT's rowcount is -1 on psycopg: count them)
        self._count("on_roll", db.session.scalar(select(func.count()).select_from(on_roll.subquery())))
        db.session.expire_all()
        unit = db.session.get(Unit, unit.id)
        self._move("unit", unit.id, before["parent_id"], parent.id, {"path": old})
        self._count("units")
        record(action="unit.restructure", obj=unit, unit=unit, before=before,
               after={"parent_id": parent.id, "path": new}, summary=f"{unit.name} · {self.op.decision}", user=self.by)

    def move_people(self, from_ref, to_ref, person_ids=None):
        src, dst = self._unit(from_ref), self._unit(to_ref)
        p = Person.__table__
        cond = p.c.unit_id == src.id
        if person_ids is not None:
            cond = cond & p.c.id.in_([int(i) for i in person_ids])
        ids = db.session.scalars(select(p.c.id).where(cond)).all()
        if not ids:
            return
        eff, op_id = self.op.effective_on, self.op.id
        sel = p.c.id.in_(ids)
        db.session.execute(insert(PersonPastUnit).from_select(
            ["person_id", "unit_id", "until", "operation_id"],
            select(p.c.id, p.c.unit_id, literal(eff), literal(op_id)).where(sel)))
        db.session.execute(insert(PersonEvent).from_select(
            ["person_id", "kind", "on", "unit_id", "other_unit_id", "detail", "recorded_by_id", "recorded_at"],
            select(p.c.id, literal("restructured"), literal(eff), literal(dst.id), literal(src.id),
                   literal(self.op.decision[:200]), literal(self._by_id()), literal(utcnow())).where(sel)))
        db.session.execute(insert(RestructureMove).from_select(
            ["op_id", "step", "kind", "obj_id", "from_id", "to_id"],
            select(literal(op_id), literal(self.step), literal("person"), p.c.id, literal(src.id), literal(dst.id))
            .where(sel)))
        db.session.execute(update(p).where(sel).values(unit_id=dst.id, unit_path=dst.path, version=p.c.version + 1)
                           .execution_options(synchronize_session=False))
        self._count("people", len(ids))
        self._count("people_moved", len(ids))
        db.session.expire_all()
        refresh_standing(unit_ids=[src.id, dst.id])
        record(action="person.restructure", object_type="unit", object_id=dst.id, unit=dst,
               before={"unit_id": src.id, "people": len(ids)}, after={"unit_id": dst.id, "people": len(ids)},
               summary=f"{src.name} → {dst.name}: {len(ids)} · {self.op.decision}", user=self.by)

    def retire(self, unit_ref, successor_ref, status="merged", grants="carry"):
        unit, succ = self._unit(unit_ref), self._unit(successor_ref)
        if unit.status != "active":
            return
        eff, reason = self.op.effective_on, _("Sắp xếp tổ chức: %(decision)s", decision=self.op.decision)
        # open follow-up actions: the successor owns (or verifies) them now
        for role, id_col, path_col in (("owner", "owner_unit_id", "owner_unit_path"),
                                       ("verifier", "verifier_unit_id", "verifier_unit_path")):
            col = getattr(CorrectiveAction, id_col)
            ids = db.session.scalars(select(CorrectiveAction.id).where(
                col == unit.id, CorrectiveAction.status.in_(OPEN_ACTION))).all()
            if ids:
                db.session.execute(update(CorrectiveAction).where(CorrectiveAction.id.in_(ids))
                                   .values({id_col: succ.id, path_col: succ.path, "version": CorrectiveAction.version + 1})
                                   .execution_options(synchronize_session=False))
                db.session.add_all([RestructureMove(op_id=self.op.id, step=self.step, kind="action", obj_id=i,
                                                    from_id=unit.id, to_id=succ.id, detail={"role": role}) for i in ids])
                self._count("actions", len(ids))
        # accounts' grants: carried to the successor (a merge) or revoked (a dissolved level: carrying a district's
        # grants up to the province would widen them); both are in the preview for the admins to adjust after
        for grant in db.session.scalars(select(RoleGrant).where(RoleGrant.unit_id == unit.id,
                                                                RoleGrant.revoked_at.is_(None))).all():
            grant.revoked_at, grant.revoked_by_id = utcnow(), self._by_id()
            new_id = None
            if grants == "carry":
                exists = db.session.scalar(select(RoleGrant.id).where(
                    RoleGrant.user_id == grant.user_id, RoleGrant.unit_id == succ.id, RoleGrant.role == grant.role,
                    RoleGrant.revoked_at.is_(None)))
                if exists is None:
                    new = RoleGrant(user_id=grant.user_id, unit_id=succ.id, role=grant.role, granted_by_id=self._by_id())
                    db.session.add(new)
                    db.session.flush()
                    new_id = new.id
            self._move("grant", grant.id, unit.id, succ.id if grants == "carry" else None,
                       {"user_id": grant.user_id, "role": grant.role, "new_grant_id": new_id})
            self._count("grants")
            record(action="grant.restructure", obj=grant, unit=unit, before={"unit_id": unit.id, "role": grant.role},
                   after={"unit_id": succ.id if new_id else None, "role": grant.role},
                   summary=f"{grant.role} · {unit.name} · {self.op.decision}", user=self.by)
        before = {"unit_status": unit.status, "closed_on": None, "merged_into_id": unit.merged_into_id}
        # closed here, not by units.close_unit: one audit entry that says why ("unit.retire"), not a second "dissolved"
        unit.status, unit.closed_on, unit.close_reason, unit.merged_into_id = status, eff, reason, succ.id
        db.session.flush()
        self._move("closed", unit.id, None, succ.id, {"status": status})
        self._count("closed")
        record(action="unit.retire", obj=unit, unit=unit, before=before,
               after={"unit_status": status, "closed_on": eff.isoformat(), "merged_into_id": succ.id},
               summary=f"{unit.name} → {succ.name} · {self.op.decision}", user=self.by)

    def absorb(self, source_ids, successor_ref):
        """The merged units' targets of this year on, summed into the successor's: one new version per indicator
        for all the sources at once (a step of its own after they closed). A dissolved district's targets stay
        with it: they were a share of its parent's, which now sums its new children's."""
        succ = self._unit(successor_ref)
        sources = [db.session.get(Unit, int(i)) for i in source_ids]
        reason = _("Sắp xếp tổ chức: %(decision)s", decision=self.op.decision)
        for new_id, src_ids, before, after in targets.absorb(sources=sources, successor=succ,
                                                             from_year=self.op.effective_on.year, reason=reason):
            self._move("target", new_id, None, succ.id, {"new_target_id": new_id, "sources": src_ids,
                                                         "before": before, "after": after})
            self._count("targets")

    # ---- the undo's primitives (inverse_steps) ----------------------------------------------------------------------
    def reopen(self, unit_id, detail):
        unit = db.session.get(Unit, unit_id)
        if unit.status == "active":
            return
        before = {"unit_status": unit.status, "merged_into_id": unit.merged_into_id}
        unit.status, unit.closed_on, unit.close_reason, unit.merged_into_id = "active", None, None, None
        db.session.flush()
        self._move("reopened", unit.id, None, None, before)
        self._count("reopened")
        record(action="unit.reopen", obj=unit, unit=unit, before=before, after={"unit_status": "active"},
               summary=f"{unit.name} · {self.op.decision}", user=self.by)


    def give_back(self, kind, obj_id, from_id, to_id, detail):
        detail = detail or {}
        if kind == "action":
            action = db.session.get(CorrectiveAction, obj_id)
            id_col, path_col = ("owner_unit_id", "owner_unit_path") if detail.get("role") == "owner" else (
                "verifier_unit_id", "verifier_unit_path")
            if getattr(action, id_col) != to_id or action.status not in OPEN_ACTION:
                return
            unit = db.session.get(Unit, from_id)
            setattr(action, id_col, unit.id)
            setattr(action, path_col, unit.path)
            self._move("action", obj_id, to_id, from_id, detail)
            self._count("actions")
        elif kind == "grant":
            new_id = detail.get("new_grant_id")
            if new_id:
                new = db.session.get(RoleGrant, new_id)
                if new is not None and new.revoked_at is None:
                    new.revoked_at, new.revoked_by_id = utcnow(), self._by_id()
            old = db.session.get(RoleGrant, obj_id)
            again = RoleGrant(user_id=old.user_id, unit_id=old.unit_id, role=old.role, granted_by_id=self._by_id())
            exists = db.session.scalar(select(RoleGrant.id).where(
                RoleGrant.user_id == old.user_id, RoleGrant.unit_id == old.unit_id, RoleGrant.role == old.role,
                RoleGrant.revoked_at.is_(None)))
            if exists is None:
                db.session.add(again)
                db.session.flush()
            self._move("grant", obj_id, to_id, from_id, {**detail, "restored_grant_id": again.id if exists is None else exists})
            self._count("grants")
        elif kind == "target":
            new = targets.restore(target_id=detail["new_target_id"], value_before=detail.get("before"),
                                  reason=_("Hoàn tác sắp xếp tổ chức: %(decision)s", decision=self.op.decision))
            self._move("target", obj_id, to_id, from_id, {"new_target_id": new.id})
            self._count("targets")


    def close_created(self, unit_id):
        unit = db.session.get(Unit, unit_id)
        if unit.status != "active":
            return
        units.close_unit(unit=unit, closed_on=self.op.effective_on,
                         reason=_("Hoàn tác sắp xếp tổ chức: %(decision)s", decision=self.op.decision))
        self._move("closed", unit.id, None, None, {"status": "closed"})
        self._count("closed")

    def _by_id(self):
        return self.by.id if self.by is not None else None

    # ---- the runner --------------------------------------------------------------------------------------------------
    def run_step(self, i, step):
        self.step = i
        for prim in step:
            getattr(self, prim[0])(*prim[1:])


class Busy(Exception):
    """Another operation on some of the same units is still running (or stopped half way): finish that one first."""

    def __init__(self, op):
        super().__init__(op.id)
        self.op = op


class PlanChanged(Exception):
    """The records changed between the preview and the confirm (someone else restructured, moved a person…)."""

    def __init__(self, plan):
        super().__init__(plan.fingerprint)
        self.plan = plan


def involved_units(steps):
    """Every unit id a plan's steps name (the units, their parents, the successors)."""
    ids = set()
    for step in steps:
        for prim in step:
            name, args = prim[0], prim[1:]
            if name == "create":
                ids.add(int(args[0]["parent_id"]))
            elif name in ("move_unit", "move_people", "retire"):
                ids.update(int(a) for a in args[:2] if a != "@new")
            elif name in ("recode", "reopen", "close_created"):
                ids.add(int(args[0]))
    return sorted(ids)


def start(plan, *, by, form_token=None, recheck=None):
    """Write the operation's row (committed: its page shows the progress) and return it; run() does the steps.

    Two admins confirming at the same moment: the units involved are locked first (in id order), then an operation
    still running on any of them refuses this one (Busy), and `recheck()` — the plan built again under the lock —
    must give the preview's fingerprint, else PlanChanged carries the new plan to show. So the second of two
    identical merges never runs on units the first has already closed."""
    units_ids = involved_units(plan.steps)
    lock_rows(Unit.id, units_ids + [plan.scope.id])
    running = db.session.scalars(select(RestructureOp).where(RestructureOp.status.in_(("running", "failed")))).all()
    for other in running:
        if other.id != plan.params.get("undoes_id") and set(other.params.get("units", ())) & set(units_ids):
            raise Busy(other)
    if recheck is not None:
        again = recheck()
        if again.fingerprint != plan.fingerprint or not again.ok:
            raise PlanChanged(again)
    op = RestructureOp(kind=plan.kind, scope_unit_id=plan.scope.id, scope_path=plan.scope.path,
                       decision=plan.decision, effective_on=plan.effective_on, note=plan.note or None,
                       params={**plan.params, "steps": plan.steps, "units": units_ids}, preview=plan.counts,
                       moved={}, steps_total=len(plan.steps), created_by_id=by.id if by else None,
                       form_token=form_token, undoes_id=plan.params.get("undoes_id"))
    db.session.add(op)
    db.session.flush()
    record(action="restructure.start", obj=op, unit=plan.scope, after={"kind": plan.kind, **plan.counts},
           summary=f"{op.kind_label} · {plan.decision}", user=by)
    db.session.commit()
    return op


def run(op_id, *, by_id=None):
    """Run the steps not done yet, each in its own transaction. Stops at the first error: the operation is "failed"
    with the error, every earlier step stays applied and a later run resumes at the failed step."""
    op = db.session.get(RestructureOp, op_id)
    by = db.session.get(User, by_id or op.created_by_id) if (by_id or op.created_by_id) else None
    steps = op.params["steps"]
    while op.steps_done < len(steps):
        i = op.steps_done
        runner = Runner(op, by)
        try:
            lock_rows(RestructureOp.id, [op.id])
            db.session.refresh(op)
            if op.steps_done != i:  # another runner did this step meanwhile
                continue
            runner.run_step(i, steps[i])
            op = db.session.get(RestructureOp, op_id)
            op.steps_done, op.moved, op.status, op.error = i + 1, runner.moved, "running", None
            op.progress_at = utcnow()  # (a created unit's id is already in op.params: runner.op is this row)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 — any failure stops the operation, recorded, resumable
            db.session.rollback()
            op = db.session.get(RestructureOp, op_id)
            op.status, op.error = "failed", f"{type(exc).__name__}: {exc}"[:500]
            db.session.commit()
            current_app.logger.exception("restructure %s failed at step %s", op_id, i)
            return op
    op.status, op.finished_at = "applied", utcnow()
    if op.undoes_id:
        undone = db.session.get(RestructureOp, op.undoes_id)
        undone.status, undone.undone_by_id = "undone", op.id
    record(action="restructure.apply", obj=op, unit=op.scope_unit, after=op.moved,
           summary=f"{op.kind_label} · {op.decision}", user=by)
    db.session.commit()
    return op


def run_in_background(op_id, *, by_id=None):
    """A large operation runs in a thread of its own (its page refreshes to show the progress); small ones inline."""
    app = current_app._get_current_object()

    def work():
        with app.app_context(), app.test_request_context():
            user = db.session.get(User, by_id) if by_id else None
            if user is not None:
                login_user(user)  # the audit entries and history rows name the operator
            run(op_id, by_id=by_id)
            db.session.remove()

    thread = threading.Thread(target=work, name=f"restructure-{op_id}", daemon=True)
    thread.start()
    return thread


def apply(plan, *, by, form_token=None, recheck=None):
    """Start the operation and run it: inline when it moves few people, else in the background. `recheck`: see
    start(); the confirm route passes a function that builds the plan again from the posted parameters."""
    op = start(plan, by=by, form_token=form_token, recheck=recheck)
    limit = current_app.config.get("RESTRUCTURE_INLINE_PEOPLE", 20000)
    if plan.counts.get("people", 0) <= limit:
        return run(op.id, by_id=by.id if by else None)
    run_in_background(op.id, by_id=by.id if by else None)
    return op


# ---- the undo: the operation's moves, backwards ----------------------------------------------------------------------
def inverse_steps(op):
    """The steps that undo `op`, from its RestructureMove rows in reverse: units back under their parents, people back
    to their branches, actions back to their owners, grants back, targets back, closed units reopened, a unit the
    operation created closed again. What was changed again since is left (its current place is not where the
    operation put it) and listed by the preview."""
    moves = db.session.scalars(select(RestructureMove).where(RestructureMove.op_id == op.id)
                               .order_by(RestructureMove.step.desc(), RestructureMove.id.desc())).all()
    steps, people = [], {}
    for m in moves:
        if m.kind == "person":
            people.setdefault((m.to_id, m.from_id), []).append(m.obj_id)
    reopen = [("reopen", m.obj_id, m.detail) for m in moves if m.kind == "closed"]
    if reopen:
        steps.append(reopen)
    for m in moves:
        if m.kind == "unit":
            steps.append([("move_unit", m.obj_id, m.from_id)])
    if people:
        steps.append([("move_people", to_id, from_id, ids) for (to_id, from_id), ids in people.items()])
    back = [("give_back", m.kind, m.obj_id, m.from_id, m.to_id, m.detail)
            for m in moves if m.kind in ("action", "grant", "target")]
    if back:
        steps.append(back)
    renamed = [("recode", m.obj_id, m.detail["code"], m.detail["name"]) for m in moves if m.kind == "renamed"]
    if renamed:
        steps.append(renamed)
    created = [("close_created", m.obj_id) for m in moves if m.kind == "created"]
    if created:
        steps.append(created)
    return steps



