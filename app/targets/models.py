"""Targets a unit registers per year against a catalogue of indicators, and the Party introduction pipeline.

The actual of an indicator is never stored or typed: app.targets.actuals computes it from the records (people
admitted, branches founded, activities held …) for a unit's subtree and a year. What is stored is what people
decide: the target value with its justification, each version of it (submitted, returned with a reason, approved
and then frozen), and the pipeline's steps on a person (recognised as outstanding, introduced to the Party,
admitted to the Party) as dated rows.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import db

KINDS = {"count": _l("Số lượng"), "percent": _l("Tỷ lệ (%)")}
TARGET_STATUSES = {
    "draft": _l("Đang soạn"),
    "submitted": _l("Chờ duyệt"),
    "returned": _l("Bị trả lại"),
    "approved": _l("Đã duyệt"),
    "superseded": _l("Đã thay bằng phiên bản mới"),
}
STEPS = {
    "outstanding": _l("Đoàn viên ưu tú"),
    "introduced": _l("Giới thiệu kết nạp Đảng"),
    "admitted": _l("Kết nạp Đảng"),
}


class Indicator(db.Model):
    """One line of the catalogue. `actual` names the computation in app.targets.actuals.ACTUALS (code, not data:
    an admin adds an indicator by naming one of them for a level, never by typing a query). Retired, never deleted."""

    __tablename__ = "target_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    count_unit: Mapped[str] = mapped_column(String(40))  # "người", "chi đoàn", "buổi", "%"
    kind: Mapped[str] = mapped_column(String(10), default="count")  # KINDS
    levels: Mapped[str] = mapped_column(String(60))  # "province,district,commune": the levels that register it
    actual: Mapped[str] = mapped_column(String(40))  # key of app.targets.actuals.ACTUALS
    seed_hint: Mapped[str | None] = mapped_column(String(200))  # what the seed asks, shown beside the form
    position: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    @property
    def level_list(self):
        return [x for x in (self.levels or "").split(",") if x]

    def applies_to(self, unit):
        return self.active and unit.level in self.level_list

    @property
    def kind_label(self):
        return KINDS.get(self.kind, self.kind)


class Target(db.Model):
    """One version of a unit's target for one indicator and year. A draft is edited in place; once submitted it
    waits for the level above, which returns it (with a reason: the unit edits and submits again) or approves it
    (frozen). A change after approval is a new version (number + 1) that needs approval again; the approved one
    stays in force until then, and becomes "superseded" when the new one is approved."""

    __tablename__ = "target"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "indicator_id", "number", name="uq_target_version"),
        Index("ix_target_path_year", "unit_path", "year", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    unit_path: Mapped[str] = mapped_column(String(255))
    year: Mapped[int]
    indicator_id: Mapped[int] = mapped_column(ForeignKey("target_indicator.id"))
    number: Mapped[int] = mapped_column(default=1)  # the version's number, 1, 2, … per (unit, year, indicator)
    value: Mapped[float]
    justification: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    # Plausibility warnings computed when it was submitted: [{"code": …, "message": …}] (shown to the approver).
    flags: Mapped[list | None] = mapped_column(JSON)
    assigned_by_parent: Mapped[bool] = mapped_column(Boolean, default=False)  # a split made by the level above
    return_reason: Mapped[str | None] = mapped_column(String(500))
    approval_reason: Mapped[str | None] = mapped_column(String(500))  # required when flagged
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    form_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    unit = relationship("Unit")
    indicator = relationship("Indicator")
    created_by = relationship("User", foreign_keys=[created_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def status_label(self):
        return TARGET_STATUSES.get(self.status, self.status)


class TargetEvent(db.Model):
    """The history of a target: created, edited, submitted, returned, approved, split from above — never deleted."""

    __tablename__ = "target_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    value: Mapped[float | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    by = relationship("User")


class PartyStep(db.Model):
    """One step of a member's way to the Party, as a dated row: recognised as outstanding (year, who decided),
    introduced to the Party (date, decision, Party cell), admitted to the Party (date). A step recorded by mistake
    is cancelled with a reason, never deleted."""

    __tablename__ = "party_step"
    __table_args__ = (
        Index("ix_party_step_path", "unit_path", "kind", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # the person's branch when it was recorded
    unit_path: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(12))  # STEPS
    year: Mapped[int]  # the year it counts in (outstanding: the year recognised; else the year of `on`)
    on: Mapped[date]
    decided_by: Mapped[str | None] = mapped_column(String(200))  # who decided (BCH Đoàn xã …), as written
    decision: Mapped[str | None] = mapped_column(String(60))  # decision number
    party_cell: Mapped[str | None] = mapped_column(String(200))  # chi bộ
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    form_token: Mapped[str | None] = mapped_column(String(40), unique=True)

    person = relationship("Person")
    unit = relationship("Unit")
    recorded_by = relationship("User")

    @property
    def kind_label(self):
        return STEPS.get(self.kind, self.kind)
