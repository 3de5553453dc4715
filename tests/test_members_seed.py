"""Demo people: the `small` size, deterministic, unique citizen IDs, secretaries per branch, bulk and fast."""
import random

from sqlalchemy import func, select

from app.members import seed as members_seed
from app.members.models import Person, PersonEvent
from app.members.queries import current_posts
from app.seed import seed_units
from app.units.models import Unit


def test_small_seed_people(db):
    province, communes = seed_units("small", random.Random(1))
    members_seed.seed(province=province, communes=communes, size="small", rng=random.Random(2), echo=lambda *a: None)
    db.session.commit()
    n = db.session.scalar(select(func.count(Person.id)))
    assert 1200 <= n <= 1800
    cids = db.session.scalars(select(Person.citizen_id).where(Person.citizen_id.isnot(None))).all()
    assert len(cids) > n * 0.7 and len(set(cids)) == len(cids) and all(len(c) == 12 and c.isdigit() for c in cids)
    types = dict(db.session.execute(select(Person.member_type, func.count()).group_by(Person.member_type)).all())
    assert types["union"] > types["federation"] > 0 and types["youth"] > 0
    assert db.session.scalar(select(func.count()).where(Person.occupation == "worker")) > 100
    assert db.session.scalar(select(func.count()).where(Person.status == "away")) > 50
    branches = db.session.scalar(select(func.count(Unit.id)).where(Unit.level == "branch"))
    secretaries = [pid for pid, posts in current_posts(unit_path=province.path).items() if "secretary" in posts]
    assert len(secretaries) >= branches * 0.8
    assert db.session.scalar(select(func.count(PersonEvent.id))) >= n
    # names are real Vietnamese names, folded keys match
    p = db.session.scalar(select(Person).order_by(Person.id).limit(1))
    assert len(p.full_name.split()) == 3 and p.name_key.isascii()
