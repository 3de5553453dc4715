"""The level above's decision on one unit's grade."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, ValidationError

from ...forms import VersionedForm, choices, int_or_none

WHY_MAX = 500


class DecideForm(VersionedForm):
    grade = SelectField(_l("Xếp loại"), coerce=int_or_none, validate_choice=False)
    reason = TextAreaField(_l("Lý do"), validators=[Length(max=WHY_MAX, message=_l("Tối đa 500 ký tự."))],
                           render_kw={"rows": 2, "maxlength": WHY_MAX})

    def __init__(self, *args, grades=(), proposed_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.grades = {g.id: g for g in grades}
        self.proposed_id = proposed_id
        self.grade.choices = choices([(g.id, g.name) for g in grades])

    def validate_grade(self, field):
        if field.data not in self.grades:
            raise ValidationError(_l("Vui lòng chọn một xếp loại."))

    def validate_reason(self, field):
        if self.grade.data in self.grades and self.grade.data != self.proposed_id and not (field.data or "").strip():
            raise ValidationError(_l("Xếp loại khác đề xuất: vui lòng ghi lý do."))

    @property
    def chosen(self):
        return self.grades.get(self.grade.data)
