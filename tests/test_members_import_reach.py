"""Import: reach (only people the importer may edit), the transfer freeze, honest updates (old → new, no
overwriting another person, names with diacritics kept), rolls as communes keep them, partial imports."""
import io
from datetime import date

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.members.models import ImportBatch, Person
from tests.factories_members import *  # noqa: F401,F403
from tests.test_members_import import csv_bytes, upload

OUTSIDE = "Số CCCD này đã có trong sổ của một đơn vị khác: hãy hỏi cán bộ đơn vị đó hoặc làm thủ tục chuyển sinh hoạt."


def last_batch(db):
    db.session.expire_all()
    return db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))


def test_branch_officer_cannot_update_or_move_a_sibling_branch_person(client, db, tree, make_unit, make_user, login,
                                                                        make_person):
    sibling = make_unit(tree.C1, name="Chi đoàn Thôn 1A", code="B1A")
    sen = make_person(sibling, "Lê Thị Sen", citizen_id="038304001234", birth_date=date(2004, 3, 5), phone="0912000000")
    make_user("chi.officer", (tree.B1, "officer"))
    login("chi.officer")
    upload(client, tree.B1, csv_bytes([["B1", "Lê Thị Sen", "Nữ", "05/03/2004", "038304001234", "Đoàn viên", ""]]))
    batch = last_batch(db)
    result = batch.payload["results"][0]
    assert result["action"] == "error" and result["errors"] == [OUTSIDE] and result["person_id"] is None
    html = client.get(f"/members/import/{batch.id}").get_data(as_text=True)
    assert OUTSIDE in html and "Thôn 1A" not in html
    assert client.post(f"/members/import/{batch.id}/confirm", data={"valid_only": "1"}).status_code in (303, 422)
    db.session.expire_all()
    sen = db.session.get(Person, sen.id)
    assert sen.unit_id == sibling.id and sen.phone == "0912000000"
    # the same person by name + birth date only (no ID): never matched across the branch line either
    upload(client, tree.B1, csv_bytes([["B1", "Lê Thị Sen", "Nữ", "05/03/2004", "", "Đoàn viên", ""]]))
    assert last_batch(db).payload["results"][0]["action"] == "new"


def test_pending_transfer_freezes_the_person_in_imports(client, db, tree, make_user, login, make_person, make_transfer):
    an = make_person(tree.B1, "Nguyễn Văn An", citizen_id="038204001111", birth_date=date(2002, 1, 2), occupation="farmer",
                     sex="male")
    make_transfer(an, tree.C2)
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    upload(client, tree.C1, csv_bytes([["B1", "Nguyễn Văn An", "Nam", "02/01/2002", "038204001111", "Đoàn viên", "Công nhân"]]))
    result = last_batch(db).payload["results"][0]
    assert result["action"] == "error" and "đề nghị chuyển sinh hoạt" in result["errors"][0]
    # nothing to change: not an error, just "same"
    upload(client, tree.C1, csv_bytes([["B1", "Nguyễn Văn An", "Nam", "02/01/2002", "038204001111", "Đoàn viên", "Nông dân"]]))
    assert last_batch(db).payload["results"][0]["action"] == "same"


def test_citizen_id_match_with_another_name_and_birth_date_is_an_error(client, db, tree, make_user, login, make_person):
    dung = make_person(tree.B1, "Phạm Văn Dũng", citizen_id="038299001234", birth_date=date(1999, 7, 7))
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    upload(client, tree.C1, csv_bytes([["B1", "Hoàng Thị Mai", "Nữ", "01/02/2003", "038299001234", "Đoàn viên", ""],
                                       ["B1", "Trần Văn Cường", "Nam", "01/02/2003", "", "Đoàn viên", ""]]))
    batch = last_batch(db)
    first = batch.payload["results"][0]
    assert first["action"] == "error" and "Phạm Văn Dũng" in first["errors"][0] and "07/07/1999" in first["errors"][0]
    assert client.post(f"/members/import/{batch.id}/confirm", data={"valid_only": "1"}).status_code == 303
    db.session.expire_all()
    dung = db.session.get(Person, dung.id)
    assert (dung.full_name, dung.birth_date, dung.sex) == ("Phạm Văn Dũng", date(1999, 7, 7), "female")
    assert db.session.scalar(select(func.count(Person.id))) == 2  # Cường added, Mai not


def test_update_preview_lists_each_change_old_to_new(client, db, tree, make_user, login, make_person):
    make_person(tree.B1, "Đỗ Thị Hoa", citizen_id="038304005555", birth_date=date(2004, 5, 5), occupation="farmer",
                phone="0912000000")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    head = ["Mã chi đoàn", "Họ và tên", "Ngày sinh", "Số CCCD", "Số điện thoại", "Nghề nghiệp"]
    resp = upload(client, tree.C1, csv_bytes([["B1", "Đỗ Thị Hoa", "05/05/2004", "038304005555", "0987654321", "CN"]], head))
    html = client.get(resp.location).get_data(as_text=True)
    assert "Số điện thoại: <del>0912000000</del> → <ins>0987654321</ins>" in html
    assert "Nghề nghiệp: <del>Nông dân</del> → <ins>Công nhân</ins>" in html
    assert "Họ và tên:" not in html


def test_name_without_diacritics_never_replaces_the_stored_name(client, db, tree, make_user, login, make_person):
    binh = make_person(tree.B1, "Trần Văn Bình", citizen_id="038201002222", birth_date=date(2001, 12, 12), phone=None)
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    head = ["Mã chi đoàn", "Họ và tên", "Ngày sinh", "Số CCCD", "Số điện thoại"]
    upload(client, tree.C1, csv_bytes([["B1", "tran van binh", "12/12/2001", "038201002222", ""]], head))
    assert last_batch(db).payload["results"][0]["action"] == "same"  # a match, not an update
    upload(client, tree.C1, csv_bytes([["B1", "TRAN VAN BINH", "12/12/2001", "", "0987000111"]], head))
    batch = last_batch(db)
    assert batch.payload["results"][0]["action"] == "update"
    assert [c[0] for c in batch.payload["results"][0]["changes"]] == ["Số điện thoại"]
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 303
    db.session.expire_all()
    binh = db.session.get(Person, binh.id)
    assert binh.full_name == "Trần Văn Bình" and binh.phone == "0987000111"


def commune_roll():
    """A roll as a commune keeps it: title rows, STT, branches by name, informal pick values, blanks, totals, signature."""
    wb = Workbook()
    ws = wb.active
    ws.append(["ĐOÀN XÃ AN PHÚ"])
    ws.append(["DANH SÁCH ĐOÀN VIÊN NĂM 2026"])
    ws.append([])
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Chi đoàn", "Nghề nghiệp", "Dân tộc", "Đối tượng"])
    ws.append([1, "Nguyễn Thị Lan", "01/02/2005", "Nữ", "Thôn 1", "Học sinh", "Kinh", "ĐV"])
    ws.append([2, "Trần Văn Nam", "03/04/2003", "nam", "Chi đoàn Thôn 1A", "Tự do", "kinh", "Đoàn viên"])
    ws.append([])
    ws.append([3, "Lê Thị Thu", "05/06/2004", "nu", "b1", "CN", "Tày", "Thanh niên"])
    ws.append([4, "Phạm Văn Hải", "07/08/2002", "Nam", "thon 1a", "nông dân", "KINH", "hội viên"])
    ws.append([5, "Võ Thị Hồng", "09/10/2001", "NỮ", "Thôn 1", "cán bộ", "Mường", "tn"])
    ws.append(["Tổng cộng: 5"])
    ws.append([])
    ws.append(["", "Người lập biểu"])
    ws.append(["", "(Ký, ghi rõ họ tên)"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_roll_as_a_commune_keeps_it_imports_cleanly(client, db, tree, make_unit, make_user, login):
    make_unit(tree.C1, name="Chi đoàn Thôn 1A", code="B1A")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = upload(client, tree.C1, commune_roll(), name="so-doan-vien.xlsx")
    batch = last_batch(db)
    assert batch.counts["error"] == 0 and batch.counts["new"] == 5, [r["errors"] for r in batch.payload["results"]]
    assert batch.counts["skipped"] >= 2 and batch.counts["total"] == 5
    assert "Bỏ qua" in client.get(resp.location).get_data(as_text=True)
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 303
    got = {p.full_name: p for p in db.session.scalars(select(Person))}
    assert got["Nguyễn Thị Lan"].occupation == "student" and got["Nguyễn Thị Lan"].unit.code == "B1"
    assert got["Trần Văn Nam"].occupation == "self_employed" and got["Trần Văn Nam"].unit.code == "B1A"
    assert got["Lê Thị Thu"].occupation == "worker" and got["Lê Thị Thu"].sex == "female"
    assert got["Phạm Văn Hải"].member_type == "federation" and got["Võ Thị Hồng"].member_type == "youth"
    assert got["Võ Thị Hồng"].occupation == "civil_servant"
    assert {got[n].ethnicity for n in ("Nguyễn Thị Lan", "Trần Văn Nam", "Phạm Văn Hải")} == {"Kinh"}


def test_import_the_valid_rows_and_download_the_error_rows(client, db, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    rows = [["B1", "Nguyễn Thị Ánh", "Nữ", "05/03/2004", "038304001234", "Đoàn viên", "Công nhân"],
            ["B1", "Trần Văn Bình", "Nam", "31/02/2004", "", "Thanh niên", "Nông dân"],
            ["B1", "=HYPERLINK(\"http://x\")", "Nam", "01/01/2003", "", "Thanh niên", "Thợ lặn vũ trụ"],
            ["B1", "Lê Thị Cúc", "nu", "01/01/2003", "038303009876", "Hội viên", ""]]
    resp = upload(client, tree.C1, csv_bytes(rows))
    batch = last_batch(db)
    assert batch.counts["error"] == 2 and batch.counts["new"] == 2
    html = client.get(resp.location).get_data(as_text=True)
    assert "Chỉ nhập các dòng hợp lệ" in html and 'name="valid_only" value="1"' in html
    # all or nothing stays the default
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 422
    assert db.session.scalar(select(func.count(Person.id))) == 0
    assert client.post(f"/members/import/{batch.id}/confirm", data={"valid_only": "1"}).status_code == 303
    assert sorted(db.session.scalars(select(Person.full_name))) == ["Lê Thị Cúc", "Nguyễn Thị Ánh"]
    resp = client.get(f"/members/import/{batch.id}/errors.xlsx")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/vnd.openxml")
    ws = load_workbook(io.BytesIO(resp.data)).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0][1] == "Họ và tên" and values[0][-2:] == ["Lý do", "Dòng"]
    assert [v[1] for v in values[1:]] == ["Trần Văn Bình", "=HYPERLINK(\"http://x\")"]
    assert "31/02/2004" in values[1][-2] and "Thợ lặn vũ trụ" in values[2][-2] and values[2][-1] == 4
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    # the error file, fixed, imports again
    fixed = io.BytesIO(resp.data)
    wb = load_workbook(fixed)
    wb.active["D2"] = "28/02/2004"
    wb.active["B3"] = "Hồ Văn Lực"
    wb.active["L3"] = "CN"
    out = io.BytesIO()
    wb.save(out)
    upload(client, tree.C1, out.getvalue(), name="dong-loi.xlsx")
    again = last_batch(db)
    assert again.counts["error"] == 0 and again.counts["new"] == 2, again.payload["results"]


def test_admin_extends_the_synonyms_and_imports_use_them(client, db, tree, make_user, login):
    from app.audit.models import AuditEntry
    from app.members.models import PickSynonym

    make_user("tinh.admin", (tree.P, "admin"))
    make_user("xa.admin", (tree.C1, "admin"))
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    head = ["Mã chi đoàn", "Họ và tên", "Ngày sinh", "Nghề nghiệp", "Dân tộc"]
    rows = [["B1", "Ngô Văn Tài", "01/01/2000", "Thợ hồ", "Sán Chay"]]
    upload(client, tree.C1, csv_bytes(rows, head))
    assert "Nghề nghiệp “Thợ hồ” không có trong danh mục." in last_batch(db).payload["results"][0]["errors"]
    assert client.get("/members/import/synonyms").status_code == 403
    client.post("/auth/logout")
    login("xa.admin")
    assert client.get("/members/import/synonyms").status_code == 403  # the list serves the whole province
    client.post("/auth/logout")
    login("tinh.admin")
    assert client.get("/members/import/synonyms").status_code == 200
    resp = client.post("/members/import/synonyms", data={"field": "occupation", "text": "Thợ hồ", "value": "Ngoài hành tinh"})
    assert resp.status_code == 422 and "không có trong danh mục" in resp.get_data(as_text=True)
    assert client.post("/members/import/synonyms", data={"field": "occupation", "text": "Thợ hồ", "value": "CN"}).status_code == 303
    assert client.post("/members/import/synonyms", data={"field": "ethnicity", "text": "san chay", "value": "Sán Chay"}).status_code == 303
    syn = db.session.scalar(select(PickSynonym).where(PickSynonym.key == "tho ho"))
    assert syn.value == "worker" and syn.active
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "pick_synonym.add")) == 2
    assert "Thợ hồ" in client.get("/members/import/synonyms").get_data(as_text=True)
    client.post("/auth/logout")
    login("xa.officer")
    upload(client, tree.C1, csv_bytes([["B1", "Ngô Văn Tài", "01/01/2000", "THO HO", "SAN CHAY"]], head))
    batch = last_batch(db)
    assert batch.counts["error"] == 0 and batch.payload["results"][0]["values"]["occupation"] == "worker"
    assert batch.payload["results"][0]["values"]["ethnicity"] == "Sán Chay"
    client.post("/auth/logout")
    login("tinh.admin")
    assert client.post("/members/import/synonyms", data={"action": "retire", "id": str(syn.id)}).status_code == 303
    db.session.expire_all()
    assert db.session.get(PickSynonym, syn.id).active is False  # retired, never deleted
