"""Forms of the members' evaluation: start (the year, hidden), the steps (the evaluation's version), return (a reason),
and one member's grade (one small form per row of the branch's page, prefixed `g<id>-` so the ids stay unique)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from ...forms import Form, VersionedForm, choices, int_or_none
from ...text import nfc
from ..queries import evaluation as q


class StartForm(Form):
    year = IntegerField(widget=HiddenField.widget, validators=[InputRequired(_l("Thiếu năm đánh giá.")),
                                                               NumberRange(2000, 2199, message=_l("Năm không hợp lệ."))])


class StepForm(VersionedForm):
    """A button that moves the evaluation on (accept all, submit, approve): the version it was shown at."""


class ReturnForm(VersionedForm):
    reason = TextAreaField(_l("Lý do trả lại"), validators=[
        DataRequired(_l("Trả lại cần ghi lý do để chi đoàn sửa.")),
        Length(max=q.REASON_MAX, message=_l("Tối đa 500 ký tự."))], render_kw={"rows": 2, "maxlength": q.REASON_MAX})


class GradeForm(VersionedForm):
    grade = SelectField(_l("Xếp loại"), coerce=int_or_none, validate_choice=False)
    reason = StringField(_l("Lý do (khi khác đề xuất)"), render_kw={"maxlength": q.REASON_MAX})
    outstanding = BooleanField(_l("Đoàn viên ưu tú"))

    def __init__(self, *args, member_grade=None, grades=(), **kwargs):
        kwargs.setdefault("prefix", f"g{member_grade.id}" if member_grade is not None else "")
        super().__init__(*args, **kwargs)
        self.member_grade, self.grades = member_grade, list(grades)
        self.grade.choices = choices([(g.id, g.name) for g in self.grades])

    def chosen(self):
        return next((g for g in self.grades if g.id == self.grade.data), None)

    def clean_reason(self):
        return nfc((self.reason.data or "").strip()) or None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not ok:
            return False
        problem = q.grade_problem(self.member_grade, self.chosen(), self.clean_reason(), bool(self.outstanding.data),
                                  self.grades)
        if problem:
            self[problem[0]].errors = [*self[problem[0]].errors, problem[1]]
            return False
        return True

    def validate_grade(self, field):
        if self.chosen() is None:
            raise ValidationError(_l("Chọn một xếp loại đang dùng."))
