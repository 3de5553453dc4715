"""Who may do what with targets and the Party pipeline. Small predicates; routes call them, templates get booleans.

- Anyone with a role on a unit (or above it) reads its targets and progress.
- Officers and admins of a unit register its targets and submit them; viewers read only.
- The level above approves or returns: an officer or admin of the unit's parent (or higher). Nobody approves a
  target of a unit they may register for themselves at that unit only — an approver must hold the role on an
  ancestor, so a commune officer cannot approve the commune's own target.
- A province admin maintains the indicator catalogue.
- Officers of the person's unit record the Party pipeline's steps.
"""
from ..access import has_role, scope_paths

REGISTRARS = ("officer", "admin")


def can_view(user, unit):
    return unit is not None and has_role(user, unit)


def can_register(user, unit):
    return unit is not None and unit.is_active and unit.level != "branch" and has_role(user, unit, REGISTRARS)


def can_approve(user, target):
    """An officer or admin of a unit strictly above the target's unit — and not the one who submitted it (a district
    officer may register a commune's target, but then another person approves it: four eyes)."""
    parent = target.unit.parent
    return parent is not None and has_role(user, parent, REGISTRARS) and target.submitted_by_id != user.id


def can_split(user, unit):
    """The level above splits its own target among its children: a registrar of the unit itself."""
    return can_register(user, unit)


def can_manage_catalogue(user):
    return any(p.count("/") == 2 for p in scope_paths(user, "admin"))


def can_record_step(user, person):
    return has_role(user, person.unit, REGISTRARS)
