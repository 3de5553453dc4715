"""Import: template, preview (new / update / error with the row and the reason), all or nothing, no duplicates."""
import io
from datetime import datetime

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.members.importer import COLUMNS
from app.members.models import ImportBatch, Person, PersonEvent
from tests.factories_members import *  # noqa: F401,F403

HEAD = ["Mã chi đoàn", "Họ và tên", "Giới tính", "Ngày sinh", "Số CCCD", "Đối tượng", "Nghề nghiệp"]


def csv_bytes(rows, head=HEAD):
    lines = [",".join(head)] + [",".join(r) for r in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def upload(client, unit, data, name="ds.csv"):
    return client.post(f"/members/import?unit={unit.id}", data={"unit": str(unit.id), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


GOOD_ROWS = [
    ["B1", "Nguyễn Thị Ánh", "Nữ", "05/03/2004", "038304001234", "Đoàn viên", "Công nhân"],
    ["B1", "Trần Văn Bình", "Nam", "12/12/2001", "", "Thanh niên", "Nông dân"],
    ["B1A", "Lê Thị Cúc", "nu", "01/01/2003", "038303009876", "Hội viên", ""],
]
BAD_ROWS = [
    ["B1", "Nguyễn Thị Ánh", "Nữ", "05/03/2004", "03830400123", "Đoàn viên", "Công nhân"],  # 11-digit citizen ID
    ["B1", "Trần Văn Bình", "Nam", "31/02/2004", "", "Thanh niên", "Nông dân"],  # no such date
    ["ZZ9", "Lê Thị Cúc", "nu", "01/01/2003", "038303009876", "Hội viên", ""],  # unknown branch
]


def test_template_has_vietnamese_headers_and_branch_codes(client, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.get(f"/members/import/template.xlsx?unit={tree.C1.id}")
    wb = load_workbook(io.BytesIO(resp.data))
    assert [c.value for c in wb.active[1]] == [h for _f, h, _w in COLUMNS]
    guide = [[c.value for c in r] for r in wb["Hướng dẫn"].iter_rows()]
    assert ["B1", "Chi đoàn Thôn 1"] in guide


def test_bad_rows_write_nothing_and_name_row_and_reason_then_corrected_file_imports_once(
        client, db, tree, make_unit, make_user, login):
    make_unit(tree.C1, name="Chi đoàn Thôn 1A", code="B1A")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    assert client.get(f"/members/import?unit={tree.C1.id}").status_code == 200
    resp = upload(client, tree.C1, csv_bytes(BAD_ROWS))
    assert resp.status_code == 303
    batch = db.session.scalar(select(ImportBatch))
    assert batch.counts["error"] == 3 and batch.counts["new"] == 0
    html = client.get(resp.location).get_data(as_text=True)
    assert "Số CCCD phải có đúng 12 chữ số (đang có 11). (03830400123)" in html
    assert "Ngày sinh “31/02/2004” không phải ngày có thật (dd/mm/yyyy)." in html
    assert "Không có chi đoàn mã “ZZ9” trong cơ sở đoàn này." in html
    assert '<td class="num">2</td>' in html and '<td class="num">3</td>' in html and '<td class="num">4</td>' in html
    assert "Xác nhận nhập" not in html
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 422  # refused: rows still wrong
    assert db.session.scalar(select(func.count(Person.id))) == 0
    # the corrected file
    resp = upload(client, tree.C1, csv_bytes(GOOD_ROWS))
    batch2 = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch2.counts["new"] == 3 and batch2.counts["error"] == 0
    assert "Xác nhận nhập" in client.get(resp.location).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Person.id))) == 0  # nothing written before confirming
    assert client.post(f"/members/import/{batch2.id}/confirm").status_code == 303
    assert client.post(f"/members/import/{batch2.id}/confirm").status_code == 303  # a double tap imports once
    assert db.session.scalar(select(func.count(Person.id))) == 3
    cuc = db.session.scalar(select(Person).where(Person.citizen_id == "038303009876"))
    assert cuc.unit.code == "B1A" and cuc.member_type == "federation" and cuc.sex == "female" and cuc.name_key == "le thi cuc"
    assert db.session.scalar(select(func.count(PersonEvent.id)).where(PersonEvent.kind == "registered")) == 3
    # the same file again: everyone is found and nothing would change, nobody new
    resp = upload(client, tree.C1, csv_bytes(GOOD_ROWS))
    batch3 = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch3.counts["same"] == 3 and batch3.counts["update"] == 0 and batch3.counts["new"] == 0
    assert client.post(f"/members/import/{batch3.id}/confirm").status_code == 303
    assert db.session.scalar(select(func.count(Person.id))) == 3
    # one changed cell: that row alone is an update
    changed = [list(r) for r in GOOD_ROWS]
    changed[1][6] = "Công nhân"
    upload(client, tree.C1, csv_bytes(changed))
    batch4 = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch4.counts["update"] == 1 and batch4.counts["same"] == 2


def test_duplicate_by_name_birth_date_branch_updates(client, db, tree, make_user, login, make_person):
    old = make_person(tree.B1, "Trần Văn Bình", birth_date=datetime(2001, 12, 12).date(), occupation=None)
    make_user("xa.officer", (tree.B1, "officer"))
    login("xa.officer")
    rows = [["", "tran van binh", "Nam", "12/12/2001", "", "Thanh niên", "Công nhân"]]
    upload(client, tree.B1, csv_bytes(rows))
    batch = db.session.scalar(select(ImportBatch))
    assert batch.counts["update"] == 1 and batch.counts["new"] == 0
    result = batch.payload["results"][0]
    assert result["person_id"] == old.id
    assert result["changes"] == [["Giới tính", "Nữ", "Nam"], ["Đối tượng", "Đoàn viên", "Thanh niên"],
                                 ["Nghề nghiệp", "", "Công nhân"]]  # the name is no change: it is the same name
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 303
    db.session.refresh(old)
    # the file's cells are applied; the name typed without diacritics does not overwrite the stored one
    assert (old.occupation, old.sex, old.member_type) == ("worker", "male", "youth")
    assert old.full_name == "Trần Văn Bình" and old.name_key == "tran van binh" and old.version == 2
    assert db.session.scalar(select(func.count(Person.id))) == 1


def test_xlsx_with_excel_dates_and_numeric_citizen_ids(client, db, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    wb = Workbook()
    ws = wb.active
    ws.append(["Danh sách chi đoàn"])  # a title row above the header is fine
    ws.append(HEAD)
    ws.append(["B1", "Phạm Thu Hà", "Nữ", datetime(2003, 4, 30), 38303001111, "Đoàn viên", "Học sinh, sinh viên"])
    ws.append(["B1", "Đỗ Minh Tâm", "Nam", 37000, None, "Đoàn viên", ""])  # an unformatted Excel serial date
    buf = io.BytesIO()
    wb.save(buf)
    upload(client, tree.C1, buf.getvalue(), name="ds.xlsx")
    batch = db.session.scalar(select(ImportBatch))
    assert batch.counts == dict(batch.counts, new=2, error=0)
    client.post(f"/members/import/{batch.id}/confirm")
    ha = db.session.scalar(select(Person).where(Person.name_key == "pham thu ha"))
    assert ha.citizen_id == "038303001111" and ha.birth_date.isoformat() == "2003-04-30" and ha.occupation == "student"
    tam = db.session.scalar(select(Person).where(Person.name_key == "do minh tam"))
    assert tam.birth_date.isoformat() == "2001-04-19"  # Excel serial 37000


def test_citizen_id_of_another_commune_is_an_error(client, db, tree, make_user, login, make_person):
    make_person(tree.B2, "Người Xã Khác", citizen_id="038304001234")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    upload(client, tree.C1, csv_bytes(GOOD_ROWS[:1]))
    batch = db.session.scalar(select(ImportBatch))
    assert batch.counts["error"] == 1
    error = batch.payload["results"][0]["errors"][0]
    assert "đơn vị khác: hãy hỏi cán bộ đơn vị đó hoặc làm thủ tục chuyển sinh hoạt" in error
    assert "Người Xã Khác" not in error and "Bình Minh" not in error  # names no one


def test_unreadable_file_is_a_field_error(client, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = upload(client, tree.C1, b"abc,def\n1,2\n")
    assert resp.status_code == 422 and "Họ và tên" in resp.get_data(as_text=True)
    resp = upload(client, tree.C1, b"x", name="ds.pdf")
    assert resp.status_code == 422


def test_outsider_cannot_import_or_see_batches(client, db, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    make_user("xa2.officer", (tree.C2, "officer"))
    login("xa.officer")
    upload(client, tree.C1, csv_bytes(GOOD_ROWS[:1]))
    batch = db.session.scalar(select(ImportBatch))
    client.post("/auth/logout")
    login("xa2.officer")
    assert client.get(f"/members/import/{batch.id}").status_code == 403
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 403
    assert upload(client, tree.C1, csv_bytes(GOOD_ROWS[:1])).status_code == 403
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_5000_rows_preview_and_import_then_again_as_updates(client, db, tree, make_unit, make_user, login):
    # Timing is measured by bench/imports.py (README), not asserted here; this checks a big file end to end.
    branches = [tree.B1] + [make_unit(tree.C1, name=f"Chi đoàn {i}", code=f"K{i}") for i in range(20)]
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    ho = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi"]
    rows = []
    for i in range(5000):
        rows.append([branches[i % len(branches)].code, f"{ho[i % 8]} Văn Người {i}", "Nam",
                     f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1990 + i % 15}", f"0383{i:08d}", "Đoàn viên", "Công nhân"])
    data = csv_bytes(rows)
    resp = upload(client, tree.C1, data)
    assert resp.status_code == 303
    batch = db.session.scalar(select(ImportBatch))
    assert batch.counts["new"] == 5000
    assert client.get(resp.location).status_code == 200
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 303
    assert db.session.scalar(select(func.count(Person.id))) == 5000
    # and the same file again finds all 5,000, changes nothing, adds no one
    resp = upload(client, tree.C1, data)
    batch2 = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch2.counts["same"] == 5000 and batch2.counts["new"] == 0  # found, and nothing would change
    assert client.post(f"/members/import/{batch2.id}/confirm").status_code == 303
    assert db.session.scalar(select(func.count(Person.id))) == 5000


def test_template_starts_empty_with_pick_lists(client, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    wb = load_workbook(io.BytesIO(client.get(f"/members/import/template.xlsx?unit={tree.C1.id}").data))
    assert all(c.value is None for c in wb.active[2])  # headers only: no sample row to import by mistake
    formulas = {dv.formula1 for dv in wb.active.data_validations.dataValidation}
    assert any("Danh mục" in f for f in formulas) and len(formulas) == 4
    assert [c.value for c in wb["Ví dụ"][2]][:2] == ["B1", "Nguyễn Thị Ánh"]
