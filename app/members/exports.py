"""Export the filtered people list to XLSX or CSV (UTF-8 with BOM so Excel shows the diacritics).

Whatever a record holds is data, never a formula: every XLSX text cell is written as a string (data type "s",
which Excel never evaluates) and a CSV field starting with = + - @ tab or CR gets a leading apostrophe, as
OWASP recommends for CSV injection. The XLSX is a working sheet: real dates, a frozen header row with filters,
column widths, citizen IDs and phones as text.
"""
import csv
import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import seams
from ..extensions import db
from ..units.models import Unit
from .models import MEMBER_TYPES, OCCUPATIONS, SEXES, STATUSES, Person
from .permissions import shown_citizen_id

# (header, width, kind): kind "date" → a real Excel date; "text" → always a string cell (IDs, phones keep zeros)
COLUMNS = (
    (_l("STT"), 6, "int"), (_l("Họ và tên"), 26, "text"), (_l("Giới tính"), 8, "text"), (_l("Ngày sinh"), 12, "date"),
    (_l("Đối tượng"), 12, "text"), (_l("Tình trạng"), 16, "text"), (_l("Chi đoàn / chi hội"), 30, "text"),
    (_l("Mã chi đoàn"), 12, "text"), (_l("Số CCCD"), 15, "text"), (_l("Số điện thoại"), 13, "text"),
    (_l("Dân tộc"), 9, "text"), (_l("Tôn giáo"), 9, "text"), (_l("Thường trú"), 24, "text"),
    (_l("Nơi ở hiện nay"), 24, "text"), (_l("Nghề nghiệp"), 18, "text"),
    (_l("Nơi làm việc"), 24, "text"), (_l("Trình độ văn hóa"), 9, "text"), (_l("Ngày vào Đoàn"), 12, "date"),
    (_l("Số quyết định kết nạp"), 16, "text"), (_l("Số thẻ đoàn viên"), 14, "text"), (_l("Nơi làm ăn xa"), 20, "text"),
)


def columns():
    """COLUMNS, then those other domains add (app.seams PEOPLE_EXPORT: the five criteria's verdict …)."""
    return COLUMNS + tuple(h for part in seams.items(seams.PEOPLE_EXPORT) for h in part.headers)


def headers():
    return [str(h) for h, _w, _k in columns()]


EXPORT_MAX = 100_000  # a province-wide file is cut here; narrow the list by unit or filter for the rest
CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_csv(value):
    """OWASP CSV injection defence: a text field a spreadsheet could read as a formula starts with an apostrophe."""
    if isinstance(value, str) and value.startswith(CSV_DANGEROUS):
        return "'" + value
    return value


def rows(user, stmt):
    """Yield export rows (dates as date objects) for the list's select(Person); one streamed statement."""
    stmt = stmt.with_only_columns(Person, Unit.name, Unit.code).join(Unit, Unit.id == Person.unit_id)
    parts = []
    for part in seams.items(seams.PEOPLE_EXPORT):
        stmt, n = part.extend(stmt)
        parts.append((part, n))
    stmt = stmt.order_by(None).order_by(Unit.path, Person.name_key, Person.id).limit(EXPORT_MAX)
    result = db.session.execute(stmt.execution_options(yield_per=2000))
    for n, (p, unit_name, unit_code, *more) in enumerate(result, start=1):
        row = [n, p.full_name, str(SEXES.get(p.sex, "")), p.birth_date, str(MEMBER_TYPES.get(p.member_type, "")),
               str(STATUSES.get(p.status, p.status)), unit_name, unit_code, shown_citizen_id(user, p), p.phone or "",
               p.ethnicity or "", p.religion or "", p.permanent_address or "", p.current_address or "",
               str(OCCUPATIONS.get(p.occupation, "")), p.workplace or "", p.schooling or "", p.joined_on,
               p.admission_decision or "", p.card_number or "", p.away_place or ""]
        for part, k in parts:
            row += part.cells(more[:k])
            more = more[k:]
        yield row


def to_csv(user, stmt):
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(headers())
    for row in rows(user, stmt):
        w.writerow([safe_csv(v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else ("" if v is None else v))
                    for v in row])
    return buf.getvalue().encode("utf-8")


def text_cell(ws, value, **style):
    """A write-only cell that holds `value` as a plain string, whatever its first character."""
    from openpyxl.cell import WriteOnlyCell

    c = WriteOnlyCell(ws, value=str(value))
    c.data_type = "s"  # openpyxl reads "=…" as a formula; a string cell is never evaluated
    for k, v in style.items():
        setattr(c, k, v)
    return c


def to_xlsx(user, stmt, title):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Danh sách"))
    cols = columns()
    for i, (_h, width, _k) in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"  # the title and the header stay in view
    ws.append([text_cell(ws, title, font=Font(bold=True))])
    ws.append([text_cell(ws, h, font=Font(bold=True)) for h in headers()])
    kinds = [k for _h, _w, k in cols]
    n = 0
    for row in rows(user, stmt):
        n += 1
        cells = []
        for kind, value in zip(kinds, row):
            if value is None or value == "":
                cells.append(None)
            elif kind == "date":
                c = WriteOnlyCell(ws, value=value)
                c.number_format = "DD/MM/YYYY"
                cells.append(c)
            elif kind == "int":
                cells.append(value)
            else:
                cells.append(text_cell(ws, value))
        ws.append(cells)
    ws.auto_filter.ref = f"A2:{get_column_letter(len(cols))}{n + 2}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
