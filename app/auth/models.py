"""Accounts and role grants. A grant gives a role on a unit and covers its whole subtree."""
import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..units.models import utcnow

ROLES = {
    "admin": _l("Quản trị"),
    "officer": _l("Cán bộ đoàn"),
    "organizer": _l("Tổ chức lớp"),
    "inspector": _l("Kiểm tra"),
    "viewer": _l("Theo dõi"),
}


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)
    # Bumped at sign-out: every session and "remember me" cookie issued before stops working (server-side logout).
    session_gen: Mapped[int] = mapped_column(default=0, server_default="0")
    __mapper_args__ = {"version_id_col": version}

    grants = relationship(
        "RoleGrant",
        primaryjoin="and_(User.id == RoleGrant.user_id, RoleGrant.revoked_at.is_(None))",
        viewonly=True,
        lazy="select",
    )

    def set_password(self, password):
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def get_id(self):
        # The session (and the 30-day "remember me" cookie) carries a stamp of the password hash and of the session
        # generation: changing or resetting the password, or signing out, ends every session issued before.
        return f"{self.id}:{self.session_stamp}"

    @property
    def session_stamp(self):
        return hashlib.sha256(f"{self.password_hash}:{self.session_gen or 0}".encode()).hexdigest()[:16]

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self):  # Flask-Login: a deactivated account cannot sign in
        return self.active


class RoleGrant(db.Model):
    __tablename__ = "role_grant"
    # One active grant per (account, unit, role), whatever races: two admins granting it at once make one row.
    __table_args__ = (Index("uq_role_grant_active", "user_id", "unit_id", "role", unique=True,
                            postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user = relationship("User", foreign_keys=[user_id])
    unit = relationship("Unit")
    granted_by = relationship("User", foreign_keys=[granted_by_id])

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)


class LoginAttempt(db.Model):
    """Failed and successful sign-ins, for throttling across every worker process."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    success: Mapped[bool] = mapped_column(default=False)


class FormStash(db.Model):
    """What a form carried when it could not be saved because the session had ended (signed out in another tab,
    cookie expired, stale CSRF token). The browser's session holds the random token; after sign-in the page of the
    form is shown again filled with it. Passwords and CSRF tokens are never kept; rows older than a day are pruned."""

    __tablename__ = "form_stash"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    path: Mapped[str] = mapped_column(String(500))
    fields: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
