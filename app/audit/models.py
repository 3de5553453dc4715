from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import db


class AuditEntry(db.Model):
    """Who, when, what, on which unit, with a before/after diff of the changed fields."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_object", "object_type", "object_id"),
        Index("ix_audit_entry_unit_path", "unit_path", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # The unit's path at the time, so the audit of a subtree is one LIKE even after moves.
    unit_path: Mapped[str | None] = mapped_column(String(255))
    summary: Mapped[str | None] = mapped_column(String(300))
    changes: Mapped[dict | None] = mapped_column(JSON)

    user = relationship("User")
    unit = relationship("Unit")
