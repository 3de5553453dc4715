"""Factories for the activities domain: people on a roll, activities, attendance, dues."""
from datetime import date, timedelta

import pytest

from app.activities.models import Activity, Attendance, DuesPayment
from app.dates import add_months, month_start
from app.members.models import PersonEvent
from tests.factories_members import person_in

__all__ = ["add_person", "add_activity", "attend", "pay", "confirm", "person_row", "activity_row", "paid_months",
           "TODAY", "days_ago"]

TODAY = date.today()


def days_ago(n):
    return TODAY - timedelta(days=n)


def person_row(db, branch, name, member_type="union", **kw):
    """A person with the activities tests' defaults (a Union member for two years), flushed, not committed:
    tests/factories_members.person_in with other defaults and no "registered" event."""
    fields = {"sex": "female", "birth_date": date(2000, 5, 17), "joined_on": add_months(TODAY, -24) if member_type == "union" else None,
              "occupation": "farmer", "status": "active"}
    fields.update(kw)
    return person_in(db, branch, name, member_type=member_type, registered=False, commit=False, **fields)


def activity_row(db, unit, held_on=None, title="Sinh hoạt chi đoàn", kind="regular"):
    a = Activity(unit_id=unit.id, unit_path=unit.path, held_on=held_on or days_ago(7), kind=kind, title=title)
    db.session.add(a)
    db.session.flush()
    return a


def paid_months(db, person, months, amount=2000):
    """Pay the `months` complete months before the current one."""
    this = month_start(TODAY)
    for k in range(1, months + 1):
        db.session.add(DuesPayment(person_id=person.id, month=add_months(this, -k), amount=amount))
    db.session.flush()


@pytest.fixture
def add_person(db):
    def factory(branch, name="Nguyễn Thị Ánh", member_type="union", **kw):
        p = person_row(db, branch, name, member_type, **kw)
        db.session.commit()
        return p

    return factory


@pytest.fixture
def add_activity(db):
    def factory(unit, held_on=None, **kw):
        a = activity_row(db, unit, held_on, **kw)
        db.session.commit()
        return a

    return factory


@pytest.fixture
def attend(db):
    def factory(activity, person, status="present"):
        db.session.add(Attendance(activity_id=activity.id, person_id=person.id, status=status))
        db.session.commit()

    return factory


@pytest.fixture
def pay(db):
    def factory(person, months=12, amount=2000):
        paid_months(db, person, months, amount)
        db.session.commit()

    return factory


@pytest.fixture
def confirm(db):
    def factory(person, on=None):
        db.session.add(PersonEvent(person_id=person.id, kind="confirmed", on=on or days_ago(3), unit_id=person.unit_id))
        db.session.commit()

    return factory
