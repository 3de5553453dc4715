from flask import abort
from flask_login import current_user
from sqlalchemy import literal, or_, select, union_all
from sqlalchemy.orm import aliased, selectinload

from ..access import authorize, grants_of, has_role, in_scope
from ..audit.models import AuditEntry
from ..extensions import db
from ..units.models import Unit
from . import permissions
from .models import ROLES, RoleGrant, User


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


def get_grant_for(admin, grant_id, revoked_ok=False):
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or (grant.revoked_at is not None and not revoked_ok):
        abort(404)
    if grant.revoked_at is not None:  # already revoked: whoever could have revoked it may hear so
        authorize(grant.user_id != admin.id and permissions.holds_grant(admin, grant.unit, grant.role))
        return grant
    authorize(permissions.can_revoke(admin, grant))
    return grant


def grantable_units(admin, limit=600):
    """Units an admin may grant on, for the picker, in tree order: every unit of their subtree, branches included
    (a branch secretary is an officer of the branch). A subtree larger than `limit` lists its units above branch
    level; a branch is then reached through its unit's accounts page (?unit=)."""
    base = select(Unit).where(in_scope(Unit.path, admin, "admin"), Unit.status == "active").order_by(Unit.path)
    units = db.session.scalars(base.limit(limit + 1)).all()
    if len(units) <= limit:
        return units
    return db.session.scalars(base.where(Unit.level != "branch").limit(limit)).all()


def own_lowest_unit(admin):
    """The deepest unit the admin administers: the least reach, the default of the account forms."""
    paths = [(p.count("/"), uid) for r, uid, p in grants_of(admin) if r == "admin"]
    return db.session.get(Unit, max(paths)[1]) if paths else None


def shown_grants(admin, user):
    """The grants of `user` the admin may see: those inside the admin's subtree."""
    return [g for g in user.grants if has_role(admin, g.unit, "admin")]


# ---- the signed-in person ------------------------------------------------------------------------------
def load_user(user_id):
    """Flask-Login's loader: the session holds "id:stamp"; a changed password or a locked account ends it."""
    uid, _sep, stamp = str(user_id).partition(":")
    user = db.session.get(User, int(uid)) if uid.isdigit() else None
    if user is None or not user.active or stamp != user.session_stamp:
        return None  # deactivated, or the password changed since this session began
    return user


def header_grant():
    """The user's highest unit and its roles, for the header."""
    grants = grants_of(current_user)
    if not grants:
        return None
    top_path = min((p for _, _, p in grants), key=len)
    unit_id = next(uid for _, uid, p in grants if p == top_path)
    held = {r for r, _, p in grants if p == top_path}
    roles = [str(label) for key, label in ROLES.items() if key in held]
    label = roles[0] + (f" +{len(roles) - 1}" if len(roles) > 1 else "")
    unit = db.session.get(Unit, unit_id)
    return {"unit": unit, "roles": label, "more": len({p for _, _, p in grants}) - 1}


# ---- what base modules read through app.seams (registered in app/auth/__init__.py) -------------------------------
def active_grants(user):
    """access.grants_of's loader: [(role, unit id, unit path)] of the user's grants in force on open units — and, to
    read their history, a viewer's right on each unit merged into one of them (a ward's officers open the pages of
    the communes it was formed from; the restructuring closed those with merged_into_id). One statement."""
    own = (select(RoleGrant.role, Unit.id, Unit.path)
           .join(Unit, Unit.id == RoleGrant.unit_id)
           .where(RoleGrant.user_id == user.id, RoleGrant.revoked_at.is_(None), Unit.status != "closed"))
    before = aliased(Unit)
    merged = (select(literal("viewer"), before.id, before.path)
              .select_from(RoleGrant).join(Unit, Unit.id == RoleGrant.unit_id)
              .join(before, before.merged_into_id == Unit.id)
              .where(RoleGrant.user_id == user.id, RoleGrant.revoked_at.is_(None), Unit.status == "active",
                     before.status == "merged"))
    return db.session.execute(union_all(own, merged)).all()


def audit_visible(admin):
    """The audit entries an admin reads beyond their units' subtrees: changes that carry no unit, by or of the accounts
    they created (or themselves), and everything about an account that holds (held) a grant inside their subtree
    (its changes, its failed sign-ins)."""
    return or_(
        AuditEntry.unit_path.is_(None) & AuditEntry.user_id.in_(
            select(User.id).where(or_(User.id == admin.id, User.created_by_id == admin.id))),
        (AuditEntry.object_type == "user_account") & AuditEntry.object_id.in_(
            select(RoleGrant.user_id).join(Unit, Unit.id == RoleGrant.unit_id)
            .where(in_scope(Unit.path, admin, "admin"))))


def audit_by_account(text):
    """Audit entries written by an account whose username contains `text`."""
    return AuditEntry.user_id.in_(select(User.id).where(User.username.ilike(f"%{text.strip()}%")))
