"""Account administration rules."""
from ..access import grants_of, has_role


def can_grant(admin, unit, role):
    """An admin grants inside their own subtree, and never a role they do not hold there."""
    if unit is None or not unit.is_active or not has_role(admin, unit, "admin"):
        return False
    return has_role(admin, unit, None if role == "viewer" else role)


def can_manage_user(admin, user, user_grants):
    """Every active grant of the account lies inside the admin's subtree (or the admin created a bare account)."""
    if admin.id == user.id:
        return False
    if not user_grants:
        return user.created_by_id == admin.id or any(r == "admin" and p.count("/") == 2 for r, _, p in grants_of(admin))
    return all(has_role(admin, g.unit, "admin") for g in user_grants)


def can_revoke(admin, grant):
    return grant.user_id != admin.id and has_role(admin, grant.unit, "admin")


def can_manage_accounts(admin):
    return any(r == "admin" for r, _, _ in grants_of(admin))
