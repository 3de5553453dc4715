"""Health routes for the process manager and the load balancer, answered without signing in and without a session:

- `/healthz` (liveness): the process answers. No database: a slow database must not get healthy workers killed.
- `/readyz` (readiness): the database answers, and its schema is the one this code was written for (the Alembic
  revision stored in the database is the newest migration on disk). 503 with the reason otherwise, so a balancer
  sends no traffic to an instance started before `flask db upgrade` ran, or one that lost its database.

Both answer JSON, are never cached, and run at most three statements.
"""
from functools import lru_cache

from flask import current_app, jsonify
from sqlalchemy import inspect, text

from .extensions import db

ENDPOINTS = ("health_live", "health_ready")


@lru_cache(maxsize=1)
def code_head(directory):
    """The newest migration on disk (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(cfg).get_current_head()


def _no_store(resp, status=200):
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    return resp


def init_health(app):
    @app.get("/healthz", endpoint="health_live")
    def live():
        return _no_store(jsonify(status="ok"))

    @app.get("/readyz", endpoint="health_ready")
    def ready():
        try:
            db.session.execute(text("SELECT 1"))
            has_version = inspect(db.engine).has_table("alembic_version")
            stored = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                if has_version else None
        except Exception as exc:  # noqa: BLE001 — any failure to reach the database is "not ready", said why
            db.session.rollback()
            return _no_store(jsonify(status="unavailable", database=f"{type(exc).__name__}"), 503)
        finally:
            db.session.remove()
        head = code_head(current_app.extensions["migrate"].directory)
        if has_version and stored != head:
            return _no_store(jsonify(status="unavailable", database="ok", migration=stored, expected=head), 503)
        # a database made by create_all (the tests) has no stored revision: reachable is all it can say
        return _no_store(jsonify(status="ok", database="ok", migration=stored or "unmanaged", expected=head))
