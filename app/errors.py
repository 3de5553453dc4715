"""What goes wrong, in one place: edit conflicts (a stale version), error pages, and the database being away.

Routes do not catch conflicts: a service raises ConflictError (or SQLAlchemy raises StaleDataError when two saves
meet in the same instant), and the one handler here rolls back and shows the conflict page (409) with what the
person typed, so nothing is lost. Its "open the newest" link is the route's @conflict_returns_to endpoint, else the
page itself when it answers GET, else the page the form was on."""
from flask import Response, current_app, g, render_template, request, url_for
from flask_login import AnonymousUserMixin
from sqlalchemy import inspect
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from .extensions import db
from .locks import lock_rows
from .web import render


class ConflictError(Exception):
    """The record changed since the form was opened: show a conflict page, never overwrite silently.
    `both`: [(what, their value now stored, your value)] when the clash is known field by field."""

    def __init__(self, obj, theirs=None, both=None):
        super().__init__(f"stale {obj!r}")
        self.obj = obj
        self.theirs = theirs or []  # [(label, value now stored)] for the conflict page, beside what was typed
        self.both = both or []


def conflict_returns_to(endpoint):
    """Route decorator: after a conflict, "open the newest" leads to `endpoint` (URL values from the request's)."""
    def decorate(view):
        view.conflict_endpoint = endpoint
        return view
    return decorate


def _conflict_back():
    view = current_app.view_functions.get(request.endpoint)
    endpoint = getattr(view, "conflict_endpoint", None)
    if endpoint:
        rule_args = next((r.arguments for r in current_app.url_map.iter_rules(endpoint)), set())
        return url_for(endpoint, **{k: v for k, v in (request.view_args or {}).items() if k in rule_args})
    if request.url_rule is not None and "GET" in (request.url_rule.methods or ()):
        return request.path
    referrer = request.referrer or ""
    return referrer if referrer.startswith(request.host_url) else url_for("home")


def conflict_page(back=None, both=None):
    """Someone else saved this record first: roll back, say so (409), show what was typed, link to the newest."""
    db.session.rollback()
    return render("errors/conflict.html", status=409, back=back or _conflict_back(), both=both or [])


def _on_conflict(err):
    return conflict_page(both=getattr(err, "both", None))


def error_page(err):
    code = getattr(err, "code", 500) or 500
    if code == 400 and "CSRF" in str(getattr(err, "description", "")):
        return render_template("errors/error.html", code=400, csrf=True), 400
    return render_template("errors/error.html", code=code), code


def _internal_error(err):
    db.session.rollback()
    return render_template("errors/error.html", code=500), 500


def database_unavailable(err):
    """The database cannot be reached (down, restarting, connection dropped, locked): a Vietnamese 503 saying nothing
    was saved and to retry — never a bare 500. The page touches no table (no menu, no user)."""
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


def init_errors(app):
    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, error_page)
    app.register_error_handler(500, _internal_error)
    # Two saves of one record at the same instant: the second's UPDATE … WHERE version = n matched nothing.
    app.register_error_handler(StaleDataError, _on_conflict)
    app.register_error_handler(ConflictError, _on_conflict)
    for exc in (OperationalError, InterfaceError, PoolTimeout):  # unreachable, dropped, or every connection busy
        app.register_error_handler(exc, database_unavailable)


def check_version(obj, expected_version, wanted=None):
    """Before an edit: lock the record's row (PostgreSQL: a twin request waits until this one commits), then refuse a
    form opened on an older version — unless everything it asks for is already stored (the same edit resent after
    its answer was lost: it answers as the first did). Returns True when there is nothing left to write.

    `wanted`: {attribute: value} the form would write, compared as the service would store them.
    """
    state = inspect(obj)
    if obj in db.session and state.identity and not db.session.is_modified(obj):
        lock_rows(state.mapper.primary_key[0], [state.identity[0]])
        db.session.refresh(obj)  # a fresh read, after the twin (if any) committed
    if expected_version is None or expected_version == obj.version:
        return False
    if wanted is not None and all(getattr(obj, k) == v for k, v in wanted.items()):
        return True
    raise ConflictError(obj)
