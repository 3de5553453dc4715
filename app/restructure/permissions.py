"""Who may restructure: an admin of a unit above every unit involved (plans._scope checks the involved set; these
predicates gate the pages)."""
from ..access import has_role

ADMIN = ("admin",)


def can_restructure(user, unit):
    """May open the restructuring pages of this unit's subtree (choose units, preview)."""
    return unit is not None and unit.is_active and has_role(user, unit, ADMIN)


def can_view_op(user, op):
    """An operation is read by anyone with a role on its scope unit (its decision touches their subtree)."""
    return has_role(user, op.scope_unit)


def can_undo(user, op):
    """An applied operation, or one stopped half way (its done steps are taken back), by an admin of its scope."""
    return op.status in ("applied", "failed") and op.kind != "undo" and has_role(user, op.scope_unit, ADMIN)


def can_manage_op(user, op):
    """The undo preview and resuming a stopped operation: an admin of its scope unit."""
    return has_role(user, op.scope_unit, ADMIN)


def can_resume(user, op):
    """A stopped operation (failed, or running with no step for minutes: its process is gone)."""
    return (op.status == "failed" or op.stalled) and has_role(user, op.scope_unit, ADMIN)
