"""Who may do what to a person on record. Small predicates; routes call them, templates get the booleans."""
from ..access import has_role, scope_paths

OFFICER = ("officer", "admin")


def can_view_person(user, person):
    return has_role(user, person.unit)


def can_edit_person(user, person):
    return has_role(user, person.unit, OFFICER)


def can_see_citizen_id(user, person):
    """The whole citizen ID only for officers / admins of the person's unit; everyone else sees ********1234."""
    return has_role(user, person.unit, OFFICER)


def can_record_event(user, person):
    return has_role(user, person.unit, OFFICER)


def can_transfer_person(user, person):
    return person.on_roll and has_role(user, person.unit, OFFICER)


def can_add_person(user, unit):
    return unit is not None and unit.is_active and has_role(user, unit, OFFICER)


def can_view_transfer(user, transfer):
    return has_role(user, transfer.from_unit) or has_role(user, transfer.to_commune)


def can_decide_transfer(user, transfer):
    return transfer.status == "requested" and has_role(user, transfer.to_commune, OFFICER)


def can_withdraw_transfer(user, transfer):
    """The sending side may take back a request nobody has decided yet."""
    return transfer.status == "requested" and has_role(user, transfer.from_unit, OFFICER)


def can_manage_people_in(user, unit=None):
    """Add, import, maturity and removal lists: an officer of `unit` (or, without a unit, of any unit)."""
    if unit is not None:
        return unit.is_active and has_role(user, unit, OFFICER)
    return bool(scope_paths(user, OFFICER))


def can_import_into(user, unit):
    return unit is not None and unit.is_active and unit.level in ("commune", "branch") and has_role(user, unit, OFFICER)


def can_view_import(user, batch):
    return has_role(user, batch.unit, OFFICER)


def shown_citizen_id(user, person):
    """The citizen ID as this account sees it — the same on the list, the person page and the export:
    whole for officers / admins of the person's unit, ********1234 for everyone else, "" when there is none."""
    if not person.citizen_id:
        return ""
    whole = any(person.unit_path.startswith(p) for p in scope_paths(user, OFFICER))  # = can_see_citizen_id, no load
    return person.citizen_id if whole else mask_citizen_id(person.citizen_id)


def mask_citizen_id(value):
    if not value:
        return ""
    return "*" * (len(value) - 4) + value[-4:]


def can_manage_synonyms(user):
    """The pick-list synonyms serve every import in the province: admins of a province (a root unit) extend them."""
    return any(p.count("/") == 2 for p in scope_paths(user, "admin"))
