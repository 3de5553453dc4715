"""Backup and restore (`flask backup PATH`, `flask restore PATH`): one .tar.gz holding the database, the inspection
photos and a manifest.json (migration head, time, dialect, row counts of the main tables).

PostgreSQL: `pg_dump --format=custom --no-owner`, restored with `pg_restore --clean --if-exists --no-owner` in one
transaction. SQLite: a consistent copy through sqlite3's online backup API, restored the same way onto the file.
A restore refuses a backup of another dialect, one made by a newer migration than this code knows, and (unless
told `yes`) a database that already has units."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from .extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
PHOTOS = "photos"
DUMP = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
COUNTED = ("unit", "person", "person_event", "activity")


class BackupError(Exception):
    """A backup or a restore refused or failed; the message says why (the CLI shows it)."""


# ---- what a backup describes -----------------------------------------------------------------------------------
def photo_dir():
    """The inspection photos' folder: the rule of app/inspections/photos.py::storage_dir (base cannot import it)."""
    configured = current_app.config.get("INSPECTION_UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads" / "inspections"


def code_head():
    """The newest migration this code knows (the Alembic script directory's head)."""
    return _scripts().get_current_head()


def _scripts():
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def database_head(conn):
    """The database's migration (None when the schema was made without Alembic, as the tests' create_all)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def row_counts(conn):
    tables = set(inspect(conn).get_table_names())
    return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in COUNTED if t in tables}


def _manifest():
    with db.engine.connect() as conn:
        return {"format": FORMAT, "app": "sodoan", "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "dialect": conn.dialect.name, "migration_head": database_head(conn), "code_head": code_head(),
                "counts": row_counts(conn)}


# ---- PostgreSQL through the libpq tools ------------------------------------------------------------------------
def libpq_args(url):
    """(conninfo for --dbname, environment) of a SQLAlchemy URL: `postgresql+psycopg://u:p@h:5432/db?sslmode=…`
    → `dbname=db host=h port=5432 user=u sslmode=…`, the password in PGPASSWORD (never on a command line)."""
    url = make_url(url)
    parts = {"dbname": url.database, "host": url.host, "port": url.port, "user": url.username}
    parts.update({k: v if isinstance(v, str) else v[-1] for k, v in url.query.items()})
    conninfo = " ".join(f"{k}={_quote(v)}" for k, v in parts.items() if v not in (None, ""))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _quote(value):
    value = str(value)
    if value and re.fullmatch(r"[\w./:-]+", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def tool_problem(tool):
    """Why `tool` (pg_dump, pg_restore) cannot serve the configured server, or None: missing, or an older major
    version than the server's (pg_dump refuses a newer server; its archive may not load into an older pg_restore)."""
    path = shutil.which(tool)
    if path is None:
        return f"{tool} is not installed (PostgreSQL client tools)."
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    with db.engine.connect() as conn:
        server = int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000
    if not match or int(match.group(1)) < server:
        return f"{tool} is version {out.strip()!r}, older than the server's {server}."
    return None


def _run(tool, args):
    problem = tool_problem(tool)
    if problem:
        raise BackupError(problem)
    conninfo, env = libpq_args(db.engine.url.render_as_string(hide_password=False))
    # A table some open transaction holds makes the restore fail after a minute instead of waiting for ever.
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c lock_timeout=60s").strip()
    done = subprocess.run([shutil.which(tool), *args, f"--dbname={conninfo}"], env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-2000:]}")


# ---- SQLite ----------------------------------------------------------------------------------------------------
def _sqlite_file():
    name = db.engine.url.database
    if not name or name == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return name


def _sqlite_copy(src, dst):
    """src → dst with the online backup API: a consistent copy even while the app writes, WAL pages included."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


# ---- the commands ----------------------------------------------------------------------------------------------
def backup(path):
    """Write the backup to `path` (a .tar.gz); returns the manifest."""
    path = Path(path)
    manifest = _manifest()
    dialect = manifest["dialect"]
    if dialect not in DUMP:
        raise BackupError(f"No backup for the {dialect} dialect.")
    photos = photo_dir()
    manifest["photos"] = sum(1 for p in photos.rglob("*") if p.is_file()) if photos.is_dir() else 0
    with tempfile.TemporaryDirectory(prefix="sodoan-backup-") as tmp:
        dump = Path(tmp) / DUMP[dialect]
        if dialect == "postgresql":
            _run("pg_dump", ["--format=custom", "--no-owner", f"--file={dump}"])
        else:
            _sqlite_copy(_sqlite_file(), dump)
        (Path(tmp) / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        partial = path.with_name(path.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(Path(tmp) / MANIFEST, arcname=MANIFEST)
            tar.add(dump, arcname=dump.name)
            if photos.is_dir():
                tar.add(photos, arcname=PHOTOS)
        os.replace(partial, path)  # never a half-written backup under the real name
    return manifest


def read_manifest(path):
    try:
        with tarfile.open(path, "r:gz") as tar:
            return json.load(tar.extractfile(MANIFEST))
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{path} is not a Sổ Đoàn backup ({exc}).") from None


def check(manifest, *, yes=False):
    """Refuse what a restore must not do: another dialect, a newer migration, a database with data (unless yes)."""
    if manifest.get("format") != FORMAT or manifest.get("app") != "sodoan":
        raise BackupError("Not a Sổ Đoàn backup of a format this version reads.")
    with db.engine.connect() as conn:
        dialect = conn.dialect.name
        units = row_counts(conn).get("unit", 0)
    if manifest["dialect"] != dialect:
        raise BackupError(f"The backup is of a {manifest['dialect']} database; this one is {dialect}.")
    head = manifest.get("migration_head") or manifest.get("code_head")
    if head and _unknown(head):
        raise BackupError(f"The backup was made at migration {head}, newer than this code knows ({code_head()}): "
                          "install the version that made it.")
    if units and not yes:
        raise BackupError(f"The database has data ({units} units); restoring replaces it all. Add --yes to do so.")


def _unknown(revision):
    try:
        return _scripts().get_revision(revision) is None
    except Exception:  # noqa: BLE001 — alembic raises CommandError/ResolutionError for a revision it does not know
        return True


def restore(path, *, yes=False):
    """Replace the database and the photos with the backup's; returns (manifest, counts after the restore)."""
    manifest = read_manifest(path)
    check(manifest, yes=yes)
    dialect = manifest["dialect"]
    with tempfile.TemporaryDirectory(prefix="sodoan-restore-") as tmp:
        with tarfile.open(path, "r:gz") as tar:
            tar.extractall(tmp, filter="data")  # no absolute paths, links out or devices
        dump = Path(tmp) / DUMP[dialect]
        if not dump.is_file():
            raise BackupError("The backup holds no database dump.")
        db.session.remove()
        db.engine.dispose()  # no pooled connection holds a lock or a stale view of the schema
        if dialect == "postgresql":
            _run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(dump)])
        else:
            _sqlite_copy(str(dump), _sqlite_file())
        _replace_photos(Path(tmp) / PHOTOS, photo_dir())
    db.engine.dispose()
    with db.engine.connect() as conn:
        counts = row_counts(conn)
    return manifest, counts


def _replace_photos(source, target):
    """The folder ends as the backup had it: files it lacks are removed (no row points at them any more)."""
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    if source.is_dir():
        for item in source.iterdir():
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, target / item.name)
