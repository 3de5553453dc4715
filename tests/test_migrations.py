"""The schema comes only from Alembic: upgrade an empty database to head, then find no drift from the models."""
import uuid
from datetime import date

import alembic.command
import flask_migrate
import psycopg
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.extensions import db
from migrations.guard import DataLossRefused
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


def test_downgrading_the_restructuring_refuses_to_drop_its_rows_without_the_flag(empty_database_url):
    """0011's downgrade drops restructure_op & co.: with a row there it stops (naming the table and its count) unless
    `-x allow-data-loss=yes` is given; an empty table drops without the flag (the test above goes to base)."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        unit, op_ = db.metadata.tables["unit"], db.metadata.tables["restructure_op"]
        with db.engine.begin() as conn:
            unit_id = conn.execute(unit.insert().values(parent_id=None, depth=0, level="province", kind="province",
                                                        name="Tỉnh", code="P", path="/1/")).inserted_primary_key[0]
            conn.execute(op_.insert().values(kind="merge", status="done", scope_unit_id=unit_id, scope_path="/1/",
                                             decision="QĐ 1", effective_on=date(2026, 1, 1), params={},
                                             steps_total=0, steps_done=0))
        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(DataLossRefused, match=r"restructure_op \(1 rows\).*allow-data-loss=yes"):
            alembic.command.downgrade(config, "0010_year")
        assert "restructure_op" in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0011_restructure"

        flask_migrate.downgrade(revision="0010_year", x_arg=["allow-data-loss=yes"])
        tables = set(inspect(db.engine).get_table_names())
        assert not tables & {"restructure_op", "restructure_move", "unit_past_place", "person_past_unit"}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0010_year"
        db.engine.dispose()
