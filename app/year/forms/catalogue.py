"""Forms of the grades' catalogue: add a grade, rename one (prefixed `r<id>-`, one per row), retire or bring back, and
the rules' numbers (one plain form, a field per number: `rule-<code>`, with the number and the version it was shown
at: `o-<code>`, `v-<code>`; only the numbers changed from what was shown are written)."""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ...forms import Form, VersionedForm, choices
from ..models import GRADE_KINDS

NAME_MAX = 120
NUMBER = re.compile(r"^\d{1,4}([.,]\d{1,2})?$")


class GradeNameForm(VersionedForm):
    name = StringField(_l("Tên xếp loại"), validators=[DataRequired(_l("Nhập tên xếp loại.")),
                                                      Length(max=NAME_MAX, message=_l("Tối đa 120 ký tự."))],
                       render_kw={"maxlength": NAME_MAX})


class GradeAddForm(Form):
    kind = SelectField(_l("Dùng cho"), choices=choices(GRADE_KINDS.items()))
    name = StringField(_l("Tên xếp loại"), validators=[DataRequired(_l("Nhập tên xếp loại.")),
                                                      Length(max=NAME_MAX, message=_l("Tối đa 120 ký tự."))],
                       render_kw={"maxlength": NAME_MAX})
    rank = IntegerField(_l("Thứ bậc (1 là cao nhất)"), validators=[
        InputRequired(_l("Nhập thứ bậc.")), NumberRange(1, 99, message=_l("Thứ bậc từ 1 đến 99."))],
        render_kw={"inputmode": "numeric"})


class ToggleForm(VersionedForm):
    """Retire a grade or bring it back: the version it was shown at."""


def _bounds(code):
    """(the largest value, whole numbers only) of a rule's number."""
    if code.endswith(("attendance", "share")):
        return 100, False
    if code.endswith(("dues", "months")):
        return 12, True
    return 100, True


def read_rules(formdata, lines):
    """The rules' form → (values {code: float} of the numbers changed from what the page showed, versions {code: int},
    typed {code: str}, errors {code: message}). `lines`: queries.catalogue.rule_lines. A blank field keeps the number
    in force."""
    values, versions, typed, errors = {}, {}, {}, {}
    for code, _label, _current, _default, _version in lines:
        typed[code] = (formdata.get(f"rule-{code}") or "").strip()[:40]
        raw = typed[code].replace(" ", "")
        shown = (formdata.get(f"v-{code}") or "").strip()
        versions[code] = int(shown) if shown.isdigit() and len(shown) < 10 else 0
        if not raw:
            continue
        top, whole = _bounds(code)
        if not NUMBER.match(raw) or (whole and not raw.isdigit()):
            errors[code] = _("Nhập một số nguyên từ 0 đến %(n)s.", n=top) if whole else \
                _("Nhập một số từ 0 đến %(n)s.", n=top)
            continue
        value = float(raw.replace(",", "."))
        if value > top:
            errors[code] = _("Không được lớn hơn %(n)s.", n=top)
            continue
        if value != _float(formdata.get(f"o-{code}")):
            values[code] = value
    return values, versions, typed, errors


def _float(raw):
    try:
        return float((raw or "").replace(",", "."))
    except ValueError:
        return None
