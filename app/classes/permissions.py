"""Who may do what with a class or an admission case. Any role on the organising unit views; the organizer
role on it (or above) acts."""
from ..access import has_role


def can_view_class(user, klass):
    return has_role(user, klass.unit)


def can_edit_class(user, klass):
    return klass.is_open and has_role(user, klass.unit, "organizer")


def can_manage_class(user, klass):
    """Results, finishing, certificates and admissions: the organizer, also once the class is finished."""
    return klass.status != "cancelled" and has_role(user, klass.unit, "organizer")


def can_create_class(user, unit):
    return unit is not None and unit.is_active and has_role(user, unit, "organizer")


def can_view_case(user, case):
    return has_role(user, case.branch) or (case.training_class is not None and has_role(user, case.training_class.unit))


def can_edit_case(user, case):
    return case.status == "open" and has_role(user, case.branch, "organizer")
