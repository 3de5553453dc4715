"""Import benchmark: a 5,000-row CSV roll for one commune (20 branches) — preview, confirm, and the same file again
(all updates) — on SQLite and PostgreSQL, through the Flask test client. Prints a markdown table.

    .venv/bin/python bench/imports.py [--rows 5000] [--backend sqlite|postgres|both]
"""
import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pages import OUT, PG_URL, reset_database  # noqa: E402

HO = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi"]


def database_url(backend):
    if backend == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{OUT / 'sodoan_bench_import.db'}"
    return PG_URL.format(name="sodoan_bench_import")


def csv_bytes(codes, n):
    lines = ["Mã chi đoàn,Họ và tên,Giới tính,Ngày sinh,Số CCCD,Đối tượng,Nghề nghiệp"]
    for i in range(n):
        lines.append(f"{codes[i % len(codes)]},{HO[i % 8]} Văn Người {i},Nam,{1 + i % 28:02d}/{1 + i % 12:02d}/{1990 + i % 15},"
                     f"0383{i:08d},Đoàn viên,Công nhân")
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


def run(backend, rows):
    from sqlalchemy import func, select

    from app import create_app
    from app.auth.services import create_user, grant_role
    from app.extensions import db
    from app.members.models import ImportBatch, Person
    from app.units.services import create_unit

    url = database_url(backend)
    reset_database(backend, url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "APP_ENV": "testing", "TESTING": False,
                      "WTF_CSRF_ENABLED": False, "INSTANCE_PATH": str(OUT), "LOGIN_MAX_FAILURES": 10 ** 6})
    with app.app_context():
        db.create_all()
        province = create_unit(parent=None, name="Tỉnh đoàn Thử", code="T", level="province", kind="province")
        commune = create_unit(parent=province, name="Đoàn xã Thử", code="X", level="commune", kind="commune")
        branches = [create_unit(parent=commune, name=f"Chi đoàn {i}", code=f"K{i}", level="branch", kind="residential")
                    for i in range(20)]
        user = create_user(username="xa.officer", full_name="Cán bộ xã", phone=None, password="sodoan-2026", created_by=None)
        grant_role(user=user, unit=commune, role="officer", granted_by=None)
        db.session.commit()
        commune_id, codes = commune.id, [b.code for b in branches]
    data = csv_bytes(codes, rows)
    client = app.test_client()
    client.post("/auth/login", data={"username": "xa.officer", "password": "sodoan-2026"})
    out = []
    for label in ("first import (all new)", "same file again (all found, none changed)"):
        t = time.perf_counter()
        resp = client.post(f"/members/import?unit={commune_id}", data={"unit": str(commune_id), "file": (io.BytesIO(data), "ds.csv")},
                           content_type="multipart/form-data")
        assert resp.status_code == 303, resp.status_code
        client.get(resp.location)
        preview = time.perf_counter() - t
        with app.app_context():
            batch_id = db.session.scalar(select(ImportBatch.id).order_by(ImportBatch.id.desc()))
        t = time.perf_counter()
        assert client.post(f"/members/import/{batch_id}/confirm").status_code == 303
        confirm = time.perf_counter() - t
        with app.app_context():
            people = db.session.scalar(select(func.count(Person.id)))
        out.append((label, preview, confirm, people))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = ap.parse_args()
    os.environ.setdefault("APP_ENV", "testing")
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    print(f"\n### Import benchmark — {args.rows:,} rows, one commune of 20 branches (target: under 30 s each)\n")
    print("| database | run | upload + preview s | confirm s | people after |")
    print("|---|---|---:|---:|---:|")
    for backend in backends:
        for label, preview, confirm, people in run(backend, args.rows):
            print(f"| {backend} | {label} | {preview:.1f} | {confirm:.1f} | {people:,} |")


if __name__ == "__main__":
    main()
