"""The demo targets (app/targets/seed.py) on the run's small demo: the catalogue, a year of targets at every level with
their history (most approved, some waiting, one returned, some flagged and approved with a reason, a cascade that
sums its children's but for one district), young-worker activities, worker branches founded this year, and a Party
pipeline whose steps keep the rules."""
from collections import Counter
from datetime import date

from sqlalchemy import func, select

from app.activities.models import Activity
from app.auth.models import RoleGrant, User
from app.auth.passwords import DEMO_PASSWORD
from app.members.models import ON_ROLL, Person
from app.targets import party
from app.targets.catalogue import BUILTIN
from app.targets.models import Indicator, PartyStep, Target, TargetEvent
from app.units.models import Unit

TODAY = date.today()
YEAR = TODAY.year


def test_catalogue_and_a_target_for_every_indicator_at_every_level(demo_db):
    db = demo_db
    assert {code for code, *_ in BUILTIN} <= set(db.session.scalars(select(Indicator.code)))
    indicators = db.session.scalars(select(Indicator).where(Indicator.active.is_(True))).all()
    units = db.session.scalars(select(Unit).where(Unit.level.in_(("province", "district", "commune")))).all()
    have = Counter(db.session.execute(select(Target.unit_id, Target.indicator_id).where(Target.year == YEAR)).all())
    for unit in units:
        for ind in indicators:
            assert have[(unit.id, ind.id)] == (1 if ind.applies_to(unit) else 0), (unit.name, ind.code)
    for t in db.session.scalars(select(Target)):
        assert t.number == 1 and t.unit_path == t.unit.path and t.value >= 0 and t.justification


def test_statuses_and_their_history(demo_db):
    db = demo_db
    targets = db.session.scalars(select(Target).where(Target.year == YEAR)).all()
    status = Counter(t.status for t in targets)
    assert status["approved"] > 0.6 * len(targets) and status["submitted"] >= 2 and status["returned"] == 1
    events = {}
    for e in db.session.scalars(select(TargetEvent).order_by(TargetEvent.id)):
        events.setdefault(e.target_id, []).append(e)
    for t in targets:
        actions = [e.action for e in events[t.id]]
        assert actions[:2] == ["created", "submitted"] and t.submitted_at and t.created_at <= t.submitted_at
        if t.status == "submitted":
            assert actions == ["created", "submitted"] and t.decided_at is None
        else:
            assert actions[2] == t.status and t.decided_at >= t.submitted_at and events[t.id][2].value == t.value
    returned = next(t for t in targets if t.status == "returned")
    assert returned.return_reason and events[returned.id][2].reason == returned.return_reason
    # the demo commune officer's targets are decided by someone above (an approver of an ancestor)
    approved = [t for t in targets if t.status == "approved" and t.unit.level == "commune" and t.decided_by_id]
    assert approved and all(t.decided_by.username.split(".")[0] in ("huyen", "tinh") for t in approved)


def test_some_flagged_and_approved_with_a_reason(demo_db):
    db = demo_db
    flagged = [t for t in db.session.scalars(select(Target)) if t.flags]
    assert flagged
    for t in flagged:
        assert [f["code"] for f in t.flags] == ["double_last_year"] and "năm trước" in t.flags[0]["message"]
        if t.status == "approved":
            assert t.approval_reason
    assert any(t.status == "approved" for t in flagged)
    assert all(not t.approval_reason for t in db.session.scalars(select(Target)) if not t.flags)


def test_cascade_sums_children_but_one_district_differs(demo_db):
    db = demo_db
    counts = {i.id for i in db.session.scalars(select(Indicator).where(Indicator.kind == "count"))}
    value = {(t.unit_id, t.indicator_id): t.value for t in db.session.scalars(select(Target).where(Target.year == YEAR))}
    districts = db.session.scalars(select(Unit).where(Unit.level == "district")).all()
    mismatched = 0
    for d in districts:
        children = db.session.scalars(select(Unit.id).where(Unit.parent_id == d.id)).all()
        diff = [i for i in counts if value[(d.id, i)] != sum(value[(c, i)] for c in children)]
        mismatched += bool(diff)
    assert mismatched == 1


def test_young_worker_activities_and_branches_founded_this_year(demo_db):
    db = demo_db
    tagged = db.session.execute(select(Activity, Unit).join(Unit, Unit.id == Activity.unit_id)
                                .where(Activity.for_young_workers.is_(True), Activity.held_on >= date(YEAR, 1, 1))).all()
    assert len(tagged) >= 5 and all(a.held_on <= TODAY for a, _u in tagged)
    assert {u.kind for a, u in tagged if u.level == "branch"} <= {"worker_residential", "enterprise"}
    assert db.session.scalar(select(func.count(Activity.id)).where(Activity.kind == "young_workers",
                                                                   Activity.for_young_workers.is_(False))) == 0
    founded = db.session.scalars(select(Unit).where(Unit.level == "branch", Unit.founded_on >= date(YEAR, 1, 1))).all()
    assert all(b.kind in ("worker_residential", "enterprise") and b.founded_on <= TODAY for b in founded)
    sizes = {b.id: db.session.scalar(select(func.count(Person.id)).where(Person.unit_id == b.id,
                                                                         Person.status.in_(ON_ROLL))) for b in founded}
    assert sum(n >= 5 for n in sizes.values()) >= 2 and sum(0 < n < 5 for n in sizes.values()) >= 1
    workers = db.session.scalar(select(func.count(Person.id)).where(Person.unit_id.in_(list(sizes)),
                                                                    Person.occupation == "worker"))
    assert workers > 0.7 * sum(sizes.values())


def test_party_steps_keep_the_rules_and_the_rates_differ(demo_db):
    db = demo_db
    steps = db.session.scalars(select(PartyStep).order_by(PartyStep.person_id, PartyStep.on)).all()
    by_person = {}
    for s in steps:
        assert s.on <= TODAY and s.cancelled_at is None and s.unit_path == db.session.get(Unit, s.unit_id).path
        by_person.setdefault(s.person_id, []).append(s)
    for pid, rows in by_person.items():
        kinds = [s.kind for s in rows]
        assert kinds[0] == "outstanding", kinds
        for i, s in enumerate(rows):
            need = {"introduced": "outstanding", "admitted": "introduced"}.get(s.kind)
            assert need is None or need in kinds[:i], kinds
        person = db.session.get(Person, pid)
        assert person.member_type == "union"
    province = db.session.scalar(select(Unit).where(Unit.level == "province"))
    t = party.tally(province, YEAR)
    assert t.outstanding >= 10 and t.workers > 0 and t.introduced > 0 and t.admitted > 0
    rates = [party.tally(c, YEAR).introduced_rate for c in db.session.scalars(select(Unit).where(Unit.level == "commune"))]
    assert any(r is not None and r >= party.INTRODUCED_TARGET for r in rates)
    assert any(r is not None and r < party.INTRODUCED_TARGET for r in rates)


def test_the_demo_officer_opens_the_party_list(demo_app, demo_db):
    client = demo_app.test_client()
    assert client.post("/auth/login", data={"username": "xa.officer", "password": DEMO_PASSWORD}).status_code == 303
    commune = demo_db.session.scalar(select(Unit).join(RoleGrant, RoleGrant.unit_id == Unit.id)
                                     .join(User, User.id == RoleGrant.user_id).where(User.username == "xa.officer"))
    html = client.get(f"/targets/units/{commune.id}/party").get_data(as_text=True)
    assert "Giới thiệu đoàn viên ưu tú kết nạp Đảng" in html and f"năm {YEAR}" in html
