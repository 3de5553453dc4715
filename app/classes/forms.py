from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, Field, HiddenField, RadioField, SearchField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from ..forms import FilterForm, Form, VersionedForm, VNDateField, choices, not_in_future
from .models import KINDS, MODES, STATUSES


def opt_int(value):
    if value in (None, ""):
        return None
    return int(value)


class VNIntField(Field):
    """A whole number typed on a phone keypad; a Vietnamese message when it is not one."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, minimum=None, maximum=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Hãy nhập một số nguyên, ví dụ 25.")) from None

    def pre_validate(self, form):
        if self.data is None:
            return
        if self.minimum is not None and self.data < self.minimum:
            raise ValidationError(_("Số phải từ %(n)s trở lên.", n=self.minimum))
        if self.maximum is not None and self.data > self.maximum:
            raise ValidationError(_("Số không được lớn hơn %(n)s.", n=self.maximum))


class TimeField(StringField):
    """HH:MM (or HHhMM, as written on paper)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "placeholder": "07:30", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip().lower().replace("h", ":").replace(".", ":")
        if not text:
            self.data = None
            return
        if text.endswith(":"):
            text += "00"
        try:
            self.data = datetime.strptime(text, "%H:%M").time()
        except ValueError:
            self.data = None
            raise ValueError(_l("Giờ không hợp lệ — nhập theo dạng giờ:phút, ví dụ 07:30.")) from None


class ClassForm(VersionedForm):
    kind = SelectField(_l("Loại lớp"), choices=choices(KINDS.items()), default="sympathizer", validate_choice=False)
    title = StringField(_l("Tên lớp"), validators=[DataRequired(_l("Vui lòng nhập tên lớp.")),
                                                   Length(max=200, message=_l("Tên quá dài (tối đa 200 ký tự)."))])
    unit_id = SelectField(_l("Đơn vị tổ chức"), coerce=opt_int, validate_choice=False)
    scope_unit_ids = SelectMultipleField(_l("Đơn vị được cử người học"), coerce=int, validate_choice=False)
    venue = StringField(_l("Địa điểm"), validators=[Optional(), Length(max=200, message=_l("Tối đa 200 ký tự."))])
    mode = RadioField(_l("Hình thức"), choices=choices(MODES.items()), default="in_person", validate_choice=False)
    starts_on = VNDateField(_l("Ngày khai giảng"), validators=[DataRequired(_l("Vui lòng nhập ngày khai giảng."))])
    ends_on = VNDateField(_l("Ngày bế giảng"), validators=[DataRequired(_l("Vui lòng nhập ngày bế giảng."))])
    capacity = VNIntField(_l("Sĩ số tối đa"), minimum=1, maximum=2000)
    min_attendance_pct = VNIntField(_l("Tỉ lệ chuyên cần tối thiểu để đạt (%)"), minimum=0, maximum=100, default=80,
                                    validators=[DataRequired(_l("Vui lòng nhập tỉ lệ chuyên cần tối thiểu (ví dụ 80)."))])
    reflection_required = BooleanField(_l("Bắt buộc nộp bài thu hoạch"), default=True)
    status = SelectField(_l("Trạng thái"), validate_choice=False)
    organizer_ids = SelectMultipleField(_l("Người phụ trách lớp"), coerce=int, validate_choice=False)
    notes = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000, message=_l("Tối đa 2000 ký tự."))])

    def __init__(self, *args, units=(), organizers=(), klass=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.klass = klass
        self.units = {u.id: u for u in units}
        self.unit_id.choices = choices([(u.id, ("— " * max(0, u.depth - min((x.depth for x in units), default=0))) + u.name)
                                        for u in units])
        self.scope_unit_ids.choices = self.unit_id.choices
        self.organizers = {u.id: u for u in organizers}
        self.organizer_ids.choices = choices([(u.id, f"{u.full_name} ({u.username})") for u in organizers])
        self.status.choices = choices([(k, v) for k, v in STATUSES.items() if k != "finished"])
        if klass is not None and not self.is_submitted():
            self.scope_unit_ids.data = [s.unit_id for s in klass.scope_units]
            self.organizer_ids.data = [o.user_id for o in klass.organizers]

    def validate_kind(self, field):
        if field.data not in KINDS:
            raise ValidationError(_l("Vui lòng chọn loại lớp."))

    def validate_mode(self, field):
        if field.data not in MODES:
            raise ValidationError(_l("Vui lòng chọn hình thức học."))

    def validate_unit_id(self, field):
        if self.klass is None and field.data not in self.units:
            raise ValidationError(_l("Vui lòng chọn đơn vị tổ chức trong phạm vi bạn được phân công."))

    def validate_scope_unit_ids(self, field):
        bad = [x for x in (field.data or []) if x not in self.units]
        if bad:
            raise ValidationError(_l("Chỉ chọn được đơn vị trong phạm vi bạn được phân công."))

    def validate_organizer_ids(self, field):
        if self.klass is None:
            return
        if not field.data:
            raise ValidationError(_l("Lớp cần ít nhất một người phụ trách."))
        if any(x not in self.organizers for x in field.data):
            raise ValidationError(_l("Chỉ chọn tài khoản có vai trò tổ chức lớp ở đơn vị này."))

    def validate_status(self, field):
        if self.klass is not None and (field.data not in STATUSES or field.data == "finished"):
            raise ValidationError(_l("Trạng thái không hợp lệ — kết thúc lớp bằng nút «Kết thúc lớp» ở trang kết quả."))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("Ngày bế giảng phải sau hoặc bằng ngày khai giảng."))

    def validate_capacity(self, field):
        enrolled = getattr(self, "enrolled", 0)
        if field.data is not None and field.data < enrolled:
            raise ValidationError(_("Lớp đang có %(n)s học viên — sĩ số tối đa không thể nhỏ hơn.", n=enrolled))


class SessionForm(VersionedForm):
    held_on = VNDateField(_l("Ngày học"), validators=[DataRequired(_l("Vui lòng nhập ngày học."))])
    starts_at = TimeField(_l("Giờ bắt đầu"))
    topic = StringField(_l("Chuyên đề"), validators=[DataRequired(_l("Vui lòng nhập chuyên đề của buổi học.")),
                                                     Length(max=300, message=_l("Tối đa 300 ký tự."))])
    lecturer = StringField(_l("Báo cáo viên"), validators=[Optional(), Length(max=200, message=_l("Tối đa 200 ký tự."))])

    def __init__(self, *args, klass=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.klass = klass

    def validate_held_on(self, field):
        k = self.klass
        if k is not None and field.data and not (k.starts_on <= field.data <= k.ends_on):
            raise ValidationError(_("Buổi học phải nằm trong thời gian của lớp (%(a)s – %(b)s).",
                                     a=k.starts_on.strftime("%d/%m/%Y"), b=k.ends_on.strftime("%d/%m/%Y")))


class SessionCancelForm(VersionedForm):
    cancel_reason = StringField(_l("Lý do hủy buổi học"), validators=[
        DataRequired(_l("Vui lòng ghi lý do hủy.")), Length(max=300, message=_l("Tối đa 300 ký tự."))])


class NewYouthForm(Form):
    form_token = HiddenField()
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Vui lòng nhập họ và tên.")),
                                                         Length(max=200, message=_l("Tên quá dài."))])
    birth_date = VNDateField(_l("Ngày sinh"), validators=[DataRequired(_l("Vui lòng nhập ngày sinh.")), not_in_future])
    branch_id = SelectField(_l("Chi đoàn / chi hội"), coerce=opt_int, validate_choice=False)
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Length(max=20, message=_l("Tối đa 20 ký tự."))],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.branches = {b.id: b for b in branches}
        self.branch_id.choices = choices([("", _l("— chọn chi —"))] + [(b.id, b.name) for b in branches])

    def validate_branch_id(self, field):
        if field.data not in self.branches:
            raise ValidationError(_l("Vui lòng chọn chi đoàn của người này."))


class CaseForm(VersionedForm):
    application_on = VNDateField(_l("Ngày nhận đơn xin vào Đoàn"))
    history_on = VNDateField(_l("Ngày nhận lý lịch"))
    certificate_on = VNDateField(_l("Ngày cấp giấy chứng nhận lớp cảm tình Đoàn"))
    sponsor_id = SelectField(_l("Đoàn viên giới thiệu"), coerce=opt_int, validate_choice=False)
    sponsor_known_since = VNDateField(_l("Người giới thiệu biết người được giới thiệu từ ngày"))
    meeting_on = VNDateField(_l("Ngày họp chi đoàn xét kết nạp"))
    members_present = VNIntField(_l("Số đoàn viên có mặt"), minimum=1, maximum=1000)
    votes_for = VNIntField(_l("Số phiếu tán thành"), minimum=0, maximum=1000)
    decision_number = StringField(_l("Số quyết định kết nạp"),
                                  validators=[Optional(), Length(max=60, message=_l("Tối đa 60 ký tự."))])
    decision_on = VNDateField(_l("Ngày quyết định"))
    decision_unit_id = SelectField(_l("Đơn vị ra quyết định (cấp trên)"), coerce=opt_int, validate_choice=False)
    ceremony_on = VNDateField(_l("Ngày tổ chức lễ kết nạp"))
    notes = StringField(_l("Ghi chú"), validators=[Optional(), Length(max=500, message=_l("Tối đa 500 ký tự."))])

    VALUE_FIELDS = ("application_on", "history_on", "certificate_on", "sponsor_id", "sponsor_known_since", "meeting_on",
                    "members_present", "votes_for", "decision_number", "decision_on", "decision_unit_id", "ceremony_on",
                    "notes")

    def __init__(self, *args, sponsors=(), decision_units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sponsor_id.choices = choices([("", _l("— chưa có —"))] + [(p.id, p.full_name) for p in sponsors])
        self.decision_units = {u.id: u for u in decision_units}
        self.decision_unit_id.choices = choices([("", _l("— chưa có —"))] + [(u.id, u.name) for u in decision_units])

    def validate_decision_unit_id(self, field):
        if field.data is not None and field.data not in self.decision_units:
            raise ValidationError(_l("Quyết định phải do đơn vị cấp trên của chi đoàn ban hành."))

    @classmethod
    def values_of(cls, case):
        """The checklist values stored on a case (the rules read these)."""
        return {f: getattr(case, f) for f in cls.VALUE_FIELDS}

    def add_errors(self, problems):
        """{field: [messages]} from the admission rules, shown beside their fields."""
        for field, msgs in problems.items():
            getattr(self, field).errors = list(getattr(self, field).errors) + msgs

    def values(self):
        out = {f: getattr(self, f).data for f in self.VALUE_FIELDS}
        out["decision_number"] = (out["decision_number"] or "").strip() or None
        out["notes"] = (out["notes"] or "").strip() or None
        return out


# ---- the results sheet: one row per participant, typed inline ------------------------------------------------
def parse_score(text):
    """(score, None) or (None, message): a score 0–10, "7,5" as typed on a Vietnamese keypad; blank is None."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None, None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("Điểm phải là số, ví dụ 8 hoặc 7,5.")
    if value < 0 or value > 10:
        return None, _("Điểm từ 0 đến 10.")
    return value.quantize(Decimal("0.01")), None


def parse_results(formdata, people):
    """(rows, errors) of the results sheet: rows [(enrolment, version, score, reflection received, remarks)] for the
    participants the sheet carried; errors {input name: message}."""
    rows, errors = [], {}
    for e in people:
        if f"v_{e.id}" not in formdata:
            continue
        score, err = parse_score(formdata.get(f"score_{e.id}"))
        remarks = (formdata.get(f"remarks_{e.id}") or "").strip()
        if err:
            errors[f"score_{e.id}"] = err
        if len(remarks) > 300:
            errors[f"remarks_{e.id}"] = _("Tối đa 300 ký tự.")
        rows.append((e, formdata.get(f"v_{e.id}", type=int), score, formdata.get(f"refl_{e.id}") == "1", remarks))
    return rows, errors


class ClassFilterForm(FilterForm):
    """The classes list's filters (GET); the route reads the same arguments."""
    q = SearchField(_l("Tên lớp"))
    year = StringField(_l("Năm"), render_kw={"inputmode": "numeric"})
    kind = SelectField(_l("Loại"), choices=choices([("", _l("Tất cả")), *KINDS.items()]))
    status = SelectField(_l("Trạng thái"), choices=choices([("", _l("Tất cả")), *STATUSES.items()]))

    @classmethod
    def bind(cls, args, year=None):
        """`year`: the year the list shows (this year when none was asked for, blank for every year)."""
        form = cls(args)
        form.year.data = year
        return form
