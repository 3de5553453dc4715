"""Activities (sinh hoạt) with attendance, dues (đoàn phí) payments, and each person's computed standing.

PersonStanding is derived data: the five criteria computed from the records (events, attendance, dues,
activities) by app.activities.standing.refresh_standing — never typed by anyone. It makes province-wide
dashboards a single indexed aggregate instead of 300,000 live evaluations.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..units.models import utcnow

KINDS = {
    "regular": _l("Sinh hoạt chi đoàn định kỳ"),
    "thematic": _l("Sinh hoạt chuyên đề"),
    "volunteer": _l("Hoạt động tình nguyện"),
    "young_workers": _l("Hoạt động cho thanh niên công nhân"),
    "care": _l("Hoạt động chăm lo"),
}
ATTENDANCE = {"present": _l("Có mặt"), "absent": _l("Vắng"), "excused": _l("Có phép")}
ATTENDANCE_SHORT = {"present": _l("Có"), "absent": _l("Vắng"), "excused": _l("Phép")}  # the compact roll's buttons
WARNINGS = {
    "secretary": _l("Bí thư đi làm ăn xa hoặc chưa thực chất"),
    "silent": _l("Không sinh hoạt 3 tháng"),
    "small": _l("Dưới 3 đoàn viên"),
}
# The same warnings said as a sentence about one branch (its own unit page)
WARNING_NOTES = {
    "secretary": _l("Bí thư đi làm ăn xa hoặc chưa thực chất."),
    "silent": _l("Chi đoàn không sinh hoạt 3 tháng."),
    "small": _l("Chi đoàn dưới 3 đoàn viên."),
}


class Activity(db.Model):
    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_unit_id_held_on", "unit_id", "held_on"),
        Index("ix_activity_unit_path", "unit_path", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # a branch or a commune
    unit_path: Mapped[str] = mapped_column(String(255))  # copy of the unit's path for subtree lists
    held_on: Mapped[date] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20), default="regular")
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    # Held for young workers (the young-worker programme's indicators count these).
    for_young_workers: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The hidden per-form token of the create form: a double-tapped submit creates one activity.
    form_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    unit = relationship("Unit")
    created_by = relationship("User")

    @property
    def kind_label(self):
        return KINDS.get(self.kind, self.kind)


class Attendance(db.Model):
    """One person at one activity. "Set status" semantics: one row per (activity, person), updated in place;
    every change is in the audit log (who, when, old → new)."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("activity_id", "person_id", name="uq_attendance_activity_id_person_id"),
        Index("ix_attendance_person_id_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    status: Mapped[str] = mapped_column(String(10))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity = relationship("Activity")
    person = relationship("Person")

    @property
    def status_label(self):
        return ATTENDANCE.get(self.status, self.status)


class DuesPayment(db.Model):
    """Dues paid by one person for one month (month = first day of that month)."""

    __tablename__ = "dues_payment"
    __table_args__ = (UniqueConstraint("person_id", "month", name="uq_dues_payment_person_id_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    month: Mapped[date]
    amount: Mapped[int]  # VND
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Set when the payment was reversed (recorded by mistake): the month counts as unpaid again. The row stays;
    # each reversal is a DuesReversal row (who, when, why, what was undone) and an audit entry. Paying the month
    # again later reuses this row (the natural key person + month stays unique).
    reversed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    person = relationship("Person")


class DuesReversal(db.Model):
    """One undoing of a dues payment recorded by mistake — what had been recorded, by whom, and why it was undone."""

    __tablename__ = "dues_reversal"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("dues_payment.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    month: Mapped[date]
    amount: Mapped[int]  # the amount that had been recorded
    paid_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    paid_recorded_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(500))
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reversed_at: Mapped[datetime] = mapped_column(default=utcnow)

    payment = relationship("DuesPayment")
    reversed_by = relationship("User", foreign_keys=[reversed_by_id])


class PersonStanding(db.Model):
    """The five criteria of one person on a roll, as computed at `computed_at` (see app.activities.standing)."""

    __tablename__ = "person_standing"
    __table_args__ = (
        Index("ix_person_standing_unit_path", "unit_path", "verdict", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
        Index("ix_person_standing_unit_id", "unit_id", "verdict"),
    )

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    unit_path: Mapped[str] = mapped_column(String(255))
    person_ok: Mapped[bool] = mapped_column(Boolean)
    name_ok: Mapped[bool] = mapped_column(Boolean)
    gathered_ok: Mapped[bool] = mapped_column(Boolean)
    dues_ok: Mapped[bool] = mapped_column(Boolean)
    activity_ok: Mapped[bool] = mapped_column(Boolean)
    verdict: Mapped[str] = mapped_column(String(12))
    # Holds the branch secretary post (from post_started/post_ended events) and is away working.
    is_secretary: Mapped[bool] = mapped_column(Boolean, default=False)
    is_away: Mapped[bool] = mapped_column(Boolean, default=False)
    as_of: Mapped[date]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class BranchStanding(db.Model):
    """Per-branch totals of PersonStanding (rebuilt with it): province dashboards read ~4,000 rows, not 300,000."""

    __tablename__ = "branch_standing"
    __table_args__ = (
        Index("ix_branch_standing_unit_path", "unit_path", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
    )

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, autoincrement=False)
    unit_path: Mapped[str] = mapped_column(String(255))
    total: Mapped[int] = mapped_column(default=0)
    real: Mapped[int] = mapped_column(default=0)
    incomplete: Mapped[int] = mapped_column(default=0)
    paper: Mapped[int] = mapped_column(default=0)
    secretary_bad: Mapped[int] = mapped_column(default=0)  # secretaries away working or not real
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
