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


@pytest.fixture
def world(db, app):
    return review_world(db, app, communes=("Hòa An",), size=40, officers=3)


def outcomes_of(db, subject_ids):
    db.session.rollback()
    return dict(db.session.execute(select(Subject.id, Subject.outcome).where(Subject.id.in_(subject_ids))).all())


def test_two_officers_tap_different_people_of_one_branch_at_once(db, live, world):
    c = world.communes[0]
    a, b = (LiveClient(live).login(u, PASSWORD) for u in c.officers[:2])
    sids = [subject_of(db, pid).id for pid in c.people]
    wanted = {sid: ("present", "away", "not_found")[i % 3] for i, sid in enumerate(sids)}

    def walker(client, mine):
        def job():
            for sid in mine:
                resp = tap(client, sid, wanted[sid], f"tok-{sid}")
                assert resp.status == 200, (sid, resp.status, resp.text[:300])
        return job

    run_together(walker(a, sids[0::2]), walker(b, sids[1::2]))
    assert a.errors() == [] and b.errors() == []
    assert outcomes_of(db, sids) == wanted
    assert count(db, Outcome, Outcome.subject_id.in_(sids)) == 40
    # the branch's counter agrees with the rows
    page = a.get(f"/review/{world.campaign}/branches/{c.branch}").text
    assert 'id="walk-count">40/40<' in page


def test_two_officers_tap_the_same_person_at_once(db, live, world):
    """Both succeed; the person holds one of the two answers; both stay as history (two Outcome rows)."""
    c = world.communes[0]
    a, b = (LiveClient(live).login(u, PASSWORD) for u in c.officers[:2])
    sids = [subject_of(db, pid).id for pid in c.people[10:20]]
    answers = {}

    def officer(client, outcome, who):
        def job():
            for sid in sids:
                resp = tap(client, sid, outcome, f"{who}-{sid}", p="Bình Dương" if outcome == "away" else "")
                answers[(who, sid)] = resp.status
        return job

    run_together(officer(a, "present", "a"), officer(b, "away", "b"))
    assert set(answers.values()) == {200}, answers
    got = outcomes_of(db, sids)
    assert set(got.values()) <= {"present", "away"} and None not in got.values()
    for sid in sids:
        rows = db.session.execute(select(Outcome.id, Outcome.outcome).where(Outcome.subject_id == sid)
                                  .order_by(Outcome.id)).all()
        assert sorted(o for _i, o in rows) == ["away", "present"], (sid, rows)
        latest = db.session.scalar(select(Subject.outcome_id).where(Subject.id == sid))
        assert latest == rows[-1][0]  # the subject holds the later of the two, whichever it was
        assert got[sid] == rows[-1][1]


def test_the_same_tap_sent_five_times_at_once_is_one_outcome(db, live, world):
    c = world.communes[0]
    a = LiveClient(live).login(c.officers[0], PASSWORD)
    a.get(f"/review/{world.campaign}/branches/{c.branch}")
    for pid in c.people[20:25]:
        sid = subject_of(db, pid).id
        data = {"on": TODAY, f"o-{sid}": "moved", f"p-{sid}": "Hà Nội", f"t-{sid}": f"once-{sid}"}
        resps = tap_together(a, f"/review/subjects/{sid}/outcome", data, n=5, htmx=True)
        assert [r.status for r in resps] == [200] * 5, [(r.status, r.text[:200]) for r in resps]
        assert count(db, Outcome, Outcome.subject_id == sid) == 1
        # and the plain form (no JavaScript) sent again later answers the same, still one row
        again = a.post(f"/review/subjects/{sid}/outcome", data)
        assert again.status == 303
        assert count(db, Outcome, Outcome.subject_id == sid) == 1


def _present_all(db, app, c, k, outcome="present"):
    """Outcomes for the first k people of the commune's branch, written directly (the setup, not the test)."""
    with app.test_request_context():
        for pid in c.people[:k]:
            s = subject_of(db, pid)
            review_services.record_outcome(subject=s, outcome=outcome, on=date.today())
        db.session.commit()


def test_two_officers_reconcile_one_commune_at_once(db, app, live, world):
    c = world.communes[0]
    _present_all(db, app, c, 30)
    a, b = (LiveClient(live).login(u, PASSWORD) for u in c.officers[:2])
    path = f"/review/{world.campaign}/communes/{c.commune}/reconcile"
    for client in (a, b):
        assert client.get(path).status == 200
    answers = {}

    def officer(client, who):
        return lambda: answers.__setitem__(who, client.post(path, {}))

    run_together(officer(a, "a"), officer(b, "b"))
    assert sorted(r.status for r in answers.values()) == [303, 303], {k: (r.status, r.text[:300]) for k, r in answers.items()}
    assert count(db, Reconciliation, Reconciliation.commune_id == c.commune) == 1
    db.session.rollback()
    per_person = dict(db.session.execute(
        select(PersonEvent.person_id, func.count()).where(PersonEvent.kind == "confirmed")
        .group_by(PersonEvent.person_id)).all())
    assert per_person == dict.fromkeys(c.people[:30], 1)
    assert count(db, Subject, Subject.applied_at.is_(None), Subject.outcome.isnot(None)) == 0


def test_taps_racing_the_reconciliation_are_applied_or_refused_never_left_behind(db, app, live, world):
    """While one officer reconciles the commune, two others tap: a tap is either in the registry or told it was
    too late (never a 500, never an outcome stored after the reconciliation that no one will ever apply)."""
    c = world.communes[0]
    _present_all(db, app, c, 20)
    rec, a, b = (LiveClient(live).login(u, PASSWORD) for u in c.officers)
    path = f"/review/{world.campaign}/communes/{c.commune}/reconcile"
    rec.get(path)
    a.get(f"/review/{world.campaign}/branches/{c.branch}")
    b.get(f"/review/{world.campaign}/branches/{c.branch}")
    late = [subject_of(db, pid).id for pid in c.people[20:40]]
    answers = {}

    def tapper(client, mine):
        def job():
            for sid in mine:
                answers[sid] = tap(client, sid, "away", f"late-{sid}", p="Đà Nẵng")
        return job

    run_together(lambda: answers.__setitem__("rec", rec.post(path, {})), tapper(a, late[0::2]), tapper(b, late[1::2]))
    assert answers.pop("rec").status == 303
    statuses = {sid: r.status for sid, r in answers.items()}
    assert set(statuses.values()) <= {200, 409, 422}, {s: (r.status, r.text[:300]) for s, r in answers.items() if r.status >= 500}
    db.session.rollback()
    left_behind = db.session.execute(select(Subject.id, Subject.outcome).where(
        Subject.campaign_id == world.campaign, Subject.outcome.isnot(None), Subject.applied_at.is_(None))).all()
    assert left_behind == []
    # what the registry says matches each subject's outcome: the away taps that were applied made the person away
    away_applied = set(db.session.scalars(select(Subject.person_id).where(Subject.id.in_(late), Subject.outcome == "away")))
    away_now = set(db.session.scalars(select(Person.id).where(Person.id.in_(c.people[20:40]), Person.status == "away")))
    assert away_applied == away_now


def test_two_officers_add_the_same_found_person_at_once(db, live, world):
    c = world.communes[0]
    a, b = (LiveClient(live).login(u, PASSWORD) for u in c.officers[:2])
    path = f"/review/{world.campaign}/branches/{c.branch}/new"
    token = token_in(a.get(path).text)
    b.get(path)
    form = {"form_token": token, "full_name": "Lò Thị Phát Hiện", "birth": "2007", "sex": "female", "phone": "0911000111",
            "occupation": "", "address": "Thôn 2, số 60", "claimed_type": "", "claimed_unit": "", "on": TODAY, "note": ""}
    answers = {}

    def officer(client, who):
        return lambda: answers.__setitem__(who, client.post(path, form))

    run_together(officer(a, "a"), officer(b, "b"))
    assert [answers[k].status for k in "ab"] == [303, 303], {k: (r.status, r.text[:300]) for k, r in answers.items()}
    assert count(db, Person, Person.full_name == "Lò Thị Phát Hiện") == 1
    assert count(db, Subject, Subject.found.is_(True)) == 1
    assert count(db, Outcome, Outcome.token == f"found-{token}") == 1
    # one officer, a double tap on a flaky network: five at once, still one person
    token2 = token_in(a.get(path).text)
    resps = tap_together(a, path, dict(form, form_token=token2, full_name="Lò Văn Hai Lần"), n=5)
    assert [r.status for r in resps] == [303] * 5, [(r.status, r.text[:300]) for r in resps]
    assert count(db, Person, Person.full_name == "Lò Văn Hai Lần") == 1
