"""Sổ Đoàn — application factory."""
import gc
import importlib
import os
import secrets
from pathlib import Path

from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .assets import init_assets
from .config import Config
from .errors import init_errors
from .extensions import babel, compress, csrf, db, htmx, login_manager, migrate
from .formatting import init_formatting, select_locale
from .health import init_health
from .nav import init_nav
from .web import init_web

ROOT = Path(__file__).resolve().parent.parent
# Domains in the order their blueprints are registered. Each is a package app/<name>/ exposing `bp`.
DOMAINS = ("units", "auth", "audit", "members", "activities", "classes", "inspections", "review", "targets", "year",
           "restructure")


def create_app(overrides=None):
    app = Flask(
        __name__,
        instance_path=str(Path(os.environ.get("INSTANCE_PATH", ROOT / "instance")).resolve()),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(Config)
    # Any setting may be given as SODOAN_<NAME> (JSON-parsed): SODOAN_CRITERIA_PERSON_MONTHS=6.
    app.config.from_prefixed_env("SODOAN")
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure_secret_key(app)
    if app.config.get("PROXY_COUNT"):  # behind nginx: the client's address is the proxy's X-Forwarded-For
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "sodoan.db")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "translations"))
    init_web(app)
    init_health(app)
    init_errors(app)
    init_assets(app)
    init_formatting(app)
    init_nav(app)

    for name in DOMAINS:  # importing a domain registers what it adds to the others (app/seams.py)
        app.register_blueprint(importlib.import_module(f"app.{name}").bp)

    from .cli import register_cli

    register_cli(app)
    return app


def tune_gc(app):
    """A serving process (wsgi.py, the benches) collects garbage less often: a request makes tens of thousands of
    short-lived objects (ORM rows, template output) that reference counting frees anyway, and the default gen-0
    threshold of 700 ran the collector dozens of times per page — the province's progress page p95 went 317 → 201 ms
    with (50,000, 20, 20). Not applied in the tests (a delayed collection would move a warning to another test)."""
    threshold = app.config.get("GC_THRESHOLD")
    if threshold:
        gc.set_threshold(*threshold)


def _configure_secret_key(app):
    key = app.config.get("SECRET_KEY")
    if key:
        size = len(key.encode() if isinstance(key, str) else key)
        if size < app.config.get("SECRET_KEY_MIN_BYTES", 32) and app.config.get("APP_ENV") not in ("development", "testing"):
            raise RuntimeError(
                f"SECRET_KEY quá ngắn ({size} byte): production needs at least 32 random bytes, "
                "e.g. export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        return
    if app.config.get("APP_ENV") in ("development", "testing"):
        # Development: generate once into instance/ and reuse, so sessions survive restarts.
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
        return
    raise RuntimeError(
        "SECRET_KEY chưa được đặt. Outside development Sổ Đoàn needs SECRET_KEY in the environment, "
        "e.g. export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
    )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite: enforce foreign keys and use WAL so readers do not block the writer.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        # A writer waits up to 15 s for another's commit (the driver's 5 s gave "database is locked" 503s to a
        # branch meeting's taps on a busy machine).
        cur.execute("PRAGMA busy_timeout=15000")
        cur.close()


@event.listens_for(Engine, "before_cursor_execute")
def _count_statements(conn, cursor, statement, parameters, context, executemany):
    # Per-request SQL statement counter: the page budget tests and the benchmark read it.
    try:
        if request:
            g.sql_count = g.get("sql_count", 0) + 1
    except RuntimeError:
        pass
