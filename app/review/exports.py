"""The review's result as a spreadsheet, and the column labels its page, its PDF and its XLSX share.

The workbook is written the house's way (app.members.exports): every text cell a string cell (never read as a
formula, whatever a unit's name starts with), every count a real number, the dates real dates.
"""
import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..members.exports import text_cell
from ..members.models import MEMBER_TYPES
from .models import STATUSES as CAMPAIGN_STATUSES
from .queries import RESULT_COLUMNS, TYPES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What each column of queries.result counts, as its heading reads (the two "paper" columns sit under one heading).
HEADERS = {
    "listed": _l("Có trong danh sách"), "present": _l("Có mặt"), "away": _l("Đi làm ăn xa"), "moved": _l("Chuyển đi"),
    "deceased": _l("Đã mất"), "not_found": _l("Không tìm thấy"), "over_age": _l("Quá 30"),
    "not_visited": _l("Chưa đến nhà"), "found": _l("Mới phát hiện"), "paper_before": _l("Trước"),
    "paper_after": _l("Sau"),
}
PAPER = _l("Hình thức")
PLAIN = RESULT_COLUMNS[:-2]  # the columns with a heading of their own


def heading(col):
    """The heading of a column in one cell (the spreadsheet has no two-row header): "Hình thức (trước)"."""
    if col in ("paper_before", "paper_after"):
        return f"{PAPER} ({str(HEADERS[col]).lower()})"
    return str(HEADERS[col])


def type_rows(cells):
    """[(label, type code or None, {column: n})]: one row per member type, then their total (type None)."""
    total = dict.fromkeys(RESULT_COLUMNS, 0)
    out = []
    for t in TYPES:
        out.append((MEMBER_TYPES[t], t, cells[t]))
        for col in RESULT_COLUMNS:
            total[col] += cells[t][col]
    out.append((_l("Cộng"), None, total))
    return out


def _widths(ws, widths):
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def to_xlsx(campaign, unit, communes, total, printed_on):
    """Two sheets: the unit's summary (a row per member type and the total) and a row per (commune, type)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    wb = Workbook(write_only=True)

    def date_cell(ws, value):
        c = WriteOnlyCell(ws, value=value)
        c.number_format = "DD/MM/YYYY"
        return c

    heads = [heading(col) for col in RESULT_COLUMNS]
    ws = wb.create_sheet(_("Tổng hợp"))
    _widths(ws, [22] + [12] * len(RESULT_COLUMNS))
    ws.append([text_cell(ws, _("Kết quả rà soát đoàn viên, hội viên, thanh niên năm %(y)s", y=campaign.year), font=bold)])
    ws.append([text_cell(ws, _("Đơn vị")), text_cell(ws, unit.name)])
    ws.append([text_cell(ws, _("Đợt rà soát")), text_cell(ws, campaign.title)])
    ws.append([text_cell(ws, _("Từ ngày")), date_cell(ws, campaign.starts_on), text_cell(ws, _("Đến ngày")),
               date_cell(ws, campaign.ends_on)])
    ws.append([text_cell(ws, _("Tình trạng")), text_cell(ws, CAMPAIGN_STATUSES.get(campaign.status, campaign.status))])
    ws.append([text_cell(ws, _("Ngày lập")), date_cell(ws, printed_on)])
    ws.append([])
    ws.append([text_cell(ws, _("Đối tượng"), font=bold)] + [text_cell(ws, h, font=bold) for h in heads])
    for label, _t, cells in type_rows(total):
        ws.append([text_cell(ws, label)] + [cells[col] for col in RESULT_COLUMNS])

    ws = wb.create_sheet(_("Theo cơ sở"))
    _widths(ws, [30, 14] + [12] * len(RESULT_COLUMNS))
    ws.freeze_panes = "C2"
    ws.append([text_cell(ws, _("Cơ sở"), font=bold), text_cell(ws, _("Đối tượng"), font=bold)]
              + [text_cell(ws, h, font=bold) for h in heads])
    n = 0
    for _cid, name, cells in communes:
        for t in TYPES:
            ws.append([text_cell(ws, name), text_cell(ws, MEMBER_TYPES[t])] + [cells[t][col] for col in RESULT_COLUMNS])
            n += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(2 + len(RESULT_COLUMNS))}{n + 1}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
