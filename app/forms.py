"""Form pieces every domain shares: a date field that reads dd/mm/yyyy, Vietnamese messages."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, IntegerField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import TextInput

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2199, 12, 31)


def parse_date(text):
    """dd/mm/yyyy (or ISO from a date picker) → date; None if blank; ValueError if not a real date.

    Years outside 1900–2199 are not dates anyone here records: refused like a typo, so 01/01/0001 or 31/12/9999
    never reach date arithmetic (a day more overflows) or the database."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            value = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not DATE_MIN <= value <= DATE_MAX:
            raise ValueError(text)
        return value
    raise ValueError(text)


class VNDateField(Field):
    """A text field for dates typed as dd/mm/yyyy, so cheap phones and paper records agree."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "placeholder": "dd/mm/yyyy", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%d/%m/%Y") if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_date(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(_l("Ngày không hợp lệ — nhập theo dạng ngày/tháng/năm, ví dụ 05/03/2004."))

    def validate(self, form, extra_validators=()):
        # A date that could not be read says so, instead of DataRequired's "please enter" replacing the message.
        if self.process_errors:
            self.errors = list(self.process_errors)
            return False
        return super().validate(form, extra_validators)


class VersionedForm(FlaskForm):
    """Carries the record's version so two people editing the same record cannot overwrite each other."""

    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


def not_in_future(form, field):
    if field.data and field.data > date.today():
        raise ValidationError(_l("Ngày không được ở tương lai."))


def choices(pairs, optgroup=None):
    """[(value, label)] → WTForms SelectChoice list (tuples are deprecated in WTForms 3.3)."""
    from wtforms.fields.choices import SelectChoice

    # Labels stay lazy (translated when rendered): a form class defined at import time still follows the locale.
    return [SelectChoice(str(v) if not isinstance(v, int) else v, label, optgroup=optgroup) for v, label in pairs]
