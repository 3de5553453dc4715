from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import routes  # noqa: E402,F401
from ..audit.labels import register_labels  # noqa: E402
from .models import ROLES  # noqa: E402

register_labels(values={"role": ROLES})


def register_extra(app):
    from .recovery import init_recovery

    init_recovery(app)
