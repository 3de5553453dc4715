from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..forms import VersionedForm, VNDateField, choices, not_in_future
from .models import CHILD_LEVELS, KINDS, LEVELS, ORG_TYPES
from .queries import sibling_code_taken, sibling_name_taken


class UnitForm(VersionedForm):
    official_code = SelectField(_l("Chọn từ danh mục xã/phường chính thức"), choices=[], validate_choice=False)
    name = StringField(
        _l("Tên đơn vị"),
        validators=[DataRequired(_l("Vui lòng nhập tên đơn vị.")),
                    Length(max=200, message=_l("Tên quá dài (tối đa 200 ký tự)."))],
    )
    code = StringField(
        _l("Mã đơn vị"),
        validators=[
            DataRequired(_l("Vui lòng nhập mã đơn vị.")),
            Length(max=40, message=_l("Mã quá dài (tối đa 40 ký tự).")),
            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang.")),
        ],
    )
    level_kind = SelectField(_l("Loại đơn vị"), validate_choice=False)
    org_type = RadioField(_l("Chi đoàn hay chi hội"), choices=choices(ORG_TYPES.items()), default="union",
                          validators=[Optional()])
    founded_on = VNDateField(_l("Ngày thành lập"), validators=[Optional(), not_in_future])

    def __init__(self, *args, parent=None, unit=None, official=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.parent, self.unit = parent, unit
        levels = (unit.level,) if unit else CHILD_LEVELS.get(parent.level, ())
        self.level_kind.choices = [
            c for lv in levels
            for c in choices(((f"{lv}:{k}", label) for k, label in KINDS[lv].items()), optgroup=str(LEVELS[lv]))
        ]
        self.official = dict(official)
        self.official_code.choices = choices([("", _l("— không chọn —"))] + list(official))
        if unit and not self.is_submitted():
            self.level_kind.data = f"{unit.level}:{unit.kind}"

    def validate(self, extra_validators=None):
        # Picking an official commune fills the name and code the officer left blank.
        if self.official_code.data in self.official:
            if not (self.name.data or "").strip():
                self.name.data = self.official[self.official_code.data]
            if not (self.code.data or "").strip():
                self.code.data = self.official_code.data
        return super().validate(extra_validators)

    @property
    def level(self):
        return (self.level_kind.data or ":").split(":", 1)[0]

    @property
    def kind(self):
        return (self.level_kind.data or ":").split(":", 1)[1]

    def validate_level_kind(self, field):
        level, _, kind = (field.data or "").partition(":")
        allowed = (self.unit.level,) if self.unit else CHILD_LEVELS.get(self.parent.level, ())
        if level not in allowed or kind not in KINDS.get(level, {}):
            raise ValidationError(_l("Vui lòng chọn loại đơn vị phù hợp với cấp trên."))

    def validate_official_code(self, field):
        if field.data and field.data not in self.official:
            raise ValidationError(_l("Mã xã/phường không có trong danh mục của tỉnh."))

    def validate_name(self, field):
        parent_id = self.unit.parent_id if self.unit else self.parent.id
        if field.data and sibling_name_taken(parent_id, field.data, exclude_id=self.unit.id if self.unit else None):
            raise ValidationError(_l("Đã có một đơn vị cùng tên dưới cùng cấp trên — hãy đặt tên khác để khỏi nhầm."))

    def validate_code(self, field):
        parent_id = self.unit.parent_id if self.unit else self.parent.id
        if field.data and sibling_code_taken(parent_id, field.data.strip(), exclude_id=self.unit.id if self.unit else None):
            raise ValidationError(_l("Mã này đã được dùng cho một đơn vị khác cùng cấp trên."))


class CloseUnitForm(VersionedForm):
    closed_on = VNDateField(_l("Ngày giải thể"), validators=[DataRequired(_l("Vui lòng nhập ngày giải thể.")), not_in_future])
    reason = TextAreaField(_l("Lý do"), validators=[DataRequired(_l("Vui lòng ghi lý do.")), Length(max=500)])
