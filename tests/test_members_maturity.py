"""Maturity at 30 (bulk, one POST) and the removal proposals an officer decides with a reason."""
from datetime import date

from sqlalchemy import func, select

from app.members.models import Person, PersonEvent
from tests.conftest import errors_in, sql_count
from tests.factories_members import *  # noqa: F401,F403


def test_bulk_matured_on_ceremony_date(client, db, tree, make_user, login, make_person):
    year = date.today().year
    a = make_person(tree.B1, "Tròn Ba Mươi A", birth_date=date(year - 30, 2, 1))
    b = make_person(tree.B1, "Tròn Ba Mươi B", birth_date=date(year - 30, 11, 30))
    young = make_person(tree.B1, "Còn Trẻ", birth_date=date(year - 25, 1, 1))
    other = make_person(tree.B2, "Xã Khác", birth_date=date(year - 30, 1, 1))
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    html = client.get("/members/maturity").get_data(as_text=True)
    assert "Tròn Ba Mươi A" in html and "Tròn Ba Mươi B" in html and "Còn Trẻ" not in html and "Xã Khác" not in html
    resp = client.post("/members/maturity", data={"on": "26/03/2025", "person": []})
    assert resp.status_code == 422 and "Hãy đánh dấu ít nhất một người." in errors_in(resp.data)
    data = {"on": "26/03/2025", "reason": "Lễ trưởng thành 26/3", "person": [str(a.id), str(b.id), str(other.id)]}
    assert client.post("/members/maturity", data=data).status_code == 303
    assert client.post("/members/maturity", data=data).status_code in (303, 422)  # double tap adds nothing
    for p in (a, b, other, young):
        db.session.refresh(p)
    assert a.status == b.status == "matured" and other.status == "active" and young.status == "active"
    assert db.session.scalar(select(func.count(PersonEvent.id)).where(PersonEvent.kind == "matured")) == 2
    assert db.session.scalar(select(PersonEvent.on).where(PersonEvent.kind == "matured").limit(1)) == date(2025, 3, 26)
    assert db.session.scalar(select(func.count(Person.id))) == 4  # nothing deleted


def test_maturity_list_sql_count_fixed(client, tree, make_user, login, make_person):
    year = date.today().year
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    make_person(tree.B1, "A", birth_date=date(year - 30, 1, 1))
    first = sql_count(client.get("/members/maturity"))
    for i in range(20):
        make_person(tree.B1, f"B{i}", birth_date=date(year - 30, 1, 2))
    assert sql_count(client.get("/members/maturity")) == first


def test_removal_list_and_decisions(client, db, tree, make_user, login, add_person):
    # Union members for two years without a month of dues: the real criteria propose all three
    a = add_person(tree.B1, "Không Đóng Phí")
    b = add_person(tree.B1, "Không Sinh Hoạt")
    c = add_person(tree.B2, "Xã Khác")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    html = client.get("/members/removal").get_data(as_text=True)
    assert "Không Đóng Phí" in html and "Không Sinh Hoạt" in html and "Xã Khác" not in html
    resp = client.post(f"/members/{a.id}/removal", data={"decision": "remove", "on": "01/05/2025", "reason": ""})
    assert resp.status_code == 422 and "Vui lòng ghi lý do." in errors_in(resp.data)
    assert client.post(f"/members/{a.id}/removal", data={"decision": "remove", "on": "01/05/2025",
                                                         "reason": "6 tháng không đóng đoàn phí"}).status_code == 303
    assert client.post(f"/members/{b.id}/removal", data={"decision": "keep", "on": date.today().strftime("%d/%m/%Y"),
                                                         "reason": "Đi nghĩa vụ quân sự"}).status_code == 303
    db.session.refresh(a)
    db.session.refresh(b)
    assert a.status == "removed" and b.status == "active"
    assert db.session.scalar(select(PersonEvent.reason).where(PersonEvent.kind == "kept")) == "Đi nghĩa vụ quân sự"
    html = client.get("/members/removal").get_data(as_text=True).split("<h1>")[1]
    assert "Không Đóng Phí" not in html and "Không Sinh Hoạt" not in html  # decided: off the proposals
    assert client.post(f"/members/{c.id}/removal", data={"decision": "remove", "on": "01/05/2025", "reason": "x"}).status_code == 403


def test_removal_list_with_real_criteria(client, db, tree, make_user, login, make_person):
    from app.activities.standing import refresh_standing

    p = make_person(tree.B1, "Không Đóng Đoàn Phí", joined_on=date(2019, 3, 26))
    youth = make_person(tree.B1, "Thanh Niên Chưa Vào Đoàn", member_type="youth")
    refresh_standing(person_ids=[p.id, youth.id])
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    html = client.get(f"/members/removal?unit={tree.C1.id}").get_data(as_text=True)
    assert "Không Đóng Đoàn Phí" in html and "Thanh Niên Chưa Vào Đoàn" not in html
    first = sql_count(client.get("/members/removal"))
    for i in range(10):
        make_person(tree.B1, f"Thêm {i}", joined_on=date(2019, 3, 26))
    refresh_standing(unit_path=tree.C1.path)
    db.session.commit()
    assert sql_count(client.get("/members/removal")) == first
