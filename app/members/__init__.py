from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/members")

from . import routes  # noqa: E402,F401
from ..audit.labels import register_labels  # noqa: E402
from .criteria import CRITERIA, VERDICTS  # noqa: E402
from .models import MEMBER_TYPES, OCCUPATIONS, POSTS, SEXES, STATUSES, TRANSFER_STATUSES  # noqa: E402
from .panel import register  # noqa: E402

register()
# the audit log and the conflict page show these codes by their names ("female" → "Nữ")
register_labels(values={"sex": SEXES, "member_type": MEMBER_TYPES, "occupation": OCCUPATIONS, "status": STATUSES})
# labels the templates show, said once (app-wide: the unit page and the classes' pages show them too)
for _name, _labels in {"MEMBER_TYPES": MEMBER_TYPES, "POSTS": POSTS, "TRANSFER_STATUSES": TRANSFER_STATUSES,
                       "VERDICTS": VERDICTS, "CRITERIA": CRITERIA}.items():
    bp.add_app_template_global(_labels, _name)
