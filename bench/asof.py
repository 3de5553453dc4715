"""Figures as of a date on the province demo (~300,000 people, PostgreSQL): how long app.restructure.asof takes for
the province, a commune and a merged-away commune, along the tree as it was then and on today's tree.

    .venv/bin/python bench/asof.py                                  # on bench/restructure.py's database
    .venv/bin/python bench/asof.py --pg-name sodoan_bench

Each figure is timed twice (the second warm) with its SQL statement count; a bare query (SELECT 1) is measured in
the same run as the floor. Prints a markdown table.
"""
import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pages  # noqa: E402  (bench/pages.py: the app, the statement counter)
from sqlalchemy import select, text  # noqa: E402


def timed(engine, fn):
    n, stop = pages.counting(engine)
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    stop()
    return out, seconds, n[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg-name", default="sodoan_bench_restructure")
    args = ap.parse_args()
    app = pages.make_app(pages.PG_URL.format(name=args.pg_name))
    from app.extensions import db
    from app.restructure import asof
    from app.units.models import Unit

    with app.app_context():
        engine = db.engine
        province = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        merged = db.session.scalar(select(Unit).where(Unit.status == "merged", Unit.level == "commune").limit(1))
        commune = db.session.scalar(select(Unit).where(Unit.level == "commune", Unit.status == "active")
                                    .order_by(Unit.id).limit(1))
        end_2024, today = date(2024, 12, 31), date.today()
        cases = [("province", province, end_2024, "then"), ("province", province, end_2024, "now"),
                 ("province", province, today, "then"), ("commune", commune, end_2024, "then"),
                 ("commune", commune, today, "now")]
        if merged is not None:
            cases += [("merged-away commune", merged, merged.closed_on - timedelta(days=1), "then"),
                      ("its successor", db.session.get(Unit, merged.merged_into_id),
                       merged.closed_on - timedelta(days=1), "now")]
        _, floor, _ = timed(engine, lambda: db.session.execute(text("SELECT 1")).scalar())
        _, floor, _ = timed(engine, lambda: db.session.execute(text("SELECT 1")).scalar())
        print(f"\nFigures as of a date, {args.pg_name}; floor (SELECT 1) {floor * 1000:.2f} ms\n")
        print("| unit | day | tree | on roll | Union members | paper | cold s | warm s | statements |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|")
        for label, unit, on, tree in cases:
            figs, cold, _n = timed(engine, lambda u=unit, o=on, t=tree: asof.figures(u, o, t))
            db.session.rollback()
            figs, warm, n = timed(engine, lambda u=unit, o=on, t=tree: asof.figures(u, o, t))
            db.session.rollback()
            print(f"| {label} ({unit.name}) | {on:%d/%m/%Y} | {tree} | {figs['on_roll']:,} | {figs['union']:,} | "
                  f"{'—' if figs['paper'] is None else format(figs['paper'], ',')} | {cold:.2f} | {warm:.2f} | {n} |")


if __name__ == "__main__":
    main()
