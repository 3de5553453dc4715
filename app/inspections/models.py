"""Inspection and supervision visits (kiểm tra, giám sát).

Checklist templates are versioned: a ChecklistTemplate is the family people see; each edit of a version that
an inspection already uses creates a new TemplateVersion (copy-on-write). Every Inspection keeps the version
it was planned with, so earlier inspections and their printed minutes never change.

A Plan (decision) inspects one or more units inside the inspecting unit's subtree: one Inspection per unit.
Answers are unique per (inspection, item) and saved with upsert semantics, so a repeated save on a flaky
network changes nothing. Findings become CorrectiveActions owned by the inspected unit or one of its children;
their history (done, verified, reopened) is rows in ActionEvent.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..units.models import utcnow

ANSWER_TYPES = {
    "choice": _l("Có / Không / Một phần / Không áp dụng"),
    "number": _l("Số đếm (số nguyên)"),
    "decimal": _l("Số thập phân (ví dụ 6,5)"),
    "text": _l("Ghi bằng chữ"),
}
NUMBER_TYPES = ("number", "decimal")
CHOICES = {"yes": _l("Có"), "partly": _l("Một phần"), "no": _l("Không"), "na": _l("Không áp dụng")}
CHOICE_SCORE = {"yes": 1.0, "partly": 0.5, "no": 0.0}
FAILING = ("no", "partly")

PLAN_KINDS = {
    "periodic": _l("Định kỳ"),
    "thematic": _l("Chuyên đề"),
    "violation": _l("Khi có dấu hiệu vi phạm"),
}
INSPECTION_STATUSES = {"planned": _l("Đã lên lịch"), "in_progress": _l("Đang kiểm tra"), "closed": _l("Đã kết thúc")}
ACTION_STATUSES = {"open": _l("Đang khắc phục"), "done": _l("Chờ xác nhận"), "verified": _l("Đã xác nhận")}
# The corrective actions list's filters: not yet done (open or overdue), overdue, awaiting a check, checked, all
ACTION_FILTERS = {"pending": _l("Chưa xong"), "overdue": _l("Quá hạn"), "done": ACTION_STATUSES["done"],
                  "verified": ACTION_STATUSES["verified"], "all": _l("Tất cả")}
INSPECTED = {True: _l("Đã kiểm tra"), False: _l("Chưa kiểm tra")}  # a commune this year (the overview's lists)
# Where a follow-up action comes from: an inspection's finding, or a measure of a plan to consolidate a weak unit (the
# year domain makes those with services.add_followup and links them to its plan; this domain follows them up).
ACTION_ORIGINS = {"inspection": _l("Kiểm tra"), "consolidation": _l("Củng cố cơ sở yếu kém")}
# Who checks a reported action at the verifying unit: its inspectors for an inspection's finding; its officers or
# admins for a consolidation measure (the level above that made the plan).
VERIFIER_ROLES = {"inspection": ("inspector",), "consolidation": ("officer", "admin")}
ACTION_EVENTS = {"created": _l("Giao khắc phục"), "done": _l("Báo đã khắc phục"), "verified": _l("Xác nhận đã khắc phục"),
                 "reopened": _l("Yêu cầu khắc phục lại")}


class ChecklistTemplate(db.Model):
    """A checklist family, owned by the unit whose inspectors maintain it."""

    __tablename__ = "checklist_template"
    __table_args__ = (UniqueConstraint("owner_unit_id", "builtin_key", name="uq_checklist_template_owner_builtin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    builtin_key: Mapped[str | None] = mapped_column(String(40))
    # The version new plans take (no FK: the versions table points back here; services keep it right).
    current_version_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    owner_unit = relationship("Unit")
    current = relationship("TemplateVersion", primaryjoin="foreign(ChecklistTemplate.current_version_id) == TemplateVersion.id",
                           viewonly=True)


class TemplateVersion(db.Model):
    __tablename__ = "template_version"
    __table_args__ = (UniqueConstraint("template_id", "number", name="uq_template_version_template_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(Text)
    # Set when a plan first uses the version: from then on it is frozen and edits copy it.
    locked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    template = relationship("ChecklistTemplate", foreign_keys=[template_id])
    sections = relationship("TemplateSection", order_by="TemplateSection.position", back_populates="version")


class TemplateSection(db.Model):
    __tablename__ = "template_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("template_version.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(300))

    version = relationship("TemplateVersion", back_populates="sections")
    items = relationship("TemplateItem", order_by="TemplateItem.position", back_populates="section",
                         primaryjoin="and_(TemplateSection.id == TemplateItem.section_id, TemplateItem.retired.is_(False))")


class TemplateItem(db.Model):
    __tablename__ = "template_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("template_version.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("template_section.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(String(500))
    guidance: Mapped[str | None] = mapped_column(String(500))
    answer_type: Mapped[str] = mapped_column(String(12), default="choice")
    weight: Mapped[int] = mapped_column(default=1)
    note_required: Mapped[bool] = mapped_column(default=False)  # a note is required when the answer fails
    # An item taken out of a version nobody used yet; kept, never deleted.
    retired: Mapped[bool] = mapped_column(default=False)

    section = relationship("TemplateSection", back_populates="items")

    @property
    def answer_type_label(self):
        return ANSWER_TYPES.get(self.answer_type, self.answer_type)

    @property
    def scored(self):
        return self.answer_type == "choice" and self.weight > 0

    @property
    def is_number(self):
        """A count ("number": whole numbers only) or a decimal item (decimal comma)."""
        return self.answer_type in NUMBER_TYPES


class Plan(db.Model):
    """A decision to inspect (quyết định kiểm tra): who inspects whom, with which checklist, when."""

    __tablename__ = "inspection_plan"
    __table_args__ = (
        UniqueConstraint("inspecting_unit_id", "decision_number", name="uq_inspection_plan_unit_decision"),
        Index("ix_inspection_plan_unit_path", "inspecting_unit_path",
              postgresql_ops={"inspecting_unit_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    decision_number: Mapped[str] = mapped_column(String(60))
    decision_date: Mapped[date]
    inspecting_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    inspecting_unit_path: Mapped[str] = mapped_column(String(255))
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_version.id"), index=True)
    planned_start: Mapped[date]
    planned_end: Mapped[date]
    # The sympathizer class supervised, if any (the classes domain owns that table).
    class_id: Mapped[int | None] = mapped_column(ForeignKey("training_class.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    inspecting_unit = relationship("Unit")
    template_version = relationship("TemplateVersion")
    training_class = relationship("TrainingClass", viewonly=True)
    members = relationship("PlanMember", order_by=lambda: [PlanMember.is_lead.desc(), PlanMember.id], viewonly=True,
                           primaryjoin="and_(Plan.id == PlanMember.plan_id, PlanMember.removed_at.is_(None))")
    inspections = relationship("Inspection", back_populates="plan", order_by="Inspection.id")

    @property
    def kind_label(self):
        return PLAN_KINDS.get(self.kind, self.kind)

    @property
    def lead(self):
        return next((m.user for m in self.members if m.is_lead), None)


class PlanMember(db.Model):
    __tablename__ = "inspection_plan_member"
    __table_args__ = (UniqueConstraint("plan_id", "user_id", name="uq_inspection_plan_member_plan_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    removed_at: Mapped[datetime | None]  # taken off the team; the row stays

    plan = relationship("Plan")
    user = relationship("User")


class Inspection(db.Model):
    __tablename__ = "inspection"
    __table_args__ = (
        UniqueConstraint("plan_id", "unit_id", name="uq_inspection_plan_unit"),
        Index("ix_inspection_unit_path", "unit_path", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the inspected unit
    unit_path: Mapped[str] = mapped_column(String(255))
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_version.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    planned_on: Mapped[date]
    inspected_on: Mapped[date | None]
    started_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Computed from the answers and the weights when the lead closes the inspection (0–100).
    score: Mapped[float | None]
    strengths: Mapped[str | None] = mapped_column(Text)
    shortcomings: Mapped[str | None] = mapped_column(Text)
    conclusion: Mapped[str | None] = mapped_column(Text)
    ack_name: Mapped[str | None] = mapped_column(String(200))
    ack_post: Mapped[str | None] = mapped_column(String(200))
    ack_on: Mapped[date | None]
    ack_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    plan = relationship("Plan", back_populates="inspections")
    unit = relationship("Unit")
    template_version = relationship("TemplateVersion")
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    @property
    def status_label(self):
        return INSPECTION_STATUSES.get(self.status, self.status)

    @property
    def is_closed(self):
        return self.status == "closed"

    @property
    def visit_date(self):
        return self.inspected_on or self.planned_on


class Answer(db.Model):
    __tablename__ = "inspection_answer"
    __table_args__ = (UniqueConstraint("inspection_id", "item_id", name="uq_inspection_answer_inspection_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("template_item.id"), index=True)
    choice: Mapped[str | None] = mapped_column(String(8))
    number: Mapped[float | None]
    text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    answered: Mapped[bool] = mapped_column(default=False)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def choice_label(self):
        return CHOICES.get(self.choice, "") if self.choice else ""


class Photo(db.Model):
    """Photo evidence for one item, re-encoded as JPEG under instance/uploads/inspections/ with a random name."""

    __tablename__ = "inspection_photo"
    __table_args__ = (UniqueConstraint("inspection_id", "item_id", "sha256", name="uq_inspection_photo_inspection_item_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("template_item.id"))
    sha256: Mapped[str] = mapped_column(String(64))  # of the uploaded bytes: a resent upload is not stored twice
    filename: Mapped[str] = mapped_column(String(80))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def rejected(self):
        """A refused upload (truncated, not an image): no file, kept only so it counts toward the cap."""
        return not self.filename


class CorrectiveAction(db.Model):
    """A finding and the remedy asked of a unit, with a deadline, followed up open → done → verified (or reopened)
    by the verifying unit. Most come from an inspection (the inspected unit or one of its children owns them, the
    inspecting unit verifies); a consolidation plan's measures are the same rows without an inspection."""

    __tablename__ = "corrective_action"
    __table_args__ = (
        UniqueConstraint("inspection_id", "form_token", name="uq_corrective_action_inspection_form_token"),
        Index("ix_corrective_action_owner_path", "owner_unit_path", postgresql_ops={"owner_unit_path": "varchar_pattern_ops"}),
        Index("ix_corrective_action_verifier_path", "verifier_unit_path",
              postgresql_ops={"verifier_unit_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("template_item.id"))
    origin: Mapped[str] = mapped_column(String(16), default="inspection", server_default="inspection")
    verifier_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    verifier_unit_path: Mapped[str] = mapped_column(String(255))
    finding: Mapped[str] = mapped_column(Text)
    remedy: Mapped[str] = mapped_column(Text)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    owner_unit_path: Mapped[str] = mapped_column(String(255))
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    done_note: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    form_token: Mapped[str | None] = mapped_column(String(40))  # one record per submitted form, however often sent
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    inspection = relationship("Inspection")
    owner_unit = relationship("Unit", foreign_keys=[owner_unit_id])
    verifier_unit = relationship("Unit", foreign_keys=[verifier_unit_id])
    events = relationship("ActionEvent", order_by="ActionEvent.id", back_populates="action")

    @property
    def origin_label(self):
        return ACTION_ORIGINS.get(self.origin, self.origin)

    @property
    def status_label(self):
        return ACTION_STATUSES.get(self.status, self.status)

    @property
    def is_overdue(self):
        return self.status == "open" and self.due_on < date.today()


class ActionEvent(db.Model):
    """One row per step of a corrective action. Never updated or deleted."""

    __tablename__ = "corrective_action_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("corrective_action.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    action = relationship("CorrectiveAction", back_populates="events")
    by = relationship("User")

    @property
    def kind_label(self):
        return ACTION_EVENTS.get(self.kind, self.kind)
