"""The Party pipeline's forms: record a step on a person, cancel one with a reason, the unit list's filters."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..forms import FilterForm, Form, VNDateField, choices, not_in_future
from . import party
from .models import STEPS


class StepForm(Form):
    kind = SelectField(_l("Bước"), choices=choices(STEPS.items()), default="outstanding")
    on = VNDateField(_l("Ngày (quyết định)"), validators=[InputRequired(_l("Nhập ngày.")), not_in_future])
    year = IntegerField(_l("Năm được công nhận (đoàn viên ưu tú)"),
                        validators=[Optional(), NumberRange(1900, 2199, message=_l("Năm không hợp lệ."))])
    decided_by = StringField(_l("Cấp quyết định"), validators=[Optional(), Length(max=200, message=_l("Tối đa 200 ký tự."))])
    decision = StringField(_l("Số quyết định"), validators=[Optional(), Length(max=60, message=_l("Tối đa 60 ký tự."))])
    party_cell = StringField(_l("Chi bộ"), validators=[Optional(), Length(max=200, message=_l("Tối đa 200 ký tự."))])
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=500, message=_l("Tối đa 500 ký tự."))])
    form_token = HiddenField()

    def __init__(self, *args, person=None, steps=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person, self.steps = person, steps

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        year = self.year.data if self.kind.data == "outstanding" and self.year.data else self.on.data.year
        try:
            party.check_step(self.person, self.kind.data, self.on.data, year, steps=self.steps)
        except party.StepError as err:
            self[err.field].errors.append(err.message)
            return False
        return True


class CancelForm(Form):
    reason = StringField(_l("Lý do hủy"), validators=[InputRequired(_l("Ghi lý do hủy.")),
                                                     Length(max=500, message=_l("Tối đa 500 ký tự."))])


class PartyFilterForm(FilterForm):
    """The unit list's filters (GET): the year, which step, worker members only."""
    year = SelectField(_l("Năm"))
    step = SelectField(_l("Danh sách"), choices=choices([("outstanding", _l("Đoàn viên ưu tú")),
                                                       ("introduced", _l("Đã giới thiệu kết nạp Đảng")),
                                                       ("admitted", _l("Đã kết nạp Đảng"))]))
    workers = BooleanField(_l("Chỉ đoàn viên là công nhân"))

    @classmethod
    def bind(cls, args, year, years):
        form = cls(args)
        form.year.choices = choices([(y, str(y)) for y in years])
        form.year.data = str(year)
        return form
