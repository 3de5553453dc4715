"""Password rules: at least 10 characters, letters and digits, not a common or leaked password (nor one with only
digits or symbols added around it), not the demo password outside the demo."""
import re
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _

MIN_LENGTH = 10
DEMO_PASSWORD = "sodoan-2026"
DATA = Path(__file__).parent / "data" / "common-passwords.txt"
_AROUND = re.compile(r"^[\d\W_]+|[\d\W_]+$")


@lru_cache(maxsize=1)
def common_passwords():
    """~5,100 common and leaked passwords (lower case): the top of zxcvbn's list plus Vietnamese ones."""
    return frozenset(line.strip() for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip())


def is_common(password):
    low = (password or "").lower()
    base = _AROUND.sub("", low)  # "password2026!", "123dragon123" are a listed word with digits around it
    common = common_passwords()
    return low in common or base in common or len(set(low)) < 4


def demo_allowed():
    return has_app_context() and current_app.config.get("APP_ENV") in ("development", "testing", "demo")


def password_problem(password, username=""):
    """A Vietnamese sentence saying why the password is weak, or None."""
    if len(password or "") < MIN_LENGTH:
        return _("Mật khẩu cần ít nhất %(n)s ký tự.", n=MIN_LENGTH)
    if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
        return _("Mật khẩu cần có cả chữ và số.")
    if is_common(password):
        return _("Mật khẩu quá dễ đoán, hãy chọn mật khẩu khác.")
    if password == DEMO_PASSWORD and not demo_allowed():
        return _("Đây là mật khẩu của bản chạy thử, ai cũng biết: hãy chọn mật khẩu khác.")
    if username and username.lower() in password.lower():
        return _("Mật khẩu không được chứa tên đăng nhập.")
    return None
