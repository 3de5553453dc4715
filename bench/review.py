"""Review benchmark: the March review's pages on the demo province (~300,000 people), one request at a time on
SQLite and PostgreSQL, then under 16 concurrent clients (gunicorn on PostgreSQL).

    .venv/bin/python bench/review.py                        # province demo, PostgreSQL then SQLite, + concurrency
    .venv/bin/python bench/review.py --backend postgres     # PostgreSQL only
    .venv/bin/python bench/review.py --size small -n 10 --clients 0
    .venv/bin/python bench/review.py --rebuild              # seed the demo again (also done when it has no campaign)

The demo databases are bench/pages.py's (built by it, reused when they already hold the review's campaign; the
PostgreSQL name can be changed with --pg-name). Rows, at the demo's real ids:
- the walk list (review.walk) of the branch whose list is nearest 150 people, and its PDF (review.walk_pdf; the row
  says so when the endpoint does not answer a PDF yet);
- the campaign's coverage page at the province (target p95 ≤ 300 ms) and at one commune;
- the reconciliation preview and the reconciliation itself (queries.reconcile_plan + services.reconcile + the commit,
  whose hook recomputes the standing; target ≤ 5 s) of the not-yet-reconciled commune nearest 2,000 people, after
  its unvisited people are given outcomes in bulk (app.review.seed.walk_branches). Each run reconciles one more
  commune, so the database stays usable for the next run;
- a bare Flask route behind the same login and hooks ("floor"), measured in the same run, for the ratios.
Server time is measured around the Flask test client call; SQL statements come from X-SQL-Count; HTML size is
gzipped. Under concurrency every client is a real HTTP client signed in through the form (bench/concurrency.py's
gunicorn and tests/live.py's client). Prints markdown tables. Not a pass/fail test.
"""
import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import concurrency  # noqa: E402  (bench/concurrency.py: gunicorn, the signed-in clients)
import pages  # noqa: E402  (bench/pages.py: the demo databases and the single-request measure)
from sqlalchemy import func, select  # noqa: E402

PASSWORD = "sodoan-2026"  # the demo accounts' (app.auth.passwords.DEMO_PASSWORD)
TARGETS = {"floor": None, "walk": 300, "coverage": 300, "preview": 1000, "pdf": None}


def database_url(backend, size, pg_name):
    if backend == "postgres" and pg_name:
        return pages.PG_URL.format(name=pg_name)
    return pages.database_url(backend, size)


def ensure_demo(app, backend, url, size, rebuild):
    """The demo with its review campaign: reuse it, or seed it (again) when missing. Seconds spent seeding or None."""
    from app.extensions import db
    from app.review.models import Campaign

    seconds = pages.build(app, backend, url, size, rebuild)
    with app.app_context():
        has = db.session.scalar(select(func.count(Campaign.id)))
        db.session.remove()
    if not has:
        print(f"[{backend}] the demo has no review campaign: seeding it again", file=sys.stderr)
        seconds = pages.build(app, backend, url, size, True)
    return seconds


def targets(app, n_branches=16):
    """(campaign, [branches nearest 150 people, nearest first], the unreconciled commune nearest 2,000 people, its size)."""
    from app.extensions import db
    from app.review.models import Campaign, Reconciliation, Subject
    from app.units.models import Unit

    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.status == "open").order_by(Campaign.id))
        by_branch = db.session.execute(select(Subject.branch_id, func.count()).where(
            Subject.campaign_id == campaign.id, Subject.found.is_(False)).group_by(Subject.branch_id)).all()
        branches = [b for b, n in sorted(by_branch, key=lambda r: (abs(r[1] - 150), r[0]))[:n_branches]]
        sizes = dict(by_branch)
        done = set(db.session.scalars(select(Reconciliation.commune_id).where(Reconciliation.campaign_id == campaign.id)))
        by_commune = [(c, n) for c, n in db.session.execute(select(Subject.commune_id, func.count()).where(
            Subject.campaign_id == campaign.id).group_by(Subject.commune_id)) if c not in done]
        commune, people = min(by_commune, key=lambda r: (abs(r[1] - 2000), r[0]))
        names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_([commune, branches[0]]))).all())
        out = {"campaign": campaign.id, "branches": branches, "branch_people": sizes[branches[0]],
               "branch_name": names[branches[0]], "commune": commune, "commune_people": people,
               "commune_name": names[commune]}
        db.session.remove()
        return out


def walk_commune(app, t):
    """Outcomes for everyone not yet visited in the commune (bulk, as the seed writes them). Seconds."""
    from app.extensions import db
    from app.review import seed as review_seed
    from app.review.models import Campaign
    from app.units.models import Unit

    with app.app_context():
        started = time.perf_counter()
        campaign = db.session.get(Campaign, t["campaign"])
        branches = db.session.scalars(select(Unit.id).where(Unit.parent_id == t["commune"], Unit.level == "branch")).all()
        last = min(date.today(), campaign.ends_on)
        n = review_seed.walk_branches(random.Random(t["commune"]), campaign, dict.fromkeys(branches, 1.0), {},
                                      campaign.starts_on, last)
        db.session.commit()
        db.session.remove()
        return n, time.perf_counter() - started


def reconcile(app, t):
    """Time the reconciliation as the route runs it: the plan, the service, the commit (the standing recomputed)."""
    from app.extensions import db
    from app.review import queries, services
    from app.review.models import Campaign
    from app.units.models import Unit

    with app.app_context():
        campaign = db.session.get(Campaign, t["campaign"])
        commune = db.session.get(Unit, t["commune"])
        statements, stop = pages.counting(db.engine)
        try:
            t0 = time.perf_counter()
            plan = queries.reconcile_plan(campaign, commune)
            t1 = time.perf_counter()
            rec, created = services.reconcile(campaign=campaign, commune=commune, plan=plan)
            t2 = time.perf_counter()
            db.session.commit()
            t3 = time.perf_counter()
        finally:
            stop()
        counts = dict(rec.counts or {})
        db.session.remove()
    assert created
    return {"plan": t1 - t0, "apply": t2 - t1, "commit": t3 - t2, "total": t3 - t0, "sql": statements[0],
            "counts": counts}


def measure_pdf(app, url, n):
    from pypdf import PdfReader

    client = app.test_client()
    assert client.post("/auth/login", data={"username": "tinh.admin", "password": PASSWORD}).status_code == 303
    resp = client.get(url)
    if resp.status_code != 200 or resp.mimetype != "application/pdf":
        return None, f"HTTP {resp.status_code} {resp.mimetype}"
    times = []
    for _ in range(n):
        t = time.perf_counter()
        resp = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return (statistics.median(times), pct(times, 0.95), len(PdfReader(io.BytesIO(resp.data)).pages), len(resp.data)), None


def pct(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def single(backend, url, args):
    app = pages.make_app(url)
    seeded = ensure_demo(app, backend, url, args.size, args.rebuild)
    t = targets(app)
    walked, walk_s = walk_commune(app, t)
    c, b, m = t["campaign"], t["branches"][0], t["commune"]
    rows = [
        ("floor: bare Flask route", "floor", "tinh.admin", "/bench/floor"),
        (f"walk list, first page ({t['branch_people']}-person branch)", "walk", "tinh.admin", f"/review/{c}/branches/{b}"),
        ("coverage (campaign page), province", "coverage", "tinh.admin", f"/review/{c}"),
        (f"coverage, one commune ({t['commune_people']:,} people)", "coverage", "tinh.admin", f"/review/{c}?unit={m}"),
        (f"reconciliation preview ({t['commune_people']:,} people)", "preview", "tinh.admin",
         f"/review/{c}/communes/{m}/reconcile"),
    ]
    measured = pages.measure(app, rows, args.n)
    pdf, pdf_why = measure_pdf(app, f"/review/{c}/branches/{b}/walk.pdf", max(3, args.n // 6))
    rec = reconcile(app, t)
    with app.app_context():
        from app.extensions import db
        from app.members.models import Person

        people = db.session.scalar(select(func.count(Person.id)))
        db.session.remove()
        db.engine.dispose()
    return {"rows": measured, "pdf": pdf, "pdf_why": pdf_why, "reconcile": rec, "targets": t, "people": people,
            "seeded": seeded, "walked": walked, "walk_s": walk_s}


def print_single(backend, r, args):
    t = r["targets"]
    note = f", seeded in {r['seeded']:.0f} s" if r["seeded"] else ""
    print(f"**{backend}** — {r['people']:,} people{note}; walk list: {t['branch_name']}; reconciled: "
          f"{t['commune_name']} ({t['commune_people']:,} people, {r['walked']:,} outcomes added in bulk first)\n")
    print("| page | p50 ms | p95 ms | target p95 | p50 ÷ floor | SQL | size gz |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    floor = next((p50 for _l, kind, p50, *_r in r["rows"] if kind == "floor" and p50), None)
    for label, kind, p50, p95, sql, size, status in r["rows"]:
        if p50 is None:
            print(f"| {label} | HTTP {status} | | | | | |")
            continue
        target = TARGETS[kind]
        flag = "" if target is None or p95 <= target else " ⚠"
        print(f"| {label} | {p50:.1f} | {p95:.1f}{flag} | {'—' if target is None else f'≤ {target}'} | "
              f"{p50 / floor:.0f}× | {sql} | {size / 1024:.1f} KB |")
    if r["pdf"]:
        p50, p95, n_pages, size = r["pdf"]
        print(f"| walk list PDF ({t['branch_people']} people, {n_pages} pages) | {p50:.0f} | {p95:.0f} | — | "
              f"{p50 / floor:.0f}× | — | {size / 1024:.0f} KB (PDF) |")
    else:
        print(f"| walk list PDF | skipped: review.walk_pdf answers {r['pdf_why']} (not written yet) | | | | | |")
    rec = r["reconcile"]
    flag = "" if rec["total"] <= 5 else " ⚠"
    print(f"| reconciliation, {t['commune_people']:,} people (plan {rec['plan']:.2f} s + apply {rec['apply']:.2f} s + "
          f"commit {rec['commit']:.2f} s) | {rec['total'] * 1000:.0f}{flag} | | ≤ 5000 | | {rec['sql']} | |")
    print(f"\nreconciled: {', '.join(f'{k} {v:,}' for k, v in rec['counts'].items())}\n")


# ---- under concurrency: gunicorn on PostgreSQL ------------------------------------------------------------------
def concurrent(url, args, t):
    branches, c = t["branches"], t["campaign"]
    return concurrency.run_phases(url, args.workers, args.clients, [
        ("coverage (campaign page), province", lambda i: f"/review/{c}", args.reps),
        ("walk list, first page (branches of ~150 people)",
         lambda i: f"/review/{c}/branches/{branches[i % len(branches)]}", args.reps),
        ("floor: bare route", lambda i: "/bench/floor", args.floor)], password=PASSWORD)


def print_concurrent(out, args):
    concurrency.print_phases(out, args.clients, args.workers,
                             f", {args.reps} requests per client ({args.floor} for the floor)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=("small", "province"), default="province")
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("-n", type=int, default=30, help="timed requests per page")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--pg-name", default=None, help="the PostgreSQL database (default: bench/pages.py's)")
    concurrency.add_arguments(ap, reps=8)
    ap.add_argument("--floor", type=int, default=25, help="floor requests per client under concurrency")
    args = ap.parse_args()
    os.environ.setdefault("APP_ENV", "testing")
    backends = ("postgres", "sqlite") if args.backend == "both" else (args.backend,)
    results, conc = {}, None
    for backend in backends:
        url = database_url(backend, args.size, args.pg_name)
        results[backend] = single(backend, url, args)
        if backend == "postgres" and args.clients:
            conc = concurrent(url, args, results[backend]["targets"])
    print(f"\n### Review benchmark — `{args.size}` demo, {args.n} requests per page\n")
    for backend, r in results.items():
        print_single(backend, r, args)
    if conc:
        print_concurrent(conc, args)


if __name__ == "__main__":
    main()
