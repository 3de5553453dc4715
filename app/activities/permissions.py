"""Who may do what with activities and dues. Small predicates; routes call them, templates get booleans."""
from ..access import has_role

OFFICER = ("officer",)


def can_view_unit_records(user, unit):
    return has_role(user, unit)


def can_manage_activities(user, unit):
    """Create activities and mark attendance: the officer role on the unit (or above)."""
    return unit is not None and unit.is_active and unit.level in ("commune", "branch") and has_role(user, unit, OFFICER)


def can_view_activity(user, activity):
    return has_role(user, activity.unit)


def can_edit_activity(user, activity):
    return can_manage_activities(user, activity.unit)


def can_record_dues(user, branch):
    return branch is not None and branch.is_active and branch.level == "branch" and has_role(user, branch, OFFICER)
