from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.models import LoginAttempt, RoleGrant, User
from tests.conftest import PASSWORD, errors_in


def test_login_logout_and_next(client, tree, make_user):
    make_user("xa.officer", (tree.C1, "officer"))
    resp = client.get(f"/units/{tree.C1.id}")
    assert resp.status_code == 302 and "/auth/login?next=" in resp.location
    resp = client.post("/auth/login", data={"username": "xa.officer", "password": PASSWORD, "next": f"/units/{tree.C1.id}"})
    assert resp.status_code == 303 and resp.location.endswith(f"/units/{tree.C1.id}")
    # logout is POST only
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 303
    assert client.get(f"/units/{tree.C1.id}").status_code == 302


def test_open_redirect_refused(client, tree, make_user):
    make_user("u1", (tree.C1, "officer"))
    resp = client.post("/auth/login", data={"username": "u1", "password": PASSWORD, "next": "//evil.example/x"})
    assert resp.status_code == 303 and resp.location == "/"


def test_wrong_password_message_and_keeps_username(client, tree, make_user):
    make_user("u1", (tree.C1, "officer"))
    resp = client.post("/auth/login", data={"username": "u1", "password": "sai"})
    assert resp.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in errors_in(resp.data)
    assert 'value="u1"' in resp.get_data(as_text=True)


def test_failed_logins_are_throttled(app, client, db, tree, make_user):
    make_user("u1", (tree.C1, "officer"))
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/auth/login", data={"username": "u1", "password": "sai"}).status_code == 422
    resp = client.post("/auth/login", data={"username": "u1", "password": PASSWORD})
    assert resp.status_code == 429
    assert any("sai quá nhiều lần" in e for e in errors_in(resp.data))
    # after the window the right password works again
    for a in db.session.scalars(select(LoginAttempt)):
        a.at = a.at - app.config["LOGIN_FAILURE_WINDOW"] - timedelta(minutes=1)
    db.session.commit()
    assert client.post("/auth/login", data={"username": "u1", "password": PASSWORD}).status_code == 303


def test_remember_me_sets_30_day_cookie(client, tree, make_user):
    make_user("u1", (tree.C1, "officer"))
    resp = client.post("/auth/login", data={"username": "u1", "password": PASSWORD, "remember": "y"})
    cookie = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert cookie and "Expires=" in cookie[0]
    from datetime import datetime, timezone
    from email.utils import parsedate_to_datetime

    expires = parsedate_to_datetime(cookie[0].split("Expires=")[1].split(";")[0])
    assert 29 <= (expires - datetime.now(timezone.utc)).days <= 30


def test_deactivated_account_cannot_log_in(client, tree, make_user):
    make_user("u1", (tree.C1, "officer"), active=False)
    assert client.post("/auth/login", data={"username": "u1", "password": PASSWORD}).status_code == 422


def test_change_password_rejects_weak(client, db, tree, make_user, login):
    make_user("u1", (tree.C1, "officer"))
    login("u1")
    resp = client.post("/auth/password", data={"current": PASSWORD, "new": "abc", "confirm": "abc"})
    assert resp.status_code == 422 and "Mật khẩu cần ít nhất 10 ký tự." in errors_in(resp.data)
    resp = client.post("/auth/password", data={"current": PASSWORD, "new": "abcdefghijk", "confirm": "abcdefghijk"})
    assert "Mật khẩu cần có cả chữ và số." in errors_in(resp.data)
    resp = client.post("/auth/password", data={"current": "sai-roi-123", "new": "Doan-thanh-2026", "confirm": "Doan-thanh-2026"})
    assert "Mật khẩu hiện tại không đúng." in errors_in(resp.data)
    resp = client.post("/auth/password", data={"current": PASSWORD, "new": "Doan-thanh-2026", "confirm": "Doan-thanh-2026"})
    assert resp.status_code == 303
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"username": "u1", "password": "Doan-thanh-2026"}).status_code == 303


def _new_user_form(unit, role, **over):
    data = {"username": "moi.canbo", "full_name": "Đặng Thị Mới", "phone": "0912345678", "password": "Thanh-nien-2026",
            "unit_id": unit.id, "role": role}
    data.update(over)
    return data


def test_admin_creates_account_inside_subtree_only(client, db, tree, make_user, login):
    make_user("huyen.admin", (tree.D, "admin"), (tree.D, "officer"))
    login("huyen.admin")
    # outside the subtree
    resp = client.post("/auth/users/new", data=_new_user_form(tree.C3, "officer"))
    assert resp.status_code == 422 and any("ngoài phạm vi" in e for e in errors_in(resp.data))
    # a role the admin does not hold there
    resp = client.post("/auth/users/new", data=_new_user_form(tree.C1, "inspector"))
    assert resp.status_code == 422
    # weak password, kept input
    resp = client.post("/auth/users/new", data=_new_user_form(tree.C1, "officer", password="123"))
    assert resp.status_code == 422 and 'value="Đặng Thị Mới"' in resp.get_data(as_text=True)
    resp = client.post("/auth/users/new", data=_new_user_form(tree.C1, "officer"))
    assert resp.status_code == 303
    user = db.session.scalar(select(User).where(User.username == "moi.canbo"))
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == user.id))
    assert grant.unit_id == tree.C1.id and grant.role == "officer"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "grant.create")) is not None
    # duplicate username
    resp = client.post("/auth/users/new", data=_new_user_form(tree.C1, "officer"))
    assert "Tên đăng nhập này đã có người dùng." in errors_in(resp.data)


def test_admin_cannot_manage_accounts_above_or_beside(client, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    other = make_user("xa2.officer", (tree.C2, "officer"))
    boss = make_user("tinh.admin", (tree.P, "admin"))
    login("xa.admin")
    assert client.get(f"/auth/users/{other.id}").status_code == 403
    assert client.get(f"/auth/users/{boss.id}").status_code == 403
    assert client.post(f"/auth/users/{boss.id}/active", data={"active": "0"}).status_code == 403
    html = client.get("/auth/users").get_data(as_text=True)
    assert "xa2.officer" not in html and "tinh.admin" not in html


def test_deactivate_and_revoke_never_delete(client, db, tree, make_user, login):
    make_user("huyen.admin", (tree.D, "admin"), (tree.D, "officer"))
    u = make_user("xa.officer", (tree.C1, "officer"))
    login("huyen.admin")
    assert client.post(f"/auth/users/{u.id}/active", data={"active": "0"}).status_code == 303
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == u.id))
    assert client.post(f"/auth/grants/{grant.id}/revoke").status_code == 303
    db.session.expire_all()
    assert db.session.get(User, u.id).active is False
    g = db.session.get(RoleGrant, grant.id)
    assert g is not None and g.revoked_at is not None


def test_non_admin_has_no_account_pages(client, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    assert client.get("/auth/users").status_code == 403
    assert client.get("/audit/").status_code == 403
    assert "Tài khoản" not in client.get(f"/units/{tree.C1.id}").get_data(as_text=True)


def test_audit_log_filters_and_scope(client, db, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    make_user("xa2.admin", (tree.C2, "admin"))
    login("xa.admin")
    client.post(f"/units/{tree.C1.id}/new", data={"level_kind": "branch:residential", "name": "Chi đoàn Thôn Một Mới", "code": "T1M", "org_type": "union"})
    client.post("/auth/logout")
    login("xa2.admin")
    client.post(f"/units/{tree.C2.id}/new", data={"level_kind": "branch:residential", "name": "Chi đoàn Thôn Hai Mới", "code": "T2M", "org_type": "union"})
    html = client.get("/audit/").get_data(as_text=True).split('<section id="results">')[1]
    assert "Chi đoàn Thôn Hai Mới" in html and "Chi đoàn Thôn Một Mới" not in html
    def results(url):
        return client.get(url).get_data(as_text=True).split('<section id="results">')[1]

    assert "Chi đoàn Thôn Hai Mới" in results("/audit/?user=xa2&object=unit")
    assert "Chi đoàn Thôn Hai Mới" not in results("/audit/?user=khongco")
    resp = client.get("/audit/?from=31/02/2026")
    assert resp.status_code == 422 and "Ngày không hợp lệ" in resp.get_data(as_text=True)


def test_language_switch_is_post_and_english_works(client, tree, make_user, login):
    make_user("u1", (tree.C1, "officer"))
    login("u1")
    resp = client.post("/auth/language", data={"lang": "en", "next": f"/units/{tree.C1.id}"})
    assert resp.status_code == 303
    html = client.get(f"/units/{tree.C1.id}").get_data(as_text=True)
    assert 'lang="en"' in html


def test_changing_the_password_signs_out_other_devices(app, client, tree, make_user, login):
    make_user("u2", (tree.C1, "viewer"))
    login("u2")
    other = app.test_client()  # a second phone, with "remember me"
    assert other.post("/auth/login", data={"username": "u2", "password": PASSWORD, "remember": "y"}).status_code == 303
    assert other.get("/members/").status_code == 200
    resp = client.post("/auth/password", data={"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD})
    assert resp.status_code == 422 and "Mật khẩu mới phải khác mật khẩu hiện tại." in errors_in(resp.data)
    resp = client.post("/auth/password", data={"current": PASSWORD, "new": "Doan-thanh-2027", "confirm": "Doan-thanh-2027"})
    assert resp.status_code == 303
    assert client.get("/members/").status_code == 200  # this device stays signed in
    resp = other.get("/members/")
    assert resp.status_code == 302 and "/auth/login" in resp.location  # the other one, remember cookie and all, is not


def test_audit_log_reads_in_vietnamese_and_vietnam_days(client, db, tree, make_user, login):
    from datetime import datetime

    from app.audit.models import AuditEntry

    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    client.post(f"/units/{tree.C1.id}/new", data={"level_kind": "branch:residential", "name": "Chi đoàn Xóm Đêm",
                                                   "code": "XD", "org_type": "union"})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unit.create"))
    entry.at = datetime(2026, 11, 26, 20, 0)  # UTC: 03:00 on 27/11 in Vietnam
    db.session.commit()

    def results(url):
        return client.get(url).get_data(as_text=True).split('<section id="results">')[1]

    html = results("/audit/")
    assert "Tạo đơn vị" in html and "Đăng nhập" not in html and "27/11/2026 03:00" in html
    assert "Đăng nhập" in results("/audit/?logins=1")
    assert "Chi đoàn Xóm Đêm" in results("/audit/?from=27/11/2026&to=27/11/2026")
    assert "Chi đoàn Xóm Đêm" not in results("/audit/?from=26/11/2026&to=26/11/2026")
