"""The preview of a restructuring, computed from the records and written nowhere: which steps it takes, the exact
numbers that will move, and the conflicts to resolve before it may be applied. services.apply() runs the same plan;
the confirm form carries the preview's fingerprint, and a plan whose numbers changed meanwhile is shown again.

Every builder returns a Plan; `plan.conflicts` empty means it may be applied. A builder runs a fixed number of
statements per unit involved (a province's 27 districts: a few hundred), none per person.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select

from ..access import common_path, has_role
from ..auth.models import RoleGrant, User
from ..classes.models import TrainingClass
from ..extensions import db
from ..inspections.models import CorrectiveAction, Inspection
from ..members.models import ON_ROLL, Person, Transfer
from ..targets.models import Indicator, Target
from ..units.models import CHILD_LEVELS, Unit, UnitPastPlace
from .models import RestructureMove
from .services import OPEN_ACTION, inverse_steps

ADMIN = ("admin",)
# The numbers a preview promises and the operation's page reports as moved (RestructureOp.preview / .moved).
COUNTED = ("units", "units_below", "people", "on_roll", "people_moved", "actions", "grants", "targets", "closed",
           "created", "renamed", "reopened")


@dataclass
class Plan:
    kind: str
    scope: Unit | None
    decision: str
    effective_on: date
    note: str = ""
    params: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    conflicts: list = field(default_factory=list)
    grants: list = field(default_factory=list)  # [(RoleGrant, the unit it goes to or None)]
    stays: dict = field(default_factory=dict)  # records that stay with the closed units: {"classes": n, …}
    units: list = field(default_factory=list)  # [(Unit, what happens to it)] for the preview's table

    @property
    def fingerprint(self):
        """What the confirm form carries: the same plan on the same records gives the same string."""
        blob = json.dumps([self.kind, self.steps, self.counts, self.conflicts], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def ok(self):
        return not self.conflicts


# ---- the builders --------------------------------------------------------------------------------------------------
def merge(user, *, sources, target=None, new=None, decision, effective_on, note="", rename=False):
    """Units of one level into an existing unit (`target`) or a new one (`new`: {"parent": Unit, "name", "code",
    "kind"}): their children and people go to it, they close with a link to it, their records stay with them."""
    plan = Plan("merge", None, decision, effective_on, note,
                params={"sources": [u.id for u in sources], "target": target.id if target else None,
                        "new": _new_params(new), "rename": bool(rename)})
    level = sources[0].level if sources else None
    if len(sources) < (1 if target else 2):
        plan.conflicts.append(_("Chọn ít nhất hai đơn vị để sáp nhập (hoặc một đơn vị vào một đơn vị có sẵn)."))
    if any(u.level != level for u in sources):
        plan.conflicts.append(_("Các đơn vị sáp nhập phải cùng một cấp."))
    if target is not None:
        if target.id in {u.id for u in sources}:
            plan.conflicts.append(_("Đơn vị nhận không được nằm trong các đơn vị bị sáp nhập."))
        if target.level != level:
            plan.conflicts.append(_("Đơn vị nhận phải cùng cấp với các đơn vị sáp nhập."))
        dest, involved = target, [*sources, target]
    else:
        parent = new["parent"] if new else None
        if parent is None or level not in CHILD_LEVELS.get(parent.level, ()):
            plan.conflicts.append(_("Đơn vị mới không thể đặt dưới đơn vị cấp trên đã chọn."))
        dest, involved = None, [*sources, *([parent] if parent else [])]
        if parent is not None:
            plan.steps.append([("create", {"parent_id": parent.id, "name": new["name"], "code": new["code"],
                                           "level": level, "kind": new.get("kind") or sources[0].kind,
                                           "org_type": sources[0].org_type if level == "branch" else None})])
            plan.counts["created"] = 1
            _check_codes(plan, parent, [(None, new["code"], new["name"])], rename=False)
    _scope(plan, user, involved)
    _check_common(plan, sources, effective_on)
    moving_children = []
    for src in sources:
        children = _children(src)
        moving_children += [(c, src) for c in children]
        step = [("move_unit", c.id, dest.id if dest else "@new") for c in children]
        step.append(("move_people", src.id, dest.id if dest else "@new", None))
        step.append(("retire", src.id, dest.id if dest else "@new", "merged", "carry"))
        plan.steps.append(step)
        plan.units.append((src, _("sáp nhập vào %(name)s", name=dest.name if dest else new["name"])))
    plan.steps.append([("absorb", [u.id for u in sources], dest.id if dest else "@new")])
    if dest is not None or (new and new.get("parent")):
        _check_codes(plan, dest, [(c, c.code, c.name) for c, _src in moving_children], rename=rename,
                     former={c.id: src for c, src in moving_children}, where=dest.name if dest else new["name"])
    _count_moves(plan, [c for c, _src in moving_children], people_of=sources, retired=sources, grants="carry",
                 successor=dest)
    _check_transfers(plan, sources)
    return plan


def split(user, *, unit, name, code, kind=None, child_ids=(), person_ids=(), decision, effective_on, note=""):
    """A new sibling of `unit` takes the chosen children (a commune's branches) or the chosen people (a branch's)."""
    parent = unit.parent
    plan = Plan("split", None, decision, effective_on, note,
                params={"unit": unit.id, "name": name, "code": code, "children": [int(i) for i in child_ids],
                        "people": [int(i) for i in person_ids]})
    if parent is None:
        plan.conflicts.append(_("Không thể chia tách đơn vị cao nhất."))
        return plan
    _scope(plan, user, [unit, parent])
    _check_common(plan, [unit], effective_on)
    children = [c for c in _children(unit) if c.id in set(plan.params["children"])]
    people = db.session.scalars(select(Person.id).where(Person.unit_id == unit.id,
                                                        Person.id.in_(plan.params["people"]))).all()
    if not children and not people:
        plan.conflicts.append(_("Chọn đơn vị trực thuộc hoặc người chuyển sang đơn vị mới."))
    step = [("create", {"parent_id": parent.id, "name": name, "code": code, "level": unit.level,
                        "kind": kind or unit.kind, "org_type": unit.org_type})]
    step += [("move_unit", c.id, "@new") for c in children]
    if people:
        step.append(("move_people", unit.id, "@new", sorted(people)))
    plan.steps.append(step)
    plan.counts["created"] = 1
    plan.units.append((unit, _("tách một phần sang %(name)s", name=name)))
    _check_codes(plan, parent, [(None, code, name)], rename=False)
    _count_moves(plan, children, people_ids=people, retired=[], grants=None, successor=None)
    _check_transfers(plan, [], people_ids=people)
    return plan


def move(user, *, unit, parent, decision, effective_on, note="", rename=False):
    """A unit and its subtree under another parent (a commune to another district, or directly to the province)."""
    plan = Plan("move", None, decision, effective_on, note,
                params={"unit": unit.id, "parent": parent.id, "rename": bool(rename)})
    if parent.path.startswith(unit.path):
        plan.conflicts.append(_("Không thể chuyển một đơn vị vào chính nó hoặc đơn vị trực thuộc nó."))
    elif unit.level not in CHILD_LEVELS.get(parent.level, ()):
        plan.conflicts.append(_("%(level)s không thể trực thuộc %(parent)s.", level=unit.level_label,
                                parent=parent.level_label))
    if parent.id == unit.parent_id:
        plan.conflicts.append(_("Đơn vị đã trực thuộc đơn vị này."))
    if not parent.is_active:
        plan.conflicts.append(_("Đơn vị cấp trên mới đã thôi hoạt động."))
    _scope(plan, user, [unit, unit.parent, parent])
    _check_common(plan, [unit], effective_on)
    plan.steps.append([("move_unit", unit.id, parent.id)])
    plan.units.append((unit, _("chuyển về trực thuộc %(name)s", name=parent.name)))
    _check_codes(plan, parent, [(unit, unit.code, unit.name)], rename=rename, former={unit.id: unit.parent})
    _count_moves(plan, [unit], retired=[], grants=None, successor=None)
    return plan


def dissolve(user, *, units, decision, effective_on, note="", rename=False):
    """A level dissolved: each chosen unit's children go to its parent (their grandparent), it closes. One step per
    unit: the province's districts are 27 short transactions, not one long lock."""
    plan = Plan("dissolve", None, decision, effective_on, note,
                params={"units": [u.id for u in units], "rename": bool(rename)})
    if not units:
        plan.conflicts.append(_("Chọn ít nhất một đơn vị để giải thể."))
        return plan
    _scope(plan, user, [*units, *[u.parent for u in units if u.parent]])
    _check_common(plan, units, effective_on)
    moving = []
    by_parent = {}
    for unit in units:
        parent = unit.parent
        if parent is None:
            plan.conflicts.append(_("Không thể giải thể đơn vị cao nhất."))
            continue
        children = _children(unit)
        bad = [c for c in children if c.level not in CHILD_LEVELS.get(parent.level, ())]
        if bad:
            plan.conflicts.append(_("%(name)s: đơn vị trực thuộc không thể chuyển lên %(parent)s.", name=unit.name,
                                    parent=parent.name))
        if db.session.scalar(select(func.count()).select_from(Person).where(Person.unit_id == unit.id)):
            plan.conflicts.append(_("%(name)s còn người trực tiếp trong sổ; hãy chuyển họ trước.", name=unit.name))
        moving += [(c, unit) for c in children]
        by_parent.setdefault(parent.id, (parent, []))[1].extend((c, c.code, c.name) for c in children)
        step = [("move_unit", c.id, parent.id) for c in children]
        step.append(("retire", unit.id, parent.id, "closed", "revoke"))
        plan.steps.append(step)
        plan.units.append((unit, _("giải thể; %(n)s đơn vị trực thuộc về %(parent)s", n=len(children),
                                   parent=parent.name)))
    former = {c.id: u for c, u in moving}
    for parent, entries in by_parent.values():
        _check_codes(plan, parent, entries, rename=rename, former=former)
    _count_moves(plan, [c for c, _u in moving], retired=units, grants="revoke", successor=None, targets=False)
    return plan


def undo(user, op):
    """The inverse of an applied operation, within its decision and effective date: what it moved goes back."""
    plan = Plan("undo", op.scope_unit, op.decision, op.effective_on,
                _("Hoàn tác thao tác #%(id)s", id=op.id), params={"undoes_id": op.id})
    if op.status not in ("applied", "failed") or op.kind == "undo":
        plan.conflicts.append(_("Chỉ hoàn tác được thao tác đã thực hiện (hoặc dừng giữa chừng) và chưa hoàn tác."))
    if not has_role(user, op.scope_unit, ADMIN):
        plan.conflicts.append(_("Bạn không có quyền quản trị trên %(name)s.", name=op.scope_unit.name))
    plan.steps = inverse_steps(op)
    kinds = dict(db.session.execute(select(RestructureMove.kind, func.count()).where(RestructureMove.op_id == op.id)
                                    .group_by(RestructureMove.kind)).all())
    # what goes back: the units and people still where the operation put them (a later change is left alone)
    back_units = db.session.scalars(select(Unit).join(RestructureMove, RestructureMove.obj_id == Unit.id).where(
        RestructureMove.op_id == op.id, RestructureMove.kind == "unit", Unit.parent_id == RestructureMove.to_id)).all()
    back_people = db.session.scalar(select(func.count()).select_from(RestructureMove).join(
        Person, Person.id == RestructureMove.obj_id).where(
        RestructureMove.op_id == op.id, RestructureMove.kind == "person", Person.unit_id == RestructureMove.to_id))
    below = _subtree_counts(back_units)
    plan.counts = {"units": len(back_units), "units_below": below["units_below"],
                   "people": below["people"] + back_people, "on_roll": below["on_roll"], "people_moved": back_people,
                   "actions": kinds.get("action", 0), "grants": kinds.get("grant", 0), "targets": kinds.get("target", 0),
                   "reopened": kinds.get("closed", 0), "closed": kinds.get("created", 0),
                   "renamed": kinds.get("renamed", 0)}
    return plan


def rebuild(user, kind, params, *, decision, effective_on, note=""):
    """The plan again from its parameters (the confirm form posts them back): what services.apply runs."""
    get = lambda i: db.session.get(Unit, int(i)) if i else None  # noqa: E731
    common = {"decision": decision, "effective_on": effective_on, "note": note}
    if kind == "merge":
        new = params.get("new")
        if new:
            new = {**new, "parent": get(new.get("parent_id"))}
        return merge(user, sources=[get(i) for i in params["sources"]], target=get(params.get("target")), new=new,
                     rename=params.get("rename"), **common)
    if kind == "split":
        return split(user, unit=get(params["unit"]), name=params["name"], code=params["code"],
                     child_ids=params.get("children", ()), person_ids=params.get("people", ()), **common)
    if kind == "move":
        return move(user, unit=get(params["unit"]), parent=get(params["parent"]), rename=params.get("rename"),
                    **common)
    if kind == "dissolve":
        return dissolve(user, units=[get(i) for i in params["units"]], rename=params.get("rename"), **common)
    raise ValueError(kind)


# ---- the parts ------------------------------------------------------------------------------------------------------
def _new_params(new):
    if not new:
        return None
    return {"parent_id": new["parent"].id if new.get("parent") else None, "name": new.get("name"),
            "code": new.get("code"), "kind": new.get("kind")}


def _children(unit):
    return db.session.scalars(select(Unit).where(Unit.parent_id == unit.id, Unit.status == "active")
                              .order_by(Unit.name, Unit.id)).all()


def _scope(plan, user, involved):
    """The deepest unit above every unit involved; the user must be an admin there (or above)."""
    involved = [u for u in involved if u is not None]
    if not involved:
        return
    path = common_path(involved)
    scope_id = int(path.strip("/").split("/")[-1]) if path.strip("/") else None
    plan.scope = db.session.get(Unit, scope_id) if scope_id else None
    if plan.scope is None or not has_role(user, plan.scope, ADMIN):
        plan.conflicts.append(_("Bạn cần quyền quản trị trên một đơn vị bao trùm mọi đơn vị liên quan."))


def _check_common(plan, units, effective_on):
    if effective_on > date.today():
        plan.conflicts.append(_("Ngày hiệu lực không được sau hôm nay."))
    if any(u is None for u in units):
        plan.conflicts.append(_("Không tìm thấy đơn vị đã chọn."))
        return
    closed = [u.name for u in units if not u.is_active]
    if closed:
        plan.conflicts.append(_("Đơn vị đã thôi hoạt động: %(names)s.", names=", ".join(closed)))
    ids = [u.id for u in units]
    last = db.session.scalar(select(func.max(UnitPastPlace.until)).where(UnitPastPlace.unit_id.in_(ids)))
    if last and effective_on < last:
        plan.conflicts.append(_("Ngày hiệu lực trước lần sắp xếp gần nhất của các đơn vị này (%(d)s).",
                                d=last.strftime("%d/%m/%Y")))


def _check_codes(plan, parent, entries, *, rename, former=None, where=None):
    """Codes are unique among siblings, and two branches of one name under one commune confuse everyone: either is a
    conflict, unless the admin asked to add the former parent's code and name to tell them apart."""
    former = former or {}
    where = where or (parent.name if parent is not None else "")
    siblings = db.session.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.parent_id == parent.id)).all() \
        if parent is not None else []
    moving_ids = {u.id for u, _c, _n in entries if u is not None}
    codes = {c: i for i, c, _n in siblings if i not in moving_ids}
    names = {n.casefold(): i for i, _c, n in siblings if i not in moving_ids}
    renames = []
    for unit, code, name in entries:
        clash_code, clash_name = code in codes, name.casefold() in names
        if (clash_code or clash_name) and rename and unit is not None and unit.id in former:
            old_parent = former[unit.id]
            code = f"{old_parent.code}-{code}"[:40]
            if clash_name:
                name = f"{name} ({old_parent.name})"[:200]
                if name.casefold() in names:  # two of one name in the same former unit: its code tells them apart
                    name = f"{name[:-1]}, {unit.code})"[:200]
            renames.append(("recode", unit.id, code, name))
            clash_code, clash_name = code in codes, name.casefold() in names
        if clash_code:
            plan.conflicts.append(_("Mã %(code)s đã có trong %(parent)s.", code=code, parent=where))
        if clash_name:
            plan.conflicts.append(_("Tên \"%(name)s\" đã có trong %(parent)s.", name=name, parent=where))
        codes[code] = 0
        names[name.casefold()] = 0
    if renames:
        plan.steps.insert(0, renames)
        plan.counts["renamed"] = len(renames)


def _check_transfers(plan, retired, people_ids=()):
    """A person with a transfer request waiting, into a unit that closes or out of a branch they leave, is decided
    first: the request names a unit that would no longer be theirs."""
    conds = []
    if retired:
        ids = [u.id for u in retired]
        conds += [Transfer.to_commune_id.in_(ids), Transfer.from_unit_id.in_(ids)]
    if people_ids:
        conds.append(Transfer.person_id.in_(list(people_ids)))
    if not conds:
        return
    names = db.session.scalars(select(Person.full_name).join(Transfer, Transfer.person_id == Person.id)
                               .where(Transfer.status == "requested", or_(*conds)).limit(6)).all()
    if names:
        plan.conflicts.append(_("Còn đề nghị chuyển sinh hoạt chờ tiếp nhận (%(names)s): hãy tiếp nhận, từ chối hoặc "
                                "rút trước.", names=", ".join(names)))


def _under(col, prefixes):
    """SQL: the path column lies in one of these subtrees."""
    return or_(*[col.like(p + "%") for p in prefixes])


def _subtree_counts(units):
    """{"units_below", "people", "on_roll"} in the subtrees of these units (what moves with them): two statements."""
    if not units:
        return {"units_below": 0, "people": 0, "on_roll": 0}
    prefixes = [u.path for u in units]
    people, on_roll = db.session.execute(
        select(func.count(), func.count(case((Person.status.in_(ON_ROLL), 1))))
        .where(_under(Person.unit_path, prefixes))).one()
    return {"units_below": db.session.scalar(select(func.count()).select_from(Unit)
                                             .where(_under(Unit.path, prefixes))),
            "people": people, "on_roll": on_roll}


def _count_moves(plan, moved_units, *, people_of=(), people_ids=(), retired=(), grants=None, successor=None,
                 targets=True):
    """The preview's numbers, from the records: what will move and what stays with the closed units."""
    c = plan.counts
    c.setdefault("units", 0)
    c["units"] += len(moved_units)
    prefixes = [u.path for u in moved_units]
    below = _subtree_counts(moved_units)
    c["units_below"], c["on_roll"], people = below["units_below"], below["on_roll"], below["people"]
    direct = 0
    if people_of:
        direct = db.session.scalar(select(func.count()).select_from(Person).where(
            Person.unit_id.in_([u.id for u in people_of])))
    direct += len(people_ids)
    c["people"], c["people_moved"] = people + direct, direct
    ids = [u.id for u in retired]
    c["closed"] = len(ids)
    c["actions"] = db.session.scalar(select(func.count()).select_from(CorrectiveAction).where(
        or_(CorrectiveAction.owner_unit_id.in_(ids), CorrectiveAction.verifier_unit_id.in_(ids)),
        CorrectiveAction.status.in_(OPEN_ACTION))) if ids else 0
    # an action both owned and verified by retired units moves twice (once per role)
    if ids:
        c["actions"] += db.session.scalar(select(func.count()).select_from(CorrectiveAction).where(
            CorrectiveAction.owner_unit_id.in_(ids), CorrectiveAction.verifier_unit_id.in_(ids),
            CorrectiveAction.status.in_(OPEN_ACTION)))
    rows = db.session.execute(select(RoleGrant, User).join(User, User.id == RoleGrant.user_id).where(
        RoleGrant.unit_id.in_(ids), RoleGrant.revoked_at.is_(None)).order_by(RoleGrant.unit_id, User.username)).all() \
        if ids else []
    plan.grants = [(g, u, successor if grants == "carry" else None) for g, u in rows]
    c["grants"] = len(rows)
    year = plan.effective_on.year
    keys = db.session.execute(select(Target.year, Target.indicator_id).join(
        Indicator, Indicator.id == Target.indicator_id).where(
        Target.unit_id.in_(ids), Target.year >= year, Target.status != "superseded", Indicator.kind == "count")
        .distinct()).all() if ids and targets else []
    c["targets"] = len(keys)
    # what stays with the closed units (their pages keep it) and what follows the moved subtrees
    if ids:
        plan.stays = {
            "classes": db.session.scalar(select(func.count()).select_from(TrainingClass).where(
                TrainingClass.unit_id.in_(ids))),
            "inspections": db.session.scalar(select(func.count()).select_from(Inspection).where(
                Inspection.unit_id.in_(ids))),
        }
    if prefixes:
        plan.stays["classes_moving"] = db.session.scalar(select(func.count()).select_from(TrainingClass).where(
            _under(TrainingClass.unit_path, prefixes)))
        plan.stays["inspections_moving"] = db.session.scalar(select(func.count()).select_from(Inspection).where(
            _under(Inspection.unit_path, prefixes)))
