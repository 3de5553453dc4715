from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from ..extensions import db
from ..forms import Form, VersionedForm, choices
from .models import ROLES, User
from .passwords import password_problem

PHONE_MESSAGE = _l("Số điện thoại gồm 10–11 chữ số, bắt đầu bằng 0.")
CONFIRM_ADMIN = _l("Tôi xác nhận cấp quyền Quản trị: người này sẽ tạo tài khoản và cấp quyền trong đơn vị đã chọn")


class LoginForm(Form):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập."))],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu."))],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Ghi nhớ đăng nhập 30 ngày"))
    next = HiddenField()


class StrongPassword:
    def __init__(self, username_field=None):
        self.username_field = username_field

    def __call__(self, form, field):
        username = form[self.username_field].data if self.username_field else getattr(form, "_username", "")
        problem = password_problem(field.data or "", username or "")
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(Form):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu hiện tại."))],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu mới.")), StrongPassword()],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[EqualTo("new", message=_l("Hai mật khẩu không khớp."))],
                            render_kw={"autocomplete": "new-password"})


class UserForm(VersionedForm):
    needs_admin_confirmation = False
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")), Length(min=3, max=64, message=_l("Từ 3 đến 64 ký tự.")),
                    Regexp(r"^[a-z0-9._-]+$", message=_l("Chỉ gồm chữ thường không dấu, số, dấu chấm, gạch ngang."))],
        render_kw={"autocapitalize": "none", "autocomplete": "off"},
    )
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Vui lòng nhập họ và tên.")), Length(max=200)])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Regexp(r"^0\d{9,10}$", message=PHONE_MESSAGE)],
                        render_kw={"inputmode": "tel"})
    password = PasswordField(_l("Mật khẩu ban đầu"),
                             validators=[DataRequired(_l("Vui lòng đặt mật khẩu.")), StrongPassword("username")],
                             render_kw={"autocomplete": "new-password"})
    unit_id = SelectField(_l("Đơn vị"), coerce=int, validate_choice=False)
    role = SelectField(_l("Vai trò"), choices=choices(ROLES.items()), default="viewer")
    confirm_admin = BooleanField(CONFIRM_ADMIN)

    def validate_role(self, field):
        admin_needs_confirmation(self)

    def validate_username(self, field):
        if db.session.scalar(select(User.id).where(User.username == (field.data or "").strip().lower())):
            raise ValidationError(_l("Tên đăng nhập này đã có người dùng."))


class EditUserForm(VersionedForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Vui lòng nhập họ và tên.")), Length(max=200)])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Regexp(r"^0\d{9,10}$", message=PHONE_MESSAGE)],
                        render_kw={"inputmode": "tel"})


class GrantForm(Form):
    needs_admin_confirmation = False
    unit_id = SelectField(_l("Đơn vị"), coerce=int, validate_choice=False)
    role = SelectField(_l("Vai trò"), choices=choices(ROLES.items()), default="viewer")
    confirm_admin = BooleanField(CONFIRM_ADMIN)

    def validate_role(self, field):
        admin_needs_confirmation(self)


def admin_needs_confirmation(form):
    """An admin grant is never given by a form saved untouched: it takes a ticked confirmation."""
    if form.role.data == "admin" and not form.confirm_admin.data:
        form.needs_admin_confirmation = True
        raise ValidationError(_l("Vai trò Quản trị cho phép tạo tài khoản và cấp quyền. Đánh dấu ô xác nhận bên dưới "
                                 "rồi bấm lưu lần nữa, hoặc chọn vai trò khác."))


class ResetPasswordForm(Form):
    password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(_l("Vui lòng đặt mật khẩu.")), StrongPassword()],
                             render_kw={"autocomplete": "new-password"})
