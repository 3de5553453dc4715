"""The demo seed: a year of activities, attendance and dues with paper members concentrated in some communes;
the stored standing agrees with the live computation from the records."""
from sqlalchemy import func, select

from app.activities.models import Activity, Attendance, DuesPayment, PersonStanding
from app.activities.standing import filter_people
from app.members.models import ON_ROLL, Person, over_union_age_born_by
from app.units.models import Unit
from tests.factories_activities import TODAY


def test_seed_small_gives_a_realistic_mix_and_standing_matches_live(demo_db):
    db = demo_db  # the run's demo (tests/demo.py seeds it once with seed_demo(size="small"))
    assert db.session.scalar(select(func.count(Activity.id))) > 300
    assert db.session.scalar(select(func.count(Attendance.id))) > 1000
    assert db.session.scalar(select(func.count(DuesPayment.id))) > 5000
    # Union members past 30 are due to mature: the rules leave them out of the counts (no standing row)
    over_age = (Person.member_type == "union") & (Person.birth_date <= over_union_age_born_by())
    on_roll = db.session.scalar(select(func.count(Person.id)).where(Person.status.in_(ON_ROLL), ~over_age))
    assert db.session.scalar(select(func.count(PersonStanding.person_id))) == on_roll
    shares = dict(db.session.execute(select(PersonStanding.verdict, func.count()).group_by(PersonStanding.verdict)).all())
    assert shares["real"] > shares["paper"] > 0 and shares["incomplete"] > 0
    # paper members are concentrated: the worst commune's paper share is well above the best one's
    communes = db.session.scalars(select(Unit).where(Unit.level == "commune")).all()
    paper_share = []
    for c in communes:
        n = db.session.scalar(select(func.count()).where(PersonStanding.unit_path.like(c.path + "%")))
        p = db.session.scalar(select(func.count()).where(PersonStanding.unit_path.like(c.path + "%"),
                                                         PersonStanding.verdict == "paper"))
        paper_share.append(p / n if n else 0)
    assert max(paper_share) > 2 * min(paper_share)
    # the table and the live computation agree, person by person, for one commune
    c = communes[0]
    base = select(Person.id).where(Person.unit_path.like(c.path + "%"))
    for v in ("real", "incomplete", "paper"):
        stored = set(db.session.scalars(filter_people(base, verdict=v)))
        live = set(db.session.scalars(filter_people(base, verdict=v, as_of=TODAY)))
        assert stored == live, v
