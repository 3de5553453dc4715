"""People on record: Union members (đoàn viên), Federation members (hội viên) and youth (thanh niên).

History is rows (PersonEvent), never overwritten columns: joined, transferred, away working, back,
matured, removed, expelled, deceased, moved away — each with a date, a reason and who recorded it.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, JSON, ForeignKey, Index, String, Text, event, inspect, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import db
from ..units.models import utcnow

MEMBER_TYPES = {"union": _l("Đoàn viên"), "federation": _l("Hội viên"), "youth": _l("Thanh niên")}
# Current standing on the roll; derived from the latest event but stored for indexed filtering.
STATUSES = {
    "active": _l("Đang sinh hoạt"),
    "away": _l("Đi làm ăn xa"),
    "transferred_out": _l("Đã chuyển sinh hoạt"),
    "matured": _l("Đã trưởng thành"),
    "removed": _l("Đã xóa tên"),
    "expelled": _l("Đã khai trừ"),
    "deceased": _l("Đã mất"),
    "moved_away": _l("Đã chuyển đi nơi khác"),
}
ON_ROLL = ("active", "away")  # statuses that still count on a branch roll
UNION_MAX_AGE = 30  # past this age a Union member matures (trưởng thành Đoàn) and no longer counts as a member


def over_union_age_born_by(today=None):
    """Born on or before this date = older than 30 today (31 or more): due to mature, not counted as a member."""
    today = today or date.today()
    try:
        return today.replace(year=today.year - UNION_MAX_AGE - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - UNION_MAX_AGE - 1, day=28)
SEXES = {"male": _l("Nam"), "female": _l("Nữ")}
OCCUPATIONS = {
    "worker": _l("Công nhân"),
    "farmer": _l("Nông dân"),
    "student": _l("Học sinh, sinh viên"),
    "civil_servant": _l("Cán bộ, công chức, viên chức"),
    "police_militia": _l("Công an, dân quân"),
    "self_employed": _l("Lao động tự do, kinh doanh"),
    "unemployed": _l("Chưa có việc làm"),
    "other": _l("Khác"),
}
EVENT_KINDS = {
    "registered": _l("Ghi vào sổ"),
    "joined": _l("Kết nạp"),
    "transferred_in": _l("Chuyển sinh hoạt đến"),
    "transferred_out": _l("Chuyển sinh hoạt đi"),
    "away": _l("Đi làm ăn xa"),
    "back": _l("Trở về địa phương"),
    "matured": _l("Trưởng thành"),
    "removed": _l("Xóa tên"),
    "expelled": _l("Khai trừ"),
    "deceased": _l("Từ trần"),
    "moved_away": _l("Chuyển đi nơi khác"),
    "confirmed": _l("Xác nhận có người"),
    "post_started": _l("Nhận chức vụ"),
    "post_ended": _l("Thôi chức vụ"),
    "kept": _l("Giữ lại, không xóa tên"),
    "reinstated": _l("Khôi phục vào danh sách (ghi nhầm)"),
    "restructured": _l("Chuyển theo sắp xếp tổ chức"),
}
# The fields of a person's audit snapshot (the services' and the importer's "before" and "after").
PERSON_FIELDS = ("full_name", "sex", "birth_date", "ethnicity", "religion", "citizen_id", "phone", "permanent_address",
                 "current_address", "occupation", "workplace", "schooling", "member_type", "status", "joined_on",
                 "admission_decision", "card_number", "unit_id", "away_place", "away_since", "notes")
POSTS = {"secretary": _l("Bí thư"), "deputy": _l("Phó bí thư"), "committee": _l("Ủy viên BCH")}


class Person(db.Model):
    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_unit_path", "unit_path", postgresql_ops={"unit_path": "varchar_pattern_ops"}),
        Index("ix_person_name_key", "name_key", postgresql_ops={"name_key": "varchar_pattern_ops"}),
        Index("ix_person_citizen_id", "citizen_id"),
        # The list's ORDER BY name_key, id LIMIT n walks this index (the pattern_ops index above serves LIKE only).
        Index("ix_person_name_order", "name_key", "id"),
        Index("ix_person_birth_date", "birth_date"),  # turning 30, maturity
        # The targets' worker indicators ask "which of these people are workers": 117 → 25 ms at province scale.
        Index("ix_person_occupation", "occupation", "id"),
        # Covers the province-wide count by type (GROUP BY walks it in order: 150 ms → 10 ms on 300,000 people).
        Index("ix_person_type_status_path", "member_type", "status", "unit_path"),
        # PostgreSQL only: a trigram index serves the word-anywhere name search ("% thi anh%"), 285 → 55 ms at
        # province scale. SQLite has no equivalent and scans (≈140 ms for 300,000 people).
        Index("ix_person_name_trgm", "name_key", postgresql_using="gin",
              postgresql_ops={"name_key": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the branch
    # Copy of the branch's path, kept in step by the services: subtree lists are one indexed LIKE.
    unit_path: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # app.text.fold(full_name)
    sex: Mapped[str | None] = mapped_column(String(8))
    birth_date: Mapped[date | None]
    ethnicity: Mapped[str | None] = mapped_column(String(40))
    religion: Mapped[str | None] = mapped_column(String(40))
    citizen_id: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(20))
    permanent_address: Mapped[str | None] = mapped_column(String(300))
    current_address: Mapped[str | None] = mapped_column(String(300))
    occupation: Mapped[str | None] = mapped_column(String(24))
    workplace: Mapped[str | None] = mapped_column(String(200))
    schooling: Mapped[str | None] = mapped_column(String(20))
    member_type: Mapped[str] = mapped_column(String(12), default="union")
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    joined_on: Mapped[date | None]  # date joined the Union
    admission_decision: Mapped[str | None] = mapped_column(String(60))
    card_number: Mapped[str | None] = mapped_column(String(40))
    away_place: Mapped[str | None] = mapped_column(String(200))
    away_since: Mapped[date | None]
    # The hidden per-form token of the create form that made this row: a double-tapped submit makes one person.
    form_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    unit = relationship("Unit")

    @property
    def member_type_label(self):
        return MEMBER_TYPES.get(self.member_type, self.member_type)

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def on_roll(self):
        return self.status in ON_ROLL

    @property
    def over_union_age(self):
        """A Union member on a roll who is past 30: flagged for maturity, left out of the Union counts."""
        return (self.member_type == "union" and self.status in ON_ROLL and self.birth_date is not None
                and self.birth_date <= over_union_age_born_by())


class PersonEvent(db.Model):
    """One row per change in a person's standing. Never updated or deleted."""

    __tablename__ = "person_event"
    # Admissions of a year (the targets' actuals): kind and date, then the branch and the person — an index-only scan
    # (33 → 10 ms for a province's year of admissions on PostgreSQL).
    __table_args__ = (Index("ix_person_event_kind_on", "kind", "on", "unit_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    on: Mapped[date]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # the branch at the time
    other_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # transfer counterpart
    reason: Mapped[str | None] = mapped_column(String(500))
    detail: Mapped[str | None] = mapped_column(String(200))  # decision number, post, place…
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    person = relationship("Person", backref="events")
    unit = relationship("Unit", foreign_keys=[unit_id])
    other_unit = relationship("Unit", foreign_keys=[other_unit_id])
    recorded_by = relationship("User")

    @property
    def kind_label(self):
        return EVENT_KINDS.get(self.kind, self.kind)


TRANSFER_STATUSES = {"requested": _l("Chờ tiếp nhận"), "accepted": _l("Đã tiếp nhận"), "refused": _l("Bị từ chối"),
                     "withdrawn": _l("Đã rút đề nghị")}


class Transfer(db.Model):
    """A request to move a person to another commune; the receiving commune accepts (choosing a branch) or refuses."""

    __tablename__ = "member_transfer"
    __table_args__ = (Index("ix_member_transfer_to_path", "to_commune_path",
                            postgresql_ops={"to_commune_path": "varchar_pattern_ops"}),
                      # One open request per person, whatever races: the database refuses a second one.
                      Index("uq_member_transfer_open_person_id", "person_id", unique=True,
                            postgresql_where=text("status = 'requested'"), sqlite_where=text("status = 'requested'")))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # the branch the person leaves
    from_unit_path: Mapped[str] = mapped_column(String(255))
    to_commune_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    to_commune_path: Mapped[str] = mapped_column(String(255))
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # the branch chosen on accept
    status: Mapped[str] = mapped_column(String(12), default="requested", index=True)
    on: Mapped[date]  # the date asked for
    reason: Mapped[str | None] = mapped_column(String(500))
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))  # the sending commune took the request back
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    # The hidden per-form token of the request form: a double-tapped submit makes one request.
    form_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    person = relationship("Person")
    from_unit = relationship("Unit", foreign_keys=[from_unit_id])
    to_commune = relationship("Unit", foreign_keys=[to_commune_id])
    to_unit = relationship("Unit", foreign_keys=[to_unit_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def status_label(self):
        return TRANSFER_STATUSES.get(self.status, self.status)


IMPORT_STATUSES = {"preview": _l("Chờ xác nhận"), "importing": _l("Đang ghi"), "imported": _l("Đã nhập"),
                   "cancelled": _l("Đã hủy")}


class ImportBatch(db.Model):
    """One uploaded roll file: the parsed rows (JSON) wait here until an officer confirms; then all or nothing."""

    __tablename__ = "member_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the commune or branch imported into
    unit_path: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="preview")
    payload: Mapped[dict | None] = mapped_column(JSON)  # {"rows": [{"row": n, "cells": {...}}], "results": [...]}
    counts: Mapped[dict | None] = mapped_column(JSON)  # {"new": n, "update": n, "error": n}
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_at: Mapped[datetime | None]
    seconds: Mapped[float | None]  # how long the confirmed import took

    unit = relationship("Unit")
    created_by = relationship("User")

    @property
    def status_label(self):
        return IMPORT_STATUSES.get(self.status, self.status)


# The trigram index needs pg_trgm (a trusted extension: the database owner may create it).
event.listen(Person.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


PICK_FIELDS = {"sex": _l("Giới tính"), "member_type": _l("Đối tượng"), "occupation": _l("Nghề nghiệp"),
               "ethnicity": _l("Dân tộc"), "religion": _l("Tôn giáo")}


class PickSynonym(db.Model):
    """A way communes write a pick-list value ("Học sinh" → student, "kinh" → Kinh), matched folded on import.

    The built-in synonyms live in app.members.importer; admins add more here. Retired, never deleted."""

    __tablename__ = "pick_synonym"
    __table_args__ = (db.UniqueConstraint("field", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(120))  # folded: lower case, no diacritics, đ → d
    text: Mapped[str] = mapped_column(String(120))  # as the admin typed it
    value: Mapped[str] = mapped_column(String(60))  # the code (sex, member_type, occupation) or the canonical text
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonPastUnit(db.Model):
    """The branch a person belonged to until `until` (exclusive). A person never moved has no row: their branch at
    any date is their branch now. Written when a person's branch changes — by the ORM hook below (an officer's edit,
    an accepted transfer, an import) or by the restructuring's bulk moves — never updated."""

    __tablename__ = "person_past_unit"
    __table_args__ = (Index("ix_person_past_unit_person_until", "person_id", "until"),
                      Index("ix_person_past_unit_unit", "unit_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    until: Mapped[date]
    operation_id: Mapped[int | None]  # the restructuring that moved them, if one did


def _record_past_units(session, flush_context, instances):
    """A person whose branch changes through the ORM (an edit, an accepted transfer) leaves a PersonPastUnit row:
    the figures as of a past date (app.restructure.asof) count them where they were then."""
    today = date.today()
    for obj in session.dirty:
        if isinstance(obj, Person):
            hist = inspect(obj).attrs.unit_id.history
            if hist.deleted and hist.added and hist.deleted[0] is not None and hist.deleted[0] != hist.added[0]:
                session.add(PersonPastUnit(person_id=obj.id, unit_id=hist.deleted[0], until=today))


event.listen(Session, "before_flush", _record_past_units)
