"""Access in one place: which units a user may see or act on, for which role.

A role granted on a unit covers that unit's whole subtree. Grants are read once per request — through the loader
the auth domain registers with app.seams (GRANTS), so this module knows no domain's tables; list queries filter in SQL
with `in_scope(Model.path_column, user, roles)`.
"""
from flask import abort, g
from sqlalchemy import and_, false, or_

from . import seams
from .extensions import db

ANY_ROLE = ("admin", "officer", "organizer", "inspector", "viewer")


def grants_of(user):
    """[(role, unit_id, unit_path)] of the user's active grants on open units — cached for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cache = g.setdefault("_grants", {})
    if user.id not in cache:
        cache[user.id] = [tuple(r) for r in seams.one(seams.GRANTS)(user)]
    return cache[user.id]


def forget_grants():
    g.pop("_grants", None)


def _roles(roles):
    if roles is None:
        return ANY_ROLE
    return (roles,) if isinstance(roles, str) else tuple(roles)


def scope_paths(user, roles=None):
    """The minimal set of subtree prefixes the user holds one of `roles` on."""
    roles = _roles(roles)
    paths = sorted({p for r, _, p in grants_of(user) if r in roles}, key=len)
    minimal = []
    for p in paths:
        if not any(p.startswith(m) for m in minimal):
            minimal.append(p)
    return minimal


def in_scope(path_column, user, roles=None):
    """SQL condition: `path_column` lies inside one of the user's subtrees for `roles`."""
    paths = scope_paths(user, roles)
    if not paths:
        return false()
    return or_(*[subtree(path_column, p) for p in paths])


def common_path(units):
    """The deepest path every unit's path starts with ("/1/" for communes of two districts): one subtree() for all."""
    parts = [u.path.strip("/").split("/") for u in units]
    common = []
    for segs in zip(*parts):
        if len(set(segs)) != 1:
            break
        common.append(segs[0])
    return "/" + "".join(s + "/" for s in common)


def subtree(path_column, path):
    """SQL: a materialised path lies in the subtree at `path` ("/1/5/"). PostgreSQL's pattern_ops index serves the
    LIKE; SQLite's LIKE cannot use an index, so below the root the equivalent byte range "/1/5/" <= x < "/1/50" is
    added (a root's subtree is the whole table, where a plain scan is faster than the index)."""
    cond = path_column.like(path + "%")
    if path.count("/") > 2 and db.session.get_bind().dialect.name == "sqlite":
        cond = and_(cond, path_column >= path, path_column < path[:-1] + "0")
    return cond


def has_role(user, unit, roles=None):
    """Does the user hold one of `roles` on this unit or one of its ancestors?"""
    if unit is None:
        return False
    return any(unit.path.startswith(p) for p in scope_paths(user, roles))


def authorize(allowed):
    if not allowed:
        abort(403)
