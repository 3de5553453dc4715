"""Reads for the restructuring pages, each a fixed number of statements: the operations in an admin's scope, an
operation and its moves, the units and people a form offers."""
from flask import abort
from sqlalchemy import func, or_, select

from ..access import authorize, in_scope, subtree
from ..auth.models import User
from ..extensions import db
from ..members.models import ON_ROLL, Person
from ..units.models import CHILD_LEVELS, Unit
from . import permissions
from .models import RestructureMove, RestructureOp

PEOPLE_LIMIT = 300  # a branch's people on the split form (a branch has a few dozen; 300 is a very big one)
PARENTS_LIMIT = 500
UNIT_MOVES = ("unit", "closed", "created", "renamed", "reopened")

ACTIONS = {"view": permissions.can_view_op, "manage": permissions.can_manage_op}


def get_op_for(user, op_id, action="view"):
    op = db.session.get(RestructureOp, op_id)
    if op is None:
        abort(404)
    authorize(ACTIONS[action](user, op))
    return op


def op_of_token(token):
    """The operation a confirm form with this token made already (a double tap, a resent form), or None."""
    if not token:
        return None
    return db.session.scalar(select(RestructureOp).where(RestructureOp.form_token == token))


def ops_stmt(user, unit=None):
    """The operations in the admin's scope (optionally those inside `unit`'s subtree), newest first."""
    stmt = select(RestructureOp).where(in_scope(RestructureOp.scope_path, user, permissions.ADMIN))
    if unit is not None:
        stmt = stmt.where(subtree(RestructureOp.scope_path, unit.path))
    return stmt.order_by(RestructureOp.id.desc())


def recent_ops_of_unit(unit, limit=5):
    """Operations that moved, created, closed or renamed this unit, or that were done inside its subtree: one
    statement."""
    moved = select(RestructureMove.op_id).where(RestructureMove.obj_id == unit.id,
                                                RestructureMove.kind.in_(UNIT_MOVES))
    return db.session.scalars(select(RestructureOp).where(or_(RestructureOp.id.in_(moved),
                                                              subtree(RestructureOp.scope_path, unit.path)))
                              .order_by(RestructureOp.id.desc()).limit(limit)).all()


def active_children(unit, exclude_levels=()):
    stmt = select(Unit).where(Unit.parent_id == unit.id, Unit.status == "active")
    if exclude_levels:
        stmt = stmt.where(Unit.level.not_in(exclude_levels))
    return db.session.scalars(stmt.order_by(Unit.level, Unit.name, Unit.id)).all()


def people_on_roll(unit, limit=PEOPLE_LIMIT):
    return db.session.scalars(select(Person).where(Person.unit_id == unit.id, Person.status.in_(ON_ROLL))
                              .order_by(Person.name_key, Person.id).limit(limit)).all()


def possible_parents(user, unit, limit=PARENTS_LIMIT):
    """Active units of a level that may hold `unit`, in the user's admin scope, outside its own subtree."""
    levels = [lv for lv, kids in CHILD_LEVELS.items() if unit.level in kids]
    if not levels:
        return []
    stmt = (select(Unit).where(in_scope(Unit.path, user, permissions.ADMIN), Unit.status == "active",
                               Unit.level.in_(levels), Unit.id != unit.parent_id, ~Unit.path.like(unit.path + "%"))
            .order_by(Unit.path).limit(limit))
    return db.session.scalars(stmt).all()


def moves_stmt(op, kind=None):
    stmt = select(RestructureMove).where(RestructureMove.op_id == op.id)
    if kind:
        stmt = stmt.where(RestructureMove.kind == kind)
    return stmt.order_by(RestructureMove.kind, RestructureMove.id)


def move_counts(op):
    """{kind: n} of an operation's moves (the filter's tabs)."""
    return dict(db.session.execute(select(RestructureMove.kind, func.count()).where(RestructureMove.op_id == op.id)
                                   .group_by(RestructureMove.kind)).all())


def names_for_moves(moves):
    """{("unit", id): name, ("person", id): name, ("user", id): name} for the objects and places a page of moves
    names: three statements at most."""
    unit_ids, person_ids = set(), set()
    for m in moves:
        (person_ids if m.kind == "person" else unit_ids if m.kind in UNIT_MOVES else set()).add(m.obj_id)
        unit_ids.update(i for i in (m.from_id, m.to_id) if i)
    users = {m.detail["user_id"] for m in moves if m.kind == "grant" and (m.detail or {}).get("user_id")}
    out = {}
    if users:
        out.update({("user", i): n or u for i, n, u in db.session.execute(
            select(User.id, User.full_name, User.username).where(User.id.in_(sorted(users))))})
    if unit_ids:
        out.update({("unit", i): n for i, n in db.session.execute(
            select(Unit.id, Unit.name).where(Unit.id.in_(sorted(unit_ids))))})
    if person_ids:
        out.update({("person", i): n for i, n in db.session.execute(
            select(Person.id, Person.full_name).where(Person.id.in_(sorted(person_ids))))})
    return out


def units_by_id(ids):
    ids = sorted({int(i) for i in ids if i})
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}


def unit_panel(unit, user):
    """The unit page's "Sắp xếp tổ chức" panel for an admin: the operations that may start here and the unit's recent
    operations (one statement)."""
    if not permissions.can_restructure(user, unit):
        return None
    return {"ops": recent_ops_of_unit(unit), "has_parent": unit.parent_id is not None,
            "may_merge": unit.level != "branch", "may_dissolve": unit.level in ("province", "district")}
