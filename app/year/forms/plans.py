"""The consolidation plan's forms: the plan, a weak unit on it with its causes, a measure."""
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ...forms import Form, MultiCheckboxField, VersionedForm, VNDateField, choices, int_or_none
from ..models import WEAK_FLAGS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PlanForm(VersionedForm):
    title = StringField(_l("Tên kế hoạch"), filters=[_strip], validators=[
        DataRequired(_l("Vui lòng nhập tên kế hoạch.")), Length(max=300, message=_l("Tối đa 300 ký tự."))])
    doc_number = StringField(_l("Số, ký hiệu văn bản"), filters=[_strip], render_kw={"placeholder": "15-KH/HĐTN"},
                             validators=[Optional(), Length(max=60, message=_l("Tối đa 60 ký tự."))])


def _causes_field(label):
    return MultiCheckboxField(label, choices=choices(WEAK_FLAGS.items()))


def _note_field():
    return TextAreaField(_l("Nguyên nhân khác"), filters=[_strip], render_kw={"rows": 2},
                         validators=[Optional(), Length(max=2000, message=_l("Tối đa 2.000 ký tự."))])


class EntryForm(Form):
    """A weak unit on the plan. Causes left unticked: those the records raised for the unit."""
    unit = SelectField(_l("Đơn vị yếu kém"), coerce=int_or_none, validate_choice=False)
    causes = _causes_field(_l("Nguyên nhân (để trống: theo sổ)"))
    cause_note = _note_field()

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = {u.id: u for u, _g in candidates}
        self.unit.choices = choices([(u.id, u.name) for u, _g in candidates])

    def validate_unit(self, field):
        if field.data not in self.allowed:
            raise ValidationError(_l("Chọn một đơn vị yếu kém chưa có trong kế hoạch."))

    @property
    def chosen(self):
        return self.allowed.get(self.unit.data)


class CausesForm(VersionedForm):
    causes = _causes_field(_l("Nguyên nhân"))
    cause_note = _note_field()

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not self.causes.data and not self.cause_note.data:
            self.cause_note.errors = [_l("Chọn ít nhất một nguyên nhân hoặc ghi nguyên nhân khác.")]
            return False
        return ok


class MeasureForm(Form):
    remedy = TextAreaField(_l("Biện pháp củng cố"), filters=[_strip], render_kw={"rows": 2}, validators=[
        DataRequired(_l("Vui lòng nhập biện pháp.")), Length(max=2000, message=_l("Tối đa 2.000 ký tự."))])
    responsible = StringField(_l("Người, bộ phận chịu trách nhiệm"), filters=[_strip],
                              render_kw={"placeholder": _l("Ví dụ: Bí thư Đoàn xã")}, validators=[
        DataRequired(_l("Vui lòng nhập người chịu trách nhiệm.")), Length(max=200, message=_l("Tối đa 200 ký tự."))])
    due_on = VNDateField(_l("Thời hạn"), validators=[InputRequired(_l("Vui lòng nhập thời hạn."))])
    owner = SelectField(_l("Đơn vị thực hiện"), coerce=int_or_none, validate_choice=False)
    form_token = HiddenField()

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = {u.id: u for u in owners}
        self.owner.choices = choices([(u.id, u.name) for u in owners])

    def validate_owner(self, field):
        if field.data not in self.owners:
            raise ValidationError(_l("Chọn đơn vị yếu kém hoặc một đơn vị trực thuộc của nó."))

    def validate_due_on(self, field):
        if field.data and field.data < date.today():
            raise ValidationError(_l("Thời hạn không được ở quá khứ."))

    @property
    def chosen(self):
        return self.owners.get(self.owner.data)
