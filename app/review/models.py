"""The March door-to-door review (rà soát): a campaign over a unit's subtree, its teams, the people on its walk lists
(a snapshot taken when it opens, plus the people found at the doors) and each outcome recorded at a door.

Outcomes are rows (ReviewOutcome), never overwritten: the subject keeps a copy of the latest one for counting and
filtering, and the earlier ones stay as its history. Nothing reaches the registry until a commune reconciles; then
each change is a dated history row of the person (app.members), citing the campaign.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import db

STATUSES = {"draft": _l("Chuẩn bị"), "open": _l("Đang rà soát"), "closed": _l("Đã kết thúc")}
# What a team found at the door. The short labels fit a 360 px row of tap targets.
OUTCOMES = {
    "present": _l("Có mặt tại địa phương"),
    "away": _l("Đi làm ăn xa"),
    "moved": _l("Chuyển đi nơi khác"),
    "not_found": _l("Không tìm thấy"),
    "deceased": _l("Đã mất"),
    "over_age": _l("Quá 30 tuổi, cần trưởng thành"),
    "corrected": _l("Có mặt, sửa thông tin"),
}
OUTCOMES_SHORT = {
    "present": _l("Có mặt"), "away": _l("Đi xa"), "moved": _l("Chuyển đi"), "not_found": _l("Không thấy"),
    "deceased": _l("Đã mất"), "over_age": _l("Quá 30"), "corrected": _l("Sửa TT"),
}
PRESENT = ("present", "corrected")  # seen at home: criterion 1 ("có người") once reconciled
# What reconciling each outcome does to the registry (the preview's headings).
APPLIES = {
    "present": _l("Ghi xác nhận có người"),
    "corrected": _l("Sửa thông tin và ghi xác nhận có người"),
    "away": _l("Ghi đi làm ăn xa"),
    "moved": _l("Ghi chuyển đi nơi khác (ra khỏi danh sách)"),
    "deceased": _l("Ghi đã mất (ra khỏi danh sách)"),
    "not_found": _l("Đề nghị xóa tên (chưa xóa: cần quyết định có lý do)"),
    "over_age": _l("Đề nghị trưởng thành Đoàn"),
}
POSTS = {  # who walks with the officers: the seed's "with the local Party committee and authorities"
    "hamlet_head": _l("Trưởng thôn / tổ trưởng dân phố"),
    "police": _l("Công an xã"),
    "party_secretary": _l("Bí thư chi bộ"),
    "women_union": _l("Chi hội phụ nữ"),
    "other": _l("Khác"),
}


class Campaign(db.Model):
    __tablename__ = "review_campaign"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_review_campaign_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the scope: this unit and its subtree
    unit_path: Mapped[str] = mapped_column(String(255))
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]  # the moment the walk lists (and the "at the start" figures) were taken
    closed_at: Mapped[datetime | None]
    # The hidden per-form token of the create form: a double-tapped submit makes one campaign.
    form_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    unit = relationship("Unit")
    created_by = relationship("User")

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def is_open(self):
        return self.status == "open"


class Team(db.Model):
    """A commune's review team: officers (accounts) and people who are not accounts (name and post)."""

    __tablename__ = "review_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("review_campaign.id"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    commune_path: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    form_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    campaign = relationship("Campaign")
    commune = relationship("Unit")
    members = relationship("TeamMember", order_by="TeamMember.id", back_populates="team",
                           primaryjoin="and_(TeamMember.team_id == Team.id, TeamMember.removed_at.is_(None))",
                           viewonly=True)


class TeamMember(db.Model):
    """An account (user_id) or a person who is not one (full_name, post). Taken off, never deleted."""

    __tablename__ = "review_team_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("review_team.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    full_name: Mapped[str] = mapped_column(String(200))
    post: Mapped[str | None] = mapped_column(String(24))  # POSTS; None for an officer (an account)
    post_text: Mapped[str | None] = mapped_column(String(120))  # "Khác": as typed
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    team = relationship("Team", back_populates="members")
    user = relationship("User")

    @property
    def post_label(self):
        if self.user_id:
            return _l("Cán bộ Đoàn")
        if self.post == "other" and self.post_text:
            return self.post_text
        return POSTS.get(self.post, self.post or "")


class TeamBranch(db.Model):
    """Which team walks which branch: one team per branch and campaign."""

    __tablename__ = "review_team_branch"
    __table_args__ = (UniqueConstraint("campaign_id", "branch_id", name="uq_review_team_branch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("review_campaign.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("review_team.id"), index=True)

    branch = relationship("Unit")
    team = relationship("Team")


class Subject(db.Model):
    """One person on a campaign's walk list: taken when the campaign opened (found=False) or found at a door.

    start_* are the person as they stood when the list was taken (the result's "at the start" figures);
    outcome* copy the latest ReviewOutcome (its history is the rows)."""

    __tablename__ = "review_subject"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", name="uq_review_subject_person"),
        Index("ix_review_subject_branch", "campaign_id", "branch_id"),
        # the coverage roll-up: GROUP BY commune, outcome walks this index
        Index("ix_review_subject_rollup", "campaign_id", "commune_id", "outcome", "start_type", "found"),
        Index("ix_review_subject_path", "campaign_id", "branch_path",
              postgresql_ops={"branch_path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("review_campaign.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    branch_path: Mapped[str] = mapped_column(String(255))
    commune_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    start_type: Mapped[str] = mapped_column(String(12))  # member type when the list was taken (or when found)
    start_status: Mapped[str] = mapped_column(String(20))
    start_verdict: Mapped[str | None] = mapped_column(String(12))  # the five criteria then (None: no standing)
    found: Mapped[bool] = mapped_column(Boolean, default=False)  # a new person found at a door
    claimed_type: Mapped[str | None] = mapped_column(String(12))  # found: says they are a member elsewhere
    claimed_unit: Mapped[str | None] = mapped_column(String(200))  # … of this unit (as they said it)
    household: Mapped[str | None] = mapped_column(String(300))  # corrected by hand; None: from the address
    outcome: Mapped[str | None] = mapped_column(String(12))
    outcome_on: Mapped[date | None]
    outcome_id: Mapped[int | None]  # the latest ReviewOutcome (no foreign key: the two tables point at each other)
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    outcome_at: Mapped[datetime | None]
    applied_at: Mapped[datetime | None]  # reconciled into the registry
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    campaign = relationship("Campaign")
    person = relationship("Person")
    branch = relationship("Unit", foreign_keys=[branch_id])
    outcome_by = relationship("User", foreign_keys=[outcome_by_id])

    @property
    def outcome_label(self):
        return OUTCOMES.get(self.outcome, "")


class Outcome(db.Model):
    """One outcome recorded at a door. Never updated or deleted; the latest per subject is the one in force."""

    __tablename__ = "review_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("review_subject.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("review_campaign.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    on: Mapped[date]  # the day of the visit
    place: Mapped[str | None] = mapped_column(String(200))  # away / moved: where
    since: Mapped[date | None]  # away: since when
    phone: Mapped[str | None] = mapped_column(String(20))  # corrected details
    address: Mapped[str | None] = mapped_column(String(300))
    workplace: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))
    # The row's hidden token: a tap sent again (a flaky network, a double tap) is this outcome, not a second one.
    token: Mapped[str | None] = mapped_column(String(40), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    subject = relationship("Subject")
    recorded_by = relationship("User")

    @property
    def label(self):
        return OUTCOMES.get(self.outcome, self.outcome)


class Reconciliation(db.Model):
    """A commune's outcomes applied to the registry, once: the unique key makes a second apply the first's answer."""

    __tablename__ = "review_reconciliation"
    __table_args__ = (UniqueConstraint("campaign_id", "commune_id", name="uq_review_reconciliation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("review_campaign.id"))
    commune_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    counts: Mapped[dict | None] = mapped_column(JSON)  # {outcome: n}
    seconds: Mapped[float | None]

    commune = relationship("Unit")
    applied_by = relationship("User")
