import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..forms import Form, MultiCheckboxField, VersionedForm, VNDateField, choices, int_or_none, parse_date
from ..members.models import MEMBER_TYPES, OCCUPATIONS, SEXES
from .models import OUTCOMES, POSTS


def march(year):
    return date(year, 3, 1), date(year, 3, 31)


class _Dates:
    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("Ngày kết thúc phải sau ngày bắt đầu."))
        if field.data and self.starts_on.data and (field.data - self.starts_on.data).days > 366:
            raise ValidationError(_l("Một đợt rà soát không kéo dài quá một năm."))


class CampaignForm(_Dates, Form):
    unit_id = SelectField(_l("Phạm vi (đơn vị và các đơn vị trực thuộc)"), coerce=int_or_none, validate_choice=False)
    year = IntegerField(_l("Năm"), validators=[InputRequired(_l("Nhập năm rà soát.")),
                                             NumberRange(2000, 2100, message=_l("Năm không hợp lệ."))])
    title = StringField(_l("Tên đợt"), validators=[Optional(), Length(max=200, message=_l("Tối đa 200 ký tự."))])
    starts_on = VNDateField(_l("Từ ngày"), validators=[InputRequired(_l("Nhập ngày bắt đầu."))])
    ends_on = VNDateField(_l("Đến ngày"), validators=[InputRequired(_l("Nhập ngày kết thúc."))])
    form_token = HiddenField()

    def __init__(self, *args, units=(), allowed=None, taken=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = choices([(u.id, u.name) for u in units])
        self.allowed, self.taken = allowed, taken

    def validate_unit_id(self, field):
        if self.allowed(field.data) is None:
            raise ValidationError(_l("Bạn không có quyền mở đợt rà soát cho đơn vị này."))

    def validate_year(self, field):
        if field.data and self.allowed(self.unit_id.data) is not None:
            other = self.taken(self.allowed(self.unit_id.data), field.data)
            if other is not None:
                raise ValidationError(_("Năm %(y)s đã có đợt rà soát “%(t)s” của %(u)s — mỗi chi đoàn chỉ rà soát một "
                                        "lần trong năm.", y=field.data, t=other.title, u=other.unit.name))


class CampaignEditForm(_Dates, VersionedForm):
    title = StringField(_l("Tên đợt"), validators=[DataRequired(_l("Nhập tên đợt.")),
                                                  Length(max=200, message=_l("Tối đa 200 ký tự."))])
    starts_on = VNDateField(_l("Từ ngày"), validators=[InputRequired(_l("Nhập ngày bắt đầu."))])
    ends_on = VNDateField(_l("Đến ngày"), validators=[InputRequired(_l("Nhập ngày kết thúc."))])


class StepForm(VersionedForm):
    """A button that moves a record on (open, close): the version it was shown at."""


class TeamForm(VersionedForm):
    name = StringField(_l("Tên tổ"), validators=[DataRequired(_l("Nhập tên tổ rà soát.")),
                                                Length(max=120, message=_l("Tối đa 120 ký tự."))])
    users = MultiCheckboxField(_l("Cán bộ Đoàn (tài khoản)"), coerce=int, validate_choice=False)
    branches = MultiCheckboxField(_l("Chi đoàn tổ phụ trách"), coerce=int, validate_choice=False)
    form_token = HiddenField()

    def __init__(self, *args, officers=(), branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.users.choices = choices([(u.id, u.full_name or u.username) for u in officers])
        self.branches.choices = choices([(b.id, b.name) for b in branches])
        self._officers = {u.id for u in officers}
        self._branches = {b.id for b in branches}

    def validate_users(self, field):
        if any(i not in self._officers for i in field.data or ()):
            raise ValidationError(_l("Chỉ chọn cán bộ của cơ sở hoặc các chi đoàn trực thuộc."))

    def validate_branches(self, field):
        if any(i not in self._branches for i in field.data or ()):
            raise ValidationError(_l("Chỉ chọn chi đoàn của cơ sở này."))


class GuestForm(Form):
    full_name = StringField(_l("Họ tên"), validators=[DataRequired(_l("Nhập họ tên người cùng đi.")),
                                                     Length(max=200, message=_l("Tối đa 200 ký tự."))])
    post = SelectField(_l("Chức vụ"), choices=choices(POSTS.items()), default="hamlet_head")
    # no Optional(): it would stop the chain before validate_post_text (an empty "Khác" must be refused)
    post_text = StringField(_l("Chức vụ khác"), validators=[Length(max=120, message=_l("Tối đa 120 ký tự."))])

    def validate_post_text(self, field):
        if self.post.data == "other" and not (field.data or "").strip():
            raise ValidationError(_l("Ghi rõ chức vụ."))


YEAR_ONLY = re.compile(r"^\s*(\d{4})\s*$")


class BirthField(VNDateField):
    """A birth date, or just the year (many people know only that): the year becomes 1 January of it and is marked."""

    def process_formdata(self, valuelist):
        if valuelist and YEAR_ONLY.match(valuelist[0] or ""):
            self.year_only = True
            self.data = date(int(YEAR_ONLY.match(valuelist[0]).group(1)), 1, 1)
            return
        self.year_only = False
        super().process_formdata(valuelist)


class FoundPersonForm(Form):
    full_name = StringField(_l("Họ tên"), validators=[DataRequired(_l("Nhập họ tên.")),
                                                     Length(max=200, message=_l("Tối đa 200 ký tự."))])
    birth = BirthField(_l("Ngày sinh hoặc năm sinh"), validators=[InputRequired(_l("Nhập ngày sinh hoặc năm sinh."))],
                       render_kw={"inputmode": "numeric", "placeholder": "dd/mm/yyyy hoặc yyyy", "autocomplete": "off"})
    sex = SelectField(_l("Giới tính"), choices=choices(SEXES.items()),
                      validators=[DataRequired(_l("Chọn giới tính."))])
    phone = StringField(_l("Điện thoại"), validators=[Optional(), Length(max=20, message=_l("Tối đa 20 ký tự."))],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    occupation = SelectField(_l("Nghề nghiệp"), choices=choices([("", "—"), *OCCUPATIONS.items()]), default="")
    address = StringField(_l("Địa chỉ đang ở"), validators=[DataRequired(_l("Nhập địa chỉ đang ở (thôn, số nhà).")),
                                                           Length(max=300, message=_l("Tối đa 300 ký tự."))])
    claimed_type = SelectField(_l("Nói là đã sinh hoạt ở nơi khác"), default="", choices=choices(
        [("", _l("Không — thanh niên")), *[(k, v) for k, v in MEMBER_TYPES.items() if k != "youth"]]))
    # no Optional(): it would stop the chain before validate_claimed_unit (a member elsewhere must say where)
    claimed_unit = StringField(_l("Sinh hoạt ở đâu"), validators=[Length(max=200, message=_l("Tối đa 200 ký tự."))])
    on = VNDateField(_l("Ngày gặp"), validators=[InputRequired(_l("Nhập ngày gặp."))])
    note = StringField(_l("Ghi chú"), validators=[Optional(), Length(max=500, message=_l("Tối đa 500 ký tự."))])
    form_token = HiddenField()

    def __init__(self, *args, campaign=None, check_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign, self.check_date = campaign, check_date

    def validate_birth(self, field):
        if field.data:
            age = date.today().year - field.data.year
            if field.data > date.today() or age > 100:
                raise ValidationError(_l("Ngày sinh không hợp lệ."))

    def validate_phone(self, field):
        if field.data and not re.match(r"^\+?[0-9 .]{9,15}$", field.data.strip()):
            raise ValidationError(_l("Số điện thoại không hợp lệ (9–15 chữ số)."))

    def validate_on(self, field):
        problem = self.check_date(field.data) if field.data else None
        if problem:
            raise ValidationError(problem)

    def validate_claimed_unit(self, field):
        if self.claimed_type.data and not (field.data or "").strip():
            raise ValidationError(_l("Ghi nơi đang sinh hoạt để đề nghị chuyển sinh hoạt về."))


class HouseholdForm(Form):
    household = StringField(_l("Địa chỉ hộ"), validators=[Optional(), Length(max=300, message=_l("Tối đa 300 ký tự."))])


class ReconcileForm(Form):
    """Apply a commune's outcomes: a plain button, the unique key per commune makes a resend harmless."""


class EnrolFoundForm(Form):
    class_id = SelectField(_l("Lớp cảm tình Đoàn"), coerce=int_or_none, validate_choice=False,
                           validators=[DataRequired(_l("Chọn lớp."))])

    def __init__(self, *args, classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.class_id.choices = choices([(k.id, f"{k.title} ({k.unit.name})") for k in classes])


# ---- the walk list's outcome fields (one set per person, named by subject id) ---------------------------------------
def read_outcome(form, sid):
    """The outcome fields of one person from a walk-list form: (values, {field: message}) — the values as typed."""
    errors = {}
    raw = {k: (form.get(f"{k}-{sid}") or "").strip() for k in ("o", "p", "s", "ph", "a", "w", "n", "t")}
    since = None
    if raw["s"]:
        try:
            since = parse_date(raw["s"])
        except ValueError:
            errors["since"] = _l("Ngày không hợp lệ — nhập theo dạng ngày/tháng/năm.")
    values = {"outcome": raw["o"] or None, "place": raw["p"][:200], "since": since, "phone": raw["ph"][:20],
              "address": raw["a"][:300], "workplace": raw["w"][:200], "note": raw["n"][:500], "token": raw["t"][:40]}
    if values["outcome"] and values["outcome"] not in OUTCOMES:
        errors["outcome"] = _l("Chọn một kết quả.")
    return values, raw, errors


def read_visit_date(form):
    """The visit date of a walk-list form: (date or None, message or None)."""
    text = (form.get("on") or "").strip()
    if not text:
        return date.today(), None
    try:
        return parse_date(text), None
    except ValueError:
        return None, _l("Ngày không hợp lệ — nhập theo dạng ngày/tháng/năm.")
