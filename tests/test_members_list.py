"""The people list: diacritics-blind search, filters, scope, pagination, fixed SQL count, export, unit panel."""
import csv
import io
import unicodedata
from datetime import date

from openpyxl import load_workbook

from tests.conftest import HTMX, sql_count
from tests.factories_members import *  # noqa: F401,F403


def names(resp):
    html = resp.get_data(as_text=True)
    import re

    return re.findall(r'<a class="row" href="/members/\d+"><span>([^<]+)<', html)


def test_search_ignores_diacritics_and_case_composed_and_decomposed(client, tree, make_user, login, make_person):
    make_person(tree.B1, "Nguyễn Thị Ánh")
    make_person(tree.B1, stored_name=unicodedata.normalize("NFD", "Nguyễn Thị Ánh Hồng"))  # decomposed in the database
    make_person(tree.B1, "Trần Đức Anh")
    make_person(tree.B1, "Lê Văn Thanh")
    make_user("xa.viewer", (tree.C1, "viewer"))
    login("xa.viewer")
    found = names(client.get("/members/?q=nguyen thi anh"))
    assert len(found) == 2 and "Nguyễn Thị Ánh" in found
    assert len(names(client.get("/members/?q=NGUYEN THI ANH"))) == 2
    # a decomposed query works as well
    assert len(names(client.get("/members/", query_string={"q": unicodedata.normalize("NFD", "thị ánh")}))) == 2
    assert names(client.get("/members/?q=duc")) == ["Trần Đức Anh"]
    assert sorted(names(client.get("/members/?q=anh"))) == sorted(["Nguyễn Thị Ánh", unicodedata.normalize("NFD", "Nguyễn Thị Ánh Hồng"), "Trần Đức Anh"])
    assert names(client.get("/members/?q=hanh")) == []  # words start with the query, not any substring
    assert names(client.get("/members/?q=thanh")) == ["Lê Văn Thanh"]


def test_htmx_search_returns_only_the_results_block(client, tree, make_user, login, make_person):
    make_person(tree.B1, "Nguyễn Thị Ánh")
    make_user("xa.viewer", (tree.C1, "viewer"))
    login("xa.viewer")
    resp = client.get("/members/?q=anh", headers=HTMX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<section id="results">') and "<html" not in html
    assert "Nguyễn Thị Ánh" in html
    full = client.get("/members/?q=anh").get_data(as_text=True)
    assert 'hx-get="/members/"' in full and 'hx-target="#results"' in full and 'hx-push-url="true"' in full
    assert '<form class="card filters" method="get" action="/members/"' in full  # works without JS


def test_filters(client, tree, make_user, login, make_person, make_unit):
    year = date.today().year
    b1b = make_unit(tree.C1, name="Chi đoàn Thôn 1B", code="B1B")
    make_person(tree.B1, "Công Nhân Một", occupation="worker")
    make_person(tree.B1, "Nông Dân Hai", occupation="farmer", member_type="federation")
    make_person(tree.B1, "Tròn Ba Mươi", birth_date=date(year - 30, 7, 1))
    make_person(b1b, "Đi Xa Bốn", status="away")
    make_person(b1b, "Đã Xóa Năm", status="removed")
    make_user("xa.viewer", (tree.C1, "viewer"))
    login("xa.viewer")
    assert len(names(client.get("/members/"))) == 4  # on the roll by default
    assert names(client.get("/members/?workers=1")) == ["Công Nhân Một"]
    assert names(client.get("/members/?type=federation")) == ["Nông Dân Hai"]
    assert names(client.get("/members/?age30=1")) == ["Tròn Ba Mươi"]
    assert names(client.get("/members/?status=removed")) == ["Đã Xóa Năm"]
    assert len(names(client.get("/members/?status=all"))) == 5
    assert names(client.get(f"/members/?unit={b1b.id}")) == ["Đi Xa Bốn"]
    assert names(client.get(f"/members/?unit={b1b.id}&status=away")) == ["Đi Xa Bốn"]
    # unknown filter values are ignored, not errors
    assert client.get("/members/?type=zzz&status=zzz&unit=abc&verdict=zzz").status_code == 200


def test_scope_officer_of_another_commune_sees_and_exports_nothing(client, tree, make_user, login, make_person):
    p = make_person(tree.B1, "Nguyễn Văn Riêng", citizen_id="038200000077")
    make_person(tree.B2, "Trần Văn Khác")
    make_user("xa2.officer", (tree.C2, "officer"))
    login("xa2.officer")
    assert names(client.get("/members/")) == ["Trần Văn Khác"]
    assert names(client.get("/members/?q=rieng")) == []
    assert client.get(f"/members/?unit={tree.C1.id}").status_code == 403
    assert client.get(f"/members/?unit={tree.B1.id}").status_code == 403
    assert client.get("/members/?unit=99999").status_code == 404
    assert client.get(f"/members/{p.id}").status_code == 403
    assert client.get(f"/members/{p.id}/transfer").status_code == 403
    assert client.post(f"/members/{p.id}/transfer", data={"mode": "move"}).status_code == 403
    assert client.get(f"/members/export.csv?unit={tree.C1.id}").status_code == 403
    assert client.get(f"/members/export.xlsx?unit={tree.C1.id}").status_code == 403
    text = client.get("/members/export.csv").get_data(as_text=True)
    assert "Trần Văn Khác" in text and "Nguyễn Văn Riêng" not in text
    assert client.get("/members/99999").status_code == 404


def test_pagination_and_sql_count_do_not_grow_with_data(client, db, tree, make_user, login, make_person):
    make_user("xa.viewer", (tree.C1, "viewer"))
    login("xa.viewer")
    for i in range(3):
        make_person(tree.B1, f"Người Số {i:02d}", citizen_id=f"0382000001{i:02d}")
    small = sql_count(client.get("/members/"))
    small_q = sql_count(client.get("/members/?q=nguoi&workers=1"))
    for i in range(3, 60):
        make_person(tree.B1, f"Người Số {i:02d}", citizen_id=f"0382000001{i:02d}")
    resp = client.get("/members/")
    assert sql_count(resp) == small
    assert sql_count(client.get("/members/?q=nguoi&workers=1")) == small_q
    assert sql_count(client.get("/members/?page=2")) == small
    html = resp.get_data(as_text=True)
    assert "60 người" in html and "Trang 1 / 3" in html
    assert len(names(client.get("/members/?page=3"))) == 10


def test_export_csv_and_xlsx_with_vietnamese_headers(client, tree, make_user, login, make_person):
    make_person(tree.B1, "Nguyễn Thị Ánh", citizen_id="038304001234", occupation="worker")
    make_person(tree.B1, "Lê Văn Bình", occupation="farmer")
    make_user("xa.officer", (tree.C1, "officer"))
    make_user("xa.viewer", (tree.C1, "viewer"))
    login("xa.officer")
    resp = client.get("/members/export.csv?workers=1")
    assert resp.status_code == 200 and "text/csv" in resp.headers["Content-Type"]
    assert resp.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["STT", "Họ và tên", "Giới tính", "Ngày sinh"] and "Số CCCD" in rows[0]
    assert len(rows) == 2 and rows[1][1] == "Nguyễn Thị Ánh" and "038304001234" in rows[1] and "Công nhân" in rows[1]
    resp = client.get("/members/export.xlsx")
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb.active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[1][1] == "Họ và tên" and {values[2][1], values[3][1]} == {"Nguyễn Thị Ánh", "Lê Văn Bình"}
    client.post("/auth/logout")
    login("xa.viewer")
    text = client.get("/members/export.csv").data.decode("utf-8-sig")
    assert "********1234" in text and "038304001234" not in text  # viewers get masked IDs


def test_unit_panel_counts_link_to_the_list(client, tree, make_user, login, make_person):
    make_person(tree.B1, "A", member_type="union")
    make_person(tree.B1, "B", member_type="union")
    make_person(tree.B1, "C", member_type="youth")
    make_person(tree.B1, "D", member_type="union", status="matured")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    html = client.get(f"/units/{tree.C1.id}").get_data(as_text=True)
    assert 'id="members-panel"' in html
    assert f'href="/members/?unit={tree.C1.id}&amp;type=union"><b>2</b>' in html
    assert f'href="/members/?unit={tree.C1.id}&amp;type=youth"><b>1</b>' in html
    assert len(names(client.get(f"/members/?unit={tree.C1.id}&type=union"))) == 2


def test_criteria_filters_narrow_the_list(client, db, tree, make_user, login, add_person, confirm):
    """verdict / failing filter the list through the real five criteria (activities.standing.filter_people, by the seam)."""
    from tests.factories_activities import activity_row, days_ago, paid_months

    real = add_person(tree.B1, "Thực Chất")
    confirm(real)
    activity_row(db, tree.B1, days_ago(10))
    paid_months(db, real, 10)
    db.session.commit()
    add_person(tree.B1, "Đoàn Viên Áo")  # nobody confirmed, no dues: paper
    make_user("xa.viewer", (tree.C1, "viewer"))
    login("xa.viewer")
    assert names(client.get(f"/members/?unit={tree.C1.id}&verdict=real")) == ["Thực Chất"]
    assert names(client.get(f"/members/?unit={tree.C1.id}&verdict=paper")) == ["Đoàn Viên Áo"]
    assert names(client.get(f"/members/?unit={tree.C1.id}&verdict=paper&failing=dues")) == ["Đoàn Viên Áo"]
    assert names(client.get(f"/members/?unit={tree.C1.id}&failing=dues")) == ["Đoàn Viên Áo"]
    assert names(client.get(f"/members/?unit={tree.C1.id}&verdict=incomplete")) == []
    assert sorted(names(client.get(f"/members/?unit={tree.C1.id}"))) == ["Thực Chất", "Đoàn Viên Áo"]


def test_real_criteria_contract_list_and_person_page(client, db, tree, make_user, login, make_person):
    """A "confirmed" event recorded on the person page moves the person out
    of the paper list; the person page shows the five criteria with reasons."""
    p = make_person(tree.B1, "Nguyễn Văn Xác Nhận", joined_on=date(2020, 3, 26))
    from app.activities.standing import refresh_standing

    refresh_standing(person_ids=[p.id])
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    assert names(client.get(f"/members/?unit={tree.C1.id}&verdict=paper")) == ["Nguyễn Văn Xác Nhận"]
    assert names(client.get(f"/members/?unit={tree.C1.id}&failing=person")) == ["Nguyễn Văn Xác Nhận"]
    html = client.get(f"/members/{p.id}").get_data(as_text=True)
    assert "Có người" in html and "Chưa đạt" in html
    resp = client.post(f"/members/{p.id}/event/confirmed", data={"on": date.today().strftime("%d/%m/%Y"),
                                                                 "version": str(p.version)})
    assert resp.status_code == 303
    assert names(client.get(f"/members/?unit={tree.C1.id}&failing=person")) == []
    assert names(client.get(f"/members/?unit={tree.C1.id}&verdict=paper")) == []
    assert "Được cán bộ xác nhận có người" in client.get(f"/members/{p.id}").get_data(as_text=True)


def test_count_is_capped_for_huge_lists(client, tree, make_user, login, make_person, monkeypatch):
    from app.members import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 5)
    for i in range(7):
        make_person(tree.B1, f"Người {i}")
    make_user("xa.viewer", (tree.C1, "viewer"))
    login("xa.viewer")
    html = client.get("/members/").get_data(as_text=True)
    assert "Hơn 5 người" in html and len(names(client.get("/members/"))) == 7


def test_search_by_phone_prefix_or_whole_citizen_id(client, tree, make_user, login, make_person):
    make_person(tree.B1, "Đào Thị Số", phone="0912345678", citizen_id="038200001111")
    make_person(tree.B1, "Mai Văn Khác", phone="0987000111")
    make_user("xa.officer", (tree.C1, "officer"))  # digits search only for those who see the data unmasked
    login("xa.officer")
    assert names(client.get("/members/?q=0912+345")) == ["Đào Thị Số"]
    assert names(client.get("/members/?q=038200001111")) == ["Đào Thị Số"]
    assert names(client.get("/members/?q=0382")) == []  # part of a citizen ID finds nothing: no probing


def test_export_carries_the_verdict_and_failing_criteria(client, tree, make_user, login, make_person):
    make_person(tree.B1, "Nguyễn Thị Ánh")  # nobody has confirmed her, no activity: paper
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    rows = list(csv.reader(io.StringIO(client.get("/members/export.csv").data.decode("utf-8-sig"))))
    assert rows[0][-2:] == ["Đánh giá “5 có”", "Tiêu chí chưa đạt"]
    assert rows[1][-2] == "Hình thức (“áo”)" and "Có người" in rows[1][-1]
