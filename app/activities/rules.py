"""Small checks on what may be recorded, kept apart from the services that write."""
from datetime import date

from flask_babel import gettext as _

from ..dates import month_start


def dues_month_problem(person, month, today=None):
    """Why `month`'s dues cannot be recorded for `person` (None when they can): only months from the month the
    person joined the Union up to the current month. A person with no joining date on record is not limited."""
    today = today or date.today()
    if month > month_start(today):
        return _("tháng %(m)s chưa đến", m=month.strftime("%m/%Y"))
    if person.joined_on is not None and month < month_start(person.joined_on):
        return _("vào Đoàn tháng %(j)s, sau tháng %(m)s", j=person.joined_on.strftime("%m/%Y"), m=month.strftime("%m/%Y"))
    return None


def split_dues(people, month, today=None):
    """(people whose `month` may be recorded, [(person, reason)] refused)."""
    allowed, refused = [], []
    for p in people:
        problem = dues_month_problem(p, month, today)
        if problem:
            refused.append((p, problem))
        else:
            allowed.append(p)
    return allowed, refused
