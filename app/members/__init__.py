from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/members")

from . import routes  # noqa: E402,F401
from ..audit.labels import register_labels  # noqa: E402
from .models import MEMBER_TYPES, OCCUPATIONS, SEXES, STATUSES  # noqa: E402
from .panel import register  # noqa: E402

register()
# the audit log and the conflict page show these codes by their names ("female" → "Nữ")
register_labels(values={"sex": SEXES, "member_type": MEMBER_TYPES, "occupation": OCCUPATIONS, "status": STATUSES})
