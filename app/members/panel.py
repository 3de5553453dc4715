"""The unit page's "people on roll" panel: counts by type over the subtree, each linking to the list."""
from ..access import has_role
from . import permissions, queries


def unit_panel(unit, user):
    counts = queries.count_by_type(unit)  # one statement
    is_officer = has_role(user, unit, permissions.OFFICER)
    return {"counts": counts, "total": sum(counts.values()), "can_add": unit.level in ("commune", "branch")
            and permissions.can_add_person(user, unit), "can_import": permissions.can_import_into(user, unit),
            "is_officer": is_officer,
            # requests from other communes waiting for this subtree's answer (one statement, officers only)
            "incoming": queries.count_incoming_transfers(unit) if is_officer else 0}

