from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import routes  # noqa: E402,F401


def register_extra(app):
    from .recovery import init_recovery

    init_recovery(app)
