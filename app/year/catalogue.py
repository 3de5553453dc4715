"""The grades Sổ Đoàn ships with, for members and for units. Migration 0010 inserts them; `ensure()` adds any that is
missing (the demo seed and the tests call it). A province admin renames, adds or retires grades; none is deleted."""
from sqlalchemy import select

from ..extensions import db
from .models import Grade

# (code, name, rank): the Union's four grades, best first, the same words for members and for units
BUILTIN = (
    ("excellent", "Hoàn thành xuất sắc nhiệm vụ", 1),
    ("good", "Hoàn thành tốt nhiệm vụ", 2),
    ("done", "Hoàn thành nhiệm vụ", 3),
    ("failed", "Không hoàn thành nhiệm vụ", 4),
)


def ensure():
    """Insert the built-in grades that are missing (by kind and code). Returns how many were added."""
    have = {(k, c) for k, c in db.session.execute(select(Grade.kind, Grade.code))}
    added = 0
    for kind in ("member", "unit"):
        for code, name, rank in BUILTIN:
            if (kind, code) not in have:
                db.session.add(Grade(kind=kind, code=code, name=name, rank=rank))
                added += 1
    db.session.flush()
    return added


def grades(kind):
    """The active grades of a kind, best first — one statement."""
    return db.session.scalars(select(Grade).where(Grade.kind == kind, Grade.active.is_(True))
                              .order_by(Grade.rank, Grade.id)).all()


def lowest(grade_list):
    """The lowest of the grades given (the highest rank): the one a paper member cannot be proposed above."""
    return max(grade_list, key=lambda g: (g.rank, g.id)) if grade_list else None
