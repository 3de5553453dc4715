import re

from flask_babel import gettext as _

COMMON = {"password", "matkhau", "12345678", "123456789", "1234567890", "qwerty123", "abc123456", "admin123",
          "doanthanhnien", "111111111", "password1", "iloveyou"}
MIN_LENGTH = 10


def password_problem(password, username=""):
    """A Vietnamese sentence saying why the password is weak, or None."""
    if len(password or "") < MIN_LENGTH:
        return _("Mật khẩu cần ít nhất %(n)s ký tự.", n=MIN_LENGTH)
    if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
        return _("Mật khẩu cần có cả chữ và số.")
    low = password.lower()
    if low in COMMON or len(set(low)) < 4:
        return _("Mật khẩu quá dễ đoán, hãy chọn mật khẩu khác.")
    if username and username.lower() in low:
        return _("Mật khẩu không được chứa tên đăng nhập.")
    return None
