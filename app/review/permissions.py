"""Who may do what in a review campaign. Small predicates; routes call them, templates get booleans.

- A campaign is seen by anyone with a role inside its scope or above it (each sees the numbers of their own subtree).
- An admin of the scope's unit creates, opens, closes it and changes its dates.
- Officers (or admins) of a commune make its teams, walk its branches, add the people found and reconcile.
"""
from ..access import has_role, scope_paths

WALKERS = ("officer", "admin")
LEVELS = ("province", "district", "commune")


def can_create_at(user, unit):
    return unit is not None and unit.is_active and unit.level in LEVELS and has_role(user, unit, "admin")


def can_view_campaign(user, campaign):
    return has_role(user, campaign.unit) or any(p.startswith(campaign.unit_path) for p in scope_paths(user))


def can_manage_campaign(user, campaign):
    return campaign.unit.is_active and has_role(user, campaign.unit, "admin")


def can_view_unit(user, campaign, unit):
    return unit.path.startswith(campaign.unit_path) and has_role(user, unit)


def can_manage_teams(user, campaign, commune):
    return campaign.status != "closed" and commune.level == "commune" and has_role(user, commune, WALKERS)


def walks(user, branch):
    """May record outcomes on this branch's walk list when the campaign lets them (rules.can_write says why not)."""
    return branch.level == "branch" and has_role(user, branch, WALKERS)


def can_walk(user, campaign, branch):
    return campaign.status == "open" and walks(user, branch)


def can_reconcile(user, campaign, commune):
    return campaign.status in ("open", "closed") and commune.level == "commune" and has_role(user, commune, WALKERS)
