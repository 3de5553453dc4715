"""Calendar arithmetic, one copy for every domain: months and years."""
import calendar
from datetime import date


def add_months(d, n):
    """The same day n months later (or earlier), clamped to the month's end: 31/01 + 1 → 28/02 or 29/02."""
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def month_start(d):
    return date(d.year, d.month, 1)


def year_bounds(year):
    """(1 January, 31 December) of `year` — both days included."""
    return date(year, 1, 1), date(year, 12, 31)

