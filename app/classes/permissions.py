"""Who may do what with a class or an admission case. Any role on the organising unit views; the organizer
role on it (or above) acts."""
from ..access import has_role, scope_paths


def can_view_class(user, klass):
    return has_role(user, klass.unit)


def can_edit_class(user, klass):
    return klass.is_open and has_role(user, klass.unit, "organizer")


def can_manage_class(user, klass):
    """Results, finishing, certificates and admissions: the organizer, also once the class is finished."""
    return klass.status != "cancelled" and has_role(user, klass.unit, "organizer")


def can_view_case(user, case):
    return has_role(user, case.branch) or (case.training_class is not None and has_role(user, case.training_class.unit))


def can_edit_case(user, case):
    return case.status == "open" and has_role(user, case.branch, "organizer")


def can_toggle_case(user, case):
    """Stop a case in progress, or take a stopped one up again: the branch's organizer, never once admitted."""
    return case.status != "admitted" and has_role(user, case.branch, "organizer")


def can_open_case(user, enrolment):
    """A passed participant who is not yet a member, for an organizer of the person's branch."""
    return (enrolment.passed and enrolment.person.member_type != "union"
            and has_role(user, enrolment.person.unit, "organizer"))


def openable_class_ids(user, rows):
    """Of the rows' classes (enrolments of a unit's people), those the user may open — by path, no load.
    A branch officer sees the branch's people trained by the commune's class but may not open that class."""
    paths = scope_paths(user)
    return {x.class_id for x in rows if any(x.training_class.unit_path.startswith(p) for p in paths)}
