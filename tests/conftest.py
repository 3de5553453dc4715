"""Fixtures: one app per test session on its own database (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set); every test starts from empty tables. Factories are callables."""
import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from jinja2 import BytecodeCache
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db as _db

PASSWORD = "mat-khau-2026"
# A cheap hash keeps factories, the demo's seeding and every sign-in fast; real accounts use scrypt (app/config.py).
FAST_METHOD = "pbkdf2:sha256:1000"
FAST_HASH = generate_password_hash(PASSWORD, method=FAST_METHOD)
_TMP = Path(tempfile.mkdtemp(prefix="sodoan-test-"))  # this process's databases; removed when it exits
atexit.register(shutil.rmtree, _TMP, True)

# Fixtures every test module sees: the seeded demo (once per run, copied per module), the browser, the factories.
pytest_plugins = ["tests.demo", "tests.browser_fixtures", "tests.factories_members", "tests.factories_activities",
                  "tests.factories_classes", "tests.factories_inspections", "tests.factories_review"]


def database_url():
    """Each pytest-xdist worker gets a database of its own (sodoan_test_gw0, sodoan_test_gw1 …)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{_TMP / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        parsed = make_url(url)
        url = parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)
    return url


def _create_postgres_database(url):
    import psycopg

    parsed = make_url(url)
    admin = f"postgresql://{parsed.username or 'postgres'}@{parsed.host or '127.0.0.1'}:{parsed.port or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def is_postgres():
    return database_url().startswith("postgresql")


def make_app(**overrides):
    config = {
        "TESTING": True,
        "APP_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(),
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": str(_TMP),
        "SQL_COUNT_HEADER": True,
        "PASSWORD_HASH_METHOD": FAST_METHOD,  # the demo's accounts and passwords set through the pages
    }
    config.update(overrides)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        # A test database need not wait for the disk at every commit (a crash loses nothing a test needs).
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                               "connect_args": {"options": "-c synchronous_commit=off"}}
    app = create_app(config)
    app.jinja_env.bytecode_cache = _TEMPLATES
    _APPS.append(app)
    return app


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per test process, not once per app (a run makes dozens of apps; compiling the
    templates a page needs costs each new app more than the page itself). Keyed by name and source checksum."""

    def __init__(self):
        self.code = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _CompiledTemplates()


_APPS = []


@pytest.fixture(scope="session", autouse=True)
def _dispose_engines():
    """Close every pooled connection of every app a test made (PostgreSQL warns about open ones)."""
    yield
    for app in _APPS:
        with app.app_context():
            _db.session.remove()
            for engine in _db.engines.values():
                engine.dispose()


@pytest.fixture(scope="session")
def app():
    if is_postgres():
        _create_postgres_database(database_url())
    app = make_app()
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _empty_tables_sql(dialect):
    """One script that empties every table (and, on PostgreSQL, restarts every id sequence): what TRUNCATE …
    RESTART IDENTITY did, at a thousandth of the cost (TRUNCATE replaces ~100 files per call: 1–2 s a test)."""
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    deletes = "; ".join(f'DELETE FROM "{t}"' for t in tables)
    if dialect == "postgresql":
        # replica mode skips the foreign-key triggers for this transaction, as PRAGMA foreign_keys=OFF does below
        return ("SET LOCAL session_replication_role = replica; " + deletes +
                "; SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"
                " AND c.relnamespace = 'public'::regnamespace")
    return deletes


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(_empty_tables_sql("postgresql"))
            else:
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                for statement in _empty_tables_sql("sqlite").split("; "):
                    conn.exec_driver_sql(statement)
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db


@pytest.fixture
def client(app):
    return app.test_client()


# ---- factories --------------------------------------------------------------------------------------
@pytest.fixture
def make_unit(db):
    from sqlalchemy import update

    from app.units.models import Unit, utcnow

    counter = {"n": 0}

    def factory(parent=None, level=None, kind=None, name=None, code=None, org_type=None, commit=True, **kw):
        counter["n"] += 1
        n = counter["n"]
        if level is None:
            level = {None: "province", "province": "district", "district": "commune", "commune": "branch"}[
                parent.level if parent else None]
        kind = kind or {"province": "province", "district": "district", "commune": "commune", "branch": "residential"}[level]
        unit = Unit(parent_id=parent.id if parent else None, depth=(parent.depth + 1) if parent else 0, level=level,
                    kind=kind, name=name or f"Đơn vị {n}", code=code or f"U{n}",
                    org_type=org_type or ("union" if level == "branch" else None), **kw)
        db.session.add(unit)
        db.session.flush()
        # The path names the new id. Written with a plain UPDATE (the row ends as the ORM's would: version 2), so the
        # standing hook does not take a unit made a moment ago for a moved one and recompute its (no) people's
        # standing at the commit: that cost every `tree` 8 refreshes, a quarter of a typical test's time.
        db.session.execute(update(Unit).where(Unit.id == unit.id).values(
            path=(parent.path if parent else "/") + f"{unit.id}/", version=Unit.version + 1, updated_at=utcnow()))
        db.session.expire(unit)
        if commit:
            db.session.commit()
        return unit

    return factory


@pytest.fixture
def make_user(db):
    from app.auth.models import RoleGrant, User

    def factory(username, *grants, full_name=None, active=True):
        """make_user("xa.officer", (commune, "officer"), (branch, "viewer"))"""
        user = User(username=username, full_name=full_name or f"Người dùng {username}", password_hash=FAST_HASH, active=active)
        db.session.add(user)
        db.session.flush()
        for unit, role in grants:
            db.session.add(RoleGrant(user_id=user.id, unit_id=unit.id, role=role))
        db.session.commit()
        return user

    return factory


@pytest.fixture
def tree(db, make_unit):
    """Province P; district D under P; communes C1, C2 under D and C3 directly under P; branches B1–B3."""
    class T:
        pass

    t = T()
    t.P = make_unit(name="Tỉnh đoàn Thử", code="P", commit=False)
    t.D = make_unit(t.P, name="Huyện đoàn Một", code="D", commit=False)
    t.C1 = make_unit(t.D, name="Đoàn xã An Phú", code="C1", commit=False)
    t.C2 = make_unit(t.D, name="Đoàn xã Bình Minh", code="C2", commit=False)
    t.C3 = make_unit(t.P, level="commune", kind="ward", name="Đoàn phường Hạc Thành", code="C3", commit=False)
    t.B1 = make_unit(t.C1, name="Chi đoàn Thôn 1", code="B1", commit=False)
    t.B2 = make_unit(t.C2, name="Chi đoàn Thôn 2", code="B2", commit=False)
    t.B3 = make_unit(t.C3, name="Chi hội Khu phố 3", code="B3", org_type="federation", commit=False)
    db.session.commit()  # one transaction for the eight
    return t


@pytest.fixture
def login(client):
    def do(user_or_name, password=PASSWORD):
        username = user_or_name if isinstance(user_or_name, str) else user_or_name.username
        resp = client.post("/auth/login", data={"username": username, "password": password})
        assert resp.status_code == 303, resp.status_code
        return resp

    return do


def errors_in(html):
    """The Vietnamese error messages shown beside fields."""
    if isinstance(html, bytes):
        html = html.decode()
    return re.findall(r'class="error"[^>]*>([^<]*)<', html)


HTMX = {"HX-Request": "true"}


def sql_count(resp):
    return int(resp.headers["X-SQL-Count"])
