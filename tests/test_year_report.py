"""The yearly report's pages: every figure links to its records (as many as it says), the draft saved (plain and htmx,
422 with what was typed, a stale form → conflict), the submit (a double tap makes one version, a later change of the
records leaves it as sent, a new version needs a reason), the level above's consolidated view, who may do what, and a
page's statements and weight."""
import gzip
import re
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from app.members.models import Person, PersonEvent
from app.year import figures
from app.year.models import ReportVersion, YearReport
from tests.conftest import HTMX, errors_in, sql_count
from tests.factories_year_report import YEAR, ev, person, report_world

FIG = re.compile(r'<td class="num fig"><a href="([^"]+)">([^<]*)</a>')
COUNT = re.compile(r"([\d.]+) dòng")


@pytest.fixture
def world(db, tree, make_unit):
    return report_world(db, tree, make_unit)


@pytest.fixture
def people(tree, make_user):
    class U:
        pass

    u = U()
    u.officer = make_user("xa.officer", (tree.C1, "officer"), full_name="Nguyễn Thị Ánh")
    u.officer2 = make_user("xa.officer2", (tree.C1, "admin"))
    u.viewer = make_user("xa.viewer", (tree.C1, "viewer"))
    u.outsider = make_user("xa2.officer", *[(tree.C2, r) for r in ("admin", "officer", "viewer")])
    u.district = make_user("huyen.officer", (tree.D, "officer"))
    u.province = make_user("tinh.admin", (tree.P, "admin"))
    return u


def page_of(client, unit, year=YEAR, **args):
    return client.get(f"/year/units/{unit.id}/report", query_string={"year": year, **args})


DRAFT = {"results": "Năm 2025, Đoàn xã đã kết nạp đoàn viên mới, củng cố chi đoàn Thôn 1.\nHoàn thành rà soát tháng 3.",
         "shortcomings": "Một số chi đoàn sinh hoạt chưa đều.", "tasks": "Củng cố chi đoàn yếu kém.",
         "doc_number": "12-BC/ĐTN", "place": "An Phú", "recipients": "Huyện đoàn Một\nLưu VP",
         "signer_post": "BÍ THƯ", "signer_name": "Nguyễn Thị Ánh"}


def start(client, unit, data=None, headers=None, year=YEAR):
    return client.post(f"/year/units/{unit.id}/report/start?year={year}", data=dict(DRAFT, **(data or {})),
                       headers=headers)


def report_row(db, unit, year=YEAR):
    db.session.expire_all()
    return db.session.scalar(select(YearReport).where(YearReport.unit_id == unit.id, YearReport.year == year))


def submit(client, report, token=None, **data):
    return client.post(f"/year/reports/{report.id}/submit", data=dict(
        DRAFT, **{"version": report.version, "form_token": token or uuid.uuid4().hex, **data}))


# ---- every figure links to its records ---------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["C1", "P"])
def test_every_figure_links_to_as_many_records(app, db, client, world, people, login, where):
    unit = getattr(world.tree, where)
    login(people.province)
    html = page_of(client, unit).get_data(as_text=True)
    with app.test_request_context():
        rows = figures.rows_by_code(figures.compute(unit, YEAR))
    links = FIG.findall(html)
    assert len(links) == len(rows) > 40
    for href, shown in links:
        code = re.search(r"/records/([^?]+)", href).group(1)
        resp = client.get(href.replace("&amp;", "&"))
        assert resp.status_code == 200, href
        listed = COUNT.search(resp.get_data(as_text=True)).group(1).replace(".", "")
        assert int(listed) == (figures.countable(rows[code]) or 0), (code, listed, shown)


def test_a_figure_the_report_does_not_have_is_404(client, world, people, login):
    login(people.province)
    assert client.get(f"/year/units/{world.tree.C1.id}/records/nope?year={YEAR}").status_code == 404
    assert client.get(f"/year/units/{world.tree.C1.id}/records/mgrade.nope?year={YEAR}").status_code == 404


# ---- the draft -----------------------------------------------------------------------------------------------------
def test_the_first_save_makes_the_report_once_and_a_bad_number_is_refused(db, client, world, people, login):
    c1 = world.tree.C1
    login(people.officer)
    html = page_of(client, c1).get_data(as_text=True)
    assert f"/year/units/{c1.id}/report/start" in html and "Lưu và gửi" not in html  # nothing to send before a save
    assert "An Phú" in html  # the place prefilled from the commune's name
    resp = start(client, c1, {"doc_number": "số 12"})
    assert resp.status_code == 422 and report_row(db, c1) is None
    assert errors_in(resp.data) == ["Số, ký hiệu của báo cáo viết như 45-BC/TĐTN-BTCKT."]
    assert "Củng cố chi đoàn yếu kém." in resp.get_data(as_text=True)  # what was typed is kept
    resp = start(client, c1, {"doc_number": "x" * 70}, headers=HTMX)  # htmx: the form's block alone
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "<html" not in body and 'id="narrative"' in body and errors_in(body)
    assert start(client, c1).status_code == 303
    assert start(client, c1).status_code == 303  # a double tap: the same report
    assert db.session.scalar(select(func.count(YearReport.id))) == 1
    r = report_row(db, c1)
    assert r.results.startswith("Năm 2025") and r.doc_number == "12-BC/ĐTN" and r.status == "draft"


def test_a_different_first_save_by_someone_else_is_a_conflict(db, client, world, people, login):
    c1 = world.tree.C1
    login(people.officer)
    assert start(client, c1).status_code == 303
    resp = start(client, c1, {"results": "Nội dung khác hẳn"})
    assert resp.status_code == 409 and "Nội dung khác hẳn" in resp.get_data(as_text=True)
    assert report_row(db, c1).results.startswith("Năm 2025")


def test_saving_the_draft_plain_and_htmx_and_a_stale_form_conflicts(db, client, world, people, login):
    c1 = world.tree.C1
    login(people.officer)
    start(client, c1)
    r = report_row(db, c1)
    v = r.version
    resp = client.post(f"/year/reports/{r.id}/save", data=dict(DRAFT, version=v, tasks="Nhiệm vụ mới"))
    assert resp.status_code == 303 and report_row(db, c1).tasks == "Nhiệm vụ mới"
    resp = client.post(f"/year/reports/{r.id}/save", data=dict(DRAFT, version=v + 1, doc_number="BC"), headers=HTMX)
    assert resp.status_code == 422 and "<html" not in resp.get_data(as_text=True)
    # the same save sent again (its answer lost) is not a conflict; a different one on the old version is
    assert client.post(f"/year/reports/{r.id}/save", data=dict(DRAFT, version=v, tasks="Nhiệm vụ mới")).status_code == 303
    resp = client.post(f"/year/reports/{r.id}/save", data=dict(DRAFT, version=v, tasks="Viết đè"))
    assert resp.status_code == 409 and "Viết đè" in resp.get_data(as_text=True)
    assert report_row(db, c1).tasks == "Nhiệm vụ mới"
    assert f'href="/year/reports/{r.id}"' in resp.get_data(as_text=True)
    assert client.get(f"/year/reports/{r.id}").location.endswith(f"/year/units/{c1.id}/report?year={YEAR}")


# ---- the submit --------------------------------------------------------------------------------------------------
def test_submit_freezes_once_and_a_later_change_leaves_it_as_sent(app, db, client, world, people, login):
    c1 = world.tree.C1
    login(people.officer)
    start(client, c1)
    r = report_row(db, c1)
    token = uuid.uuid4().hex
    assert submit(client, r, token).status_code == 303
    assert submit(client, r, token).status_code == 303  # a double tap
    versions = db.session.scalars(select(ReportVersion)).all()
    assert len(versions) == 1 and versions[0].number == 1 and report_row(db, c1).status == "submitted"
    frozen = figures.rows_by_code(versions[0].figures)
    assert frozen["moves.joined"]["value"] == 2 and versions[0].narrative["doc_number"] == "12-BC/ĐTN"
    # a record changes after the submit: a youth of B1 admitted on 01/12/2025
    p = person(db, world.tree.B1, "Người Kết Nạp Muộn", member_type="union",
               history=[ev("registered", date(2024, 1, 1)), ev("joined", date(2025, 12, 1))])
    db.session.commit()
    db.session.expire_all()
    assert figures.rows_by_code(db.session.get(ReportVersion, versions[0].id).figures) == frozen
    html = page_of(client, c1).get_data(as_text=True)
    shown = dict((re.search(r"/records/([^?]+)", h).group(1), v) for h, v in FIG.findall(html))
    assert shown["moves.joined"] == "2" and "Xem số liệu hiện nay" in html
    now = dict((re.search(r"/records/([^?]+)", h).group(1), v) for h, v in
               FIG.findall(page_of(client, c1, figures="now").get_data(as_text=True)))
    assert now["moves.joined"] == "3"
    page = client.get(f"/year/report-versions/{versions[0].id}").get_data(as_text=True)
    assert dict((re.search(r"/records/([^?]+)", h).group(1), v) for h, v in FIG.findall(page))["moves.joined"] == "2"
    assert p.id


def test_a_new_version_needs_a_reason_and_results_are_required(db, client, world, people, login):
    c1 = world.tree.C1
    login(people.officer)
    start(client, c1, {"results": ""})
    r = report_row(db, c1)
    resp = submit(client, r, results="  ")
    assert resp.status_code == 422 and errors_in(resp.data) == ["Viết phần “Kết quả đạt được” trước khi gửi báo cáo."]
    assert submit(client, report_row(db, c1)).status_code == 303
    r = report_row(db, c1)
    resp = submit(client, r, tasks="Nhiệm vụ sửa lại")
    assert resp.status_code == 422 and "ghi lý do gửi bản mới" in errors_in(resp.data)[0]
    assert "Nhiệm vụ sửa lại" in resp.get_data(as_text=True)
    assert submit(client, r, tasks="Nhiệm vụ sửa lại", reason="Sửa nhiệm vụ sau hội nghị").status_code == 303
    versions = db.session.scalars(select(ReportVersion).order_by(ReportVersion.number)).all()
    assert [v.number for v in versions] == [1, 2] and versions[1].reason == "Sửa nhiệm vụ sau hội nghị"
    assert versions[0].narrative["tasks"] == "Củng cố chi đoàn yếu kém." and versions[1].narrative["tasks"] == "Nhiệm vụ sửa lại"


def test_a_stale_submit_conflicts_and_keeps_what_was_typed(db, client, world, people, login):
    c1 = world.tree.C1
    login(people.officer)
    start(client, c1)
    r = report_row(db, c1)
    stale = r.version
    client.post(f"/year/reports/{r.id}/save", data=dict(DRAFT, version=stale, tasks="Người khác sửa"))
    resp = client.post(f"/year/reports/{r.id}/submit", data=dict(DRAFT, version=stale, form_token="t1",
                                                                 tasks="Tôi sửa khác"))
    assert resp.status_code == 409 and "Tôi sửa khác" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ReportVersion.id))) == 0


# ---- who may do what --------------------------------------------------------------------------------------------
def test_a_viewer_reads_and_cannot_write(db, client, world, people, login):
    c1 = world.tree.C1
    login(people.officer)
    start(client, c1)
    r = report_row(db, c1)
    submit(client, r)
    client.post("/auth/logout")
    login(people.viewer)
    html = page_of(client, c1).get_data(as_text=True)
    assert "Năm 2025, Đoàn xã đã kết nạp" in html and "<textarea" not in html and "Lưu bản nháp" not in html
    r = report_row(db, c1)
    assert start(client, c1).status_code == 403
    assert client.post(f"/year/reports/{r.id}/save", data=dict(DRAFT, version=r.version)).status_code == 403
    assert submit(client, r, reason="x").status_code == 403
    v = db.session.scalar(select(ReportVersion))
    for url in (f"/year/report-versions/{v.id}", f"/year/units/{c1.id}/report.pdf?year={YEAR}",
                f"/year/units/{c1.id}/report.xlsx?year={YEAR}", f"/year/units/{c1.id}/records/moves.joined?year={YEAR}"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/year/units/{world.tree.D.id}/reports?year={YEAR}").status_code == 403  # above their unit
    assert client.get(f"/year/units/{world.tree.B1.id}/report").status_code == 404  # a branch writes no report


def test_an_outsider_is_refused_everywhere(db, client, world, people, login):
    c1 = world.tree.C1
    login(people.officer)
    start(client, c1)
    r = report_row(db, c1)
    submit(client, r)
    v = db.session.scalar(select(ReportVersion))
    client.post("/auth/logout")
    login(people.outsider)
    for url in (f"/year/units/{c1.id}/report", f"/year/reports/{r.id}", f"/year/report-versions/{v.id}",
                f"/year/units/{c1.id}/report.pdf", f"/year/units/{c1.id}/report.xlsx", f"/year/units/{c1.id}/reports",
                f"/year/units/{c1.id}/records/moves.joined"):
        assert client.get(url).status_code == 403, url
    assert start(client, c1).status_code == 403
    assert client.post(f"/year/reports/{r.id}/save", data=dict(DRAFT, version=r.version)).status_code == 403
    assert submit(client, r, reason="x").status_code == 403


# ---- the level above ------------------------------------------------------------------------------------------------
def test_the_district_sees_its_communes_reports_and_the_consolidated_figures(db, client, world, people, login, make_user):
    t = world.tree
    make_user("xa2.writer", (t.C2, "officer"))
    login(people.officer)
    start(client, t.C1)
    submit(client, report_row(db, t.C1))
    client.post("/auth/logout")
    login("xa2.writer")
    start(client, t.C2)  # a draft, not sent
    client.post("/auth/logout")
    login(people.district)
    resp = client.get(f"/year/units/{t.D.id}/reports?year={YEAR}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "1/2 đơn vị đã gửi báo cáo." in html
    assert t.C1.name in html and t.C2.name in html and "Bản số 1" in html and "Đang soạn, chưa gửi" in html
    # "joined" (admitted): C1 sent 2; the district counts 2 from the records (C2 admitted nobody in 2025)
    row = re.search(r"Kết nạp đoàn viên mới</th>\s*<td class=\"num\">([^<]*)</td>\s*<td class=\"num fig\"><a [^>]*>([^<]*)</a>"
                    r"</td>\s*<td class=\"num\">(.*?)</td>", html)
    assert row.groups()[:2] == ("2", "2") and row.group(3) == "0"
    # members at the end: C1's 8 sent, the district's own 8 + C2's → a difference in view
    row = re.search(r"Tổng số cuối năm</th>\s*<td class=\"num\">([^<]*)</td>\s*<td class=\"num fig\"><a [^>]*>([^<]*)</a>"
                    r"</td>\s*<td class=\"num\"><b>([^<]*)</b>", html)
    assert row.group(1) == "8" and int(row.group(2)) > 8 and row.group(3) == f"+{int(row.group(2)) - 8}"


# ---- statements and weight ------------------------------------------------------------------------------------------
def _province(db, make_unit, n, tag):
    p = make_unit(name=f"Tỉnh {tag}", code=f"T{tag}", commit=False)
    for i in range(n):
        c = make_unit(p, level="commune", name=f"Xã {tag}{i}", code=f"X{tag}{i}", commit=False)
        b = make_unit(c, name=f"Thôn {tag}{i}", code=f"B{tag}{i}", commit=False)
        person(db, b, f"Người {tag}{i}", history=[ev("registered", date(2024, 1, 1)), ev("joined", date(2025, 3, 1))])
    db.session.commit()
    return p


def test_the_pages_statements_do_not_grow_with_the_communes(db, client, make_unit, make_user, login):
    counts = {}
    for n, tag in ((2, "a"), (6, "b")):
        unit = _province(db, make_unit, n, tag)
        make_user(f"{tag}.admin", (unit, "admin"))
        login(f"{tag}.admin")
        for path in ("report", "reports", "report.xlsx"):
            url = f"/year/units/{unit.id}/{path}?year={YEAR}"
            client.get(url)  # the test's session holds the units it made: the first request refreshes them
            resp = client.get(url)
            assert resp.status_code == 200
            counts.setdefault(path, []).append(sql_count(resp))
        client.post("/auth/logout")
    assert all(a == b for a, b in counts.values()), counts


def test_the_report_page_is_light(db, client, world, people, login):
    login(people.province)
    resp = page_of(client, world.tree.P)
    size = len(gzip.compress(resp.data, 6))
    assert resp.status_code == 200 and size <= 14 * 1024, size
    assert db.session.scalar(select(func.count(Person.id))) and db.session.scalar(select(func.count(PersonEvent.id)))
