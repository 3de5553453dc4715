from flask import Blueprint

from .. import seams

bp = Blueprint("inspections", __name__, url_prefix="/inspections")

from . import queries, routes  # noqa: E402,F401  (routes use bp: the named cycle)
from .models import ACTION_FILTERS, CHOICES, INSPECTED  # noqa: E402
from .numbers import format_number  # noqa: E402

bp.add_app_template_filter(format_number, "number_answer")
# labels the templates show, said once
bp.add_app_template_global(CHOICES, "ANSWER_CHOICES")
bp.add_app_template_global(ACTION_FILTERS, "ACTION_FILTERS")
bp.add_app_template_global(INSPECTED, "COMMUNE_INSPECTED")

# ---- what this domain adds to the pages of others (app/seams.py) -------------------------------------------------
seams.register(seams.UNIT_PAGE, seams.Panel("inspections/_unit_panel.html", queries.unit_panel, order=40))
