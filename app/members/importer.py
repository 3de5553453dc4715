"""Import of a branch or commune roll from XLSX or CSV.

upload → parse every row into plain strings (ImportBatch.payload) → validate → preview (new / update / error
with the reason in Vietnamese) → confirm: re-validate against the database as it is now, then write every row
in one transaction with bulk statements, or nothing at all. A batch imports once.

openpyxl is imported inside the functions that read or write a workbook: importing it takes ~0.3 s, which a CSV
upload, a refused file and every app start would otherwise pay.
"""
import csv
import io
import re
import time
import zipfile
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update
from sqlalchemy.orm import joinedload

from ..audit.models import AuditEntry
from ..audit.services import diff, record, snapshot
from ..extensions import db
from ..formatting import number_vn
from ..forms import parse_date
from ..text import fold, nfc
from ..units.models import Unit, utcnow
from .exports import text_cell
from .forms import PHONE, birth_date_problem, citizen_id_problem, clean_digits
from .models import (
    MEMBER_TYPES,
    OCCUPATIONS,
    PERSON_FIELDS,
    PICK_FIELDS,
    SEXES,
    ImportBatch,
    Person,
    PersonEvent,
    PickSynonym,
    Transfer,
)
from .queries import criteria_module

# (field, Vietnamese header, width) — the template's columns, in order.
COLUMNS = (
    ("branch_code", "Mã chi đoàn", 14),
    ("full_name", "Họ và tên", 26),
    ("sex", "Giới tính", 10),
    ("birth_date", "Ngày sinh", 12),
    ("citizen_id", "Số CCCD", 15),
    ("phone", "Số điện thoại", 13),
    ("member_type", "Đối tượng", 12),
    ("ethnicity", "Dân tộc", 10),
    ("religion", "Tôn giáo", 10),
    ("permanent_address", "Thường trú", 24),
    ("current_address", "Nơi ở hiện nay", 24),
    ("occupation", "Nghề nghiệp", 16),
    ("workplace", "Nơi làm việc", 22),
    ("schooling", "Trình độ văn hóa", 10),
    ("joined_on", "Ngày vào Đoàn", 12),
    ("admission_decision", "Số quyết định kết nạp", 16),
    ("card_number", "Số thẻ đoàn viên", 14),
    ("notes", "Ghi chú", 24),
)
def pick_key(text):
    """How a typed value is compared: folded, punctuation as spaces ("Học sinh, sinh viên" → "hoc sinh sinh vien")."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text)).split())


HEADER_KEYS = {pick_key(h): f for f, h, _w in COLUMNS}
HEADER_KEYS.update({pick_key(k): f for k, f in (
    ("CCCD", "citizen_id"), ("Số căn cước", "citizen_id"), ("Số căn cước công dân", "citizen_id"), ("Số CMND/CCCD", "citizen_id"),
    ("Họ tên", "full_name"), ("Điện thoại", "phone"), ("SĐT", "phone"), ("Loại", "member_type"),
    ("Trình độ văn hóa", "schooling"), ("Chi đoàn", "branch_code"), ("Chi đoàn / chi hội", "branch_code"),
    ("Tên chi đoàn", "branch_code"), ("Chi hội", "branch_code"), ("Nam/Nữ", "sex"), ("Nghề nghiệp hiện nay", "occupation"))})
DATE_FIELDS = ("birth_date", "joined_on")
TEXT_FIELDS = ("ethnicity", "religion", "permanent_address", "current_address", "workplace", "schooling",
               "admission_decision", "card_number", "notes")
LIMITS = {"full_name": 200, "ethnicity": 40, "religion": 40, "permanent_address": 300, "current_address": 300,
          "workplace": 200, "schooling": 20, "admission_decision": 60, "card_number": 40, "notes": 2000}
# How communes write the pick lists. Coded lists (sex, member_type, occupation) map to their codes; ethnicity and
# religion are free text mapped to one spelling. Admins extend these on the synonyms page (PickSynonym rows).
BUILTIN_SYNONYMS = {
    "sex": {"nam": "male", "nu": "female", "male": "male", "female": "female", "trai": "male", "gai": "female"},
    "member_type": {"dv": "union", "doan vien": "union", "hv": "federation", "hoi vien": "federation",
                    "tn": "youth", "thanh nien": "youth"},
    "occupation": {"hoc sinh": "student", "sinh vien": "student", "hs": "student", "sv": "student", "hssv": "student",
                   "tu do": "self_employed", "lao dong tu do": "self_employed", "kinh doanh": "self_employed",
                   "buon ban": "self_employed", "cn": "worker", "cong nhan": "worker", "nong dan": "farmer",
                   "lam ruong": "farmer", "lam nong": "farmer", "can bo": "civil_servant", "cong chuc": "civil_servant",
                   "vien chuc": "civil_servant", "cbccvc": "civil_servant", "giao vien": "civil_servant",
                   "cong an": "police_militia", "dan quan": "police_militia", "that nghiep": "unemployed",
                   "chua co viec": "unemployed", "chua co viec lam": "unemployed", "khac": "other"},
    "ethnicity": {"kinh": "Kinh", "tay": "Tày", "thai": "Thái", "muong": "Mường", "hoa": "Hoa", "khmer": "Khmer",
                  "nung": "Nùng", "h mong": "H'Mông", "hmong": "H'Mông", "mong": "H'Mông", "dao": "Dao",
                  "gia rai": "Gia Rai", "e de": "Ê Đê", "ba na": "Ba Na", "cham": "Chăm", "san diu": "Sán Dìu"},
    "religion": {"khong": "Không", "phat giao": "Phật giáo", "dao phat": "Phật giáo", "cong giao": "Công giáo",
                 "thien chua giao": "Công giáo", "thien chua": "Công giáo", "tin lanh": "Tin Lành", "cao dai": "Cao Đài",
                 "hoa hao": "Phật giáo Hòa Hảo", "phat giao hoa hao": "Phật giáo Hòa Hảo"},
}
CODED = {"sex": SEXES, "member_type": MEMBER_TYPES, "occupation": OCCUPATIONS}


def synonyms():
    """{field: {pick key: value}}: the pick lists' own labels and codes, the built-ins, then the admins' rows."""
    out = {f: dict(table) for f, table in BUILTIN_SYNONYMS.items()}
    for f, labels in CODED.items():
        out[f].update({pick_key(str(v)): k for k, v in labels.items()} | {k: k for k in labels})
    for f, key, value in db.session.execute(
            select(PickSynonym.field, PickSynonym.key, PickSynonym.value).where(PickSynonym.active.is_(True))).all():
        out.setdefault(f, {})[key] = value
    return out


MAX_ROWS = 20000


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong format, no header row …)."""


# ---- reading the file ---------------------------------------------------------------------------------------
def _cell_text(field, value):
    """A cell as the text an officer would have typed; Excel dates become dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if field in DATE_FIELDS and 1 < value < 80000:  # an Excel serial date in an unformatted cell
            return (datetime(1899, 12, 30) + timedelta(days=float(value))).strftime("%d/%m/%Y")
        text = str(int(value)) if float(value).is_integer() else str(value)
        if field == "citizen_id" and len(text) == 11:
            text = "0" + text  # Excel drops the leading zero of a number
        if field == "phone" and len(text) == 9:
            text = "0" + text
        return text
    return str(value).strip()


def _rows_from_table(table):
    """[(row number, {field: text})] from an iterable of row tuples whose first non-empty row is the header.

    Every row read counts toward the cap, empty ones too: a sheet of millions of blank rows stops here, in
    constant memory, instead of being walked to the end.
    """
    header, out = None, []
    for number, raw in enumerate(table, start=1):
        if number > MAX_ROWS + MAX_HEAD_ROWS:
            raise ImportFileError(_("Tệp có quá %(n)s dòng; hãy chia nhỏ tệp.", n=number_vn(MAX_ROWS)))
        values = list(raw[:MAX_COLS])
        if any(isinstance(v, str) and len(v) > CSV_FIELD_MAX for v in values):  # before anything folds the text
            raise ImportFileError(_("Tệp có một ô dài hơn %(n)s ký tự nên không được mở. Hãy kiểm tra lại tệp.",
                                    n=number_vn(CSV_FIELD_MAX)))
        if header is None:
            keys = [HEADER_KEYS.get(fold(str(v))) if v is not None else None for v in values]
            if "full_name" in keys:
                header = keys
            elif number > MAX_HEAD_ROWS:
                break
            continue
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        cells = {}
        for key, value in zip(header, values):
            if key:
                cells[key] = _cell_text(key, value)
        out.append({"row": number, "cells": cells})
        if len(out) > MAX_ROWS:
            raise ImportFileError(_("Tệp có quá %(n)s dòng; hãy chia nhỏ tệp.", n=number_vn(MAX_ROWS)))
    if header is None:
        raise ImportFileError(_("Không tìm thấy dòng tiêu đề có cột “Họ và tên”. Hãy dùng tệp mẫu."))
    return out


# Limits on what a file may declare, checked before anything is unpacked (a 45 KB XLSX can declare 5 million rows).
MAX_HEAD_ROWS = 10          # title rows allowed above the header
MAX_COLS = 60               # columns read from each row (the template has 18)
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_MEMBER_BYTES = 60 * 1024 * 1024   # one unpacked part of the XLSX (the sheet XML of 20,000 full rows is ~15 MB)
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100             # unpacked / packed for a part over 1 MB; real sheets stay around 5–20
CSV_FIELD_MAX = 10_000
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?\"")


_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml$")
_SST = re.compile(rb"<(?:\w{1,10}:)?sst[\s>]")
_SI = re.compile(rb"<(?:\w{1,10}:)?si[\s>/]")
MAX_PART_BYTES = 8 * 1024 * 1024        # any part read whole (styles, workbook, theme …); real ones are far smaller
MAX_SST_BYTES = 24 * 1024 * 1024        # the shared strings of 20,000 full rows stay well under this
MAX_SHARED_STRINGS = MAX_ROWS * 20      # one distinct string per cell of 20,000 rows of the 18-column template


def _count(f, pattern):
    """Matches of pattern in a stream, read 1 MB at a time (a match may straddle two reads)."""
    n, tail = 0, b""
    while chunk := f.read(1024 * 1024):
        buf = tail + chunk
        n += sum(1 for m in pattern.finditer(buf) if m.end() > len(tail))
        tail = buf[-16:]
    return n


def _too_big():
    return ImportFileError(_("Tệp khai báo quá lớn (quá %(n)s dòng hoặc quá nhiều cột, hay nén bất thường) nên không "
                             "được mở. Hãy chép danh sách sang một tệp mới rồi tải lên lại.",
                             n=number_vn(MAX_ROWS)))


def _col_number(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64  # bytes: each ch is already a code
    return n


def check_xlsx_declared_size(data):
    """Refuse a workbook on what it declares — sizes in the zip directory, the first sheet's <dimension> —
    before openpyxl unpacks anything. Python's zipfile never inflates a part beyond its declared size."""
    if len(data) > MAX_FILE_BYTES:
        raise _too_big()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFileError(_("Không đọc được tệp Excel (.xlsx).")) from exc
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise _too_big()
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _too_big()
    if len(infos) > 500:
        raise _too_big()
    for info in infos:
        # openpyxl reads every part but the worksheets whole, into Python objects (~5–10× their size): the shared
        # strings (wherever the workbook's rels put them), styles, workbook, theme, properties. Cap them.
        if _WORKSHEET.match(info.filename) or info.file_size <= MAX_PART_BYTES:
            continue
        with zf.open(info) as f:
            if not _SST.search(f.read(512)) or info.file_size > MAX_SST_BYTES or _count(f, _SI) > MAX_SHARED_STRINGS:
                raise _too_big()
    for info in (i for i in infos if _WORKSHEET.match(i.filename)):
        with zf.open(info) as f:
            head = f.read(4096)
        m = _DIMENSION.search(head)
        if m:
            last_col, last_row = m.group(3) or m.group(1), m.group(4) or m.group(2)
            if (last_row and int(last_row) > MAX_ROWS + MAX_HEAD_ROWS) or (last_col and _col_number(last_col) > 16384):
                raise _too_big()


def read_upload(filename, data):
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        check_xlsx_declared_size(data)
        from openpyxl import load_workbook  # after the check (see the module's docstring)

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 — any unreadable workbook is the user's file problem
            raise ImportFileError(_("Không đọc được tệp Excel (.xlsx).")) from exc
        try:
            ws = wb.worksheets[0]
            # max_col: a sheet declaring 16,384 columns is read 60 wide, not padded to its declared width
            return _rows_from_table(ws.iter_rows(max_col=MAX_COLS, values_only=True))
        except ImportFileError:
            raise
        except Exception as exc:  # noqa: BLE001 — broken XML inside the zip
            raise ImportFileError(_("Không đọc được tệp Excel (.xlsx).")) from exc
        finally:
            wb.close()
    if name.endswith(".csv"):
        if len(data) > MAX_FILE_BYTES:
            raise _too_big()
        head = data[:4096].decode("utf-8-sig", errors="ignore")
        first = head.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        try:
            return _rows_from_table(_csv_rows(stream, delimiter))
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("Tệp CSV phải được lưu với mã hóa UTF-8.")) from exc
        except csv.Error as exc:
            raise ImportFileError(_("Tệp CSV có một ô quá dài hoặc sai định dạng.")) from exc
    raise ImportFileError(_("Chỉ nhận tệp .xlsx hoặc .csv."))


def _csv_rows(stream, delimiter):
    """csv.reader, streamed, with every field capped (the process-wide csv.field_size_limit is left alone)."""
    for row in csv.reader(stream, delimiter=delimiter):
        if any(len(v) > CSV_FIELD_MAX for v in row[:MAX_COLS]):
            raise csv.Error("field too long")
        yield row


# ---- validating -----------------------------------------------------------------------------------------------
def _branch_keys(branch):
    """The ways a commune names a branch: its code, its name, its name without "Chi đoàn"/"Chi hội"."""
    name = pick_key(branch.name)
    keys = {pick_key(branch.code), name}
    for prefix in ("chi doan ", "chi hoi "):
        if name.startswith(prefix):
            keys.add(name[len(prefix):])
    return keys - {""}


def _branches_for(unit):
    """({key: branch} of the commune (or the single branch) imported into, the fixed branch or None).

    A key names one branch only: a name two branches share is left out (the code still works)."""
    if unit.level == "branch":
        return {k: unit for k in _branch_keys(unit)}, unit
    branches = db.session.scalars(select(Unit).where(Unit.parent_id == unit.id, Unit.level == "branch")).all()
    out, clash = {}, set()
    for b in branches:
        for k in _branch_keys(b):
            if k in out and out[k].id != b.id:
                clash.add(k)
            out[k] = b
    for b in branches:  # a code always wins over another branch's name
        out[pick_key(b.code)] = b
        clash.discard(pick_key(b.code))
    return {k: b for k, b in out.items() if k not in clash}, None


NOT_A_PERSON = ("tong cong", "tong so", "cong", "nguoi lap", "xac nhan", "t m", "tm", "bi thu", "ghi chu",
                "danh sach", "ngay", "ky ten", "ky ghi ro ho ten")


def _looks_like_data(value):
    """A birth date, citizen ID or phone has digits and hardly any letters; the words of a signature block that fall
    under those columns ("Người lập biểu", "Quảng Ngọc, ngày 15 tháng 3 năm 2026") do not."""
    text = str(value or "")
    return any(ch.isdigit() for ch in text) and sum(ch.isalpha() for ch in text) < 3


def not_a_person(cells):
    """A totals row ("Tổng cộng: 5"), a blank or note row, a signature: no person in it, skipped (not an error)."""
    identity = [cells.get(f) for f in ("birth_date", "citizen_id", "phone")]
    words = pick_key(cells.get("full_name") or "")
    if any(pick_key(v).startswith(("tong cong", "tong so")) for v in cells.values() if v):
        return True
    if any(_looks_like_data(v) for v in identity):
        return False
    return not words or words in NOT_A_PERSON or words.startswith(tuple(w + " " for w in NOT_A_PERSON))


def _parse_row(cells, branches, fixed_branch, picks):
    """(values, errors) for one row, without the database. The errors come in the columns' order."""
    errors, v = [], {}
    name = nfc(" ".join((cells.get("full_name") or "").split()))
    if not name:
        errors.append(_("Thiếu họ và tên."))
    elif len(name) > LIMITS["full_name"]:
        errors.append(_("Họ tên quá dài."))
    v["full_name"] = name
    branch = _parse_branch(cells, branches, fixed_branch, errors)
    v["branch_id"] = branch.id if branch is not None else None
    _parse_dates(cells, v, errors)
    _parse_contacts(cells, v, errors)
    _parse_picks(cells, v, errors, picks)
    return v, errors


def _parse_branch(cells, branches, fixed_branch, errors):
    code = pick_key(cells.get("branch_code") or "")
    if fixed_branch is not None:
        if code and branches.get(code) is not fixed_branch:
            errors.append(_("Mã chi đoàn “%(c)s” khác chi đoàn đang nhập (%(b)s).", c=cells.get("branch_code"),
                            b=fixed_branch.code))
        return fixed_branch
    if not code:
        errors.append(_("Thiếu mã chi đoàn."))
        return None
    branch = branches.get(code)
    if branch is None:
        errors.append(_("Không có chi đoàn mã “%(c)s” trong cơ sở đoàn này.", c=cells.get("branch_code")))
    elif branch.status != "active":
        errors.append(_("Chi đoàn “%(c)s” đã giải thể.", c=branch.code))
    return branch


def _parse_dates(cells, v, errors):
    for f in DATE_FIELDS:
        raw = cells.get(f) or ""
        try:
            v[f] = parse_date(raw)
        except ValueError:
            v[f] = None
            errors.append(_("%(col)s “%(v)s” không phải ngày có thật (dd/mm/yyyy).", col=_label(f), v=raw))
    if v["birth_date"] is None and not (cells.get("birth_date") or "").strip():
        errors.append(_("Thiếu ngày sinh."))
    elif v["birth_date"] is not None:
        problem = birth_date_problem(v["birth_date"])
        if problem:
            errors.append(str(problem))
    if v["joined_on"] and v["joined_on"] > date.today():
        errors.append(_("Ngày vào Đoàn ở tương lai."))


def _parse_contacts(cells, v, errors):
    cid = clean_digits(cells.get("citizen_id") or "")
    problem = citizen_id_problem(cid)
    if problem:
        errors.append(str(problem) + f" ({cells.get('citizen_id')})")
    v["citizen_id"] = cid or None
    phone = clean_digits(cells.get("phone") or "")
    if phone and not PHONE.match(phone):
        errors.append(_("Số điện thoại “%(v)s” không hợp lệ.", v=cells.get("phone")))
    v["phone"] = phone or None


def _parse_picks(cells, v, errors, picks):
    """The coded lists by their codes; the free-text columns capped, spelled as the list spells them."""
    for f, label in (("sex", _("Giới tính")), ("member_type", _("Đối tượng")), ("occupation", _("Nghề nghiệp"))):
        raw = (cells.get(f) or "").strip()
        if not raw:
            v[f] = None
            continue
        v[f] = picks[f].get(pick_key(raw))
        if v[f] is None:
            errors.append(_("%(col)s “%(v)s” không có trong danh mục.", col=label, v=raw))
    for f in TEXT_FIELDS:
        text = nfc((cells.get(f) or "").strip()) or None
        if text and f in picks:  # "kinh" → "Kinh"; a value not in the list stays as typed
            text = picks[f].get(pick_key(text), text)
        if text and len(text) > LIMITS[f]:
            errors.append(_("%(col)s quá dài.", col=_label(f)))
        v[f] = text


def _label(field):
    return next(h for f, h, _w in COLUMNS if f == field)


OUTSIDE = _l("Số CCCD này đã có trong sổ của một đơn vị khác: hãy hỏi cán bộ đơn vị đó hoặc làm thủ tục chuyển sinh hoạt.")


def _on_record(unit, parsed):
    """The people on record the rows may match: ({citizen ID: (id, branch path, name key, born, name)} anywhere,
    {(name key, born, branch id): (id, citizen ID)} inside the unit) — a statement per 900 IDs, and one."""
    cids = sorted({v["citizen_id"] for _n, v, _e in parsed if v["citizen_id"]})
    by_cid = {}
    for i in range(0, len(cids), 900):
        for pid, cid, path, name_key, born, full_name in db.session.execute(
                select(Person.id, Person.citizen_id, Person.unit_path, Person.name_key, Person.birth_date, Person.full_name)
                .where(Person.citizen_id.in_(cids[i:i + 900]))).all():
            by_cid[cid] = (pid, path, name_key, born, full_name)
    by_key = {}
    for pid, key, born, uid, cid in db.session.execute(
            select(Person.id, Person.name_key, Person.birth_date, Person.unit_id, Person.citizen_id)
            .where(Person.unit_path.like(unit.path + "%"))).all():
        by_key[(key, born, uid)] = (pid, cid)
    return by_cid, by_key


def validate(unit, rows, probes=None):
    """Every row → {"row", "action": new|update|same|error|skipped, "errors", "name", "branch", "person_id",
    "values", "changes"} in a fixed number of statements.

    Only people the importer may edit are matched: those inside the unit imported into (the importer is an officer
    there). A citizen ID on record anywhere else is an error naming no one. A citizen-ID match whose name or birth
    date disagrees with the file is an error to resolve by hand; a person with a pending transfer is frozen.
    probes: a list to receive (person id, branch path, name) of every holder of an ID outside the importer's reach.
    """
    branches, fixed = _branches_for(unit)
    picks = synonyms()
    parsed, skipped = [], []
    for r in rows:
        if not_a_person(r["cells"]):
            skipped.append(r["row"])
        else:
            parsed.append((r["row"],) + _parse_row(r["cells"], branches, fixed, picks))
    by_cid, by_key = _on_record(unit, parsed)
    branch_names = {b.id: b.code for b in branches.values()}
    seen_cid, seen_key, results = {}, {}, []
    for number, v, errors in parsed:
        errors = list(errors)
        pid = None
        key = (fold(v["full_name"]), v["birth_date"], v["branch_id"])
        if v["citizen_id"]:
            if v["citizen_id"] in seen_cid:
                errors.append(_("Trùng số CCCD với dòng %(n)s.", n=seen_cid[v["citizen_id"]]))
            seen_cid.setdefault(v["citizen_id"], number)
            hit = by_cid.get(v["citizen_id"])
            if hit and not hit[1].startswith(unit.path):
                errors.append(str(OUTSIDE))
                if probes is not None:
                    probes.append((hit[0], hit[1], hit[4]))
            elif hit:
                pid = hit[0]
                if v["full_name"] and (hit[2] != fold(v["full_name"]) or (v["birth_date"] and hit[3] != v["birth_date"])):
                    errors.append(_("Số CCCD này là của %(name)s (sinh %(born)s) trong sổ, khác họ tên hoặc ngày sinh "
                                    "trong tệp. Hãy kiểm tra lại; nếu đúng người, sửa hồ sơ trên trang của người đó.",
                                    name=hit[4], born=hit[3].strftime("%d/%m/%Y") if hit[3] else "?"))
        if not errors and v["branch_id"]:
            if key in seen_key:
                errors.append(_("Trùng họ tên, ngày sinh và chi đoàn với dòng %(n)s.", n=seen_key[key]))
            seen_key.setdefault(key, number)
            if pid is None and key in by_key:
                other_pid, other_cid = by_key[key]
                if other_cid and v["citizen_id"] and other_cid != v["citizen_id"]:
                    errors.append(_("Đã có người cùng họ tên, ngày sinh ở chi đoàn này nhưng khác số CCCD."))
                else:
                    pid = other_pid
        results.append({
            "row": number, "action": "error" if errors else ("update" if pid else "new"), "errors": errors,
            "name": v["full_name"], "branch": branch_names.get(v["branch_id"], ""), "person_id": pid,
            "values": None, "changes": [], "_v": v,
        })
    _compare_with_record(results)
    for r in results:
        v = r.pop("_v")
        r["values"] = {k: (x.isoformat() if isinstance(x, date) else x) for k, x in v.items()}
    results += [{"row": n, "action": "skipped", "errors": [], "name": "", "branch": "", "person_id": None,
                 "values": None, "changes": []} for n in skipped]
    results.sort(key=lambda r: r["row"])
    return results


def shown_value(field, value):
    """A value as people read it: a pick-list code by its label ("student" → "Học sinh, sinh viên"), a date dd/mm/yyyy."""
    if value in (None, ""):
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if field in CODED:
        return str(CODED[field].get(value, value))
    return str(value)


def _compare_with_record(results):
    """Each "update" lists its changes old → new; one that changes nothing is "same" (honest counts, no writes).

    The stored name stays when the file's folds to it ("tran van binh" never replaces "Trần Văn Bình"); a person
    with a transfer request waiting for an answer is frozen like on every other page."""
    pids = [r["person_id"] for r in results if r["action"] == "update"]
    current, pending = {}, set()
    for i in range(0, len(pids), 900):
        chunk = pids[i:i + 900]
        for p in db.session.scalars(select(Person).where(Person.id.in_(chunk)).options(joinedload(Person.unit))):
            current[p.id] = p
        pending.update(db.session.scalars(select(Transfer.person_id).where(Transfer.person_id.in_(chunk),
                                                                           Transfer.status == "requested")))
    for r in results:
        p = current.get(r["person_id"]) if r["action"] == "update" else None
        if p is None:
            continue
        v = r["_v"]
        if fold(v["full_name"]) == p.name_key:
            v["full_name"] = p.full_name
        changes = [(str(_label(k)), shown_value(k, getattr(p, k)), shown_value(k, v.get(k)))
                   for k in PERSON_COLS if v.get(k) not in (None, "") and v.get(k) != getattr(p, k)]
        if v.get("branch_id") != p.unit_id:
            changes.insert(0, (_("Chi đoàn"), p.unit.name, r["branch"]))
        r["changes"] = changes
        if not changes:
            r["action"] = "same"
        elif p.id in pending:
            r["action"], r["errors"] = "error", [_("%(name)s đang có đề nghị chuyển sinh hoạt chờ trả lời: chưa sửa được "
                                                    "hồ sơ. Hãy chờ trả lời hoặc rút đề nghị trước.", name=p.full_name)]


def admin_synonyms():
    """The synonyms admins added (the active ones), by list then spelling."""
    return db.session.scalars(select(PickSynonym).where(PickSynonym.active.is_(True))
                              .order_by(PickSynonym.field, PickSynonym.key)).all()


def synonym_meaning(field, typed):
    """(value, None) of what a new synonym means, or (None, message): the meaning of a coded list must be one of its
    values (typed any known way); a free-text list takes any spelling, mapped to a known one when it is one."""
    known = synonyms()[field]
    if field not in CODED:
        return known.get(pick_key(typed), typed.strip()), None
    value = known.get(pick_key(typed))
    if value is None:
        return None, _("“%(v)s” không có trong danh mục %(f)s: %(list)s.", v=typed, f=PICK_FIELDS[field],
                       list=" · ".join(str(x) for x in CODED[field].values()))
    return value, None


def count(results):
    out = {"new": 0, "update": 0, "same": 0, "error": 0, "skipped": 0}
    for r in results:
        out[r["action"]] += 1
    out["total"] = len(results) - out["skipped"]
    return out


# ---- the batch ----------------------------------------------------------------------------------------------
def create_batch(*, unit, filename, data, user):
    started = time.perf_counter()
    rows = read_upload(filename, data)
    probes = []
    results = validate(unit, rows, probes)
    _record_probes(probes, filename)
    batch = ImportBatch(unit_id=unit.id, unit_path=unit.path, filename=(filename or "")[:200], status="preview",
                        payload={"rows": rows, "results": results}, counts=count(results),
                        created_by_id=user.id if user else None)
    batch.counts["preview_seconds"] = round(time.perf_counter() - started, 2)
    db.session.add(batch)
    db.session.flush()
    return batch


def _record_probes(probes, filename):
    """A file is many typed IDs at once: each ID found outside the importer's reach goes on record for the holder's
    unit, as the person form does (so an import is not a quiet, province-wide lookup of who holds an ID)."""
    for pid, path, name in probes:
        branch = SimpleNamespace(id=int(path.strip("/").rsplit("/", 1)[-1]), path=path)
        record(action="person.citizen_id_refused", object_type="person", object_id=pid, unit=branch,
               summary=f"{name} · {filename or ''}")


def claim(batch):
    """Atomically move a batch from preview to importing; False if someone (or a double tap) got there first."""
    res = db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "preview").values(status="importing")
        .execution_options(synchronize_session=False)
    )
    return res.rowcount == 1


def keep_recheck(batch, results, counts):
    """Confirming found changes since the preview (nothing was written): keep the new reasons for the preview."""
    batch.payload = dict(batch.payload, results=results)
    batch.counts = dict(batch.counts, **counts)


def _values(result):
    v = dict(result["values"])
    for f in DATE_FIELDS:
        v[f] = date.fromisoformat(v[f]) if v[f] else None
    return v


PERSON_COLS = ("full_name", "sex", "birth_date", "citizen_id", "phone", "member_type", "ethnicity", "religion",
               "permanent_address", "current_address", "occupation", "workplace", "schooling", "joined_on",
               "admission_decision", "card_number", "notes")


def error_rows(results):
    return sorted(r["row"] for r in results if r["action"] == "error")


def apply(*, batch, user, valid_only=False):
    """Re-validate and write every row: (results, counts, True), or (results, counts, False) and nothing written.

    All or nothing by default. With valid_only (the officer chose "import the valid rows") the error rows are left
    out — only if they are exactly the rows the preview showed as errors; anything new since then refuses.
    """
    started = time.perf_counter()
    unit = batch.unit
    results = validate(unit, batch.payload["rows"])
    counts = count(results)
    if counts["error"] and not (valid_only and error_rows(results) == error_rows(batch.payload.get("results", []))):
        return results, counts, False
    branches = {b.id: b for b in _branches_for(unit)[0].values()}
    today, now, uid = date.today(), utcnow(), (user.id if user else None)
    new_rows, upd_rows, new_results = [], {}, []
    for r in results:
        if r["action"] in ("same", "skipped", "error"):
            continue
        v = _values(r)
        branch = branches[v.pop("branch_id")]
        if r["action"] == "new":
            v["member_type"] = v["member_type"] or "union"
            new_rows.append(dict(v, unit_id=branch.id, unit_path=branch.path, name_key=fold(v["full_name"]),
                                 status="active", version=1, created_at=now, updated_at=now))
            new_results.append(r)
        else:
            upd_rows[r["person_id"]] = (v, branch)
    # new people: one bulk INSERT … RETURNING, then their history rows and audit entries in bulk
    if new_rows:
        ids = db.session.scalars(insert(Person).execution_options(render_nulls=True)
                                 .returning(Person.id, sort_by_parameter_order=True), new_rows).all()
        db.session.execute(insert(PersonEvent).execution_options(render_nulls=True), [
            {"person_id": pid, "kind": "registered", "on": today, "unit_id": row["unit_id"], "reason": None,
             "detail": _("Nhập từ tệp %(f)s", f=batch.filename)[:200], "recorded_by_id": uid, "recorded_at": now}
            for pid, row in zip(ids, new_rows)])
        db.session.execute(insert(AuditEntry).execution_options(render_nulls=True), [
            {"at": now, "user_id": uid, "action": "person.import", "object_type": "person", "object_id": pid,
             "unit_id": row["unit_id"], "unit_path": row["unit_path"], "summary": row["full_name"][:300],
             "changes": {k: [None, (row[k].isoformat() if isinstance(row[k], date) else row[k])]
                         for k in PERSON_COLS if row.get(k) is not None}}
            for pid, row in zip(ids, new_rows)])
    # existing people: fill in what the file brings (blank cells never erase), move branch inside the commune
    if upd_rows:
        people = []
        pids = list(upd_rows)
        for i in range(0, len(pids), 900):
            people += db.session.scalars(select(Person).where(Person.id.in_(pids[i:i + 900]))).all()
        audits, events = [], []
        for person in people:
            v, branch = upd_rows[person.id]
            before = snapshot(person, PERSON_FIELDS)
            for k in PERSON_COLS:
                if v.get(k) not in (None, ""):
                    setattr(person, k, v[k])
            person.name_key = fold(person.full_name)
            if person.unit_id != branch.id:
                events.append({"person_id": person.id, "kind": "transferred_out", "on": today, "unit_id": person.unit_id,
                               "other_unit_id": branch.id, "recorded_by_id": uid, "recorded_at": now,
                               "detail": _("Nhập từ tệp %(f)s", f=batch.filename)[:200]})
                events.append({"person_id": person.id, "kind": "transferred_in", "on": today, "unit_id": branch.id,
                               "other_unit_id": person.unit_id, "recorded_by_id": uid, "recorded_at": now,
                               "detail": _("Nhập từ tệp %(f)s", f=batch.filename)[:200]})
                person.unit_id, person.unit_path = branch.id, branch.path
            changes = diff(before, snapshot(person, PERSON_FIELDS))
            if changes:
                audits.append({"at": now, "user_id": uid, "action": "person.import_update", "object_type": "person",
                               "object_id": person.id, "unit_id": branch.id, "unit_path": branch.path,
                               "summary": person.full_name[:300], "changes": changes})
        db.session.flush()
        if events:
            db.session.execute(insert(PersonEvent).execution_options(render_nulls=True), events)
        if audits:
            db.session.execute(insert(AuditEntry).execution_options(render_nulls=True), audits)
    _refresh_standing(unit)
    batch.status, batch.imported_at = "imported", now
    batch.seconds = round(time.perf_counter() - started, 2)
    # keep the outcome, and the raw cells of the rows left out (the officer downloads them to fix and re-import)
    left_out = set(error_rows(results))
    batch.payload = {"rows": [r for r in batch.payload["rows"] if r["row"] in left_out],
                     "results": [dict(r, values=None) for r in results]}
    batch.counts = dict(counts, import_seconds=batch.seconds, preview_seconds=(batch.counts or {}).get("preview_seconds"))
    db.session.add(AuditEntry(at=now, user_id=uid, action="person.import_batch", object_type="member_import",
                              object_id=batch.id, unit_id=unit.id, unit_path=unit.path,
                              summary=f"{batch.filename}: +{counts['new']} / ~{counts['update']} / !{counts['error']}",
                              changes={"new": [None, counts["new"]], "update": [None, counts["update"]],
                                       "error": [None, counts["error"]]}))
    db.session.flush()
    return results, counts, True


def _refresh_standing(unit):
    """Bulk inserts bypass the criteria helper's session hook: recompute the standing of the unit's people."""
    crit = criteria_module()
    if crit is not None and hasattr(crit, "refresh_standing"):
        db.session.flush()
        crit.refresh_standing(unit_path=unit.path)


# ---- the template ---------------------------------------------------------------------------------------------
def template_xlsx(branches=()):
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    ws.append([h for _f, h, _w in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    example = {"branch_code": branches[0].code if branches else "", "full_name": "Nguyễn Thị Ánh", "sex": "Nữ",
               "birth_date": "05/03/2004", "citizen_id": "038304001234", "phone": "0912345678", "member_type": "Đoàn viên",
               "ethnicity": "Kinh", "religion": "Không", "permanent_address": "Thôn 1", "current_address": "Thôn 1",
               "occupation": "Công nhân", "workplace": "Công ty TNHH May Hoàng Long", "schooling": "12/12",
               "joined_on": "26/03/2020", "admission_decision": "15-QĐ/ĐTN", "card_number": "", "notes": ""}

    # Pick lists from a "Danh mục" sheet (values such as "Học sinh, sinh viên" hold commas, so no inline lists).
    lists = wb.create_sheet("Danh mục")
    picks = {"sex": list(SEXES.values()), "member_type": list(MEMBER_TYPES.values()),
             "occupation": list(OCCUPATIONS.values()), "branch_code": [b.code for b in branches]}
    columns = {f: i for i, (f, _h, _w) in enumerate(COLUMNS, start=1)}
    for n, (f, values) in enumerate(picks.items(), start=1):
        if not values:
            continue
        col = get_column_letter(n)
        for row, v in enumerate(values, start=1):
            lists[f"{col}{row}"] = str(v)
        dv = DataValidation(type="list", formula1=f"'Danh mục'!${col}$1:${col}${len(values)}", allow_blank=True)
        target = get_column_letter(columns[f])
        dv.add(f"{target}2:{target}2001")
        ws.add_data_validation(dv)
    lists.sheet_state = "hidden"

    for i, (f, _h, width) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = width
        if f in ("citizen_id", "phone", "birth_date", "joined_on", "branch_code"):
            for row in range(2, 2001):
                ws[f"{letter}{row}"].number_format = "@"
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("Hướng dẫn")
    guide.append(["Cột", "Cách ghi"])
    guide.append(["Ngày sinh, Ngày vào Đoàn", "dd/mm/yyyy, ví dụ 05/03/2004 (hoặc ô kiểu ngày của Excel)"])
    guide.append(["Số CCCD", "12 chữ số, có thể để trống"])
    guide.append(["Giới tính", " · ".join(str(v) for v in SEXES.values())])
    guide.append(["Đối tượng", " · ".join(str(v) for v in MEMBER_TYPES.values())])
    guide.append(["Nghề nghiệp", " · ".join(str(v) for v in OCCUPATIONS.values())])
    guide.append(["", "Trang “Danh sách” bắt đầu trống: mỗi người một dòng, từ dòng 2 (xem trang “Ví dụ”)."])
    guide.append([])
    sample = wb.create_sheet("Ví dụ")  # a filled row to copy from, outside the sheet that is imported
    sample.append([h for _f, h, _w in COLUMNS])
    sample.append([example[f] for f, _h, _w in COLUMNS])
    guide.append(["Mã chi đoàn", "Tên chi đoàn"])
    for b in branches:
        guide.append([b.code, b.name])
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def errors_xlsx(batch):
    """The rows with errors as the template's columns plus a "Lý do" column: fix them and import this file again."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    reasons = {r["row"]: r["errors"] for r in batch.payload.get("results", []) if r["action"] == "error"}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Dòng lỗi"))
    for i, (_f, _h, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.column_dimensions[get_column_letter(len(COLUMNS) + 1)].width = 60
    ws.column_dimensions[get_column_letter(len(COLUMNS) + 2)].width = 10
    ws.freeze_panes = "A2"
    ws.append([text_cell(ws, h, font=Font(bold=True)) for h in [h for _f, h, _w in COLUMNS] + [_("Lý do"), _("Dòng")]])
    n = 0
    for row in batch.payload.get("rows", []):
        if row["row"] not in reasons:
            continue
        n += 1
        cells = [text_cell(ws, row["cells"].get(f, "")) if row["cells"].get(f) else None for f, _h, _w in COLUMNS]
        ws.append(cells + [text_cell(ws, " ".join(reasons[row["row"]])), row["row"]])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS) + 2)}{n + 1}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
