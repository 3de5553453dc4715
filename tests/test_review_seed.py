"""The demo review (app/review/seed.py) on the run's small demo: this year's campaign open over the province, about
half the branches walked with every kind of outcome, people found at the doors, one commune reconciled into the
registry; and households that fold differently typed addresses into one."""
from datetime import date

from sqlalchemy import func, select

from app.extensions import db as _db
from app.members.models import ON_ROLL, Person, PersonEvent
from app.review import queries
from app.review.households import household_key
from app.review.models import OUTCOMES, PRESENT, Campaign, Outcome, Reconciliation, Subject, Team, TeamBranch, TeamMember
from app.review.rules import UNION_MAX_AGE, age_in
from app.review.seed import campaign_dates
from app.seed import seed_demo
from app.units.models import Unit
from tests.demo import DEMO_SEED


def _campaign(db):
    return db.session.scalar(select(Campaign))


def test_this_years_campaign_is_open_over_the_province(demo_db):
    db = demo_db
    campaign = _campaign(db)
    today = date.today()
    assert db.session.scalar(select(func.count(Campaign.id))) == 1
    assert campaign.status == "open" and campaign.opened_at is not None and campaign.year == today.year
    assert campaign.unit.level == "province" and campaign.created_by.username == "tinh.admin"
    assert (campaign.starts_on, campaign.ends_on) == campaign_dates(today)
    assert campaign.starts_on <= today <= campaign.ends_on and campaign.starts_on.year == campaign.ends_on.year == today.year
    # the lists were taken with the five-criteria verdicts of the moment
    verdicts = dict(db.session.execute(select(Subject.start_verdict, func.count()).where(Subject.found.is_(False))
                                       .group_by(Subject.start_verdict)).all())
    assert verdicts.get("real") and verdicts.get("paper")


def test_campaign_dates_stay_inside_the_year():
    assert campaign_dates(date(2026, 1, 5)) == (date(2026, 1, 1), date(2026, 1, 15))
    assert campaign_dates(date(2026, 3, 25)) == (date(2026, 3, 5), date(2026, 4, 4))
    assert campaign_dates(date(2026, 12, 28)) == (date(2026, 12, 8), date(2026, 12, 31))


def test_teams_walk_every_branch_with_people_who_are_not_accounts(demo_db):
    db = demo_db
    campaign = _campaign(db)
    branches = db.session.scalar(select(func.count(Unit.id)).where(Unit.level == "branch"))
    assert db.session.scalar(select(func.count(TeamBranch.id)).where(TeamBranch.campaign_id == campaign.id)) == branches
    communes = db.session.scalar(select(func.count(Unit.id)).where(Unit.level == "commune"))
    teams = db.session.scalars(select(Team).where(Team.campaign_id == campaign.id)).all()
    assert len({t.commune_id for t in teams}) == communes
    members = db.session.scalars(select(TeamMember).where(TeamMember.team_id.in_([t.id for t in teams]))).all()
    assert {m.post for m in members if m.user_id is None} == {"hamlet_head", "police", "party_secretary"}
    assert "xa.officer" in {m.user.username for m in members if m.user_id}
    assert all(any(m.team_id == t.id and m.user_id is None for m in members) for t in teams)


def test_about_half_the_branches_walked_with_every_kind_of_outcome(demo_db):
    db = demo_db
    campaign = _campaign(db)
    today = date.today()
    branches = db.session.scalar(select(func.count(Unit.id)).where(Unit.level == "branch"))
    walked = db.session.scalar(select(func.count(func.distinct(Subject.branch_id)))
                               .where(Subject.outcome.isnot(None), Subject.found.is_(False)))
    assert 0.3 * branches <= walked <= 0.7 * branches
    kinds = dict(db.session.execute(select(Subject.outcome, func.count()).where(Subject.outcome.isnot(None))
                                    .group_by(Subject.outcome)).all())
    assert set(kinds) == set(OUTCOMES)
    assert kinds["present"] > sum(n for k, n in kinds.items() if k != "present")  # mostly present
    first, last = db.session.execute(select(func.min(Outcome.on), func.max(Outcome.on))).one()
    assert campaign.starts_on <= first and last <= min(today, campaign.ends_on)
    # each subject points at its latest outcome, and some have an earlier one as history
    rows = db.session.execute(select(Subject.outcome_id, Subject.outcome, Subject.outcome_on,
                                     select(func.max(Outcome.id)).where(Outcome.subject_id == Subject.id).scalar_subquery())
                              .where(Subject.outcome.isnot(None))).all()
    assert all(oid == latest for oid, _o, _on, latest in rows)
    assert db.session.scalar(select(func.count(Outcome.id))) > len(rows)
    for o in db.session.scalars(select(Outcome).where(Outcome.outcome == "away")):
        assert o.place and o.since and o.since <= o.on
    for o in db.session.scalars(select(Outcome).where(Outcome.outcome == "corrected")):
        assert o.phone
    for subject, person in db.session.execute(select(Subject, Person).join(Person, Person.id == Subject.person_id)
                                              .where(Subject.outcome == "over_age")):
        assert age_in(person.birth_date, campaign.year) >= UNION_MAX_AGE and subject.start_type == "union"


def test_people_found_at_the_doors(demo_db):
    db = demo_db
    found = db.session.execute(select(Subject, Person).join(Person, Person.id == Subject.person_id)
                               .where(Subject.found.is_(True))).all()
    assert len(found) >= 3
    assert all(s.outcome == "present" and p.member_type == "youth" and p.current_address for s, p in found)
    claimed = [s for s, _p in found if s.claimed_type]
    assert 1 <= len(claimed) <= 3 and all(s.claimed_type == "union" and s.claimed_unit for s in claimed)
    registered = db.session.scalars(select(PersonEvent.reason).where(PersonEvent.kind == "registered",
                                                                     PersonEvent.person_id.in_([p.id for _s, p in found])))
    assert all("rà soát" in (r or "") for r in registered)


def test_exactly_one_commune_walked_to_the_end_and_reconciled(demo_db):
    db = demo_db
    campaign = _campaign(db)
    recs = db.session.scalars(select(Reconciliation)).all()
    assert len(recs) == 1
    commune = recs[0].commune
    assert commune.level == "commune"
    subjects = db.session.execute(select(Subject, Person).join(Person, Person.id == Subject.person_id)
                                  .where(Subject.commune_id == commune.id)).all()
    assert subjects and all(s.outcome and s.applied_at for s, _p in subjects)
    assert {s.outcome for s, _p in subjects} == set(OUTCOMES)  # every kind of change applied somewhere
    assert db.session.scalar(select(func.count(Subject.id)).where(Subject.applied_at.isnot(None),
                                                                  Subject.commune_id != commune.id)) == 0
    # the people seen at home: a "confirmed" history row citing the campaign
    present = {p.id for s, p in subjects if s.outcome in PRESENT}
    confirmed = set(db.session.scalars(select(PersonEvent.person_id).where(
        PersonEvent.kind == "confirmed", PersonEvent.reason.contains(campaign.title))))
    assert present and present <= confirmed
    # the others: moved and deceased off the roll, each with its dated row citing the campaign
    for s, p in subjects:
        if s.outcome in ("moved", "deceased"):
            assert p.status not in ON_ROLL
            event = db.session.scalar(select(PersonEvent).where(PersonEvent.person_id == p.id,
                                                                PersonEvent.kind == {"moved": "moved_away"}.get(s.outcome,
                                                                                                              s.outcome)))
            assert event is not None and campaign.title in event.reason
    assert not (queries.reconcile_plan(campaign, commune)["present"])  # nothing left to apply


def test_households_fold_differently_typed_addresses(demo_db):
    db = demo_db
    campaign = _campaign(db)
    assert db.session.scalar(select(func.count(Person.id)).where(Person.current_address.isnot(None))) > 1300
    mixed = 0
    for branch in db.session.scalars(select(Unit).where(Unit.level == "branch").order_by(Unit.id)):
        for household in queries.households(campaign, branch):
            typed = {p.current_address for _s, p in household.people}
            if household.key and len(household.people) >= 2 and len(typed) >= 2:
                mixed += 1
                assert len({household_key(a) for a in typed}) == 1
    assert mixed >= 20
    # a residential branch lives in the hamlet it is named after
    branch = db.session.scalar(select(Unit).where(Unit.level == "branch", Unit.kind == "residential",
                                                  Unit.name.like("%Thôn%")).order_by(Unit.id))
    hamlet = "thon " + branch.name.rsplit(" ", 1)[1].zfill(4)
    keys = [household_key(a) for a in db.session.scalars(select(Person.current_address).where(
        Person.unit_id == branch.id, Person.current_address.isnot(None)))]
    assert keys and all(k.startswith(hamlet) for k in keys)


def _snapshot():
    """What the review seed wrote, and the addresses, by name (ids are the same too, but names say more)."""
    review = _db.session.execute(
        select(Person.full_name, Subject.outcome, Subject.outcome_on, Subject.found, Subject.applied_at.isnot(None))
        .join(Person, Person.id == Subject.person_id)).all()
    addresses = _db.session.execute(select(Person.full_name, Person.current_address)).all()
    return sorted(map(tuple, review), key=repr), sorted(map(tuple, addresses), key=repr)


def test_the_demo_review_is_deterministic(demo_app, app):
    with demo_app.app_context():
        seeded = _snapshot()
        _db.session.remove()
    with app.app_context():  # the run's empty test database, seeded again from the same seed
        seed_demo(size="small", seed=DEMO_SEED, echo=lambda *a: None)
        assert _snapshot() == seeded
        _db.session.remove()
