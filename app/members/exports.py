"""Export the filtered people list to XLSX or CSV (UTF-8 with BOM so Excel shows the diacritics)."""
import csv
import io

from flask_babel import gettext as _
from sqlalchemy import select

from ..access import scope_paths
from ..extensions import db
from ..units.models import Unit
from .models import MEMBER_TYPES, OCCUPATIONS, SEXES, STATUSES, Person
from .permissions import OFFICER, mask_citizen_id


def headers():
    return [_("STT"), _("Họ và tên"), _("Giới tính"), _("Ngày sinh"), _("Đối tượng"), _("Tình trạng"), _("Chi đoàn / chi hội"),
            _("Mã chi đoàn"), _("Số CCCD"), _("Số điện thoại"), _("Dân tộc"), _("Tôn giáo"), _("Thường trú"),
            _("Nơi ở hiện nay"), _("Nghề nghiệp"), _("Nơi làm việc"), _("Trình độ văn hóa"), _("Ngày vào Đoàn"),
            _("Số quyết định kết nạp"), _("Số thẻ đoàn viên"), _("Nơi làm ăn xa"), _("Đánh giá “5 có”"),
            _("Tiêu chí chưa đạt")]


def _d(value):
    return value.strftime("%d/%m/%Y") if value else ""


EXPORT_MAX = 100_000  # a province-wide file is cut here; narrow the list by unit or filter for the rest


def rows(user, stmt):
    """Yield export rows for a select(Person) statement; one streamed statement with the branch joined."""
    from ..activities.models import PersonStanding  # the stored verdicts (the activities domain keeps them)
    from .criteria import CRITERIA, VERDICTS

    officer_paths = scope_paths(user, OFFICER)
    S = PersonStanding
    stmt = (stmt.with_only_columns(Person, Unit.name, Unit.code, S.verdict, S.person_ok, S.name_ok, S.gathered_ok,
                                   S.dues_ok, S.activity_ok)
            .join(Unit, Unit.id == Person.unit_id).outerjoin(S, S.person_id == Person.id))
    stmt = stmt.order_by(None).order_by(Unit.path, Person.name_key, Person.id).limit(EXPORT_MAX)
    result = db.session.execute(stmt.execution_options(yield_per=2000))
    for n, (p, unit_name, unit_code, verdict, *oks) in enumerate(result, start=1):
        whole = any(p.unit_path.startswith(path) for path in officer_paths)
        cid = p.citizen_id if whole else mask_citizen_id(p.citizen_id)
        yield [n, p.full_name, str(SEXES.get(p.sex, "")), _d(p.birth_date), str(MEMBER_TYPES.get(p.member_type, "")),
               str(STATUSES.get(p.status, p.status)), unit_name, unit_code, cid or "", p.phone or "", p.ethnicity or "",
               p.religion or "", p.permanent_address or "", p.current_address or "", str(OCCUPATIONS.get(p.occupation, "")),
               p.workplace or "", p.schooling or "", _d(p.joined_on), p.admission_decision or "", p.card_number or "",
               p.away_place or "", str(VERDICTS.get(verdict, "")) if verdict else "",
               ", ".join(str(label) for ok, label in zip(oks, CRITERIA.values()) if ok is False)]


def to_csv(user, stmt):
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(headers())
    for row in rows(user, stmt):
        w.writerow(row)
    return buf.getvalue().encode("utf-8")


def to_xlsx(user, stmt, title):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Danh sách"))
    for i, width in enumerate((6, 26, 8, 12, 12, 16, 30, 12, 15, 13, 9, 9, 24, 24, 18, 24, 9, 12, 16, 14, 20, 16, 30)):
        ws.column_dimensions[chr(65 + i)].width = width
    title_cell = WriteOnlyCell(ws, value=title)
    title_cell.font = Font(bold=True)
    ws.append([title_cell])
    head = []
    for h in headers():
        c = WriteOnlyCell(ws, value=h)
        c.font = Font(bold=True)
        head.append(c)
    ws.append(head)
    for row in rows(user, stmt):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
