"""Yearly report benchmark: the province's figures computed from the records (~300,000 people) and its PDF, against a
bare route; the SQL statements of figures.compute() at the province, a district and a commune (they must not grow with
the number of communes).

    .venv/bin/python bench/year.py                      # PostgreSQL, the province demo (bench/pages.py builds it)
    .venv/bin/python bench/year.py --backend sqlite
    .venv/bin/python bench/year.py --pg-name sodoan_bench -n 5 --year 2025

The demo databases are bench/pages.py's (built by it when absent, reused when present). Times: the median of n calls
(after one warm-up); compute() inside one app context (no HTTP), the pages through the Flask test client (routing,
queries, templates, WeasyPrint). Targets: compute ≤ 5 s and the PDF ≤ 5 s at 300,000 people. Prints markdown tables;
not a pass/fail test.
"""
import argparse
import gzip
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import concurrency  # noqa: E402  (bench/concurrency.py: gunicorn, the signed-in clients)
import pages  # noqa: E402  (bench/pages.py: the demo databases, the app, the floor route)
from sqlalchemy import func, select  # noqa: E402

TARGET_S = 5


def database_url(backend, pg_name):
    if backend == "postgres" and pg_name:
        return pages.PG_URL.format(name=pg_name)
    return pages.database_url(backend, "province")


def units(app):
    """(province, a district or None, the commune with the most people, the number of communes)."""
    from app.extensions import db
    from app.members.models import Person
    from app.units.models import Unit

    with app.app_context():
        province = db.session.scalar(select(Unit).where(Unit.level == "province").order_by(Unit.id))
        district = db.session.scalar(select(Unit).where(Unit.level == "district").order_by(Unit.id).limit(1))
        communes = db.session.scalars(select(Unit).where(Unit.level == "commune")).all()
        sizes = dict(db.session.execute(select(Person.unit_path, func.count()).group_by(Person.unit_path)).all())
        biggest = max(communes, key=lambda c: sum(n for p, n in sizes.items() if p.startswith(c.path)))
        out = (province.id, district.id if district else None, biggest.id, len(communes))
        db.session.remove()
    return out


def time_compute(app, unit_id, year, n):
    """(median s, max s, statements, figures) of figures.compute(unit, year)."""
    from app.extensions import db
    from app.units.models import Unit
    from app.year import figures

    times, counts, figs = [], [], None
    with app.app_context(), app.test_request_context():
        unit = db.session.get(Unit, unit_id)
        for i in range(n + 1):
            counter, stop = pages.counting(db.engine)
            t = time.perf_counter()
            figs = figures.compute(unit, year)
            dt = time.perf_counter() - t
            stop()
            counts.append(counter[0])
            if i:
                times.append(dt)
        db.session.remove()
    return statistics.median(times), max(times), counts[-1], figs


def measure_pages(app, rows, n):
    """[(label, median ms, max ms, SQL, gz KB, status)] through the test client, signed in as the province admin."""
    client = app.test_client()
    resp = client.post("/auth/login", data={"username": "tinh.admin", "password": "sodoan-2026"})
    assert resp.status_code == 303, resp.status_code
    out = []
    for label, url in rows:
        times, resp = [], None
        for i in range(n + 1):
            t = time.perf_counter()
            resp = client.get(url)
            dt = (time.perf_counter() - t) * 1000
            if i:
                times.append(dt)
        if resp.status_code != 200:
            out.append((label, None, None, None, None, resp.status_code))
            continue
        size = len(gzip.compress(resp.data, 6)) if resp.mimetype == "text/html" else len(resp.data)
        out.append((label, statistics.median(times), max(times), int(resp.headers.get("X-SQL-Count", 0)), size,
                    resp.mimetype))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="postgres")
    ap.add_argument("--pg-name", default=os.environ.get("BENCH_PG_NAME"))
    ap.add_argument("-n", type=int, default=5, help="timed calls of each (the median is printed)")
    ap.add_argument("--year", type=int, default=date.today().year - 1, help="the year reported (default: last year)")
    ap.add_argument("--rebuild", action="store_true")
    concurrency.add_arguments(ap, reps=3)
    args = ap.parse_args()
    os.environ.setdefault("APP_ENV", "testing")
    url = database_url(args.backend, args.pg_name)
    app = pages.make_app(url)
    pages.build(app, args.backend, url, "province", args.rebuild)
    province, district, commune, n_communes = units(app)
    with app.app_context():
        from app.extensions import db
        from app.members.models import Person

        people = db.session.scalar(select(func.count(Person.id)))
        db.session.remove()

    computed = [("province", *time_compute(app, province, args.year, args.n))]
    if district is not None:
        computed.append(("a district", *time_compute(app, district, args.year, args.n)))
    computed.append(("the largest commune", *time_compute(app, commune, args.year, args.n)))
    y = args.year
    rows = [("floor: bare Flask route", "/bench/floor"),
            ("report page (province, the version sent)", f"/year/units/{province}/report?year={y}"),
            ("report page (province, figures now)", f"/year/units/{province}/report?year={y}&figures=now"),
            ("PDF (province, the version sent: frozen figures)", f"/year/units/{province}/report.pdf?year={y}"),
            ("PDF (province, draft: figures computed now)", f"/year/units/{province}/report.pdf?year={y}&draft=1"),
            ("XLSX annex (province, draft)", f"/year/units/{province}/report.xlsx?year={y}&draft=1"),
            ("children's reports + consolidated view (province)", f"/year/units/{province}/reports?year={y}")]
    measured = measure_pages(app, rows, args.n)
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()

    print(f"\n### Yearly report benchmark — {args.backend}, {people:,} people, {n_communes} communes, year {y}, "
          f"median of {args.n}\n")
    print(f"figures.compute(unit, {y}) — target ≤ {TARGET_S} s at the province\n")
    print("| unit | median s | max s | SQL statements | rows | members at the year's end |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, p50, worst, sql, figs in computed:
        rows_n = sum(len(s["rows"]) for s in figs["sections"])
        end = next(r["value"] for s in figs["sections"] for r in s["rows"] if r["code"] == "members.end.total")
        print(f"| {label} | {p50:.2f} | {worst:.2f} | {sql} | {rows_n} | {end:,} |")
    if district is None:
        print("| a district | — | — | — | — | (the province demo has no district: its communes sit under the province) |")
    floor = next((r for r in measured if r[0].startswith("floor") and r[1] is not None), None)
    print(f"\nPages through the test client — target ≤ {TARGET_S} s for the PDF\n")
    print("| request | median ms | max ms | × floor | SQL | size |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, p50, worst, sql, size, kind in measured:
        if p50 is None:
            print(f"| {label} | HTTP {kind} | | | | |")
            continue
        ratio = f"{p50 / floor[1]:.0f}×" if floor and floor[1] else ""
        shown = f"{size / 1024:.1f} KB gz" if kind == "text/html" else f"{size / 1024:.0f} KB"
        print(f"| {label} | {p50:.0f} | {worst:.0f} | {ratio} | {sql} | {shown} |")
    if args.backend == "postgres" and args.clients:
        concurrent(url, args, province, commune)


def concurrent(url, args, province, commune):
    """Many clients at once: the province's sent report (frozen), the figures computed now, a commune's grading page
    and its members' evaluation list, and the floor route — gunicorn on PostgreSQL (bench/concurrency.py)."""
    y = args.year
    out = concurrency.run_phases(url, args.workers, args.clients, [
        ("report page, the version sent (province)", lambda i: f"/year/units/{province}/report?year={y}", args.reps),
        ("report page, figures now (province)", lambda i: f"/year/units/{province}/report?year={y}&figures=now", 1),
        ("unit grading page (the largest commune)", lambda i: f"/year/units/{commune}/grading?year={y}", args.reps),
        ("members' evaluation list (the largest commune)", lambda i: f"/year/units/{commune}/members?year={y}",
         args.reps),
        ("floor: bare route", lambda i: "/bench/floor", args.reps * 3)])
    concurrency.print_phases(out, args.clients, args.workers, f", {args.reps} requests per client (1 for figures now)")


if __name__ == "__main__":
    main()
