"""Factories for the members domain: people on a branch roll, their events, transfers."""
import itertools
from datetime import date

import pytest

from app.members.models import Person, PersonEvent, Transfer
from app.text import fold, nfc

__all__ = ["make_person", "person_in", "add_person_event", "make_transfer"]

_seq = itertools.count(1)


def person_in(db, branch, full_name=None, *, registered=True, commit=True, **kw):
    """The one way the tests make a person (make_person, add_person and person_row all come here).

    registered: also write the "registered" event the person form writes; commit=False only flushes."""
    n = next(_seq)
    full_name = full_name or f"Người Thử {n}"
    kw.setdefault("birth_date", date(2000, 1, 1 + n % 28))
    kw.setdefault("member_type", "union")
    kw.setdefault("sex", "female")
    stored = kw.pop("stored_name", None)  # store the name exactly as given (e.g. decomposed Unicode)
    p = Person(unit_id=branch.id, unit_path=branch.path, full_name=stored or nfc(full_name),
               name_key=fold(stored or full_name), **kw)
    db.session.add(p)
    db.session.flush()
    if registered:
        db.session.add(PersonEvent(person_id=p.id, kind="registered", on=date.today(), unit_id=branch.id))
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return p


@pytest.fixture
def make_person(db):
    """make_person(branch, full_name=None, **fields) → a committed Person with its "registered" event."""
    def factory(branch, full_name=None, **kw):
        return person_in(db, branch, full_name, **kw)

    return factory


@pytest.fixture
def add_person_event(db):
    def factory(person, kind, on=None, **kw):
        ev = PersonEvent(person_id=person.id, kind=kind, on=on or date.today(), unit_id=person.unit_id, **kw)
        db.session.add(ev)
        db.session.commit()
        return ev

    return factory


@pytest.fixture
def make_transfer(db):
    def factory(person, to_commune, **kw):
        tr = Transfer(person_id=person.id, from_unit_id=person.unit_id, from_unit_path=person.unit_path,
                      to_commune_id=to_commune.id, to_commune_path=to_commune.path, on=kw.pop("on", date.today()),
                      reason=kw.pop("reason", "Chuyển nơi ở"), **kw)
        db.session.add(tr)
        db.session.commit()
        return tr

    return factory
