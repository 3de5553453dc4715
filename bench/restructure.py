"""Restructuring benchmark on the province demo (~300,000 people, PostgreSQL): the 2025 reform undone and done again.

    .venv/bin/python bench/restructure.py                       # its own database, built by bench/pages' builder
    .venv/bin/python bench/restructure.py --pg-name sodoan_bench --clients 8
    .venv/bin/python bench/restructure.py --rebuild              # drop and seed again (~6 min)

The bench CHANGES its database (the operations are applied), so by default it works on a database of its own
(`sodoan_bench_restructure`), seeded by bench/pages.py's builder when absent. It runs again on the same database:
each run undoes the last applied district dissolution first.

(a) the undo of the seeded dissolution (app/restructure/seed.py): the 27 districts come back with their communes;
(b) all districts dissolved again in one operation (target ≤ 60 s), on a quiet server; (a′) undone again;
(f) the dissolve once more while N clients (gunicorn, 4 sync workers) open a commune's unit page and a bare route (the
    "floor"): latency during vs before, as multiples of the quiet floor (on 2 cores the clients also slow the dissolve);
(c) one commune merged into another (target ≤ 5 s); (d) a branch split (half its people to a new branch).
After each: per kind (units, people, classes, inspections, open actions, targets, grants) every row that existed is
still there, people per status unchanged, no path copy differs from its unit's (paths.mismatches()), and the numbers
the preview promised are those moved. Times are the operation's run (its chunks, one transaction each), "longest
step" the longest of them (the longest any lock is held). Prints markdown tables; exit status 1 when a check fails.
"""
import argparse
import os
import statistics
import sys
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import concurrency  # noqa: E402  (bench/concurrency.py: gunicorn, the signed-in clients)
import pages  # noqa: E402  (bench/pages.py: the demo databases, the app, the statement counter)
from sqlalchemy import func, select  # noqa: E402

from tests.live import LiveClient  # noqa: E402

EFF = date(2025, 7, 1)
DECISION = "Nghị quyết số 1686/NQ-UBTVQH15 (bench)"
TARGETS = {"dissolve": 60, "merge": 5}


def kinds():
    from app.auth.models import RoleGrant
    from app.classes.models import TrainingClass
    from app.inspections.models import CorrectiveAction, Inspection
    from app.members.models import Person
    from app.targets.models import Target
    from app.units.models import Unit

    return {"units": Unit, "people": Person, "classes": TrainingClass, "inspections": Inspection,
            "actions": CorrectiveAction, "targets": Target, "grants": RoleGrant}


def census():
    """{kind: (rows, highest id)} plus people per status and the open actions and active grants."""
    from app.auth.models import RoleGrant
    from app.extensions import db
    from app.inspections.models import CorrectiveAction
    from app.members.models import Person
    from app.restructure.services import OPEN_ACTION

    out = {k: tuple(db.session.execute(select(func.count(), func.max(m.id)).select_from(m)).one())
           for k, m in kinds().items()}
    out["by_status"] = dict(db.session.execute(select(Person.status, func.count()).group_by(Person.status)).all())
    out["open_actions"] = db.session.scalar(select(func.count()).select_from(CorrectiveAction).where(
        CorrectiveAction.status.in_(OPEN_ACTION)))
    out["active_grants"] = db.session.scalar(select(func.count()).select_from(RoleGrant).where(
        RoleGrant.revoked_at.is_(None)))
    return out


def lost(before):
    """[kind] whose rows that existed before are not all there now (an operation never deletes)."""
    from app.extensions import db

    out = []
    for k, m in kinds().items():
        n, top = before[k]
        if db.session.scalar(select(func.count()).select_from(m).where(m.id <= (top or 0))) != n:
            out.append(k)
    return out


class Timed:
    """Times each step (chunk) of the operations run meanwhile: the longest is the longest transaction."""

    def __init__(self):
        from app.restructure import services

        self.steps, self._orig = [], services.Runner.run_step
        timed = self

        def run_step(runner, i, step):
            t = time.perf_counter()
            try:
                return timed._orig(runner, i, step)
            finally:
                timed.steps.append(time.perf_counter() - t)

        services.Runner.run_step = run_step


def operate(app, label, make_plan, by_id, *, during=None):
    """Preview (make_plan), apply (start + run, timed, statements counted), then check. `during(op_thread)` runs
    alongside, e.g. the clients. → a result row (dict)."""
    from app.extensions import db
    from app.restructure import paths, plans, services
    from app.restructure.models import RestructureOp

    with app.app_context():
        from app.auth.models import User

        user = db.session.get(User, by_id)
        t = time.perf_counter()
        plan = make_plan(user)
        preview_s = time.perf_counter() - t
        if not plan.ok:
            raise SystemExit(f"{label}: the plan has conflicts: {plan.conflicts}")
        before = census()
        op = services.start(plan, by=user)
        op_id, counts = op.id, dict(plan.counts)
        db.session.remove()
    timed = Timed()
    with app.app_context():
        statements, stop = pages.counting(db.engine)
    result = {}

    def work():
        with app.app_context():
            t0 = time.perf_counter()
            services.run(op_id, by_id=by_id)
            result["seconds"] = time.perf_counter() - t0
            db.session.remove()

    thread = threading.Thread(target=work, name=f"bench-{label}")
    thread.start()
    side = during(thread) if during else None
    thread.join()
    stop()
    from app.restructure import services as _s

    _s.Runner.run_step = timed._orig
    with app.app_context():
        op = db.session.get(RestructureOp, op_id)
        after = census()
        moved = op.moved or {}
        # every number the preview showed is what moved (an undo's preview shows fewer numbers than it moves)
        preview_ok = all(moved.get(k, 0) == counts.get(k, 0) for k in plans.COUNTED if k in counts)
        if not preview_ok:
            print(f"{label}: preview {counts} ≠ moved {moved}", file=sys.stderr)
        row = {
            "label": label, "op": op_id, "status": op.status, "error": op.error, "seconds": result.get("seconds", 0),
            "preview_s": preview_s, "steps": op.steps_total, "longest": max(timed.steps, default=0),
            "statements": statements[0], "moved": moved, "preview": counts, "preview_ok": preview_ok,
            "mismatches": len(paths.mismatches()), "lost": lost(before),
            "status_ok": after["by_status"] == before["by_status"], "before": before, "after": after, "side": side,
        }
        db.session.remove()
    return row


# ---- the operations ---------------------------------------------------------------------------------------------------
def last_dissolve():
    from app.extensions import db
    from app.restructure.models import RestructureOp

    return db.session.scalar(select(RestructureOp.id).where(RestructureOp.kind == "dissolve",
                                                            RestructureOp.status == "applied")
                             .order_by(RestructureOp.id.desc()))


def plan_undo(user):
    from app.extensions import db
    from app.restructure import plans
    from app.restructure.models import RestructureOp

    op_id = last_dissolve()
    if op_id is None:
        raise SystemExit("no applied dissolution to undo: is this the province demo (app/restructure/seed.py)?")
    return plans.undo(user, db.session.get(RestructureOp, op_id))


def plan_dissolve(user):
    from app.extensions import db
    from app.restructure import plans
    from app.units.models import Unit

    districts = db.session.scalars(select(Unit).where(Unit.level == "district", Unit.status == "active")
                                   .order_by(Unit.id)).all()
    return plans.dissolve(user, units=districts, decision=DECISION, effective_on=EFF)


def plan_merge(user):
    """The first pair of neighbouring active communes (by name, off the demo accounts' communes) that merges cleanly."""
    from app.auth.models import RoleGrant
    from app.extensions import db
    from app.restructure import plans
    from app.units.models import Unit

    granted = set(db.session.scalars(select(RoleGrant.unit_id).where(RoleGrant.revoked_at.is_(None))))
    communes = [c for c in db.session.scalars(select(Unit).where(Unit.level == "commune", Unit.status == "active")
                                              .order_by(Unit.name, Unit.id)) if c.id not in granted]
    for source, target in zip(communes[1::2], communes[::2]):
        plan = plans.merge(user, sources=[source], target=target, decision="Quyết định số 99/QĐ-TĐTN (bench)",
                           effective_on=EFF, rename=True)
        if plan.ok:
            return plan
    raise SystemExit("no pair of communes merges without a conflict")


def plan_split(user):
    """The most populous active branch: half its people (by id) into a new branch beside it."""
    from app.extensions import db
    from app.members.models import Person
    from app.restructure import plans
    from app.units.models import Unit

    branch_id = db.session.execute(select(Person.unit_id, func.count()).join(Unit, Unit.id == Person.unit_id)
                                   .where(Unit.level == "branch", Unit.status == "active")
                                   .group_by(Person.unit_id).order_by(func.count().desc(), Person.unit_id)
                                   .limit(1)).one()[0]
    branch = db.session.get(Unit, branch_id)
    people = db.session.scalars(select(Person.id).where(Person.unit_id == branch.id).order_by(Person.id)).all()
    stamp = int(time.time()) % 100000  # a rerun makes another branch: its code must be new among the siblings
    return plans.split(user, unit=branch, name=f"{branch.name} (tách {stamp})", code=f"{branch.code}-T{stamp}",
                       person_ids=people[: len(people) // 2], decision="Quyết định số 98/QĐ-ĐTN (bench)",
                       effective_on=EFF)


# ---- the clients ------------------------------------------------------------------------------------------------------
def client_phase(clients, paths_of, until):
    """Every client requests its path again and again until `until()` is true. → {path kind: [ms]}, errors."""
    from tests.live import start_together

    for c in clients:
        c.log.clear()

    def job(i, c):
        def run():
            while not until():
                c.get(paths_of(i))
        return run

    _wall, errs = start_together([job(i, c) for i, c in enumerate(clients)])
    out = {"unit": [], "floor": []}
    bad = len(errs)
    for c in clients:
        for _m, path, status, ms in c.log:
            if status != 200:
                bad += 1
                continue
            out["floor" if path.endswith("/floor") else "unit"].append(ms)
    return out, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg-name", default="sodoan_bench_restructure", help="the PostgreSQL database (changed!)")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--quiet-seconds", type=float, default=15, help="how long the clients run before the dissolve")
    concurrency.add_arguments(ap, 0)
    args = ap.parse_args()
    os.environ.setdefault("APP_ENV", "testing")
    url = pages.PG_URL.format(name=args.pg_name)
    app = pages.make_app(url)
    t_all = time.perf_counter()
    seeded = pages.build(app, "postgres", url, "province", args.rebuild)
    from app.auth.models import RoleGrant, User
    from app.extensions import db
    from app.members.models import Person
    from app.units.models import Unit

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "tinh.admin")).id
        people = db.session.scalar(select(func.count()).select_from(Person))
        commune = db.session.scalar(select(RoleGrant.unit_id).join(User, User.id == RoleGrant.user_id).where(
            User.username == "xa.officer", RoleGrant.revoked_at.is_(None)).order_by(RoleGrant.id))
        commune_name = db.session.get(Unit, commune).name
        db.session.remove()

    rows = [operate(app, "(a) undo of the seeded district dissolution", plan_undo, admin),
            operate(app, "(b) dissolve all districts at once", plan_dissolve, admin),
            operate(app, "(a′) undo of (b)", plan_undo, admin)]
    quiet, proc = None, None
    try:
        during = None
        if args.clients > 0:
            from app.auth.passwords import DEMO_PASSWORD

            proc, base = concurrency.start_gunicorn(args.workers, url)
            clients = [LiveClient(base, timeout=120).login("xa.officer", DEMO_PASSWORD) for _ in range(args.clients)]
            path = lambda i: f"/units/{commune}" if i % 2 == 0 else "/bench/floor"  # noqa: E731
            end = time.perf_counter() + args.quiet_seconds
            quiet = client_phase(clients, path, lambda: time.perf_counter() > end)
            during = lambda thread: client_phase(clients, path, lambda: not thread.is_alive())  # noqa: E731
        rows.append(operate(app, "(f) dissolve all districts again, under the clients", plan_dissolve, admin,
                            during=during))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    rows.append(operate(app, "(c) merge one commune into another", plan_merge, admin))
    rows.append(operate(app, "(d) split a branch (half its people)", plan_split, admin))
    total = time.perf_counter() - t_all
    return report(rows, quiet, people, seeded, commune_name, args, total)


def short(label):
    return label.split(" ", 1)[0]


def pct(values, q):
    return concurrency.pct(values, q)


def report(rows, quiet, people, seeded, commune_name, args, total):
    failed = False
    note = f", seeded in {seeded:.0f} s" if seeded else ""
    print(f"\n### Restructuring benchmark — province demo, {people:,} people, PostgreSQL{note}\n")
    print("| operation | seconds | target | steps | longest step s | SQL statements | units moved | people below | "
          "actions | grants | targets | preview = moved | path mismatches | rows lost |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|")
    for r in rows:
        kind = {"(b)": "dissolve", "(c)": "merge"}.get(r["label"][:3])
        target = TARGETS.get(kind)
        flag = " ⚠" if target and r["seconds"] > target else ""
        m = r["moved"]
        ok = r["status"] == "applied" and r["preview_ok"] and not r["mismatches"] and not r["lost"] and r["status_ok"]
        failed |= not ok or bool(flag)
        print(f"| {r['label']}{'' if r['status'] == 'applied' else ' — ' + str(r['status']) + ': ' + str(r['error'])}"
              f" | {r['seconds']:.1f}{flag} | {f'≤ {target}' if target else '—'} | {r['steps']} | {r['longest']:.1f} | "
              f"{r['statements']:,} | {m.get('units', 0):,} | {m.get('people', 0):,} | {m.get('actions', 0)} | "
              f"{m.get('grants', 0)} | {m.get('targets', 0)} | {'yes' if r['preview_ok'] else 'NO'} | "
              f"{r['mismatches']} | {', '.join(r['lost']) or 'none'} |")
    print("\nPreviews (built from the records, nothing written) took "
          + ", ".join(f"{short(r['label'])} {r['preview_s']:.1f} s" for r in rows) + ".\n")
    print("**rows per kind** (every row that existed before an operation is still there after it; new rows are the "
          "successor's versions: a merged target, a carried grant, a new unit)\n")
    names = list(kinds())
    print("| kind | before (a) | " + " | ".join(f"after {short(r['label'])}" for r in rows) + " |")
    print("|---|---:|" + "---:|" * len(rows))
    for k in names:
        print(f"| {k} | {rows[0]['before'][k][0]:,} | " + " | ".join(f"{r['after'][k][0]:,}" for r in rows) + " |")
    for k in ("open_actions", "active_grants"):
        print(f"| {k.replace('_', ' ')} | {rows[0]['before'][k]:,} | " + " | ".join(f"{r['after'][k]:,}" for r in rows)
              + " |")
    print("| people per status unchanged | — | " + " | ".join("yes" if r["status_ok"] else "NO" for r in rows) + " |")
    side = next((r["side"] for r in rows if r["label"].startswith("(f)")), None)
    if quiet and side:
        (q, q_bad), (d, d_bad) = quiet, side
        floor = statistics.median(q["floor"]) if q["floor"] else 0
        print(f"\n**responsiveness during (f)**, the dissolve of (b) again — {args.clients} clients signed in as xa.officer, half opening the unit "
              f"page of {commune_name}, half a bare route; gunicorn {args.workers} sync workers; multiples of the "
              f"quiet floor p50 ({floor:.1f} ms)\n")
        print("| phase | request | n | errors | p50 ms | p95 ms | p50 ÷ floor | p95 ÷ floor |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for phase, data, bad in (("before", q, q_bad), ("during the dissolve", d, d_bad)):
            for key, label in (("unit", "commune unit page"), ("floor", "floor: bare route")):
                v = data[key]
                p50, p95 = (statistics.median(v) if v else 0), pct(v, 0.95)
                print(f"| {phase} | {label} | {len(v)} | {bad if key == 'unit' else ''} | {p50:.0f} | {p95:.0f} | "
                      f"{(p50 / floor if floor else 0):.1f}× | {(p95 / floor if floor else 0):.1f}× |")
    print(f"\nWhole bench: {total:.0f} s.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
