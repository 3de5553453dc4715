"""The audit trail. Every service that writes calls record(); it only adds to the session."""
from datetime import date, datetime
from decimal import Decimal

from flask_login import current_user

from ..dates import utcnow
from ..extensions import db
from .models import AuditEntry


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj, fields):
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before, after):
    """{"field": [old, new]} for the fields that changed."""
    keys = set(before or {}) | set(after or {})
    out = {}
    for k in sorted(keys):
        old, new = (before or {}).get(k), (after or {}).get(k)
        if _plain(old) != _plain(new):
            out[k] = [_plain(old), _plain(new)]
    return out


def record(*, action, obj=None, object_type=None, object_id=None, unit=None, before=None, after=None,
           summary=None, user=None):
    if user is None:
        user = current_user if getattr(current_user, "is_authenticated", False) else None
    if obj is not None:
        db.session.flush()  # make sure the object has an id
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    entry = AuditEntry(
        user_id=user.id if user else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        unit_id=unit.id if unit else None,
        unit_path=unit.path if unit else None,
        summary=(summary or "")[:300] or None,
        changes=diff(before, after),
    )
    db.session.add(entry)
    return entry


def record_now(*, action, object_type, object_id=None, unit=None, summary=None, user=None):
    """An entry written at once on a connection of its own, whatever becomes of the request's transaction: for what
    must be on record even when the request is refused (a probe of someone else's citizen ID)."""
    if user is None:
        user = current_user if getattr(current_user, "is_authenticated", False) else None
    with db.engine.begin() as conn:
        conn.execute(AuditEntry.__table__.insert().values(
            at=utcnow(), user_id=user.id if user else None, action=action, object_type=object_type,
            object_id=object_id, unit_id=unit.id if unit else None, unit_path=unit.path if unit else None,
            summary=(summary or "")[:300] or None, changes={}))
