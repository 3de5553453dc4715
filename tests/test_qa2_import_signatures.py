"""A commune's roll ends with a signature block laid out across the sheet: the words fall under the citizen-ID,
birth-date or ethnicity columns, not under the name (QA: "Người lập biểu", "Bí thư", "(ký, ghi rõ họ tên)" and the
place-and-date line were error rows that blocked an all-or-nothing import). They are skipped, not errors."""
import io

from openpyxl import Workbook

from tests.factories_members import *  # noqa: F401,F403
from tests.test_members_import import upload
from tests.test_members_import_reach import last_batch


def test_a_signature_block_under_the_data_columns_is_skipped(client, db, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH ĐOÀN VIÊN NĂM 2026"])
    ws.append(["STT", "Chi đoàn", "Họ và tên", "Giới tính", "Ngày sinh", "Số CCCD", "Đối tượng", "Dân tộc"])
    ws.append([1, "B1", "Lê Thị Hoa", "Nữ", "03/04/2005", "", "Đoàn viên", "Kinh"])
    ws.append([2, "B1", "Trần Văn Tư", "Nam", "04/05/2004", "", "Đoàn viên", "Kinh"])
    ws.append(["", "Tổng cộng: 2"])
    ws.append([])
    ws.append(["", "", "", "", "", "An Phú, ngày 15 tháng 3 năm 2026"])
    ws.append(["", "", "", "", "", "Người lập biểu", "", "Bí thư"])
    ws.append(["", "", "", "", "", "(ký, ghi rõ họ tên)", "", "(ký tên, đóng dấu)"])
    ws.append(["", "", "", "", "Phạm Thị Lập", "", "", "Nguyễn Văn Thư"])
    out = io.BytesIO()
    wb.save(out)
    upload(client, tree.C1, out.getvalue(), name="so-doan-vien.xlsx")
    batch = last_batch(db)
    assert batch.counts["error"] == 0, [(r["row"], r["errors"]) for r in batch.payload["results"] if r["errors"]]
    assert batch.counts["new"] == 2 and batch.counts["skipped"] >= 4
    # a person row with a mistyped birth date is still a person, and still an error
    ws.append([3, "B1", "Hà Văn Năm", "Nam", "31/02/2003", "", "Đoàn viên", "Kinh"])
    ws.append([4, "B1", "", "Nam", "05/06/2003", "038203001234", "Đoàn viên", "Kinh"])
    out = io.BytesIO()
    wb.save(out)
    upload(client, tree.C1, out.getvalue(), name="so-doan-vien.xlsx")
    errors = {r["row"]: r["errors"] for r in last_batch(db).payload["results"] if r["action"] == "error"}
    assert sorted(errors) == [11, 12] and "Thiếu họ và tên." in errors[12]
