"""The tree of Youth Union units. Levels are data: a commune may sit directly under the province."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import db

LEVELS = {
    "province": _l("Tỉnh đoàn"),
    "district": _l("Huyện đoàn"),
    "commune": _l("Cơ sở đoàn"),
    "branch": _l("Chi đoàn / chi hội"),
}
LEVEL_RANK = {"province": 0, "district": 1, "commune": 2, "branch": 3}
# Which levels may sit directly under which.
CHILD_LEVELS = {"province": ("district", "commune"), "district": ("commune",), "commune": ("branch",), "branch": ()}

KINDS = {
    "province": {"province": _l("Tỉnh / thành phố")},
    "district": {"district": _l("Huyện"), "town": _l("Thị xã"), "city": _l("Thành phố")},
    "commune": {
        "commune": _l("Xã"),
        "ward": _l("Phường"),
        "township": _l("Thị trấn"),
        "school": _l("Trường học"),
        "enterprise": _l("Doanh nghiệp"),
        "agency": _l("Cơ quan"),
    },
    "branch": {
        "residential": _l("Thôn / khu phố"),
        "worker_residential": _l("Công nhân khu dân cư"),
        "enterprise": _l("Doanh nghiệp ngoài nhà nước"),
        "school": _l("Trường học"),
        "agency": _l("Cơ quan"),
        "other": _l("Khác"),
    },
}
ORG_TYPES = {"union": _l("Chi đoàn"), "federation": _l("Chi hội")}
STATUSES = {"active": _l("Đang hoạt động"), "closed": _l("Đã giải thể"), "merged": _l("Đã sáp nhập")}


PLACE_PREFIXES = ("Đoàn thị trấn ", "Đoàn phường ", "Đoàn xã ", "Đoàn đặc khu ", "Huyện đoàn ", "Quận đoàn ",
                  "Thị đoàn ", "Thành đoàn ", "Tỉnh đoàn ", "Chi đoàn ", "Đoàn ")


class Unit(db.Model):
    __tablename__ = "unit"
    __table_args__ = (
        UniqueConstraint("parent_id", "code", name="uq_unit_parent_id_code"),
        # varchar_pattern_ops lets PostgreSQL use the index for LIKE '/1/5/%' whatever the collation.
        Index("ix_unit_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Materialised path of ids, "/1/5/23/": a subtree is one indexed LIKE '/1/5/%'.
    path: Mapped[str] = mapped_column(String(255), default="")
    depth: Mapped[int] = mapped_column(default=0)
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    org_type: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40))
    official_code: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="active")
    founded_on: Mapped[datetime | None] = mapped_column(db.Date)
    closed_on: Mapped[datetime | None] = mapped_column(db.Date)
    close_reason: Mapped[str | None] = mapped_column(String(500))
    # indexed: every request's grants read the units merged into the user's (app.auth.queries.active_grants)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent = relationship("Unit", remote_side=[id], foreign_keys=[parent_id])
    __mapper_args__ = {"version_id_col": version}

    @property
    def ancestor_ids(self):
        return [int(x) for x in self.path.strip("/").split("/") if x][:-1]

    @property
    def level_label(self):
        return LEVELS.get(self.level, self.level)

    @property
    def kind_label(self):
        return KINDS.get(self.level, {}).get(self.kind, self.kind)

    @property
    def place_name(self):
        """The place an official paper is dated at ("Quảng Ngọc, ngày …"): the commune's name (a branch's
        commune) without the organisation's prefix."""
        unit = self
        while unit.level == "branch" and unit.parent is not None:
            unit = unit.parent
        return next((unit.name[len(p):] for p in PLACE_PREFIXES if unit.name.startswith(p)), unit.name)

    @property
    def org_type_label(self):
        return ORG_TYPES.get(self.org_type, "") if self.org_type else ""

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def is_active(self):
        return self.status == "active"

    def __repr__(self):
        return f"<Unit {self.id} {self.name}>"


class UnitPastPlace(db.Model):
    """Where a unit sat before it was moved: its parent and path until `until` (exclusive). A unit never moved has
    no row; its place at any date is where it is now. Written by the restructuring (app.restructure), never updated:
    "which district did this commune belong to on 31/12/2024" is the earliest row whose `until` is after that date."""

    __tablename__ = "unit_past_place"
    __table_args__ = (Index("ix_unit_past_place_unit_until", "unit_id", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    path: Mapped[str] = mapped_column(String(255))
    until: Mapped[datetime] = mapped_column(db.Date)  # the first day it no longer sat there
    operation_id: Mapped[int | None]  # the restructuring that moved it (app.restructure's RestructureOp)
