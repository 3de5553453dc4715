"""Import of a branch or commune roll from XLSX or CSV.

upload → parse every row into plain strings (ImportBatch.payload) → validate → preview (new / update / error
with the reason in Vietnamese) → confirm: re-validate against the database as it is now, then write every row
in one transaction with bulk statements, or nothing at all. A batch imports once.
"""
import csv
import io
import time
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import insert, select, update

from ..audit.models import AuditEntry
from ..extensions import db
from ..forms import parse_date
from ..text import fold, nfc
from ..units.models import Unit, utcnow
from .forms import birth_date_problem, citizen_id_problem, clean_digits, PHONE
from .models import MEMBER_TYPES, OCCUPATIONS, SEXES, ImportBatch, Person, PersonEvent

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
HEADER_KEYS = {fold(h): f for f, h, _w in COLUMNS}
HEADER_KEYS.update({fold("CCCD"): "citizen_id", fold("Số căn cước"): "citizen_id", fold("Số căn cước công dân"): "citizen_id",
                    fold("Họ tên"): "full_name", fold("Điện thoại"): "phone", fold("Loại"): "member_type",
                    fold("Trình độ văn hóa"): "schooling"})
DATE_FIELDS = ("birth_date", "joined_on")
TEXT_FIELDS = ("ethnicity", "religion", "permanent_address", "current_address", "workplace", "schooling",
               "admission_decision", "card_number", "notes")
LIMITS = {"full_name": 200, "ethnicity": 40, "religion": 40, "permanent_address": 300, "current_address": 300,
          "workplace": 200, "schooling": 20, "admission_decision": 60, "card_number": 40, "notes": 2000}
SEX_KEYS = {fold(str(v)): k for k, v in SEXES.items()} | {"nam": "male", "nu": "female", "male": "male", "female": "female"}
TYPE_KEYS = {fold(str(v)): k for k, v in MEMBER_TYPES.items()} | {k: k for k in MEMBER_TYPES}
OCC_KEYS = {fold(str(v)): k for k, v in OCCUPATIONS.items()} | {k: k for k in OCCUPATIONS}
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
    """[(row number, {field: text})] from an iterable of row tuples whose first non-empty row is the header."""
    header, out = None, []
    for number, raw in enumerate(table, start=1):
        values = list(raw)
        if header is None:
            keys = [HEADER_KEYS.get(fold(str(v))) if v is not None else None for v in values]
            if "full_name" in keys:
                header = keys
            elif number > 10:
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
            raise ImportFileError(_("Tệp có quá %(n)s dòng; hãy chia nhỏ tệp.", n=MAX_ROWS))
    if header is None:
        raise ImportFileError(_("Không tìm thấy dòng tiêu đề có cột “Họ và tên”. Hãy dùng tệp mẫu."))
    return out


def read_upload(filename, data):
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 — any unreadable workbook is the user's file problem
            raise ImportFileError(_("Không đọc được tệp Excel (.xlsx).")) from exc
        try:
            return _rows_from_table(wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("Tệp CSV phải được lưu với mã hóa UTF-8.")) from exc
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        return _rows_from_table(csv.reader(io.StringIO(text), delimiter=delimiter))
    raise ImportFileError(_("Chỉ nhận tệp .xlsx hoặc .csv."))


# ---- validating -----------------------------------------------------------------------------------------------
def _branches_for(unit):
    """{folded code: branch} of the commune (or the single branch) imported into."""
    if unit.level == "branch":
        return {fold(unit.code): unit}, unit
    branches = db.session.scalars(select(Unit).where(Unit.parent_id == unit.id, Unit.level == "branch")).all()
    return {fold(b.code): b for b in branches}, None


def _parse_row(cells, branches, fixed_branch):
    """(values, errors) for one row, without the database."""
    errors, v = [], {}
    name = nfc(" ".join((cells.get("full_name") or "").split()))
    if not name:
        errors.append(_("Thiếu họ và tên."))
    elif len(name) > LIMITS["full_name"]:
        errors.append(_("Họ tên quá dài."))
    v["full_name"] = name
    code = fold(cells.get("branch_code") or "")
    if fixed_branch is not None:
        if code and code != fold(fixed_branch.code):
            errors.append(_("Mã chi đoàn “%(c)s” khác chi đoàn đang nhập (%(b)s).", c=cells.get("branch_code"), b=fixed_branch.code))
        branch = fixed_branch
    elif not code:
        errors.append(_("Thiếu mã chi đoàn."))
        branch = None
    else:
        branch = branches.get(code)
        if branch is None:
            errors.append(_("Không có chi đoàn mã “%(c)s” trong cơ sở đoàn này.", c=cells.get("branch_code")))
        elif branch.status != "active":
            errors.append(_("Chi đoàn “%(c)s” đã giải thể.", c=branch.code))
    v["branch_id"] = branch.id if branch is not None else None
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
    cid = clean_digits(cells.get("citizen_id") or "")
    problem = citizen_id_problem(cid)
    if problem:
        errors.append(str(problem) + f" ({cells.get('citizen_id')})")
    v["citizen_id"] = cid or None
    phone = clean_digits(cells.get("phone") or "")
    if phone and not PHONE.match(phone):
        errors.append(_("Số điện thoại “%(v)s” không hợp lệ.", v=cells.get("phone")))
    v["phone"] = phone or None
    for f, table, label in (("sex", SEX_KEYS, _("Giới tính")), ("member_type", TYPE_KEYS, _("Đối tượng")),
                            ("occupation", OCC_KEYS, _("Nghề nghiệp"))):
        raw = (cells.get(f) or "").strip()
        if not raw:
            v[f] = None
            continue
        v[f] = table.get(fold(raw))
        if v[f] is None:
            errors.append(_("%(col)s “%(v)s” không có trong danh mục.", col=label, v=raw))
    for f in TEXT_FIELDS:
        text = nfc((cells.get(f) or "").strip()) or None
        if text and len(text) > LIMITS[f]:
            errors.append(_("%(col)s quá dài.", col=_label(f)))
        v[f] = text
    return v, errors


def _label(field):
    return next(h for f, h, _w in COLUMNS if f == field)


def validate(unit, rows):
    """Every row → {"row", "action": new|update|error, "errors", "name", "branch", "person_id", "values"} (3 statements)."""
    branches, fixed = _branches_for(unit)
    parsed = [(r["row"],) + _parse_row(r["cells"], branches, fixed) for r in rows]
    cids = sorted({v["citizen_id"] for _n, v, _e in parsed if v["citizen_id"]})
    by_cid = {}
    for i in range(0, len(cids), 900):
        for pid, cid, path, uid in db.session.execute(
                select(Person.id, Person.citizen_id, Person.unit_path, Person.unit_id)
                .where(Person.citizen_id.in_(cids[i:i + 900]))).all():
            by_cid[cid] = (pid, path, uid)
    commune_path = unit.path if unit.level == "commune" else unit.path.rsplit("/", 2)[0] + "/"
    by_key = {}
    for pid, key, born, uid, cid in db.session.execute(
            select(Person.id, Person.name_key, Person.birth_date, Person.unit_id, Person.citizen_id)
            .where(Person.unit_path.like(commune_path + "%"))).all():
        by_key[(key, born, uid)] = (pid, cid)
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
            if hit:
                if hit[1].startswith(commune_path):
                    pid = hit[0]
                else:
                    errors.append(_("Số CCCD %(c)s đã có trong sổ của một cơ sở đoàn khác — hãy làm thủ tục chuyển sinh hoạt.",
                                    c=v["citizen_id"]))
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
            "values": {k: (x.isoformat() if isinstance(x, date) else x) for k, x in v.items()},
            "_v": v,
        })
    _mark_unchanged(results)
    for r in results:
        r.pop("_v")
    return results


def _mark_unchanged(results):
    """An "update" that would change nothing (the same file imported again) is "same": honest counts, no writes."""
    pids = [r["person_id"] for r in results if r["action"] == "update"]
    current = {}
    for i in range(0, len(pids), 900):
        for p in db.session.scalars(select(Person).where(Person.id.in_(pids[i:i + 900]))):
            current[p.id] = p
    for r in results:
        p = current.get(r["person_id"]) if r["action"] == "update" else None
        if p is None:
            continue
        v = r["_v"]
        changed = v.get("branch_id") != p.unit_id or any(
            v.get(k) not in (None, "") and v.get(k) != getattr(p, k) for k in PERSON_COLS)
        if not changed:
            r["action"] = "same"


def count(results):
    out = {"new": 0, "update": 0, "same": 0, "error": 0}
    for r in results:
        out[r["action"]] += 1
    out["total"] = len(results)
    return out


# ---- the batch ----------------------------------------------------------------------------------------------
def create_batch(*, unit, filename, data, user):
    started = time.perf_counter()
    rows = read_upload(filename, data)
    results = validate(unit, rows)
    batch = ImportBatch(unit_id=unit.id, unit_path=unit.path, filename=(filename or "")[:200], status="preview",
                        payload={"rows": rows, "results": results}, counts=count(results),
                        created_by_id=user.id if user else None)
    batch.counts["preview_seconds"] = round(time.perf_counter() - started, 2)
    db.session.add(batch)
    db.session.flush()
    return batch


def claim(batch):
    """Atomically move a batch from preview to importing; False if someone (or a double tap) got there first."""
    res = db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "preview").values(status="importing")
        .execution_options(synchronize_session=False)
    )
    return res.rowcount == 1


def _values(result):
    v = dict(result["values"])
    for f in DATE_FIELDS:
        v[f] = date.fromisoformat(v[f]) if v[f] else None
    return v


PERSON_COLS = ("full_name", "sex", "birth_date", "citizen_id", "phone", "member_type", "ethnicity", "religion",
               "permanent_address", "current_address", "occupation", "workplace", "schooling", "joined_on",
               "admission_decision", "card_number", "notes")


def apply(*, batch, user):
    """Re-validate and write every row, or raise ValueError with the new results (caller rolls back)."""
    started = time.perf_counter()
    unit = batch.unit
    results = validate(unit, batch.payload["rows"])
    counts = count(results)
    if counts["error"]:
        return results, counts, False
    branches = {b.id: b for b in _branches_for(unit)[0].values()}
    today, now, uid = date.today(), utcnow(), (user.id if user else None)
    new_rows, upd_rows, new_results = [], {}, []
    for r in results:
        v = _values(r)
        branch = branches[v.pop("branch_id")]
        if r["action"] == "same":
            continue
        if r["action"] == "new":
            v["member_type"] = v["member_type"] or "union"
            new_rows.append(dict(v, unit_id=branch.id, unit_path=branch.path, name_key=fold(v["full_name"]),
                                 status="active", version=1, created_at=now, updated_at=now))
            new_results.append(r)
        else:
            upd_rows[r["person_id"]] = (v, branch)
    # new people: one bulk INSERT … RETURNING, then their history rows and audit entries in bulk
    if new_rows:
        ids = db.session.scalars(insert(Person).execution_options(render_nulls=True).returning(Person.id, sort_by_parameter_order=True), new_rows).all()
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
        from .services import PERSON_FIELDS
        from ..audit.services import diff, snapshot

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
    batch.payload = {"rows": [], "results": [dict(r, values=None) for r in results]}  # keep the outcome, drop raw cells
    batch.counts = dict(counts, import_seconds=batch.seconds, preview_seconds=(batch.counts or {}).get("preview_seconds"))
    db.session.add(AuditEntry(at=now, user_id=uid, action="person.import_batch", object_type="member_import",
                              object_id=batch.id, unit_id=unit.id, unit_path=unit.path,
                              summary=f"{batch.filename}: +{counts['new']} / ~{counts['update']}",
                              changes={"new": [None, counts["new"]], "update": [None, counts["update"]]}))
    db.session.flush()
    return results, counts, True


def _refresh_standing(unit):
    """Bulk inserts bypass the criteria helper's session hook: recompute the standing of the unit's people."""
    from .queries import criteria_module

    crit = criteria_module()
    if crit is not None and hasattr(crit, "refresh_standing"):
        db.session.flush()
        crit.refresh_standing(unit_path=unit.path)


# ---- the template ---------------------------------------------------------------------------------------------
def template_xlsx(branches=()):
    from openpyxl import Workbook
    from openpyxl.styles import Font

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
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

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
