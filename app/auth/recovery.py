"""Nothing typed is lost when the session ends under a form.

A form sent after its session ended — signed out in another tab, the cookie gone, the page open so long its CSRF
token went stale — cannot be saved. Instead of a bare error page:

1. what it carried is kept server-side (`FormStash`: every field but passwords and the CSRF token, 32 KB at most),
   the browser's session holding only a random token;
2. the person is sent to the page the form was on (signed in: at once; signed out: through the sign-in page, with
   `next` pointing there) — htmx requests get the same through `HX-Redirect`; a one-tap htmx request gets 401/400,
   which the page shows beside the item ("not saved, reload");
3. on that page every form that has fields of the kept data is filled with it (not saved: the person checks it and
   saves again, with a fresh CSRF token; a stale `version` still meets the conflict page).

The kept data is shown only to the account that typed it (or, if the session had already ended, to whoever signs in
next on this browser within two hours), once, and only on the page it came from.
"""
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import form as wtf_form
from flask_wtf.csrf import CSRFError
from sqlalchemy import delete, func, select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound

from ..errors import error_page
from ..extensions import db, login_manager
from ..units.models import utcnow
from .models import FormStash

STASH_KEY = "form_stash"
KEEP_ACROSS_LOGIN = (STASH_KEY,)
MAX_AGE = timedelta(hours=2)
MAX_BYTES = 32 * 1024
MAX_ROWS_PER_DAY = 20000  # a flood of anonymous posts cannot fill the table
NEVER_KEPT = {"csrf_token", "current", "new", "confirm"}
NO_STASH_ENDPOINTS = {"auth.login", "auth.logout", "auth.change_password", "auth.set_language", "auth.reset_password"}


def _secret(key):
    return key in NEVER_KEPT or "password" in key.lower()


def _same_site_path(url):
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + ("?" + parts.query if parts.query else "")


def _answers_get(path):
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(urlsplit(path).path, method="GET")
        return True
    except (MethodNotAllowed, NotFound):
        return False
    except Exception:  # a redirect rule and the like
        return False


def return_path():
    """The page the form was on: htmx says where it is, a browser's Referer (same-origin policy) too; else the
    form's own address when it answers GET."""
    for candidate in (request.headers.get("HX-Current-URL"), request.referrer, request.full_path.rstrip("?")):
        path = _same_site_path(candidate)
        if path and _answers_get(path) and not path.startswith(url_for("auth.login")):
            return path
    return None


def stash_form(path):
    """Keep what this POST carried, for `path`. Returns True when something was kept."""
    if request.endpoint in NO_STASH_ENDPOINTS or not path:
        return False
    fields = [[k, v] for k, v in request.form.items(multi=True) if not _secret(k) and v.strip()]
    if not fields or sum(len(k) + len(v) for k, v in fields) > MAX_BYTES:
        return False
    now = utcnow()
    db.session.rollback()
    db.session.execute(delete(FormStash).where(FormStash.created_at < now - timedelta(days=1)))
    if db.session.scalar(select(func.count(FormStash.id)).where(FormStash.created_at >= now - timedelta(days=1))) \
            >= MAX_ROWS_PER_DAY:
        db.session.commit()
        return False
    user_id = current_user.id if current_user.is_authenticated else None
    token = session.get(STASH_KEY)
    row = db.session.scalar(select(FormStash).where(FormStash.token == token)) if token else None
    if row is None:
        row = FormStash(token=secrets.token_urlsafe(32), user_id=user_id, path=path, fields=fields, created_at=now)
        db.session.add(row)
    else:
        row.user_id, row.path, row.fields, row.created_at = user_id, path, fields, now
    db.session.commit()
    session[STASH_KEY] = row.token
    return True


def _go(target, code=303):
    """A redirect for a browser (303 after a POST), HX-Redirect (a full page load) for htmx."""
    if request.htmx:
        resp = current_app.response_class("", status=200)
        resp.headers["HX-Redirect"] = target
        return resp
    return redirect(target, code=code)


def _one_tap():
    """An htmx request that swaps a fragment (a tap on a roll): no page to fill, so answer an error the page shows."""
    return bool(request.htmx) and not request.htmx.boosted


def on_unauthorized():
    """Not signed in (any more). A form's data is kept; the sign-in page then leads back to the form's page."""
    if _one_tap():
        return current_app.response_class(_("Phiên đăng nhập đã hết. Hãy tải lại trang và đăng nhập."), status=401)
    if request.method == "POST":
        path = return_path()
        if stash_form(path):
            flash(_("Phiên đăng nhập đã hết nên biểu mẫu chưa được lưu. Những gì bạn vừa nhập đã được giữ lại — "
                    "đăng nhập để tiếp tục."), "info")
        return _go(url_for("auth.login", next=path) if path else url_for("auth.login"))
    return _go(url_for("auth.login", next=request.full_path.rstrip("?")), code=302)


def on_csrf_error(err):
    """A stale or missing CSRF token: keep the data, show the form's page again filled with it and a fresh token."""
    if _one_tap() or request.method != "POST":
        return error_page(err)
    path = return_path()
    if not stash_form(path):
        return error_page(err)
    if not current_user.is_authenticated:
        flash(_("Phiên đăng nhập đã hết nên biểu mẫu chưa được lưu. Những gì bạn vừa nhập đã được giữ lại — "
                "đăng nhập để tiếp tục."), "info")
        return _go(url_for("auth.login", next=path))
    return _go(path)


def load_stash():
    """Before a GET: the kept data for this page, if any (taken once: the session forgets it)."""
    token = session.get(STASH_KEY)
    if not token or request.method != "GET" or request.endpoint in ("static", "asset", "auth.login"):
        return
    if not current_user.is_authenticated:
        return
    row = db.session.scalar(select(FormStash).where(FormStash.token == token))
    if row is None or row.created_at < utcnow() - MAX_AGE or (row.user_id not in (None, current_user.id)):
        session.pop(STASH_KEY, None)
        return
    if row.path != request.full_path.rstrip("?"):
        return
    session.pop(STASH_KEY, None)
    g.kept_form = MultiDict([tuple(pair) for pair in row.fields])


_original_wrap = wtf_form.FlaskForm.Meta.wrap_formdata


def _wrap_formdata(meta, form, formdata):
    """Flask-WTF's own choice, except on the page of a kept form: its forms are filled with the kept data."""
    data = _original_wrap(meta, form, formdata)
    kept = g.get("kept_form") if formdata is wtf_form._Auto and data is None else None
    if kept and any(field.name in kept for field in form):
        if not g.get("kept_form_shown"):
            g.kept_form_shown = True
            flash(_("Những gì bạn nhập trước khi phiên làm việc hết hạn đã được điền lại. Chưa lưu: hãy kiểm tra rồi "
                    "bấm lưu lần nữa."), "info")
        return kept
    return data


def init_recovery(app):
    wtf_form.FlaskForm.Meta.wrap_formdata = _wrap_formdata
    login_manager.unauthorized_handler(on_unauthorized)
    app.register_error_handler(CSRFError, on_csrf_error)
    app.before_request(load_stash)
