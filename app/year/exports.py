"""The yearly report's XLSX annex: a sheet with the document's details, then one sheet per table of figures — the same
figures as the PDF (the version's frozen ones, or the draft's computed now). Written the house's way
(app.members.exports): every text a string cell (never a formula), every figure a real number."""
import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..members.exports import text_cell
from .figures import numbered

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Sheet names are at most 31 characters: the tables' short names.
SHEETS = {
    "members": _l("Đoàn viên trong sổ"), "moves": _l("Biến động"), "paper": _l("Hình thức"),
    "training": _l("Lớp học, tập huấn"), "inspections": _l("Kiểm tra, giám sát"),
    "member_grades": _l("Xếp loại đoàn viên"), "commune_grades": _l("Xếp loại cơ sở đoàn"),
    "branch_grades": _l("Xếp loại chi đoàn"), "weak": _l("Củng cố cơ sở yếu kém"), "targets": _l("Chỉ tiêu"),
    "young_workers": _l("Thanh niên công nhân"), "review": _l("Rà soát"),
}
_NOT_IN_SHEET_NAMES = str.maketrans({c: " " for c in "[]:*?/\\"})


def sheet_name(index, section):
    name = str(SHEETS.get(section["key"], section["title"]))
    return f"{index}. {name}".translate(_NOT_IN_SHEET_NAMES)[:31]


def is_target_table(section):
    return section["key"] == "targets"


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def to_xlsx(doc):
    """doc: the document's context (app.year.routes.report.document) → the workbook's bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    wb = Workbook(write_only=True)
    figures, narrative = doc["figures"], doc["narrative"]

    ws = wb.create_sheet(_("Thông tin"))
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 24, 60
    ws.append([text_cell(ws, _("Phụ lục số liệu báo cáo kết quả năm %(y)s", y=doc["year"]), font=bold)])
    for label, value in ((_("Đơn vị"), doc["unit"].name), (_("Số, ký hiệu"), narrative.get("doc_number") or ""),
                         (_("Ngày báo cáo"), doc["on"].strftime("%d/%m/%Y")),
                         (_("Số liệu từ ngày"), _iso_vn(figures.get("start"))),
                         (_("Số liệu đến ngày"), _iso_vn(figures.get("end"))), (_("Bản"), doc["version_label"])):
        ws.append([text_cell(ws, label), text_cell(ws, value)])

    for index, section in enumerate(figures.get("sections", []), start=1):
        ws = wb.create_sheet(sheet_name(index, section))
        target = is_target_table(section)
        heads = ([_("STT"), _("Mã"), _("Chỉ tiêu"), _("Kế hoạch"), _("Thực hiện"), _("Tỷ lệ (%)"), _("Đơn vị tính")]
                 if target else [_("STT"), _("Mã"), _("Nội dung"), _("Số liệu"), _("Đơn vị tính")])
        for i, width in enumerate([6, 26, 56] + [12] * (len(heads) - 3), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.append([text_cell(ws, section["title"], font=bold)])
        if section.get("note"):
            ws.append([text_cell(ws, section["note"])])
        ws.append([text_cell(ws, h, font=bold) for h in heads])
        for n, row in numbered(section["rows"]):
            label = ("    " if row.get("indent") else "") + row["label"]
            unit_label = "%" if row.get("kind") == "percent" else (row.get("unit_label") or "")
            if target:
                cells = [n, text_cell(ws, row["code"]), text_cell(ws, label), _number(row.get("target")),
                         _number(row.get("value")), _number(row.get("share")), text_cell(ws, unit_label)]
            else:
                cells = [n, text_cell(ws, row["code"]), text_cell(ws, label), _number(row.get("value")),
                         text_cell(ws, unit_label)]
            ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _iso_vn(iso):
    if not iso:
        return ""
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"
