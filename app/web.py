"""Shared request helpers: partial rendering, assets, headers, filters, errors, pagination."""
import hashlib
import mimetypes
import math
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

from flask import Response, abort, current_app, g, has_request_context, redirect, request, url_for
from flask_babel import get_locale, refresh, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2_fragments.flask import render_block
from werkzeug.routing import IntegerConverter
from werkzeug.security import safe_join
from flask import render_template
from sqlalchemy import func, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from .extensions import db, login_manager

HTMX_FILE = "js/htmx-2.0.8.min.js"
ASSETS = ("css/app.css", "css/print.css", HTMX_FILE, "js/app.js")


def is_partial():
    """True for an htmx request that wants a fragment — not boosted navigation, not history restore."""
    h = request.headers
    return h.get("HX-Request") == "true" and h.get("HX-Boosted") != "true" and h.get("HX-History-Restore-Request") != "true"


def render(template, block=None, status=200, **context):
    """Render the page, or only `block` of it for an htmx fragment request."""
    if block and is_partial():
        return render_block(template, block, **context), status
    # A refused form on a long page: say so at the top, where the eye lands after the reload (JavaScript off).
    context.setdefault("form_refused", status == 422)
    return render_template(template, **context), status


def conflict_page(back, both=None):
    """Someone else saved this record first: roll back, say so (409), show what was typed, link to the newest.
    both: [(what, their value now stored, your value)] when the clash is known field by field."""
    db.session.rollback()
    return render("errors/conflict.html", status=409, back=back, both=both or [])


def see_other(endpoint, **values):
    """POST-redirect-GET."""
    return redirect(url_for(endpoint, **values), code=303)


def select_locale():
    if not has_request_context():  # CLI commands speak Vietnamese
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = request.cookies.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# ---- pagination -------------------------------------------------------------------------------------
class Page:
    def __init__(self, items, total, page, per_page):
        self.items, self.total, self.page, self.per_page = items, total, page, per_page
        self.pages = max(1, math.ceil(total / per_page)) if per_page else 1

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    def url(self, page):
        args = request.args.to_dict()
        args["page"] = page
        return request.path + "?" + urlencode(args)


# ---- integers from URLs --------------------------------------------------------------------------------
INT_MAX = 2**31 - 1  # PostgreSQL's integer: a bigger id cannot exist, and binding it would be a 500


class BoundedIntConverter(IntegerConverter):
    """<int:…> for every route: 1 … 2³¹−1, so /units/99999999999999999999 is a 404, never a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def arg_int(name, default=None, *, lo=1, hi=INT_MAX, source=None):
    """The one parser of integer query/form arguments: a whole number in [lo, hi], else `default`."""
    raw = (source if source is not None else request.args).get(name)
    raw = raw.strip() if isinstance(raw, str) else raw
    if not raw or not raw.lstrip("-").isdigit() or len(raw) > 12:
        return default
    value = int(raw)
    return value if lo <= value <= hi else default


PAGE_MAX = 100_000


def year_arg(default=None):
    """?year= as a year anyone records (1900 … 2199), else `default`."""
    return arg_int("year", default, lo=1900, hi=2199)



def page_arg(page=None):
    """The page number of every paginated list: ?page= within 1 … PAGE_MAX, else 1."""
    if isinstance(page, int) and 0 < page <= PAGE_MAX:
        return page
    return arg_int("page", 1, hi=PAGE_MAX)


def paginate(stmt, page=None, per_page=None):
    """Two statements whatever the size: a COUNT and one page of rows."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = page_arg(page)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items, total, page, per_page)


def typed_fields():
    """[(label, value)] of what a refused form carried (the conflict page shows it, so nothing typed is lost)."""
    from .audit.labels import field_label, format_value

    if not has_request_context() or request.method != "POST":
        return []
    skip = {"csrf_token", "version", "form_token", "token", "action", "mode", "back", "page", "_validate"}
    out = []
    for key in request.form:
        values = [v for v in request.form.getlist(key) if v.strip()]
        name = key.split("-", 1)[-1]  # prefixed forms: "accept-branch" → "branch"
        secret = "password" in key.lower() or name in ("current", "new", "confirm")  # never print a password
        if values and key not in skip and name not in skip and not secret:
            out.append((str(field_label(name)), ", ".join(format_value(name, v) for v in values)))
    return out


def may_open_unit(unit):
    """Breadcrumbs link only the units the user may open (a commune officer's province is plain text)."""
    from .access import has_role

    return current_user.is_authenticated and has_role(current_user, unit)


# ---- formatting --------------------------------------------------------------------------------------
def date_vn(value):
    if not value:
        return ""
    if isinstance(value, datetime):
        # Times are stored as naive UTC; people read them in Vietnam's time (BABEL_DEFAULT_TIMEZONE).
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return to_user_timezone(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _grouped(value):
    """1.610 in Vietnamese, 1,610 in English."""
    text = f"{int(value):,}"
    english = has_request_context() and str(get_locale()) == "en"
    return text if english else text.replace(",", ".")


def money_vn(value):
    if value is None:
        return ""
    return _grouped(value) + " đ"


def number_vn(value):
    return _grouped(value or 0)


# ---- assets: content-hashed URLs, cached immutably ---------------------------------------------------
def _asset_hashes(app):
    hashes = {}
    for name in ASSETS:
        path = Path(app.static_folder) / name
        if path.exists():
            hashes[name] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return hashes


def asset_url(name):
    h = current_app.extensions["asset_hashes"].get(name, "0")
    return url_for("asset", digest=h, filename=name)


def init_web(app):
    app.extensions["asset_hashes"] = _asset_hashes(app)
    app.url_map.converters["int"] = BoundedIntConverter  # before any blueprint adds its rules

    @app.route("/assets/<digest>/<path:filename>")
    def asset(digest, filename):
        # The digest is part of the name, so a changed file gets a new URL: cache forever.
        # Read into memory (the files are small) so Flask-Compress can gzip them.
        path = safe_join(app.static_folder, filename)
        if path is None or not Path(path).is_file():
            abort(404)
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        resp = Response(Path(path).read_bytes(), mimetype=mimetype)
        resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return resp

    @app.get("/")
    def home():
        return redirect(url_for("units.index"))

    app.jinja_env.filters.update(date_vn=date_vn, money_vn=money_vn, number_vn=number_vn)
    app.jinja_env.globals.update(asset_url=asset_url, HTMX_FILE=HTMX_FILE, get_locale=get_locale,
                                 may_open_unit=may_open_unit, typed_fields=typed_fields)
    app.jinja_env.add_extension("jinja2.ext.do")

    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id):
        from .auth.models import User

        uid, _sep, stamp = str(user_id).partition(":")
        user = db.session.get(User, int(uid)) if uid.isdigit() else None
        if user is None or not user.active or stamp != user.session_stamp:
            return None  # deactivated, or the password changed since this session began
        return user

    @app.before_request
    def fresh_request_state():
        # Tests may reuse one app context across requests: start every request from a clean slate.
        g.sql_count = 0
        g.pop("_grants", None)
        g.pop("_login_user", None)
        db.session.expire_all()
        refresh()  # Flask-Babel caches the locale on the app context

    @app.before_request
    def require_login():
        # Every page but login and static assets needs a signed-in user.
        if request.endpoint in (None, "static", "asset", "auth.login", "auth.set_language"):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.after_request
    def security_headers(resp):
        resp = _files_are_never_swapped(resp)
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
        )
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.vary.add("HX-Request")
        # A boosted form answered in place (422, a conflict) must not put its POST-only address in the address bar:
        # reloading it would be a 405 and lose what was typed. Redirects (303) push the page they lead to.
        if request.method == "POST" and request.headers.get("HX-Request") and not 300 <= resp.status_code < 400:
            resp.headers.setdefault("HX-Push-Url", "false")
        if current_app.config.get("SQL_COUNT_HEADER"):
            resp.headers["X-SQL-Count"] = str(g.get("sql_count", 0))
        # What a signed-in person sees (pages, person records, XLSX/CSV exports, PDFs, photos) is never kept by a
        # browser or proxy cache; hashed assets set their own long cache first.
        if "Cache-Control" not in resp.headers and (resp.mimetype == "text/html" or current_user.is_authenticated):
            resp.headers["Cache-Control"] = "no-store" if current_user.is_authenticated else "no-cache"
        return resp

    @app.context_processor
    def shell_context():
        return {"is_partial": is_partial(), "nav_items": _nav_items, "header_grant": _header_grant}

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, _error_page)

    @app.errorhandler(StaleDataError)
    def stale_data(err):
        # Two saves of one record at the same instant: the second's UPDATE … WHERE version = n matched nothing.
        # Nothing of it was written: say so with the conflict page (what was typed is shown), never a 500.
        referrer = request.referrer or ""
        return conflict_page(referrer if referrer.startswith(request.host_url) else request.path)

    @app.errorhandler(500)
    def internal_error(err):
        db.session.rollback()
        return render_template("errors/error.html", code=500), 500

    for exc in (OperationalError, InterfaceError, PoolTimeout):  # unreachable, dropped, or every connection busy
        app.register_error_handler(exc, database_unavailable)


def database_unavailable(err):
    """The database cannot be reached (down, restarting, connection dropped, locked): a Vietnamese 503 saying nothing
    was saved and to retry — never a bare 500. The page touches no table (no menu, no user)."""
    from flask_login import AnonymousUserMixin

    current_app.logger.warning("database unavailable: %s", str(err).splitlines()[0] if str(err) else type(err).__name__)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 — the connection is already gone; the pool drops it
        pass
    g._login_user = AnonymousUserMixin()  # nothing later in this request asks the database who is signed in
    resp = Response(render_template("errors/unavailable.html"), status=503, mimetype="text/html")
    resp.headers["Retry-After"] = "30"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _files_are_never_swapped(resp):
    """htmx puts whatever it receives into the page: a file (XLSX, CSV, PDF) fetched by a boosted link would
    appear as raw bytes. Answer an htmx request for a file with HTML that tells htmx to load the address as a
    normal navigation (HX-Redirect), which the browser then saves as a download."""
    if request.headers.get("HX-Request") != "true" or resp.mimetype == "text/html":
        return resp
    if resp.status_code == 204 or 300 <= resp.status_code < 400:
        return resp
    answer = Response("", status=200, mimetype="text/html")
    if request.method == "GET":
        answer.headers["HX-Redirect"] = request.script_root + request.full_path.rstrip("?")
    else:
        answer.headers["HX-Refresh"] = "true"
    answer.headers["Cache-Control"] = "no-store"
    return answer


def _error_page(err):
    code = getattr(err, "code", 500) or 500
    if code == 400 and "CSRF" in str(getattr(err, "description", "")):
        return render_template("errors/error.html", code=400, csrf=True), 400
    return render_template("errors/error.html", code=code), code


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def require(allowed):
    """403 unless the permission predicate said yes."""
    if not allowed:
        abort(403)


# Main navigation: (endpoint, label, roles that see it). A domain not yet installed is skipped.
NAV = (
    ("units.index", _l("Đơn vị"), None),
    ("members.index", _l("Đoàn viên"), None),
    ("activities.index", _l("Sinh hoạt"), None),
    ("classes.index", _l("Lớp học"), None),
    ("inspections.index", _l("Kiểm tra"), None),
    ("auth.users", _l("Tài khoản"), "admin"),
    ("audit.index", _l("Nhật ký"), "admin"),
)


def _nav_items():
    from .access import scope_paths

    items = []
    for endpoint, label, role in NAV:
        if endpoint not in current_app.view_functions:
            continue
        if role and not scope_paths(current_user, role):
            continue
        items.append((endpoint, label, request.endpoint and request.endpoint.split(".")[0] == endpoint.split(".")[0]))
    return items


def _header_grant():
    """The user's highest unit and its roles, for the header."""
    from .access import grants_of
    from .auth.models import ROLES
    from .units.models import Unit

    grants = grants_of(current_user)
    if not grants:
        return None
    top_path = min((p for _, _, p in grants), key=len)
    unit_id = next(uid for _, uid, p in grants if p == top_path)
    held = {r for r, _, p in grants if p == top_path}
    roles = [str(label) for key, label in ROLES.items() if key in held]
    label = roles[0] + (f" +{len(roles) - 1}" if len(roles) > 1 else "")
    unit = db.session.get(Unit, unit_id)
    return {"unit": unit, "roles": label, "more": len({p for _, _, p in grants}) - 1}
