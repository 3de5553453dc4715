"""The `small` demo, seeded ONCE per test run into a template and copied for every module that needs it.

Seeding the demo takes several seconds; copying a SQLite file or creating a PostgreSQL database from a template
takes well under a second. Under pytest-xdist the first worker to finish collecting starts the seeding in a
background process (when the run has tests that need the demo), so the workers go on with other tests meanwhile;
whoever needs the demo first waits for it under a lock (fcntl) in the run's shared temporary folder, seeding it
itself if no one has. Each module gets its own copy, so a module may change the data without another module
seeing it.

Fixtures (registered for every test module by tests/conftest.py):
- `demo_app`  (module): an app on this module's own copy of the demo (the test database's engine: SQLite or
  PostgreSQL). Use `demo_app.test_client()`; `demo_db` for queries.
- `demo_db`   (function): `db` inside `demo_app`'s app context.
Browser tests use `sqlite_demo_copy()` through tests/browser_fixtures.py (the live server runs on SQLite).
"""
import fcntl
import itertools
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.extensions import db as _db

DEMO_SEED = 3
_copies = itertools.count(1)
_shared = {}


def _shared_dir():
    return _shared["dir"]


def _set_shared_dir(config):
    """A folder every worker of this run sees (xdist gives each worker basetemp/popen-gwN)."""
    if "dir" not in _shared:
        base = config._tmp_path_factory.getbasetemp()  # what the tmp_path_factory fixture returns
        _shared["dir"] = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def _demo_shared_dir(request):
    _set_shared_dir(request.config)
    yield


@pytest.hookimpl(trylast=True)  # after -m / -k deselection: only the tests that will run
def pytest_collection_modifyitems(config, items):
    """xdist worker: when some test needs the demo, the first worker here starts seeding it in the background."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    needs = {"demo_app", "demo_db", "live_demo", "live_url"}
    if not any(needs & set(item.fixturenames) for item in items):
        return
    _set_shared_dir(config)
    try:
        os.close(os.open(_shared_dir() / "demo-seeding.started", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return  # another worker started it
    browser = any({"live_demo", "live_url"} & set(item.fixturenames) for item in items)
    log = open(_shared_dir() / "demo-seeding.log", "wb")
    _shared["seeder"] = subprocess.Popen(
        [sys.executable, "-c", "import sys; from tests.demo import seed_templates; seed_templates(*sys.argv[1:])",
         str(_shared_dir()), "sqlite" if browser or not os.environ.get("TEST_DATABASE_URL") else "",
         "postgres" if os.environ.get("TEST_DATABASE_URL") else ""],
        cwd=Path(__file__).resolve().parent.parent, stdout=log, stderr=subprocess.STDOUT)
    log.close()


def pytest_sessionfinish(session):
    seeder = _shared.pop("seeder", None)
    if seeder is not None:
        seeder.wait()


def seed_templates(shared_dir, *engines):
    """The background seeder (a process of its own): the templates this run needs. A failure here costs only
    time: the first test that needs the demo then seeds it itself and shows the error."""
    import time

    _shared["dir"] = Path(shared_dir)
    for engine, build in (("sqlite", sqlite_template), ("postgres", postgres_template)):
        if engine in engines:
            started = time.perf_counter()
            build()
            print(f"{engine} demo template ready after {time.perf_counter() - started:.1f} s", flush=True)


@contextmanager
def _locked(name):
    fd = os.open(_shared_dir() / f"{name}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _seed_into(url):
    from app.seed import seed_demo
    from tests.conftest import make_app

    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        _db.create_all()
        seed_demo(size="small", seed=DEMO_SEED, echo=lambda *a: None)
        if url.startswith("sqlite"):
            _db.session.execute(_db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        _db.session.remove()
        _db.engine.dispose()


def sqlite_template():
    """The seeded SQLite demo file of this run (seeded by whichever worker asks first)."""
    path = _shared_dir() / "demo-template.db"
    with _locked("demo-sqlite"):
        if not path.exists():
            building = path.with_suffix(".building")
            for leftover in building.parent.glob(building.name + "*"):
                leftover.unlink()
            _seed_into(f"sqlite:///{building}")
            os.replace(building, path)
    return path


def sqlite_demo_copy(dest):
    """Copy the demo template to `dest` (a fresh file: any earlier copy and its WAL files are removed)."""
    dest = Path(dest)
    for old in (dest, Path(f"{dest}-wal"), Path(f"{dest}-shm")):
        if old.exists():
            old.unlink()
    shutil.copyfile(sqlite_template(), dest)
    return dest


def _pg_admin(url):
    import psycopg

    parsed = make_url(url)
    admin = f"postgresql://{parsed.username or 'postgres'}@{parsed.host or '127.0.0.1'}:{parsed.port or 5432}/postgres"
    return psycopg.connect(admin, autocommit=True)


def _pg_template_url():
    base = make_url(os.environ["TEST_DATABASE_URL"])
    return base.set(database=f"{base.database}_demo").render_as_string(hide_password=False)


def postgres_template():
    """The seeded PostgreSQL template database of this run (seeded by whichever process asks first); its name."""
    template = _pg_template_url()
    template_name = make_url(template).database
    with _locked("demo-postgres"):
        marker = _shared_dir() / "demo-postgres.done"
        if not marker.exists():
            with _pg_admin(template) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{template_name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{template_name}"')
            _seed_into(template)
            marker.touch()
    return template_name


def postgres_demo_copy(url):
    """Create the database of `url` from the run's template database."""
    template_name = postgres_template()
    name = make_url(url).database
    with _locked("demo-postgres"):  # CREATE DATABASE … TEMPLATE refuses a template another session is copying
        with _pg_admin(url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    return url


def drop_postgres(url):
    with _pg_admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def demo_copy_url():
    """A fresh copy of the demo on the tests' database engine; returns its URL."""
    from tests.conftest import _TMP, database_url, is_postgres

    n = next(_copies)
    if is_postgres():
        parsed = make_url(database_url())
        return postgres_demo_copy(parsed.set(database=f"{parsed.database}_demo{n}").render_as_string(hide_password=False))
    return f"sqlite:///{sqlite_demo_copy(_TMP / f'demo{n}.db')}"


@pytest.fixture(scope="module")
def demo_app():
    """An app on this module's own copy of the seeded demo."""
    from tests.conftest import make_app

    url = demo_copy_url()
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
    if url.startswith("postgresql"):
        drop_postgres(url)


@pytest.fixture
def demo_db(demo_app):
    with demo_app.app_context():
        yield _db
        _db.session.remove()
