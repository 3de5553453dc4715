"""A hand-built subtree with records of every kind the yearly report counts, for the year 2025 (a past year: its end is
31/12/2025 whatever today is), plus records of other years and of another province that must not count.

`report_world(db, tree, make_unit)` → a namespace with the units, the people by role in the story, and YEAR. Rows are
written directly (the services are tested elsewhere): what the report reads is rows.
"""
import itertools
from datetime import date, datetime

from app.activities.models import Activity
from app.classes.models import Enrolment, TrainingClass
from app.inspections.models import ChecklistTemplate, CorrectiveAction, Inspection, Plan, TemplateVersion
from app.members.models import Person, PersonEvent
from app.review.models import Campaign, Subject
from app.targets import catalogue as target_catalogue
from app.targets.models import Indicator, Target
from app.text import fold
from app.year import catalogue
from app.year.models import (
    ConsolidationEntry,
    ConsolidationMeasure,
    ConsolidationPlan,
    MemberEvaluation,
    MemberGrade,
    UnitGrade,
)

YEAR = 2025
_seq = itertools.count(1)


class World:
    pass


def person(db, branch, name, member_type="union", status="active", history=(), **kw):
    """A person and their history: [(kind, on, branch or None, other unit or None, reason)] in order."""
    p = Person(unit_id=branch.id, unit_path=branch.path, full_name=name, name_key=fold(name), member_type=member_type,
               status=status, birth_date=kw.pop("birth_date", date(2000, 1, 1 + next(_seq) % 28)), **kw)
    db.session.add(p)
    db.session.flush()
    for kind, on, where, other, reason in history:
        db.session.add(PersonEvent(person_id=p.id, kind=kind, on=on, unit_id=(where or branch).id,
                                   other_unit_id=other.id if other else None, reason=reason))
        db.session.flush()  # ids in the order written: "reinstated" after the exit it undoes
    return p


def ev(kind, on, where=None, other=None, reason=None):
    return (kind, on, where, other, reason)


def report_world(db, tree, make_unit):
    w = World()
    w.tree, w.year = tree, YEAR
    t = tree
    w.B1b = make_unit(t.C1, name="Chi đoàn Thôn 4", code="B1b", commit=False)
    w.P2 = make_unit(None, name="Tỉnh đoàn Khác", code="P2", commit=False)
    w.X = make_unit(make_unit(w.P2, level="commune", name="Đoàn xã Ngoài", code="CX", commit=False), name="Chi đoàn Ngoài",
                    code="BX", commit=False)
    d = date

    # ---- people and their history -------------------------------------------------------------------------------
    w.old = person(db, t.B1, "Nguyễn Văn Cũ", history=[ev("joined", d(2019, 3, 26))])
    w.admitted = person(db, t.B1, "Trần Thị Kết Nạp", history=[ev("registered", d(2024, 5, 1)),
                                                               ev("joined", d(2025, 3, 26))])
    w.fed = person(db, t.B3, "Lê Văn Hội", member_type="federation", history=[ev("registered", d(2023, 1, 10))])
    w.moved_in = person(db, t.B1, "Phạm Văn Chuyển Đến", history=[
        ev("joined", d(2018, 3, 26), t.B2), ev("transferred_out", d(2025, 6, 1), t.B2, t.B1),
        ev("transferred_in", d(2025, 6, 1), t.B1, t.B2)])
    w.moved_out = person(db, w.X, "Hoàng Văn Đi Tỉnh Khác", history=[
        ev("joined", d(2017, 3, 26), t.B1), ev("transferred_out", d(2025, 8, 1), t.B1, w.X),
        ev("transferred_in", d(2025, 8, 1), w.X, t.B1)])
    w.within = person(db, w.B1b, "Đỗ Thị Trong Xã", history=[
        ev("joined", d(2016, 3, 26), t.B1), ev("transferred_out", d(2025, 2, 1), t.B1, w.B1b),
        ev("transferred_in", d(2025, 2, 1), w.B1b, t.B1)])
    w.matured = person(db, t.B2, "Vũ Văn Trưởng Thành", status="matured", birth_date=d(1994, 1, 1), history=[
        ev("joined", d(2010, 3, 26)), ev("matured", d(2025, 10, 1))])
    w.removed = person(db, t.B2, "Bùi Văn Xóa Tên", status="removed", history=[
        ev("joined", d(2015, 3, 26)), ev("removed", d(2025, 4, 1), reason="Bỏ sinh hoạt 6 tháng")])
    w.mistake = person(db, t.B1, "Ngô Thị Ghi Nhầm", history=[
        ev("joined", d(2015, 3, 26)), ev("removed", d(2025, 5, 1), reason="Ghi nhầm"),
        ev("reinstated", d(2025, 5, 20), reason="Xóa nhầm người")])
    w.deceased = person(db, t.B3, "Đặng Văn Từ Trần", member_type="federation", status="deceased", history=[
        ev("registered", d(2022, 1, 1)), ev("deceased", d(2025, 2, 2))])
    w.moved_away = person(db, t.B1, "Lý Thị Chuyển Đi", member_type="youth", status="moved_away", history=[
        ev("registered", d(2021, 1, 1)), ev("moved_away", d(2025, 7, 7))])
    w.expelled = person(db, t.B2, "Đinh Văn Khai Trừ", status="expelled", history=[
        ev("joined", d(2012, 3, 26)), ev("expelled", d(2025, 9, 9), reason="Vi phạm kỷ luật")])
    w.away = person(db, t.B1, "Mai Văn Đi Xa", status="away", history=[
        ev("joined", d(2020, 3, 26)), ev("away", d(2024, 6, 1))])
    w.later_removed = person(db, t.B1, "Cao Văn Xóa Năm Sau", status="removed", history=[
        ev("joined", d(2016, 3, 26)), ev("removed", d(2026, 2, 1), reason="Bỏ sinh hoạt")])
    w.joined_later = person(db, t.B2, "Tạ Thị Vào Năm Sau", history=[
        ev("registered", d(2024, 2, 2)), ev("joined", d(2026, 1, 15))])
    w.registered_dec31 = person(db, t.B2, "Hồ Văn Cuối Năm", member_type="youth", history=[ev("registered", d(2025, 12, 31))])
    w.registered_2026 = person(db, t.B2, "Lâm Văn Năm Sau", member_type="youth", history=[ev("registered", d(2026, 3, 3))])
    w.back = person(db, t.B2, "Kiều Văn Trở Về", history=[
        ev("joined", d(2019, 3, 26)), ev("away", d(2024, 3, 1)), ev("back", d(2025, 4, 4))])
    w.worker = person(db, t.B1, "Quách Văn Công Nhân", occupation="worker", history=[
        ev("registered", d(2024, 6, 1)), ev("joined", d(2025, 9, 2))])
    w.ward_youth = person(db, t.B3, "Tôn Thị Phường", member_type="youth", history=[ev("registered", d(2020, 1, 1))])
    w.outside = person(db, w.X, "Người Tỉnh Khác", history=[ev("joined", d(2020, 3, 26)),
                                                            ev("removed", d(2025, 3, 3), reason="x")])
    db.session.commit()  # the five criteria are computed for everyone at the commit (the standing hook)

    # ---- classes -------------------------------------------------------------------------------------------------
    def klass(unit, kind, starts, ends, status="finished", people=(), passed=(), withdrawn=()):
        k = TrainingClass(kind=kind, title=f"Lớp {kind} {starts.year}", unit_id=unit.id, unit_path=unit.path,
                          starts_on=starts, ends_on=ends, status=status)
        db.session.add(k)
        db.session.flush()
        for p in people:
            db.session.add(Enrolment(class_id=k.id, person_id=p.id, status="withdrawn" if p in withdrawn else "enrolled",
                                     passed=(p in passed) if status == "finished" else None))
        return k

    klass(t.C1, "sympathizer", d(2025, 4, 1), d(2025, 4, 20), people=[w.admitted, w.worker, w.moved_away],
          passed=[w.admitted, w.worker])
    klass(t.C1, "sympathizer", d(2025, 6, 1), d(2025, 6, 5), status="cancelled", people=[w.ward_youth])
    klass(t.C2, "sympathizer", d(2024, 4, 1), d(2024, 4, 20), people=[w.joined_later], passed=[w.joined_later])
    klass(t.C3, "sympathizer", d(2025, 11, 1), d(2025, 11, 20), people=[w.ward_youth], passed=[w.ward_youth])
    klass(t.D, "cadre", d(2025, 7, 1), d(2025, 7, 3), people=[w.old, w.back, w.expelled, w.removed],
          withdrawn=[w.removed])
    klass(t.D, "cadre", d(2025, 9, 1), d(2025, 9, 2), people=[w.old])  # counted once
    klass(t.P, "cadre", d(2026, 3, 1), d(2026, 3, 2), people=[w.away])

    # ---- inspections ------------------------------------------------------------------------------------------------
    tpl = ChecklistTemplate(owner_unit_id=t.P.id)
    db.session.add(tpl)
    db.session.flush()
    tv = TemplateVersion(template_id=tpl.id, number=1, title="Mẫu kiểm tra")
    db.session.add(tv)
    db.session.flush()

    def inspection(by, unit, planned, status="planned", inspected=None, actions=()):
        plan = Plan(kind="periodic", title="Kiểm tra", decision_number=f"{next(_seq)}-QĐ/KT", decision_date=planned,
                    inspecting_unit_id=by.id, inspecting_unit_path=by.path, template_version_id=tv.id,
                    planned_start=planned, planned_end=planned)
        db.session.add(plan)
        db.session.flush()
        i = Inspection(plan_id=plan.id, unit_id=unit.id, unit_path=unit.path, template_version_id=tv.id, status=status,
                       planned_on=planned, inspected_on=inspected)
        db.session.add(i)
        db.session.flush()
        for a_status in actions:
            db.session.add(CorrectiveAction(inspection_id=i.id, origin="inspection", verifier_unit_id=by.id,
                                            verifier_unit_path=by.path, finding="Sổ chưa cập nhật",
                                            remedy="Cập nhật sổ", owner_unit_id=unit.id, owner_unit_path=unit.path,
                                            due_on=planned, status=a_status))
        return i

    inspection(t.D, t.C1, d(2025, 5, 1), "closed", d(2025, 5, 10), actions=("verified", "open", "done"))
    inspection(t.D, t.C2, d(2025, 11, 1))
    inspection(t.P, t.C3, d(2024, 12, 20), "closed", d(2025, 1, 5), actions=("verified",))  # visited in 2025
    inspection(t.D, t.C1, d(2026, 5, 1), "closed", d(2026, 5, 2), actions=("open",))
    inspection(t.C1, t.B1, d(2025, 8, 8), "in_progress")

    # ---- grades ---------------------------------------------------------------------------------------------------
    catalogue.ensure()
    mg = {g.code: g for g in catalogue.grades("member")}
    ug = {g.code: g for g in catalogue.grades("unit")}

    def evaluation(branch, year, status, grades):
        e = MemberEvaluation(unit_id=branch.id, unit_path=branch.path, year=year, status=status)
        db.session.add(e)
        db.session.flush()
        for p, code, outstanding in grades:
            db.session.add(MemberGrade(evaluation_id=e.id, person_id=p.id, proposed_grade_id=mg[code].id,
                                       grade_id=mg[code].id, outstanding=outstanding))
        return e

    evaluation(t.B1, YEAR, "approved", [(w.old, "excellent", True), (w.admitted, "good", False),
                                        (w.away, "failed", False), (w.mistake, "done", False)])
    evaluation(t.B3, YEAR, "approved", [(w.fed, "good", False)])
    evaluation(t.B2, YEAR, "submitted", [(w.back, "excellent", True)])
    evaluation(t.B2, YEAR - 1, "approved", [(w.back, "good", False)])
    # a grade not decided yet in an approved evaluation is not counted
    e = evaluation(w.B1b, YEAR, "approved", [(w.within, "done", False)])
    db.session.add(MemberGrade(evaluation_id=e.id, person_id=w.old.id, proposed_grade_id=mg["done"].id, grade_id=None))

    def unit_grade(unit, year, code=None, weak=False, proposed="done"):
        g = UnitGrade(unit_id=unit.id, unit_path=unit.path, year=year, proposed_grade_id=ug[proposed].id,
                      grade_id=ug[code].id if code else None, weak=weak,
                      decided_at=datetime(year + 1, 1, 10) if code else None)
        db.session.add(g)
        return g

    unit_grade(t.B1, YEAR, "good")
    unit_grade(t.B2, YEAR, "failed", weak=True)
    unit_grade(t.B3, YEAR)  # proposed, not decided
    unit_grade(w.B1b, YEAR, "excellent")
    unit_grade(t.C1, YEAR, "excellent")
    unit_grade(t.C2, YEAR, "failed", weak=True)
    unit_grade(t.C3, YEAR, "done")
    unit_grade(t.D, YEAR, "good")  # the district's own grade: the province reports it with no level of its own
    unit_grade(t.B2, YEAR - 1, "failed", weak=True)
    unit_grade(t.B1, YEAR - 1, "failed", weak=True)
    unit_grade(t.C2, YEAR - 1, "failed", weak=True)
    unit_grade(t.B3, YEAR - 1, "failed", weak=True)
    db.session.flush()

    # ---- consolidation plans --------------------------------------------------------------------------------------
    def plan(unit, year, status, entries):
        p = ConsolidationPlan(unit_id=unit.id, unit_path=unit.path, year=year, title="Kế hoạch củng cố", status=status)
        db.session.add(p)
        db.session.flush()
        for weak_unit, withdrawn, measures in entries:
            en = ConsolidationEntry(plan_id=p.id, unit_id=weak_unit.id, unit_path=weak_unit.path, causes=["small"],
                                    withdrawn_at=datetime(year + 1, 2, 1) if withdrawn else None)
            db.session.add(en)
            db.session.flush()
            for m_status in measures:
                a = CorrectiveAction(origin="consolidation", verifier_unit_id=unit.id, verifier_unit_path=unit.path,
                                     finding="Chi đoàn yếu", remedy="Kiện toàn ban chấp hành",
                                     owner_unit_id=weak_unit.id, owner_unit_path=weak_unit.path,
                                     due_on=date(year + 1, 6, 30), status=m_status)
                db.session.add(a)
                db.session.flush()
                db.session.add(ConsolidationMeasure(entry_id=en.id, action_id=a.id, responsible="Bí thư Đoàn xã"))
        return p

    plan(t.C1, YEAR - 1, "adopted", [(t.B1, False, ("verified", "open")), (w.B1b, True, ("open",))])  # B1 improved
    plan(t.C2, YEAR - 1, "adopted", [(t.B2, False, ("verified",))])  # still weak
    plan(t.D, YEAR - 1, "adopted", [(t.C2, False, ("done",))])  # still weak
    plan(t.C3, YEAR - 1, "draft", [(t.B3, False, ())])  # a draft is not a plan yet
    plan(t.C2, YEAR, "adopted", [(t.B2, False, ())])  # B2 weak in 2025 and planned
    plan(t.C1, YEAR - 2, "adopted", [(t.B1, False, ("verified",))])

    # ---- the March review: a campaign of the district D (C3 has none) ------------------------------------------------
    camp = Campaign(unit_id=t.D.id, unit_path=t.D.path, year=YEAR, title="Rà soát 2025", starts_on=d(2025, 3, 1),
                    ends_on=d(2025, 3, 31), status="closed")
    db.session.add(camp)
    db.session.flush()
    for p, branch, start_verdict, outcome, found in [
        (w.old, t.B1, "real", "present", False), (w.away, t.B1, "paper", "away", False),
        (w.mistake, t.B1, "paper", None, False), (w.moved_in, t.B2, "incomplete", "corrected", False),
        (w.removed, t.B2, "paper", "not_found", False), (w.back, t.B2, "paper", "present", False),
        (w.expelled, t.B2, None, "moved", False), (w.matured, t.B2, "real", "over_age", False),
        (w.registered_dec31, t.B2, None, "present", True),
    ]:
        db.session.add(Subject(campaign_id=camp.id, person_id=p.id, branch_id=branch.id, branch_path=branch.path,
                               commune_id=branch.parent_id, start_type=p.member_type, start_status="active",
                               start_verdict=start_verdict, found=found, outcome=outcome,
                               outcome_on=d(2025, 3, 15) if outcome else None))
    db.session.add(Campaign(unit_id=t.C3.id, unit_path=t.C3.path, year=YEAR, title="Nháp", starts_on=d(2025, 3, 1),
                            ends_on=d(2025, 3, 31), status="draft"))  # a draft campaign is no campaign

    # ---- targets of C1 for the year, and an activity for young workers -------------------------------------------------
    target_catalogue.ensure()
    inds = {i.code: i for i in db.session.query(Indicator)}
    for code, value in (("admitted", 3), ("sympathizer_graduates", 4)):
        db.session.add(Target(unit_id=t.C1.id, unit_path=t.C1.path, year=YEAR, indicator_id=inds[code].id, value=value,
                              status="approved"))
    db.session.add(Target(unit_id=t.C1.id, unit_path=t.C1.path, year=YEAR, indicator_id=inds["yw_activities"].id,
                          value=9, status="draft"))  # not approved: no row
    db.session.add(Activity(unit_id=t.B1.id, unit_path=t.B1.path, held_on=d(2025, 6, 1), title="Giao lưu công nhân",
                            for_young_workers=True))
    db.session.add(Activity(unit_id=t.B1.id, unit_path=t.B1.path, held_on=d(2024, 6, 1), title="Năm trước",
                            for_young_workers=True))
    db.session.commit()
    return w
