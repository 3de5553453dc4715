"""The yearly report's PDF (A4, the official layout, correct Vietnamese) and its XLSX annex: the annex's numbers equal the
figures and the PDF's text cell by cell; a version prints its frozen figures; a draft says it is one."""
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.targets.progress import figure
from app.year import figures
from app.year.models import ReportVersion
from tests.factories_year_report import YEAR, ev, person, report_world
from tests.test_year_report import DRAFT, report_row, start, submit


@pytest.fixture
def world(db, tree, make_unit):
    return report_world(db, tree, make_unit)


@pytest.fixture
def officer(tree, make_user):
    return make_user("xa.officer", (tree.C1, "officer"), full_name="Nguyễn Thị Ánh")


def pdf_text(data):
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    for page in reader.pages:  # A4 portrait
        box = page.mediabox
        assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def sheets(data):
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def sent_version(db, client, world, officer, login):
    login(officer)
    start(client, world.tree.C1)
    assert submit(client, report_row(db, world.tree.C1)).status_code == 303
    return db.session.scalar(select(ReportVersion))


def test_the_pdf_has_the_official_layout_and_the_figures(app, db, client, world, officer, login):
    version = sent_version(db, client, world, officer, login)
    resp = client.get(f"/year/units/{world.tree.C1.id}/report.pdf?year={YEAR}")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "bao-cao-nam-2025" in resp.headers["Content-Disposition"]
    text = pdf_text(resp.data)
    for words in ("BCH HUYỆN ĐOÀN MỘT", "BCH ĐOÀN XÃ AN PHÚ", "ĐOÀN TNCS HỒ CHÍ MINH", "Số: 12-BC/ĐTN",
                  "An Phú, ngày", "BÁO CÁO", "Kết quả thực hiện kế hoạch công tác năm 2025", "I. Kết quả đạt được",
                  "Năm 2025, Đoàn xã đã kết nạp đoàn viên mới, củng cố chi đoàn Thôn 1.", "II. Hạn chế, nguyên nhân",
                  "III. Nhiệm vụ năm 2026", "Nơi nhận:", "- Huyện đoàn Một;", "TM. BAN THƯỜNG VỤ", "BÍ THƯ",
                  "Nguyễn Thị Ánh", "Đoàn viên đầu năm", "Thực hiện chỉ tiêu"):
        assert words in text, words
    assert "DỰ THẢO" not in text  # the version sent
    for section in version.figures["sections"]:
        for n, row in figures.numbered(section["rows"]):
            if section["key"] == "targets":
                cells = f"{n} {row['label']} {figure(row['target'], row['kind'])} {figure(row['value'], row['kind'])}"
            else:
                cells = f"{n} {row['label']} {figure(row['value'], row['kind'])}"
            assert cells in text, cells


def test_the_annex_equals_the_figures_and_the_pdf(app, db, client, world, officer, login):
    version = sent_version(db, client, world, officer, login)
    url = f"/year/units/{world.tree.C1.id}/report"
    book = sheets(client.get(f"{url}.xlsx?year={YEAR}").data)
    text = pdf_text(client.get(f"{url}.pdf?year={YEAR}").data)
    names = list(book)
    assert names[0] == "Thông tin" and len(names) == 1 + len(version.figures["sections"])
    info = dict((r[0], r[1]) for r in book["Thông tin"][1:])
    assert info["Số, ký hiệu"] == "12-BC/ĐTN" and info["Bản"].startswith("Bản số 1")
    checked = 0
    for name, section in zip(names[1:], version.figures["sections"]):
        assert [r[0] for r in book[name] if len(r) > 1 and r[1] in {x["code"] for x in section["rows"]}] == [
            n for n, _x in figures.numbered(section["rows"])], name  # numbered as the PDF numbers them
        codes = {x["code"] for x in section["rows"]}
        rows = [r for r in book[name] if len(r) > 1 and r[1] in codes]  # the data rows: 1, 2 … and 5.1, 5.2 …
        assert [r[1] for r in rows] == [x["code"] for x in section["rows"]], name
        for r, x in zip(rows, section["rows"]):
            if section["key"] == "targets":
                assert (r[3], r[4], r[5]) == (x["target"], x["value"], x["share"]), x["code"]
                shown = f"{r[0]} {x['label']} {figure(r[3], x['kind'])} {figure(r[4], x['kind'])} {figure(r[5], 'percent')}"
            else:
                assert r[3] == x["value"], x["code"]
                shown = f"{r[0]} {x['label']} {figure(r[3], x['kind'])}"
            assert shown in text, shown  # the same number in the PDF, on the same line as its label
            checked += 1
    assert checked == len(figures.rows_by_code(version.figures)) > 50


def test_a_version_prints_its_frozen_figures_and_a_draft_says_so(app, db, client, world, officer, login):
    version = sent_version(db, client, world, officer, login)
    person(db, world.tree.B1, "Người Kết Nạp Muộn", member_type="union",
           history=[ev("registered", date(2024, 1, 1)), ev("joined", date(2025, 12, 1))])
    db.session.commit()
    url = f"/year/units/{world.tree.C1.id}/report"
    sent = pdf_text(client.get(f"{url}.pdf?year={YEAR}&version=1").data)
    draft = pdf_text(client.get(f"{url}.pdf?year={YEAR}&draft=1").data)
    assert "2 Kết nạp đoàn viên mới 2 " not in sent and "1 Kết nạp đoàn viên mới 2 " in sent
    assert "1 Kết nạp đoàn viên mới 3 " in draft and "DỰ THẢO" in draft
    book = sheets(client.get(f"{url}.xlsx?year={YEAR}&version=1").data)
    moves = next(rows for name, rows in book.items() if name.startswith("2."))
    assert next(r for r in moves if isinstance(r[0], int) and r[1] == "moves.joined")[3] == 2 == figures.rows_by_code(version.figures)[
        "moves.joined"]["value"]
    assert client.get(f"{url}.pdf?year={YEAR}&version=9").status_code == 404
    assert client.get(f"{url}.xlsx?year={YEAR}&version=9").status_code == 404


def test_the_province_report_comes_from_its_organisation_department(app, db, client, world, make_user, login):
    make_user("tinh.officer", (world.tree.P, "officer"))
    login("tinh.officer")
    resp = client.post(f"/year/units/{world.tree.P.id}/report/start?year={YEAR}",
                       data=dict(DRAFT, doc_number="45-BC/TĐTN-BTCKT", place="Thanh Hóa"))
    assert resp.status_code == 303
    text = pdf_text(client.get(f"/year/units/{world.tree.P.id}/report.pdf?year={YEAR}").data)
    assert "BCH TỈNH ĐOÀN THỬ BAN TỔ CHỨC – KIỂM TRA" in text and "Số: 45-BC/TĐTN-BTCKT" in text
    assert "DỰ THẢO" in text and "Xếp loại cơ sở đoàn" in text


def test_files_answer_an_htmx_request_with_html_that_sends_the_browser_to_the_file(db, client, world, officer, login):
    from tests.conftest import HTMX

    login(officer)
    for ext in ("pdf", "xlsx"):
        url = f"/year/units/{world.tree.C1.id}/report.{ext}?year={YEAR}"
        resp = client.get(url, headers=dict(HTMX, **{"HX-Boosted": "true"}))
        assert resp.status_code == 200 and resp.mimetype == "text/html" and resp.headers["HX-Redirect"] == url
    html = client.get(f"/year/units/{world.tree.C1.id}/report?year={YEAR}").get_data(as_text=True)
    assert html.count('download hx-boost="false"') == 2


def test_parts_of_a_row_are_numbered_under_it():
    rows = [{"code": "a"}, {"code": "b"}, {"code": "b1", "indent": 1}, {"code": "b2", "indent": 1}, {"code": "c"}]
    assert [n for n, _r in figures.numbered(rows)] == [1, 2, "2.1", "2.2", 3]
