"""Forms of the targets. The registration form has one row per indicator (fields named by the indicator's id:
`value_<id>`, `why_<id>`, and the version the row was shown at: `n_<id>` its number, `v_<id>` its version), read
by `read_rows`; the split form has one value per child (`child_<id>`, `cv_<id>`), read by `read_split`. The
approver's decision is a WTForms form."""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import Form, MultiCheckboxField, VersionedForm, choices
from ..text import nfc
from ..units.models import LEVELS
from . import actuals
from .models import KINDS

WHY_MAX = 500
NUMBER = re.compile(r"^\d{1,9}([.,]\d{1,2})?$")


def parse_number(raw, kind):
    """What was typed → (value, error). Blank → (None, None). Counts are whole numbers; a share is 0–100 with up to
    two decimals (a comma or a dot)."""
    raw = (raw or "").strip().replace(" ", "")
    if not raw:
        return None, None
    if raw.startswith("-"):
        return None, _("Chỉ tiêu không được âm.")
    if kind == "count" and not raw.isdigit():
        return None, _("Nhập một số nguyên từ 0 trở lên.")
    if not NUMBER.match(raw):
        return None, _("Nhập một số từ 0 trở lên.")
    value = float(raw.replace(",", "."))
    if kind == "percent" and value > 100:
        return None, _("Tỷ lệ không được lớn hơn 100%.")
    if kind == "count" and value > 1_000_000:
        return None, _("Số quá lớn.")
    return value, None


def _int(raw):
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def read_rows(form, indicators, submitting):
    """The registration form → (rows, typed, errors).

    rows: [{indicator, value, justification, number, version}] for every indicator given a value (a blank row is
    left alone); typed: {indicator id: {"value": …, "why": …}} as typed; errors: {indicator id: {field: message}}.
    Submitting needs a justification on every row it sends."""
    rows, typed, errors = [], {}, {}
    for ind in indicators:
        raw_value, raw_why = form.get(f"value_{ind.id}", ""), form.get(f"why_{ind.id}", "")
        typed[ind.id] = {"value": raw_value, "why": raw_why}
        value, err = parse_number(raw_value, ind.kind)
        why = nfc(raw_why.strip()) or None
        errs = {}
        if err:
            errs["value"] = err
        if why and len(why) > WHY_MAX:
            errs["why"] = _("Tối đa %(n)s ký tự.", n=WHY_MAX)
        if value is None and not err:
            if why:
                errs["value"] = _("Nhập chỉ tiêu, hoặc xóa phần giải thích.")
        elif submitting and not why and not err:
            errs["why"] = _("Gửi duyệt cần một lời giải thích ngắn: căn cứ nào để đặt chỉ tiêu này?")
        if errs:
            errors[ind.id] = errs
        elif value is not None:
            rows.append({"indicator": ind, "value": value, "justification": why,
                         "number": _int(form.get(f"n_{ind.id}")), "version": _int(form.get(f"v_{ind.id}"))})
    return rows, typed, errors


def read_split(form, children, kind):
    """The split form → (values {child id: value}, versions {child id: version or None}, typed, errors)."""
    values, versions, typed, errors = {}, {}, {}, {}
    for child in children:
        raw = form.get(f"child_{child.id}", "")
        typed[child.id] = raw
        value, err = parse_number(raw, kind)
        if err:
            errors[child.id] = err
        elif value is not None:
            values[child.id] = value
            versions[child.id] = _int(form.get(f"cv_{child.id}"))
    return values, versions, typed, errors


DECISIONS = {"approve": _l("Duyệt"), "return": _l("Trả lại")}


class DecisionForm(VersionedForm):
    """The approver's decision on one submitted target: approve, or return with a reason (a flagged target needs a
    reason to be approved too)."""

    decision = HiddenField()  # the button pressed: "Duyệt" or "Trả lại"
    reason = TextAreaField(_l("Lý do"), validators=[Length(max=WHY_MAX, message=_l("Tối đa 500 ký tự."))],
                           render_kw={"rows": 2, "maxlength": WHY_MAX})
    back = HiddenField()

    def __init__(self, *args, flagged=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.flagged = flagged

    def validate_decision(self, field):
        if field.data not in DECISIONS:
            raise ValidationError(_l("Chọn duyệt hoặc trả lại."))

    def validate_reason(self, field):
        text = (field.data or "").strip()
        if text:
            return
        if self.decision.data == "return":
            raise ValidationError(_l("Trả lại cần ghi lý do để đơn vị sửa."))
        if self.decision.data == "approve" and self.flagged:
            raise ValidationError(_l("Chỉ tiêu này vượt mức hợp lý theo số liệu: ghi lý do vì sao vẫn duyệt."))


# ---- the indicator catalogue -----------------------------------------------------------------------------------------
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
REGISTERING_LEVELS = ("province", "district", "commune")


class IndicatorForm(Form):
    code = StringField(_l("Mã chỉ tiêu"), validators=[DataRequired(_l("Nhập mã chỉ tiêu.")), Length(max=40)])
    name = StringField(_l("Tên chỉ tiêu"), validators=[DataRequired(_l("Nhập tên chỉ tiêu.")), Length(max=200)])
    count_unit = StringField(_l("Đơn vị tính"), validators=[DataRequired(_l("Nhập đơn vị tính (người, chi đoàn, %…).")),
                                                            Length(max=40)])
    kind = SelectField(_l("Loại"), choices=choices(KINDS.items()))
    levels = MultiCheckboxField(_l("Cấp đăng ký"), choices=choices((k, LEVELS[k]) for k in REGISTERING_LEVELS))
    actual = SelectField(_l("Cách tính kết quả từ dữ liệu"), choices=choices((k, a.label) for k, a in actuals.ACTUALS.items()))
    seed_hint = StringField(_l("Yêu cầu của cấp trên (không bắt buộc)"), validators=[Optional(), Length(max=200)])

    def validate_code(self, field):
        field.data = (field.data or "").strip().lower()
        if not CODE_RE.match(field.data):
            raise ValidationError(_("Mã gồm chữ thường không dấu, số và dấu gạch dưới, bắt đầu bằng một chữ."))

    def validate_levels(self, field):
        if not field.data:
            raise ValidationError(_("Chọn ít nhất một cấp."))
        actual = actuals.ACTUALS.get(self.actual.data)
        if actual is not None and not set(field.data) <= set(actual.levels):
            raise ValidationError(_("Cách tính này không dùng cho cấp: %(levels)s.", levels=", ".join(
                str(LEVELS[x]) for x in field.data if x not in actual.levels)))

    def validate_kind(self, field):
        actual = actuals.ACTUALS.get(self.actual.data)
        if actual is not None and actual.kind != field.data:
            raise ValidationError(_("Cách tính đã chọn cho kết quả là: %(kind)s.", kind=KINDS[actual.kind]))


class RetireForm(VersionedForm):
    pass
