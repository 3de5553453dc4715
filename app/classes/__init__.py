"""Sympathizer classes and cadre training: classes, sessions, enrolment, attendance, results, certificates,
printable sign-in sheets, and the admission checklist of the graduates."""
from flask import Blueprint

bp = Blueprint("classes", __name__, url_prefix="/classes")

from . import routes  # noqa: E402,F401
from ..panels import register_unit_panel  # noqa: E402
from .models import PEOPLE_COUNTS, RESULTS  # noqa: E402
from .routes import unit_panel_context  # noqa: E402

register_unit_panel("classes/_unit_panel.html", unit_panel_context, order=30)
# labels the templates show, said once (app-wide: the person page shows a class's result too)
bp.add_app_template_global(RESULTS, "CLASS_RESULTS")
bp.add_app_template_global(PEOPLE_COUNTS, "CLASS_PEOPLE_COUNTS")
