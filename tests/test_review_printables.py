"""The review's printables and exports: the result page (numbers = what was recorded, each a link to its people), its
PDF and XLSX, the paper walk list (preview and PDF, in the walk list's order), access, bounded SQL, a 150-person PDF."""
import io
import re
import time
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.activities.models import PersonStanding
from app.review import queries, services
from app.review.models import OUTCOMES, OUTCOMES_SHORT, Subject
from tests.conftest import sql_count
from tests.factories_members import person_in

TODAY = date.today()


def pdf_pages(data):
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def flat(text):
    return re.sub(r"\s+", " ", text)


def standing(db, person, verdict):
    row = db.session.get(PersonStanding, person.id)
    if row is None:
        row = PersonStanding(person_id=person.id, unit_id=person.unit_id, unit_path=person.unit_path, person_ok=True,
                             name_ok=True, gathered_ok=True, dues_ok=True, activity_ok=True, as_of=TODAY)
        db.session.add(row)
    row.verdict = verdict


def make_campaign(db, unit, year=None):
    campaign = services.create_campaign(unit=unit, year=year or TODAY.year, title="Rà soát tháng Ba",
                                        starts_on=TODAY - timedelta(days=3), ends_on=TODAY + timedelta(days=20))
    db.session.commit()
    return campaign


def subject_of(db, campaign, person):
    return db.session.scalar(select(Subject).where(Subject.campaign_id == campaign.id, Subject.person_id == person.id))


def record(db, campaign, person, outcome, **kw):
    services.record_outcome(subject=subject_of(db, campaign, person), outcome=outcome, on=TODAY, **kw)


class World:
    pass


@pytest.fixture
def world(db, app, tree, make_user, monkeypatch):
    """A province-wide campaign: six people in B1 (commune C1, four households and one without an address), three in
    B2 (C2); outcomes recorded for most, one person found at a door, a team with a hamlet head."""
    monkeypatch.setitem(app.config, "STANDING_AUTO_REFRESH", False)  # the verdicts are set by hand below
    w = World()
    w.tree = tree
    w.admin = make_user("tinh.admin", (tree.P, "admin"))
    w.officer = make_user("xa1.officer", (tree.C1, "officer"), full_name="Lý Thị Cán Bộ")
    w.other = make_user("xa2.viewer", (tree.C2, "viewer"))
    year = TODAY.year
    b1 = tree.B1
    w.an = person_in(db, b1, "Nguyễn Văn An", commit=False, birth_date=date(year - 24, 3, 1), phone="0912345678",
                     current_address="Thôn 1, số 5")
    w.binh = person_in(db, b1, "Trần Thị Bình", commit=False, birth_date=date(year - 22, 5, 1), current_address="thôn 1, số 5")
    w.cuong = person_in(db, b1, "Lê Văn Cường", commit=False, member_type="federation", birth_date=date(year - 35, 1, 2),
                        current_address="Thôn 1, số 12")
    w.dung = person_in(db, b1, "Phạm Thị Dung", commit=False, member_type="youth", birth_date=date(year - 19, 1, 2),
                       current_address="Thôn 1, số 12")
    w.em = person_in(db, b1, "Hoàng Văn Em", commit=False, birth_date=date(year - 31, 1, 2), current_address="Thôn 1, số 20")
    w.phuc = person_in(db, b1, "Đỗ Văn Phúc", commit=False, birth_date=date(year - 25, 1, 2))
    w.hai = person_in(db, tree.B2, "Ngô Văn Hải", commit=False, current_address="Thôn 2")
    w.khai = person_in(db, tree.B2, "Ngô Văn Khải", commit=False, current_address="Thôn 2")
    w.lam = person_in(db, tree.B2, "Ngô Văn Lâm", commit=False, current_address="Thôn 2")
    db.session.flush()
    for p, verdict in ((w.an, "paper"), (w.binh, "paper"), (w.cuong, "real"), (w.hai, "paper")):
        standing(db, p, verdict)
    db.session.commit()
    w.campaign = c = make_campaign(db, tree.P)
    services.open_campaign(campaign=c, expected_version=None)
    db.session.commit()
    w.team = services.create_team(campaign=c, commune=tree.C1, name="Tổ số 1 Thôn 1", users=[w.officer], branches=[b1])
    services.add_guest(team=w.team, full_name="Bùi Văn Trưởng", post="hamlet_head")
    db.session.commit()
    record(db, c, w.an, "present")
    record(db, c, w.binh, "corrected", phone="0987654321")
    record(db, c, w.cuong, "away", place="Bình Dương")
    record(db, c, w.dung, "moved", place="Hà Nội")
    record(db, c, w.em, "over_age")
    record(db, c, w.hai, "deceased")
    record(db, c, w.khai, "not_found")
    w.giang = services.add_found_person(campaign=c, branch=b1, on=TODAY, full_name="Vũ Thị Giang",
                                        birth_date=date(year - 18, 2, 2), sex="female", phone="0900000001",
                                        occupation=None, address="Thôn 1, số 12").person
    standing(db, w.an, "real")  # An was "paper" at the start, is real now; Bình stays "paper"
    standing(db, w.giang, "paper")
    db.session.commit()
    return w


C1_EXPECTED = {
    "union": {"listed": 4, "present": 2, "away": 0, "moved": 0, "deceased": 0, "not_found": 0, "over_age": 1,
              "not_visited": 1, "found": 0, "paper_before": 2, "paper_after": 1},
    "federation": {"listed": 1, "present": 0, "away": 1, "moved": 0, "deceased": 0, "not_found": 0, "over_age": 0,
                   "not_visited": 0, "found": 0, "paper_before": 0, "paper_after": 0},
    "youth": {"listed": 1, "present": 0, "away": 0, "moved": 1, "deceased": 0, "not_found": 0, "over_age": 0,
              "not_visited": 0, "found": 1, "paper_before": 0, "paper_after": 1},
}
C2_UNION = {"listed": 3, "present": 0, "away": 0, "moved": 0, "deceased": 1, "not_found": 1, "over_age": 0,
            "not_visited": 1, "found": 0, "paper_before": 1, "paper_after": 1}


def table_numbers(html, heading):
    """{row label: [the numbers of its cells]} of the table after the <h2> that contains `heading`."""
    part = html.split(heading, 1)[1].split("</table>", 1)[0]
    out = {}
    for label, cells in re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', part, re.S):
        out[label] = [int(n.replace(".", "")) for n in re.findall(r">([\d.]+)<", cells)]
    return out


def test_result_numbers_are_what_was_recorded(client, world, login):
    c, t = world.campaign, world.tree
    communes, total = queries.result(c, t.P)
    by_id = {cid: cells for cid, _name, cells in communes}
    assert by_id[t.C1.id] == C1_EXPECTED
    assert by_id[t.C2.id]["union"] == C2_UNION
    assert total["union"]["listed"] == 7 and total["youth"]["found"] == 1

    login(world.admin)
    resp = client.get(f"/review/{c.id}/result")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    cols = queries.RESULT_COLUMNS
    for head in ("Có trong danh sách", "Có mặt", "Đi làm ăn xa", "Chuyển đi", "Đã mất", "Không tìm thấy", "Quá 30",
                 "Chưa đến nhà", "Mới phát hiện", "Hình thức", "Trước", "Sau"):
        assert f">{head}</th>" in html, head
    summary = table_numbers(html, "Tổng hợp")
    assert summary["Đoàn viên"] == [total["union"][k] for k in cols]
    assert summary["Cộng"] == [sum(total[ty][k] for ty in total) for k in cols]
    c1 = table_numbers(html, f">{t.C1.name}</a></h2>")
    assert c1["Đoàn viên"] == [C1_EXPECTED["union"][k] for k in cols]
    assert c1["Thanh niên"] == [C1_EXPECTED["youth"][k] for k in cols]
    assert c1["Cộng"] == [4 + 1 + 1, 2, 1, 1, 0, 0, 1, 1, 1, 2, 2]
    # every table scrolls sideways inside its wrapper at 360 px; file links are never boosted
    assert html.count('<div class="scroll"><table class="result">') == 1 + 2
    for link in re.findall(r'<a [^>]*href="[^"]*result\.(?:pdf|xlsx)[^"]*"[^>]*>', html):
        assert 'hx-boost="false"' in link
    # each number leads to the people behind it — and that list holds exactly that many people
    people = re.findall(r'href="(/review/\d+/people\?[^"]+)">(\d+)<', html)
    assert len(people) > 20
    assert any("outcome=seen" in href for href, _n in people)  # "Có mặt": present, details corrected or not
    for href, n in people:
        page = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        assert f'<p class="muted small">{n} người</p>' in page, (href, n)
    assert f'href="/members/?unit={t.C1.id}&amp;verdict=paper&amp;type=union"' in html
    # the drill-down: a commune's own page has its summary and no table per commune
    resp = client.get(f"/review/{c.id}/result?unit={t.C1.id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.count('<table class="result">') == 1
    assert table_numbers(html, "Tổng hợp")["Đoàn viên"] == [C1_EXPECTED["union"][k] for k in cols]


def test_people_behind_a_number(client, world, login):
    """The links the result page makes lead to lists with those people (review.people's arguments)."""
    c, t = world.campaign, world.tree
    login(world.admin)
    html = client.get(f"/review/{c.id}/result").get_data(as_text=True)
    href = re.search(rf'href="(/review/{c.id}/people\?[^"]*outcome=over_age[^"]*unit={t.C1.id}[^"]*)"|'
                     rf'href="(/review/{c.id}/people\?[^"]*unit={t.C1.id}[^"]*outcome=over_age[^"]*)"', html)
    assert href, "no link to the over-age people of C1"
    page = client.get((href.group(1) or href.group(2)).replace("&amp;", "&")).get_data(as_text=True)
    assert "Hoàng Văn Em" in page and "Nguyễn Văn An" not in page
    found = re.search(rf'href="(/review/{c.id}/people\?[^"]*found=1[^"]*)"', html).group(1)
    page = client.get(found.replace("&amp;", "&")).get_data(as_text=True)
    assert "Vũ Thị Giang" in page and "Hoàng Văn Em" not in page


def test_result_pdf_and_xlsx(client, world, login):
    c, t = world.campaign, world.tree
    login(world.admin)
    resp = client.get(f"/review/{c.id}/result.pdf")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    assert 1 <= len(reader.pages) <= 3
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # A4 landscape
    text = flat("\n".join(p.extract_text() for p in reader.pages))
    assert f"KẾT QUẢ RÀ SOÁT ĐOÀN VIÊN, HỘI VIÊN, THANH NIÊN NĂM {c.year}" in text
    for s in ("Tỉnh đoàn Thử", t.C1.name, t.C2.name, "Có trong danh sách", "Không tìm thấy", "Hình thức", "In lúc",
              "Rà soát tháng Ba", c.starts_on.strftime("%d/%m/%Y")):
        assert s in text, s
    # the C1 union row: the numbers in column order
    assert "Đoàn viên " + " ".join(str(C1_EXPECTED["union"][k]) for k in queries.RESULT_COLUMNS) in text

    resp = client.get(f"/review/{c.id}/result.xlsx?unit={t.D.id}")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.data))
    summary, rows = wb.worksheets
    values = [r for r in summary.iter_rows(values_only=True)]
    assert values[1][:2] == ("Đơn vị", t.D.name)
    head = next(i for i, r in enumerate(values) if r[0] == "Đối tượng")
    assert values[head][1:4] == ("Có trong danh sách", "Có mặt", "Đi làm ăn xa")
    assert values[head][-2:] == ("Hình thức (trước)", "Hình thức (sau)")
    union = values[head + 1]
    assert union[0] == "Đoàn viên" and union[1] == 7 and isinstance(union[1], int)
    assert values[head + 4][0] == "Cộng" and values[head + 4][1] == 7 + 1 + 1
    table = [r for r in rows.iter_rows(values_only=True)]
    assert table[0][:3] == ("Cơ sở", "Đối tượng", "Có trong danh sách")
    assert len(table) == 1 + 2 * 3  # a row per (commune, type): C1 and C2 under the district
    by = {(r[0], r[1]): r[2:] for r in table[1:]}
    assert list(by[(t.C1.name, "Thanh niên")]) == [C1_EXPECTED["youth"][k] for k in queries.RESULT_COLUMNS]
    assert list(by[(t.C2.name, "Đoàn viên")]) == [C2_UNION[k] for k in queries.RESULT_COLUMNS]
    for r in rows.iter_rows(min_row=2):  # text cells are strings (never formulas), counts are numbers
        assert r[0].data_type == "s" and all(cell.data_type == "n" for cell in r[2:])


def test_xlsx_cells_are_never_formulas(client, db, world, login):
    world.tree.C1.name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    login(world.admin)
    wb = load_workbook(io.BytesIO(client.get(f"/review/{world.campaign.id}/result.xlsx").data))
    cells = [c for r in wb.worksheets[1].iter_rows() for c in r if c.value == "=HYPERLINK(\"http://x\")"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_walk_list_pdf_and_preview(client, world, login):
    c, t = world.campaign, world.tree
    login(world.officer)
    resp = client.get(f"/review/{c.id}/branches/{t.B1.id}/walk.pdf")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    assert 1 <= len(reader.pages) <= 3
    assert reader.pages[0].mediabox.width < reader.pages[0].mediabox.height  # A4 portrait
    text = flat("\n".join(p.extract_text() for p in reader.pages))
    for s in ("DANH SÁCH RÀ SOÁT ĐI TỪNG NHÀ", "Rà soát tháng Ba", t.B1.name.upper(), t.C1.name.upper(), "Tổ số 1 Thôn 1",
              "Lý Thị Cán Bộ — Cán bộ Đoàn", "Bùi Văn Trưởng — Trưởng thôn / tổ trưởng dân phố", "ĐẠI DIỆN TỔ RÀ SOÁT",
              "Người mới:", "Năm sinh", "0912345678", "Đang sinh hoạt", "Đoàn viên", "Hội viên", "Thanh niên",
              "Thôn 1, số 5", "Chưa có địa chỉ", "mới phát hiện"):
        assert s in text, s
    for code in OUTCOMES:
        assert str(OUTCOMES_SHORT[code]) in text and str(OUTCOMES[code]) in text, code
    # the walk list's order: households as queries.households gives them, people in each as the screen shows them
    order = [p.full_name for h in queries.households(c, t.B1) for _s, p in h.people]
    assert order[-1] == "Đỗ Văn Phúc"  # no address: last
    positions = [text.index(name) for name in order]
    assert positions == sorted(positions)
    numbered = [int(n) for n in re.findall(r"(?:^| )(\d+) (?:" + "|".join(map(re.escape, order)) + ")", text)]
    assert numbered == list(range(1, len(order) + 1))
    assert "Hộ 1 · Thôn 1, số 5" in text and f"SN {c.year - 24}" in text

    resp = client.get(f"/review/{c.id}/branches/{t.B1.id}/print")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Bùi Văn Trưởng" in html and "<!doctype" not in html[10:].lower()
    assert f'href="/review/{c.id}/branches/{t.B1.id}/walk.pdf" download hx-boost="false"' in html
    assert [html.index(n) for n in order] == sorted(html.index(n) for n in order)


def test_walk_list_without_team(client, world, login):
    c, t = world.campaign, world.tree
    login(world.admin)
    resp = client.get(f"/review/{c.id}/branches/{t.B2.id}/walk.pdf")
    text = flat("\n".join(pdf_pages(resp.data)))
    assert resp.status_code == 200 and "Ngô Văn Khải" in text and "Tổ rà soát:" in text
    assert "đã ghi: Không thấy" in text  # an outcome already recorded is shown, not ticked


def test_another_commune_is_refused_everywhere(client, world, login, make_user):
    c, t = world.campaign, world.tree
    login(world.other)  # a viewer of C2
    urls = [f"/review/{c.id}/result?unit={t.C1.id}", f"/review/{c.id}/result.pdf?unit={t.C1.id}",
            f"/review/{c.id}/result.xlsx?unit={t.C1.id}", f"/review/{c.id}/branches/{t.B1.id}/print",
            f"/review/{c.id}/branches/{t.B1.id}/walk.pdf"]
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
    # without ?unit= the viewer gets their own commune, not the province
    html = client.get(f"/review/{c.id}/result").get_data(as_text=True)
    assert t.C2.name in html and f">{t.C1.name}<" not in html
    assert client.get(f"/review/{c.id}/branches/{t.C2.id}/print").status_code == 404  # a commune is not a branch
    assert client.get(f"/review/{c.id}/branches/{t.B2.id}/walk.pdf").status_code == 200
    make_user("ngoai", (t.B3, "viewer"))  # inside the scope but another commune (C3)
    client.post("/auth/logout")
    login("ngoai")
    for url in urls:
        assert client.get(url).status_code in (403, 404), url


def test_sql_statements_do_not_grow(client, db, tree, make_user, login, app, monkeypatch, capsys):
    monkeypatch.setitem(app.config, "STANDING_AUTO_REFRESH", False)
    admin = make_user("tinh.admin", (tree.P, "admin"))
    person_in(db, tree.B1, "Người Đầu", current_address="Thôn 1")
    small = make_campaign(db, tree.P, TODAY.year)
    services.open_campaign(campaign=small, expected_version=None)
    db.session.commit()
    team = services.create_team(campaign=small, commune=tree.C1, name="Tổ 1", users=[admin], branches=[tree.B1])
    services.add_guest(team=team, full_name="Bùi Văn Trưởng", post="police")
    db.session.commit()
    login(admin)

    def counts(c):
        urls = [f"/review/{c.id}/result", f"/review/{c.id}/result?unit={tree.C1.id}", f"/review/{c.id}/result.pdf",
                f"/review/{c.id}/result.xlsx", f"/review/{c.id}/branches/{tree.B1.id}/print",
                f"/review/{c.id}/branches/{tree.B1.id}/walk.pdf"]
        return [sql_count(client.get(u)) for u in urls]

    before = counts(small)
    for i in range(30):
        for branch in (tree.B1, tree.B2, tree.B3):
            p = person_in(db, branch, f"Người {branch.code} {i}", commit=False, current_address=f"Thôn {i % 7}",
                          member_type=("union", "federation", "youth")[i % 3])
            standing(db, p, "paper" if i % 2 else "real")
    db.session.commit()
    big = make_campaign(db, tree.P, TODAY.year + 1)
    services.open_campaign(campaign=big, expected_version=None)
    db.session.commit()
    team = services.create_team(campaign=big, commune=tree.C1, name="Tổ 1", users=[admin], branches=[tree.B1])
    services.add_guest(team=team, full_name="Bùi Văn Trưởng", post="police")
    services.add_guest(team=team, full_name="Lò Văn Công An", post="other", post_text="Công an viên")
    db.session.commit()
    after = counts(big)
    assert after == before
    with capsys.disabled():
        print("\nSQL statements (result, result?unit=C1, result.pdf, result.xlsx, walk print, walk.pdf):", after)


def test_a_150_person_branch_prints_quickly(client, db, tree, make_user, login, app, monkeypatch, capsys):
    monkeypatch.setitem(app.config, "STANDING_AUTO_REFRESH", False)
    officer = make_user("xa1.officer", (tree.C1, "officer"))
    for i in range(150):  # about three people a household
        person_in(db, tree.B1, f"Nguyễn Thị Người {i:03d}", commit=False, phone=f"09{i:08d}",
                  current_address=f"Thôn 1, số {i // 3 + 1}", member_type=("union", "federation", "youth")[i % 3])
    db.session.commit()
    c = make_campaign(db, tree.P)
    services.open_campaign(campaign=c, expected_version=None)
    team = services.create_team(campaign=c, commune=tree.C1, name="Tổ 1", users=[officer], branches=[tree.B1])
    services.add_guest(team=team, full_name="Bùi Văn Trưởng", post="hamlet_head")
    db.session.commit()
    login(officer)
    client.get(f"/review/{c.id}/branches/{tree.B1.id}/walk.pdf")  # fonts and templates loaded once
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        resp = client.get(f"/review/{c.id}/branches/{tree.B1.id}/walk.pdf")
        timings.append((time.perf_counter() - started, int(resp.headers["X-Render-Ms"])))
    pages = pdf_pages(resp.data)
    text = flat("\n".join(pages))
    order = [p.full_name for h in queries.households(c, tree.B1) for _s, p in h.people]
    assert len(order) == 150 and all(name in text for name in order)
    positions = [text.index(name) for name in order]
    assert positions == sorted(positions)
    assert f"Trang {len(pages)}/{len(pages)}" in text and 5 <= len(pages) <= 40
    with capsys.disabled():
        print(f"\n150-person walk list: {len(pages)} pages, request " +
              ", ".join(f"{t:.2f} s (render {ms} ms)" for t, ms in timings))
    assert min(t for t, _ms in timings) < 4  # the target is 2 s (measured 1.1–1.3 s); a shared 2-core machine gets slack


def test_hostile_ids_and_units_are_404_never_500(client, world, login):
    c, t = world.campaign, world.tree
    login(world.admin)
    huge = "99999999999999999999"
    for url in (f"/review/{huge}/result", f"/review/{huge}/result.pdf", f"/review/{huge}/result.xlsx",
                f"/review/{c.id}/branches/{huge}/print", f"/review/{huge}/branches/{t.B1.id}/walk.pdf"):
        assert client.get(url).status_code == 404, url
    for value in (huge, "-1", "0", "x"):  # not a unit: the campaign's own unit
        assert client.get(f"/review/{c.id}/result?unit={value}").status_code == 200, value
    other = world.campaign.unit_id + 10_000
    for url in (f"/review/{c.id}/result?unit={other}", f"/review/{c.id}/result.xlsx?unit={other}",
                f"/review/{c.id}/branches/{other}/walk.pdf", f"/review/{c.id}/branches/{t.C1.id}/walk.pdf"):
        assert client.get(url).status_code == 404, url

