"""Account writes: sign-in bookkeeping, accounts, grants. They flush; routes commit."""
from sqlalchemy import func, select

from ..access import forget_grants
from ..audit.services import record, snapshot
from ..errors import ConflictError
from ..extensions import db
from ..text import nfc
from ..units.models import utcnow
from .models import LoginAttempt, RoleGrant, User

USER_FIELDS = ("username", "full_name", "phone", "active")


def login_blocked_for(*, username, ip, max_failures, window):
    """Minutes left to wait, or 0. Failures since the last success inside the window count."""
    since = utcnow() - window
    username = (username or "").strip().lower()
    last_ok = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.success.is_(True))
    )
    start = max(since, last_ok) if last_ok else since
    fails = db.session.execute(
        select(func.count(LoginAttempt.id), func.min(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(False), LoginAttempt.at > start
        )
    ).one()
    ip_fails = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(LoginAttempt.ip == ip, LoginAttempt.success.is_(False), LoginAttempt.at > since)
    ) if ip else 0
    if fails[0] >= max_failures or ip_fails >= max_failures * 4:
        first = fails[1] or since
        left = (first + window - utcnow()).total_seconds() / 60
        return max(1, int(left + 0.999))
    return 0


def note_login_attempt(*, username, ip, success):
    db.session.add(LoginAttempt(username=(username or "").strip().lower()[:64], ip=ip, success=success))


def authenticate(*, username, password):
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user and user.active and user.check_password(password):
        return user
    return None


def mark_logged_in(*, user):
    # Written without bumping `version`: a login must not turn an admin's open edit form stale.
    db.session.execute(
        db.update(User).where(User.id == user.id).values(last_login_at=utcnow()).execution_options(synchronize_session=False)
    )
    record(action="auth.login", object_type="user_account", object_id=user.id, user=user, summary=user.username)


def create_user(*, username, full_name, phone, password, created_by):
    user = User(username=username.strip().lower(), full_name=nfc(full_name), phone=phone or None,
                created_by_id=created_by.id if created_by else None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(action="user.create", obj=user, after=snapshot(user, USER_FIELDS), summary=user.username)
    return user


def update_user(*, user, expected_version, full_name, phone):
    if expected_version is not None and expected_version != user.version:
        raise ConflictError(user)
    before = snapshot(user, USER_FIELDS)
    user.full_name, user.phone = nfc(full_name), phone or None
    db.session.flush()
    record(action="user.update", obj=user, before=before, after=snapshot(user, USER_FIELDS), summary=user.username)
    return user


def set_active(*, user, active):
    before = snapshot(user, USER_FIELDS)
    user.active = active
    db.session.flush()
    record(action="user.activate" if active else "user.deactivate", obj=user, before=before,
           after=snapshot(user, USER_FIELDS), summary=user.username)


def set_password(*, user, password, by_admin=False):
    user.set_password(password)
    db.session.flush()
    record(action="user.reset_password" if by_admin else "user.change_password", obj=user, summary=user.username,
           before={"password": "•••"}, after={"password": "••• (mới)"})


def grant_role(*, user, unit, role, granted_by):
    existing = db.session.scalar(
        select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.unit_id == unit.id, RoleGrant.role == role,
                                RoleGrant.revoked_at.is_(None))
    )
    if existing:
        return existing
    grant = RoleGrant(user_id=user.id, unit_id=unit.id, role=role, granted_by_id=granted_by.id if granted_by else None)
    db.session.add(grant)
    db.session.flush()
    forget_grants()
    record(action="grant.create", obj=grant, unit=unit, after={"user": user.username, "role": role, "unit": unit.name},
           summary=f"{user.username} · {role} · {unit.name}")
    return grant


def revoke_grant(*, grant, revoked_by):
    grant.revoked_at = utcnow()
    grant.revoked_by_id = revoked_by.id
    db.session.flush()
    forget_grants()
    record(action="grant.revoke", obj=grant, unit=grant.unit,
           before={"user": grant.user.username, "role": grant.role, "unit": grant.unit.name}, after={},
           summary=f"{grant.user.username} · {grant.role} · {grant.unit.name}")
