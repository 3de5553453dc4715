"""Who may do what with checklists, plans, inspections and corrective actions.

- Any role on the inspected unit or on the inspecting unit lets you view an inspection (and its actions).
- Checklist templates are maintained by inspectors of the province or district that owns them: those levels
  set the standards every commune is checked against, so scores stay comparable; a commune uses them.
- Plans are made by inspectors of the inspecting unit; recording and conclusions by the plan's team (who must
  still hold the inspector role there); closing by the team lead.
- Corrective actions are completed by officers of the owning unit and verified or reopened at the verifying
  unit: by its inspectors for an inspection's finding, by its officers or admins for a consolidation measure.
"""
from ..access import has_role, scope_paths
from .models import VERIFIER_ROLES

MANAGING_LEVELS = ("province", "district")


def can_view_template(user, template):
    owner = template.owner_unit
    # Inside the owner's subtree, or above it (a province inspector sees a district's checklists).
    return has_role(user, owner) or _holds_below(user, owner)


def _holds_below(user, unit):
    return any(p.startswith(unit.path) for p in scope_paths(user))


def can_manage_template(user, template):
    owner = template.owner_unit
    return owner.is_active and owner.level in MANAGING_LEVELS and has_role(user, owner, "inspector")


def can_manage_templates_at(user, unit):
    return unit is not None and unit.is_active and unit.level in MANAGING_LEVELS and has_role(user, unit, "inspector")


def can_view_plan(user, plan):
    return has_role(user, plan.inspecting_unit) or any(has_role(user, i.unit) for i in plan.inspections)


def can_plan_at(user, unit):
    return unit is not None and unit.is_active and has_role(user, unit, "inspector")


def can_edit_plan(user, plan):
    return plan.inspecting_unit.is_active and has_role(user, plan.inspecting_unit, "inspector") and any(
        not i.is_closed for i in plan.inspections)


def is_team_member(user, plan):
    return any(m.user_id == user.id for m in plan.members) and has_role(user, plan.inspecting_unit, "inspector")


def is_lead(user, plan):
    return any(m.user_id == user.id and m.is_lead for m in plan.members) and has_role(user, plan.inspecting_unit, "inspector")


def can_view_inspection(user, inspection):
    return has_role(user, inspection.unit) or has_role(user, inspection.plan.inspecting_unit)


def can_record(user, inspection):
    return not inspection.is_closed and is_team_member(user, inspection.plan)


def can_close(user, inspection):
    return not inspection.is_closed and is_lead(user, inspection.plan)


def can_acknowledge(user, inspection):
    if not inspection.is_closed or inspection.ack_name:
        return False
    return is_team_member(user, inspection.plan) or has_role(user, inspection.unit, ("officer", "admin"))


def can_view_action(user, action):
    return (has_role(user, action.owner_unit) or has_role(user, action.verifier_unit)
            or (action.inspection is not None and can_view_inspection(user, action.inspection)))


def can_complete_action(user, action):
    return action.status == "open" and has_role(user, action.owner_unit, "officer")


def _verifies(user, action):
    return has_role(user, action.verifier_unit, VERIFIER_ROLES.get(action.origin, ("inspector",)))


def can_verify_action(user, action):
    return action.status == "done" and _verifies(user, action)


def can_reopen_action(user, action):
    return action.status in ("done", "verified") and _verifies(user, action)
