"""Sympathizer classes and cadre training: classes, sessions, enrolment, attendance, results, certificates,
printable sign-in sheets, and the admission checklist of the graduates."""
from flask import Blueprint

from .. import seams

bp = Blueprint("classes", __name__, url_prefix="/classes")

from . import queries, routes  # noqa: E402  (routes use bp: the named cycle)
from .models import PEOPLE_COUNTS, RESULTS  # noqa: E402

# ---- what this domain adds to the pages of others (app/seams.py) -------------------------------------------------
seams.register(seams.UNIT_PAGE, seams.Panel("classes/_unit_panel.html", routes.unit_panel_context, order=30))
seams.register(seams.PERSON_PAGE, seams.Panel("classes/_person_trainings.html", queries.person_trainings_panel,
                                              order=40))
# labels the templates show, said once (app-wide: the person page shows a class's result too)
bp.add_app_template_global(RESULTS, "CLASS_RESULTS")
bp.add_app_template_global(PEOPLE_COUNTS, "CLASS_PEOPLE_COUNTS")
