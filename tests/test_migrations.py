"""The schema comes only from Alembic: upgrade an empty database to head, then find no drift from the models."""
import uuid

import flask_migrate
import psycopg
import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from app.extensions import db
from tests.conftest import _TMP, database_url, is_postgres, make_app


@pytest.fixture
def empty_database_url():
    if not is_postgres():
        yield f"sqlite:///{_TMP / ('migrate-' + uuid.uuid4().hex[:8] + '.db')}"
        return
    url = make_url(database_url())
    name = f"{url.database}_migrate"
    admin = f"postgresql://{url.username or 'postgres'}@{url.host or '127.0.0.1'}:{url.port or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_from_empty_then_no_drift(empty_database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"unit", "user_account", "role_grant", "audit_entry"} <= tables
        assert set(db.metadata.tables) <= tables
        flask_migrate.check()  # raises when the models and the migrations disagree
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
