"""Account writes: sign-in bookkeeping, accounts, grants. They flush; routes commit."""
import secrets

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from ..access import forget_grants
from ..audit.services import record, snapshot
from ..errors import check_version
from ..extensions import db
from ..text import nfc
from ..units.models import Unit, utcnow
from .models import LoginAttempt, RoleGrant, User

USER_FIELDS = ("username", "full_name", "phone", "active")


def login_blocked_for(*, username, ip, max_failures, window, account_max_failures, account_window,
                      ip_max_failures):
    """Minutes left to wait, or 0. Three limits, each counting failures inside its window:
    - this account from this address: `max_failures` (5) in `window` (15 min), since the account's last success —
      someone guessing from one place is stopped without locking the owner out from another;
    - this account from anywhere: `account_max_failures` (20) in `account_window` (1 h) — a slower limit for
      guesses spread over many addresses;
    - this address for any account: `ip_max_failures` (20) in `window` — one place trying many accounts.
    Unknown usernames are counted the same way, so the answer never tells whether an account exists."""
    now = utcnow()
    username = (username or "").strip().lower()
    last_ok = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.success.is_(True))
    )

    def since(w):
        start = now - w
        return max(start, last_ok) if last_ok else start

    def failures(*conds, after):
        return db.session.execute(
            select(func.count(LoginAttempt.id), func.min(LoginAttempt.at))
            .where(LoginAttempt.success.is_(False), LoginAttempt.at > after, *conds)
        ).one()

    checks = [(failures(LoginAttempt.username == username, LoginAttempt.ip == ip, after=since(window)),
               max_failures, window),
              (failures(LoginAttempt.username == username, after=since(account_window)), account_max_failures,
               account_window)]
    if ip:
        checks.append((failures(LoginAttempt.ip == ip, after=now - window), ip_max_failures, window))
    wait = 0
    for (count, first), limit, w in checks:
        if count >= limit:
            left = ((first or now) + w - now).total_seconds() / 60
            wait = max(wait, max(1, int(left + 0.999)))
    return wait


def note_login_attempt(*, username, ip, success):
    db.session.add(LoginAttempt(username=(username or "").strip().lower()[:64], ip=ip, success=success))


_DUMMY_HASH = {}


def _dummy_hash():
    # A hash made like the real ones, so an unknown username costs the same time as a wrong password.
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASH[method]


def authenticate(*, username, password):
    """(user or None, known account or None): the password is always hashed once, whatever the username."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    if user and ok and user.active:
        return user, user
    return None, user


def record_failed_login(*, user, ip):
    """A failed sign-in on a known account goes to the audit on the account's units: its admins see it."""
    record(action="auth.login_failed", object_type="user_account", object_id=user.id, unit=account_unit(user),
           user=user, summary=f"{user.username} · {ip or '?'}")


def mark_logged_in(*, user):
    # Written without bumping `version`: a login must not turn an admin's open edit form stale.
    db.session.execute(
        db.update(User).where(User.id == user.id).values(last_login_at=utcnow()).execution_options(synchronize_session=False)
    )
    record(action="auth.login", object_type="user_account", object_id=user.id, user=user, summary=user.username)


def account_unit(user):
    """Where an account change is written in the audit: the lowest unit above every grant of the account, so the
    admins of that subtree read it (the audit page also shows each account's entries to the admins of any unit the
    account holds a grant on)."""
    units = [g.unit for g in user.grants]
    if not units:
        return None
    common = units[0].path
    for u in units[1:]:
        while not u.path.startswith(common):
            common = common[:common.rstrip("/").rfind("/") + 1]
    ids = [int(x) for x in common.strip("/").split("/") if x]
    return db.session.get(Unit, ids[-1]) if ids else None


def create_user(*, username, full_name, phone, password, created_by, unit=None):
    user = User(username=username.strip().lower(), full_name=nfc(full_name), phone=phone or None,
                created_by_id=created_by.id if created_by else None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(action="user.create", obj=user, unit=unit, after=snapshot(user, USER_FIELDS), summary=user.username)
    return user


def _locked(user):
    """Lock the account's row and read it afresh: two admins acting on one account at once take turns (the second
    sees what the first wrote) instead of the second's versioned UPDATE matching nothing (StaleDataError)."""
    check_version(user, None)


def update_user(*, user, expected_version, full_name, phone):
    # the same edit resent (a double tap, a lost answer) is already stored: nothing to write, no second entry
    if check_version(user, expected_version, {"full_name": nfc(full_name), "phone": phone or None}):
        return user
    before = snapshot(user, USER_FIELDS)
    user.full_name, user.phone = nfc(full_name), phone or None
    db.session.flush()
    record(action="user.update", obj=user, unit=account_unit(user), before=before, after=snapshot(user, USER_FIELDS),
           summary=user.username)
    return user


def set_active(*, user, active):
    """Returns False when the account is already so (another admin a moment ago): nothing written."""
    _locked(user)
    if user.active == active:
        return False
    before = snapshot(user, USER_FIELDS)
    user.active = active
    db.session.flush()
    record(action="user.activate" if active else "user.deactivate", obj=user, unit=account_unit(user), before=before,
           after=snapshot(user, USER_FIELDS), summary=user.username)
    return True


def set_password(*, user, password, by_admin=False):
    _locked(user)
    user.set_password(password)
    db.session.flush()
    record(action="user.reset_password" if by_admin else "user.change_password", obj=user, unit=account_unit(user),
           summary=user.username,
           before={"password": "•••"}, after={"password": "••• (mới)"})


def grant_role(*, user, unit, role, granted_by):
    existing = db.session.scalar(
        select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.unit_id == unit.id, RoleGrant.role == role,
                                RoleGrant.revoked_at.is_(None))
    )
    if existing:
        return existing
    grant = RoleGrant(user_id=user.id, unit_id=unit.id, role=role, granted_by_id=granted_by.id if granted_by else None)
    try:
        with db.session.begin_nested():
            db.session.add(grant)
            db.session.flush()
    except IntegrityError:  # another admin granted it a moment ago (uq_role_grant_active): that grant stands
        existing = db.session.scalar(select(RoleGrant).where(
            RoleGrant.user_id == user.id, RoleGrant.unit_id == unit.id, RoleGrant.role == role,
            RoleGrant.revoked_at.is_(None)))
        if existing is None:
            raise
        return existing
    forget_grants()
    record(action="grant.create", obj=grant, unit=unit, after={"user": user.username, "role": role, "unit": unit.name},
           summary=f"{user.username} · {role} · {unit.name}")
    return grant


def revoke_grant(*, grant, revoked_by):
    """Returns False when the grant was already revoked (two admins at once: the database lets one update win)."""
    now = utcnow()
    won = db.session.execute(update(RoleGrant).where(RoleGrant.id == grant.id, RoleGrant.revoked_at.is_(None))
                             .values(revoked_at=now, revoked_by_id=revoked_by.id)
                             .execution_options(synchronize_session=False)).rowcount
    if won != 1:
        return False
    set_committed_value(grant, "revoked_at", now)
    set_committed_value(grant, "revoked_by_id", revoked_by.id)
    forget_grants()
    record(action="grant.revoke", obj=grant, unit=grant.unit,
           before={"user": grant.user.username, "role": grant.role, "unit": grant.unit.name}, after={},
           summary=f"{grant.user.username} · {grant.role} · {grant.unit.name}")
    return True


def end_sessions(*, user):
    """Server-side sign-out: move the account's session generation on, so every session cookie and "remember me"
    token issued before (copies included) stops working. Written without bumping `version` (an open edit form of an
    admin must not turn stale)."""
    db.session.execute(
        db.update(User).where(User.id == user.id).values(session_gen=User.session_gen + 1)
        .execution_options(synchronize_session=False)
    )
    record(action="auth.logout", object_type="user_account", object_id=user.id, user=user, summary=user.username)
