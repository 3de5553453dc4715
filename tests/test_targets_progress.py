"""Progress against the approved targets: statuses at given dates, the ranking of the communes (and districts) and its
"behind" filter, every actual a link to its records, a fixed number of SQL statements whatever the number of
communes, who may read it, plain GET pages (JavaScript off), the unit page's card.

The actuals are app.targets.actuals' (its CONTRACT); until they land these tests put simple fakes in its place (one
SQL statement per values() call, as the real ones run a fixed number)."""
import re
from datetime import date
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app import seams
from app.auth.models import RoleGrant, User
from app.extensions import db as _db
from app.targets import actuals, catalogue, progress
from app.targets.models import Indicator, Target
from app.units.models import Unit
from tests.browser_fixtures import browser, browser_mark, page  # noqa: F401 — shared fixtures
from tests.browser_fixtures import login as browser_login
from tests.conftest import _TMP, FAST_METHOD, HTMX, PASSWORD, make_app, sql_count
from tests.live import live_server

YEAR = 2025  # a past year: the page counts to 31/12, the whole year gone by


# ---- fakes of the actuals (the CONTRACT) -------------------------------------------------------------------------
class FakeActuals:
    """values() answers FIGURES[(key, unit id)] (0, or None for a percent, when absent) after one SQL statement;
    monthly() spreads the value evenly over the months up to as_of."""

    def __init__(self, db):
        self.db, self.figures, self.calls = db, {}, []

    def values(self, key, units, year, as_of=None):
        self.calls.append(("values", key, len(units)))
        self.db.session.execute(select(func.count(Unit.id)).where(Unit.id.in_([u.id for u in units]))).scalar()
        kind = actuals.ACTUALS[key].kind
        return {u.id: actuals.Value(self.figures.get((key, u.id), None if kind == "percent" else 0)) for u in units}

    def monthly(self, key, unit, year, as_of=None):
        self.calls.append(("monthly", key, 1))
        as_of = as_of or date.today()
        last = 12 if as_of.year > year else (0 if as_of.year < year else as_of.month)
        total = self.figures.get((key, unit.id)) or 0
        return [actuals.Value(round(total * m / last, 1)) if m <= last else None for m in range(1, 13)]


FAKE_KEYS = {"admitted": "count", "worker_branches_5": "count", "yw_communes_share": "percent", "real_share": "percent"}


@pytest.fixture
def fake(db, monkeypatch):
    f = FakeActuals(db)
    monkeypatch.setattr(actuals, "ACTUALS", {k: actuals.Actual(k, k, kind) for k, kind in FAKE_KEYS.items()})
    monkeypatch.setattr(actuals, "values", f.values, raising=False)  # raising: until wt-actuals is merged
    monkeypatch.setattr(actuals, "monthly", f.monthly, raising=False)
    return f


def _records_stand_in(error, endpoint, values):
    """targets.records is wt-actuals' page: until it is merged, url_for builds its address here (a build-error
    handler, removed after each test: the session's app keeps no trace of it)."""
    if endpoint != "targets.records":
        return None
    values = {k: v for k, v in values.items() if v is not None and not k.startswith("_")}
    return f"/targets/records/{values.pop('code')}?{urlencode(values)}"


@pytest.fixture(autouse=True)
def records_route(app):
    app.url_build_error_handlers.append(_records_stand_in)
    yield
    app.url_build_error_handlers.remove(_records_stand_in)


@pytest.fixture
def cat(db):
    catalogue.ensure()
    db.session.commit()
    return {i.code: i for i in db.session.scalars(select(Indicator))}


@pytest.fixture
def approve(db, cat):
    def do(unit, code, value, number=1, status="approved", year=YEAR):
        t = Target(unit_id=unit.id, unit_path=unit.path, year=year, indicator_id=cat[code].id, number=number,
                   value=value, status=status)
        db.session.add(t)
        db.session.commit()
        return t

    return do


def signed_in(app, user):
    """A client of its own, signed in as `user` (one client per person: signing in again while in redirects)."""
    c = app.test_client()
    assert c.post("/auth/login", data={"username": user.username, "password": PASSWORD}).status_code == 303
    return c


def records_url(code, unit, year=YEAR):
    return f"/targets/records/{code}?unit={unit.id}&amp;year={year}"


# ---- the arithmetic ----------------------------------------------------------------------------------------------
def test_the_share_of_the_year_gone_by():
    assert progress.year_elapsed(2026, date(2025, 12, 31)) == 0
    assert progress.year_elapsed(2026, date(2027, 1, 1)) == 1
    assert progress.year_elapsed(2026, date(2026, 12, 31)) == 1
    assert progress.year_elapsed(2026, date(2026, 7, 2)) == pytest.approx(183 / 365)
    assert progress.year_elapsed(2024, date(2024, 12, 31)) == 1  # a leap year
    assert progress.as_of_for(2025, date(2026, 3, 1)) == date(2025, 12, 31)
    assert progress.as_of_for(2026, date(2026, 3, 1)) == date(2026, 3, 1)


@pytest.mark.parametrize("kind,actual,target,on,expected", [
    ("count", 20, 20, date(2026, 3, 1), "met"),
    ("count", 25, 20, date(2026, 3, 1), "met"),
    ("count", 11, 20, date(2026, 7, 2), "on_track"),  # 11 ≥ 20 × 183/365 = 10.03
    ("count", 10, 20, date(2026, 7, 2), "behind"),  # just under the line
    ("count", 0, 20, date(2026, 1, 1), "behind"),  # 0 < 20 × 1/365
    ("count", 0, 20, date(2025, 12, 31), "on_track"),  # the year has not begun
    ("count", 19, 20, date(2027, 1, 5), "behind"),  # the year is over
    ("count", 0, 0, date(2026, 6, 1), "met"),
    ("percent", 50.0, 66.7, date(2026, 7, 2), "behind"),  # a percent compares its share now with the target
    ("percent", 50.0, 66.7, date(2026, 1, 2), "behind"),  # … whatever the date
    ("percent", 66.7, 66.7, date(2026, 1, 2), "met"),
    ("percent", 5.5, 5, date(2026, 2, 1), "met"),
    ("percent", None, 5, date(2026, 2, 1), None),  # a share over nobody: no status
    ("count", 3, None, date(2026, 2, 1), None),  # no approved target: no status
])
def test_statuses_at_given_dates(kind, actual, target, on, expected):
    assert progress.status_of(kind, actual, target, progress.year_elapsed(2026, on)) == expected


def test_labels_and_figures(app):
    with app.test_request_context():
        assert [str(s) for s in progress.STATUSES.values()] == ["Đạt", "Đúng tiến độ", "Chậm"]
        assert progress.figure(1610) == "1.610" and progress.figure(66.66, "percent") == "66,7%"
        assert progress.figure(None) == "—" and progress.share_of(5, 0) is None and progress.share_of(3, 4) == 75.0


# ---- a unit's own progress ---------------------------------------------------------------------------------------
def test_a_commune_sees_its_targets_actuals_share_status_and_months(client, db, tree, make_user, login, fake, approve):
    t = tree
    approve(t.C1, "admitted", 10, number=1, status="superseded")
    approve(t.C1, "admitted", 20, number=2)  # the approved version in force
    approve(t.C1, "admitted", 99, number=3, status="submitted")  # waiting: not in force
    approve(t.C1, "real_share", 60)
    approve(t.C2, "worker_branches_5", 3)  # another commune's
    fake.figures.update({("admitted", t.C1.id): 12, ("real_share", t.C1.id): 61.5})
    login(make_user("xa1", (t.C1, "viewer")))

    resp = client.get(f"/targets/units/{t.C1.id}/progress?year={YEAR}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    own = html.split('id="own"', 1)[1].split("</table>", 1)[0]
    rows = {r.split("</td>", 1)[0]: r for r in own.split("<tr><td>")[1:]}
    admitted = next(r for k, r in rows.items() if k.startswith("Kết nạp đoàn viên mới<"))
    assert ">20<" in admitted and ">99<" not in admitted and ">10<" not in admitted
    assert f'href="{records_url("admitted", t.C1)}">12</a>' in admitted
    assert "60%" in admitted and "Chậm" in admitted  # 12 of 20 when the year is over
    real = next(r for k, r in rows.items() if k.startswith("Tỷ lệ đoàn viên thực chất"))
    assert f'href="{records_url("real_share", t.C1)}">61,5%</a>' in real and "Đạt" in real
    branches = next(r for k, r in rows.items() if k.startswith("Thành lập chi đoàn"))
    assert "chưa có chỉ tiêu được duyệt" in branches and f'href="{records_url("worker_branches_5", t.C1)}">0</a>' in branches
    assert "Đúng tiến độ" not in branches and "Chậm" not in branches
    assert "yw_communes_share" not in own  # a province and district indicator: not a commune's
    months = html.split('id="months"', 1)[1].split("</table>", 1)[0]
    assert months.count("<th class=\"num\">") == 12 and ">12<" in months  # cumulative, by month
    assert 'data-label="T6">6<' in months  # June: half of the year's 12
    assert 'id="ranking"' not in html  # a commune ranks nothing
    assert 'badge bad' in admitted and 'badge ok' in real


def test_on_track_in_the_current_year(db, app, tree, fake, approve):
    t = tree
    approve(t.C1, "admitted", 20, year=2026)
    approve(t.C1, "worker_branches_5", 2, year=2026)
    fake.figures.update({("admitted", t.C1.id): 11, ("worker_branches_5", t.C1.id): 0})
    with app.test_request_context():
        p = progress.unit_progress(t.C1, 2026, today=date(2026, 7, 2))
        by = {c.indicator.code: c for c in p.cells}
        assert p.as_of == date(2026, 7, 2)
        assert by["admitted"].status == "on_track" and by["admitted"].share == 55.0 and by["admitted"].expected == 10.0
        assert by["worker_branches_5"].status == "behind"
        assert [m is None for m in by["admitted"].months] == [False] * 7 + [True] * 5
        assert p.tally == {"met": 0, "on_track": 1, "behind": 1}
        later = progress.unit_progress(t.C1, 2026, today=date(2026, 12, 31))
        assert {c.indicator.code: c.status for c in later.cells}["admitted"] == "behind"


# ---- the ranking -------------------------------------------------------------------------------------------------
@pytest.fixture
def ranked(db, tree, make_unit, fake, approve):
    """Province P: district D (communes C1, C2), communes C3 and C4 directly under P. Targets for admitted everywhere;
    worker branches for C1 and C3."""
    t = tree
    t.C4 = make_unit(t.P, level="commune", name="Đoàn xã Cầu Xây", code="C4")
    for unit, target, actual in ((t.D, 40, 30), (t.C1, 20, 22), (t.C2, 20, 8), (t.C3, 10, 12), (t.C4, 10, 5)):
        approve(unit, "admitted", target)
        fake.figures[("admitted", unit.id)] = actual
    approve(t.C1, "worker_branches_5", 2)
    approve(t.C3, "worker_branches_5", 2)
    fake.figures.update({("worker_branches_5", t.C1.id): 1, ("worker_branches_5", t.C3.id): 2})
    return t


def _ranked_names(html):
    table = html.split('id="ranked"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr><td><a href="[^"]*">\d+\. ([^<]*)</a>', table)


def test_the_province_ranks_its_communes_and_districts(client, db, ranked, make_user, login):
    t = ranked
    login(make_user("tinh", (t.P, "viewer")))
    html = client.get(f"/targets/units/{t.P.id}/progress?year={YEAR}").get_data(as_text=True)
    # mean share of the indicators with a target: C3 (120 + 100)/2, C1 (110 + 50)/2, D 75, C4 50, C2 40
    assert _ranked_names(html) == [t.C3.name, t.C1.name, t.D.name, t.C4.name, t.C2.name]
    table = html.split('id="ranked"', 1)[1].split("</table>", 1)[0]
    for u in (t.D, t.C1, t.C2, t.C3, t.C4):
        assert f'href="{records_url("admitted", u)}"' in table
    assert f'href="{records_url("worker_branches_5", t.C1)}">1</a><span class="sub">/ 2</span>' in table
    assert "Huyện đoàn Một" in table.split(t.C1.name, 1)[1].split("</td>", 1)[0]  # a commune names its district
    assert 'data-label="' in table and 'class="cards"' in html  # stacked rows at 360 px

    # by one indicator: ranked by its share
    html = client.get(f"/targets/units/{t.P.id}/progress?year={YEAR}&indicator=admitted").get_data(as_text=True)
    assert _ranked_names(html) == [t.C3.name, t.C1.name, t.D.name, t.C4.name, t.C2.name]
    html = client.get(f"/targets/units/{t.P.id}/progress?year={YEAR}&indicator=worker_branches_5").get_data(as_text=True)
    assert _ranked_names(html)[:2] == [t.C3.name, t.C1.name]  # the others have no target for it: last

    # behind on at least one: C1 (branches), D, C4, C2 — C3 met both
    html = client.get(f"/targets/units/{t.P.id}/progress?year={YEAR}&behind=1").get_data(as_text=True)
    assert _ranked_names(html) == [t.C1.name, t.D.name, t.C4.name, t.C2.name]
    # behind on the chosen one
    html = client.get(f"/targets/units/{t.P.id}/progress?year={YEAR}&behind=1&indicator=worker_branches_5").get_data(as_text=True)
    assert _ranked_names(html) == [t.C1.name]
    html = client.get(f"/targets/units/{t.P.id}/progress?year={YEAR}&behind=1&level=commune").get_data(as_text=True)
    assert _ranked_names(html) == [t.C1.name, t.C4.name, t.C2.name]

    # the district ranks its own communes only
    html = client.get(f"/targets/units/{t.D.id}/progress?year={YEAR}").get_data(as_text=True)
    assert _ranked_names(html) == [t.C1.name, t.C2.name]


def test_the_ranking_is_a_fragment_for_htmx_and_a_whole_page_without(client, db, ranked, make_user, login):
    t = ranked
    login(make_user("tinh", (t.P, "viewer")))
    url = f"/targets/units/{t.P.id}/progress?year={YEAR}&behind=1"
    whole = client.get(url)
    assert whole.status_code == 200 and "<html" in whole.get_data(as_text=True)
    assert 'method="get"' in whole.get_data(as_text=True)  # the filters are a plain GET form
    part = client.get(url, headers=HTMX).get_data(as_text=True)
    assert "<html" not in part and part.lstrip().startswith('<section id="ranking">') and t.C2.name in part


# ---- a fixed number of statements --------------------------------------------------------------------------------
def _province_with(db, make_unit, approve, cat, n):
    p = make_unit(name=f"Tỉnh {n}", code=f"P{n}", commit=False)
    d = make_unit(p, name=f"Huyện {n}", code=f"D{n}", commit=False)
    communes = [make_unit(d if i % 2 else p, level="commune", name=f"Xã {n}-{i}", code=f"X{n}-{i}", commit=False)
                for i in range(n)]
    db.session.commit()
    for u in [p, d, *communes]:
        approve(u, "admitted", 10)
        approve(u, "worker_branches_5", 2)
    return p


def test_the_province_page_runs_the_same_statements_for_3_and_30_communes(app, db, make_unit, make_user, fake, approve,
                                                                        cat):
    small, big = (_province_with(db, make_unit, approve, cat, n) for n in (3, 30))
    users = {small: make_user("tinh-nho", (small, "viewer")), big: make_user("tinh-lon", (big, "viewer"))}
    counts = []
    for p in (small, big):
        client = signed_in(app, users[p])
        for query in ("", "&behind=1", "&indicator=admitted"):
            fake.calls.clear()
            resp = client.get(f"/targets/units/{p.id}/progress?year={YEAR}{query}")
            assert resp.status_code == 200
            counts.append(sql_count(resp))
            assert len([c for c in fake.calls if c[0] == "values"]) == len(FAKE_KEYS)  # one per indicator, all units at once
    assert counts[:3] == counts[3:], counts


@pytest.mark.skipif(not actuals.ACTUALS, reason="the actuals are not merged yet (wt-actuals)")
def test_the_real_actuals_run_the_same_statements_for_3_and_30_communes(app, db, make_unit, make_user, approve, cat):
    small, big = (_province_with(db, make_unit, approve, cat, n) for n in (3, 30))
    counts = []
    for p in (small, big):
        client = signed_in(app, make_user(f"tinh-{p.id}", (p, "viewer")))
        counts.append(sql_count(client.get(f"/targets/units/{p.id}/progress?year={YEAR}")))
    assert counts[0] == counts[1], counts


# ---- who may read ------------------------------------------------------------------------------------------------
def test_a_viewer_reads_an_outsider_is_refused(app, client, db, ranked, make_user, login):
    t = ranked
    url = f"/targets/units/{t.C1.id}/progress"
    assert client.get(url).status_code in (302, 303)  # signed out: to the sign-in page
    login(make_user("xem", (t.C1, "viewer")))
    assert client.get(url).status_code == 200
    assert client.get(f"/targets/units/{t.P.id}/progress").status_code == 403  # above their unit
    assert client.get(f"/targets/units/{t.C2.id}/progress").status_code == 403
    assert client.get("/targets/units/999999/progress").status_code == 404
    client = signed_in(app, make_user("xa2", (t.C2, "officer")))
    for u in (t.C1, t.D, t.P, t.C3):
        for headers in ({}, HTMX):
            assert client.get(f"/targets/units/{u.id}/progress", headers=headers).status_code == 403
    assert client.get(f"/targets/units/{t.C2.id}/progress").status_code == 200


def test_odd_arguments_are_ignored(client, db, ranked, make_user, login):
    t = ranked
    login(make_user("tinh", (t.P, "viewer")))
    for query in ("year=abc", "year=99999999999", "indicator=nope", "level=branch", "behind=yes", "page=-3"):
        assert client.get(f"/targets/units/{t.P.id}/progress?{query}").status_code == 200, query


def test_a_branch_has_no_indicator(client, db, tree, make_user, login, fake):
    login(make_user("cd", (tree.B1, "viewer")))
    html = client.get(f"/targets/units/{tree.B1.id}/progress").get_data(as_text=True)
    assert "Không có chỉ tiêu nào áp dụng cho đơn vị này." in html


# ---- the unit page's card ----------------------------------------------------------------------------------------
@pytest.fixture
def panel():
    """The registration the lead adds to app/targets/__init__.py (the same key: registering again replaces it)."""
    seams.register(seams.UNIT_PAGE, seams.Panel("targets/_unit_panel.html", progress.unit_panel, order=15))


def test_the_unit_page_shows_the_years_progress(client, db, tree, make_user, login, fake, approve, panel):
    t = tree
    year = date.today().year
    approve(t.C1, "admitted", 20, year=year)
    approve(t.C1, "real_share", 90, year=year)
    fake.figures.update({("admitted", t.C1.id): 30, ("real_share", t.C1.id): 45.0})
    login(make_user("xa1", (t.C1, "viewer"), (t.C2, "viewer")))
    html = client.get(f"/units/{t.C1.id}").get_data(as_text=True)
    shell = html.split('id="targets-card"', 1)[1].split("</section>", 1)[0]
    # the unit page holds an empty card (a link without JavaScript) that htmx fills from targets.card
    assert f'hx-get="/targets/units/{t.C1.id}/card"' in shell and f"/targets/units/{t.C1.id}/progress?year={year}" in shell
    assert client.get(f"/targets/units/{t.C1.id}/card").status_code == 303  # a plain visit: the progress page
    html = client.get(f"/targets/units/{t.C1.id}/card", headers={"HX-Request": "true"}).get_data(as_text=True)
    card = html.split('id="targets-progress"', 1)[1].split("</section>", 1)[0]
    assert f"/targets/units/{t.C1.id}/progress?year={year}" in card
    assert f'href="{records_url("real_share", t.C1, year)}">Tỷ lệ đoàn viên thực chất' in card and "50%" in card
    assert "2 / " in card
    html = client.get(f"/targets/units/{t.C2.id}/card", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Chưa có chỉ tiêu được duyệt." in html.split('id="targets-progress"', 1)[1]
    html = client.get(f"/units/{t.B1.id}").get_data(as_text=True)
    assert 'id="targets-card"' not in html  # a branch registers no target


def test_the_card_runs_the_same_statements_for_any_unit(app, db, make_unit, make_user, fake, approve, cat, panel):
    small, big = (_province_with(db, make_unit, approve, cat, n) for n in (3, 30))
    counts = []
    for p in (small, big):
        client = signed_in(app, make_user(f"tinh-{p.id}", (p, "viewer")))
        counts.append(sql_count(client.get(f"/targets/units/{p.id}/card", headers={"HX-Request": "true"})))
    assert counts[0] == counts[1], counts


# ---- a 360 px phone, JavaScript on and off -----------------------------------------------------------------------
PHONE_DB = _TMP / "targets-progress-browser.db"


def _browser_test(f):
    for mark in browser_mark if isinstance(browser_mark, list) else [browser_mark]:
        f = mark(f)
    return f


@pytest.fixture(scope="module")
def phone_site():
    """A province of 24 communes with long names (half under a district), every indicator approved, served live with
    CSRF on; the fake actuals patched in for the module (the server runs in this process)."""
    if PHONE_DB.exists():
        PHONE_DB.unlink()
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{PHONE_DB}", WTF_CSRF_ENABLED=True, TESTING=False)
    mp = pytest.MonkeyPatch()
    with app.app_context():
        _db.create_all()
        fake = FakeActuals(_db)
        mp.setattr(actuals, "ACTUALS", {k: actuals.Actual(k, k, kind) for k, kind in FAKE_KEYS.items()})
        mp.setattr(actuals, "values", fake.values, raising=False)
        mp.setattr(actuals, "monthly", fake.monthly, raising=False)
        catalogue.ensure()
        inds = {i.code: i for i in _db.session.scalars(select(Indicator))}
        p = Unit(level="province", kind="province", name="Tỉnh đoàn Thanh Hóa", code="P", depth=0)
        _db.session.add(p)
        _db.session.flush()
        p.path = f"/{p.id}/"
        d = Unit(parent_id=p.id, level="district", kind="district", name="Huyện đoàn Như Xuân", code="D", depth=1)
        _db.session.add(d)
        _db.session.flush()
        d.path = f"{p.path}{d.id}/"
        units = [p, d]
        for i in range(24):
            parent = d if i % 2 else p
            c = Unit(parent_id=parent.id, level="commune", kind="commune", depth=parent.depth + 1, code=f"C{i}",
                     name=f"Đoàn xã Thanh Xuân Bắc Nguyễn Thị Minh Khai số {i}")
            _db.session.add(c)
            _db.session.flush()
            c.path = f"{parent.path}{c.id}/"
            units.append(c)
        for n, u in enumerate(units):
            for code, value in (("admitted", 40), ("worker_branches_5", 2), ("real_share", 60), ("yw_communes_share", 67)):
                if u.level in inds[code].level_list:
                    _db.session.add(Target(unit_id=u.id, unit_path=u.path, year=YEAR, indicator_id=inds[code].id,
                                           value=value, status="approved"))
            fake.figures.update({("admitted", u.id): 10 + n * 3, ("worker_branches_5", u.id): n % 3,
                                 ("real_share", u.id): 40.0 + n, ("yw_communes_share", u.id): 50.5})
        _db.session.add(User(username="tinh.xem", full_name="Người xem tỉnh",
                             password_hash=generate_password_hash("sodoan-2026", method=FAST_METHOD)))
        _db.session.flush()
        user = _db.session.scalar(select(User).where(User.username == "tinh.xem"))
        _db.session.add(RoleGrant(user_id=user.id, unit_id=p.id, role="viewer"))
        _db.session.commit()
        province_id = p.id
        _db.session.remove()
    app.url_build_error_handlers.append(_records_stand_in)
    with live_server(app) as url:
        yield url, province_id
    mp.undo()
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@_browser_test
def test_the_ranking_at_360_px(phone_site, page):
    url, province_id = phone_site
    browser_login(page, url, "tinh.xem")
    page.goto(f"{url}/targets/units/{province_id}/progress?year={YEAR}")
    assert page.locator("#ranked tbody tr").count() == 25  # 24 communes and the district
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling of the page
    assert page.evaluate("getComputedStyle(document.querySelector('#ranked tbody tr')).display") == "grid"  # stacked
    page.check("input[name=behind]")
    page.select_option("#f-indicator", "worker_branches_5")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**behind=1**")
    rows = page.locator("#ranked tbody tr")
    assert 0 < rows.count() < 25 and "Chậm" in rows.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    href = rows.first.locator("a[href*='/targets/records/worker_branches_5']").get_attribute("href")
    assert f"year={YEAR}" in href and "unit=" in href
    rows.first.locator("a[href*='/progress']").first.click()  # a commune's own page
    page.wait_for_selector("#months")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not page.errors
