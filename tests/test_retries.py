"""Retries answer as the first attempt did: the same form sent several times at the same instant (a double tap on
a flaky network) against a live server makes one record and gets the same answer each time."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEntry
from app.members.models import Transfer
from tests.conftest import PASSWORD
from tests.factories_members import *  # noqa: F401,F403
from tests.live import LiveClient, live, tap_together  # noqa: F401 — the live server fixture


def token_in(html, name="form_token"):
    m = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]+)"', html)
    return m.group(1) if m else "no-token-in-the-form"


def same_answers(resps):
    """Every attempt got the same status and the same place to go."""
    answers = {(r.status, r.location) for r in resps}
    assert len(answers) == 1, answers
    return answers.pop()


def count(db, model, *where):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_transfer_request_double_tap_makes_one_request(db, live, tree, make_user, make_person):
    p = make_person(tree.B1, "Trần Thị Đi")
    make_user("xa.officer", (tree.C1, "officer"))
    c = LiveClient(live).login("xa.officer", PASSWORD)
    token = token_in(c.get(f"/members/{p.id}/transfer").text, "req-form_token")
    data = {"mode": "request", "req-to_commune": str(tree.C2.id), "req-on": date.today().strftime("%d/%m/%Y"),
            "req-reason": "Lấy chồng xã bên", "req-form_token": token}
    status, location = same_answers(tap_together(c, f"/members/{p.id}/transfer", data))
    assert status == 303 and location.endswith(f"/members/{p.id}")
    assert count(db, Transfer, Transfer.person_id == p.id) == 1
    assert count(db, AuditEntry, AuditEntry.action == "transfer.request") == 1
    # sent again later (the answer was lost): the same answer, still one request
    again = c.post(f"/members/{p.id}/transfer", data)
    assert (again.status, again.location) == (status, location)
    assert count(db, Transfer, Transfer.person_id == p.id) == 1


def test_the_database_refuses_a_second_open_request(db, tree, make_person):
    p = make_person(tree.B1, "Lê Văn Hai")
    row = dict(person_id=p.id, from_unit_id=tree.B1.id, from_unit_path=tree.B1.path, to_commune_id=tree.C2.id,
               to_commune_path=tree.C2.path, on=date.today())
    db.session.add(Transfer(**row))
    db.session.commit()
    db.session.add(Transfer(**row))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # a refused request does not block a new one
    db.session.execute(Transfer.__table__.update().values(status="refused"))
    db.session.add(Transfer(**row))
    db.session.commit()
    assert count(db, Transfer) == 2
