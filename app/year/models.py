"""The year's close: member evaluation, unit grading, plans to consolidate weak units, and the yearly report.

What is stored is what people decide; what the records say is computed:
- a grade (Grade) is data — the four defaults ship, a province admin renames, adds or retires — and the numbers the
  proposals use (GradingRule) are data too, with defaults in app.year.rules;
- a branch's evaluation of its members for a year (MemberEvaluation) holds one MemberGrade per member: the grade the
  rules proposed from the evidence, the grade the branch decided (a change needs a reason), approved by the commune;
- a unit's grade for a year (UnitGrade) keeps the criteria computed when it was proposed and the flags that make it
  weak, and the level above decides with a reason;
- a plan to consolidate weak units (ConsolidationPlan) of the level above has one entry per weak unit with its causes;
  its measures are follow-up actions of the inspections domain (app.inspections CorrectiveAction, origin
  "consolidation"), linked here by ConsolidationMeasure, so done → verified / reopened and overdue work the same;
- the yearly report (YearReport) holds the narrative a unit writes; each submit freezes a ReportVersion with the
  figures and the text as they were, so later record changes do not alter what was sent.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import db

GRADE_KINDS = {"member": _l("Đoàn viên"), "unit": _l("Tổ chức Đoàn")}
# A branch's evaluation of its members, and a yearly report: draft → submitted → approved / returned (evaluation)
EVALUATION_STATUSES = {"draft": _l("Đang đánh giá"), "submitted": _l("Chờ xã duyệt"), "returned": _l("Bị trả lại"),
                       "approved": _l("Đã duyệt")}
REPORT_STATUSES = {"draft": _l("Đang soạn"), "submitted": _l("Đã gửi")}
PLAN_STATUSES = {"draft": _l("Đang soạn"), "adopted": _l("Đã ban hành")}
# The flags that put a unit on the weak list besides the lowest grade (app.year.grading computes them from records)
WEAK_FLAGS = {
    "lowest_grade": _l("Xếp loại thấp nhất"),
    "small": _l("Dưới 3 đoàn viên"),
    "silent": _l("Không sinh hoạt 3 tháng liền"),
    "secretary_away": _l("Bí thư đi làm ăn xa hoặc không có bí thư"),
    "paper_heavy": _l("Hơn một nửa đoàn viên chưa thực chất"),
}
RESULTS = {"improved": _l("Đã chuyển biến"), "still_weak": _l("Vẫn yếu kém"), "pending": _l("Chưa xếp loại năm sau")}


class Grade(db.Model):
    """One grade in force for members or units. `rank` orders them: 1 is the best; the highest rank among the active
    grades of a kind is the lowest grade (không hoàn thành nhiệm vụ). Retired, never deleted (grades given keep it)."""

    __tablename__ = "year_grade"
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_year_grade_kind_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # GRADE_KINDS
    code: Mapped[str] = mapped_column(String(20))  # "excellent", "good", "done", "failed" for the built-in ones
    name: Mapped[str] = mapped_column(String(120))
    rank: Mapped[int]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


class GradingRule(db.Model):
    """A number the proposals use (app.year.rules.DEFAULTS names them), changed by a province admin."""

    __tablename__ = "year_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    value: Mapped[float]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


class MemberEvaluation(db.Model):
    """A branch's evaluation of its members for one year."""

    __tablename__ = "member_evaluation"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="uq_member_evaluation_unit_year"),
        Index("ix_member_evaluation_path_year", "unit_path", "year", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # the branch
    unit_path: Mapped[str] = mapped_column(String(255))
    year: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="draft")  # EVALUATION_STATUSES
    return_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    unit = relationship("Unit")
    grades = relationship("MemberGrade", back_populates="evaluation", order_by="MemberGrade.id")

    @property
    def status_label(self):
        return EVALUATION_STATUSES.get(self.status, self.status)


class MemberGrade(db.Model):
    """One member's grade in a branch's evaluation. `evidence` is what the records said when it was proposed
    (attendance share, dues months, classes, the five-criteria verdict, the review's outcome)."""

    __tablename__ = "member_grade"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "person_id", name="uq_member_grade_evaluation_person"),
        Index("ix_member_grade_person", "person_id", "evaluation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("member_evaluation.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    evidence: Mapped[dict | None] = mapped_column(JSON)
    proposed_grade_id: Mapped[int] = mapped_column(ForeignKey("year_grade.id"))
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("year_grade.id"))  # None: not decided yet
    reason: Mapped[str | None] = mapped_column(String(500))  # required when the grade differs from the proposal
    outstanding: Mapped[bool] = mapped_column(Boolean, default=False)  # đoàn viên ưu tú (top grade only)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    evaluation = relationship("MemberEvaluation", back_populates="grades")
    person = relationship("Person")
    proposed_grade = relationship("Grade", foreign_keys=[proposed_grade_id])
    grade = relationship("Grade", foreign_keys=[grade_id])


class UnitGrade(db.Model):
    """A branch's or a commune's grade for one year, decided by the level above."""

    __tablename__ = "unit_grade"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="uq_unit_grade_unit_year"),
        Index("ix_unit_grade_path_year", "unit_path", "year", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    unit_path: Mapped[str] = mapped_column(String(255))
    year: Mapped[int]
    criteria: Mapped[dict | None] = mapped_column(JSON)  # computed from records when proposed
    flags: Mapped[list | None] = mapped_column(JSON)  # WEAK_FLAGS codes found in the records
    proposed_grade_id: Mapped[int] = mapped_column(ForeignKey("year_grade.id"))
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("year_grade.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    weak: Mapped[bool] = mapped_column(Boolean, default=False)  # lowest grade decided, or flagged
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    unit = relationship("Unit")
    proposed_grade = relationship("Grade", foreign_keys=[proposed_grade_id])
    grade = relationship("Grade", foreign_keys=[grade_id])


class ConsolidationPlan(db.Model):
    """The level above's plan for the year to consolidate its weak units (kế hoạch củng cố cơ sở yếu kém)."""

    __tablename__ = "consolidation_plan"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_consolidation_plan_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # the level above that makes it
    unit_path: Mapped[str] = mapped_column(String(255))
    year: Mapped[int]  # the year graded (the plan runs in the year after)
    title: Mapped[str] = mapped_column(String(300))
    doc_number: Mapped[str | None] = mapped_column(String(60))  # Số: …-KH/…
    status: Mapped[str] = mapped_column(String(12), default="draft")  # PLAN_STATUSES
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    unit = relationship("Unit")
    entries = relationship("ConsolidationEntry", back_populates="plan", order_by="ConsolidationEntry.id")


class ConsolidationEntry(db.Model):
    """One weak unit in a plan: its causes (WEAK_FLAGS codes picked, plus free text)."""

    __tablename__ = "consolidation_entry"
    __table_args__ = (UniqueConstraint("plan_id", "unit_id", name="uq_consolidation_entry_plan_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("consolidation_plan.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the weak unit
    unit_path: Mapped[str] = mapped_column(String(255))
    causes: Mapped[list | None] = mapped_column(JSON)
    cause_note: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None]  # taken off the plan (kept, never deleted)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    plan = relationship("ConsolidationPlan", back_populates="entries")
    unit = relationship("Unit")
    measures = relationship("ConsolidationMeasure", back_populates="entry", order_by="ConsolidationMeasure.id")


class ConsolidationMeasure(db.Model):
    """A measure of an entry: the follow-up action it is (inspections' CorrectiveAction) and who answers for it."""

    __tablename__ = "consolidation_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("consolidation_entry.id"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("corrective_action.id"), unique=True)
    responsible: Mapped[str] = mapped_column(String(200))  # a person or a post ("Bí thư Đoàn xã")
    form_token: Mapped[str | None] = mapped_column(String(40), unique=True)  # a double-tapped submit adds one

    entry = relationship("ConsolidationEntry", back_populates="measures")
    action = relationship("CorrectiveAction")


class YearReport(db.Model):
    """A unit's yearly report: the narrative it writes (drafts saved in place), its document details; the figures
    are computed from the records (app.year.figures) and frozen in a ReportVersion on each submit."""

    __tablename__ = "year_report"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="uq_year_report_unit_year"),
        Index("ix_year_report_path_year", "unit_path", "year", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    unit_path: Mapped[str] = mapped_column(String(255))
    year: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="draft")  # REPORT_STATUSES (of the latest version)
    results: Mapped[str | None] = mapped_column(Text)  # kết quả đạt được
    shortcomings: Mapped[str | None] = mapped_column(Text)  # hạn chế, nguyên nhân
    tasks: Mapped[str | None] = mapped_column(Text)  # nhiệm vụ năm tới
    doc_number: Mapped[str | None] = mapped_column(String(60))  # Số: …-BC/TĐTN-…
    place: Mapped[str | None] = mapped_column(String(100))
    recipients: Mapped[str | None] = mapped_column(Text)  # Nơi nhận, one per line
    signer_post: Mapped[str | None] = mapped_column(String(120))
    signer_name: Mapped[str | None] = mapped_column(String(120))
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    saved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    unit = relationship("Unit")
    versions = relationship("ReportVersion", back_populates="report", order_by="ReportVersion.number")

    @property
    def status_label(self):
        return REPORT_STATUSES.get(self.status, self.status)


class ReportVersion(db.Model):
    """One submitted version of a yearly report, frozen: the figures and the text as they were. Never changed."""

    __tablename__ = "year_report_version"
    __table_args__ = (UniqueConstraint("report_id", "number", name="uq_year_report_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("year_report.id"), index=True)
    number: Mapped[int]
    figures: Mapped[dict] = mapped_column(JSON)
    narrative: Mapped[dict] = mapped_column(JSON)  # results, shortcomings, tasks and the document details
    reason: Mapped[str | None] = mapped_column(String(500))  # why a new version (required from the second one)
    form_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    report = relationship("YearReport", back_populates="versions")
    submitted_by = relationship("User")
