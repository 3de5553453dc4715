from flask import Blueprint

from .. import seams

bp = Blueprint("members", __name__, url_prefix="/members")

from . import panel, routes  # noqa: E402,F401  (routes use bp: the named cycle)
from .models import MEMBER_TYPES, OCCUPATIONS, POSTS, SEXES, STATUSES, TRANSFER_STATUSES  # noqa: E402

# ---- what this domain adds to the pages of others (app/seams.py), and its own person page's sections ------------
seams.register(seams.UNIT_PAGE, seams.Panel("members/_unit_panel.html", panel.unit_panel, order=10))
seams.register(seams.PERSON_PAGE, seams.Panel("members/_person_record.html", order=20))
seams.register(seams.PERSON_PAGE, seams.Panel("members/_person_history.html", order=90))
# the audit log and the conflict page show these codes by their names ("female" → "Nữ")
seams.register(seams.LABELS, seams.Labels("members", values={
    "sex": SEXES, "member_type": MEMBER_TYPES, "occupation": OCCUPATIONS, "status": STATUSES}))
# labels the templates show, said once (app-wide: the unit page and the classes' pages show them too)
for _name, _labels in {"MEMBER_TYPES": MEMBER_TYPES, "POSTS": POSTS, "TRANSFER_STATUSES": TRANSFER_STATUSES}.items():
    bp.add_app_template_global(_labels, _name)
