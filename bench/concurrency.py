"""Concurrency benchmark: branch meetings under gunicorn (4 workers) on PostgreSQL.

    .venv/bin/python bench/concurrency.py                 # 4 branches × 4 officers = 16 clients, 100 people each
    .venv/bin/python bench/concurrency.py --branches 2 --workers 4 --people 100

Each branch holds a meeting: its four officers tap the attendance of its 100 people (25 each, one htmx request per
tap, all at once) while the first of them also presses "mark all paid" for the month. Every client is a real HTTP
client with its own cookies, signed in through the sign-in form, sending the CSRF token. Then the same 16 clients
hit a bare Flask route behind the same login and request hooks ("floor"), under the same concurrency, to give the
ratio. Checked afterwards: every mark stored, every person due paid, the stored standing equal to a fresh
computation. Prints a markdown table. Not a pass/fail test (exit status 1 if anything was lost or errored).
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import LiveClient, start_together  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1/postgres")
PG_URL = os.environ.get("BENCH_CONC_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/sodoan_bench_conc")
PASSWORD = "bench-mat-khau-2026"
STATUSES = ("present", "absent", "excused")


def make_wsgi():
    """gunicorn 'bench.concurrency:make_wsgi()' — the app as production runs it (CSRF on), plus the floor route."""
    from app import create_app, tune_gc

    app = create_app({"SQLALCHEMY_DATABASE_URI": PG_URL, "SECRET_KEY": "bench-" + "x" * 40, "APP_ENV": "testing",
                      "TESTING": False, "LOGIN_MAX_FAILURES": 10 ** 6, "RATELIMIT_ENABLED": False})
    tune_gc(app)  # as wsgi.py does in production

    @app.get("/bench/floor")
    def bench_floor():
        return "ok"

    return app


def reset_database():
    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build(branches, people):
    """A province, one commune, `branches` branches of `people` union members owing dues, one activity each, four
    officers per branch. Returns [(branch id, activity id, [person ids], [usernames])]."""
    from werkzeug.security import generate_password_hash

    from app.activities.models import Activity
    from app.activities.standing import refresh_standing
    from app.auth.models import RoleGrant, User
    from app.dates import add_months
    from app.extensions import db
    from app.members.models import Person
    from app.text import fold
    from app.units.models import Unit

    app = make_wsgi()
    out = []
    with app.app_context():
        db.create_all()
        pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")

        def unit(parent, level, kind, name, code):
            u = Unit(parent_id=parent.id if parent else None, depth=(parent.depth + 1) if parent else 0, level=level,
                     kind=kind, name=name, code=code, org_type="union" if level == "branch" else None)
            db.session.add(u)
            db.session.flush()
            u.path = (parent.path if parent else "/") + f"{u.id}/"
            return u

        province = unit(None, "province", "province", "Tỉnh đoàn Thử", "P")
        commune = unit(province, "commune", "commune", "Đoàn xã An Phú", "C1")
        joined = add_months(date.today(), -24)
        for b in range(branches):
            branch = unit(commune, "branch", "residential", f"Chi đoàn Thôn {b + 1}", f"B{b + 1}")
            ids = []
            for i in range(people):
                name = f"Nguyễn Văn {b}-{i:03d}"
                p = Person(unit_id=branch.id, unit_path=branch.path, full_name=name, name_key=fold(name),
                           member_type="union", sex="male", birth_date=date(2000, 1, 1), joined_on=joined,
                           occupation="farmer", status="active")
                db.session.add(p)
                db.session.flush()
                ids.append(p.id)
            activity = Activity(unit_id=branch.id, unit_path=branch.path, held_on=date.today() - timedelta(days=3),
                                kind="regular", title="Sinh hoạt chi đoàn tháng này")
            db.session.add(activity)
            names = []
            for k in range(4):
                user = User(username=f"cd{b}.{k}", full_name=f"Cán bộ {b}.{k}", password_hash=pw, active=True)
                db.session.add(user)
                db.session.flush()
                db.session.add(RoleGrant(user_id=user.id, unit_id=branch.id, role="officer"))
                names.append(user.username)
            db.session.flush()
            out.append((branch.id, activity.id, ids, names))
        db.session.commit()
        refresh_standing()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_phases(url, workers, n_clients, phases, username="tinh.admin", password="sodoan-2026"):
    """gunicorn on the database at `url`, `n_clients` signed-in clients; each phase (label, path(i), reps) sends every
    client's reps at once. → [(label, times of the 200s in ms, errors, wall s)]. The review and targets benches."""
    proc, base = start_gunicorn(workers, url)  # make_wsgi's app, in gunicorn, on the database at `url`
    try:
        clients = [LiveClient(base, timeout=120).login(username, password) for _ in range(n_clients)]
        out = []
        for label, path, reps in phases:
            for client in clients:
                client.log.clear()

            def job(i, client, path=path, reps=reps):
                def run():
                    for _ in range(reps):
                        client.get(path(i))
                return run

            wall, errs = start_together([job(i, cl) for i, cl in enumerate(clients)])
            times = [ms for cl in clients for (_m, _p, st, ms) in cl.log if st == 200]
            bad = [st for cl in clients for (_m, _p, st, _ms) in cl.log if st != 200]
            out.append((label, times, len(bad) + len(errs), wall))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def add_arguments(ap, reps):
    """The options of a bench's concurrency phase (review, targets, year): clients, gunicorn workers, requests each."""
    ap.add_argument("--clients", type=int, default=16, help="concurrent clients on PostgreSQL (0: skip)")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    ap.add_argument("--reps", type=int, default=reps, help="requests per client under concurrency")


def print_phases(out, clients, workers, note=""):
    """The table of run_phases' result; the last phase is the floor (a bare route) the others are divided by."""
    floor = statistics.median(out[-1][1]) if out[-1][1] else 0
    print(f"\n**under concurrency** — {clients} clients at once, gunicorn {workers} sync workers, PostgreSQL{note}\n")
    print("| request | n | errors | p50 ms | p95 ms | p50 ÷ floor p50 | wall s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, times, errors, wall in out:
        p50 = statistics.median(times) if times else 0
        print(f"| {label} | {len(times)} | {errors} | {p50:.0f} | {pct(times, 0.95):.0f} | "
              f"{(p50 / floor if floor else 0):.1f}× | {wall:.1f} |")
    print()


def start_gunicorn(workers, url=None):
    port = free_port()
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
         "--log-level", "warning", "bench.concurrency:make_wsgi()"],
        cwd=ROOT, env=dict(os.environ, BENCH_CONC_PG_URL=url or PG_URL))
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if LiveClient(base, timeout=2).get("/auth/login").status == 200:
                return proc, base
        except OSError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def pct(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def verify(meetings, month):
    from sqlalchemy import select

    from app.activities.models import Attendance, BranchStanding, DuesPayment, PersonStanding
    from app.activities.standing import refresh_standing
    from app.extensions import db

    app = make_wsgi()
    with app.app_context():
        marks_ok = paid_ok = total = 0
        for _branch, activity, ids, _names in meetings:
            wanted = {pid: STATUSES[i % 3] for i, pid in enumerate(ids)}
            stored = dict(db.session.execute(select(Attendance.person_id, Attendance.status)
                                             .where(Attendance.activity_id == activity)).all())
            marks_ok += sum(1 for pid, s in wanted.items() if stored.get(pid) == s)
            paid = set(db.session.scalars(select(DuesPayment.person_id).where(DuesPayment.month == month,
                                                                               DuesPayment.person_id.in_(ids))))
            paid_ok += len(paid & set(ids))
            total += len(ids)

        def standing():
            return (sorted(map(tuple, db.session.execute(select(PersonStanding.person_id, PersonStanding.verdict,
                                                                PersonStanding.dues_ok, PersonStanding.person_ok)))),
                    sorted(map(tuple, db.session.execute(select(BranchStanding.unit_id, BranchStanding.total,
                                                                BranchStanding.real, BranchStanding.paper)))))

        stored = standing()
        refresh_standing()
        fresh = standing()
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return marks_ok, paid_ok, total, stored == fresh


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--branches", type=int, default=4)
    ap.add_argument("--people", type=int, default=100)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--floor", type=int, default=25, help="floor requests per client")
    args = ap.parse_args()

    reset_database()
    meetings = build(args.branches, args.people)
    month = date.today().replace(day=1)
    proc, base = start_gunicorn(args.workers)
    try:
        clients = []
        for branch, activity, ids, names in meetings:
            for k, name in enumerate(names):
                clients.append((LiveClient(base).login(name, PASSWORD), branch, activity, ids, k))
        for c, *_rest in clients:
            c.log.clear()
        answers = []

        def meeting_job(c, branch, activity, ids, k):
            def job():
                if k == 0:  # the first officer also presses "mark all paid" as the meeting starts
                    r = c.post(f"/activities/dues/{branch}", {"month": month.strftime("%Y-%m"), "all": "1"})
                    answers.append(r.status)
                for i, pid in list(enumerate(ids))[k::4]:
                    c.post(f"/activities/{activity}/attendance/{pid}", {f"s-{pid}": STATUSES[i % 3]}, htmx=True)
            return job

        wall, errs = start_together([meeting_job(*x) for x in clients])
        taps = [ms for c, *_r in clients for (m, path, st, ms) in c.log if "/attendance/" in path]
        pays = [ms for c, *_r in clients for (m, path, st, ms) in c.log if "/dues/" in path]
        bad = [(m, path, st) for c, *_r in clients for (m, path, st, ms) in c.log if st >= 400]
        for c, *_rest in clients:
            c.log.clear()

        def floor_job(c):
            def job():
                for _ in range(args.floor):
                    c.get("/bench/floor")
            return job

        floor_wall, floor_errs = start_together([floor_job(c) for c, *_r in clients])
        floor = [ms for c, *_r in clients for (m, path, st, ms) in c.log]
        floor_bad = [st for c, *_r in clients for (m, path, st, ms) in c.log if st >= 400]
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    marks_ok, paid_ok, total, standing_ok = verify(meetings, month)
    f50 = statistics.median(floor) if floor else 0
    print(f"\n{len(clients)} clients, gunicorn {args.workers} sync workers, PostgreSQL; "
          f"{args.branches} branches × {args.people} people; {len(taps)} taps + {len(pays)} 'mark all paid' in "
          f"{wall:.1f} s\n")
    print("| request | n | errors | p50 ms | p95 ms | p50 ÷ floor p50 |")
    print("|---|---|---|---|---|---|")
    for label, values, errors in (("attendance tap (htmx)", taps, len([b for b in bad if "/attendance/" in b[1]])),
                                  (f"mark all paid ({args.people} people)", pays, len([b for b in bad if "/dues/" in b[1]])),
                                  ("floor: bare route", floor, len(floor_bad))):
        p50 = statistics.median(values) if values else 0
        print(f"| {label} | {len(values)} | {errors} | {p50:.0f} | {pct(values, 0.95):.0f} | "
              f"{(p50 / f50 if f50 else 0):.1f}× |")
    print(f"\nmarks stored {marks_ok}/{total} · people paid {paid_ok}/{total} · 'mark all paid' answers {sorted(answers)}"
          f" · stored standing equals a fresh computation: {'yes' if standing_ok else 'NO'}"
          f" · client exceptions {len(errs) + len(floor_errs)}")
    lost = marks_ok != total or paid_ok != total or not standing_ok or bad or errs or floor_errs
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
