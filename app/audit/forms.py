"""The audit log's filters (GET). The route reads the same arguments and says which dates it could not read."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField

from ..forms import FilterForm, choices
from .labels import OBJECTS

_DATE = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}


class AuditFilterForm(FilterForm):
    date_from = StringField(_l("Từ ngày"), name="from", render_kw=_DATE)
    date_to = StringField(_l("Đến ngày"), name="to", render_kw=_DATE)
    user = StringField(_l("Người thực hiện"))
    object = SelectField(_l("Loại hồ sơ"))
    logins = BooleanField(_l("Kể cả các lần đăng nhập"), render_kw={"value": "1"})
    id = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.object.choices = choices([("", _l("Tất cả")), *OBJECTS.items()])
