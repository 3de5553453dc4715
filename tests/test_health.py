"""The health routes: liveness without the database, readiness with it and the schema's revision."""
from sqlalchemy import text

from app.health import code_head


def test_liveness_and_readiness_answer_without_signing_in(client, db):
    live = client.get("/healthz")
    assert live.status_code == 200 and live.json == {"status": "ok"}
    assert live.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in live.headers
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["database"] == "ok"
    assert ready.json["expected"] == code_head(client.application.extensions["migrate"].directory)


def test_not_ready_when_the_schema_is_behind_the_code(client, db):
    """An instance started before `flask db upgrade` gets no traffic: 503 naming both revisions."""
    db.session.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)"))
    db.session.execute(text("DELETE FROM alembic_version"))
    db.session.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0010_year')"))
    db.session.commit()
    try:
        resp = client.get("/readyz")
        assert resp.status_code == 503 and resp.json["migration"] == "0010_year"
        head = resp.json["expected"]
        db.session.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head})
        db.session.commit()
        assert client.get("/readyz").status_code == 200
    finally:
        db.session.execute(text("DROP TABLE alembic_version"))
        db.session.commit()


def test_not_ready_when_the_database_is_gone(client, db, monkeypatch):
    def broken(*_a, **_k):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(db.session, "execute", broken)
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.json == {"status": "unavailable", "database": "ConnectionError"}
    assert client.get("/healthz").status_code == 200
