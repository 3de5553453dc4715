"""A restructuring of the tree (merge, split, move, dissolve a level, or the undo of one) and what it moved.

An operation is previewed (app.restructure.plans builds the preview from the records; nothing is written), then
applied as one row here plus one RestructureMove per thing it moved, each with where it came from and where it went:
the operation's page lists them, and the undo is these moves played backwards. Small operations run in one
transaction; a large one (a whole province's districts) runs in chunks, one source unit per transaction, with its
progress on this row, so no long lock holds the province.
"""
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import db

KINDS = {
    "merge": _l("Sáp nhập"),
    "split": _l("Chia tách"),
    "move": _l("Chuyển đơn vị"),
    "dissolve": _l("Giải thể một cấp"),
    "undo": _l("Hoàn tác"),
}
STATUSES = {
    "running": _l("Đang thực hiện"),
    "applied": _l("Đã thực hiện"),
    "failed": _l("Bị dừng giữa chừng"),
    "undone": _l("Đã hoàn tác"),
}
TONES = {"applied": "ok", "running": "warn", "failed": "bad"}  # the status badge's colour (_macros/ui.html badge)
# What a RestructureMove moved: a unit (to a new parent), a person (to a new branch), an open action (to a new
# owner), a grant (re-granted on the successor or revoked), a target (summed into the successor's), a closed unit.
MOVE_KINDS = {
    "unit": _l("Đơn vị chuyển"),
    "person": _l("Người chuyển chi đoàn"),
    "action": _l("Việc khắc phục còn mở"),
    "grant": _l("Quyền tài khoản"),
    "target": _l("Chỉ tiêu"),
    "closed": _l("Đơn vị thôi hoạt động"),
    "created": _l("Đơn vị mới"),
    "renamed": _l("Đổi mã, tên để phân biệt"),
    "reopened": _l("Đơn vị hoạt động lại"),
}


STALE_AFTER = timedelta(minutes=5)


class RestructureOp(db.Model):
    __tablename__ = "restructure_op"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="running", index=True)
    # The unit whose admin did it (every unit involved lies in its subtree): who may see and undo it.
    scope_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    scope_path: Mapped[str] = mapped_column(String(255))
    decision: Mapped[str] = mapped_column(String(120))  # the decision's number ("Nghị quyết số 1686/NQ-UBTVQH15")
    effective_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(500))
    params: Mapped[dict] = mapped_column(JSON)  # what was asked: unit ids, the new unit's name and code, people …
    preview: Mapped[dict | None] = mapped_column(JSON)  # the numbers the preview showed
    moved: Mapped[dict | None] = mapped_column(JSON)  # the numbers moved, counted from the RestructureMove rows
    steps_total: Mapped[int] = mapped_column(default=0)  # chunks: one per source unit
    steps_done: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("restructure_op.id"))
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("restructure_op.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # when its last step committed: a "running" operation with no step for STALE_AFTER stopped with its process (a
    # restarted worker), and may be resumed from its page or with `flask restructure-resume <id>`
    progress_at: Mapped[datetime | None]
    # The hidden per-form token of the confirm form: a double-tapped "apply" makes one operation.
    form_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    scope_unit = relationship("Unit")
    created_by = relationship("User")
    undoes = relationship("RestructureOp", remote_side=[id], foreign_keys=[undoes_id])

    @property
    def kind_label(self):
        return KINDS.get(self.kind, self.kind)

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def tone(self):
        return TONES.get(self.status, "")

    @property
    def stalled(self):
        """Running, but no step for STALE_AFTER: its process is gone (a step of a province takes seconds)."""
        last = self.progress_at or self.created_at
        return self.status == "running" and last is not None and utcnow() - last > STALE_AFTER


class RestructureMove(db.Model):
    """One thing an operation moved, from → to. `step` is the chunk it was moved in (a resumed operation skips the
    chunks already done). Never updated or deleted: an undo writes its own rows."""

    __tablename__ = "restructure_move"
    __table_args__ = (Index("ix_restructure_move_op_kind", "op_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    op_id: Mapped[int] = mapped_column(ForeignKey("restructure_op.id"))
    step: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(12))  # MOVE_KINDS
    obj_id: Mapped[int]  # the unit, person, action, grant or target
    from_id: Mapped[int | None]  # the unit (or parent) it left
    to_id: Mapped[int | None]  # the unit (or parent) it went to; a new grant's or target's id in `detail`
    detail: Mapped[dict | None] = mapped_column(JSON)

    op = relationship("RestructureOp")

    @property
    def kind_label(self):
        return MOVE_KINDS.get(self.kind, self.kind)
