"""`flask backup` / `flask restore`: a real round trip on this run's test database (SQLite, or PostgreSQL with
TEST_DATABASE_URL), the photos included; and what a restore refuses."""
import io
import json
import tarfile

import pytest
from sqlalchemy import inspect, text

from app import backup as backups
from tests.conftest import is_postgres


@pytest.fixture
def photos(app, tmp_path, monkeypatch):
    folder = tmp_path / "inspections"
    folder.mkdir()
    monkeypatch.setitem(app.config, "INSPECTION_UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture
def tools(db):
    if is_postgres():
        problem = backups.tool_problem("pg_dump") or backups.tool_problem("pg_restore")
        if problem:
            pytest.skip(problem)


def _schema(db):
    insp = inspect(db.engine)
    return {t: sorted(i["name"] for i in insp.get_indexes(t)) for t in insp.get_table_names()}


def test_round_trip_brings_back_rows_and_photos(app, db, tools, tree, make_person, photos, tmp_path):
    person = make_person(tree.B1, "Nguyễn Thị Lan")
    person_id, c1_id = person.id, tree.C1.id
    (photos / "a1b2.jpg").write_bytes(b"\xff\xd8 photo")
    schema = _schema(db)
    db.session.remove()  # no open transaction of the test holds a table pg_restore drops
    runner = app.test_cli_runner()
    archive = tmp_path / "sodoan.tar.gz"

    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    manifest = backups.read_manifest(archive)
    assert manifest["dialect"] == db.engine.dialect.name and manifest["photos"] == 1
    assert manifest["counts"]["unit"] == 8 and manifest["counts"]["person"] == 1
    assert manifest["counts"]["person_event"] >= 1 and manifest["counts"]["activity"] == 0

    with db.engine.begin() as conn:  # the data changes after the backup
        conn.execute(text("DELETE FROM person_event"))
        conn.execute(text("UPDATE person SET full_name = 'Đổi tên' WHERE id = :id"), {"id": person_id})
        conn.execute(text("UPDATE unit SET name = 'Đổi tên' WHERE id = :id"), {"id": c1_id})
    (photos / "a1b2.jpg").unlink()
    (photos / "stray.jpg").write_bytes(b"not in the backup")

    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert not (photos / "a1b2.jpg").exists()

    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert "restored" in result.output
    with db.engine.connect() as conn:
        assert backups.row_counts(conn) == manifest["counts"]
        assert conn.execute(text("SELECT full_name FROM person WHERE id = :id"), {"id": person_id}).scalar() \
            == "Nguyễn Thị Lan"
        assert conn.execute(text("SELECT name FROM unit WHERE id = :id"), {"id": c1_id}).scalar() == "Đoàn xã An Phú"
    assert (photos / "a1b2.jpg").read_bytes() == b"\xff\xd8 photo"
    assert not (photos / "stray.jpg").exists()
    assert _schema(db) == schema  # the same tables and indexes as create_all made


def _archive(path, **manifest):
    data = json.dumps({"format": 1, "app": "sodoan", "created_at": "2026-01-01T00:00:00+00:00", "counts": {},
                       **manifest}).encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(backups.MANIFEST)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def test_restore_refuses_a_newer_migration_and_another_dialect(app, db, photos, tmp_path):
    runner = app.test_cli_runner()
    dialect = db.engine.dialect.name
    newer = _archive(tmp_path / "newer.tar.gz", dialect=dialect, migration_head="9999_future", code_head="9999_future")
    result = runner.invoke(args=["restore", str(newer), "--yes"])
    assert result.exit_code != 0 and "newer than this code knows" in result.output

    other = _archive(tmp_path / "other.tar.gz", dialect="sqlite" if dialect == "postgresql" else "postgresql",
                     migration_head=backups.code_head())
    result = runner.invoke(args=["restore", str(other), "--yes"])
    assert result.exit_code != 0 and "backup is of a" in result.output

    (tmp_path / "junk.tar.gz").write_bytes(b"junk")
    result = runner.invoke(args=["restore", str(tmp_path / "junk.tar.gz")])
    assert result.exit_code != 0 and "not a Sổ Đoàn backup" in result.output


def test_an_older_known_migration_is_accepted(app, db):
    with app.app_context():
        backups.check({"format": 1, "app": "sodoan", "dialect": db.engine.dialect.name, "migration_head": "0010_year"})


def test_libpq_conninfo_from_a_sqlalchemy_url():
    conninfo, env = backups.libpq_args("postgresql+psycopg://sodoan:s3 cr'et@db.local:5433/sodoan?sslmode=require")
    assert conninfo == "dbname=sodoan host=db.local port=5433 user=sodoan sslmode=require"
    assert env["PGPASSWORD"] == "s3 cr'et"
    assert backups.libpq_args("postgresql://u@/so doan?host=/run/postgresql")[0] == \
        "dbname='so doan' host=/run/postgresql user=u"
