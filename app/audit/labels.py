"""Readable names for the audit log: the actions and the fields recorded by the services (codes stay in the data)."""
import re

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import seams
from ..formatting import money_vn

ACTIONS = {
    "auth.login": _l("Đăng nhập"), "auth.login_failed": _l("Đăng nhập sai mật khẩu"), "auth.logout": _l("Đăng xuất"),
    "person.citizen_id_refused": _l("Nhập trùng số CCCD của người này từ đơn vị khác (bị từ chối)"),
    "unit.create": _l("Tạo đơn vị"), "unit.update": _l("Sửa đơn vị"), "unit.close": _l("Giải thể đơn vị"),
    "user.create": _l("Tạo tài khoản"), "user.update": _l("Sửa tài khoản"), "user.activate": _l("Khóa / mở tài khoản"),
    "user.deactivate": _l("Khóa tài khoản"),
    "user.reset_password": _l("Đặt lại mật khẩu"), "user.change_password": _l("Đổi mật khẩu"),
    "grant.create": _l("Giao vai trò"), "grant.revoke": _l("Thu hồi vai trò"),
    "person.create": _l("Thêm người vào sổ"), "person.update": _l("Sửa hồ sơ"), "person.transfer": _l("Chuyển chi đoàn"),
    "person.admit": _l("Kết nạp vào Đoàn"), "person.import": _l("Nhập từ tệp"),
    "person.import_update": _l("Cập nhật từ tệp"), "person.import_batch": _l("Nhập danh sách từ tệp"),
    "person.post_started": _l("Nhận chức vụ"), "person.post_ended": _l("Thôi chức vụ"),
    "person.confirmed": _l("Xác nhận có người"), "person.away": _l("Đi làm ăn xa"), "person.back": _l("Trở về địa phương"),
    "person.matured": _l("Trưởng thành Đoàn"), "person.removed": _l("Xóa tên"), "person.kept": _l("Giữ lại, không xóa tên"),
    "person.reinstated": _l("Khôi phục vào danh sách"),
    "person.expelled": _l("Khai trừ"), "person.deceased": _l("Từ trần"), "person.moved_away": _l("Chuyển đi nơi khác"),
    "transfer.request": _l("Đề nghị chuyển sinh hoạt"), "transfer.accept": _l("Tiếp nhận chuyển sinh hoạt"),
    "transfer.refuse": _l("Từ chối chuyển sinh hoạt"), "transfer.withdraw": _l("Rút đề nghị chuyển sinh hoạt"),
    "activity.create": _l("Ghi buổi sinh hoạt"), "activity.update": _l("Sửa buổi sinh hoạt"),
    "attendance.set": _l("Điểm danh sinh hoạt"), "dues.mark_paid": _l("Ghi đoàn phí"),
    "class.create": _l("Tạo lớp"), "class.update": _l("Sửa lớp"), "class.session_add": _l("Thêm buổi học"),
    "class.session_edit": _l("Sửa buổi học"),
    "class.session_cancel": _l("Hủy buổi học"), "class.enrol": _l("Ghi danh"), "class.enrol_many": _l("Ghi danh nhiều người"),
    "class.reenrol": _l("Ghi danh lại"), "class.withdraw": _l("Rút khỏi lớp"), "class.attendance": _l("Điểm danh lớp học"),
    "class.result": _l("Ghi kết quả học"), "class.finish": _l("Kết thúc lớp"),
    "admission.open": _l("Mở hồ sơ kết nạp"), "admission.admit": _l("Kết nạp"), "admission.cancel": _l("Hủy hồ sơ kết nạp"),
    "admission.reopen": _l("Mở lại hồ sơ kết nạp"),
    "checklist.create": _l("Tạo mẫu kiểm tra"), "checklist.update": _l("Sửa mẫu kiểm tra"),
    "checklist.new_version": _l("Phiên bản mới của mẫu"), "checklist.add_section": _l("Thêm phần"),
    "checklist.rename_section": _l("Đổi tên phần"), "checklist.add_item": _l("Thêm mục"),
    "checklist.update_item": _l("Sửa mục"),
    "inspection_plan.create": _l("Lập kế hoạch kiểm tra"), "inspection_plan.update": _l("Sửa kế hoạch kiểm tra"),
    "inspection.answer": _l("Ghi kết quả kiểm tra"), "inspection.photo": _l("Thêm ảnh minh chứng"),
    "inspection.conclusion": _l("Ghi kết luận"), "inspection.close": _l("Kết thúc kiểm tra"),
    "inspection.acknowledge": _l("Xác nhận của đơn vị"), "corrective_action.create": _l("Giao việc khắc phục"),
    "corrective_action.done": _l("Báo đã khắc phục"), "corrective_action.verify": _l("Xác nhận đã khắc phục"),
    "corrective_action.reopen": _l("Mở lại việc khắc phục"),
    "review.create": _l("Tạo đợt rà soát"), "review.update": _l("Sửa đợt rà soát"), "review.open": _l("Mở đợt rà soát"),
    "review.close": _l("Kết thúc đợt rà soát"), "review.team_create": _l("Lập tổ rà soát"),
    "review.team_update": _l("Sửa tổ rà soát"), "review.outcome": _l("Ghi kết quả rà soát tại nhà"),
    "review.household": _l("Sửa hộ (rà soát)"), "review.reconcile": _l("Đối chiếu kết quả rà soát vào sổ"),
    "review.newcomers": _l("Thêm người mới vào danh sách rà soát"),
    "targets.create": _l("Tạo chỉ tiêu"), "targets.edit": _l("Sửa chỉ tiêu"), "targets.submit": _l("Gửi duyệt chỉ tiêu"),
    "targets.return": _l("Trả lại chỉ tiêu"), "targets.approve": _l("Duyệt chỉ tiêu"),
    "targets.assign": _l("Cấp trên phân bổ chỉ tiêu"), "target_indicator_added": _l("Thêm chỉ số vào danh mục"),
    "target_indicator_retired": _l("Ngừng dùng một chỉ số"),
    "party.step": _l("Ghi bước kết nạp Đảng"), "party.cancel": _l("Hủy bước kết nạp Đảng"),
}

OBJECTS = {
    "unit": _l("Đơn vị"), "user_account": _l("Tài khoản"), "role_grant": _l("Vai trò"), "person": _l("Hồ sơ người"),
    "member_transfer": _l("Chuyển sinh hoạt"), "member_import": _l("Tệp nhập"), "activity": _l("Sinh hoạt"),
    "training_class": _l("Lớp học"), "class_session": _l("Buổi học"), "class_enrolment": _l("Học viên"),
    "class_attendance": _l("Điểm danh lớp"), "admission_case": _l("Hồ sơ kết nạp"),
    "checklist_template": _l("Mẫu kiểm tra"), "inspection_plan": _l("Kế hoạch kiểm tra"), "inspection": _l("Cuộc kiểm tra"),
    "corrective_action": _l("Việc khắc phục"), "review_campaign": _l("Đợt rà soát"), "review_team": _l("Tổ rà soát"),
    "review_subject": _l("Người trong danh sách rà soát"), "review_reconciliation": _l("Đối chiếu rà soát"),
    "target": _l("Chỉ tiêu"), "target_indicator": _l("Chỉ số"), "party_step": _l("Bước giới thiệu vào Đảng"),
}

FIELDS = {
    "name": _l("Tên"), "code": _l("Mã"), "status": _l("Tình trạng"), "full_name": _l("Họ và tên"),
    "birth_date": _l("Ngày sinh"), "sex": _l("Giới tính"), "phone": _l("Điện thoại"), "citizen_id": _l("Số CCCD"),
    "member_type": _l("Đối tượng"), "occupation": _l("Nghề nghiệp"), "unit_id": _l("Đơn vị"), "joined_on": _l("Ngày vào Đoàn"),
    "kind": _l("Loại"), "title": _l("Tên"), "held_on": _l("Ngày"), "due_on": _l("Hạn"), "active": _l("Đang hoạt động"),
    "role": _l("Vai trò"), "username": _l("Tên đăng nhập"), "reason": _l("Lý do"), "on": _l("Ngày"),
}


def action_label(code):
    return ACTIONS.get(code, code)


# ---- one place for how a recorded field and its value read (the audit log and the conflict page) ----------------
# Domains register their own field names and value labels with app.seams (LABELS): this module imports no domain.
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
MONEY_FIELDS = {"amount", "paid"}
_merged = {}


def _labels():
    """(fields, values, any_values): FIELDS with the labels the domains registered — {field: label},
    {field: {code: label}}, {code: label} for fields without their own map ("kind", an attendance status…)."""
    if _merged.get("version") != seams.version():
        fields, values, any_values = dict(FIELDS), {}, {}
        for item in seams.items(seams.LABELS):
            fields.update(item.fields)
            for name, labels in item.values.items():
                values.setdefault(name, {}).update(labels)
            any_values.update(item.any_values)
        _merged.update(version=seams.version(), maps=(fields, values, any_values))
    return _merged["maps"]


# The year's close — unit grading, the weak-unit list, consolidation plans (app.year: grading, plans).
ACTIONS.update({
    "unit_grade.propose": _l("Tính đề xuất xếp loại đơn vị"), "unit_grade.accept_all": _l("Chấp nhận đề xuất xếp loại"),
    "unit_grade.decide": _l("Xếp loại đơn vị"), "consolidation_plan.create": _l("Lập kế hoạch củng cố"),
    "consolidation_plan.update": _l("Sửa kế hoạch củng cố"), "consolidation_plan.adopt": _l("Ban hành kế hoạch củng cố"),
    "consolidation_entry.create": _l("Đưa đơn vị vào kế hoạch củng cố"),
    "consolidation_entry.restore": _l("Đưa lại đơn vị vào kế hoạch củng cố"),
    "consolidation_entry.update": _l("Sửa nguyên nhân yếu kém"),
    "consolidation_entry.withdraw": _l("Đưa đơn vị ra khỏi kế hoạch củng cố"),
    "consolidation_measure.create": _l("Giao biện pháp củng cố"),
})
OBJECTS.update({"unit_grade": _l("Xếp loại đơn vị"), "consolidation_plan": _l("Kế hoạch củng cố"),
                "consolidation_entry": _l("Đơn vị trong kế hoạch củng cố"),
                "consolidation_measure": _l("Biện pháp củng cố")})
FIELDS.update({"grade_id": _l("Xếp loại"), "weak": _l("Yếu kém"), "flags": _l("Dấu hiệu yếu kém"),
               "causes": _l("Nguyên nhân"), "cause_note": _l("Nguyên nhân khác"), "withdrawn_at": _l("Ngày đưa ra"),
               "doc_number": _l("Số văn bản"), "responsible": _l("Người chịu trách nhiệm"), "action_id": _l("Việc khắc phục"),
               "entry_id": _l("Đơn vị trong kế hoạch"), "accepted": _l("Đã chấp nhận"), "created": _l("Tạo mới"),
               "refreshed": _l("Cập nhật"), "year": _l("Năm")})

FIELDS.update({
    "workplace": _l("Nơi làm việc / học tập"), "ethnicity": _l("Dân tộc"), "religion": _l("Tôn giáo"),
    "permanent_address": _l("Thường trú"), "current_address": _l("Nơi ở hiện nay"), "schooling": _l("Trình độ văn hóa"),
    "admission_decision": _l("Số quyết định kết nạp"), "card_number": _l("Số thẻ đoàn viên"), "notes": _l("Ghi chú"),
    "branch": _l("Chi đoàn / chi hội"), "month": _l("Tháng"), "months": _l("Các tháng"), "amount": _l("Số tiền"),
    "paid": _l("Đã đóng"), "reversed": _l("Hoàn tác"), "person_id": _l("Người"), "person_ids": _l("Những người"),
    "class_id": _l("Lớp"), "version": _l("Phiên bản"), "note": _l("Ghi chú"), "text": _l("Nội dung"),
    "to_unit_id": _l("Chuyển đến"), "parent_id": _l("Đơn vị cấp trên"), "owner_unit_id": _l("Đơn vị thực hiện"),
    "inspecting_unit_id": _l("Đơn vị kiểm tra"), "decision_unit_id": _l("Đơn vị ra quyết định (cấp trên)"),
    "scope": _l("Đơn vị được cử người học"), "for_young_workers": _l("Dành cho thanh niên công nhân"),
})

# The year's close: the yearly report (app.year.services.report).
ACTIONS.update({"year_report.start": _l("Soạn báo cáo năm"), "year_report.save": _l("Lưu bản nháp báo cáo năm"),
                "year_report.submit": _l("Gửi báo cáo năm")})
OBJECTS.update({"year_report": _l("Báo cáo năm")})
FIELDS.update({
    "results": _l("Kết quả đạt được"), "shortcomings": _l("Hạn chế, nguyên nhân"), "tasks": _l("Nhiệm vụ năm tới"),
    "doc_number": _l("Số, ký hiệu"), "place": _l("Địa danh"), "recipients": _l("Nơi nhận"),
    "signer_post": _l("Chức vụ người ký"), "signer_name": _l("Họ và tên người ký"), "number": _l("Bản số"),
})


def field_label(key):
    """A person id (attendance, dues maps) reads "Người #279"; a known field its label; anything else as is."""
    key = str(key)
    if key.isdigit():
        return _("Người #%(id)s", id=key)
    return _labels()[0].get(key, key)


# Fields that record a unit's id (a class's scope is a list of them): the log shows the unit's name.
UNIT_KEYS = {"unit_id", "to_unit_id", "from_unit_id", "owner_unit_id", "inspecting_unit_id", "decision_unit_id",
             "parent_id", "scope"}


def unit_ids_in(entries):
    """The unit ids recorded in these entries' changes, to name them with one query."""
    out = set()
    for e in entries:
        for k, pair in (e.changes or {}).items():
            if k in UNIT_KEYS:
                for v in pair or ():
                    out.update(x for x in (v if isinstance(v, list) else [v]) if isinstance(x, int))
    return out


def format_value(key, value, units=None):
    """A recorded value as people read it: labels for codes, dd/mm/yyyy dates, Có/Không, VND with dot thousands;
    unit ids by name when `units` ({id: name}) knows them."""
    key = str(key)
    if value is None or value == "":
        return "∅"
    if units and key in UNIT_KEYS:
        if isinstance(value, list):
            return ", ".join(format_value(key, v, units) for v in value)
        if isinstance(value, int) and not isinstance(value, bool) and value in units:
            return units[value]
    if isinstance(value, bool):
        return str(_l("Có") if value else _l("Không"))
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {format_value(key if key in MONEY_FIELDS else k, v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(key, v) for v in value)
    if isinstance(value, (int, float)) and key in MONEY_FIELDS:
        return money_vn(value)
    if isinstance(value, str):
        if _DATE.match(value):
            y, m, d = value.split("-")
            return f"{d}/{m}/{y}"
        if _DATETIME.match(value):
            y, m, d = value[:10].split("-")
            return f"{d}/{m}/{y} {value[11:16]}"
        _fields, values, any_values = _labels()
        label = values.get(key, {}).get(value) or any_values.get(value)
        if label is not None:
            return str(label)
    return str(value)


def typed_fields():
    """[(label, value)] of what a refused form carried (the conflict page shows it, so nothing typed is lost)."""
    if request.method != "POST":
        return []
    skip = {"csrf_token", "version", "form_token", "token", "action", "mode", "back", "page", "_validate"}
    out = []
    for key in request.form:
        values = [v for v in request.form.getlist(key) if v.strip()]
        name = key.split("-", 1)[-1]  # prefixed forms: "accept-branch" → "branch"
        secret = "password" in key.lower() or name in ("current", "new", "confirm")  # never print a password
        if values and key not in skip and name not in skip and not secret:
            out.append((str(field_label(name)), ", ".join(format_value(name, v) for v in values)))
    return out


# ---- the year's close: the members' evaluation and the grades' catalogue (wt-members) -------------------------------
ACTIONS.update({
    "year.members_start": _l("Bắt đầu đánh giá, xếp loại đoàn viên"),
    "year.members_accept": _l("Chấp nhận xếp loại đề xuất"), "year.member_grade": _l("Xếp loại một đoàn viên"),
    "year.members_submit": _l("Gửi duyệt xếp loại đoàn viên"), "year.members_approve": _l("Duyệt xếp loại đoàn viên"),
    "year.members_return": _l("Trả lại xếp loại đoàn viên"), "year.grade_add": _l("Thêm mức xếp loại"),
    "year.grade_rename": _l("Đổi tên mức xếp loại"), "year.grade_retire": _l("Thôi dùng mức xếp loại"),
    "year.grade_restore": _l("Dùng lại mức xếp loại"), "year.rules": _l("Sửa thông số đề xuất xếp loại"),
})
OBJECTS.update({
    "member_evaluation": _l("Đánh giá đoàn viên của chi đoàn"), "member_grade": _l("Xếp loại đoàn viên"),
    "year_grade": _l("Mức xếp loại"), "year_rule": _l("Thông số xếp loại"),
})
FIELDS.update({
    "grade": _l("Xếp loại"), "outstanding": _l("Đoàn viên ưu tú"), "added": _l("Số người thêm vào"),
    "accepted": _l("Số người chấp nhận đề xuất"), "rank": _l("Thứ bậc"), "return_reason": _l("Lý do trả lại"),
})


# ---- restructuring the tree (app.restructure) --------------------------------------------------------------------
ACTIONS.update({
    "restructure.start": _l("Bắt đầu sắp xếp tổ chức"), "restructure.apply": _l("Hoàn thành sắp xếp tổ chức"),
    "unit.restructure": _l("Chuyển đơn vị theo sắp xếp tổ chức"), "unit.retire": _l("Đơn vị thôi hoạt động do sắp xếp"),
    "unit.reopen": _l("Đơn vị hoạt động lại (hoàn tác sắp xếp)"),
    "person.restructure": _l("Chuyển người theo sắp xếp tổ chức"),
    "grant.restructure": _l("Chuyển hoặc thu hồi vai trò do sắp xếp"), "targets.restructure": _l("Chỉ tiêu theo sắp xếp tổ chức"),
})
OBJECTS.update({"restructure_op": _l("Thao tác sắp xếp tổ chức")})
UNIT_KEYS.add("merged_into_id")
FIELDS.update({
    "path": _l("Vị trí trong cây"), "merged_into_id": _l("Sáp nhập vào"),
    "closed_on": _l("Ngày thôi hoạt động"), "people": _l("Số người"), "units": _l("Số đơn vị"),
    "units_below": _l("Số đơn vị (kể cả trực thuộc)"), "on_roll": _l("Số người trong danh sách sinh hoạt"),
    "people_moved": _l("Số người đổi chi đoàn"), "actions": _l("Việc khắc phục còn mở"), "grants": _l("Vai trò tài khoản"),
    "targets": _l("Chỉ tiêu"), "closed": _l("Đơn vị thôi hoạt động"), "created": _l("Đơn vị mới"),
    "renamed": _l("Đơn vị đổi mã, tên"), "reopened": _l("Đơn vị hoạt động lại"),
})
