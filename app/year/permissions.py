"""Who may do what in the year's close. Small predicates; routes call them, templates get booleans.

- Anyone with a role on a unit (or above it) reads its evaluation, grades, plans and reports; a viewer only reads.
- A branch's members are graded by the branch: an officer or admin holding a role on the branch (a commune officer
  holds it there too). The commune approves or returns: an officer or admin on an ancestor of the branch who did
  not submit it (four eyes).
- A unit's grade is decided by the level above: an officer or admin on an ancestor of the unit.
- A consolidation plan is made by officers or admins of the unit that makes it (the level above the weak units);
  its measures are followed up through the inspections domain's actions (app.inspections.permissions).
- A unit's yearly report is written and submitted by its officers and admins.
- The grades and the rules' numbers are kept by a province admin.
"""
from ..access import has_role, scope_paths

DECIDERS = ("officer", "admin")


def can_view(user, unit):
    return unit is not None and has_role(user, unit)


def _above(user, unit):
    parent = unit.parent
    return parent is not None and has_role(user, parent, DECIDERS)


def can_grade_members(user, evaluation_unit):
    return evaluation_unit.is_active and evaluation_unit.level == "branch" and has_role(user, evaluation_unit, DECIDERS)


def can_approve_members(user, evaluation):
    return (evaluation.status == "submitted" and _above(user, evaluation.unit)
            and evaluation.submitted_by_id != user.id)


def can_grade_unit(user, unit):
    return unit.is_active and _above(user, unit)


def can_grade_below(user, unit):
    """can_grade_unit for the unit's open children at once: they share the level above (this unit)."""
    return unit.is_active and has_role(user, unit, DECIDERS)


def can_plan(user, unit):
    return unit is not None and unit.is_active and unit.level != "branch" and has_role(user, unit, DECIDERS)


def can_write_report(user, unit):
    return unit is not None and unit.is_active and unit.level != "branch" and has_role(user, unit, DECIDERS)


def can_manage_catalogue(user):
    return any(p.count("/") == 2 for p in scope_paths(user, "admin"))
