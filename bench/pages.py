"""Page benchmark: build (or reuse) the demo province on SQLite and PostgreSQL, then time the main pages.

    .venv/bin/python bench/pages.py                      # province (~300,000 people), SQLite + PostgreSQL
    .venv/bin/python bench/pages.py --size small         # ~1,500 people, quick
    .venv/bin/python bench/pages.py --backend sqlite -n 50
    .venv/bin/python bench/pages.py --rebuild            # drop and seed again

Server time is measured around the Flask test client call (routing, queries, templates, gzip — no network).
SQL statements come from the X-SQL-Count header; HTML size is the gzipped body. The "floor" row is a bare Flask
route behind the same login and request hooks. Prints a markdown table. Not a pass/fail test.
"""
import argparse
import gzip
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select, text  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1/postgres")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
OUT = ROOT / "bench" / "out"
TARGETS = {"list": 50, "record": 50, "dashboard": 300, "province": 300, "floor": None}


def database_url(backend, size):
    if backend == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{OUT / f'sodoan_bench_{size}.db'}"
    name = "sodoan_bench" if size == "province" else f"sodoan_bench_{size}"
    return PG_URL.format(name=name)


def reset_database(backend, url):
    if backend == "sqlite":
        path = Path(url.replace("sqlite:///", ""))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def pg_exists(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def make_app(url):
    from app import create_app, tune_gc

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "APP_ENV": "testing",
                      "WTF_CSRF_ENABLED": False, "SQL_COUNT_HEADER": True, "TESTING": False,
                      "INSTANCE_PATH": str(OUT), "RATELIMIT_ENABLED": False, "LOGIN_MAX_FAILURES": 10 ** 6})
    tune_gc(app)  # as wsgi.py does in production

    @app.get("/bench/floor")
    def bench_floor():
        return "ok"

    return app


def build(app, backend, url, size, rebuild):
    from app.extensions import db
    from app.seed import seed_demo
    from app.units.models import Unit

    if not rebuild and (backend == "sqlite" and Path(url.replace("sqlite:///", "")).exists() or
                        backend == "postgres" and pg_exists(url)):
        with app.app_context():
            try:
                if db.session.scalar(select(func.count(Unit.id))):
                    print(f"[{backend}] reusing {url}", file=sys.stderr)
                    return None
            except Exception:  # noqa: BLE001 — no tables yet
                db.session.rollback()
    reset_database(backend, url)
    with app.app_context():
        db.create_all()
        t = time.perf_counter()
        seed_demo(size=size, echo=lambda *a: print(f"[{backend}]", *a, file=sys.stderr))
        if backend == "postgres":
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        seconds = time.perf_counter() - t
        print(f"[{backend}] seeded {size} in {seconds:.0f} s", file=sys.stderr)
        return seconds


def pages(app):
    """[(label, kind, username, url)] at the demo's real ids."""
    from app.activities.models import Activity
    from app.extensions import db
    from app.members.models import Person
    from app.units.models import Unit

    with app.app_context():
        province = db.session.scalar(select(Unit).where(Unit.level == "province"))
        from app.auth.models import RoleGrant, User

        commune = db.session.scalar(select(Unit).join(RoleGrant, RoleGrant.unit_id == Unit.id).join(User, User.id == RoleGrant.user_id)
                                    .where(User.username == "xa.officer"))
        branch = db.session.scalar(select(Unit).where(Unit.parent_id == commune.id, Unit.level == "branch").order_by(Unit.id))
        person = db.session.scalar(select(Person).where(Person.unit_id == branch.id).order_by(Person.id))
        activity = db.session.scalar(select(Activity).where(Activity.unit_id == branch.id).order_by(Activity.held_on.desc()))
        p, c = province.id, commune.id
        return [
            ("floor: bare Flask route", "floor", "tinh.admin", "/bench/floor"),
            ("people list, first page (province)", "list", "tinh.admin", "/members/"),
            ("people list, filtered: paper Union members (province)", "list", "tinh.admin", "/members/?type=union&verdict=paper"),
            ("people list, name search “nguyen thi anh” (province)", "list", "tinh.admin", "/members/?q=nguyen+thi+anh"),
            ("people list, first page (commune officer)", "list", "xa.officer", "/members/"),
            ("people list, name search “nguyen van” (commune officer)", "list", "xa.officer", "/members/?q=nguyen+van"),
            ("person page", "record", "xa.officer", f"/members/{person.id}"),
            ("activity + attendance list (branch roll)", "record", "xa.officer", f"/activities/{activity.id}"),
            ("dues page (branch, month)", "record", "xa.officer", f"/activities/dues/{branch.id}"),
            ("commune dashboard (unit page)", "dashboard", "xa.officer", f"/units/{c}"),
            ("province dashboard (unit page)", "province", "tinh.admin", f"/units/{p}"),
            ("province standing table by commune", "province", "tinh.admin", f"/activities/units/{p}/standing"),
        ]


def counting(engine):
    """([statements so far], stop): counts the SQL statements the engine runs until stop() is called."""
    n = [0]

    def count(*_a, **_k):
        n[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    return n, lambda: event.remove(engine, "before_cursor_execute", count)


def measure(app, rows, n):
    out = []
    clients = {}
    for label, kind, username, url in rows:
        if username not in clients:
            client = app.test_client()
            resp = client.post("/auth/login", data={"username": username, "password": "sodoan-2026"})
            assert resp.status_code == 303, (username, resp.status_code)
            clients[username] = client
        client = clients[username]
        times = []
        resp = None
        for i in range(n + 3):
            t = time.perf_counter()
            resp = client.get(url)
            dt = (time.perf_counter() - t) * 1000
            if i >= 3:
                times.append(dt)
        if resp.status_code != 200:
            out.append((label, kind, None, None, None, None, resp.status_code))
            continue
        times.sort()
        p50 = statistics.median(times)
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        out.append((label, kind, p50, p95, int(resp.headers.get("X-SQL-Count", 0)), len(gzip.compress(resp.data, 6)), 200))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=("small", "province"), default="province")
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("-n", type=int, default=30, help="timed requests per page")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("APP_ENV", "testing")
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    results, seeded = {}, {}
    for backend in backends:
        url = database_url(backend, args.size)
        app = make_app(url)
        seeded[backend] = build(app, backend, url, args.size, args.rebuild)
        with app.app_context():
            from app.extensions import db
            from app.members.models import Person

            people = db.session.scalar(select(func.count(Person.id)))
        results[backend] = (measure(app, pages(app), args.n), people)
        with app.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()
    print(f"\n### Page benchmark — `{args.size}` demo, {args.n} requests per page\n")
    for backend, (rows, people) in results.items():
        note = f", seeded in {seeded[backend]:.0f} s" if seeded[backend] else ""
        print(f"**{backend}** — {people:,} people{note}\n")
        print("| page | p50 ms | p95 ms | target p95 | SQL | HTML gz |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, kind, p50, p95, sql, size, status in rows:
            if p50 is None:
                print(f"| {label} | HTTP {status} | | | | |")
                continue
            target = TARGETS[kind]
            flag = "" if target is None or p95 <= target else " ⚠"
            print(f"| {label} | {p50:.1f} | {p95:.1f}{flag} | {'—' if target is None else f'≤ {target}'} | {sql} | "
                  f"{size / 1024:.1f} KB |")
        print()


if __name__ == "__main__":
    main()
