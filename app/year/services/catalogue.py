"""The writes of the grades' catalogue (a province admin): add a grade, rename it, retire it (or bring it back) — never
delete one, grades given keep theirs — and the rules' numbers (GradingRule rows over app.year.rules.DEFAULTS).
Keyword-only; they flush; each records one audit entry."""
import re

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ...audit.services import record, snapshot
from ...dates import utcnow
from ...errors import ConflictError, check_version
from ...extensions import db
from ...text import fold, nfc
from .. import rules
from ..models import Grade, GradingRule
from ..queries import catalogue as q

GRADE_FIELDS = ("kind", "code", "name", "rank", "active")


class CatalogueError(Exception):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.message, self.field = message, field


def code_for(name):
    """A grade's code from its name: folded, words joined by "_", at most 20 characters ("Khá" → "kha")."""
    return re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")[:20] or "grade"


def add_grade(*, kind, name, rank):
    """A new active grade. Its code comes from its name, so a resent form (a double tap) finds the grade it made."""
    name = nfc(name.strip())
    code = code_for(name)
    twin = q.grade_coded(kind, code) or q.grade_named(kind, name)
    if twin is not None:
        if twin.name.lower() == name.lower() and twin.rank == rank:
            return twin
        raise CatalogueError(_("Đã có xếp loại “%(n)s” (hoặc tên gần giống).", n=twin.name), "name")
    grade = Grade(kind=kind, code=code, name=name, rank=rank, active=True)
    try:
        with db.session.begin_nested():
            db.session.add(grade)
            db.session.flush()
    except IntegrityError:  # the same form committed a moment ago
        twin = q.grade_coded(kind, code)
        if twin is None or twin.name.lower() != name.lower():
            raise
        return twin
    record(action="year.grade_add", obj=grade, after=snapshot(grade, GRADE_FIELDS), summary=name)
    return grade


def rename_grade(*, grade, expected_version, name):
    name = nfc(name.strip())
    if check_version(grade, expected_version, {"name": name}):
        return grade
    other = q.grade_named(grade.kind, name)
    if other is not None and other.id != grade.id:
        raise CatalogueError(_("Đã có xếp loại “%(n)s”.", n=other.name), "name")
    before = snapshot(grade, GRADE_FIELDS)
    grade.name = name
    db.session.flush()
    record(action="year.grade_rename", obj=grade, before=before, after=snapshot(grade, GRADE_FIELDS), summary=name)
    return grade


def set_grade_active(*, grade, expected_version, active):
    """Retire a grade (it leaves the choices and the proposals; grades given keep it) or bring it back. At least two
    grades of a kind stay in force (the best and the lowest)."""
    if check_version(grade, expected_version, {"active": active}):
        return grade
    if grade.active == active:
        return grade
    if not active and q.active_count(grade.kind) <= 2:
        raise CatalogueError(_("Cần ít nhất hai xếp loại đang dùng: không thôi dùng được “%(n)s”.", n=grade.name))
    before = snapshot(grade, GRADE_FIELDS)
    grade.active = active
    db.session.flush()
    record(action="year.grade_retire" if not active else "year.grade_restore", obj=grade, before=before,
           after=snapshot(grade, GRADE_FIELDS), summary=grade.name)
    return grade


def set_rules(*, values, versions, user=None):
    """Store the numbers that changed. `values`: {code: number}; `versions`: {code: the row's version the form showed,
    0 when it showed the default}. A number someone else changed since is a conflict (unless it is what we ask)."""
    rows = q.rule_rows()
    before, after = {}, {}
    for code, value in values.items():
        row = rows.get(code)
        shown = versions.get(code) or 0
        if row is None:
            if shown:  # the form showed a stored number that is no longer there: cannot be, but never overwrite blind
                raise ConflictError(f"rule {code}")
            default = rules.DEFAULTS[code][0]
            if value == default:
                continue
            row = GradingRule(code=code, value=value, updated_by_id=user.id if user else None)
            try:
                with db.session.begin_nested():
                    db.session.add(row)
                    db.session.flush()
            except IntegrityError:  # another admin stored this number a moment ago
                row = q.rule_rows().get(code)
                if row is None or row.value != value:
                    raise ConflictError(f"rule {code}") from None
                continue
            before[code], after[code] = default, value
            continue
        if check_version(row, shown, {"value": value}) or row.value == value:
            continue
        before[code], after[code] = row.value, value
        row.value, row.updated_by_id, row.updated_at = value, user.id if user else None, utcnow()
    db.session.flush()
    if after:
        record(action="year.rules", object_type="year_rule", before=before, after=after,
               summary=", ".join(sorted(after)), user=user)
    return after
