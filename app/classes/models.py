"""Sympathizer classes (lớp cảm tình Đoàn), cadre training (tập huấn cán bộ) and the admission checklist.

A class belongs to its organising unit (any level). Enrolments, sessions and attendance are rows; an
attendance mark is one row per (session, enrolment) whose status is *set*, so a double tap never makes two.
Results are computed from the attendance rows and the class rule, and frozen when the class is finished.
"""
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..units.models import utcnow

KINDS = {
    "sympathizer": _l("Lớp cảm tình Đoàn"),
    "cadre": _l("Tập huấn, bồi dưỡng cán bộ"),
    "party": _l("Lớp tìm hiểu về Đảng cho đoàn viên ưu tú"),
    "other": _l("Lớp khác"),
}
MODES = {"in_person": _l("Trực tiếp"), "online": _l("Trực tuyến"), "mixed": _l("Kết hợp")}
STATUSES = {
    "planned": _l("Dự kiến"),
    "open": _l("Đang nhận đăng ký"),
    "running": _l("Đang học"),
    "finished": _l("Đã kết thúc"),
    "cancelled": _l("Đã hủy"),
}
OPEN_STATUSES = ("planned", "open", "running")  # enrolment, sessions and attendance may change
ATTENDANCE = {"present": _l("Có mặt"), "absent": _l("Vắng"), "excused": _l("Vắng có phép")}
ATTENDANCE_SHORT = {"present": _l("Có"), "absent": _l("Vắng"), "excused": _l("Phép")}
ENROLMENT_STATUSES = {"enrolled": _l("Đang học"), "withdrawn": _l("Đã rút")}
RESULTS = {True: _l("Đạt"), False: _l("Chưa đạt"), None: _l("Chưa có kết quả")}  # an enrolment's `passed`, everywhere
# A unit's numbers of the year (its unit page panel, its classes page) and the lists behind them
PEOPLE_COUNTS = {"trained": _l("Lượt học viên"), "passed": _l("Hoàn thành (đạt)"), "admitted": _l("Kết nạp đoàn viên")}
CASE_STATUSES = {"open": _l("Đang làm hồ sơ"), "admitted": _l("Đã kết nạp"), "cancelled": _l("Đã dừng")}


class TrainingClass(db.Model):
    __tablename__ = "training_class"
    __table_args__ = (
        Index("ix_training_class_unit_path", "unit_path", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="ck_training_class_capacity"),
        CheckConstraint("min_attendance_pct >= 0 AND min_attendance_pct <= 100", name="ck_training_class_min_pct"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="sympathizer")
    title: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # organising unit
    unit_path: Mapped[str] = mapped_column(String(255))
    venue: Mapped[str | None] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(12), default="in_person")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    capacity: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(12), default="planned", index=True)
    min_attendance_pct: Mapped[int] = mapped_column(default=80)
    reflection_required: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str | None] = mapped_column(Text)
    finished_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    unit = relationship("Unit")
    # The sessions that count: a cancelled one keeps its row (and its reason) but leaves every list and rate.
    sessions = relationship("ClassSession", back_populates="training_class",
                            primaryjoin="and_(ClassSession.class_id == TrainingClass.id, ClassSession.cancelled_at.is_(None))",
                            order_by="(ClassSession.held_on, ClassSession.starts_at, ClassSession.id)", viewonly=True)
    scope_units = relationship("ClassScopeUnit", cascade="all, delete-orphan")
    organizers = relationship("ClassOrganizer", cascade="all, delete-orphan")

    @property
    def kind_label(self):
        return KINDS.get(self.kind, self.kind)

    @property
    def mode_label(self):
        return MODES.get(self.mode, self.mode)

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def passes(self, share, reflection_received):
        """The class rule: attendance share (0–1) at least the minimum, and the reflection if required."""
        ok = share is not None and share * 100 + 1e-9 >= self.min_attendance_pct
        return ok and (reflection_received or not self.reflection_required)


class ClassScopeUnit(db.Model):
    """A unit whose people (its whole subtree) may enrol in the class."""

    __tablename__ = "class_scope_unit"
    __table_args__ = (UniqueConstraint("class_id", "unit_id", name="uq_class_scope_unit_class_id_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    unit = relationship("Unit")


class ClassOrganizer(db.Model):
    __tablename__ = "class_organizer"
    __table_args__ = (UniqueConstraint("class_id", "user_id", name="uq_class_organizer_class_id_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    user = relationship("User")


class ClassSession(db.Model):
    __tablename__ = "class_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    held_on: Mapped[date] = mapped_column(index=True)
    starts_at: Mapped[time | None]
    topic: Mapped[str] = mapped_column(String(300))
    lecturer: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    training_class = relationship("TrainingClass", back_populates="sessions")


class Enrolment(db.Model):
    __tablename__ = "class_enrolment"
    __table_args__ = (
        UniqueConstraint("class_id", "person_id", name="uq_class_enrolment_class_id_person_id"),
        UniqueConstraint("form_token", name="uq_class_enrolment_form_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="enrolled")
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Set when a new youth was registered through the enrolment form: a resubmitted form is recognised.
    form_token: Mapped[str | None] = mapped_column(String(40))
    score: Mapped[float | None] = mapped_column(Numeric(4, 2))
    reflection_received: Mapped[bool] = mapped_column(Boolean, default=False)
    remarks: Mapped[str | None] = mapped_column(String(300))
    # Frozen when the class is finished (computed from attendance and the rule, never typed).
    passed: Mapped[bool | None] = mapped_column(Boolean)
    attendance_pct: Mapped[int | None]
    certificate_no: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    training_class = relationship("TrainingClass")
    person = relationship("Person")

    @property
    def status_label(self):
        return ENROLMENT_STATUSES.get(self.status, self.status)


class Attendance(db.Model):
    """One row per (session, enrolment): its status is set, never appended. Who marked it last and when."""

    __tablename__ = "class_attendance"
    __table_args__ = (UniqueConstraint("session_id", "enrolment_id", name="uq_class_attendance_session_id_enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_session.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("class_enrolment.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    first_marked_at: Mapped[datetime] = mapped_column(default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
    changes: Mapped[int] = mapped_column(default=0)  # how many times the status was changed after the first mark

    marked_by = relationship("User")
    session = relationship("ClassSession")
    enrolment = relationship("Enrolment")

    @property
    def status_label(self):
        return ATTENDANCE.get(self.status, self.status)


class AdmissionCase(db.Model):
    """The admission checklist of one candidate (usually a sympathizer-class graduate)."""

    __tablename__ = "admission_case"
    __table_args__ = (
        UniqueConstraint("person_id", name="uq_admission_case_person_id"),
        Index("ix_admission_case_unit_path", "unit_path", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("training_class.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    unit_path: Mapped[str] = mapped_column(String(255))  # the branch's path
    status: Mapped[str] = mapped_column(String(12), default="open")
    application_on: Mapped[date | None]
    history_on: Mapped[date | None]
    certificate_on: Mapped[date | None]
    sponsor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    sponsor_known_since: Mapped[date | None]
    meeting_on: Mapped[date | None]
    members_present: Mapped[int | None]
    votes_for: Mapped[int | None]
    decision_number: Mapped[str | None] = mapped_column(String(60))
    decision_on: Mapped[date | None]
    decision_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    ceremony_on: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    person = relationship("Person", foreign_keys=[person_id])
    sponsor = relationship("Person", foreign_keys=[sponsor_id])
    branch = relationship("Unit", foreign_keys=[branch_id])
    decision_unit = relationship("Unit", foreign_keys=[decision_unit_id])
    training_class = relationship("TrainingClass")

    @property
    def status_label(self):
        return CASE_STATUSES.get(self.status, self.status)
