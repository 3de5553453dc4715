"""The unit page's "people on roll" panel: counts by type over the subtree, each linking to the list."""
from ..access import has_role
from ..panels import register_unit_panel
from . import permissions, queries


def unit_panel(unit, user):
    counts = queries.count_by_type(unit)  # one statement
    return {"counts": counts, "total": sum(counts.values()), "can_add": unit.level in ("commune", "branch")
            and permissions.can_add_person(user, unit), "can_import": permissions.can_import_into(user, unit),
            "is_officer": has_role(user, unit, permissions.OFFICER)}


def register():
    register_unit_panel("members/_unit_panel.html", unit_panel, order=10)
