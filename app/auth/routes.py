from urllib.parse import urlsplit

from flask import current_app, flash, g, make_response, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..access import authorize
from ..extensions import db
from ..forms import choices
from ..units.queries import get_unit, unit_from_args
from ..web import paginate, render, see_other
from . import bp, permissions, queries, services
from .recovery import KEEP_ACROSS_LOGIN
from .forms import ChangePasswordForm, EditUserForm, GrantForm, LoginForm, ResetPasswordForm, UserForm


def _safe_next(target):
    # Only same-site relative paths: never an open redirect.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        cfg = current_app.config
        ip = request.remote_addr
        wait = services.login_blocked_for(username=form.username.data, ip=ip, max_failures=cfg["LOGIN_MAX_FAILURES"],
                                          window=cfg["LOGIN_FAILURE_WINDOW"],
                                          account_max_failures=cfg["LOGIN_ACCOUNT_MAX_FAILURES"],
                                          account_window=cfg["LOGIN_ACCOUNT_WINDOW"],
                                          ip_max_failures=cfg["LOGIN_IP_MAX_FAILURES"])
        if wait:
            form.password.errors = [_("Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau %(n)s phút.", n=wait)]
            return render("auth/login.html", status=429, form=form)
        user, known = services.authenticate(username=form.username.data, password=form.password.data)
        services.note_login_attempt(username=form.username.data, ip=ip, success=user is not None)
        if user is None:
            if known is not None:
                services.record_failed_login(user=known, ip=ip)
            db.session.commit()
            form.password.errors = [_("Tên đăng nhập hoặc mật khẩu không đúng.")]
            return render("auth/login.html", form=form, form_refused=False)
        start_session(user, remember=form.remember.data)
        services.mark_logged_in(user=user)
        db.session.commit()
        return redirect(_safe_next(form.next.data) or url_for("home"), code=303)
    return render("auth/login.html", form=form, form_refused=False)


def start_session(user, remember=False):
    """A new session at sign-in: nothing of the anonymous one is carried over but the kept form (so a session id or
    CSRF token planted before sign-in is worthless after it)."""
    kept = {k: session[k] for k in KEEP_ACROSS_LOGIN if k in session}
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches the token for the request
    session.update(kept)
    login_user(user, remember=remember)


@bp.post("/logout")
def logout():
    """Sign-out ends the session on the server: the account's session generation moves on, so this cookie (or a copy
    of it, or a "remember me" cookie) no longer opens anything — on any device."""
    if current_user.is_authenticated:
        services.end_sessions(user=current_user._get_current_object())
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return see_other("auth.login")


@bp.post("/language")
def set_language():
    lang = request.form.get("lang")
    target = _safe_next(request.form.get("next")) or url_for("home")
    resp = make_response(redirect(target, code=303))
    if lang in current_app.config["LANGUAGES"]:
        resp.set_cookie("lang", lang, max_age=365 * 86400, samesite="Lax", httponly=True)
    return resp


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    form._username = current_user.username
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors = [_("Mật khẩu hiện tại không đúng.")]
        elif current_user.check_password(form.new.data):
            form.new.errors = [_("Mật khẩu mới phải khác mật khẩu hiện tại.")]
        else:
            user = current_user._get_current_object()
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            services.set_password(user=user, password=form.new.data)
            db.session.commit()
            start_session(user, remember=remembered)  # this device stays signed in; every other one is signed out
            flash(_("Đã đổi mật khẩu. Các thiết bị khác đã được đăng xuất."), "success")
            return see_other("home")
    return render("auth/password.html", form=form)


# ---- account administration -------------------------------------------------------------------------
@bp.get("/users")
def users():
    authorize(permissions.can_manage_accounts(current_user))
    unit = unit_from_args(current_user, "admin", strict=True)
    q = request.args.get("q", "").strip()
    page = paginate(queries.users_in_scope_stmt(current_user, q=q, unit=unit))
    return render("auth/users.html", block="results", page=page, q=q, unit=unit,
                  shown_grants=lambda u: queries.shown_grants(current_user, u))


def _unit_choices(form, selected=None):
    """The unit picker (tree order, branches included) with the admin's own lowest unit and the viewer role as
    defaults: a form saved untouched gives the least reach, never a province-wide admin."""
    units = queries.grantable_units(current_user)
    pairs = [(u.id, ("· " * u.depth) + u.name) for u in units]
    if selected is not None and selected.id not in {u.id for u in units}:
        pairs.insert(0, (selected.id, selected.name))
    form.unit_id.choices = choices(pairs)
    if not form.is_submitted() or "unit_id" not in request.form:
        default = selected or queries.own_lowest_unit(current_user)
        form.unit_id.data = default.id if default is not None else None
        form.role.data = "viewer"


def _allowed_unit(unit_id, role):
    unit = get_unit(unit_id)
    if unit is None or not permissions.can_grant(current_user, unit, role):
        return None
    return unit


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    authorize(permissions.can_manage_accounts(current_user))
    form = UserForm()
    _unit_choices(form, unit_from_args(current_user, "admin"))
    if form.validate_on_submit():
        unit = _allowed_unit(form.unit_id.data, form.role.data)
        if unit is None:
            form.role.errors = [_("Bạn không thể cấp vai trò này tại đơn vị đã chọn (ngoài phạm vi hoặc bạn không giữ vai trò đó).")]
        else:
            user = services.create_user(username=form.username.data, full_name=form.full_name.data,
                                        phone=form.phone.data, password=form.password.data, created_by=current_user,
                                        unit=unit)
            services.grant_role(user=user, unit=unit, role=form.role.data, granted_by=current_user)
            db.session.commit()
            flash(_("Đã tạo tài khoản %(u)s.", u=user.username), "success")
            return see_other("auth.user_detail", user_id=user.id)
    return render("auth/user_form.html", form=form, user=None)


@bp.get("/users/<int:user_id>")
def user_detail(user_id):
    user = queries.get_user_for(current_user, user_id)
    form = GrantForm()
    # ?unit= (from a unit's accounts page) presets the grant form there — the way to a branch in a large province
    _unit_choices(form, unit_from_args(current_user, "admin"))
    return render("auth/user_detail.html", user=user, grant_form=form, reset_form=ResetPasswordForm(),
                  revocable={g.id for g in user.grants if permissions.can_revoke(current_user, g)})


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id):
    user = queries.get_user_for(current_user, user_id)
    form = EditUserForm(obj=user)
    if form.validate_on_submit():
        services.update_user(user=user, expected_version=form.version.data, full_name=form.full_name.data, phone=form.phone.data)
        db.session.commit()
        flash(_("Đã lưu thay đổi."), "success")
        return see_other("auth.user_detail", user_id=user.id)
    return render("auth/user_form.html", form=form, user=user)


@bp.post("/users/<int:user_id>/grants")
def add_grant(user_id):
    user = queries.get_user_for(current_user, user_id)
    form = GrantForm()
    _unit_choices(form)
    if form.validate_on_submit():
        unit = _allowed_unit(form.unit_id.data, form.role.data)
        if unit is not None:
            services.grant_role(user=user, unit=unit, role=form.role.data, granted_by=current_user)
            db.session.commit()
            flash(_("Đã cấp quyền."), "success")
            return see_other("auth.user_detail", user_id=user.id)
        form.role.errors = [_("Bạn không thể cấp vai trò này tại đơn vị đã chọn (ngoài phạm vi hoặc bạn không giữ vai trò đó).")]
    return render("auth/user_detail.html", status=422, user=user, grant_form=form, reset_form=ResetPasswordForm(),
                  revocable={g.id for g in user.grants if permissions.can_revoke(current_user, g)})


@bp.post("/grants/<int:grant_id>/revoke")
def revoke_grant(grant_id):
    grant = queries.get_grant_for(current_user, grant_id, revoked_ok=True)
    if grant.revoked_at is None and services.revoke_grant(grant=grant, revoked_by=current_user):
        db.session.commit()
        flash(_("Đã thu hồi quyền."), "success")
    else:  # another admin revoked it a moment ago (or this form was opened before): nothing written, said so
        db.session.rollback()
        flash(_("Quyền này đã được thu hồi trước đó."), "warning")
        if not permissions.can_manage_user(current_user, grant.user, grant.user.grants):  # e.g. no grant left
            return see_other("auth.users")
    return see_other("auth.user_detail", user_id=grant.user_id)


@bp.post("/users/<int:user_id>/active")
def set_active(user_id):
    user = queries.get_user_for(current_user, user_id)
    active = request.form.get("active") == "1"
    services.set_active(user=user, active=active)
    db.session.commit()
    flash(_("Đã mở lại tài khoản.") if active else _("Đã khóa tài khoản. Tài khoản không bị xóa."), "success")
    return see_other("auth.user_detail", user_id=user.id)


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id):
    user = queries.get_user_for(current_user, user_id)
    form = ResetPasswordForm()
    form._username = user.username
    if form.validate_on_submit():
        services.set_password(user=user, password=form.password.data, by_admin=True)
        db.session.commit()
        flash(_("Đã đặt lại mật khẩu."), "success")
        return see_other("auth.user_detail", user_id=user.id)
    grant_form = GrantForm()
    _unit_choices(grant_form)
    return render("auth/user_detail.html", status=422, user=user, grant_form=grant_form, reset_form=form,
                  revocable={g.id for g in user.grants if permissions.can_revoke(current_user, g)})


