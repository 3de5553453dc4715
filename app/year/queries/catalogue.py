"""The reads of the grades' catalogue page: every grade of both kinds (retired ones too) and the rules' numbers with
the rows that store them."""
from sqlalchemy import func, select

from ...extensions import db
from .. import rules
from ..models import Grade, GradingRule


def grades_by_kind():
    """{kind: [Grade, …]} best first, retired ones last within their rank: one statement."""
    out = {"member": [], "unit": []}
    for g in db.session.scalars(select(Grade).order_by(Grade.kind, Grade.active.desc(), Grade.rank, Grade.id)):
        out.setdefault(g.kind, []).append(g)
    return out


def rule_rows():
    """{code: GradingRule} of the numbers a province admin has set: one statement."""
    return {r.code: r for r in db.session.scalars(select(GradingRule))}


def rule_lines(rows):
    """[(code, label, value in force, default, version or 0)] in the order of rules.DEFAULTS."""
    return [(code, label, rows[code].value if code in rows else default, default, rows[code].version if code in rows else 0)
            for code, (default, label) in rules.DEFAULTS.items()]


def grade_named(kind, name):
    """A grade of `kind` with this name (whatever the case), or None."""
    return db.session.scalar(select(Grade).where(Grade.kind == kind, func.lower(Grade.name) == name.lower()))


def grade_coded(kind, code):
    return db.session.scalar(select(Grade).where(Grade.kind == kind, Grade.code == code))


def active_count(kind):
    return db.session.scalar(select(func.count(Grade.id)).where(Grade.kind == kind, Grade.active.is_(True)))


def get_grade(grade_id):
    return db.session.get(Grade, grade_id)


def plain(value):
    """A rule's number as typed: 90.0 → "90", 12.5 → "12,5"."""
    return f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)
