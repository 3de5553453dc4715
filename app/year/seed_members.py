"""Demo members' evaluation: last year closed, this year in progress.

- Last year (today.year − 1): every active branch with Union members on its roll has its evaluation approved, each
  member graded as the rules proposed from the evidence, except a few changed with a reason (up or down a grade), and
  the members the Party pipeline already recognises as outstanding that year (app.targets.seed) graded at the top with
  the outstanding mark. Written in bulk (COPY on PostgreSQL): two INSERTs for the whole province, no audit entry each.
  The demo's records begin twelve months before the day it is seeded (app.activities.seed: activities, attendance and
  dues of the last twelve months), so last year's evidence reads those twelve months as its year — the records of the
  calendar year would be nearly empty and grade everyone at the bottom.
- This year: in the demo commune (where xa.* and chi.* work) and one other, a few branches part way — one graded in
  draft, one submitted (waiting for the commune), one returned with a reason — through the real services, signed in as
  the accounts that would act (the commune's admin grades and submits, its officer returns; the audit log reads like the
  real thing, and xa.officer may approve what waits). The chi.* branch is left to start.

Deterministic from the seed's random stream; the evidence is one set-based statement for the province."""
import json
import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..access import subtree
from ..dates import add_months, month_start
from ..extensions import db
from ..members.models import ON_ROLL, Person
from ..review.seed import _Accounts as Accounts  # the demo's accounts and where they hold which role
from ..review.seed import acting_as
from ..targets.models import PartyStep
from ..units.models import Unit
from .models import MemberEvaluation, MemberGrade
from .queries import evaluation as q
from .services import evaluation as services

UP = ["Tích cực tham gia tình nguyện hè, được chi bộ ghi nhận.", "Đóng góp nổi bật trong phong trào thanh niên lập nghiệp.",
      "Sinh hoạt qua nhóm Zalo khi đi làm ca, đóng đoàn phí đầy đủ."]
DOWN = ["Vi phạm quy định của địa phương, bị nhắc nhở.", "Nhiều lần vắng sinh hoạt không báo lý do.",
        "Chưa hoàn thành nhiệm vụ chi đoàn giao."]
OUTSTANDING_REASON = "Được Ban Chấp hành Đoàn xã công nhận đoàn viên ưu tú, giới thiệu học lớp cảm tình Đảng."
RETURN_REASON = "Đề nghị chi đoàn xem lại xếp loại của các đoàn viên đi làm ăn xa, bổ sung lý do."
CHANGED = 0.02  # the share of last year's members the branch graded otherwise than proposed


def seed(*, province, communes, size, rng):
    rng = random.Random(rng.getrandbits(64))
    today = date.today()
    values, grades = q.proposer()
    if not grades:
        return "members' evaluation: no member grades"
    branches, people = _last_year(rng, province, today, values, grades)
    progress = _this_year(rng, province, communes, today)
    return (f"members' evaluation: {branches:,} branches approved last year ({people:,} members), this year "
            f"{progress}")


# ---- last year -------------------------------------------------------------------------------------------------------
def _last_year(rng, province, today, values, grades):
    year = today.year - 1
    window = (add_months(month_start(today), -12), today)  # the twelve months of records the demo has
    reviewed = q.campaign_paths(year)
    paths = dict(db.session.execute(select(Unit.id, Unit.path).where(
        subtree(Unit.path, province.path), Unit.level == "branch", Unit.status == "active")).all())
    # members admitted after last year's end were not Union members then: they are not graded for it
    late = set(db.session.scalars(select(Person.id).where(subtree(Person.unit_path, province.path),
                                                          Person.joined_on > date(year, 12, 31))))
    rows = sorted((r for r in db.session.execute(q.evidence_stmt(year, path=province.path, bounds=window))
                   if r[1] in paths and r[0] not in late), key=lambda r: (r[1], r[0]))
    recognised = set(db.session.scalars(select(PartyStep.person_id).where(
        PartyStep.kind == "outstanding", PartyStep.year == year, PartyStep.cancelled_at.is_(None),
        subtree(PartyStep.unit_path, province.path))))
    ranked = sorted(grades, key=lambda g: (g.rank, g.id))
    top, lowest = ranked[0], ranked[-1]
    closed = datetime(year, 12, 20, 2, 0)
    evaluations = []
    for unit_id in sorted({r[1] for r in rows}):
        day = closed + timedelta(days=rng.randint(0, 25), hours=rng.randint(0, 8))
        evaluations.append({"unit_id": unit_id, "unit_path": paths[unit_id], "year": year, "status": "approved",
                            "return_reason": None, "created_by_id": None, "created_at": day - timedelta(days=10),
                            "submitted_by_id": None, "submitted_at": day - timedelta(days=3), "approved_by_id": None,
                            "approved_at": day, "version": 3})
    _bulk(MemberEvaluation.__table__, evaluations)
    ids = dict(db.session.execute(select(MemberEvaluation.unit_id, MemberEvaluation.id).where(
        MemberEvaluation.year == year, subtree(MemberEvaluation.unit_path, province.path))).all())
    grade_rows = []
    for row in rows:
        pid, unit_id = row[0], row[1]
        evidence = q.as_evidence(row, q.covered(paths[unit_id], reviewed))
        evidence["dues"] = min(evidence["dues"], 12)  # a window of twelve months and a few days
        proposed = q.propose(evidence, values, grades)
        grade, reason, outstanding = proposed, None, False
        if pid in recognised and evidence["verdict"] != "paper":
            grade, outstanding = top, True
            reason = OUTSTANDING_REASON if grade.id != proposed.id else None
        elif rng.random() < CHANGED:
            k = ranked.index(proposed) + (1 if proposed is top or (proposed is not lowest and rng.random() < 0.5) else -1)
            if evidence["verdict"] == "paper":
                k = len(ranked) - 1  # a paper member stays at the bottom
            grade = ranked[max(0, min(k, len(ranked) - 1))]
            if grade.id != proposed.id:
                reason = rng.choice(UP if grade.rank < proposed.rank else DOWN)
        grade_rows.append({"evaluation_id": ids[unit_id], "person_id": pid, "evidence": evidence,
                           "proposed_grade_id": proposed.id, "grade_id": grade.id, "reason": reason,
                           "outstanding": outstanding, "decided_by_id": None,
                           "decided_at": closed - timedelta(days=12), "version": 2})
    _bulk(MemberGrade.__table__, grade_rows)
    return len(evaluations), len(grade_rows)


def _bulk(table, rows):
    """Many rows at once: COPY on PostgreSQL (the JSON column as its text), executemany elsewhere."""
    if not rows:
        return
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    cols = list(rows[0])
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:
        with cur.copy(f'COPY "{table.name}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) FROM STDIN') as cp:
            for r in rows:
                cp.write_row([json.dumps(r[c], ensure_ascii=False) if isinstance(r[c], dict) else r[c] for c in cols])


# ---- this year -------------------------------------------------------------------------------------------------------
def _this_year(rng, province, communes, today):
    """A few branches of the demo commune and of one other, part way, through the services."""
    accounts = Accounts()
    home = _home_commune(province, communes)
    other = next((c for c in communes if c.parent_id != home.parent_id), None) or next(
        (c for c in communes if c.id != home.id), None)
    said = {"draft": 0, "submitted": 0, "returned": 0}
    for commune, plan in ((home, ("skip", "draft", "submitted", "returned")), (other, ("submitted", "draft"))):
        if commune is None:
            continue
        checker = accounts.above(commune, "officer")  # xa.officer: approves, returns
        worker = next(iter(accounts.on(commune.id, "admin", without=None)), None)  # xa.admin grades the branches
        members = (select(func.count(Person.id)).where(Person.unit_id == Unit.id, Person.member_type == "union",
                                                       Person.status.in_(ON_ROLL)).scalar_subquery())
        branches = db.session.scalars(select(Unit).where(Unit.parent_id == commune.id, Unit.level == "branch",
                                                         Unit.status == "active", members >= 3).order_by(Unit.id)).all()
        for branch, state in zip(branches, plan, strict=False):
            if state == "skip":  # chi.*'s branch: a new user starts it
                continue
            with acting_as(worker):
                evaluation, _added = services.start(unit=branch, year=today.year)
                services.accept_all(evaluation=evaluation)
                _change_one(rng, evaluation)
                if state != "draft":
                    services.submit(evaluation=evaluation, expected_version=evaluation.version)
            if state == "returned":
                with acting_as(checker):
                    services.return_evaluation(evaluation=evaluation, expected_version=evaluation.version,
                                               reason=RETURN_REASON)
            said[state] += 1
            db.session.flush()
    return ", ".join(f"{n} {state}" for state, n in said.items())


def _home_commune(province, communes):
    """The commune the demo's xa.* accounts hold (app.seed.seed_accounts: the first under the first district)."""
    district = db.session.scalar(select(Unit).where(Unit.level == "district", subtree(Unit.path, province.path))
                                 .order_by(Unit.id).limit(1))
    parent = district.id if district is not None else province.id
    return next((c for c in communes if c.parent_id == parent), communes[0])


def _change_one(rng, evaluation):
    """The branch changes one member's grade with a reason (the first whose proposal is not the lowest)."""
    grades = sorted(q.all_grades(), key=lambda g: (g.rank, g.id))
    active = [g for g in grades if g.active]
    for mg, _person in q.branch_rows(evaluation):
        if mg.grade_id != active[-1].id:
            lower = active[min(len(active) - 1, active.index(next(g for g in active if g.id == mg.grade_id)) + 1)]
            services.set_grade(member_grade=mg, expected_version=mg.version, grade=lower, reason=rng.choice(DOWN),
                               outstanding=False)
            return
