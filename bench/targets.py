"""Targets benchmark: the actual of every indicator over all the demo province's communes (~300,000 people), the
cumulative months of the province, and — once the progress page exists — that page's p95 against a bare route.

    .venv/bin/python bench/targets.py                          # PostgreSQL, the province demo
    .venv/bin/python bench/targets.py --backend sqlite
    .venv/bin/python bench/targets.py --pg-name sodoan_bench -n 50
    .venv/bin/python bench/targets.py --explain                # EXPLAIN ANALYZE of each values() statement

The demo databases are bench/pages.py's (built by it, reused when present; --pg-name picks another PostgreSQL one).
The demo seed of the targets domain may not be in the database yet: the first run adds, once, what the indicators read
and the older seed lacks — this year's activities tagged for young workers (one in 40), the Party pipeline for worker
members (outstanding, 5 % of them introduced, 10 % of those admitted) — and says so. Prints markdown tables; not a
pass/fail test. Times are per call of app.targets.actuals.values(key, communes, year) inside one app context (no
HTTP), statements counted on the engine.
"""
import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import concurrency  # noqa: E402  (bench/concurrency.py: gunicorn, the signed-in clients)
import pages  # noqa: E402  (bench/pages.py: the demo databases and the single-request measure)
from sqlalchemy import event, func, insert, select, text, update  # noqa: E402

TARGET_MS = 20  # each values() call, so that twelve of them and the page fit in 300 ms


def database_url(backend, pg_name):
    if backend == "postgres" and pg_name:
        return pages.PG_URL.format(name=pg_name)
    return pages.database_url(backend, "province")


def decorate(app, year):
    """Add, once, the records the older demo lacks. Returns what was added (empty when nothing was)."""
    from app.activities.models import Activity
    from app.extensions import db
    from app.members.models import Person
    from app.targets import catalogue
    from app.targets.models import PartyStep

    added = []
    with app.app_context():
        catalogue.ensure()
        lo = date(year, 1, 1)
        if not db.session.scalar(select(func.count(Activity.id)).where(Activity.for_young_workers.is_(True),
                                                                       Activity.held_on >= lo)):
            n = db.session.execute(update(Activity).where(Activity.held_on >= lo, Activity.id % 40 == 0)
                                   .values(for_young_workers=True)).rowcount
            added.append(f"{n:,} activities tagged for young workers")
        if not db.session.scalar(select(func.count(PartyStep.id))):
            workers = db.session.execute(select(Person.id, Person.unit_id, Person.unit_path).where(
                Person.occupation == "worker", Person.member_type == "union", Person.status == "active",
                Person.id % 7 == 0)).all()
            rows = []
            for i, (pid, uid, path) in enumerate(workers):
                on = lo + timedelta(days=i % 300)
                rows.append(dict(person_id=pid, unit_id=uid, unit_path=path, kind="outstanding", year=year, on=on))
                if i % 20 == 0:
                    rows.append(dict(person_id=pid, unit_id=uid, unit_path=path, kind="introduced", year=year,
                                     on=on + timedelta(days=30)))
                    if i % 200 == 0:
                        rows.append(dict(person_id=pid, unit_id=uid, unit_path=path, kind="admitted", year=year,
                                         on=on + timedelta(days=60)))
            if rows:
                db.session.execute(insert(PartyStep), rows)
            added.append(f"{len(rows):,} Party steps for {len(workers):,} outstanding worker members")
        db.session.commit()
        if added and db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE activity; ANALYZE party_step"))
        db.session.remove()
    return added


def measure_values(app, year, n, explain=False):
    """[(key, p50, p95, statements, sum of the communes' values)] over all communes, then monthly() of the province."""
    from app.extensions import db
    from app.targets import actuals
    from app.units.models import Unit

    out = []
    with app.app_context():
        communes = db.session.scalars(select(Unit).where(Unit.level == "commune", Unit.status == "active")
                                      .order_by(Unit.path)).all()
        province = db.session.scalar(select(Unit).where(Unit.level == "province"))
        for key in actuals.ACTUALS:
            times = []
            for i in range(n + 2):
                counter, stop = pages.counting(db.engine)
                t = time.perf_counter()
                got = actuals.values(key, communes, year)
                dt = (time.perf_counter() - t) * 1000
                stop()
                if i >= 2:
                    times.append(dt)
            times.sort()
            total = sum((v.numerator if v.numerator is not None else v.value) or 0 for v in got.values())
            out.append(("values", key, statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))],
                        counter[0], total))
        for key in actuals.ACTUALS:
            times = []
            for i in range(max(3, n // 3) + 1):
                counter, stop = pages.counting(db.engine)
                t = time.perf_counter()
                months = actuals.monthly(key, province, year)
                dt = (time.perf_counter() - t) * 1000
                stop()
                if i:
                    times.append(dt)
            times.sort()
            last = next((m for m in reversed(months) if m is not None), None)
            out.append(("monthly", key, statistics.median(times), times[-1], counter[0],
                        None if last is None else (last.numerator if last.numerator is not None else last.value)))
        if explain and db.engine.dialect.name == "postgresql":
            statements = []

            def keep(conn, cursor, statement, parameters, context, executemany):
                statements.append((statement, parameters))

            for key in actuals.ACTUALS:
                statements.clear()
                event.listen(db.engine, "before_cursor_execute", keep)
                actuals.values(key, communes, year)
                event.remove(db.engine, "before_cursor_execute", keep)
                for statement, parameters in statements:
                    plan = db.session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    print(f"\n#### {key}\n```\n" + "\n".join(r[0] for r in plan) + "\n```", file=sys.stderr)
        db.session.remove()
    return out, len(communes)


def progress_page(app, year, n):
    """The province progress page against the floor route, if the page exists: [(label, p50, p95, sql, gz, status)]."""
    from app.extensions import db
    from app.units.models import Unit

    if "targets.progress" not in app.view_functions:
        return None
    with app.app_context():
        province = db.session.scalar(select(Unit).where(Unit.level == "province"))
        db.session.remove()
    rows = [("floor: bare Flask route", "floor", "tinh.admin", "/bench/floor"),
            ("province progress page (166 communes, every indicator)", "province", "tinh.admin",
             f"/targets/units/{province.id}/progress?year={year}"),
            ("province progress, behind only", "province", "tinh.admin",
             f"/targets/units/{province.id}/progress?year={year}&behind=1")]
    return pages.measure(app, rows, n)


# ---- under concurrency: gunicorn on PostgreSQL (bench/concurrency.py's server, tests/live.py's clients) ------------
def concurrent(url, args, year, units):
    """16 clients at once (by default) on the province page, on communes' pages, and on the floor route."""
    province, communes = units
    out = concurrency.run_phases(url, args.workers, args.clients, [
        ("province progress page", lambda i: f"/targets/units/{province}/progress?year={year}", args.reps),
        ("a commune's progress page (16 communes, with its months)",
         lambda i: f"/targets/units/{communes[i % len(communes)]}/progress?year={year}", args.reps),
        ("floor: bare route", lambda i: "/bench/floor", args.reps * 3)])
    concurrency.print_phases(out, args.clients, args.workers, f", {args.reps} requests per client")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="postgres")
    ap.add_argument("--pg-name", default=os.environ.get("BENCH_PG_NAME"))
    ap.add_argument("-n", type=int, default=30, help="timed calls per indicator")
    ap.add_argument("--year", type=int, default=date.today().year)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--explain", action="store_true")
    concurrency.add_arguments(ap, reps=5)
    args = ap.parse_args()
    os.environ.setdefault("APP_ENV", "testing")
    url = database_url(args.backend, args.pg_name)
    app = pages.make_app(url)
    pages.build(app, args.backend, url, "province", args.rebuild)
    added = decorate(app, args.year)
    rows, n_communes = measure_values(app, args.year, args.n, args.explain)
    page = progress_page(app, args.year, args.n)
    with app.app_context():
        from app.extensions import db
        from app.members.models import Person
        from app.units.models import Unit

        people = db.session.scalar(select(func.count(Person.id)))
        units = (db.session.scalar(select(Unit.id).where(Unit.level == "province")),
                 db.session.scalars(select(Unit.id).where(Unit.level == "commune").order_by(Unit.id).limit(16)).all())
        db.session.remove()
        db.engine.dispose()

    print(f"\n### Targets benchmark — {args.backend}, {people:,} people, {n_communes} communes, year {args.year}\n")
    if added:
        print("Added to the demo first: " + "; ".join(added) + ".\n")
    print(f"values(key, all {n_communes} communes, year) — {args.n} calls each; target ≤ {TARGET_MS} ms a call\n")
    print("| indicator | p50 ms | p95 ms | SQL | sum over communes |")
    print("|---|---:|---:|---:|---:|")
    total50 = total95 = 0
    for what, key, p50, p95, sql, total in rows:
        if what != "values":
            continue
        total50 += p50
        total95 += p95
        print(f"| {key} | {p50:.1f} | {p95:.1f} | {sql} | {total:,} |")
    print(f"| **all twelve** | **{total50:.0f}** | **{total95:.0f}** | | |")
    print("\nmonthly(key, province, year) — the twelve cumulative months\n")
    print("| indicator | p50 ms | max ms | SQL | December |")
    print("|---|---:|---:|---:|---:|")
    for what, key, p50, p95, sql, total in rows:
        if what == "monthly":
            print(f"| {key} | {p50:.1f} | {p95:.1f} | {sql} | {'' if total is None else f'{total:,}'} |")
    if page is None:
        print("\nThe progress page (targets.progress) is not on this branch yet: only the values() calls are timed.")
        return
    floor = next((r for r in page if r[1] == "floor" and r[2] is not None), None)
    print(f"\nThe progress page, {args.n} requests (target p95 ≤ 300 ms)\n")
    print("| page | p50 ms | p95 ms | × floor p95 | SQL | HTML gz |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, _kind, p50, p95, sql, size, status in page:
        if p50 is None:
            print(f"| {label} | HTTP {status} | | | | |")
            continue
        ratio = f"{p95 / floor[3]:.0f}×" if floor and floor[3] else ""
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {ratio} | {sql} | {size / 1024:.1f} KB |")
    if args.backend == "postgres" and args.clients:
        concurrent(url, args, args.year, units)


if __name__ == "__main__":
    main()
