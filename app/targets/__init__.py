"""Targets per unit and year against a catalogue of indicators whose actuals come only from records, the
young-worker programme (Project 08), and the Party introduction pipeline, under /targets."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import seams

bp = Blueprint("targets", __name__, url_prefix="/targets")

from . import party, progress, routes  # noqa: E402,F401  (routes use bp: the named cycle)
from .models import KINDS, STEPS, TARGET_STATUSES  # noqa: E402

for _name, _labels in {"TARGET_STATUSES": TARGET_STATUSES, "TARGET_KINDS": KINDS, "PARTY_STEPS": STEPS}.items():
    bp.add_app_template_global(_labels, _name)

# ---- what this domain adds to the pages of others (app/seams.py) ---------------------------------------------------
seams.register(seams.UNIT_PAGE, seams.Panel("targets/_unit_panel.html", progress.unit_panel, order=15))
seams.register(seams.PERSON_PAGE, seams.Panel("targets/_person_party.html", party.person_panel, order=60))
# the fields a target's audit entries record (its status codes are not registered: "approved" / "returned" would
# rename other domains' codes in the log)
seams.register(seams.LABELS, seams.Labels("targets", fields={
    "number": _l("Phiên bản"), "value": _l("Chỉ tiêu"), "justification": _l("Lý giải"),
    "assigned_by_parent": _l("Cấp trên phân bổ"), "flags": _l("Cảnh báo"), "approval_reason": _l("Lý do duyệt"),
    "return_reason": _l("Lý do trả lại"), "superseded": _l("Đã thay thế")}))
