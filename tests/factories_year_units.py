"""Factories for unit grading and consolidation plans: branches whose records make them healthy or weak.

A healthy branch: five Union members confirmed present, a secretary among them (on the spot), an activity every
month of the year graded and one a week ago, dues paid for every month of that year and of the standing's window —
the five criteria say "real" for all. A weak branch: two members, its secretary away working, activities in the
first two months only, no dues."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.activities.models import Activity, DuesPayment
from app.dates import add_months, month_start
from app.members.models import PersonEvent
from app.year import catalogue
from app.year.models import UnitGrade
from tests.factories_members import person_in

__all__ = ["LAST", "healthy_branch", "weak_branch", "add_activities", "year_world", "grade_of"]

TODAY = date.today()
LAST = TODAY.year - 1


def _members(db, branch, n, *, prefix, away=0):
    people = []
    for i in range(n):
        status = "away" if i < away else "active"
        people.append(person_in(db, branch, f"{prefix} {i + 1}", commit=False, joined_on=date(2019, 3, 26), status=status,
                                away_since=TODAY - timedelta(days=200) if status == "away" else None))
    return people


def _secretary(db, person):
    db.session.add(PersonEvent(person_id=person.id, kind="post_started", on=date(2020, 1, 5), unit_id=person.unit_id,
                               detail="secretary"))


def add_activities(db, unit, months, year=LAST, day=10):
    for m in months:
        db.session.add(Activity(unit_id=unit.id, unit_path=unit.path, held_on=date(year, m, day), kind="regular",
                                title=f"Sinh hoạt tháng {m}/{year}"))
    db.session.flush()


def _pay(db, person, months):
    for m in sorted(months):
        db.session.add(DuesPayment(person_id=person.id, month=m, amount=2000))


def healthy_branch(db, branch, n=5, year=LAST, prefix="Đoàn viên Tốt"):
    people = _members(db, branch, n, prefix=prefix)
    _secretary(db, people[0])
    for p in people:
        db.session.add(PersonEvent(person_id=p.id, kind="confirmed", on=TODAY - timedelta(days=3), unit_id=branch.id))
    add_activities(db, branch, range(1, 13), year)
    db.session.add(Activity(unit_id=branch.id, unit_path=branch.path, held_on=TODAY - timedelta(days=7), kind="regular",
                            title="Sinh hoạt gần đây"))
    this = month_start(TODAY)
    months = {date(year, m, 1) for m in range(1, 13)} | {add_months(this, -k) for k in range(1, 13)}
    for p in people:
        _pay(db, p, months)
    db.session.flush()
    return people


def weak_branch(db, branch, year=LAST, prefix="Đoàn viên Yếu"):
    people = _members(db, branch, 2, prefix=prefix, away=1)
    _secretary(db, people[0])  # away working
    add_activities(db, branch, (1, 2), year)
    return people


def grade_of(db, unit, year=LAST):
    return db.session.scalar(select(UnitGrade).where(UnitGrade.unit_id == unit.id, UnitGrade.year == year))


@pytest.fixture
def year_world(db, tree, make_unit, make_user):
    """Commune C1 with a healthy branch (B1) and two weak ones (B4, B5); its officer and viewer; an officer of B4;
    an outsider (officer of C2); a district officer (D); a province officer (P)."""
    catalogue.ensure()

    class W:
        pass

    w = W()
    w.tree = tree
    w.B4 = make_unit(tree.C1, name="Chi đoàn Thôn 4", code="B4", commit=False)
    w.B5 = make_unit(tree.C1, name="Chi đoàn Thôn 5", code="B5", commit=False)
    healthy_branch(db, tree.B1)
    weak_branch(db, w.B4, prefix="Người Thôn Bốn")
    weak_branch(db, w.B5, prefix="Người Thôn Năm")
    db.session.commit()
    w.officer = make_user("xa.officer", (tree.C1, "officer"))
    w.viewer = make_user("xa.viewer", (tree.C1, "viewer"))
    w.b4_officer = make_user("b4.officer", (w.B4, "officer"))
    w.outsider = make_user("xa2.officer", (tree.C2, "officer"))
    w.district = make_user("huyen.officer", (tree.D, "officer"))
    w.province = make_user("tinh.officer", (tree.P, "officer"))
    return w
