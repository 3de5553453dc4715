"""Page budgets at the `small` demo size, measured: HTML ≤ 14 KB gzipped, CSS + JS ≤ 30 KB gzipped,
a fixed ceiling of SQL statements per page, assets cached immutably."""
import gzip
import re
from pathlib import Path

from sqlalchemy import select

from app.assets import ASSETS
from tests.conftest import sql_count

HTML_BUDGET = 14 * 1024
ASSET_BUDGET = 30 * 1024
SQL_CEILING = 30


def gz(data):
    return len(gzip.compress(data, compresslevel=6))


def test_css_and_js_within_budget_and_cached_immutably(app, client):
    total = sum(gz((Path(app.static_folder) / name).read_bytes()) for name in ASSETS)
    assert total <= ASSET_BUDGET, total
    html = client.get("/auth/login").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    assert len(urls) >= 3
    for url in urls:
        with client.get(url) as resp:
            assert resp.status_code == 200
            assert "immutable" in resp.headers["Cache-Control"] and "max-age=31536000" in resp.headers["Cache-Control"]
    # no web fonts, no images
    css = (Path(app.static_folder) / "css/app.css").read_text()
    assert "@font-face" not in css and "url(" not in css


def test_responses_are_gzipped(client):
    resp = client.get("/auth/login", headers={"Accept-Encoding": "gzip"})
    assert resp.headers.get("Content-Encoding") == "gzip"
    assert "Content-Security-Policy" in resp.headers and "unsafe-inline" not in resp.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def main_pages(db):
    """(username, url) for the main pages of every domain, at the demo's real ids."""
    from app.units.models import Unit

    province = db.session.scalar(select(Unit).where(Unit.level == "province"))
    commune = db.session.scalar(select(Unit).where(Unit.code == "QX-QN"))
    branch = db.session.scalar(select(Unit).where(Unit.parent_id == commune.id).order_by(Unit.id))
    pages = [
        ("tinh.admin", f"/units/{province.id}"),
        ("tinh.admin", f"/units/{commune.id}"),
        ("tinh.admin", f"/units/{branch.id}"),
        ("tinh.admin", f"/units/{commune.id}/new"),
        ("tinh.admin", f"/units/{province.id}/new"),
        ("tinh.admin", "/auth/users"),
        ("tinh.admin", "/auth/users/new"),
        ("tinh.admin", "/audit/"),
        ("xa.officer", f"/units/{commune.id}"),
        ("xa.officer", "/auth/password"),
    ]
    for rule_endpoint in ("members.index", "activities.index", "classes.index", "inspections.index"):
        pages.append(("tinh.admin", rule_endpoint))
        pages.append(("xa.officer", rule_endpoint))
    return pages


def test_main_pages_within_budget_at_demo_size(demo_app, demo_db):
    from flask import url_for

    from app.seed import DEMO_PASSWORD

    app, db = demo_app, demo_db
    rows = []
    for username, url in main_pages(db):
        if not url.startswith("/"):
            assert url in app.view_functions, f"{url}: renamed? name the page's endpoint here, never skip it"
            with app.test_request_context():
                url = url_for(url)
        client = app.test_client()
        assert client.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 303
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        size = gz(resp.data)
        rows.append((url, username, size, sql_count(resp)))
    print("\n".join(f"{u:<40} {n:<12} {s:>6} B gz {q:>3} SQL" for u, n, s, q in rows))
    over = [r for r in rows if r[2] > HTML_BUDGET or r[3] > SQL_CEILING]
    assert not over, over
