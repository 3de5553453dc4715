"""Targets per unit and year against a catalogue of indicators whose actuals come only from records, the
young-worker programme (Project 08), and the Party introduction pipeline, under /targets."""
from flask import Blueprint

from .. import seams

bp = Blueprint("targets", __name__, url_prefix="/targets")

from . import progress, routes  # noqa: E402,F401  (routes use bp: the named cycle)
from .models import KINDS, STEPS, TARGET_STATUSES  # noqa: E402

for _name, _labels in {"TARGET_STATUSES": TARGET_STATUSES, "TARGET_KINDS": KINDS, "PARTY_STEPS": STEPS}.items():
    bp.add_app_template_global(_labels, _name)

# ---- what this domain adds to the pages of others (app/seams.py) ---------------------------------------------------
seams.register(seams.UNIT_PAGE, seams.Panel("targets/_unit_panel.html", progress.unit_panel, order=15))
