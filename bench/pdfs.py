"""PDF benchmark: the printables at realistic sizes, on the `small` demo (built by bench/pages.py if missing).

    .venv/bin/python bench/pdfs.py [-n 5]

Adds an 80-person sympathizer class with 3 sessions to the demo commune (Quảng Ngọc), then times the sign-in
sheet of a session, the class's attendance grid, all 80 certificates in one PDF, and an inspection checklist,
through the Flask test client. Prints a markdown table (pages counted with pypdf).
"""
import argparse
import io
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pages import build, database_url, make_app  # noqa: E402


def setup(app):
    """An 80-person class (created once, reused), and the URLs to time."""
    from sqlalchemy import select

    from app.classes import services
    from app.classes.models import TrainingClass
    from app.extensions import db
    from app.inspections.models import TemplateVersion
    from app.members.models import ON_ROLL, Person
    from app.units.models import Unit

    title = "Lớp cảm tình Đoàn — đo thời gian in (80 học viên)"
    with app.app_context():
        klass = db.session.scalar(select(TrainingClass).where(TrainingClass.title == title))
        if klass is None:
            commune = db.session.scalar(select(Unit).where(Unit.code == "QX-QN"))
            people = db.session.scalars(select(Person).where(Person.unit_path.like(commune.path + "%"),
                                                             Person.status.in_(ON_ROLL), Person.member_type != "union")
                                          .order_by(Person.id).limit(80)).all()
            start = date.today() - timedelta(days=20)
            klass = services.create_class(unit=commune, title=title, kind="sympathizer", starts_on=start,
                                          ends_on=start + timedelta(days=2), capacity=100, status="running")
            for i in range(3):
                services.add_session(klass=klass, held_on=start + timedelta(days=i), topic=f"Chuyên đề {i + 1}",
                                     lecturer="Đ/c Lê Thị Hồng")
            services.enrol_many(klass=klass, people=people)
            db.session.flush()
            from app.classes import queries

            enrolments = queries.enrolments(klass)
            for s in klass.sessions:  # everyone present, reflections in: everyone passes and gets a certificate
                for e in enrolments:
                    services.set_attendance(session=s, enrolment=e, status="present")
            services.save_results(klass=klass, rows=[(e, e.version, 8, True, None) for e in enrolments])
            services.finish_class(klass=klass, expected_version=klass.version,
                                  results=queries.results(klass, enrolments, klass.sessions))
            db.session.commit()
        session_id = klass.sessions[0].id
        version = db.session.scalar(select(TemplateVersion.id).order_by(TemplateVersion.id))
        return [
            ("sign-in sheet, one session (80 people)", f"/classes/{klass.id}/sessions/{session_id}/sign-in.pdf"),
            ("attendance grid, whole class (landscape)", f"/classes/{klass.id}/grid.pdf"),
            ("certificates, all 80 in one PDF", f"/classes/{klass.id}/certificates.pdf"),
            ("blank inspection checklist", f"/inspections/versions/{version}/checklist.pdf"),
        ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=5, help="timed renders per PDF")
    args = ap.parse_args()
    os.environ.setdefault("APP_ENV", "testing")
    from pypdf import PdfReader

    url = database_url("sqlite", "small")
    app = make_app(url)
    build(app, "sqlite", url, "small", False)
    rows = setup(app)
    client = app.test_client()
    client.post("/auth/login", data={"username": "tinh.admin", "password": "sodoan-2026"})
    print(f"\n### PDF benchmark — {args.n} renders each after one warm-up (fonts loaded)\n")
    print("| printable | p50 ms | max ms | pages | size KB |")
    print("|---|---:|---:|---:|---:|")
    for label, path in rows:
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
        times = []
        for _ in range(args.n):
            t = time.perf_counter()
            resp = client.get(path)
            times.append((time.perf_counter() - t) * 1000)
        pages = len(PdfReader(io.BytesIO(resp.data)).pages)
        print(f"| {label} | {statistics.median(times):.0f} | {max(times):.0f} | {pages} | {len(resp.data) / 1024:.0f} |")


if __name__ == "__main__":
    main()
