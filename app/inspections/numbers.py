"""Number answers read and shown the Vietnamese way: "1.234" is one thousand two hundred thirty-four, "6,5" is six
and a half. A count ("number" items: members on the roll, classes held…) is a whole number; a "decimal" item takes a
decimal comma. Nothing else is a number: "1e9", "-3", "12,5" for a count, "inf" and "nan" are refused."""
import re

from flask_babel import gettext as _

MAX = 10**9
_WHOLE = re.compile(r"^(\d{1,3}(\.\d{3})+|\d+)$")  # 12 · 1234 · 1.234 · 1.234.567
_DECIMAL = re.compile(r"^(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")  # the same, with an optional decimal comma: 6,5 · 1.234,75
_DOT_DECIMAL = re.compile(r"^\d+\.(\d{1,2}|\d{4,})$")  # 6.5 typed on a phone's keypad: not a thousands group


def parse_number(raw, whole=True):
    """→ (value, error). `value` is an int for a count, a float for a decimal item; None when blank."""
    text = re.sub(r"[\s\u00a0\u202f]", "", raw or "")
    if not text:
        return None, None
    if whole:
        if not _WHOLE.match(text):
            if re.match(r"^\d[\d.]*,\d+$", text) or _DOT_DECIMAL.match(text):
                return None, _("Mục này đếm số người, số việc: nhập số nguyên, ví dụ 12.")
            return None, _("Vui lòng nhập một số nguyên, ví dụ 12 hoặc 1.234.")
        value = int(text.replace(".", ""))
    else:
        if _DOT_DECIMAL.match(text):
            value = float(text)
        elif _DECIMAL.match(text):
            value = float(text.replace(".", "").replace(",", "."))
        else:
            return None, _("Vui lòng nhập một số, ví dụ 6,5 hoặc 12.")
    if value > MAX:
        return None, _("Số quá lớn (tối đa 1.000.000.000).")
    return value, None


def format_number(value):
    """12 → "12", 1234 → "1.234", 6.5 → "6,5", 1234.75 → "1.234,75"; None → ""."""
    if value is None:
        return ""
    if float(value) == int(value):
        return f"{int(value):,}".replace(",", ".")
    whole, frac = f"{value:.6f}".rstrip("0").split(".")
    return f"{int(whole):,}".replace(",", ".") + "," + frac
