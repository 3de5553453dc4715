"""Writes to the registry. Keyword-only; they flush, the route commits once."""
from datetime import date

from flask_login import current_user

from ..audit.services import record, snapshot
from ..extensions import db
from ..text import fold, nfc
from .models import Person, PersonEvent

PERSON_FIELDS = ("full_name", "sex", "birth_date", "ethnicity", "religion", "citizen_id", "phone", "permanent_address",
                 "current_address", "occupation", "workplace", "schooling", "member_type", "status", "joined_on",
                 "admission_decision", "card_number", "unit_id", "away_place", "away_since", "notes")


def _by():
    return current_user if getattr(current_user, "is_authenticated", False) else None


def add_event(*, person, kind, on, reason=None, detail=None, other_unit=None, by=None):
    by = by or _by()
    ev = PersonEvent(person_id=person.id, kind=kind, on=on, unit_id=person.unit_id, reason=reason, detail=detail,
                     other_unit_id=other_unit.id if other_unit else None, recorded_by_id=by.id if by else None)
    db.session.add(ev)
    return ev


def register_person(*, branch, full_name, member_type="youth", on=None, **fields):
    """A new person on a branch roll (a youth from a class enrolment, an imported member …)."""
    person = Person(unit_id=branch.id, unit_path=branch.path, full_name=nfc(full_name), name_key=fold(full_name),
                    member_type=member_type, **fields)
    db.session.add(person)
    db.session.flush()
    add_event(person=person, kind="registered", on=on or date.today())
    record(action="person.create", obj=person, unit=branch, after=snapshot(person, PERSON_FIELDS), summary=person.full_name)
    return person


def register_youth(*, branch, full_name, birth_date=None, phone=None):
    return register_person(branch=branch, full_name=full_name, member_type="youth", birth_date=birth_date, phone=phone)


def admit_member(*, person, joined_on, decision_number, branch=None):
    """Admission ceremony recorded: the youth becomes a Union member of the branch (a history row)."""
    before = snapshot(person, PERSON_FIELDS)
    if branch is not None and branch.id != person.unit_id:
        person.unit_id, person.unit_path = branch.id, branch.path
    person.member_type = "union"
    person.status = "active"
    person.joined_on = joined_on
    person.admission_decision = decision_number
    db.session.flush()
    add_event(person=person, kind="joined", on=joined_on, detail=decision_number)
    record(action="person.admit", obj=person, unit=person.unit, before=before, after=snapshot(person, PERSON_FIELDS),
           summary=person.full_name)
    return person
