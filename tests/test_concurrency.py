"""A branch meeting: several officers tapping one branch's roll at the same instant, against a live server with
real parallel requests (one thread and one cookie jar per officer). Runs on SQLite and on PostgreSQL
(TEST_DATABASE_URL); PostgreSQL is where concurrent transactions really overlap."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.activities.models import Activity, Attendance, BranchStanding, DuesPayment, PersonStanding
from app.activities.standing import refresh_standing
from app.dates import month_start
from tests.conftest import PASSWORD
from tests.factories_activities import activity_row, person_row
from tests.live import LiveClient, live, run_together  # noqa: F401 — the live server fixture

STATUSES = ("present", "absent", "excused")




@pytest.fixture
def meeting(db, tree, make_user):
    """Branch B1 with 100 people owing dues, one activity, four officers of the branch."""
    people = [person_row(db, tree.B1, f"Đoàn viên {i:03d}") for i in range(100)]
    activity = activity_row(db, tree.B1)
    db.session.commit()
    officers = [make_user(f"chidoan{i}", (tree.B1, "officer")) for i in range(4)]
    return tree.B1.id, [p.id for p in people], activity.id, [o.username for o in officers]


def stored_standing(db):
    rows = db.session.execute(select(PersonStanding.person_id, PersonStanding.unit_id, PersonStanding.person_ok,
                                     PersonStanding.name_ok, PersonStanding.gathered_ok, PersonStanding.dues_ok,
                                     PersonStanding.activity_ok, PersonStanding.verdict)).all()
    branches = db.session.execute(select(BranchStanding.unit_id, BranchStanding.total, BranchStanding.real,
                                         BranchStanding.incomplete, BranchStanding.paper)).all()
    return sorted(map(tuple, rows)), sorted(map(tuple, branches))


def assert_standing_matches_records(db):
    """The derived rows equal a fresh computation from the records (nothing stale, nothing missing)."""
    db.session.rollback()
    stored = stored_standing(db)
    refresh_standing()
    fresh = stored_standing(db)
    db.session.rollback()
    assert stored == fresh


def test_four_officers_tap_100_marks_while_one_marks_all_paid(db, live, meeting):
    branch, people, activity_id, officers = meeting
    month = month_start(date.today())
    clients = [LiveClient(live).login(o, PASSWORD) for o in officers]
    wanted = {pid: STATUSES[i % 3] for i, pid in enumerate(people)}

    def tapper(k):
        def job():
            c = clients[k]
            for pid in people[k::4]:
                resp = c.post(f"/activities/{activity_id}/attendance/{pid}", {f"s-{pid}": wanted[pid]}, htmx=True)
                assert resp.status == 200, (pid, resp.status, resp.text[:300])
        return job

    payer = LiveClient(live).login(officers[0], PASSWORD)
    answer = {}

    def pay_all():
        resp = payer.post(f"/activities/dues/{branch}", {"month": month.strftime("%Y-%m"), "all": "1"})
        answer["status"] = resp.status
        answer["page"] = payer.get(resp.location).text if resp.status == 303 else resp.text

    run_together(*(tapper(k) for k in range(4)), pay_all)

    assert [c.errors() for c in clients] == [[]] * 4
    assert answer["status"] == 303, answer["page"][:500]
    assert "cho 100 người" in answer["page"]
    db.session.rollback()
    stored = dict(db.session.execute(select(Attendance.person_id, Attendance.status)
                                     .where(Attendance.activity_id == activity_id)).all())
    assert stored == wanted
    paid = set(db.session.scalars(select(DuesPayment.person_id).where(DuesPayment.month == month)))
    assert paid == set(people)
    assert db.session.scalar(select(func.count()).select_from(PersonStanding)) == 100
    assert_standing_matches_records(db)


def test_four_officers_create_activities_for_one_branch_in_the_same_second(db, live, meeting):
    branch, people, _activity_id, officers = meeting
    clients = [LiveClient(live).login(o, PASSWORD) for o in officers]
    forms = []
    for c in clients:
        page = c.get(f"/activities/new?unit={branch}").text
        token = __import__("re").search(r'name="form_token"[^>]*value="([0-9a-f]+)"', page).group(1)
        forms.append(token)
    created = []

    def creator(k):
        def job():
            resp = clients[k].post("/activities/new", {
                "unit_id": branch, "held_on": date.today().strftime("%d/%m/%Y"), "kind": "regular",
                "title": f"Sinh hoạt {k}", "form_token": forms[k]})
            created.append((resp.status, resp.text[:300]))
        return job

    run_together(*(creator(k) for k in range(4)))
    assert sorted(s for s, _t in created) == [303] * 4, created
    db.session.rollback()
    titles = db.session.scalars(select(Activity.title).where(Activity.unit_id == branch, Activity.title.like("Sinh hoạt _"))).all()
    assert sorted(titles) == [f"Sinh hoạt {k}" for k in range(4)]
    assert_standing_matches_records(db)


def test_standing_is_recomputed_once_at_the_outermost_commit_not_at_savepoints(db, tree):
    from app.activities.models import DuesPayment
    from app.dates import add_months

    p = person_row(db, tree.B1, "Nguyễn Văn Một")
    q = person_row(db, tree.B1, "Nguyễn Văn Hai")
    db.session.commit()
    assert db.session.get(PersonStanding, p.id).dues_ok is False  # twelve months unpaid
    this = month_start(date.today())
    for k in range(1, 13):
        db.session.add(DuesPayment(person_id=p.id, month=add_months(this, -k), amount=2000))
    db.session.flush()
    with db.session.begin_nested():  # a savepoint: no recomputation here
        db.session.add(DuesPayment(person_id=q.id, month=this, amount=2000))
    with pytest.raises(ZeroDivisionError):  # a savepoint rolled back must not make the commit forget p
        with db.session.begin_nested():
            db.session.add(DuesPayment(person_id=q.id, month=add_months(this, -1), amount=2000))
            db.session.flush()
            1 / 0  # noqa: B018 — fail inside the transaction on purpose
    assert db.session.scalar(select(PersonStanding.dues_ok).where(PersonStanding.person_id == p.id)) is False
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(PersonStanding, p.id).dues_ok is True
    assert_standing_matches_records(db)


def test_mark_dues_paid_never_swallows_an_error(db, tree, monkeypatch):
    """Only "paid a moment ago by someone else" is expected inside its savepoints; anything else reaches the user."""
    from sqlalchemy.exc import IntegrityError

    from app.activities import services
    from app.activities.models import DuesPayment

    people = [person_row(db, tree.B1, f"Nguyễn Văn {i}") for i in range(3)]
    db.session.commit()
    amounts = iter([2000, None, 2000])  # the second payment breaks a NOT NULL constraint: an error, not "already paid"
    monkeypatch.setattr(services, "dues_amount_for", lambda person: next(amounts))
    with pytest.raises(IntegrityError):
        services.mark_dues_paid(branch=tree.B1, month=month_start(date.today()), people=people)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(DuesPayment)) == 0
