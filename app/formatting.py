"""How numbers, money and dates read, through Flask-Babel: 1.610 and 05/03/2026 in Vietnamese, 1,610 in English.
Times are stored as naive UTC and shown in Vietnam's time (BABEL_DEFAULT_TIMEZONE)."""
from datetime import date, datetime, timezone

from flask import current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale

DATE = "dd/MM/yyyy"
DATETIME = "dd/MM/yyyy HH:mm"


def date_vn(value):
    if not value:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return format_datetime(value, DATETIME)  # converts to the user's time zone
    if isinstance(value, date):
        return format_date(value, DATE)
    return str(value)


def number_vn(value):
    return format_decimal(int(value or 0))


def money_vn(value):
    if value is None:
        return ""
    return number_vn(value) + " đ"


def select_locale():
    """The language: the `lang` cookie when it names one we speak, else Vietnamese (CLI commands too)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = request.cookies.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_formatting(app):
    app.jinja_env.filters.update(date_vn=date_vn, money_vn=money_vn, number_vn=number_vn)
    app.jinja_env.globals.update(get_locale=get_locale)
