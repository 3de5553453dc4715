"""Shared request helpers: fragment rendering, POST-redirect-GET, URL arguments, pagination, per-request hooks.
Error pages live in errors.py, formatting in formatting.py, assets in assets.py, the menu in nav.py."""
import math
from urllib.parse import urlencode

from flask import current_app, g, redirect, render_template, request, url_for
from flask_babel import refresh
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter
from wtforms import Form as _WTForm

from .access import has_role
from .extensions import db, login_manager


def is_partial():
    """True for an htmx request that wants a fragment — not boosted navigation, not history restore."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(template, block=None, status=None, **context):
    """Render the page, or only `block` of it for an htmx fragment request.

    The status, unless given: 422 when the context's `form` was submitted (a form that succeeded redirects, so a
    submitted form shown again was refused) — except an inline check (`_validate`) that found nothing wrong — else 200.
    A page with several forms passes `status`."""
    if status is not None and not isinstance(status, int):  # a page's own "status" passed by mistake: a bad HTTP line
        raise TypeError(f"render(status=) is the HTTP status, not {status!r}: name the page's own value otherwise")
    if status is None:
        form = context.get("form")
        refused = isinstance(form, _WTForm) and form.is_submitted()
        status = 422 if refused and (form.errors or not request.form.get("_validate")) else 200
    if block and is_partial():
        return render_block(template, block, **context), status
    # A refused form on a long page: say so at the top, where the eye lands after the reload (JavaScript off).
    context.setdefault("form_refused", status == 422)
    return render_template(template, **context), status


def see_other(endpoint, **values):
    """POST-redirect-GET."""
    return redirect(url_for(endpoint, **values), code=303)


# ---- integers from URLs --------------------------------------------------------------------------------
INT_MAX = 2**31 - 1  # PostgreSQL's integer: a bigger id cannot exist, and binding it would be a 500
PAGE_MAX = 100_000


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


def year_arg(default=None):
    """?year= as a year anyone records (1900 … 2199), else `default`."""
    return arg_int("year", default, lo=1900, hi=2199)


def page_arg(page=None):
    """The page number of every paginated list: ?page= within 1 … PAGE_MAX, else 1."""
    if isinstance(page, int) and 0 < page <= PAGE_MAX:
        return page
    return arg_int("page", 1, hi=PAGE_MAX)


# ---- pagination: the one paginator ---------------------------------------------------------------------
class Page:
    capped = False

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


def paginate(stmt, page=None, per_page=None, *, rows=False, cap=None, order=None):
    """The one paginator over SQL: two statements whatever the size, a COUNT and one page.
    rows: a select of several columns (items are Row tuples); else the first column's objects.
    cap: the count stops at `cap` (a province-wide list of 300,000 says "more than 10,000"; page.capped).
    order: order(stmt, capped) → the ordered statement, when the ordering depends on how many rows match."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = page_arg(page)
    counted = stmt.order_by(None) if cap is None else stmt.order_by(None).limit(cap + 1)
    total = db.session.scalar(select(func.count()).select_from(counted.subquery()))
    capped = cap is not None and total > cap
    if order is not None:
        stmt = order(stmt, capped)
    window = stmt.limit(per_page).offset((page - 1) * per_page)
    items = db.session.execute(window).all() if rows else db.session.scalars(window).unique().all()
    result = Page(items, min(total, cap) if capped else total, page, per_page)
    result.capped = capped
    return result


def paginate_list(items, page=None, per_page=None):
    """The same Page over a list already in memory (a table sorted by a computed share); past the end → the last."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    pages = max(1, math.ceil(len(items) / per_page))
    page = min(page_arg(page), pages)
    return Page(items[(page - 1) * per_page: page * per_page], len(items), page, per_page)


# ---- what templates ask of the request ---------------------------------------------------------------------
def may_open_unit(unit):
    """Breadcrumbs link only the units the user may open (a commune officer's province is plain text)."""
    return current_user.is_authenticated and has_role(current_user, unit)


# ---- per-request plumbing ---------------------------------------------------------------------------------
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")


def _fresh_request_state():
    # Tests may reuse one app context across requests: start every request from a clean slate.
    g.sql_count = 0
    g.pop("_grants", None)
    g.pop("_login_user", None)
    db.session.expire_all()
    refresh()  # Flask-Babel caches the locale on the app context


def _require_login():
    # Every page but login and static assets needs a signed-in user.
    if request.endpoint in (None, "static", "asset", "auth.login", "auth.set_language", "health_live", "health_ready"):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _files_are_never_swapped(resp):
    """htmx puts whatever it receives into the page: a file (XLSX, CSV, PDF) fetched by a boosted link would
    appear as raw bytes. Answer an htmx request for a file with HTML that tells htmx to load the address as a
    normal navigation (HX-Redirect), which the browser then saves as a download."""
    if not request.htmx or resp.mimetype == "text/html":
        return resp
    if resp.status_code == 204 or 300 <= resp.status_code < 400:
        return resp
    answer = current_app.response_class("", status=200, mimetype="text/html")
    if request.method == "GET":
        answer.headers["HX-Redirect"] = request.script_root + request.full_path.rstrip("?")
    else:
        answer.headers["HX-Refresh"] = "true"
    answer.headers["Cache-Control"] = "no-store"
    return answer


def _response_headers(resp):
    resp = _files_are_never_swapped(resp)
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.vary.add("HX-Request")
    # A boosted form answered in place (422, a conflict) must not put its POST-only address in the address bar:
    # reloading it would be a 405 and lose what was typed. Redirects (303) push the page they lead to.
    if request.method == "POST" and request.htmx and not 300 <= resp.status_code < 400:
        resp.headers.setdefault("HX-Push-Url", "false")
    if current_app.config.get("SQL_COUNT_HEADER"):
        resp.headers["X-SQL-Count"] = str(g.get("sql_count", 0))
    # What a signed-in person sees (pages, person records, XLSX/CSV exports, PDFs, photos) is never kept by a
    # browser or proxy cache; hashed assets set their own long cache first.
    if "Cache-Control" not in resp.headers and (resp.mimetype == "text/html" or current_user.is_authenticated):
        resp.headers["Cache-Control"] = "no-store" if current_user.is_authenticated else "no-cache"
    return resp


def init_web(app):
    app.url_map.converters["int"] = BoundedIntConverter  # before any blueprint adds its rules
    app.before_request(_fresh_request_state)
    app.before_request(_require_login)
    app.after_request(_response_headers)
    app.jinja_env.globals.update(may_open_unit=may_open_unit)
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def partial_context():
        return {"is_partial": is_partial()}

    @app.get("/")
    def home():
        return redirect(url_for("units.index"))
