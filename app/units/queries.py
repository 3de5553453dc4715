"""Reads for the unit pages, each a fixed number of statements whatever the tree's size."""
from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..access import authorize, has_role, in_scope, scope_paths, subtree
from ..extensions import db
from ..text import fold
from ..web import arg_int
from . import permissions
from .models import Unit

ACTIONS = {
    "view": permissions.can_view_unit,
    "edit": permissions.can_edit_unit,
    "create_child": permissions.can_create_child,
    "close": permissions.can_close_unit,
}


def get_unit_for(user, unit_id, action="view"):
    """Load, then authorise: 404 when missing, 403 when outside the user's rights."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    authorize(ACTIONS[action](user, unit))
    return unit


def get_unit(unit_id):
    """A unit by id, or None (for pickers that check the right themselves)."""
    return db.session.get(Unit, unit_id) if unit_id else None


def unit_from_args(user, roles=None, name="unit", *, strict=False):
    """The one ?unit= loader: the unit a list is narrowed to or a form preset with, when it lies in the user's
    subtrees for `roles`. Absent or not a number → None; an id that is missing or out of scope → None, or with
    `strict` 404 / 403."""
    unit_id = arg_int(name, lo=0)
    if unit_id is None:  # absent or not a number: the list is not narrowed
        return None
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        if strict:
            abort(404)
        return None
    if not has_role(user, unit, roles):
        if strict:
            abort(403)
        return None
    return unit


def branches_of(unit, limit=None):
    """The open branches directly under a commune (or any unit), by name."""
    stmt = (select(Unit).where(Unit.parent_id == unit.id, Unit.level == "branch", Unit.status == "active")
            .order_by(Unit.name))
    return db.session.scalars(stmt.limit(limit) if limit else stmt).all()


def list_root_units(user, roles=None):
    """The top of each subtree the user holds a role on."""
    paths = scope_paths(user, roles)
    if not paths:
        return []
    return db.session.scalars(select(Unit).where(Unit.path.in_(paths)).order_by(Unit.path)).all()


def get_ancestors(unit):
    ids = unit.ancestor_ids
    if not ids:
        return []
    return db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.depth)).all()


def list_children_with_counts(unit, include_closed=False):
    """Children with their count of open children and of open branches below them — two statements.

    The counts come from one scan of the open descendants' paths, tallied here: a correlated LIKE per child
    cost ~300 ms at province scale (166 communes × 4,000 branches), this costs a few milliseconds."""
    stmt = select(Unit).where(Unit.parent_id == unit.id)
    if not include_closed:
        stmt = stmt.where(Unit.status == "active")
    children = db.session.scalars(stmt).all()
    # Sorted here by the folded name: byte order puts "Chi hội" before "Chi đoàn" and "Ấp" after "Xóm".
    children.sort(key=lambda u: (u.status != "active", u.level, fold(u.name)))
    if not children:
        return []
    direct, branches = {}, {}
    rows = db.session.execute(
        select(Unit.path, Unit.level).where(subtree(Unit.path, unit.path), Unit.status == "active")
    )
    cut, depth = len(unit.path), unit.path.count("/")  # depth from the path itself, the tree's one source of truth
    for path, level in rows:
        below = path.count("/") - depth
        if below < 2:  # the unit itself and its children
            continue
        child_id = int(path[cut:path.index("/", cut)])
        if below == 2:
            direct[child_id] = direct.get(child_id, 0) + 1
        if level == "branch":
            branches[child_id] = branches.get(child_id, 0) + 1
    return [(c, direct.get(c.id, 0), branches.get(c.id, 0)) for c in children]


def count_subtree_by_level(unit):
    rows = db.session.execute(
        select(Unit.level, func.count(Unit.id))
        .where(subtree(Unit.path, unit.path), Unit.id != unit.id, Unit.status == "active")
        .group_by(Unit.level)
    ).all()
    return dict(rows)


def subtree_units_stmt(unit, level):
    """The open units of one level anywhere below `unit` (the records behind the unit page's counts)."""
    return (select(Unit).options(joinedload(Unit.parent))
            .where(subtree(Unit.path, unit.path), Unit.id != unit.id, Unit.level == level, Unit.status == "active")
            .order_by(Unit.name, Unit.id))


def count_closed_children(unit):
    return db.session.scalar(
        select(func.count(Unit.id)).where(Unit.parent_id == unit.id, Unit.status != "active")
    )


def sibling_code_taken(parent_id, code, exclude_id=None):
    stmt = select(Unit.id).where(Unit.parent_id == parent_id, func.lower(Unit.code) == code.lower())
    if exclude_id:
        stmt = stmt.where(Unit.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def sibling_name_taken(parent_id, name, exclude_id=None):
    """Same name among open siblings, ignoring case and diacritics ("Thôn 5" = "thon 5"); a few rows, folded here."""
    stmt = select(Unit.id, Unit.name).where(Unit.parent_id == parent_id, Unit.status == "active")
    if exclude_id:
        stmt = stmt.where(Unit.id != exclude_id)
    key = fold(name)
    return any(fold(n) == key for _id, n in db.session.execute(stmt))


def list_units_in_scope(user, roles=None, levels=None, q=None, limit=50):
    """Units the user may act on (for pickers), filtered in SQL."""
    stmt = select(Unit).where(in_scope(Unit.path, user, roles), Unit.status == "active")
    if levels:
        stmt = stmt.where(Unit.level.in_(levels))
    if q:
        stmt = stmt.where(Unit.name.ilike(f"%{q}%"))
    return db.session.scalars(stmt.order_by(Unit.path).limit(limit)).all()


def official_wards_for(unit):
    """Official communes/wards of the province a unit belongs to (from the vietnam-provinces package)."""
    province = unit
    if unit.level != "province":
        ids = unit.ancestor_ids
        province = db.session.get(Unit, ids[0]) if ids else None
    if not province or not province.official_code:
        return []
    from vietnam_provinces import Ward

    code = int(province.official_code)
    return sorted(
        ((str(int(w.code)), w.name) for w in Ward.iter_all() if int(w.province_code) == code),
        key=lambda x: x[1],
    )

