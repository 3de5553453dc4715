"""Account administration rules."""
from ..access import grants_of, has_role


def holds_grant(admin, unit, role):
    """The admin is an admin at `unit` and holds `role` there too (viewer is implied by any role)."""
    if unit is None or not has_role(admin, unit, "admin"):
        return False
    return has_role(admin, unit, None if role == "viewer" else role)


def can_grant(admin, unit, role):
    """An admin grants inside their own subtree, and never a role they do not hold there."""
    return unit is not None and unit.is_active and holds_grant(admin, unit, role)


def can_manage_user(admin, user, user_grants):
    """An admin acts on an account only if every active grant of it lies in the admin's subtree with a role the admin
    holds there — an admin cannot reset, revoke or lock an account stronger than themself (or a bare account
    another admin made, unless the admin is at the top of the tree)."""
    if admin.id == user.id:
        return False
    if not user_grants:
        return user.created_by_id == admin.id or any(r == "admin" and p.count("/") == 2 for r, _, p in grants_of(admin))
    return all(holds_grant(admin, g.unit, g.role) for g in user_grants)


def can_revoke(admin, grant):
    return (grant.user_id != admin.id and holds_grant(admin, grant.unit, grant.role)
            and can_manage_user(admin, grant.user, grant.user.grants))


def can_manage_accounts(admin):
    return any(r == "admin" for r, _, _ in grants_of(admin))
