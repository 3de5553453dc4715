"""Who may do what to a unit. Small predicates; routes call them, templates get the booleans."""
from ..access import has_role
from .models import CHILD_LEVELS


def can_view_unit(user, unit):
    return has_role(user, unit)


def can_edit_unit(user, unit):
    return unit.is_active and has_role(user, unit, "admin")


def can_create_child(user, parent):
    return parent.is_active and bool(CHILD_LEVELS.get(parent.level)) and has_role(user, parent, "admin")


def can_close_unit(user, unit):
    # Closing takes an admin of the level above: a commune cannot dissolve itself.
    return unit.is_active and unit.parent is not None and has_role(user, unit.parent, "admin")
