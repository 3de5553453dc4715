"""Demo review: this year's campaign over the province, open, part way through.

Teams in every commune (an officer account where the demo has one, with the hamlet head, the commune police or the
Party cell secretary); about half of the branches walked (most of those to the end, some part way, street by street),
with every kind of outcome; some young people found at the doors (a few say they are Union members elsewhere); and one
commune walked to the last door and reconciled into the registry through the real service.

The campaign, the teams, the people found and the reconciliation go through app.review.services, signed in as the
account that would do it (the audit log reads like the real thing). The outcomes at the doors are written in bulk
(a COPY and one UPDATE … FROM for the whole province; no audit entry each): the service's one-tap-at-a-time path
would take minutes for the `province` size. Deterministic from the seed's random stream, on SQLite and PostgreSQL
alike.
"""
import random
import time
from contextlib import contextmanager
from datetime import date, timedelta

from flask import current_app
from flask_login import login_user
from sqlalchemy import func, select, text, update

from ..activities.standing import REFRESH_ALL, refresh_standing
from ..auth.models import RoleGrant, User
from ..dates import utcnow
from ..extensions import db
from ..members.models import Person
from ..members.seed import AWAY, DEM_NAM, DEM_NU, HO, TEN_NAM, TEN_NU, commune_tails, hamlet_of, typed_address
from ..members.seed import _bulk as bulk_insert  # the seeds' one COPY / executemany helper
from ..units.models import Unit
from . import services
from .households import household_key
from .models import OUTCOMES, Outcome, Subject
from .queries import reconcile_plan
from .rules import UNION_MAX_AGE, age_in

CHUNK = 20000
GUEST_POSTS = ("hamlet_head", "police", "party_secretary")
# Where people went, as the neighbours say it.
MOVED_TO = ["Theo chồng về xã Quảng Hòa", "Chuyển vào TP. Hồ Chí Minh sinh sống", "Cả gia đình chuyển ra Hà Nội",
            "Chuyển về phường Đông Sơn", "Lấy vợ, ở rể tại Nghệ An", "Chuyển hộ khẩu vào Bình Dương"]
NOT_FOUND_NOTES = ["Hàng xóm không biết người này", "Địa chỉ không có thật", "Nhà đã bán, chủ mới không quen",
                   "Gia đình nói đã đi từ lâu, không rõ ở đâu"]
DECEASED_NOTES = ["Tai nạn giao thông", "Ốm nặng, mất năm ngoái", "Đuối nước"]
WORKPLACES = ["Công ty TNHH May Hoàng Long", "KCN Lễ Môn", "Xưởng mộc Minh Phát", "Cửa hàng điện máy Xanh",
              "Công ty CP Giày Sao Vàng", "Tự kinh doanh tạp hóa"]
CLAIMED_UNITS = ["Chi đoàn Công ty TNHH Samsung Display Việt Nam, Bắc Ninh", "Đoàn phường Dĩ An, TP. Hồ Chí Minh",
                 "Chi đoàn Trường Đại học Hồng Đức", "Đoàn Khu công nghiệp VSIP Bình Dương"]
# The share of people on a walked branch's list with each outcome (over_age only where the birth year allows).
MIX = (("present", 0.80), ("corrected", 0.05), ("away", 0.06), ("moved", 0.035), ("not_found", 0.03),
       ("deceased", 0.004), ("over_age", 0.021))
AWAY_MIX = (("away", 0.7), ("present", 0.18), ("moved", 0.08), ("not_found", 0.04))  # people the registry has away


def campaign_dates(today):
    """The demo is opened on whatever day it is seeded, so its dates follow today: begun 20 days ago, ending in 10
    (clipped inside the year) — a campaign part way through, whose visit dates are all in the past."""
    first, last = date(today.year, 1, 1), date(today.year, 12, 31)
    return max(first, today - timedelta(days=20)), min(last, today + timedelta(days=10))


@contextmanager
def acting_as(user):
    """The services attribute their writes to the signed-in user: sign `user` in for them (None: nobody)."""
    if user is None:
        yield
        return
    with current_app.test_request_context():
        login_user(user)
        yield


def _pick(rng, pairs):
    r = rng.random()
    for value, weight in pairs:
        r -= weight
        if r <= 0:
            return value
    return pairs[0][0]


def _name(rng):
    female = rng.random() < 0.5
    return " ".join((rng.choice(HO)[0], rng.choice(DEM_NU if female else DEM_NAM),
                     rng.choice(TEN_NU if female else TEN_NAM))), female


class _Accounts:
    """The demo's accounts and where they hold which role."""

    def __init__(self):
        self.grants = db.session.execute(
            select(User, Unit.id, Unit.path, RoleGrant.role).join(RoleGrant, RoleGrant.user_id == User.id)
            .join(Unit, Unit.id == RoleGrant.unit_id).where(RoleGrant.revoked_at.is_(None)).order_by(User.id)).all()

    def on(self, unit_id, role, without="admin"):
        """Accounts holding `role` on this very unit (and not `without` there: the admins hold every role)."""
        roles = {}
        for user, uid, _path, r in self.grants:
            if uid == unit_id:
                roles.setdefault(user, set()).add(r)
        return [u for u, rs in roles.items() if role in rs and without not in rs]

    def above(self, unit, role):
        """The account holding `role` closest above (or on) the unit, preferring one that holds only that role."""
        fits = [(len(path), not (user.username or "").endswith(".admin"), -user.id, user)
                for user, _uid, path, r in self.grants if r == role and unit.path.startswith(path)]
        return max(fits, key=lambda f: f[:3])[3] if fits else None


def seed(*, province, communes, size, rng, echo=print):
    started = time.perf_counter()
    laps, mark = [], [started]

    def lap(name):  # the seconds of each step, for the echo
        now = time.perf_counter()
        laps.append(f"{name} {now - mark[0]:.1f}")
        mark[0] = now
    rng = random.Random(rng.getrandbits(64))
    today = date.today()
    starts_on, ends_on = campaign_dates(today)
    accounts = _Accounts()
    admin = accounts.above(province, "admin")
    if db.session.info.get(REFRESH_ALL):
        # The lists are taken with each person's five-criteria verdict ("at the start"): compute it now from what the
        # seeds wrote, statistics first, as the commit will (again, with the review's changes: the earlier seeds'
        # request stays, so the commit's hook takes its one full path rather than person by person).
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("ANALYZE unit, person, person_event, activity, attendance, dues_payment"))
        db.session.flush()
        refresh_standing()
        lap("standing")
    with acting_as(admin):
        campaign = services.create_campaign(
            unit=province, year=today.year, title=f"Rà soát đoàn viên, thanh niên trên địa bàn năm {today.year}",
            starts_on=starts_on, ends_on=ends_on)
        services.open_campaign(campaign=campaign, expected_version=campaign.version)
    lap("lists")

    branches = db.session.scalars(select(Unit).where(Unit.path.like(province.path + "%"), Unit.level == "branch",
                                                     Unit.status == "active").order_by(Unit.id)).all()
    by_commune = {}
    for b in branches:
        by_commune.setdefault(b.parent_id, []).append(b)
    granted = {path for _u, _id, path, _r in accounts.grants}
    # The commune walked to the end and reconciled: one with no demo account of its own (the officers' communes stay
    # open for the demo to walk), next to the first account's commune when there is one.
    plain = [c for c in communes if by_commune.get(c.id) and not any(p.startswith(c.path) for p in granted)]
    near = [c for c in plain if any(o.parent_id == c.parent_id and o.path in granted for o in communes)]
    done_commune = (near or plain or communes)[0]

    teams, recorder = _teams(rng, campaign, communes, by_commune, accounts)
    lap("teams")
    walk = _plan_walk(rng, by_commune, done_commune, accounts)
    n_outcomes = walk_branches(rng, campaign, walk, recorder, starts_on, min(today, ends_on), done_commune)
    lap("outcomes")
    n_found = _found(rng, campaign, by_commune, walk, done_commune, recorder, starts_on, min(today, ends_on), province)
    lap("found")
    with acting_as(recorder.get(done_commune.id)):
        rec, _new = services.reconcile(campaign=campaign, commune=done_commune,
                                       plan=reconcile_plan(campaign, done_commune))
    lap("reconcile")
    listed = db.session.scalar(select(func.count(Subject.id)).where(Subject.campaign_id == campaign.id,
                                                                    Subject.found.is_(False)))
    walked = sum(1 for share in walk.values() if share)
    echo(f"review: campaign {today.year} open {starts_on:%d/%m}–{ends_on:%d/%m}, {listed:,} people listed, {teams} teams, "
         f"{n_outcomes:,} outcomes in {walked}/{len(branches)} branches, {n_found} found, "
         f"{done_commune.name} reconciled ({sum((rec.counts or {}).values()):,} people) "
         f"in {time.perf_counter() - started:.1f} s ({', '.join(laps)} s)")


def _teams(rng, campaign, communes, by_commune, accounts):
    """Two or three teams per commune, each branch walked by one. Returns (teams made, {commune id: who taps})."""
    n = 0
    recorder = {}
    for commune in communes:
        branches = sorted(by_commune.get(commune.id, ()), key=lambda b: b.name)
        if not branches:
            continue
        officers = accounts.on(commune.id, "officer")
        creator = officers[0] if officers else accounts.above(commune, "admin")
        recorder[commune.id] = officers[0] if officers else accounts.above(commune, "officer")
        k = 2 if len(branches) < 15 else rng.choice((2, 3))
        with acting_as(creator):
            for i in range(k):
                mine = branches[i::k]
                users = (officers if i == 0 else []) + [u for b in mine for u in accounts.on(b.id, "officer")]
                team = services.create_team(campaign=campaign, commune=commune, name=f"Tổ rà soát số {i + 1}",
                                            users=users, branches=mine)
                for post in rng.sample(GUEST_POSTS, rng.randint(1, 2)):
                    services.add_guest(team=team, full_name=_name(rng)[0], post=post)
                n += 1
    return n, recorder


def _plan_walk(rng, by_commune, done_commune, accounts):
    """{branch id: the share of its list walked}: about half the branches, most of those to the end; all of the
    reconciled commune; the demo officers' own branch part way (something done, something left to tap)."""
    walk = {}
    for commune_id, branches in by_commune.items():
        for b in branches:
            if commune_id == done_commune.id:
                walk[b.id] = 1.0
            elif accounts.on(b.id, "officer"):
                walk[b.id] = 0.6
            elif rng.random() < 0.5:
                walk[b.id] = 1.0 if rng.random() < 0.7 else rng.uniform(0.3, 0.9)
            else:
                walk[b.id] = 0.0
    return walk


def _over_age(s, year):
    """A Union member the rules let the team mark "past 30" (rules.check_outcome refuses anyone younger)."""
    return s.start_type == "union" and s.birth_date is not None and age_in(s.birth_date, year) >= UNION_MAX_AGE


def _outcome(rng, s, year):
    if s.status == "away":
        return _pick(rng, AWAY_MIX)
    code = _pick(rng, MIX)
    if code == "over_age" and not _over_age(s, year):
        return "present"
    if code == "present" and _over_age(s, year) and rng.random() < 0.5:
        return "over_age"  # half of the members past 30 are marked so at the door
    return code


def walk_branches(rng, campaign, walk, recorder, first_day, last_day, done_commune=None):
    """Outcomes for the people not yet visited of the walked branches ({branch id: share of its list}), in bulk: one
    row each (a few have an earlier one, corrected the next day), then each subject points at its latest. Visit days
    between first_day and last_day; `recorder`: {commune id: the account that taps}. The commune to be reconciled gets
    every kind at least once. Returns the number of rows written (bench/review.py walks a commune with it too)."""
    rows = db.session.execute(
        select(Subject.id, Subject.branch_id, Subject.commune_id, Subject.start_type, Subject.person_id, Person.status,
               Person.birth_date, Person.current_address)
        .join(Person, Person.id == Subject.person_id)
        .where(Subject.campaign_id == campaign.id, Subject.outcome_id.is_(None), Subject.branch_id.in_(
            [b for b, share in walk.items() if share]))
        .order_by(Subject.branch_id, Subject.person_id)).all()  # not Subject.id: INSERT … SELECT gives any order
    people = {}
    for row in rows:
        people.setdefault(row.branch_id, []).append(row)
    span = (last_day - first_day).days
    now = utcnow()
    out, spare, kinds = [], {}, {}  # spare: {commune: [(row index, subject)]} found present; kinds: {commune: {code}}
    for branch_id, subjects in people.items():
        share = walk.get(branch_id, 0.0)
        if not share:
            continue
        if share < 1:  # part way: the first streets of the hamlet, in the walk list's order
            subjects = sorted(subjects, key=lambda s: (household_key(s.current_address or ""), s.person_id))
            subjects = subjects[:max(1, int(len(subjects) * share))]
        day = first_day + timedelta(days=rng.randint(0, span))
        by = recorder.get(subjects[0].commune_id)
        for s in subjects:
            on = min(last_day, day + timedelta(days=rng.random() < 0.3))
            code = _outcome(rng, s, campaign.year)
            kinds.setdefault(s.commune_id, set()).add(code)
            if code == "corrected" and rng.random() < 0.3 and on > first_day:  # tapped "present", corrected next day
                out.append(_row(rng, campaign, s, "present", on - timedelta(days=1), by, now))
            if code == "present" and share == 1:
                spare.setdefault(s.commune_id, []).append((len(out), s))
            out.append(_row(rng, campaign, s, code, on, by, now))
    if done_commune is not None:
        _every_kind(rng, campaign, out, spare.get(done_commune.id, []), kinds.get(done_commune.id, set()))
    for i in range(0, len(out), CHUNK):
        bulk_insert(Outcome.__table__, out[i:i + CHUNK])  # COPY on PostgreSQL
    # Each subject visited now points at its latest row: one UPDATE … FROM (PostgreSQL, SQLite ≥ 3.33).
    latest = (select(Outcome.subject_id, func.max(Outcome.id).label("id")).where(Outcome.campaign_id == campaign.id)
              .group_by(Outcome.subject_id).subquery())
    db.session.execute(
        update(Subject).where(Subject.id == latest.c.subject_id, Outcome.id == latest.c.id, Subject.outcome_id.is_(None))
        .values(outcome_id=Outcome.id, outcome=Outcome.outcome, outcome_on=Outcome.on, outcome_by_id=Outcome.recorded_by_id,
                outcome_at=Outcome.recorded_at, version=Subject.version + 1)
        .execution_options(synchronize_session=False))
    return len(out)


def _row(rng, campaign, s, code, on, by, now):
    row = {"subject_id": s.id, "campaign_id": campaign.id, "outcome": code, "on": on, "place": None, "since": None,
           "phone": None, "address": None, "workplace": None, "note": None, "token": None,
           "recorded_by_id": by.id if by else None, "recorded_at": now}
    if code == "away":
        row["place"] = rng.choice(AWAY)
        row["since"] = on - timedelta(days=rng.randint(60, 1000))
    elif code == "moved":
        row["place"] = rng.choice(MOVED_TO)
    elif code == "not_found":
        row["note"] = rng.choice(NOT_FOUND_NOTES)
    elif code == "deceased":
        row["note"] = rng.choice(DECEASED_NOTES)
    elif code == "corrected":
        row["phone"] = f"09{rng.randint(0, 99_999_999):08d}"
        if rng.random() < 0.3:
            row["workplace"] = rng.choice(WORKPLACES)
    return row


def _every_kind(rng, campaign, out, spare, have):
    """The reconciled commune shows every kind of change applied: a kind none of its people got (`have`: the kinds
    they got) goes to one of those found present (a Union member past 30 for "over_age")."""
    for code in OUTCOMES:
        fits = [(i, s) for i, s in spare if out[i]["outcome"] == "present" and (code != "over_age" or
                                                                                 _over_age(s, campaign.year))]
        if code in have or not fits:
            continue
        i, s = fits[rng.randrange(len(fits))]
        old = out[i]
        out[i] = _row(rng, campaign, s, code, old["on"], None, old["recorded_at"])
        out[i]["recorded_by_id"] = old["recorded_by_id"]
        have.add(code)


def _found(rng, campaign, by_commune, walk, done_commune, recorder, first_day, last_day, province):
    """Young people living here on no list, found at the doors of walked branches (through the service)."""
    n = 0
    claims = 0
    span = (last_day - first_day).days
    for commune_id, branches in by_commune.items():
        walked = [b for b in branches if walk.get(b.id)]
        if not walked:
            continue
        count = sum(1 for _b in walked if rng.random() < 0.2)
        if commune_id == done_commune.id:
            count = max(count, 2)
        if not count:
            continue
        commune = walked[0].parent  # loaded with the branches' session: one statement per commune
        tails = commune_tails(commune.name, province.name)
        with acting_as(recorder.get(commune_id)):
            for k in range(count):
                branch = rng.choice(walked)
                hamlet = hamlet_of(branch.name) or ("Thôn", rng.randint(1, 5))
                name, female = _name(rng)
                age = rng.randint(16, 24)
                claim = (commune_id == done_commune.id and k == 0) or (claims < 2 and rng.random() < 0.2)
                claims += claim
                services.add_found_person(
                    campaign=campaign, branch=branch, on=first_day + timedelta(days=rng.randint(0, span)),
                    full_name=name, birth_date=date(campaign.year - age, rng.randint(1, 12), rng.randint(1, 28)),
                    sex="female" if female else "male", phone=f"03{rng.randint(0, 99_999_999):08d}",
                    occupation=rng.choice(("worker", "student", "self_employed", "farmer")),
                    address=typed_address(rng, hamlet, rng.randint(1, 200), tails),
                    claimed_type="union" if claim else None, claimed_unit=rng.choice(CLAIMED_UNITS) if claim else None,
                    note="Mới về ở với gia đình" if claim else "Chưa có trong danh sách của chi đoàn")
                n += 1
    return n
