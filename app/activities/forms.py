from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..forms import VersionedForm, VNDateField, choices, not_in_future
from .models import KINDS


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ActivityForm(VersionedForm):
    unit_id = SelectField(_l("Đơn vị tổ chức"), coerce=_int_or_none, validate_choice=False)
    held_on = VNDateField(_l("Ngày sinh hoạt"), validators=[InputRequired(_l("Vui lòng nhập ngày sinh hoạt.")), not_in_future])
    kind = SelectField(_l("Loại hình"), choices=choices(KINDS.items()), default="regular",
                       validators=[DataRequired(_l("Vui lòng chọn loại hình."))])
    title = StringField(_l("Nội dung"), validators=[DataRequired(_l("Vui lòng nhập nội dung buổi sinh hoạt.")),
                                                   Length(max=200, message=_l("Nội dung quá dài (tối đa 200 ký tự)."))])
    notes = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000, message=_l("Ghi chú quá dài (tối đa 2.000 ký tự)."))])
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
