from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..dates import add_months
from ..forms import FilterForm, Form, VersionedForm, VNDateField, choices, int_or_none, not_in_future
from .models import KINDS
from .queries import month_choices, parse_month


class ActivityForm(VersionedForm):
    unit_id = SelectField(_l("Đơn vị tổ chức"), coerce=int_or_none, validate_choice=False)
    held_on = VNDateField(_l("Ngày sinh hoạt"), validators=[InputRequired(_l("Vui lòng nhập ngày sinh hoạt.")), not_in_future])
    kind = SelectField(_l("Loại hình"), choices=choices(KINDS.items()), default="regular",
                       validators=[DataRequired(_l("Vui lòng chọn loại hình."))])
    title = StringField(_l("Nội dung"), validators=[DataRequired(_l("Vui lòng nhập nội dung buổi sinh hoạt.")),
                                                   Length(max=200, message=_l("Nội dung quá dài (tối đa 200 ký tự)."))])
    notes = TextAreaField(_l("Ghi chú"), validators=[
        Optional(), Length(max=2000, message=_l("Ghi chú quá dài (tối đa 2.000 ký tự)."))])
    # Project 08: an activity organised for young workers counts in the targets' "activities for young workers".
    for_young_workers = BooleanField(_l("Hoạt động dành cho thanh niên công nhân"))
    form_token = HiddenField()

    def __init__(self, *args, units=(), allowed=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = choices([(u.id, u.name) for u in units])
        self.allowed = allowed  # callable(unit_id) -> Unit or None

    def validate_unit_id(self, field):
        if self.allowed is not None and self.allowed(field.data) is None:
            raise ValidationError(_l("Bạn không có quyền ghi sinh hoạt cho đơn vị này."))

    def validate_kind(self, field):
        if field.data not in KINDS:
            raise ValidationError(_l("Vui lòng chọn loại hình."))


class DuesMonthsForm(Form):
    """Several months of dues for one person at once: from one month to another (both included)."""

    first = SelectField(_l("Từ tháng"), validate_choice=False)
    last = SelectField(_l("Đến tháng"), validate_choice=False)

    def __init__(self, *args, bounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.bounds = bounds  # (first month allowed, last month allowed): joining month → current month
        lo, hi = bounds
        months, m = [], hi
        while m >= lo:
            months.append(m)
            m = add_months(m, -1)
        self.months = months
        self.first.choices = self.last.choices = choices([(m.strftime("%Y-%m"), m.strftime("%m/%Y")) for m in months])

    def _month(self, field):
        value = parse_month(field.data)
        lo, hi = self.bounds
        if value is None:
            raise ValidationError(_l("Vui lòng chọn tháng."))
        if value < lo:
            raise ValidationError(_("Chỉ ghi được từ tháng vào Đoàn (%(m)s).", m=lo.strftime("%m/%Y")))
        if value > hi:
            raise ValidationError(_("Chưa ghi được tháng sau tháng này (%(m)s).", m=hi.strftime("%m/%Y")))
        return value

    def validate_first(self, field):
        self.first_month = self._month(field)

    def validate_last(self, field):
        self.last_month = self._month(field)
        first = getattr(self, "first_month", None)
        if first is not None and self.last_month < first:
            raise ValidationError(_l("“Đến tháng” phải sau hoặc bằng “Từ tháng”."))

    def chosen_months(self):
        out, m = [], self.first_month
        while m <= self.last_month:
            out.append(m)
            m = add_months(m, 1)
        return out


class DuesReversalForm(Form):
    reason = TextAreaField(_l("Lý do hoàn tác"), validators=[
        DataRequired(_l("Vui lòng ghi lý do hoàn tác (ví dụ: ghi nhầm người).")),
        Length(max=500, message=_l("Lý do quá dài (tối đa 500 ký tự)."))])


def _month_options(months):
    return [(m.strftime("%Y-%m"), m.strftime("%m/%Y")) for m in months]


class ActivityFilterForm(FilterForm):
    """The activities list's filters (GET); queries.ActivityFilters reads the same arguments."""
    unit = SelectField(_l("Đơn vị"))
    kind = SelectField(_l("Loại hình"), choices=choices([("", _l("Tất cả")), *KINDS.items()]))
    month = SelectField(_l("Tháng"))

    @classmethod
    def bind(cls, args, unit=None, units=()):
        """`units` offered (branches marked "·"); the chosen `unit` stays offered when it is not among them."""
        form = cls(args)
        extra = [(unit.id, unit.name)] if unit and unit not in units else []
        form.unit.choices = choices([("", _("Tất cả")), *extra,
                                     *((u.id, ("· " if u.level == "branch" else "") + u.name) for u in units)])
        form.unit.data = str(unit.id) if unit else None
        month = parse_month(args.get("month"))
        form.month.choices = choices([("", _("Tất cả")), *_month_options(month_choices())])
        form.month.data = month.strftime("%Y-%m") if month else None
        return form


class DuesFilterForm(FilterForm):
    """The month a branch's dues page shows (GET)."""
    month = SelectField(_l("Tháng"))

    @classmethod
    def bind(cls, month):
        form = cls(formdata=None, data={"month": month.strftime("%Y-%m")})
        form.month.choices = choices(_month_options(month_choices()))
        return form
