"""Demo targets: this year's registered targets of the province, its districts and communes, with the records their
actuals are computed from — the young-worker programme's activities and branches, and the Party pipeline.

- The indicator catalogue (catalogue.ensure()).
- Activities for young workers: every activity of the "young workers" kind (held in worker and enterprise branches)
  carries the tag; a few communes held a commune-wide one this year too.
- Worker branches founded this year (worker-residential or non-state enterprise, Union or Federation) in some
  communes, most with 5 to 12 people on their roll, one with fewer (it does not count yet); their people are young
  workers, some admitted to the Union this year. Each joins its commune's review team.
- The Party pipeline for last year and this: about one Union member in twenty-five recognised as outstanding, some of them
  introduced to the Party, a few admitted — communes differ (some above the seed's 5 % and 10 %, some at nothing).
- Targets for every indicator that applies, at every level above the branch: most approved (created, submitted,
  approved), two communes' sets waiting, one target returned with a reason, some above twice last year (flagged,
  approved with a reason). Values are set against an estimate of this year's records so that progress shows some
  met, some on track, some behind; a district's and the province's count targets are the sum of their children's,
  except one district that differs (the cascade's mismatch).

Targets are written directly as rows (consistent with app.targets.models: one version, number 1, with its history),
not through the registration services. Deterministic from the demo's random stream; bulk inserts where the province
size makes rows many (the steps, the history); fast at province scale.
"""
import random
import time
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from ..activities.models import Activity
from ..dates import utcnow
from ..extensions import db
from ..members.models import ON_ROLL, Person, PersonEvent, over_union_age_born_by
from ..members.seed import DEM_NAM, DEM_NU, HO, TEN_NAM, TEN_NU
from ..members.seed import _bulk as bulk_insert  # the seeds' one COPY / executemany helper
from ..review.models import Team, TeamBranch
from ..review.seed import _Accounts as Accounts  # the demo's accounts and where they hold which role
from ..text import fold
from ..units.models import Unit
from . import catalogue
from .models import Indicator, PartyStep, Target, TargetEvent

SAMPLE = 25  # about one Union member in SAMPLE is recognised as outstanding, each year
ENTERPRISES = ["Công ty TNHH May Phú Anh", "Công ty TNHH Giày Tuấn Việt", "Công ty CP Bao bì Hưng Thịnh",
               "Công ty TNHH Điện tử Việt Hàn", "Công ty TNHH Chế biến gỗ An Khang", "Công ty CP Thủy sản Sầm Sơn"]
LODGINGS = ["Khu trọ Đông Hòa", "Khu trọ Cầu Trắng", "Khu nhà trọ Lễ Môn", "Khu trọ Tây Bắc ga", "Khu trọ Hoàng Long"]
JUSTIFY = ["Căn cứ kết quả năm trước và số thanh niên trong độ tuổi trên địa bàn.",
           "Theo Nghị quyết Đại hội Đoàn xã, phù hợp điều kiện thực tế.",
           "Địa bàn có doanh nghiệp mới đi vào hoạt động, nhiều công nhân trẻ.",
           "Giữ ổn định như năm trước, tập trung chất lượng."]
APPROVE_FLAGGED = ["Khu công nghiệp mới tuyển thêm nhiều lao động trẻ, chỉ tiêu cao là có cơ sở.",
                   "Đã kiểm tra danh sách thanh niên trong độ tuổi tại địa bàn: đủ nguồn kết nạp."]
RETURN_REASON = "Chỉ tiêu thấp hơn kết quả đã đạt năm trước, đề nghị đơn vị xem lại cho phù hợp."
PERCENT_TARGETS = {"yw_communes_share": (66.7, 66.7), "party_introduced_rate": (5.0, 8.0),
                   "party_admitted_rate": (10.0, 15.0), "real_share": (70.0, 85.0), "review_coverage": (85.0, 95.0)}


def _day(rng, start, end):
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _name(rng, female):
    return " ".join((rng.choices([h for h, _ in HO], weights=[w for _, w in HO])[0],
                     rng.choice(DEM_NU if female else DEM_NAM), rng.choice(TEN_NU if female else TEN_NAM)))


def seed(*, province, communes, size, rng, echo=print):
    started = time.perf_counter()
    rng = random.Random(rng.getrandbits(64))
    today = date.today()
    catalogue.ensure()
    tagged = _young_worker_activities(rng, communes, today)
    founded = _worker_branches(rng, communes, today)
    steps = _party_steps(rng, province, communes, today)
    targets, events = _targets(rng, province, communes, today, founded)
    db.session.flush()
    counts = (f"{tagged:,} activities for young workers this year, {len(founded)} worker branches founded "
              f"({sum(1 for f in founded if f['people'] >= 5)} with 5 or more), {steps['rows']:,} Party steps, "
              f"{targets:,} targets ({events:,} history rows)")
    echo(f"targets: {counts} in {time.perf_counter() - started:.1f} s")


# ---- activities for young workers -----------------------------------------------------------------------------------
def _young_worker_activities(rng, communes, today):
    """Tag every activity of the young-workers kind; a commune-wide one this year in about a third of the communes."""
    db.session.execute(update(Activity).where(Activity.kind == "young_workers").values(for_young_workers=True))
    first = date(today.year, 1, 1)
    now = utcnow()
    rows = [{"unit_id": c.id, "unit_path": c.path, "held_on": _day(rng, first, today), "kind": "young_workers",
             "title": rng.choice(["Ngày hội thanh niên công nhân", "Tư vấn pháp luật lao động cho công nhân",
                                  "Giao lưu văn nghệ thanh niên công nhân"]),
             "notes": None, "for_young_workers": True, "created_at": now, "version": 1, "form_token": None}
            for c in communes if rng.random() < 0.34]
    bulk_insert(Activity.__table__, rows)
    return db.session.scalar(select(func.count(Activity.id)).where(Activity.for_young_workers.is_(True),
                                                                   Activity.held_on >= first, Activity.held_on <= today))


# ---- worker branches founded this year --------------------------------------------------------------------------------
def _worker_branches(rng, communes, today):
    """[{branch, commune, people}] of the branches founded this year, with their people and their history."""
    first = date(today.year, 1, 1)
    chosen = [c for c in communes if rng.random() < 0.4] or list(communes[:2])
    if len(chosen) < 2:
        chosen = list(communes[:2])
    plan = []
    for i, c in enumerate(chosen):
        for k in range(1 if rng.random() < 0.75 else 2):
            enterprise = rng.random() < 0.5
            federation = rng.random() < 0.25
            place = rng.choice(ENTERPRISES if enterprise else LODGINGS)
            prefix = "Chi hội thanh niên công nhân" if federation else "Chi đoàn"
            name = f"{prefix} {place}" if enterprise or federation else f"Chi đoàn công nhân {place}"
            people = 3 if (i, k) == (0, 0) else rng.randint(5, 12)  # the first one is still small: it does not count
            b = Unit(parent_id=c.id, depth=c.depth + 1, level="branch", kind="enterprise" if enterprise else
                     "worker_residential", org_type="federation" if federation else "union", name=name,
                     code=f"{c.code}-W{k + 1}", founded_on=_day(rng, first, today - timedelta(days=3)) if today > first
                     else first)
            plan.append({"branch": b, "commune": c, "people": people})
    db.session.add_all([p["branch"] for p in plan])
    db.session.flush()
    for p in plan:
        p["branch"].path = f"{p['commune'].path}{p['branch'].id}/"
    db.session.flush()
    _their_people(rng, plan, today)
    _their_teams(plan)
    return plan


def _their_people(rng, plan, today):
    now = datetime.now().replace(microsecond=0)
    serial = db.session.scalar(select(func.count(Person.id))) or 0
    people = []
    for p in plan:
        b = p["branch"]
        for i in range(p["people"]):
            serial += 1
            female = rng.random() < 0.55
            born = _day(rng, date(today.year - 28, 1, 1), date(today.year - 18, 12, 31))
            mtype = "federation" if b.org_type == "federation" else ("union" if rng.random() < 0.85 else "youth")
            joined = None
            if mtype == "union":  # some admitted this year, in the branch's first months
                joined = _day(rng, b.founded_on, today) if rng.random() < 0.4 else _day(
                    rng, born + timedelta(days=365 * 16), born + timedelta(days=365 * 18))
            name = _name(rng, female)
            workplace = None
            if b.kind == "enterprise":
                workplace = b.name.replace("Chi hội thanh niên công nhân ", "").replace("Chi đoàn ", "")
            person = Person(unit_id=b.id, unit_path=b.path, full_name=name, name_key=fold(name),
                            sex="female" if female else "male", birth_date=born, ethnicity="Kinh",
                            citizen_id=f"0389{serial % 100_000_000:08d}", phone=f"03{rng.randint(0, 99_999_999):08d}",
                            current_address=f"{b.name.split(' ', 2)[-1]}, {p['commune'].name}",
                            occupation="worker" if rng.random() < 0.9 else "self_employed", workplace=workplace,
                            schooling="12/12", member_type=mtype, status="active", joined_on=joined,
                            admission_decision=f"{rng.randint(1, 90)}-QĐ/ĐTN" if joined else None,
                            created_at=now, updated_at=now)
            people.append((person, i == 0, b))
    db.session.add_all([person for person, _s, _b in people])
    db.session.flush()
    events = []
    for person, secretary, b in people:
        if person.joined_on and person.joined_on >= b.founded_on:
            events.append({"kind": "joined", "on": person.joined_on, "detail": person.admission_decision})
        else:
            events.append({"kind": "registered", "on": b.founded_on, "detail": None})
        events[-1].update(person_id=person.id, unit_id=b.id, recorded_at=now, reason=None)
        if secretary:
            events.append({"kind": "post_started", "on": b.founded_on, "detail": "secretary", "person_id": person.id,
                           "unit_id": b.id, "recorded_at": now, "reason": None})
    bulk_insert(PersonEvent.__table__, events)


def _their_teams(plan):
    """The new branches walk with their commune's first review team (the demo's campaign covers every branch)."""
    firsts = dict(db.session.execute(select(Team.commune_id, func.min(Team.id)).group_by(Team.commune_id)).all())
    if not firsts:
        return
    campaigns = dict(db.session.execute(select(Team.id, Team.campaign_id).where(Team.id.in_(list(firsts.values())))).all())
    for p in plan:
        team_id = firsts.get(p["commune"].id)
        if team_id:
            db.session.add(TeamBranch(campaign_id=campaigns[team_id], branch_id=p["branch"].id, team_id=team_id))


# ---- the Party pipeline ---------------------------------------------------------------------------------------------------
def _party_steps(rng, province, communes, today):
    """Last year's and this year's outstanding members with their introductions and admissions. Returns a summary
    per commune for the targets: {commune_id: {"workers", "introduced_workers", "introduced", "admitted"}}."""
    commune_of = dict(db.session.execute(select(Unit.id, Unit.parent_id).where(Unit.level == "branch",
                                                                               Unit.path.like(province.path + "%"))).all())
    names = {c.id: c.name for c in communes}
    branch_names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.level == "branch")).all())
    # each commune's habit: how many of its outstanding members it introduces, how many the Party cell admits
    habit = {c.id: (rng.choice((0.0, 0.05, 0.1, 0.2, 0.35)), rng.choice((0.0, 0.2, 0.4, 0.6))) for c in communes}
    for user, unit_id, _path, _role in Accounts().grants:  # the demo's own communes show every step
        if unit_id in habit and (user.username or "").startswith("xa"):
            habit[unit_id] = (0.5, 0.6)
    now = utcnow()
    rows, summary = [], {}
    for year, k in ((today.year - 1, 0), (today.year, 1)):
        last_day = date(year, 12, 31) if year < today.year else today
        candidates = db.session.execute(
            select(Person.id, Person.unit_id, Person.unit_path, Person.occupation)
            .where(Person.unit_path.like(province.path + "%"), Person.member_type == "union", Person.status.in_(ON_ROLL),
                   Person.birth_date > over_union_age_born_by(), Person.id % SAMPLE == k)
            .order_by(Person.id)).all()
        for pid, unit_id, unit_path, occupation in candidates:
            commune_id = commune_of.get(unit_id)
            if commune_id not in habit:
                continue
            p_intro, p_admit = habit[commune_id]
            cell = branch_names.get(unit_id, "").replace("Chi đoàn ", "").replace("Chi hội thanh niên ", "")
            on = _day(rng, date(year, 1, 2), min(last_day, date(year, 6, 30)))
            base = {"person_id": pid, "unit_id": unit_id, "unit_path": unit_path, "recorded_by_id": None,
                    "recorded_at": now, "cancelled_at": None, "cancel_reason": None, "form_token": None,
                    "note": None, "party_cell": None}
            rows.append(dict(base, kind="outstanding", year=year, on=on, decided_by=f"BCH {names[commune_id]}",
                             decision=f"{rng.randint(1, 99)}-QĐ/ĐTN"))
            tally = summary.setdefault(year, {}).setdefault(commune_id, dict.fromkeys(
                ("outstanding", "workers", "introduced", "introduced_workers", "admitted"), 0))
            worker = occupation == "worker"
            tally["outstanding"] += 1
            tally["workers"] += worker
            introduced = on + timedelta(days=rng.randint(20, 150))
            if rng.random() >= p_intro * (1.5 if worker else 1) or introduced > last_day:
                continue
            rows.append(dict(base, kind="introduced", year=introduced.year, on=introduced, decided_by=f"BCH {names[commune_id]}",
                             decision=f"{rng.randint(1, 99)}-GT/ĐTN", party_cell=f"Chi bộ {cell}"))
            tally["introduced"] += 1
            tally["introduced_workers"] += worker
            admitted = introduced + timedelta(days=rng.randint(30, 150))
            if rng.random() >= p_admit or admitted > today:
                continue
            rows.append(dict(base, kind="admitted", year=admitted.year, on=admitted, decided_by="Đảng ủy xã",
                             decision=f"{rng.randint(1, 60)}-QĐ/ĐU", party_cell=f"Chi bộ {cell}"))
            tally["admitted"] += 1
    bulk_insert(PartyStep.__table__, rows)
    return {"rows": len(rows), "years": summary}


# ---- targets ------------------------------------------------------------------------------------------------------------
def _estimates(communes, today, founded):
    """{commune_id: {indicator code: (this year's estimate so far, last year's)}} for the count indicators whose records
    the demo has, in a handful of grouped statements (an estimate for setting demo values, not the actuals)."""
    first, last_first = date(today.year, 1, 1), date(today.year - 1, 1, 1)
    branch = select(Unit.id, Unit.parent_id).where(Unit.level == "branch").subquery()
    est = {c.id: {} for c in communes}

    def grouped(stmt, code):
        for commune_id, is_this, n in db.session.execute(stmt):
            if commune_id in est:
                now_, before = est[commune_id].get(code, (0, 0))
                est[commune_id][code] = (now_ + n, before) if is_this else (now_, before + n)

    this_year = PersonEvent.on >= first
    joined = (select(branch.c.parent_id, this_year, func.count())
              .join(branch, branch.c.id == PersonEvent.unit_id)
              .where(PersonEvent.kind == "joined", PersonEvent.on >= last_first, PersonEvent.on <= today)
              .group_by(branch.c.parent_id, this_year))
    grouped(joined, "admitted")
    workers = joined.join(Person, Person.id == PersonEvent.person_id).where(Person.occupation == "worker")
    grouped(workers, "admitted_workers")
    held_now = Activity.held_on >= first
    yw = (select(branch.c.parent_id, held_now, func.count()).join(branch, branch.c.id == Activity.unit_id)
          .where(Activity.for_young_workers.is_(True), Activity.held_on >= last_first, Activity.held_on <= today)
          .group_by(branch.c.parent_id, held_now))
    grouped(yw, "yw_activities")
    for f in founded:
        now_, before = est[f["commune"].id].get("worker_branches_5", (0, 0))
        est[f["commune"].id]["worker_branches_5"] = (now_ + (f["people"] >= 5), before)
    return est


def _value(rng, code, kind, estimate, elapsed, mood):
    """A target for an estimate so far: met (below it), on track (about the year's pace) or behind (well above)."""
    if kind == "percent":
        lo, hi = PERCENT_TARGETS.get(code, (50.0, 80.0))
        return round(rng.uniform(lo, hi), 1)
    so_far, _last = estimate
    pace = so_far / max(elapsed, 0.05)
    if mood == "met":
        return float(max(1, int(so_far * 0.85)) if so_far else 1)
    if mood == "on_track":
        return float(max(1, round(pace * rng.uniform(0.95, 1.05))))
    return float(max(2, round(pace * rng.uniform(1.5, 2.0)) + 1))


def _fallback(rng, code, unit_branches):
    """Indicators whose records the demo estimate does not read: a plausible count for a commune."""
    return {"enterprise_orgs_10": (1, 1), "sympathizer_graduates": (rng.randint(8, 30), rng.randint(8, 30)),
            "cadres_trained": (max(2, int(unit_branches * 1.6)), max(2, int(unit_branches * 1.5)))}.get(code, (1, 1))


def _targets(rng, province, communes, today, founded):
    indicators = db.session.scalars(select(Indicator).where(Indicator.active.is_(True)).order_by(Indicator.position)).all()
    districts = db.session.scalars(select(Unit).where(Unit.level == "district", Unit.path.like(province.path + "%"))
                                   .order_by(Unit.id)).all()
    branches = dict(db.session.execute(select(Unit.parent_id, func.count()).where(Unit.level == "branch")
                                       .group_by(Unit.parent_id)).all())
    accounts = Accounts()
    est = _estimates(communes, today, founded)
    elapsed = (today - date(today.year, 1, 1)).days / 365
    # who waits: two communes' whole sets submitted; one target of a third returned (never the demo's own "xa" commune)
    xa = {uid for user, uid, _p, _r in accounts.grants if (user.username or "").startswith("xa.")}
    others = [c for c in communes if c.id not in xa]
    rng.shuffle(others)
    waiting = {c.id for c in others[:2]}
    returned_unit = others[2].id if len(others) > 2 else None
    values = {}  # (unit_id, code) → value, for the cascade
    made = []
    for c in communes:
        for ind in indicators:
            if not ind.applies_to(c):
                continue
            e = est[c.id].get(ind.code) or _fallback(rng, ind.code, branches.get(c.id, 0))
            mood = rng.choices(("met", "on_track", "behind"), weights=(0.35, 0.4, 0.25))[0]
            value = _value(rng, ind.code, ind.kind, e, elapsed, mood)
            last = e[1]
            if ind.kind == "count" and last:  # a unit that is behind still stays within twice last year
                value = min(value, float(2 * last))
            made.append([c, ind, value, None, last if ind.kind == "count" else 0])
    # some far above last year (flagged; the approver gives a reason): about one in twelve, two decided ones at least
    known = [m for m in made if m[4]]
    forced = [m for m in known if rng.random() < 0.08]
    decided = [m for m in known if m[0].id not in waiting and not any(m is f for f in forced)]
    short = max(0, 2 - sum(m[0].id not in waiting for m in forced))  # two at least that an approver has decided
    forced += rng.sample(decided, min(len(decided), short))
    for m in forced:
        m[2] = float(m[4] * 2 + rng.randint(1, 3))
        m[3] = [{"code": "double_last_year", "message": f"Chỉ tiêu {int(m[2])} cao hơn gấp đôi kết quả năm trước ({m[4]})."}]
    for c, ind, value, _flags, _last in made:
        values[(c.id, ind.code)] = value
    made = [tuple(m[:4]) for m in made]
    parents = {c.id: c.parent_id for c in communes}
    odd = districts[-1].id if districts else None
    for d in districts:
        _above(rng, d, [c for c in communes if parents[c.id] == d.id], indicators, values, made, odd == d.id)
    top = [*districts, *(c for c in communes if parents[c.id] == province.id)]
    _above(rng, province, top, indicators, values, made, False)
    return _write(rng, made, today, accounts, waiting, returned_unit)


def _above(rng, unit, children, indicators, values, made, mismatch):
    """A district's (or the province's) own targets: the sum of its children's counts (one district differs)."""
    for ind in indicators:
        if not ind.applies_to(unit):
            continue
        if ind.kind == "percent":
            lo, hi = PERCENT_TARGETS.get(ind.code, (50.0, 80.0))
            value = lo if ind.code.startswith("party_") or ind.code == "yw_communes_share" else round((lo + hi) / 2, 1)
        else:
            value = sum(values.get((c.id, ind.code), 0) for c in children)
            if mismatch and ind.code in ("admitted", "yw_activities"):
                value += rng.randint(2, 5)  # the district set more than its communes registered
        values[(unit.id, ind.code)] = value
        made.append((unit, ind, float(value), None))


def _write(rng, made, today, accounts, waiting, returned_unit):
    """The target rows (ORM: a few thousand at province scale) and their history (bulk)."""
    year = today.year
    start = datetime(year, 1, 5, 8, 0)
    now = utcnow()
    if start > now:
        start = now - timedelta(days=3)
    returned_done = False
    rows = []
    for unit, ind, value, flags in made:
        officer = next(iter(accounts.on(unit.id, "officer")), None)
        parent = unit.parent
        approver = accounts.above(parent, "admin") if parent is not None else None
        created = min(now, start + timedelta(days=rng.randint(0, 12), minutes=rng.randint(0, 600)))
        submitted = min(now, created + timedelta(days=rng.randint(0, 4), hours=rng.randint(1, 8)))
        decided = min(now, submitted + timedelta(days=rng.randint(1, 8), hours=rng.randint(1, 6)))
        status = "approved"
        if unit.id in waiting:
            status = "submitted"
        elif unit.id == returned_unit and not returned_done and ind.kind == "count":
            status, returned_done = "returned", True
        t = Target(unit_id=unit.id, unit_path=unit.path, year=year, indicator_id=ind.id, number=1, value=value,
                   justification=rng.choice(JUSTIFY), status=status,
                   created_by_id=officer.id if officer else None, created_at=created,
                   submitted_by_id=officer.id if officer else None, submitted_at=submitted)
        if flags:  # left out otherwise: a JSON None would be stored as the JSON value null, not SQL NULL
            t.flags = flags
        if status in ("approved", "returned"):
            t.decided_by_id, t.decided_at = (approver.id if approver else None), decided
        if status == "approved" and flags:
            t.approval_reason = rng.choice(APPROVE_FLAGGED)
        if status == "returned":
            t.return_reason = RETURN_REASON
        rows.append(t)
    db.session.add_all(rows)
    db.session.flush()
    events = []
    for t in rows:
        events.append({"target_id": t.id, "action": "created", "value": t.value, "reason": None,
                       "by_id": t.created_by_id, "at": t.created_at})
        events.append({"target_id": t.id, "action": "submitted", "value": t.value, "reason": None,
                       "by_id": t.submitted_by_id, "at": t.submitted_at})
        if t.status in ("approved", "returned"):
            events.append({"target_id": t.id, "action": t.status, "value": t.value,
                           "reason": t.approval_reason if t.status == "approved" else t.return_reason,
                           "by_id": t.decided_by_id, "at": t.decided_at})
    bulk_insert(TargetEvent.__table__, events)
    return len(rows), len(events)
