"""Factories for the review (rà soát): the people of a commune and its officers, a campaign (opened), a tap at a door
and the numbers a page shows."""
import itertools
import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select

from app.members.models import Person
from app.review import services
from app.review.models import Outcome, Subject
from app.text import fold
from tests.conftest import HTMX

__all__ = ["review_world", "make_campaign", "add_people", "tap", "walk_form", "vn", "TODAY", "outcomes_of",
           "count_people", "HTMX"]

TODAY = date.today()
_seq = itertools.count(1)


def vn(d):
    return d.strftime("%d/%m/%Y")


@pytest.fixture
def review_world(tree, make_unit, make_user):
    """The tree, a second branch B4 in commune C1, and the accounts a review needs: the commune's admin, officer and
    viewer, an officer of branch B1 only, the province's admin, and an outsider with every role on commune C2."""

    class W:
        pass

    w = W()
    w.tree = tree
    w.B4 = make_unit(tree.C1, name="Chi đoàn Thôn 4", code="B4")
    w.admin = make_user("xa.admin", (tree.C1, "admin"), full_name="Nguyễn Văn Quản")
    w.officer = make_user("xa.officer", (tree.C1, "officer"), full_name="Trần Thị Cán")
    w.viewer = make_user("xa.viewer", (tree.C1, "viewer"))
    w.branch_officer = make_user("cd.officer", (tree.B1, "officer"), full_name="Lê Văn Chi")
    w.province = make_user("tinh.admin", (tree.P, "admin"))
    w.outsider = make_user("xa2.all", *[(tree.C2, r) for r in ("admin", "officer", "organizer", "inspector", "viewer")])
    return w


@pytest.fixture
def add_people(db):
    """add_people(branch, n, addresses=None, member_type="union", birth=date(2001, 5, 4), **fields) → [Person]:
    one bulk INSERT (no "registered" events, no standing rows: the review reads the roll)."""

    def factory(branch, n, addresses=None, member_type="union", birth=date(2001, 5, 4), names=None, **fields):
        rows = []
        for i in range(n):
            k = next(_seq)
            name = names[i] if names else f"Nguyễn Văn Thử {k}"
            address = addresses[i % len(addresses)] if addresses else f"Thôn 3, số {i + 1}"
            rows.append(dict(unit_id=branch.id, unit_path=branch.path, full_name=name, name_key=fold(name),
                             birth_date=birth, member_type=member_type, status="active", current_address=address,
                             sex="male" if i % 2 else "female", **fields))
        ids = db.session.scalars(insert(Person).returning(Person.id), rows).all()
        db.session.commit()
        return db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)).all()

    return factory


@pytest.fixture
def make_campaign(db):
    """make_campaign(unit, opened=True, starts_on=today-10, ends_on=today+10, year=today.year) → Campaign."""

    def factory(unit, opened=True, starts_on=None, ends_on=None, year=None, title=None):
        starts_on = starts_on or TODAY - timedelta(days=10)
        ends_on = ends_on or TODAY + timedelta(days=10)
        year = year or TODAY.year
        campaign = services.create_campaign(unit=unit, year=year, title=title or f"Rà soát năm {year} — {unit.name}",
                                            starts_on=starts_on, ends_on=ends_on)
        if opened:
            services.open_campaign(campaign=campaign, expected_version=campaign.version)
        db.session.commit()
        return campaign

    return factory


def tap(client, subject, outcome, *, htmx=True, token=None, on=TODAY, place="", since="", phone="", address="",
        workplace="", note=""):
    """One tap at a door: the walk list's row posted alone (htmx) or by its own save button (no JavaScript)."""
    sid = subject if isinstance(subject, int) else subject.id
    data = {"on": vn(on) if isinstance(on, date) else on, f"o-{sid}": outcome, f"t-{sid}": token or uuid.uuid4().hex,
            f"p-{sid}": place, f"s-{sid}": vn(since) if isinstance(since, date) else since, f"ph-{sid}": phone,
            f"a-{sid}": address, f"w-{sid}": workplace, f"n-{sid}": note}
    return client.post(f"/review/subjects/{sid}/outcome", data=data, headers=HTMX if htmx else {})


def walk_form(subjects, per, on=TODAY):
    """The plain household form: shown ids, the visit date, and per[sid] = {"o": outcome, "p": place, …}."""
    data = {"on": vn(on) if isinstance(on, date) else on, "shown": [s.id for s in subjects]}
    for s in subjects:
        data[f"t-{s.id}"] = uuid.uuid4().hex
        for key, value in per.get(s.id, {}).items():
            data[f"{key}-{s.id}"] = vn(value) if isinstance(value, date) else value
    return data


def outcomes_of(db, subject):
    return db.session.scalars(select(Outcome).where(Outcome.subject_id == subject.id).order_by(Outcome.id)).all()


def subjects_by_person(db, campaign):
    return {s.person_id: s for s in db.session.scalars(select(Subject).where(Subject.campaign_id == campaign.id))}


def count_people(html):
    """The count above a people list ("12 người"); 0 for an empty list."""
    m = re.search(r'<p class="muted small">([\d.]+) người</p>', html)
    return int(m.group(1).replace(".", "")) if m else 0


def subject_count(db, campaign):
    return db.session.scalar(select(func.count(Subject.id)).where(Subject.campaign_id == campaign.id))
