"""Demo unit grading and consolidation plans.

- Last year's grades for every branch and commune of the province, computed from the records in one set-based pass
  (app.year.queries.grading.criteria over all of them at once), decided by the level above as proposed; the weak ones
  marked. The demo's records cover only the last twelve months, so last year's criteria are counted over those months
  (this one and the eleven before it, as if they were last year's).
- The first district (where the demo's "huyen.*" accounts hold their roles; the province when there is no district)
  graded one more of its units down to the lowest grade with a reason, and adopted a plan for last year covering that
  one and up to two units the records flagged, with measures through the inspections domain's follow-up actions:
  one verified, one done awaiting verification, one overdue (past its deadline, open), one open.
- This year in progress: the plan's units graded for this year (the one graded down has improved, the flagged ones
  are still weak), and proposals (not decided yet) for the branches of the district's first commune.
"""
import time
from datetime import date, timedelta

from sqlalchemy import insert, select

from ..dates import add_months, utcnow
from ..extensions import db
from ..inspections import services as inspections
from ..review.seed import _Accounts as Accounts  # the demo's accounts and where they hold which role
from ..units.models import Unit
from . import catalogue, rules
from .models import UnitGrade
from .queries import grading as gq
from .services import grading as grading_services
from .services import plans as plan_services

DEMOTED_REASON = "Nội bộ chi đoàn mất đoàn kết, không hoàn thành chỉ tiêu kết nạp đoàn viên; Ban Chấp hành thiếu 2 ủy viên."
MEASURES = {
    "verified": ("Kiện toàn Ban Chấp hành, bầu bổ sung bí thư và 2 ủy viên", "Bí thư Đoàn xã", -120),
    "done": ("Tổ chức sinh hoạt định kỳ hằng tháng, ghi sổ sinh hoạt đầy đủ", "Phó Bí thư Đoàn xã phụ trách địa bàn", 20),
    "overdue": ("Rà soát danh sách, xác nhận có người, thu đoàn phí các tháng còn nợ", "Bí thư chi đoàn", -30),
    "open": ("Giới thiệu đoàn viên đi làm ăn xa chuyển sinh hoạt, bầu bí thư tại chỗ", "Ủy viên Ban Thường vụ huyện đoàn",
             60),
}


def seed(*, province, communes, size, rng):
    started = time.perf_counter()
    today = date.today()
    last = today.year - 1
    grades = catalogue.grades("unit")
    lowest = catalogue.lowest(grades)
    numbers = rules.current()
    accounts = Accounts()
    tree = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.path.like(province.path + "%"),
                                                                   Unit.status == "active"))}
    graded = [u for u in tree.values() if u.level in ("commune", "branch") and u.org_type != "federation"]
    if not graded:
        return ""
    # the seeded records: activities in this month and the eleven before it, dues for the twelve before it (and some
    # of this one) — counted as last year's twelve months
    crit = gq.criteria(graded, last, months=gq.trailing_months(add_months(today, 1)), today=today)
    district = next((u for u in sorted(tree.values(), key=lambda u: u.id) if u.level == "district"), province)
    deciders = {}

    def decider(unit):
        parent = tree.get(unit.parent_id)
        if parent is None:
            return None
        if parent.id not in deciders:
            user = accounts.above(parent, "officer")
            deciders[parent.id] = user.id if user else None
        return deciders[parent.id]

    now = utcnow()
    rows = {}
    for unit in graded:
        c = crit[unit.id]
        flags = gq.flags_of(c, numbers)
        proposal = gq.propose(c, flags, grades, numbers)
        decided = gq.decided_flags(flags, proposal, grades)
        rows[unit.id] = {"unit_id": unit.id, "unit_path": unit.path, "year": last, "criteria": c, "flags": decided,
                         "proposed_grade_id": proposal.id, "grade_id": proposal.id, "reason": None,
                         "weak": bool(decided), "decided_by_id": decider(unit), "decided_at": now, "created_at": now,
                         "version": 1}
    inside = sorted((u for u in graded if u.path.startswith(district.path)), key=lambda u: (u.level != "commune", u.path))
    flagged = [u for u in inside if rows[u.id]["weak"]][:2]
    clean = [u for u in inside if not rows[u.id]["weak"] and u.level == "branch"]
    demoted = clean[:1] if flagged else clean[:2]
    for u in demoted:  # graded down by the district, with the reason: weak by decision, not by the records
        rows[u.id].update(grade_id=lowest.id, reason=DEMOTED_REASON, flags=["lowest_grade"], weak=True)
    db.session.execute(insert(UnitGrade), list(rows.values()))
    weak = sum(r["weak"] for r in rows.values())

    plan_units = [*demoted, *flagged]
    said = f"{len(rows):,} unit grades of {last} ({weak:,} weak)"
    if len(plan_units) >= 2:
        said += "; " + _plan(district, last, plan_units, demoted, accounts, today, rng)
        said += "; " + _this_year(district, plan_units, demoted, grades, accounts, today, tree)
    return f"{said} ({time.perf_counter() - started:.1f} s)"


def _plan(district, last, plan_units, demoted, accounts, today, rng):
    officer = accounts.above(district, "officer")
    plan, _ = plan_services.create_plan(unit=district, year=last, by=officer,
                                        title=f"Kế hoạch củng cố cơ sở Đoàn yếu kém năm {last}",
                                        doc_number=f"{rng.randint(12, 48)}-KH/HĐTN")
    grades = {g.unit_id: g for g in db.session.scalars(select(UnitGrade).where(
        UnitGrade.year == last, UnitGrade.unit_id.in_([u.id for u in plan_units])))}
    entries = []
    for u in plan_units:
        note = "Ban Chấp hành hoạt động kém hiệu quả." if u in demoted else None
        entry, _ = plan_services.add_entry(plan=plan, unit=u, causes=grades[u.id].flags, cause_note=note, by=officer)
        entries.append(entry)
    # the one graded down: its measure done and verified; the first flagged: one done (awaiting), one overdue
    steps = [(entries[0], "verified"), (entries[1], "done"), (entries[1], "overdue")]
    if len(entries) > 2:
        steps.append((entries[2], "open"))
    measures = 0
    for entry, state in steps:
        remedy, responsible, days = MEASURES[state]
        measure, _ = plan_services.add_measure(entry=entry, owner_unit=entry.unit, remedy=remedy, responsible=responsible,
                                               due_on=today + timedelta(days=days), by=officer)
        if state in ("verified", "done"):
            inspections.complete_action(action=measure.action, note="Đã thực hiện, có biên bản kèm theo",
                                        by=accounts.above(entry.unit, "officer"))
        if state == "verified":
            inspections.verify_action(action=measure.action, note="Đã kiểm tra thực tế tại cơ sở", by=officer)
        measures += 1
    plan_services.adopt_plan(plan=plan, by=officer)
    return f"a plan of {district.name} with {len(entries)} units and {measures} measures"


def _this_year(district, plan_units, demoted, grades, accounts, today, tree):
    """This year's grades of the plan's units (decided: the one graded down improved, the flagged ones still weak),
    and proposals for the branches of the district's first commune."""
    year = today.year
    numbers = rules.current()
    commune = next((u for u in sorted(tree.values(), key=lambda u: u.id)
                    if u.parent_id == district.id and u.level == "commune"), None)
    proposed = [u for u in tree.values() if commune is not None and u.parent_id == commune.id
                and u not in plan_units and u.org_type != "federation"]
    units = [*plan_units, *proposed]
    crit = gq.criteria(units, year, today=today)
    by_code = {g.code: g for g in grades}
    made = []
    for u in units:
        c = crit[u.id]
        flags = gq.flags_of(c, numbers)
        proposal = gq.propose(c, flags, grades, numbers)
        row = UnitGrade(unit_id=u.id, unit_path=u.path, year=year, criteria=c, flags=flags,
                        proposed_grade_id=proposal.id)
        db.session.add(row)
        made.append((u, row))
    db.session.flush()
    lowest = catalogue.lowest(grades)
    for u, row in made:
        if u not in plan_units:
            continue
        officer = accounts.above(tree.get(u.parent_id, district), "officer")
        if u in demoted:  # improved: graded as proposed, or "done" with a reason when the year's numbers fall short
            up = row.proposed_grade_id == lowest.id and not row.flags
            grade = by_code["done"] if up else next(g for g in grades if g.id == row.proposed_grade_id)
            grading_services.decide(unit_grade=row, grade=grade, by=officer,
                                    reason="Đã kiện toàn Ban Chấp hành, sinh hoạt đều đặn" if up else None)
        else:  # still weak
            grading_services.decide(unit_grade=row, grade=lowest, by=officer,
                                    reason=None if row.proposed_grade_id == lowest.id else "Chưa khắc phục xong")
    return f"{len(made)} unit grades of {year} ({len(plan_units)} decided)"
