"""The actuals of the targets come only from the records: for every built-in indicator, values() equals a count written
plainly here in Python over the rows (not the same SQL), for units at every level at once; the statements do not grow
with the number of units; monthly() is cumulative; the records page lists exactly the rows counted; the catalogue is
kept by a province admin only."""
from datetime import date

import pytest
from sqlalchemy import event, select

from app.activities.models import Activity, PersonStanding
from app.activities.standing import refresh_standing
from app.classes.models import Enrolment, TrainingClass
from app.members.models import ON_ROLL, Person, PersonEvent
from app.review.models import Campaign, Subject
from app.targets import actuals, catalogue
from app.targets.models import Indicator, PartyStep
from app.units.models import Unit
from tests.factories_members import person_in

Y = date.today().year - 1  # a whole past year: every month has begun, nothing depends on today's date


def d(month, day=10, year=Y):
    return date(year, month, day)


# ---- the scenario ----------------------------------------------------------------------------------------------------
@pytest.fixture
def world(db, tree, make_unit, make_user):
    t = tree
    catalogue.ensure()
    w = type("W", (), {})()
    w.t = t
    # Worker branches: WB1 (C1, 6 members, founded in March) counts; WB2 (C2, Federation, 4 members) not yet; WB3 (C3,
    # founded the year before) never; EB1 (C1, enterprise, 10 members) counts for both worker and enterprise indicators.
    w.WB1 = make_unit(t.C1, kind="worker_residential", name="Chi đoàn Công nhân KCN Lễ Môn", code="WB1", founded_on=d(3))
    w.WB2 = make_unit(t.C2, kind="enterprise", org_type="federation", name="Chi hội Công ty May 10", code="WB2",
                      founded_on=d(5))
    w.WB3 = make_unit(t.C3, kind="worker_residential", name="Chi đoàn Công nhân cũ", code="WB3", founded_on=d(6, year=Y - 1))
    w.EB1 = make_unit(t.C1, kind="enterprise", name="Chi đoàn Công ty Giày Thái Bình", code="EB1", founded_on=d(8))
    # An enterprise organisation at commune level (EC under D) with its branch ECB: the commune counts once.
    w.EC = make_unit(t.D, level="commune", kind="enterprise", name="Đoàn cơ sở Công ty Sao Vàng", code="EC",
                     founded_on=d(4))
    w.ECB = make_unit(w.EC, kind="enterprise", name="Chi đoàn Phân xưởng 1", code="ECB", founded_on=d(4))
    w.closed = make_unit(t.C2, kind="worker_residential", name="Chi đoàn đã giải thể", code="WBX", founded_on=d(2),
                         status="closed")

    def people(branch, n, **kw):
        return [person_in(db, branch, commit=False, **kw) for _ in range(n)]

    people(w.WB1, 6, occupation="worker")
    people(w.WB1, 1, member_type="youth", occupation="worker")  # youth do not count on a Union/Federation roll
    w.wb2 = people(w.WB2, 4, member_type="federation", occupation="worker")
    people(w.WB2, 2, status="transferred_out")
    people(w.WB3, 7)
    people(w.EB1, 10, occupation="worker")
    people(w.ECB, 11, occupation="worker")
    people(w.closed, 6)

    # Admissions: joined events in B1, WB1 (C1), B2 (C2), B3 (C3) — some the year before, one the year after.
    b1 = people(t.B1, 6, occupation="farmer")
    b2 = people(t.B2, 3, occupation="worker")
    b3 = people(t.B3, 3, member_type="federation", occupation="worker")
    wb1 = db.session.scalars(select(Person).where(Person.unit_id == w.WB1.id).order_by(Person.id)).all()
    joins = [(b1[0], d(2)), (b1[1], d(3)), (b1[2], d(3)), (b1[3], d(7)), (b1[4], d(12, 20, Y - 1)), (wb1[0], d(3, 26)),
             (wb1[1], d(11)), (b2[0], d(1, 1)), (b2[1], d(12, 31)), (b2[2], d(1, 1, Y + 1)), (b3[0], d(6))]
    for p, on in joins:
        db.session.add(PersonEvent(person_id=p.id, kind="joined", on=on, unit_id=p.unit_id, detail="QĐ 12/QĐ-ĐTN"))
    db.session.add(PersonEvent(person_id=b1[5].id, kind="registered", on=d(4), unit_id=t.B1.id))
    w.b1, w.b2, w.b3 = b1, b2, b3

    # Young-worker activities: two in C1 (a branch's and the commune's own), one in C2 the year before, a plain one in C3.
    for unit, on, tag in ((t.B1, d(4), True), (t.C1, d(9), True), (t.B2, d(5, year=Y - 1), True), (t.B3, d(6), False),
                          (w.ECB, d(10), True)):
        db.session.add(Activity(unit_id=unit.id, unit_path=unit.path, held_on=on, title="Ngày hội công nhân",
                                kind="young_workers", for_young_workers=tag))

    # Party: outstanding workers in C1 (B1, WB1) and C2; introduced / admitted, some cancelled, some another year.
    def step(person, kind, on, year=None, cancelled=False):
        db.session.add(PartyStep(person_id=person.id, unit_id=person.unit_id, unit_path=person.unit_path, kind=kind,
                                 year=year or on.year, on=on, cancelled_at=d(12) if cancelled else None))

    for p in wb1[:4]:
        step(p, "outstanding", d(2))
    step(b1[0], "outstanding", d(2))  # a farmer: not in the worker rate
    step(b2[0], "outstanding", d(3))
    step(b2[1], "outstanding", d(3), cancelled=True)
    step(b2[2], "outstanding", d(3, year=Y - 1))
    step(wb1[0], "introduced", d(5))
    step(wb1[1], "introduced", d(9))
    step(wb1[2], "introduced", d(9), cancelled=True)
    step(b2[0], "introduced", d(4, year=Y + 1))  # introduced the year after: not this year's rate
    step(b1[0], "introduced", d(6))
    step(wb1[0], "admitted", d(11))
    step(b1[0], "admitted", d(12), cancelled=True)

    # Classes: a sympathizer class of the year in C1 (3 passed, 1 failed, 1 withdrawn), one of the year before; cadre
    # training for branch secretaries and deputies.
    youth = people(t.B1, 5, member_type="youth")
    old_youth = people(t.B2, 2, member_type="youth")

    def klass(unit, kind, starts, ends, status="finished"):
        k = TrainingClass(kind=kind, title=f"Lớp {kind} {starts:%m/%Y}", unit_id=unit.id, unit_path=unit.path,
                          starts_on=starts, ends_on=ends, status=status, finished_on=ends if status == "finished" else None)
        db.session.add(k)
        db.session.flush()
        return k

    s1 = klass(t.C1, "sympathizer", d(3, 1), d(3, 20))
    s0 = klass(t.C2, "sympathizer", d(12, 1, Y - 1), d(12, 20, Y - 1))
    for i, p in enumerate(youth):
        db.session.add(Enrolment(class_id=s1.id, person_id=p.id, passed=i != 3,
                                 status="withdrawn" if i == 4 else "enrolled"))
    db.session.add(Enrolment(class_id=s1.id, person_id=b1[5].id, passed=False))
    for p in old_youth:
        db.session.add(Enrolment(class_id=s0.id, person_id=p.id, passed=True))

    def post(person, kind, detail, on):
        db.session.add(PersonEvent(person_id=person.id, kind=kind, on=on, unit_id=person.unit_id, detail=detail))

    post(b1[1], "post_started", "secretary", d(1, 5, Y - 2))
    post(b1[2], "post_started", "deputy", d(1, 5, Y - 2))
    post(b2[0], "post_started", "secretary", d(1, 5, Y - 2))
    post(b3[1], "post_started", "secretary", d(1, 5, Y - 2))
    post(b3[1], "post_ended", "secretary", d(2, 1))  # no longer holds a post
    post(wb1[3], "post_started", "committee", d(1, 5))  # a committee member is not a secretary or deputy
    c1 = klass(t.C1, "cadre", d(6, 1), d(6, 3))
    c2 = klass(t.P, "cadre", d(7, 1), d(7, 3), status="cancelled")
    c0 = klass(t.P, "cadre", d(7, 1, Y - 1), d(7, 3, Y - 1))
    for p in (b1[1], b1[2], b3[1], wb1[3]):
        db.session.add(Enrolment(class_id=c1.id, person_id=p.id))
    db.session.add(Enrolment(class_id=c2.id, person_id=b2[0].id))
    db.session.add(Enrolment(class_id=c0.id, person_id=b2[0].id))

    # The review: a campaign of the year on C1 only, half of its lists walked; one found at a door (not on the lists).
    campaign = Campaign(unit_id=t.C1.id, unit_path=t.C1.path, year=Y, title="Rà soát", starts_on=d(3, 1), ends_on=d(3, 31),
                        status="closed")
    db.session.add(campaign)
    db.session.flush()
    c1_people = db.session.scalars(select(Person).where(Person.unit_path.like(t.C1.path + "%"), Person.status.in_(ON_ROLL))
                                   .order_by(Person.id)).all()
    for i, p in enumerate(c1_people):
        db.session.add(Subject(campaign_id=campaign.id, person_id=p.id, branch_id=p.unit_id, branch_path=p.unit_path,
                               commune_id=t.C1.id, start_type=p.member_type, start_status=p.status, found=i == 0,
                               outcome="present" if i % 2 else None, outcome_on=d(3, 15) if i % 2 else None))
    db.session.commit()
    refresh_standing(unit_path=t.P.path, as_of=d(12, 31))
    db.session.commit()
    w.units = [t.P, t.D, t.C1, t.C2, t.C3, w.EC, t.B1, w.WB1, w.WB2]
    return w


# ---- the independent counts ------------------------------------------------------------------------------------------
class Records:
    """Every row of the tables the indicators read, loaded once; each expected value is plain Python over them."""

    def __init__(self, db):
        def rows(model):
            return db.session.scalars(select(model)).all()

        self.units = {u.id: u for u in rows(Unit)}
        self.people = {p.id: p for p in rows(Person)}
        self.events = rows(PersonEvent)
        self.activities = rows(Activity)
        self.steps = rows(PartyStep)
        self.classes = {k.id: k for k in rows(TrainingClass)}
        self.enrolments = rows(Enrolment)
        self.standing = rows(PersonStanding)
        self.campaigns = rows(Campaign)
        self.subjects = rows(Subject)


def in_year(on):
    return on is not None and date(Y, 1, 1) <= on <= date(Y, 12, 31)


def roll(r, unit, prefix=False):
    return sum(1 for p in r.people.values() if p.status in ("active", "away") and p.member_type in ("union", "federation")
               and (p.unit_path.startswith(unit.path) if prefix else p.unit_id == unit.id))


def expected(r, key, u):  # noqa: C901 — one plain count per indicator
    """What a Youth Union officer would count by hand for unit u's subtree."""
    def under(path):
        return path.startswith(u.path)

    def share(num, den):
        return (round(100 * num / den, 1) if den else None, num, den)

    if key in ("admitted", "admitted_workers"):
        return sum(1 for e in r.events if e.kind == "joined" and in_year(e.on) and under(r.units[e.unit_id].path)
                   and (key == "admitted" or r.people[e.person_id].occupation == "worker"))
    if key == "worker_branches_5":
        return sum(1 for b in r.units.values() if b.level == "branch" and b.kind in ("worker_residential", "enterprise")
                   and b.org_type in ("union", "federation") and b.status == "active" and in_year(b.founded_on)
                   and under(b.path) and roll(r, b) >= 5)
    if key == "enterprise_orgs_10":
        n = 0
        for x in r.units.values():
            if x.kind != "enterprise" or x.status != "active" or not in_year(x.founded_on) or not under(x.path):
                continue
            parent = r.units.get(x.parent_id)
            if x.level == "commune" and roll(r, x, prefix=True) >= 10:
                n += 1
            elif x.level == "branch" and not (parent.level == "commune" and parent.kind == "enterprise") and roll(r, x) >= 10:
                n += 1
        return n
    if key == "yw_activities":
        return sum(1 for a in r.activities if a.for_young_workers and in_year(a.held_on) and under(a.unit_path))
    if key == "yw_communes_share":
        communes = [c for c in r.units.values() if c.level == "commune" and c.status == "active" and under(c.path)]
        held = [c for c in communes if any(a.for_young_workers and in_year(a.held_on) and a.unit_path.startswith(c.path)
                                           for a in r.activities)]
        return share(len(held), len(communes))
    alive = [s for s in r.steps if s.cancelled_at is None]
    if key == "party_introduced_rate":
        den = {s.person_id for s in alive if s.kind == "outstanding" and s.year == Y and under(s.unit_path)
               and r.people[s.person_id].occupation == "worker"}
        num = {s.person_id for s in alive if s.kind == "introduced" and s.year == Y and s.person_id in den}
        return share(len(num), len(den))
    if key == "party_admitted_rate":
        den = {s.person_id for s in alive if s.kind == "introduced" and in_year(s.on) and under(s.unit_path)}
        num = {s.person_id for s in alive if s.kind == "admitted" and s.person_id in den}
        return share(len(num), len(den))
    if key == "sympathizer_graduates":
        return len({e.person_id for e in r.enrolments if e.passed and e.status == "enrolled"
                    and r.classes[e.class_id].kind == "sympathizer" and r.classes[e.class_id].status != "cancelled"
                    and in_year(r.classes[e.class_id].ends_on) and under(r.people[e.person_id].unit_path)})
    if key == "cadres_trained":
        def holds_post(pid):
            for s in r.events:
                if s.person_id == pid and s.kind == "post_started" and s.detail in ("secretary", "deputy"):
                    if not any(e.person_id == pid and e.kind == "post_ended" and e.detail == s.detail
                               and (e.on, e.id) > (s.on, s.id) for e in r.events):
                        return True
            return False

        return len({e.person_id for e in r.enrolments if e.status == "enrolled" and r.classes[e.class_id].kind == "cadre"
                    and r.classes[e.class_id].status != "cancelled" and in_year(r.classes[e.class_id].starts_on)
                    and under(r.people[e.person_id].unit_path) and r.people[e.person_id].status in ON_ROLL
                    and holds_post(e.person_id)})
    if key == "real_share":
        mine = [s for s in r.standing if under(s.unit_path)]
        return share(sum(1 for s in mine if s.verdict == "real"), len(mine))
    if key == "review_coverage":
        campaigns = [c for c in r.campaigns if c.year == Y and c.status != "draft"
                     and (u.path.startswith(c.unit_path) or c.unit_path.startswith(u.path))]
        if not campaigns:
            return (None, None, None)
        listed = [s for s in r.subjects if s.campaign_id in {c.id for c in campaigns} and not s.found and under(s.branch_path)]
        return share(sum(1 for s in listed if s.outcome_on is not None), len(listed))
    raise KeyError(key)


# ---- the tests -------------------------------------------------------------------------------------------------------
def test_every_builtin_indicator_names_an_actual():
    assert {row[5] for row in catalogue.BUILTIN} == set(actuals.ACTUALS)
    for code, _name, _cu, kind, _levels, actual, _hint, _pos in catalogue.BUILTIN:
        assert actuals.ACTUALS[actual].kind == kind, code


@pytest.mark.parametrize("key", [row[5] for row in catalogue.BUILTIN])
def test_actual_equals_an_independent_count(db, world, key):
    got = actuals.values(key, world.units, Y)
    r = Records(db)
    for u in world.units:
        want = expected(r, key, u)
        v = got[u.id]
        have = v.value if actuals.ACTUALS[key].kind == "count" else (v.value, v.numerator, v.denominator)
        assert have == want, (key, u.name, have, want)


def test_the_scenario_is_not_empty(db, world):
    """The counts above are not trivially zero: the scenario says something for every indicator at the province."""
    t = world.t
    got = {key: actuals.values(key, [t.P], Y)[t.P.id] for key in actuals.ACTUALS}
    assert got["admitted"].value == 9 and got["admitted_workers"].value == 5
    assert got["worker_branches_5"].value == 3 and got["enterprise_orgs_10"].value == 2
    assert got["yw_activities"].value == 3 and (got["yw_communes_share"].numerator, got["yw_communes_share"].denominator) == (2, 4)
    assert (got["party_introduced_rate"].numerator, got["party_introduced_rate"].denominator) == (2, 5)
    assert (got["party_admitted_rate"].numerator, got["party_admitted_rate"].denominator) == (1, 3)
    assert got["sympathizer_graduates"].value == 3 and got["cadres_trained"].value == 2
    assert got["real_share"].denominator and got["review_coverage"].denominator
    assert actuals.values("review_coverage", [t.C3], Y)[t.C3.id].value is None  # no campaign there


def test_a_worker_branch_counts_once_it_reaches_five(db, world):
    t, w = world.t, world
    assert actuals.values("worker_branches_5", [t.C2], Y)[t.C2.id].value == 0
    person_in(db, w.WB2, member_type="federation")
    assert actuals.values("worker_branches_5", [t.C2], Y)[t.C2.id].value == 1
    # It counts in the month it was founded (May), not the month it reached five.
    months = actuals.monthly("worker_branches_5", t.C2, Y)
    assert [m.value for m in months] == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]


def test_as_of_cuts_the_year(db, world):
    t = world.t
    assert actuals.values("admitted", [t.C1], Y, as_of=d(3, 31))[t.C1.id].value == 4
    assert actuals.values("admitted", [t.C1], Y, as_of=d(1, 31))[t.C1.id].value == 0
    # The walk lists' outcomes were recorded on 15 March: none visited by the 1st, all by the end of the month.
    early, late = (actuals.values("review_coverage", [t.C1], Y, as_of=d(3, day))[t.C1.id] for day in (1, 31))
    assert early.numerator == 0 and early.denominator == late.denominator
    assert late == actuals.values("review_coverage", [t.C1], Y)[t.C1.id] and late.numerator > 0


def _count_statements(db, fn):
    n = [0]

    def count(*_a, **_k):
        n[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return n[0]


def test_statements_do_not_grow_with_the_units(db, world, make_unit):
    t = world.t
    more = [make_unit(t.D, level="commune", name=f"Đoàn xã Thêm {i}", code=f"X{i}") for i in range(12)]
    units = world.units + more
    assert all(u.path for u in units)  # loaded before counting
    for key in actuals.ACTUALS:
        one = _count_statements(db, lambda key=key: actuals.values(key, [t.C1], Y))
        many = _count_statements(db, lambda key=key: actuals.values(key, units, Y))
        assert one == many <= 2, (key, one, many)
        months = _count_statements(db, lambda key=key: actuals.monthly(key, t.P, Y))
        assert months <= 2, (key, months)


def test_monthly_is_cumulative_and_ends_at_the_year(db, world):
    t = world.t
    months = actuals.monthly("admitted", t.C1, Y)
    assert [m.value for m in months] == [0, 1, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6]
    for key in actuals.ACTUALS:
        if key == "real_share":
            continue
        for unit in (t.P, t.C1, t.C2):
            months = actuals.monthly(key, unit, Y)
            assert months[-1] == actuals.values(key, [unit], Y)[unit.id], (key, unit.name)
            if actuals.ACTUALS[key].kind == "count":
                vals = [m.value for m in months]
                assert vals == sorted(vals), (key, vals)
    rates = actuals.monthly("party_introduced_rate", t.C1, Y)
    assert [(m.numerator, m.denominator) for m in rates[:10:4]] == [(0, 0), (1, 4), (2, 4)]
    # A year still running: months after as_of are None.
    part = actuals.monthly("admitted", t.C1, Y, as_of=d(3, 5))
    assert [m.value if m else None for m in part] == [0, 1, 1] + [None] * 9


def test_eligible_youth(db, world):
    t = world.t
    today = date.today()
    person_in(db, t.B1, member_type="youth", birth_date=today.replace(year=today.year - 15))  # too young
    person_in(db, t.B1, member_type="youth", birth_date=date(today.year - 40, 1, 1))  # too old
    person_in(db, t.B1, member_type="youth", status="moved_away")
    r = Records(db)
    born_lo, born_hi = today.replace(year=today.year - 31), today.replace(year=today.year - 16)
    want = sum(1 for p in r.people.values() if p.unit_path.startswith(t.C1.path) and p.status in ON_ROLL
               and p.member_type != "union" and p.birth_date and born_lo < p.birth_date <= born_hi)
    assert want and actuals.eligible_youth(t.C1) == want


# ---- the records page and the catalogue ------------------------------------------------------------------------------
def test_records_page_lists_exactly_the_counted_rows(client, db, world, make_user, login):
    t = world.t
    login(make_user("tinh.viewer", (t.P, "viewer")))
    for key in actuals.ACTUALS:
        kind, stmt = actuals.records_stmt(key, t.P, Y)
        rows = db.session.execute(stmt).unique().all()
        value = actuals.values(key, [t.P], Y)[t.P.id]
        counted = sum(1 for row in rows if row[2])
        if actuals.ACTUALS[key].kind == "count":
            assert len(rows) == counted == value.value, key
        elif value.denominator is not None:
            assert (counted, len(rows)) == (value.numerator, value.denominator), key
        resp = client.get(f"/targets/records/{key}?unit={t.P.id}&year={Y}")
        assert resp.status_code == 200, key
    html = client.get(f"/targets/records/admitted?unit={t.C1.id}&year={Y}").get_data(as_text=True)
    for p in world.b1[:4]:
        assert f"/members/{p.id}" in html
    assert f"/members/{world.b1[4].id}" not in html  # admitted the year before
    html = client.get(f"/targets/records/worker_branches_5?unit={t.P.id}&year={Y}").get_data(as_text=True)
    assert f"/units/{world.WB1.id}" in html and f"/units/{world.WB2.id}" not in html
    html = client.get(f"/targets/records/yw_activities?unit={t.C1.id}&year={Y}").get_data(as_text=True)
    held = db.session.scalars(select(Activity.id).where(Activity.for_young_workers.is_(True))).all()
    assert sum(f"/activities/{a}" in html for a in held) == 2


def test_records_page_access(client, db, world, make_user, login):
    t = world.t
    login(make_user("xa2.officer", (t.C2, "officer")))
    assert client.get(f"/targets/records/admitted?unit={t.C2.id}&year={Y}").status_code == 200
    assert client.get(f"/targets/records/admitted?unit={t.C1.id}&year={Y}").status_code == 403
    assert client.get(f"/targets/records/admitted?unit=999999&year={Y}").status_code == 404
    assert client.get(f"/targets/records/nope?unit={t.C2.id}&year={Y}").status_code == 404
    assert client.get("/targets/records/admitted").status_code == 404


def test_catalogue_add_and_retire_by_province_admin(client, db, world, make_user, login):
    t = world.t
    login(make_user("tinh.admin", (t.P, "admin")))
    page = client.get("/targets/catalogue")
    assert page.status_code == 200 and "Kết nạp đoàn viên mới" in page.get_data(as_text=True)
    bad = client.post("/targets/catalogue/new", data={"code": "admitted", "name": "", "count_unit": "người",
                                                       "kind": "count", "actual": "admitted", "levels": ["commune"]})
    assert bad.status_code == 422
    resp = client.post("/targets/catalogue/new", data={"code": "admitted_c", "name": "Kết nạp đoàn viên ở cơ sở",
                                                        "count_unit": "người", "kind": "count", "actual": "admitted",
                                                        "levels": ["commune"]})
    assert resp.status_code == 303
    ind = db.session.scalar(select(Indicator).where(Indicator.code == "admitted_c"))
    assert ind.levels == "commune" and ind.actual == "admitted" and ind.active
    resp = client.post(f"/targets/catalogue/{ind.id}/retire", data={"version": ind.version})
    assert resp.status_code == 303
    db.session.expire_all()
    assert not db.session.get(Indicator, ind.id).active


def test_catalogue_is_read_only_below_the_province_admin(client, db, world, make_user, login):
    t = world.t
    login(make_user("xa.officer", (t.C1, "officer")))
    assert client.get("/targets/catalogue").status_code == 200
    assert client.get("/targets/catalogue/new").status_code == 403
    ind = db.session.scalar(select(Indicator).where(Indicator.code == "admitted"))
    assert client.post("/targets/catalogue/new", data={"code": "x"}).status_code == 403
    assert client.post(f"/targets/catalogue/{ind.id}/retire", data={"version": ind.version}).status_code == 403
