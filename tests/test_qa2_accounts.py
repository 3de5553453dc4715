"""Two admins acting on one account at the same instant (QA on gunicorn + PostgreSQL): each answers as it would
one after the other — never a conflict page for a form that carries no version, never two active grants of one
role, one audit entry per change; and a conflict page never prints a typed password."""
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEntry
from app.auth.models import RoleGrant, User
from tests.conftest import PASSWORD
from tests.live import LiveClient, live, run_together  # noqa: F401 — the live server fixture


def at_once(*calls):
    out = [None] * len(calls)
    run_together(*(lambda k=k: out.__setitem__(k, calls[k]()) for k in range(len(calls))))
    return out


def entries(db, action, object_id):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == action, AuditEntry.object_id == object_id))


@pytest.fixture
def two_admins(db, live, tree, make_user):
    make_user("tinh.qtri", (tree.P, "admin"), (tree.P, "inspector"))
    make_user("huyen.qtri", (tree.D, "admin"), (tree.D, "inspector"))
    target = make_user("xa.xem", (tree.C1, "viewer"), full_name="Người Xem")
    a, b = (LiveClient(live).login(u, PASSWORD) for u in ("tinh.qtri", "huyen.qtri"))
    for c in (a, b):
        assert c.get(f"/auth/users/{target.id}").status == 200  # a CSRF token from the account's page
    return a, b, target.id


def test_two_admins_resetting_or_locking_one_account_at_once_both_succeed(db, two_admins):
    a, b, uid = two_admins
    for _ in range(3):
        resps = at_once(lambda: a.post(f"/auth/users/{uid}/password", {"password": "Khoa-bi-mat-9812"}),
                        lambda: b.post(f"/auth/users/{uid}/password", {"password": "Khoa-khac-7765x"}))
        assert [(r.status, r.location) for r in resps] == [(303, f"/auth/users/{uid}")] * 2, [r.text[:400] for r in resps]
    assert entries(db, "user.reset_password", uid) == 6
    resps = at_once(lambda: a.post(f"/auth/users/{uid}/active", {"active": "0"}),
                    lambda: b.post(f"/auth/users/{uid}/active", {"active": "0"}))
    assert [(r.status, r.location) for r in resps] == [(303, f"/auth/users/{uid}")] * 2
    assert entries(db, "user.deactivate", uid) == 1  # the second found it locked: nothing to write
    assert db.session.get(User, uid).active is False


def test_the_same_account_edit_from_two_admins_at_once_is_one_change(db, two_admins):
    a, b, uid = two_admins
    version = re.search(r'name="version"[^>]*value="(\d+)"', a.get(f"/auth/users/{uid}/edit").text).group(1)
    b.get(f"/auth/users/{uid}/edit")
    data = {"full_name": "Người Xem Mới", "phone": "0912345678", "version": version}
    resps = at_once(lambda: a.post(f"/auth/users/{uid}/edit", data), lambda: b.post(f"/auth/users/{uid}/edit", data))
    assert [(r.status, r.location) for r in resps] == [(303, f"/auth/users/{uid}")] * 2
    assert entries(db, "user.update", uid) == 1
    # a different edit from the same old form is a real conflict: the conflict page, nothing written
    other = a.post(f"/auth/users/{uid}/edit", dict(data, full_name="Tên Khác"))
    assert other.status == 409 and "Hồ sơ đã được người khác sửa" in other.text
    db.session.rollback()
    assert db.session.get(User, uid).full_name == "Người Xem Mới"


def test_two_admins_granting_one_role_at_once_make_one_grant(db, tree, two_admins):
    a, b, uid = two_admins
    data = {"unit_id": str(tree.C1.id), "role": "inspector"}
    resps = at_once(*(lambda c=c: c.post(f"/auth/users/{uid}/grants", data) for c in (a, b, a, b)))
    assert {(r.status, r.location) for r in resps} == {(303, f"/auth/users/{uid}")}
    db.session.rollback()
    active = db.session.scalar(select(func.count()).select_from(RoleGrant).where(
        RoleGrant.user_id == uid, RoleGrant.role == "inspector", RoleGrant.revoked_at.is_(None)))
    assert active == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "grant.create",
                                                                              AuditEntry.summary.like("xa.xem · inspector%"))) == 1


def test_the_database_refuses_a_second_active_grant(db, tree, make_user):
    user = make_user("xa.hai", (tree.C1, "officer"))
    db.session.add(RoleGrant(user_id=user.id, unit_id=tree.C1.id, role="officer"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # a revoked grant does not block granting the role again
    db.session.execute(RoleGrant.__table__.update().values(revoked_at=func.now()))
    db.session.add(RoleGrant(user_id=user.id, unit_id=tree.C1.id, role="officer"))
    db.session.commit()


def test_the_conflict_page_never_prints_a_typed_password(app):
    from app.audit.labels import typed_fields

    form = {"full_name": "Người Xem", "password": "Khoa-bi-mat-9812", "new": "Khoa-moi-2026x",
            "confirm": "Khoa-moi-2026x", "current": "Khoa-cu-2025x", "new_password": "Mat-khau-2027y"}
    with app.test_request_context("/auth/users/1/password", method="POST", data=form):
        shown = " ".join(value for _label, value in typed_fields())
    assert "Người Xem" in shown
    assert not any(secret in shown for secret in ("Khoa-bi-mat", "Khoa-moi", "Khoa-cu", "Mat-khau"))
