"""Route-walk samples for the units and auth domains.

Every domain adds a tests/samples_<domain>.py with make_samples(ctx) → {url parameter: id}, creating its
objects inside ctx.tree.C1 (the commune the outsider may not touch). tests/test_access_routes.py walks
every route of app.url_map with these ids.
"""
from app.auth.models import RoleGrant


def make_samples(ctx):
    db, tree = ctx.db, ctx.tree
    victim = ctx.make_user("victim.officer", (tree.C1, "officer"))
    grant = db.session.query(RoleGrant).filter_by(user_id=victim.id).one()
    return {"unit_id": tree.B1.id, "user_id": victim.id, "grant_id": grant.id}
