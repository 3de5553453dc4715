"""The forms of the restructuring: one per operation, each with the decision, the effective date and a note, and the
hidden fields of the confirm step (the preview's fingerprint, the form token that makes a double tap one operation).
The preview page carries every field back as hidden inputs; the confirm POST is the same form, sent again."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..forms import Form, MultiCheckboxField, VNDateField, choices, not_in_future
from ..units.models import CHILD_LEVELS, KINDS

CODE = Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang."))


def _name_field(label):
    return StringField(label, validators=[Optional(), Length(max=200, message=_l("Tên quá dài (tối đa 200 ký tự)."))])


def _code_field(label):
    return StringField(label, validators=[Optional(), Length(max=40, message=_l("Mã quá dài (tối đa 40 ký tự).")),
                                          CODE])


class OperationForm(Form):
    """What every operation asks: the decision, its effective date, a note; and the confirm step's hidden fields."""

    decision = StringField(_l("Số quyết định / nghị quyết"), validators=[
        DataRequired(_l("Vui lòng nhập số quyết định.")),
        Length(max=120, message=_l("Số quyết định quá dài (tối đa 120 ký tự)."))])
    effective_on = VNDateField(_l("Ngày hiệu lực"), validators=[DataRequired(_l("Vui lòng nhập ngày hiệu lực.")),
                                                                 not_in_future])
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=500, message=_l("Ghi chú quá dài."))])
    fingerprint = HiddenField()
    form_token = HiddenField()

    # fields the preview page does not carry back as hidden inputs (it renders them itself)
    OWN = ("csrf_token", "fingerprint", "form_token")

    def common(self):
        return {"decision": self.decision.data.strip(), "effective_on": self.effective_on.data,
                "note": (self.note.data or "").strip()}


def _unit_choices(units):
    return choices([(u.id, f"{u.name} ({u.code})") for u in units])


def _kind_choices(levels):
    pairs = [("", _l("— như các đơn vị bị sáp nhập —"))]
    for level in levels:
        pairs += [(k, label) for k, label in KINDS.get(level, {}).items() if k not in {p[0] for p in pairs}]
    return choices(pairs)


class MergeForm(OperationForm):
    sources = MultiCheckboxField(_l("Các đơn vị sáp nhập"), coerce=int)
    target = RadioField(_l("Sáp nhập vào"), default="new", validate_choice=False)
    new_name = _name_field(_l("Tên đơn vị mới"))
    new_code = _code_field(_l("Mã đơn vị mới"))
    new_kind = SelectField(_l("Loại đơn vị mới"), default="")
    rename = BooleanField(_l("Thêm mã, tên đơn vị cũ khi trùng mã hoặc tên"))

    def __init__(self, *args, unit, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit, self.children = unit, children
        self.sources.choices = _unit_choices(children)
        self.target.choices = choices([("new", _l("Một đơn vị mới (nhập tên, mã bên dưới)"))]
                                      + [(str(c.id), c.name) for c in children])
        self.new_kind.choices = _kind_choices(CHILD_LEVELS.get(unit.level, ()))

    def validate_sources(self, field):
        need = 2 if self.target.data == "new" else 1
        if len(field.data or []) < need:
            raise ValidationError(_l("Chọn ít nhất hai đơn vị để sáp nhập (hoặc một đơn vị vào một đơn vị có sẵn)."))

    def validate_target(self, field):
        if field.data != "new" and field.data not in {str(c.id) for c in self.children}:
            raise ValidationError(_l("Chọn đơn vị nhận trong danh sách."))
        if field.data != "new" and int(field.data) in (self.sources.data or []):
            raise ValidationError(_l("Đơn vị nhận không được nằm trong các đơn vị bị sáp nhập."))

    def validate_new_name(self, field):
        if self.target.data == "new" and not (field.data or "").strip():
            raise ValidationError(_l("Vui lòng nhập tên đơn vị mới."))

    def validate_new_code(self, field):
        if self.target.data == "new" and not (field.data or "").strip():
            raise ValidationError(_l("Vui lòng nhập mã đơn vị mới."))

    def params(self):
        new = None
        if self.target.data == "new":
            new = {"parent_id": self.unit.id, "name": self.new_name.data.strip(), "code": self.new_code.data.strip(),
                   "kind": self.new_kind.data or None}
        return {"sources": list(self.sources.data), "target": None if new else int(self.target.data), "new": new,
                "rename": bool(self.rename.data)}


class SplitForm(OperationForm):
    name = StringField(_l("Tên đơn vị mới"), validators=[
        DataRequired(_l("Vui lòng nhập tên đơn vị mới.")), Length(max=200, message=_l("Tên quá dài (tối đa 200 ký tự)."))])
    code = StringField(_l("Mã đơn vị mới"), validators=[
        DataRequired(_l("Vui lòng nhập mã đơn vị mới.")), Length(max=40, message=_l("Mã quá dài (tối đa 40 ký tự).")),
        CODE])
    children = MultiCheckboxField(_l("Đơn vị trực thuộc chuyển sang đơn vị mới"), coerce=int)
    people = MultiCheckboxField(_l("Người chuyển sang đơn vị mới"), coerce=int)

    def __init__(self, *args, unit, children, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.children.choices = _unit_choices(children)
        self.people.choices = choices([(p.id, p.full_name) for p in people])

    def validate_children(self, field):
        if not field.data and not self.people.data:
            raise ValidationError(_l("Chọn đơn vị trực thuộc hoặc người chuyển sang đơn vị mới."))

    def params(self):
        return {"unit": self.unit.id, "name": self.name.data.strip(), "code": self.code.data.strip(),
                "children": list(self.children.data or []), "people": list(self.people.data or [])}


class MoveForm(OperationForm):
    parent = SelectField(_l("Đơn vị cấp trên mới"), coerce=int,
                         validators=[DataRequired(_l("Vui lòng chọn đơn vị cấp trên mới."))])
    rename = BooleanField(_l("Thêm mã, tên đơn vị cũ khi trùng mã hoặc tên"))

    def __init__(self, *args, unit, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.parent.choices = choices([(0, _l("— chọn —"))] + [(u.id, f"{u.name} ({u.level_label})")
                                                                 for u in parents])

    def params(self):
        return {"unit": self.unit.id, "parent": self.parent.data, "rename": bool(self.rename.data)}


class DissolveForm(OperationForm):
    units = MultiCheckboxField(_l("Các đơn vị giải thể"), coerce=int)
    rename = BooleanField(_l("Thêm mã, tên đơn vị cũ khi trùng mã hoặc tên"))

    def __init__(self, *args, unit, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.units.choices = _unit_choices(children)

    def validate_units(self, field):
        if not field.data:
            raise ValidationError(_l("Chọn ít nhất một đơn vị để giải thể."))

    def params(self):
        return {"units": list(self.units.data), "rename": bool(self.rename.data)}


class UndoForm(Form):
    fingerprint = HiddenField()
    form_token = HiddenField()
