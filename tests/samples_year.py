"""Route-walk samples for the year's close: everything inside commune C1 — B1's submitted member evaluation with a
grade of one of its people, B1's unit grade (weak), C1's consolidation plan with B1 on it and one measure (a
follow-up action C1 verifies), C1's yearly report with one submitted version."""
from datetime import date, timedelta

from app.inspections import services as inspections
from app.year import catalogue
from app.year.models import (
    ConsolidationEntry,
    ConsolidationMeasure,
    ConsolidationPlan,
    MemberEvaluation,
    MemberGrade,
    ReportVersion,
    UnitGrade,
    YearReport,
)
from tests.factories_members import person_in


def make_samples(ctx):
    db, tree = ctx.db, ctx.tree
    catalogue.ensure()
    year = date.today().year
    grades = {g.code: g for g in catalogue.grades("member")}
    unit_grades = {g.code: g for g in catalogue.grades("unit")}
    person = person_in(db, tree.B1, "Đinh Văn Xếp Loại", commit=False)
    evaluation = MemberEvaluation(unit_id=tree.B1.id, unit_path=tree.B1.path, year=year, status="submitted")
    db.session.add(evaluation)
    db.session.flush()
    grade = MemberGrade(evaluation_id=evaluation.id, person_id=person.id, evidence={},
                        proposed_grade_id=grades["good"].id, grade_id=grades["good"].id)
    unit_grade = UnitGrade(unit_id=tree.B1.id, unit_path=tree.B1.path, year=year, criteria={}, flags=["small"],
                           proposed_grade_id=unit_grades["failed"].id, weak=True)
    plan = ConsolidationPlan(unit_id=tree.C1.id, unit_path=tree.C1.path, year=year, title="Kế hoạch củng cố")
    db.session.add_all([grade, unit_grade, plan])
    db.session.flush()
    entry = ConsolidationEntry(plan_id=plan.id, unit_id=tree.B1.id, unit_path=tree.B1.path, causes=["small"])
    db.session.add(entry)
    db.session.flush()
    action = inspections.add_followup(origin="consolidation", owner_unit=tree.B1, verifier_unit=tree.C1,
                                      finding="Chi đoàn dưới 3 đoàn viên", remedy="Kết nạp thêm đoàn viên",
                                      due_on=date.today() + timedelta(days=30))
    measure = ConsolidationMeasure(entry_id=entry.id, action_id=action.id, responsible="Bí thư Đoàn xã")
    report = YearReport(unit_id=tree.C1.id, unit_path=tree.C1.path, year=year, status="submitted", results="Mẫu")
    db.session.add_all([measure, report])
    db.session.flush()
    version = ReportVersion(report_id=report.id, number=1, figures={}, narrative={"results": "Mẫu"})
    db.session.add(version)
    db.session.flush()
    return {"evaluation_id": evaluation.id, "member_grade_id": grade.id, "unit_grade_id": unit_grade.id,
            "cplan_id": plan.id, "entry_id": entry.id, "measure_id": measure.id, "report_id": report.id,
            "report_version_id": version.id}
