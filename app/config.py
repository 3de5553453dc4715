"""Defaults only. Secrets and the database come from the environment."""
import os
from datetime import timedelta


class Config:
    APP_ENV = os.environ.get("APP_ENV", "production")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None → SQLite in instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False
    WTF_CSRF_TIME_LIMIT = None  # a form opened in the morning must still save at dusk
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    # gc.set_threshold for serving processes (app.tune_gc, called by wsgi.py and the benches); None: Python's default.
    GC_THRESHOLD = (50_000, 20, 20)
    LANGUAGES = ("vi", "en")
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    COMPRESS_MIMETYPES = ["text/html", "text/css", "application/javascript", "text/javascript", "text/csv"]
    COMPRESS_ALGORITHM = ["gzip"]
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 500
    COMPRESS_STREAMS = False  # streamed (file) responses are not ours to buffer
    # Failed-login throttling (see auth.services.login_blocked_for): one account from one address 5 in 15 minutes;
    # one account from anywhere 20 an hour; one address for any accounts 20 in 15 minutes.
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    LOGIN_ACCOUNT_MAX_FAILURES = 20
    LOGIN_ACCOUNT_WINDOW = timedelta(hours=1)
    LOGIN_IP_MAX_FAILURES = 20
    # Reverse proxies in front of the app (nginx = 1): the client address is then read from X-Forwarded-For.
    # 0 (the default) trusts no forwarded header. Set SODOAN_PROXIES=1 (or SODOAN_PROXY_COUNT=1) behind nginx.
    PROXY_COUNT = int(os.environ.get("SODOAN_PROXIES", "0") or 0)
    # Production refuses a SECRET_KEY shorter than this many bytes.
    SECRET_KEY_MIN_BYTES = 32
    # Werkzeug's password hash method for new passwords. The tests' config (tests/conftest.py) names a cheap one.
    PASSWORD_HASH_METHOD = "scrypt"
    PAGE_SIZE = 25
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
