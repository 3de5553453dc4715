"""The one way the restructuring tests apply a previewed plan: it must apply cleanly, the operation's moved numbers
must be the preview's, and no copy of a path may differ from its unit's."""
from app.extensions import db
from app.restructure import paths, plans, services
from app.restructure.models import RestructureOp

__all__ = ["applied"]


def applied(_db, plan, user):
    assert plan.ok, plan.conflicts
    op = services.apply(plan, by=user)
    db.session.expire_all()
    op = db.session.get(RestructureOp, op.id)
    assert op.status == "applied", op.error
    for key in plans.COUNTED:
        assert (op.moved or {}).get(key, 0) == plan.counts.get(key, 0), (key, op.moved, plan.counts)
    assert paths.mismatches() == []
    return op
