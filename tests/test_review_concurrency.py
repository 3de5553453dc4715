"""The March review with the crowd: officers of one commune tapping, adding and reconciling at the same instant,
against a live server with real parallel requests (one thread and one cookie jar per officer). Runs on SQLite and
on PostgreSQL (TEST_DATABASE_URL); PostgreSQL is where concurrent transactions really overlap.

review_world() builds the data (also used by tests/test_review_browser.py): a province campaign, opened, over
communes each with one branch of 40 people living in 8 households whose addresses are typed in several ways."""
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from app.auth.models import RoleGrant, User
from app.members.models import Person, PersonEvent
from app.review import services as review_services
from app.review.models import Outcome, Reconciliation, Subject
from app.text import fold, nfc
from app.units.models import Unit
from tests.conftest import FAST_HASH, PASSWORD
from tests.live import LiveClient, live, run_together, tap_together  # noqa: F401 — the live server fixture

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
GIVEN = ("Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Minh Đức")
# One household, typed three ways: the walk list folds them into one ("Thôn 2, số 7").
ADDRESS_WAYS = ("Thôn 2, số {h}, xã {c}", "thon 2 so {h}", "Số {h} Thôn 2")


@dataclass
class Commune:
    commune: int  # unit ids (the rows outlive the session that made them)
    branch: int
    people: list = field(default_factory=list)  # person ids, in creation order
    officers: list = field(default_factory=list)  # usernames (officer on the commune)
    old: int = 0  # the person id born in 1990 (over 30 this year)


@dataclass
class World:
    province: int
    campaign: int
    communes: list
    admin: str = ""


def _unit(db, parent, level, kind, name, code, org_type=None):
    unit = Unit(parent_id=parent.id if parent else None, depth=parent.depth + 1 if parent else 0, level=level, kind=kind,
                name=name, code=code, org_type=org_type)
    db.session.add(unit)
    db.session.flush()
    db.session.execute(update(Unit).where(Unit.id == unit.id).values(
        path=(parent.path if parent else "/") + f"{unit.id}/", version=Unit.version + 1))
    db.session.expire(unit)
    return unit


def _user(db, username, unit, role, password_hash):
    user = User(username=username, full_name=f"Cán bộ {username}", password_hash=password_hash)
    db.session.add(user)
    db.session.flush()
    db.session.add(RoleGrant(user_id=user.id, unit_id=unit.id, role=role))
    return user


def review_world(db, app, tag="", communes=("Hòa An",), size=40, password_hash=FAST_HASH, officers=2):
    """A province, its communes (one branch of `size` people each, 8 households), officers, an open campaign."""
    today = date.today()
    province = _unit(db, None, "province", "province", f"Tỉnh đoàn Rà Soát{tag}", f"RS{tag}")
    world = World(province=province.id, campaign=0, communes=[])
    for ci, name in enumerate(communes):
        commune = _unit(db, province, "commune", "commune", f"Đoàn xã {name}", f"X{ci}")
        branch = _unit(db, commune, "branch", "residential", "Chi đoàn Thôn 2", "T2", org_type="union")
        c = Commune(commune=commune.id, branch=branch.id)
        for i in range(size):
            h = 1 + i // 5  # 8 households of 5
            birth = date(1990, 6, 1) if i == 5 else date(2000 + i % 9, 1 + i % 12, 1 + i % 27)
            full = nfc(f"{FAMILY[(i // 5) % 8]} {GIVEN[i % 5]} {i:02d}")
            p = Person(unit_id=branch.id, unit_path=branch.path, full_name=full, name_key=fold(full), birth_date=birth,
                       sex="female" if i % 2 else "male", member_type="union" if i % 3 else "youth", status="active",
                       joined_on=date(2020, 3, 26) if i % 3 else None, phone=f"09120000{i:02d}",
                       current_address=ADDRESS_WAYS[i % 3].format(h=h * 7 % 50, c=name))
            db.session.add(p)
            db.session.flush()
            db.session.add(PersonEvent(person_id=p.id, kind="registered", on=date(2020, 3, 26), unit_id=branch.id))
            c.people.append(p.id)
        c.old = c.people[5]
        for k in range(officers):
            c.officers.append(_user(db, f"rs{tag}.x{ci}.cb{k}", commune, "officer", password_hash).username)
        world.communes.append(c)
    admin = _user(db, f"rs{tag}.tinh", province, "admin", password_hash)
    db.session.commit()
    province = db.session.get(Unit, province.id)
    with app.test_request_context():
        campaign = review_services.create_campaign(unit=province, year=today.year, title=f"Rà soát năm {today.year}{tag}",
                                                   starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=30))
        db.session.flush()
        review_services.open_campaign(campaign=campaign, expected_version=campaign.version)
        db.session.commit()
        world.campaign = campaign.id
    world.admin = admin.username
    return world


def subject_of(db, person_id):
    return db.session.scalar(select(Subject).where(Subject.person_id == person_id))


def count(db, model, *where):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def token_in(html, name="form_token"):
    m = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]+)"', html)
    return m.group(1) if m else "no-token-in-the-form"


TODAY = date.today().strftime("%d/%m/%Y")


def tap(client, sid, outcome, token, **details):
    """One tap as htmx sends it: only this person's fields (hx-params), the visit date, the CSRF header."""
    data = {"on": TODAY, f"o-{sid}": outcome, f"t-{sid}": token}
    data.update({f"{k}-{sid}": v for k, v in details.items()})
    return client.post(f"/review/subjects/{sid}/outcome", data, htmx=True)
