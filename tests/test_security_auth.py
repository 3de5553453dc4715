"""Trust under pressure, the account side: takeover between admins, throttling, sessions, masked-ID search, the
duplicate-ID oracle, moves into sibling branches, production config (issue 8 items 8-move, 9, 10, 13, 14, 16; issue 9
item 4)."""
import re
import statistics
import time
from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app import create_app
from app.audit.models import AuditEntry
from app.auth.models import LoginAttempt, RoleGrant, User
from app.auth.passwords import password_problem
from app.members.models import Person
from tests.conftest import PASSWORD, errors_in, make_app
from tests.factories_members import *  # noqa: F401,F403


def _results(html):
    return html.split('<section id="results">', 1)[1]


# ---- item 9: an admin acts only on accounts no stronger than themself ----------------------------------------------
def test_admin_only_account_cannot_touch_an_officer_account(client, db, tree, make_user, login):
    make_user("huyen.admin", (tree.D, "admin"))  # admin only: holds no officer role
    target = make_user("xa.officer", (tree.C1, "officer"))
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == target.id))
    login("huyen.admin")
    assert client.get(f"/auth/users/{target.id}").status_code == 403
    assert client.post(f"/auth/users/{target.id}/password", data={"password": "Truong-thon-2026x"}).status_code == 403
    assert client.post(f"/auth/users/{target.id}/active", data={"active": "0"}).status_code == 403
    assert client.post(f"/auth/grants/{grant.id}/revoke").status_code == 403
    db.session.expire_all()
    assert db.session.get(User, target.id).active is True
    assert db.session.get(RoleGrant, grant.id).revoked_at is None
    # a viewer account is within reach of a bare admin
    viewer = make_user("xa.viewer", (tree.C1, "viewer"))
    assert client.post(f"/auth/users/{viewer.id}/active", data={"active": "0"}).status_code == 303


def test_account_with_one_grant_outside_the_subtree_is_out_of_reach(client, db, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"), (tree.C1, "officer"))
    both = make_user("hai.noi", (tree.C1, "officer"), (tree.C3, "inspector"), full_name="Hai Nơi")
    inside = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == both.id, RoleGrant.unit_id == tree.C1.id))
    login("xa.admin")
    assert client.get(f"/auth/users/{both.id}").status_code == 403
    assert client.post(f"/auth/grants/{inside.id}/revoke").status_code == 403
    # the list names the account (it holds a grant here) but only the grant inside the viewer's subtree
    html = _results(client.get("/auth/users").get_data(as_text=True))
    assert "Hai Nơi" in html and "Đoàn xã An Phú" in html
    assert "Đoàn phường Hạc Thành" not in html and "Kiểm tra" not in html


def test_account_changes_and_failed_sign_ins_reach_the_admins_of_its_units(client, db, tree, make_user, login):
    make_user("huyen.admin", (tree.D, "admin"), (tree.D, "officer"))
    make_user("xa.admin", (tree.C1, "admin"))
    make_user("xa2.admin", (tree.C2, "admin"))
    target = make_user("xa.canbo", (tree.C1, "officer"), full_name="Cán Bộ Xã")
    login("huyen.admin")
    assert client.post(f"/auth/users/{target.id}/active", data={"active": "0"}).status_code == 303
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"username": "xa.canbo", "password": "sai-mat-khau-1"}).status_code == 422
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.deactivate"))
    assert entry.unit_id == tree.C1.id
    login("xa.admin")
    html = _results(client.get("/audit/").get_data(as_text=True))
    assert "Khóa tài khoản" in html and "Đăng nhập sai mật khẩu" in html and "xa.canbo" in html
    client.post("/auth/logout")
    login("xa2.admin")  # another commune's admin sees neither
    html = _results(client.get("/audit/").get_data(as_text=True))
    assert "xa.canbo" not in html


# ---- issue 9 item 4: account forms default to the least reach -------------------------------------------------
def test_account_form_defaults_to_own_lowest_unit_and_viewer(client, db, tree, make_user, login):
    make_user("hai.cap", (tree.D, "admin"), (tree.D, "officer"), (tree.C1, "admin"), (tree.C1, "officer"))
    login("hai.cap")
    html = client.get("/auth/users/new").get_data(as_text=True)
    selected_unit = re.search(r'<select[^>]*name="unit_id".*?<option selected value="(\d+)"', html, re.S) or \
        re.search(r'<select[^>]*name="unit_id".*?<option value="(\d+)" selected', html, re.S)
    assert selected_unit and int(selected_unit.group(1)) == tree.C1.id
    assert re.search(r'<option (selected value="viewer"|value="viewer" selected)', html)
    assert f'value="{tree.B1.id}"' in html  # branches are grantable
    # saving the form untouched (what the browser sends) gives a viewer of the commune
    data = {"username": "moi.nguoi", "full_name": "Người Mới", "password": "Thanh-nien-2026",
            "unit_id": str(tree.C1.id), "role": "viewer"}
    assert client.post("/auth/users/new", data=data).status_code == 303
    grant = db.session.scalar(select(RoleGrant).join(User, User.id == RoleGrant.user_id)
                              .where(User.username == "moi.nguoi"))
    assert (grant.unit_id, grant.role) == (tree.C1.id, "viewer")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
    assert entry.unit_id == tree.C1.id


def test_admin_grant_needs_explicit_confirmation_and_branch_grant_works(client, db, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"), (tree.C1, "officer"))
    login("xa.admin")
    data = {"username": "bi.thu", "full_name": "Bí Thư Chi Đoàn", "password": "Thanh-nien-2026",
            "unit_id": str(tree.C1.id), "role": "admin"}
    resp = client.post("/auth/users/new", data=data)
    assert resp.status_code == 422 and any("Đánh dấu ô xác nhận" in e for e in errors_in(resp.data))
    assert 'name="confirm_admin"' in resp.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "bi.thu")) is None
    assert client.post("/auth/users/new", data=dict(data, confirm_admin="y")).status_code == 303
    # a branch secretary: officer of the branch, through the grant form on the account page
    user = db.session.scalar(select(User).where(User.username == "bi.thu"))
    other = make_user("thu.ky", (tree.C1, "viewer"))
    html = client.get(f"/auth/users/{other.id}?unit={tree.B1.id}").get_data(as_text=True)
    assert re.search(rf'<option (selected value="{tree.B1.id}"|value="{tree.B1.id}" selected)', html)
    resp = client.post(f"/auth/users/{other.id}/grants", data={"unit_id": str(tree.B1.id), "role": "officer"})
    assert resp.status_code == 303
    assert db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == other.id, RoleGrant.unit_id == tree.B1.id,
                                                     RoleGrant.role == "officer")) is not None
    assert user is not None


# ---- item 13: sign-in throttling ----------------------------------------------------------------------------
def _attempt(client, username, password, ip, **headers):
    return client.post("/auth/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip}, headers=headers)


def test_lock_is_per_account_and_address(app, client, tree, make_user):
    make_user("u1", (tree.C1, "officer"))
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _attempt(client, "u1", "sai-mat-khau-1", "10.0.0.1").status_code == 422
    assert _attempt(client, "u1", PASSWORD, "10.0.0.1").status_code == 429  # the guesser's address is locked
    other = app.test_client()
    assert _attempt(other, "u1", PASSWORD, "10.0.0.2").status_code == 303  # the owner elsewhere is not


def test_slower_global_limit_per_account_and_per_address_limit(app, client, tree, make_user):
    make_user("u1", (tree.C1, "officer"))
    per_ip = app.config["LOGIN_MAX_FAILURES"]
    total = app.config["LOGIN_ACCOUNT_MAX_FAILURES"]
    for i in range(total):  # spread over many addresses, under each address's own limit
        assert _attempt(client, "u1", "sai-mat-khau-1", f"10.1.{i // per_ip}.1").status_code == 422
    assert _attempt(client, "u1", PASSWORD, "10.9.9.9").status_code == 429
    # one address trying many accounts is stopped too (README: 20 in 15 minutes)
    for i in range(app.config["LOGIN_IP_MAX_FAILURES"]):
        assert _attempt(client, f"khong.co.{i}", "sai-mat-khau-1", "10.2.0.1").status_code == 422
    assert _attempt(client, "khong.co.x", "sai-mat-khau-1", "10.2.0.1").status_code == 429


def test_proxy_count_reads_the_client_address_from_the_proxy(app, db, tree, make_user):
    make_user("u1", (tree.C1, "officer"))
    behind = make_app(PROXY_COUNT=1)
    c = behind.test_client()
    resp = c.post("/auth/login", data={"username": "u1", "password": "sai-mat-khau-1"},
                  environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "203.0.113.7"})
    assert resp.status_code == 422
    assert db.session.scalar(select(LoginAttempt.ip)) == "203.0.113.7"
    # without a configured proxy the header is not trusted
    plain = app.test_client()
    plain.post("/auth/login", data={"username": "u1", "password": "sai-mat-khau-1"},
               environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "198.51.100.1"})
    assert "198.51.100.1" not in set(db.session.scalars(select(LoginAttempt.ip)))


def test_unknown_and_known_usernames_take_the_same_time(app, client, db, tree, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")  # production's method, not the tests' cheap one
    u = make_user("that.su", (tree.C1, "officer"))
    u.password_hash = generate_password_hash("Mat-khau-that-2026", method="scrypt")  # the real (slow) hash
    db.session.commit()

    def timed(username, ip):
        t = time.perf_counter()
        assert _attempt(client, username, "sai-mat-khau-1", ip).status_code == 422
        return time.perf_counter() - t

    timed("khong.ton.tai", "10.3.0.0")  # warm-up (the dummy hash is made once)
    known = [timed("that.su", f"10.3.0.{i}") for i in range(3)]
    unknown = [timed("khong.ton.tai", f"10.3.1.{i}") for i in range(3)]
    k, n = statistics.median(known), statistics.median(unknown)
    assert n > 0.5 * k and k > 0.5 * n, (known, unknown)


@pytest.mark.parametrize("weak", ["password2026", "Dragon123456", "iloveyou1234", "matkhau2026!", "qwerty123456",
                                  "123456qwerty", "Sunshine2026"])
def test_common_and_leaked_passwords_are_refused(app, weak):
    with app.test_request_context():
        assert password_problem(weak) is not None


def test_demo_password_refused_outside_the_demo_and_min_length(app):
    with app.test_request_context():
        assert password_problem("sodoan-2026") is None  # the demo (and tests) may use it
        assert password_problem("Doan-xa-26") is None  # 10 characters is enough
        assert "10" in password_problem("Doan-xa-2")
    prod = create_app({"APP_ENV": "production", "SECRET_KEY": "x" * 64, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with prod.test_request_context():
        assert "chạy thử" in password_problem("sodoan-2026")
        assert password_problem("Doan-thanh-2026") is None


# ---- item 14: sign-out ends the session on the server; sign-in rotates it -------------------------------------------
def test_logout_makes_copied_session_and_remember_cookies_worthless(app, client, tree, make_user):
    make_user("u1", (tree.C1, "viewer"))
    resp = client.post("/auth/login", data={"username": "u1", "password": PASSWORD, "remember": "y"})
    assert resp.status_code == 303
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value
    thief = app.test_client()
    thief.set_cookie("session", session_cookie)
    assert thief.get("/members/").status_code == 200  # the copy works while the owner is signed in
    only_remember = app.test_client()
    only_remember.set_cookie("remember_token", remember_cookie)
    assert only_remember.get("/members/").status_code == 200
    assert client.post("/auth/logout").status_code == 303
    for c in (thief, only_remember):
        c.delete_cookie("session") if c is only_remember else None
        resp = c.get("/members/")
        assert resp.status_code == 302 and "/auth/login" in resp.location
    replay = app.test_client()
    replay.set_cookie("session", session_cookie)
    replay.set_cookie("remember_token", remember_cookie)
    assert replay.get("/members/").status_code == 302
    # signing in again works, and a fresh session is good
    assert client.post("/auth/login", data={"username": "u1", "password": PASSWORD}).status_code == 303
    assert client.get("/members/").status_code == 200


def test_login_rotates_the_session_and_csrf_token(tree, make_user):
    make_user("u1", (tree.C1, "viewer"))
    strict = make_app(WTF_CSRF_ENABLED=True)
    c = strict.test_client()
    html = c.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    with c.session_transaction() as s:
        before = s["csrf_token"]
        s["planted"] = "attacker"
    resp = c.post("/auth/login", data={"username": "u1", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 303
    c.get("/members/")
    with c.session_transaction() as s:
        assert "planted" not in s
        assert s.get("csrf_token") and s["csrf_token"] != before


# ---- item 16: production config ------------------------------------------------------------------------------
def test_short_secret_key_refused_in_production():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SECRET_KEY": "ngan-qua-31-byte-xxxxxxxxxxxxxx", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert create_app({"APP_ENV": "production", "SECRET_KEY": "k" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_exports_and_person_pages_are_not_cached(client, tree, make_user, login, make_person):
    p = make_person(tree.B1, "Trần Văn Bình", citizen_id="038200001111")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    for url in ("/members/export.csv", "/members/export.xlsx", f"/members/{p.id}"):
        resp = client.get(url)
        assert resp.status_code == 200 and resp.headers.get("Cache-Control") == "no-store", url


# ---- item 10: masked IDs cannot be searched for, the duplicate answer is no oracle ---------------------------------
def test_citizen_id_and_phone_search_only_for_those_who_see_them_unmasked(client, tree, make_user, login, make_person):
    make_person(tree.B1, "Phạm Thu Hà", citizen_id="038304005678", phone="0912555666")
    make_user("xa.viewer", (tree.C1, "viewer"))
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.viewer")
    assert "Phạm Thu Hà" in client.get("/members/?q=pham").get_data(as_text=True)  # the person is visible
    assert "Phạm Thu Hà" not in client.get("/members/?q=038304005678").get_data(as_text=True)
    assert "Phạm Thu Hà" not in client.get("/members/?q=0912555").get_data(as_text=True)
    client.post("/auth/logout")
    login("xa.officer")
    assert "Phạm Thu Hà" in client.get("/members/?q=038304005678").get_data(as_text=True)
    assert "Phạm Thu Hà" in client.get("/members/?q=0912555").get_data(as_text=True)


NEW_PERSON = {"full_name": "Ngô Văn Mới", "birth_date": "05/03/2004", "sex": "male", "member_type": "union",
              "citizen_id": "038200007777", "occupation": "worker", "joined_on": "26/03/2020", "form_token": "tok-9"}


def test_duplicate_citizen_id_is_named_only_to_those_with_rights_over_the_holder(client, db, tree, make_user, login,
                                                                               make_person):
    holder = make_person(tree.B1, "Lê Thị Kín", citizen_id="038200007777")
    make_user("nhin.xa1", (tree.C2, "officer"), (tree.C1, "viewer"))  # sees the holder, may not edit her
    login("nhin.xa1")
    resp = client.post(f"/members/new?unit={tree.C2.id}", data=dict(NEW_PERSON, branch=str(tree.B2.id)))
    assert resp.status_code == 422
    assert "Lê Thị Kín" not in resp.get_data(as_text=True)
    assert any("Không dùng được số CCCD này" in e for e in errors_in(resp.data))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.citizen_id_refused"))
    assert entry is not None and entry.object_id == holder.id and entry.unit_id == tree.B1.id
    assert db.session.scalar(select(Person).where(Person.full_name == "Ngô Văn Mới")) is None
    client.post("/auth/logout")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")  # an officer over the holder is told who it is
    resp = client.post(f"/members/new?unit={tree.C1.id}", data=dict(NEW_PERSON, branch=str(tree.B1.id)))
    assert resp.status_code == 422 and any("Lê Thị Kín" in e for e in errors_in(resp.data))


# ---- item 8 (moves): a branch officer cannot move people into a sibling branch ---------------------------------
def test_branch_officer_cannot_move_people_into_a_sibling_branch(client, db, tree, make_user, login, make_person,
                                                                 make_unit):
    sibling = make_unit(tree.C1, name="Chi đoàn Thôn 9", code="B9")
    p = make_person(tree.B1, "Đỗ Văn Chuyển")
    make_user("chi.officer", (tree.B1, "officer"))
    login("chi.officer")
    page = client.get(f"/members/{p.id}/transfer").get_data(as_text=True)
    assert "Chi đoàn Thôn 9" not in page
    resp = client.post(f"/members/{p.id}/transfer", data={"mode": "move", "move-branch": str(sibling.id),
                                                          "move-on": date.today().strftime("%d/%m/%Y"),
                                                          "move-version": str(p.version)})
    assert resp.status_code == 422
    db.session.expire_all()
    assert db.session.get(Person, p.id).unit_id == tree.B1.id
    # the commune's officer still can
    client.post("/auth/logout")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post(f"/members/{p.id}/transfer", data={"mode": "move", "move-branch": str(sibling.id),
                                                          "move-on": date.today().strftime("%d/%m/%Y"),
                                                          "move-version": str(p.version)})
    assert resp.status_code == 303
    db.session.expire_all()
    assert db.session.get(Person, p.id).unit_id == sibling.id


def test_two_admins_revoking_one_grant_record_one_revocation(client, db, tree, make_user, login, monkeypatch):
    """QA with real parallel requests (gunicorn + PostgreSQL, and the SQLite dev server): two admins tapping "Thu hồi"
    on one grant both got "revoked", the later overwrote who revoked it, and the audit had two entries; a revoke
    form opened before another admin's revoke answered 404. One revocation, kept as written; the other is told."""
    from sqlalchemy import update

    from app.auth import queries as auth_queries

    first = make_user("tinh.admin", (tree.P, "admin"), (tree.P, "viewer"))
    make_user("xa.admin", (tree.C1, "admin"), (tree.C1, "viewer"))
    target = make_user("xa.viewer", (tree.C1, "viewer"))
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == target.id))
    login("xa.admin")
    real = auth_queries.get_grant_for

    def loaded_then_the_other_admin_revokes(admin, grant_id, **kw):
        loaded = real(admin, grant_id, **kw)  # this request has read the grant, still active…
        with db.engine.begin() as other:  # …and the other admin's revocation commits now
            other.execute(update(RoleGrant).where(RoleGrant.id == grant_id)
                          .values(revoked_at=loaded.granted_at, revoked_by_id=first.id))
        return loaded

    monkeypatch.setattr(auth_queries, "get_grant_for", loaded_then_the_other_admin_revokes)
    resp = client.post(f"/auth/grants/{grant.id}/revoke")
    monkeypatch.setattr(auth_queries, "get_grant_for", real)
    assert resp.status_code == 303
    db.session.expire_all()
    assert db.session.get(RoleGrant, grant.id).revoked_by_id == first.id  # the first revocation stands
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "grant.revoke")) is None
    assert "Quyền này đã được thu hồi trước đó." in client.get(resp.location).get_data(as_text=True)
    late = client.post(f"/auth/grants/{grant.id}/revoke")  # a page opened before, submitted after: said so, not 404
    assert late.status_code == 303
    assert "Quyền này đã được thu hồi trước đó." in client.get(late.location).get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "grant.revoke")) is None
