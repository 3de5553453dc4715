class ConflictError(Exception):
    """The record changed since the form was opened: show a conflict page, never overwrite silently."""

    def __init__(self, obj, theirs=None):
        super().__init__(f"stale {obj!r}")
        self.obj = obj
        self.theirs = theirs or []  # [(label, value now stored)] for the conflict page, beside what was typed


def check_version(obj, expected_version, wanted=None):
    """Before an edit: lock the record's row (PostgreSQL: a twin request waits until this one commits), then refuse a
    form opened on an older version — unless everything it asks for is already stored (the same edit resent after
    its answer was lost: it answers as the first did). Returns True when there is nothing left to write.

    `wanted`: {attribute: value} the form would write, compared as the service would store them.
    """
    from sqlalchemy import inspect

    from .extensions import db
    from .locks import lock_rows

    state = inspect(obj)
    if obj in db.session and state.identity and not db.session.is_modified(obj):
        lock_rows(state.mapper.primary_key[0], [state.identity[0]])
        db.session.refresh(obj)  # a fresh read, after the twin (if any) committed
    if expected_version is None or expected_version == obj.version:
        return False
    if wanted is not None and all(getattr(obj, k) == v for k, v in wanted.items()):
        return True
    raise ConflictError(obj)
