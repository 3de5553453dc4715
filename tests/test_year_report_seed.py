"""The demo's yearly reports (app/year/seed_report.py) on the run's small demo: last year's province report submitted
(its figures each equal to an independent count over the demo's records), a district's and a commune's submitted,
this year's province report a draft; the demo province's page links every figure to as many records."""
import re
from datetime import date

from sqlalchemy import select

from app.seed import DEMO_PASSWORD
from app.targets import actuals
from app.units.models import Unit
from app.year import figures
from app.year.models import ReportVersion, YearReport
from tests.test_year_figures import computed, expected
from tests.test_year_report import COUNT, FIG


def _province(db):
    return db.session.scalar(select(Unit).where(Unit.level == "province"))


def test_last_years_reports_are_sent_and_this_years_is_a_draft(demo_db):
    db = demo_db
    this_year = date.today().year
    province = _province(db)
    reports = {(r.unit.level, r.year): r for r in db.session.scalars(select(YearReport))}
    sent = reports[("province", this_year - 1)]
    assert sent.status == "submitted" and sent.doc_number == "45-BC/TĐTN-BTCKT"
    version = db.session.scalar(select(ReportVersion).where(ReportVersion.report_id == sent.id))
    assert version.number == 1 and version.narrative["on"] == f"{this_year}-01-15"
    assert version.submitted_by.username == "tinh.officer"
    rows = figures.rows_by_code(version.figures)
    assert f"kết nạp {rows['moves.joined']['value']:,}".replace(",", ".") in version.narrative["results"]
    assert reports[("district", this_year - 1)].status == "submitted"
    assert reports[("commune", this_year - 1)].status == "submitted"
    draft = reports[("province", this_year)]
    assert draft.status == "draft" and not draft.versions and draft.unit_id == province.id


def test_the_demo_provinces_figures_equal_an_independent_count(demo_app, demo_db):
    db = demo_db
    province = _province(db)
    today = date.today()
    for year in (today.year - 1, today.year):
        with demo_app.test_request_context():
            got = computed(figures.compute(province, year, today))
        want = expected(db, province, year, today)
        apart = [c for c in got if c.startswith(("target.", "yw."))]  # app.targets.actuals' own, tested there
        for code in apart:
            row = figures.rows_by_code(figures.compute(province, year, today))[code]
            key = code.split(".", 1)[1] if code.startswith("yw.") else None
            if key:
                assert row["value"] == actuals.values(key, [province], year, as_of=min(today, date(year, 12, 31)))[
                    province.id].value, code
            want.pop(code, None)
        mine = {c: v for c, v in got.items() if c not in apart}
        assert set(mine) == set(want), set(mine) ^ set(want)
        wrong = {c: (mine[c], want[c]) for c in want if mine[c] != want[c]}
        assert not wrong, (year, wrong)
        assert sum(1 for v in want.values() if v) >= 10, (year, want)  # more once the grades are seeded


def test_the_demo_provinces_page_links_every_figure_to_its_records(demo_app, demo_db):
    db = demo_db
    province = _province(db)
    client = demo_app.test_client()
    assert client.post("/auth/login", data={"username": "tinh.admin", "password": DEMO_PASSWORD}).status_code == 303
    year = date.today().year - 1
    html = client.get(f"/year/units/{province.id}/report?year={year}&figures=now").get_data(as_text=True)
    with demo_app.test_request_context():
        rows = figures.rows_by_code(figures.compute(province, year))
    links = FIG.findall(html)
    assert len(links) == len(rows) > 40
    for href, _shown in links:
        code = re.search(r"/records/([^?]+)", href).group(1)
        page = client.get(href.replace("&amp;", "&"))
        assert page.status_code == 200, href
        assert int(COUNT.search(page.get_data(as_text=True)).group(1).replace(".", "")) == (
            figures.countable(rows[code]) or 0), code
