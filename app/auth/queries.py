from flask import abort
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..access import authorize, in_scope
from ..extensions import db
from ..units.models import Unit
from . import permissions
from .models import RoleGrant, User


def users_in_scope_stmt(admin, q=None, unit=None):
    """Accounts with a grant inside the admin's subtree (or created by the admin), filtered in SQL."""
    scope = in_scope(Unit.path, admin, "admin")
    if unit is not None:
        scope = Unit.path.like(unit.path + "%") & scope
    with_grant = (
        select(RoleGrant.user_id).join(Unit, Unit.id == RoleGrant.unit_id).where(RoleGrant.revoked_at.is_(None), scope)
    )
    cond = User.id.in_(with_grant)
    if unit is None:
        cond = or_(cond, User.created_by_id == admin.id)
    stmt = select(User).where(cond).options(selectinload(User.grants).selectinload(RoleGrant.unit))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.full_name.ilike(like)))
    return stmt.order_by(User.active.desc(), User.username)


def get_user_for(admin, user_id):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    authorize(permissions.can_manage_user(admin, user, user.grants))
    return user


def get_grant_for(admin, grant_id):
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.revoked_at is not None:
        abort(404)
    authorize(permissions.can_revoke(admin, grant))
    return grant


def grantable_units(admin, limit=600):
    """Units an admin may grant on, for the picker: non-branch units of their subtree (branches via their page)."""
    return db.session.scalars(
        select(Unit).where(in_scope(Unit.path, admin, "admin"), Unit.status == "active", Unit.level != "branch")
        .order_by(Unit.path).limit(limit)
    ).all()
