"""Form pieces every domain shares: a date field that reads dd/mm/yyyy, Vietnamese messages."""
from datetime import date, datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, IntegerField, SelectMultipleField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

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
            raise ValueError(_l("Ngày không hợp lệ — nhập theo dạng ngày/tháng/năm, ví dụ 05/03/2004.")) from None

    def validate(self, form, extra_validators=()):
        # A date that could not be read says so, instead of DataRequired's "please enter" replacing the message.
        if self.process_errors:
            self.errors = list(self.process_errors)
            return False
        return super().validate(form, extra_validators)


def N_(text):
    """Marks a message for the catalogue without translating it yet."""
    return text


# WTForms' own messages (a validator without a message of ours, a bad choice, a CSRF failure) → the Vietnamese
# message of our catalogue; the English catalogue translates each back. WTForms ships no Vietnamese.
WTFORMS_MESSAGES = {
    "Invalid field name '%s'.": N_("Tên ô không hợp lệ: '%s'."),
    "Field must be equal to %(other_name)s.": N_("Ô này phải giống ô %(other_name)s."),
    "Field must be at least %(min)d character long.": N_("Cần ít nhất %(min)d ký tự."),
    "Field must be at least %(min)d characters long.": N_("Cần ít nhất %(min)d ký tự."),
    "Field cannot be longer than %(max)d character.": N_("Không được dài quá %(max)d ký tự."),
    "Field cannot be longer than %(max)d characters.": N_("Không được dài quá %(max)d ký tự."),
    "Field must be exactly %(max)d character long.": N_("Phải có đúng %(max)d ký tự."),
    "Field must be exactly %(max)d characters long.": N_("Phải có đúng %(max)d ký tự."),
    "Field must be between %(min)d and %(max)d characters long.": N_("Độ dài phải từ %(min)d đến %(max)d ký tự."),
    "Number must be at least %(min)s.": N_("Số phải từ %(min)s trở lên."),
    "Number must be at most %(max)s.": N_("Số không được lớn hơn %(max)s."),
    "Number must be between %(min)s and %(max)s.": N_("Số phải từ %(min)s đến %(max)s."),
    "Date must be at least %(min)s.": N_("Ngày không được trước %(min)s."),
    "Date must be at most %(max)s.": N_("Ngày không được sau %(max)s."),
    "Date must be between %(min)s and %(max)s.": N_("Ngày phải từ %(min)s đến %(max)s."),
    "This field is required.": N_("Vui lòng nhập ô này."),
    "Invalid input.": N_("Giá trị không hợp lệ."),
    "Invalid email address.": N_("Địa chỉ email không hợp lệ."),
    "Invalid IP address.": N_("Địa chỉ IP không hợp lệ."),
    "Invalid Mac address.": N_("Địa chỉ MAC không hợp lệ."),
    "Invalid URL.": N_("Địa chỉ trang web không hợp lệ."),
    "Invalid UUID.": N_("Mã UUID không hợp lệ."),
    "Invalid value, must be one of: %(values)s.": N_("Giá trị không hợp lệ, phải là một trong: %(values)s."),
    "Invalid value, can't be any of: %(values)s.": N_("Giá trị không hợp lệ, không được là: %(values)s."),
    "This field cannot be edited.": N_("Không được sửa ô này."),
    "This field is disabled and cannot have a value.": N_("Ô này đang khóa, không nhận giá trị."),
    "Invalid CSRF Token.": N_("Biểu mẫu không hợp lệ hoặc đã hết hạn — hãy tải lại trang rồi gửi lại."),
    "CSRF token missing.": N_("Biểu mẫu không hợp lệ hoặc đã hết hạn — hãy tải lại trang rồi gửi lại."),
    "CSRF failed.": N_("Biểu mẫu không hợp lệ hoặc đã hết hạn — hãy tải lại trang rồi gửi lại."),
    "CSRF token expired.": N_("Biểu mẫu không hợp lệ hoặc đã hết hạn — hãy tải lại trang rồi gửi lại."),
    "Invalid Choice: could not coerce.": N_("Lựa chọn không hợp lệ."),
    "Choices cannot be None.": N_("Lựa chọn không hợp lệ."),
    "Not a valid choice.": N_("Lựa chọn không hợp lệ."),
    "Invalid choice(s): one or more data inputs could not be coerced.": N_("Lựa chọn không hợp lệ."),
    "'%(value)s' is not a valid choice for this field.": N_("“%(value)s” không phải là lựa chọn hợp lệ."),
    "'%(value)s' are not valid choices for this field.": N_("“%(value)s” không phải là lựa chọn hợp lệ."),
    "Not a valid datetime value.": N_("Ngày giờ không hợp lệ."),
    "Not a valid date value.": N_("Ngày không hợp lệ."),
    "Not a valid time value.": N_("Giờ không hợp lệ."),
    "Not a valid week value.": N_("Tuần không hợp lệ."),
    "Not a valid integer value.": N_("Vui lòng nhập một số nguyên."),
    "Not a valid decimal value.": N_("Vui lòng nhập một số."),
    "Not a valid float value.": N_("Vui lòng nhập một số."),
}


class _WTFormsMessages:
    def gettext(self, string):
        vi = WTFORMS_MESSAGES.get(string)
        return gettext(vi) if vi else string

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


class Form(FlaskForm):
    """Every form of the app: WTForms' own messages in the interface's language (Vietnamese or English)."""

    class Meta:
        def get_translations(self, form):
            return _WTFormsMessages()


class FilterForm(Form):
    """A GET filter form: the route binds it to the query string (`FilterForm(request.args)`) and the template renders
    it with `filter_form` (templates/_macros/ui.html). No CSRF token: a GET changes nothing, its URL is shared."""

    class Meta:
        csrf = False


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (rendered by `checks` in templates/_macros/forms.html: 44 px tap targets)."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        # A ticked item no longer offered (someone changed the list meanwhile), in words, not "'4', '5' is not valid".
        kwargs.setdefault("invalid_choice_message", _l(
            "Một số mục đã chọn không còn trong danh sách (có thể vừa có người thay đổi); hãy xem lại và chọn lại."))
        super().__init__(*args, **kwargs)


class VersionedForm(Form):
    """Carries the record's version so two people editing the same record cannot overwrite each other."""

    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


def int_or_none(value):
    """A select's coerce: the posted id as an int, None when it is not a number (the field's own check refuses it)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def not_in_future(form, field):
    if field.data and field.data > date.today():
        raise ValidationError(_l("Ngày không được ở tương lai."))


def choices(pairs, optgroup=None):
    """[(value, label)] → WTForms SelectChoice list (tuples are deprecated in WTForms 3.3)."""
    from wtforms.fields.choices import SelectChoice

    # Labels stay lazy (translated when rendered): a form class defined at import time still follows the locale.
    return [SelectChoice(str(v) if not isinstance(v, int) else v, label, optgroup=optgroup) for v, label in pairs]
